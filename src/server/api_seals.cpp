// Electronic seal objects: thin handlers over services/seal_service.h under /api/v1/seals. Operators
// (operate_business) make seals, change their state, register seal users and grant seals; every change is
// audited by the service.
#include "common/clock.h"
#include "common/logging.h"
#include "image/seal_render.h"
#include "server/api.h"
#include "services/seal_service.h"

namespace medsign::server::api {
namespace {
using services::Permission;
using Svc = services::SealService;
using Res = Result<HttpResponse>;


nlohmann::json user_json(const services::SealUser& u) {
  nlohmann::json j = {{"id", u.id},
                      {"username", u.username},
                      {"display_name", u.display_name},
                      {"created_at", iso8601_millis(u.created_at_ms)}};
  if (u.certificate)
    j["certificate"] = {{"subject", u.certificate->subject().to_string()},
                        {"sha256", u.certificate->fingerprint_sha256()}};
  return j;
}

nlohmann::json grant_json(const services::SealGrant& g) {
  return {{"seal_id", g.seal_id}, {"user_id", g.user_id}, {"granted_by", g.granted_by},
          {"granted_at", iso8601_millis(g.granted_at_ms)}};
}

Result<std::string> str(const nlohmann::json& j, const char* key, bool required = false) {
  if (!j.contains(key) || j[key].is_null()) {
    if (required) return Error(Errc::missing_field, std::string(key) + " is required");
    return std::string();
  }
  if (!j[key].is_string()) return Error(Errc::invalid_argument, std::string(key) + " must be a string");
  return j[key].get<std::string>();
}

Result<std::int64_t> num(const nlohmann::json& j, const char* key, std::int64_t fallback) {
  if (!j.contains(key) || j[key].is_null()) return fallback;
  if (!j[key].is_number()) return Error(Errc::invalid_argument, std::string(key) + " must be a number");
  return static_cast<std::int64_t>(j[key].get<double>());
}

Result<std::int64_t> time_field(const nlohmann::json& j, const char* key) {
  MEDSIGN_ASSIGN(std::string v, str(j, key));
  if (v.empty()) return std::int64_t{0};
  std::int64_t ms = parse_iso8601_millis(v);
  if (ms < 0) return Error(Errc::invalid_argument, std::string(key) + " must be an ISO 8601 UTC time");
  return ms;
}

Result<std::vector<std::string>> str_list(const nlohmann::json& j, const char* key) {
  std::vector<std::string> out;
  if (!j.contains(key) || j[key].is_null()) return out;
  if (!j[key].is_array()) return Error(Errc::invalid_argument, std::string(key) + " must be an array of strings");
  for (const auto& v : j[key]) {
    if (!v.is_string()) return Error(Errc::invalid_argument, std::string(key) + " must be an array of strings");
    out.push_back(v.get<std::string>());
  }
  return out;
}

// POST /api/v1/seals body → NewSeal.
Result<services::NewSeal> new_seal(const nlohmann::json& j) {
  if (!j.is_object()) return Error(Errc::bad_request, "the body must be a JSON object");
  services::NewSeal s;
  MEDSIGN_ASSIGN(s.name, str(j, "name", true));
  MEDSIGN_ASSIGN(s.owner, str(j, "owner"));
  MEDSIGN_ASSIGN(std::string type, str(j, "type"));
  if (type.empty() || type == "organisation") s.type = 1;
  else if (type == "personal") s.type = 2;
  else return Error(Errc::invalid_argument, "type must be organisation or personal");
  MEDSIGN_ASSIGN(std::int64_t version, num(j, "version", 4));
  s.version = static_cast<int>(version);
  MEDSIGN_ASSIGN(s.width_mm, num(j, "width_mm", 0));
  MEDSIGN_ASSIGN(s.height_mm, num(j, "height_mm", 0));
  MEDSIGN_ASSIGN(s.key_names, str_list(j, "keys"));
  MEDSIGN_ASSIGN(s.certificates_pem, str_list(j, "certificates"));
  MEDSIGN_ASSIGN(s.valid_start_ms, time_field(j, "valid_start"));
  MEDSIGN_ASSIGN(s.valid_end_ms, time_field(j, "valid_end"));
  MEDSIGN_ASSIGN(std::string docmdp, str(j, "docmdp"));
  if (!docmdp.empty()) {
    auto d = services::parse_docmdp(docmdp);
    if (!d) return Error(Errc::invalid_argument, "docmdp must be none, no-changes, form-fill or annotations");
    s.docmdp = *d;
  }
  MEDSIGN_ASSIGN(std::int64_t list_type, num(j, "cert_list_type", 1));
  s.cert_list_type = static_cast<int>(list_type);
  if (j.contains("activate")) {
    if (!j["activate"].is_boolean()) return Error(Errc::invalid_argument, "activate must be true or false");
    s.activate = j["activate"].get<bool>();
  }
  MEDSIGN_ASSIGN(std::string png, str(j, "picture_png"));
  if (!png.empty()) {
    auto b = base64_decode(png);
    if (!b) return Error(Errc::invalid_argument, "picture_png must be Base64");
    s.picture_png = std::move(*b);
  }
  if (j.contains("template")) {
    const auto& t = j["template"];
    if (!t.is_object()) return Error(Errc::invalid_argument, "template must be an object");
    image::SealOptions o;
    MEDSIGN_ASSIGN(std::string kind, str(t, "kind"));
    if (!kind.empty()) {
      auto k = image::parse_seal_kind(kind);
      if (!k) return Error(Errc::invalid_argument, "template.kind must be round, oval, square, name or name-rect");
      o.kind = *k;
    } else {
      o.kind = s.type == 1 ? image::SealKind::round : image::SealKind::name;
    }
    o.star = o.kind == image::SealKind::round;
    MEDSIGN_ASSIGN(o.name, str(t, "name"));
    if (o.name.empty()) o.name = s.owner.empty() ? s.name : s.owner;
    MEDSIGN_ASSIGN(o.text, str(t, "text"));
    MEDSIGN_ASSIGN(o.code, str(t, "code"));
    MEDSIGN_ASSIGN(std::string colour, str(t, "colour"));
    if (!colour.empty()) o.colour = colour;
    MEDSIGN_ASSIGN(std::int64_t dpi, num(t, "dpi", 300));
    if (dpi < 150 || dpi > 600) return Error(Errc::invalid_argument, "template.dpi must be 150..600");
    o.dpi = static_cast<int>(dpi);
    o.width_mm = static_cast<double>(s.width_mm);
    o.height_mm = static_cast<double>(s.height_mm);
    s.render = o;
  }
  return s;
}

Result<std::string> reason_of(const RequestContext& ctx) {
  if (ctx.req.body().empty()) return std::string();
  MEDSIGN_ASSIGN(auto j, parse_json_body(ctx));
  if (!j.is_object()) return Error(Errc::bad_request, "the body must be a JSON object");
  return str(j, "reason");
}

HttpResponse binary(const Bytes& b, const char* type, const std::string& filename) {
  auto res = attachment_response(std::string(b.begin(), b.end()), type, filename);
  res.set(http::field::cache_control, "no-store");
  return res;
}
}  // namespace

void register_seals(Router& r, ApiContext& api) {
  if (!api.seals) {
    auto svc = Svc::open(api.platform.keys, *api.platform.db, api.platform.audit.get());
    if (svc) api.seals = std::shared_ptr<Svc>(std::move(*svc));
    else log::warn("electronic seals unavailable", {{"error", svc.error().to_string()}});
  }
  auto op = [&api](std::function<Res(Svc&, const services::Actor&, RequestContext&)> fn) {
    return [&api, fn](RequestContext& ctx) -> HttpResponse {
      auto a = authorize(api, ctx, Permission::operate_business);
      if (!a) return error_response(a.error(), ctx.request_id);
      if (!api.seals) return error_response(Error(Errc::unavailable, "electronic seals"), ctx.request_id);
      services::Actor actor = a->actor;
      actor.source = ctx.remote_addr;
      auto res = fn(*api.seals, actor, ctx);
      if (!res) return error_response(res.error(), ctx.request_id);
      return std::move(*res);
    };
  };
  auto id_of = [](RequestContext& ctx) { return ctx.path_params["id"]; };

  r.add(http::verb::get, "/api/v1/seals", op([](Svc& s, const services::Actor&, RequestContext& ctx) -> Res {
          services::SealQuery q;
          std::string state = ctx.query_or("state", "");
          if (!state.empty()) {
            q.state = services::parse_seal_state(state);
            if (!q.state) return Error(Errc::invalid_argument, "state must be made, active, suspended or revoked");
          }
          std::string type = ctx.query_or("type", "");
          if (type == "organisation") q.type = 1;
          else if (type == "personal") q.type = 2;
          else if (!type.empty()) return Error(Errc::invalid_argument, "type must be organisation or personal");
          q.owner = ctx.query_or("owner", "");
          q.name = ctx.query_or("name", "");
          MEDSIGN_ASSIGN(auto seals, s.list(q));
          auto items = nlohmann::json::array();
          for (const auto& x : seals) items.push_back(services::to_json(x));
          return json_response(200, {{"items", items}});
        }));

  r.add(http::verb::post, "/api/v1/seals", op([](Svc& s, const services::Actor& a, RequestContext& ctx) -> Res {
          MEDSIGN_ASSIGN(auto j, parse_json_body(ctx));
          MEDSIGN_ASSIGN(services::NewSeal spec, new_seal(j));
          MEDSIGN_ASSIGN(auto made, s.make(spec, a, unix_millis()));
          return json_response(201, services::to_json(made));
        }));

  r.add(http::verb::get, "/api/v1/seals/{id}", op([id_of](Svc& s, const services::Actor&, RequestContext& ctx) -> Res {
          MEDSIGN_ASSIGN(auto seal, s.get(id_of(ctx)));
          return json_response(200, services::to_json(seal));
        }));

  r.add(http::verb::post, "/api/v1/seals/{id}/activate",
        op([id_of](Svc& s, const services::Actor& a, RequestContext& ctx) -> Res {
          MEDSIGN_ASSIGN(auto seal, s.activate(id_of(ctx), a));
          return json_response(200, services::to_json(seal));
        }));
  r.add(http::verb::post, "/api/v1/seals/{id}/suspend",
        op([id_of](Svc& s, const services::Actor& a, RequestContext& ctx) -> Res {
          MEDSIGN_ASSIGN(std::string reason, reason_of(ctx));
          MEDSIGN_ASSIGN(auto seal, s.suspend(id_of(ctx), reason, a));
          return json_response(200, services::to_json(seal));
        }));
  r.add(http::verb::post, "/api/v1/seals/{id}/resume",
        op([id_of](Svc& s, const services::Actor& a, RequestContext& ctx) -> Res {
          MEDSIGN_ASSIGN(auto seal, s.resume(id_of(ctx), a));
          return json_response(200, services::to_json(seal));
        }));
  r.add(http::verb::post, "/api/v1/seals/{id}/revoke",
        op([id_of](Svc& s, const services::Actor& a, RequestContext& ctx) -> Res {
          MEDSIGN_ASSIGN(std::string reason, reason_of(ctx));
          MEDSIGN_ASSIGN(auto seal, s.revoke(id_of(ctx), reason, a));
          return json_response(200, services::to_json(seal));
        }));

  r.add(http::verb::get, "/api/v1/seals/{id}/history",
        op([id_of](Svc& s, const services::Actor&, RequestContext& ctx) -> Res {
          MEDSIGN_ASSIGN(auto events, s.history(id_of(ctx)));
          auto items = nlohmann::json::array();
          for (const auto& e : events) items.push_back(services::to_json(e));
          return json_response(200, {{"seal_id", id_of(ctx)}, {"items", items}});
        }));

  r.add(http::verb::get, "/api/v1/seals/{id}/picture",
        op([id_of](Svc& s, const services::Actor&, RequestContext& ctx) -> Res {
          MEDSIGN_ASSIGN(auto seal, s.get(id_of(ctx)));
          return binary(seal.picture, "image/png", seal.id + ".png");
        }));
  r.add(http::verb::get, "/api/v1/seals/{id}/eseal",
        op([id_of](Svc& s, const services::Actor&, RequestContext& ctx) -> Res {
          MEDSIGN_ASSIGN(auto seal, s.get(id_of(ctx)));
          return binary(seal.eseal, "application/octet-stream", seal.id + ".esl");
        }));

  r.add(http::verb::get, "/api/v1/seals/{id}/grants",
        op([id_of](Svc& s, const services::Actor&, RequestContext& ctx) -> Res {
          MEDSIGN_TRY(s.get(id_of(ctx)));
          MEDSIGN_ASSIGN(auto grants, s.grants(id_of(ctx)));
          auto items = nlohmann::json::array();
          for (const auto& g : grants) items.push_back(grant_json(g));
          return json_response(200, {{"items", items}});
        }));
  r.add(http::verb::post, "/api/v1/seals/{id}/grants",
        op([id_of](Svc& s, const services::Actor& a, RequestContext& ctx) -> Res {
          MEDSIGN_ASSIGN(auto j, parse_json_body(ctx));
          if (!j.is_object()) return Error(Errc::bad_request, "the body must be a JSON object");
          MEDSIGN_ASSIGN(std::string user, str(j, "user_id", true));
          MEDSIGN_ASSIGN(auto g, s.grant(id_of(ctx), user, a, unix_millis()));
          return json_response(201, grant_json(g));
        }));
  r.add(http::verb::delete_, "/api/v1/seals/{id}/grants/{user_id}",
        op([id_of](Svc& s, const services::Actor& a, RequestContext& ctx) -> Res {
          MEDSIGN_TRY(s.ungrant(id_of(ctx), ctx.path_params["user_id"], a));
          return json_response(200, {{"removed", true}});
        }));

  r.add(http::verb::get, "/api/v1/seals/users", op([](Svc& s, const services::Actor&, RequestContext&) -> Res {
          MEDSIGN_ASSIGN(auto users, s.users());
          auto items = nlohmann::json::array();
          for (const auto& u : users) items.push_back(user_json(u));
          return json_response(200, {{"items", items}});
        }));
  r.add(http::verb::post, "/api/v1/seals/users", op([](Svc& s, const services::Actor& a, RequestContext& ctx) -> Res {
          MEDSIGN_ASSIGN(auto j, parse_json_body(ctx));
          if (!j.is_object()) return Error(Errc::bad_request, "the body must be a JSON object");
          services::NewSealUser u;
          MEDSIGN_ASSIGN(u.username, str(j, "username"));
          MEDSIGN_ASSIGN(u.display_name, str(j, "display_name"));
          MEDSIGN_ASSIGN(u.certificate_pem, str(j, "certificate"));
          MEDSIGN_ASSIGN(auto made, s.add_user(u, a, unix_millis()));
          return json_response(201, user_json(made));
        }));
  r.add(http::verb::get, "/api/v1/seals/users/{user_id}",
        op([](Svc& s, const services::Actor&, RequestContext& ctx) -> Res {
          MEDSIGN_ASSIGN(auto u, s.user(ctx.path_params["user_id"]));
          return json_response(200, user_json(u));
        }));
  r.add(http::verb::delete_, "/api/v1/seals/users/{user_id}",
        op([](Svc& s, const services::Actor& a, RequestContext& ctx) -> Res {
          MEDSIGN_TRY(s.remove_user(ctx.path_params["user_id"], a));
          return json_response(200, {{"removed", true}});
        }));
}

}  // namespace medsign::server::api
