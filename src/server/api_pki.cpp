// Certificate trust under /api/v1/pki: trust anchors and intermediates, projects with their white- or
// black-lists, verification policies, CRL sources and CRLs, and certificate verification. Thin handlers over
// services/pki_policy.h. Operators only (operate_business); every change is audited by the service with
// the operator as actor.
#include <nlohmann/json.hpp>

#include "common/clock.h"
#include "common/logging.h"
#include "server/api.h"
#include "services/pki_policy.h"

namespace medsign::server::api {
namespace {
using services::Permission;
using Json = nlohmann::json;

services::PkiActor actor_of(const Authed& a, const RequestContext& ctx) {
  return {a.actor.name, std::string(services::role_name(a.actor.role)), ctx.remote_addr};
}

// A certificate, CRL or list entry from the body: raw (PEM text or DER), or JSON {field: PEM or Base64 DER}.
Result<Bytes> object_body(const RequestContext& ctx, const char* field) {
  if (ctx.header("Content-Type").rfind("application/json", 0) == 0) {
    MEDSIGN_ASSIGN(Json j, parse_json_body(ctx));
    if (!j.contains(field) || !j[field].is_string()) return Error(Errc::missing_field, std::string(field) + ": required");
    const std::string v = j[field].get<std::string>();
    if (v.find("-----BEGIN") != std::string::npos || v.find_first_not_of("0123456789abcdefABCDEF:") == std::string::npos)
      return to_bytes(v);
    auto der = base64_decode(v);
    if (!der) return Error(Errc::bad_encoding, std::string(field) + ": PEM or Base64 DER expected");
    return *der;
  }
  const std::string& body = ctx.req.body();
  if (body.empty()) return Error(Errc::missing_field, "empty body");
  return to_bytes(body);
}

Result<services::PkiProject> project_from_json(const Json& j, const std::string& name) {
  services::PkiProject p;
  p.name = name;
  try {
    p.description = j.value("description", "");
    if (j.contains("anchors")) p.anchors = j["anchors"].get<std::vector<std::string>>();
    MEDSIGN_ASSIGN(p.purpose, pki::purpose_from_name(j.value("purpose", "any")));
    MEDSIGN_ASSIGN(p.revocation, pki::revocation_mode_from_name(j.value("revocation", "crl_best_effort")));
    MEDSIGN_ASSIGN(p.list_mode, services::list_mode_from_name(j.value("list_mode", "none")));
    p.crl_grace_ms = j.value("crl_grace_ms", std::int64_t{0});
    p.max_path_length = j.value("max_path_length", 8);
  } catch (const nlohmann::json::exception& e) {
    return Error(Errc::invalid_argument, std::string("project: ") + e.what());
  }
  return p;
}

Result<services::PkiPolicy> policy_from_json(const Json& j, const std::string& name) {
  services::PkiPolicy p;
  p.name = name;
  try {
    p.description = j.value("description", "");
    if (j.contains("projects")) p.projects = j["projects"].get<std::vector<std::string>>();
    MEDSIGN_ASSIGN(p.crl_failure, services::crl_failure_from_name(j.value("crl_failure", "project")));
  } catch (const nlohmann::json::exception& e) {
    return Error(Errc::invalid_argument, std::string("policy: ") + e.what());
  }
  return p;
}

Result<services::CrlSource> source_from_json(const Json& j, services::CrlSource s) {
  try {
    s.ca_fingerprint = j.value("ca_fingerprint", s.ca_fingerprint);
    s.url = j.value("url", s.url);
    s.interval_s = j.value("interval_s", s.interval_s);
    s.timeout_ms = j.value("timeout_ms", s.timeout_ms);
    s.enabled = j.value("enabled", s.enabled);
  } catch (const nlohmann::json::exception& e) {
    return Error(Errc::invalid_argument, std::string("CRL source: ") + e.what());
  }
  return s;
}

Result<std::int64_t> source_id(RequestContext& ctx) {
  const std::string& v = ctx.path_params["id"];
  if (v.empty() || v.size() > 15 || v.find_first_not_of("0123456789") != std::string::npos)
    return Error(Errc::not_found, "no CRL source " + v);
  return std::stoll(v);
}

template <typename T>
Json list_json(const std::vector<T>& items) {
  Json a = Json::array();
  for (auto& i : items) a.push_back(services::to_json(i));
  return {{"items", a}};
}
}  // namespace

void register_pki(Router& r, ApiContext& api) {
  if (!api.pki) {
    auto svc = services::PkiPolicyService::open(*api.platform.db, *api.platform.audit);
    if (svc) api.pki = std::shared_ptr<services::PkiPolicyService>(std::move(*svc));
    else log::warn("certificate trust policies unavailable", {{"error", svc.error().to_string()}});
  }
  // Runs fn for an operator; errors become catalogue responses.
  auto op = [&api](std::function<Result<HttpResponse>(services::PkiPolicyService&, const services::PkiActor&,
                                                      RequestContext&)> fn) {
    return [&api, fn](RequestContext& ctx) -> HttpResponse {
      auto a = authorize(api, ctx, Permission::operate_business);
      if (!a) return error_response(a.error(), ctx.request_id);
      if (!api.pki) return error_response(Error(Errc::unavailable, "certificate trust policies"), ctx.request_id);
      auto res = fn(*api.pki, actor_of(*a, ctx), ctx);
      if (!res) return error_response(res.error(), ctx.request_id);
      return std::move(*res);
    };
  };
  using Svc = services::PkiPolicyService;
  using Actor = services::PkiActor;
  using Res = Result<HttpResponse>;

  // ---- anchors and intermediates ----
  for (std::string kind : {"anchor", "intermediate"}) {
    const std::string base = "/api/v1/pki/" + kind + "s";
    r.add(http::verb::get, base, op([kind](Svc& s, const Actor&, RequestContext&) -> Res {
            return json_response(200, list_json(s.certificates(kind)));
          }));
    r.add(http::verb::post, base, op([kind](Svc& s, const Actor& a, RequestContext& ctx) -> Res {
            MEDSIGN_ASSIGN(Bytes data, object_body(ctx, "certificate"));
            MEDSIGN_ASSIGN(auto added, s.add_certificates(kind, data, a));
            return json_response(201, list_json(added));
          }));
    r.add(http::verb::delete_, base + "/{fingerprint}", op([kind](Svc& s, const Actor& a, RequestContext& ctx) -> Res {
            MEDSIGN_TRY(s.remove_certificate(kind, ctx.path_params["fingerprint"], a));
            return json_response(200, {{"removed", ctx.path_params["fingerprint"]}});
          }));
  }

  // ---- projects and their lists ----
  r.add(http::verb::get, "/api/v1/pki/projects", op([](Svc& s, const Actor&, RequestContext&) -> Res {
          return json_response(200, list_json(s.projects()));
        }));
  r.add(http::verb::post, "/api/v1/pki/projects", op([](Svc& s, const Actor& a, RequestContext& ctx) -> Res {
          MEDSIGN_ASSIGN(Json j, parse_json_body(ctx));
          MEDSIGN_ASSIGN(auto p, project_from_json(j, j.value("name", "")));
          MEDSIGN_TRY(s.put_project(p, true, a));
          MEDSIGN_ASSIGN(auto created, s.project(p.name));
          return json_response(201, services::to_json(created));
        }));
  r.add(http::verb::get, "/api/v1/pki/projects/{name}", op([](Svc& s, const Actor&, RequestContext& ctx) -> Res {
          MEDSIGN_ASSIGN(auto p, s.project(ctx.path_params["name"]));
          return json_response(200, services::to_json(p));
        }));
  r.add(http::verb::put, "/api/v1/pki/projects/{name}", op([](Svc& s, const Actor& a, RequestContext& ctx) -> Res {
          MEDSIGN_ASSIGN(Json j, parse_json_body(ctx));
          MEDSIGN_ASSIGN(auto p, project_from_json(j, ctx.path_params["name"]));
          MEDSIGN_TRY(s.put_project(p, false, a));
          MEDSIGN_ASSIGN(auto updated, s.project(p.name));
          return json_response(200, services::to_json(updated));
        }));
  r.add(http::verb::delete_, "/api/v1/pki/projects/{name}", op([](Svc& s, const Actor& a, RequestContext& ctx) -> Res {
          MEDSIGN_TRY(s.remove_project(ctx.path_params["name"], a));
          return json_response(200, {{"removed", ctx.path_params["name"]}});
        }));
  r.add(http::verb::post, "/api/v1/pki/projects/{name}/list", op([](Svc& s, const Actor& a, RequestContext& ctx) -> Res {
          Result<Bytes> entry = Error(Errc::missing_field, "fingerprint or certificate: required");
          if (ctx.header("Content-Type").rfind("application/json", 0) == 0) {
            MEDSIGN_ASSIGN(Json j, parse_json_body(ctx));
            if (j.contains("fingerprint") && j["fingerprint"].is_string())
              entry = to_bytes(j["fingerprint"].get<std::string>());
            else
              entry = object_body(ctx, "certificate");
          } else {
            entry = object_body(ctx, "certificate");
          }
          if (!entry) return entry.error();
          MEDSIGN_ASSIGN(std::string fp, s.add_to_list(ctx.path_params["name"], *entry, a));
          MEDSIGN_ASSIGN(auto p, s.project(ctx.path_params["name"]));
          return json_response(201, {{"fingerprint", fp}, {"project", services::to_json(p)}});
        }));
  r.add(http::verb::delete_, "/api/v1/pki/projects/{name}/list/{fingerprint}",
        op([](Svc& s, const Actor& a, RequestContext& ctx) -> Res {
          MEDSIGN_TRY(s.remove_from_list(ctx.path_params["name"], ctx.path_params["fingerprint"], a));
          return json_response(200, {{"removed", ctx.path_params["fingerprint"]}});
        }));

  // ---- verification policies ----
  r.add(http::verb::get, "/api/v1/pki/policies", op([](Svc& s, const Actor&, RequestContext&) -> Res {
          return json_response(200, list_json(s.policies()));
        }));
  r.add(http::verb::post, "/api/v1/pki/policies", op([](Svc& s, const Actor& a, RequestContext& ctx) -> Res {
          MEDSIGN_ASSIGN(Json j, parse_json_body(ctx));
          MEDSIGN_ASSIGN(auto p, policy_from_json(j, j.value("name", "")));
          MEDSIGN_TRY(s.put_policy(p, true, a));
          MEDSIGN_ASSIGN(auto created, s.policy(p.name));
          return json_response(201, services::to_json(created));
        }));
  r.add(http::verb::get, "/api/v1/pki/policies/{name}", op([](Svc& s, const Actor&, RequestContext& ctx) -> Res {
          MEDSIGN_ASSIGN(auto p, s.policy(ctx.path_params["name"]));
          return json_response(200, services::to_json(p));
        }));
  r.add(http::verb::put, "/api/v1/pki/policies/{name}", op([](Svc& s, const Actor& a, RequestContext& ctx) -> Res {
          MEDSIGN_ASSIGN(Json j, parse_json_body(ctx));
          MEDSIGN_ASSIGN(auto p, policy_from_json(j, ctx.path_params["name"]));
          MEDSIGN_TRY(s.put_policy(p, false, a));
          MEDSIGN_ASSIGN(auto updated, s.policy(p.name));
          return json_response(200, services::to_json(updated));
        }));
  r.add(http::verb::delete_, "/api/v1/pki/policies/{name}", op([](Svc& s, const Actor& a, RequestContext& ctx) -> Res {
          MEDSIGN_TRY(s.remove_policy(ctx.path_params["name"], a));
          return json_response(200, {{"removed", ctx.path_params["name"]}});
        }));

  // ---- CRL sources and CRLs ----
  r.add(http::verb::get, "/api/v1/pki/crl-sources", op([](Svc& s, const Actor&, RequestContext&) -> Res {
          MEDSIGN_ASSIGN(auto all, s.crl_sources());
          return json_response(200, list_json(all));
        }));
  r.add(http::verb::post, "/api/v1/pki/crl-sources", op([](Svc& s, const Actor& a, RequestContext& ctx) -> Res {
          MEDSIGN_ASSIGN(Json j, parse_json_body(ctx));
          MEDSIGN_ASSIGN(auto src, source_from_json(j, {}));
          MEDSIGN_ASSIGN(auto added, s.add_crl_source(src, a));
          return json_response(201, services::to_json(added));
        }));
  r.add(http::verb::get, "/api/v1/pki/crl-sources/{id}", op([](Svc& s, const Actor&, RequestContext& ctx) -> Res {
          MEDSIGN_ASSIGN(std::int64_t id, source_id(ctx));
          MEDSIGN_ASSIGN(auto src, s.crl_source(id));
          return json_response(200, services::to_json(src));
        }));
  r.add(http::verb::put, "/api/v1/pki/crl-sources/{id}", op([](Svc& s, const Actor& a, RequestContext& ctx) -> Res {
          MEDSIGN_ASSIGN(std::int64_t id, source_id(ctx));
          MEDSIGN_ASSIGN(auto cur, s.crl_source(id));
          MEDSIGN_ASSIGN(Json j, parse_json_body(ctx));
          MEDSIGN_ASSIGN(auto src, source_from_json(j, cur));
          src.id = id;
          MEDSIGN_TRY(s.update_crl_source(src, a));
          MEDSIGN_ASSIGN(auto updated, s.crl_source(id));
          return json_response(200, services::to_json(updated));
        }));
  r.add(http::verb::delete_, "/api/v1/pki/crl-sources/{id}", op([](Svc& s, const Actor& a, RequestContext& ctx) -> Res {
          MEDSIGN_ASSIGN(std::int64_t id, source_id(ctx));
          MEDSIGN_TRY(s.remove_crl_source(id, a));
          return json_response(200, {{"removed", id}});
        }));
  r.add(http::verb::post, "/api/v1/pki/crl-sources/{id}/fetch", op([](Svc& s, const Actor& a, RequestContext& ctx) -> Res {
          MEDSIGN_ASSIGN(std::int64_t id, source_id(ctx));
          // The outcome is recorded on the source either way; a failed fetch answers with its error.
          MEDSIGN_ASSIGN(auto src, s.fetch_crl_source(id, unix_millis(), a));
          return json_response(200, services::to_json(src));
        }));
  r.add(http::verb::get, "/api/v1/pki/crls", op([](Svc& s, const Actor&, RequestContext&) -> Res {
          return json_response(200, list_json(s.crls()));
        }));
  r.add(http::verb::post, "/api/v1/pki/crls", op([](Svc& s, const Actor& a, RequestContext& ctx) -> Res {
          MEDSIGN_ASSIGN(Bytes data, object_body(ctx, "crl"));
          std::string ca = ctx.query_or("ca", "");
          if (ctx.header("Content-Type").rfind("application/json", 0) == 0) {
            MEDSIGN_ASSIGN(Json j, parse_json_body(ctx));
            ca = j.value("ca_fingerprint", ca);
          }
          MEDSIGN_ASSIGN(auto info, s.upload_crl(data, ca, a));
          return json_response(201, services::to_json(info));
        }));

  // ---- verification ----
  r.add(http::verb::post, "/api/v1/pki/verify", op([](Svc& s, const Actor&, RequestContext& ctx) -> Res {
          MEDSIGN_ASSIGN(Json j, parse_json_body(ctx));
          services::VerifyRequest req;
          req.policy = j.value("policy", "");
          if (req.policy.empty()) return Error(Errc::missing_field, "policy: required");
          MEDSIGN_ASSIGN(req.certificate, object_body(ctx, "certificate"));
          if (j.contains("at")) {
            if (!j["at"].is_string()) return Error(Errc::invalid_argument, "at: ISO 8601 UTC time");
            const std::int64_t at = parse_iso8601_millis(j["at"].get<std::string>());
            if (at < 0) return Error(Errc::invalid_argument, "at: ISO 8601 UTC time");
            req.at_ms = at;
          }
          MEDSIGN_ASSIGN(auto result, s.verify(req));
          Json out = services::to_json(result);
          out["policy"] = req.policy;
          out["at"] = iso8601_millis(req.at_ms.value_or(unix_millis()));
          return json_response(200, out);
        }));
}

}  // namespace medsign::server::api
