// TSA management and the issued-token log: thin handlers over services/tsa_admin.h and services/tsa_log.h.
// Management is for operators (operate_business) and audited; the token log is readable by operators and
// by auditors (read_audit).
#include "common/clock.h"
#include "common/logging.h"
#include "server/api.h"
#include "services/providers.h"
#include "services/tsa_admin.h"
#include "services/tsa_log.h"

namespace medsign::server::api {
namespace {
using services::Permission;

// Operators and auditors: either permission admits the request.
Result<Authed> authorize_log_reader(ApiContext& api, RequestContext& ctx) {
  MEDSIGN_ASSIGN(Authed a, authorize(api, ctx, std::nullopt));
  auto role = a.session.role;
  if (services::allowed(role, Permission::operate_business) || services::allowed(role, Permission::read_audit)) return a;
  (void)api.platform.audit->record({a.actor.name, std::string(services::role_name(role)), "access.denied",
                                    std::string(http::to_string(ctx.req.method())) + " " + ctx.route, "denied",
                                    ctx.remote_addr, "missing permission operate_business or read_audit"});
  return Error(Errc::forbidden, "the role " + std::string(services::role_name(role)) +
                                    " may not read the timestamp log (operators and auditors may)");
}


Status reload(ApiContext& api) { return api.tsa ? api.tsa->reload(api.platform.keys) : Status{}; }

// Where a new unit key goes: {"provider": "sdf", "index": 3, "password": "...", "existing": false}; absent or
// "soft-store" keeps the key in the data dir's key store as before.
Result<std::optional<services::ProviderUnitKey>> unit_key_place(const nlohmann::json& j) {
  if (!j.contains("provider") || j["provider"].is_null()) return std::optional<services::ProviderUnitKey>();
  if (!j["provider"].is_string()) return Error(Errc::invalid_argument, "provider must be a string");
  services::ProviderUnitKey w;
  w.provider = j["provider"].get<std::string>();
  if (w.provider == "soft-store") return std::optional<services::ProviderUnitKey>();
  if (j.contains("index") && !j["index"].is_null()) {
    if (!j["index"].is_number_unsigned() || j["index"].get<std::uint64_t>() > 65535)
      return Error(Errc::invalid_argument, "index: 1 to 65535, or absent for the lowest free");
    w.index = j["index"].get<std::uint32_t>();
  }
  if (j.contains("password") && !j["password"].is_null()) {
    if (!j["password"].is_string()) return Error(Errc::invalid_argument, "password must be a string");
    w.password = j["password"].get<std::string>();
  }
  if (j.contains("existing")) {
    if (!j["existing"].is_boolean()) return Error(Errc::invalid_argument, "existing must be true or false");
    w.existing = j["existing"].get<bool>();
  }
  return std::optional<services::ProviderUnitKey>(std::move(w));
}

nlohmann::json cert_json(const pki::Certificate& c) {
  return {{"subject", c.subject().to_string()},
          {"issuer", c.issuer().to_string()},
          {"serial", c.serial_hex()},
          {"algorithm", pki::key_type_name(c.key_type())},
          {"not_before", iso8601_millis(c.not_before_ms())},
          {"not_after", iso8601_millis(c.not_after_ms())},
          {"sha256", c.fingerprint_sha256()},
          {"pem", c.to_pem()}};
}

Result<services::TokenQuery> token_query(const RequestContext& ctx) {
  services::TokenQuery q;
  q.serial = ctx.query_or("serial", "");
  q.requester = ctx.query_or("requester", "");
  q.imprint = ctx.query_or("imprint", "");
  q.unit = ctx.query_or("unit", "");
  for (const char* k : {"from", "to"}) {
    std::string v = ctx.query_or(k, "");
    if (v.empty()) continue;
    std::int64_t ms = parse_iso8601_millis(v);
    if (ms < 0) return Error(Errc::invalid_argument, std::string(k) + " must be an ISO 8601 UTC time");
    (k[0] == 'f' ? q.from_ms : q.to_ms) = ms;
  }
  auto int_param = [&](const char* k, int& out) -> Status {
    std::string v = ctx.query_or(k, "");
    if (v.empty()) return {};
    if (v.size() > 9 || v.find_first_not_of("0123456789") != std::string::npos)
      return Error(Errc::invalid_argument, std::string(k) + " must be a positive number");
    out = std::stoi(v);
    return {};
  };
  MEDSIGN_TRY(int_param("page", q.page));
  MEDSIGN_TRY(int_param("page_size", q.page_size));
  return q;
}
}  // namespace

void register_tsa_admin(Router& r, ApiContext& api) {
  auto& p = api.platform;
  auto providers = providers_of(api);
  if (api.tsa) {
    // Units whose key is in a crypto provider start signing once the providers are known.
    api.tsa->set_providers(providers);
    bool any = false;
    for (auto& u : services::tsa_unit_names(p.keys)) any = any || services::unit_in_provider(p.keys, u);
    if (any) {
      auto st = api.tsa->reload(p.keys);
      if (!st) log::warn("TSA units not reloaded", {{"error", st.error().to_string()}});
    }
  }

  r.add(http::verb::get, "/api/v1/tsa/tokens", [&](RequestContext& ctx) {
    auto a = authorize_log_reader(api, ctx);
    if (!a) return error_response(a.error(), ctx.request_id);
    auto q = token_query(ctx);
    if (!q) return error_response(q.error(), ctx.request_id);
    auto page = services::search_tokens(*p.db, *q);
    if (!page) return error_response(page.error(), ctx.request_id);
    auto items = nlohmann::json::array();
    for (auto& t : page->items) items.push_back(services::token_record_json(t));
    return json_response(200, {{"items", items}, {"total", page->total}, {"page", page->page},
                               {"page_size", page->page_size}});
  });

  r.add(http::verb::get, "/api/v1/tsa/tokens/{serial}", [&](RequestContext& ctx) {
    auto a = authorize_log_reader(api, ctx);
    if (!a) return error_response(a.error(), ctx.request_id);
    auto found = services::find_token(*p.db, ctx.path_params["serial"]);
    if (!found) return error_response(found.error(), ctx.request_id);
    auto details = services::token_details(found->second);
    if (!details) return error_response(details.error(), ctx.request_id);
    nlohmann::json j = services::token_record_json(found->first);
    j["token"] = *details;
    return json_response(200, j);
  });

  r.add(http::verb::get, "/api/v1/tsa/tokens/{serial}/token", [&](RequestContext& ctx) {
    auto a = authorize_log_reader(api, ctx);
    if (!a) return error_response(a.error(), ctx.request_id);
    auto found = services::find_token(*p.db, ctx.path_params["serial"]);
    if (!found) return error_response(found.error(), ctx.request_id);
    std::string format = ctx.query_or("format", "reply");
    Bytes body;
    std::string type, ext;
    if (format == "reply") {
      auto resp = tsp::encode_granted(found->second);
      if (!resp) return error_response(resp.error(), ctx.request_id);
      body = std::move(*resp);
      type = "application/timestamp-reply";
      ext = ".tsr";
    } else if (format == "token") {
      body = std::move(found->second);
      type = "application/pkcs7-mime; smime-type=signed-data";
      ext = ".tst";
    } else {
      return error_response(Error(Errc::invalid_argument, "format: reply or token"), ctx.request_id);
    }
    return attachment_response(std::string(body.begin(), body.end()), type, found->first.serial + ext);
  });

  r.add(http::verb::post, "/api/v1/tsa/units", [&](RequestContext& ctx) {
    auto a = authorize(api, ctx, Permission::operate_business);
    if (!a) return error_response(a.error(), ctx.request_id);
    auto body = parse_json_body(ctx);
    if (!body) return error_response(body.error(), ctx.request_id);
    std::string name = body->value("name", ""), alg = body->value("algorithm", "sm2");
    auto type = services::parse_tsa_algorithm(alg);
    auto place = unit_key_place(*body);
    Result<pki::Certificate> cert = !type    ? Result<pki::Certificate>(type.error())
                                    : !place ? Result<pki::Certificate>(place.error())
                                    : *place ? services::generate_unit_key(p.keys, *api.providers, name, *type, **place, a->actor)
                                             : services::generate_unit_key(p.keys, name, *type);
    Status st = cert ? reload(api) : Status(cert.error());
    std::string where = place && *place ? (*place)->provider : std::string("soft-store");
    std::optional<std::uint32_t> index;
    if (place && *place && cert) {
      auto ref = services::read_unit_key_ref(p.keys, name);
      if (ref) index = ref->index;
    }
    std::string detail = "algorithm " + alg + ", key in " + where;
    if (index) detail.append(" index ").append(std::to_string(*index));
    audit(api, ctx, *a, "tsa.key_generate", name, st, detail);
    if (!st) return error_response(st.error(), ctx.request_id);
    nlohmann::json res{{"name", name}, {"algorithm", alg}, {"provider", where}, {"certificate", cert_json(*cert)}};
    if (index) res["index"] = *index;
    return json_response(201, res);
  });

  r.add(http::verb::get, "/api/v1/tsa/units/{name}/csr", [&](RequestContext& ctx) {
    auto a = authorize(api, ctx, Permission::operate_business);
    if (!a) return error_response(a.error(), ctx.request_id);
    const std::string& name = ctx.path_params["name"];
    auto csr = services::unit_csr_pem(p.keys, name, api.providers.get());
    audit(api, ctx, *a, "tsa.csr_export", name, csr ? Status{} : Status(csr.error()));
    if (!csr) return error_response(csr.error(), ctx.request_id);
    return attachment_response(std::move(*csr), "application/pkcs10", "tsa-" + name + ".csr");
  });

  r.add(http::verb::put, "/api/v1/tsa/units/{name}/certificate", [&](RequestContext& ctx) {
    auto a = authorize(api, ctx, Permission::operate_business);
    if (!a) return error_response(a.error(), ctx.request_id);
    const std::string& name = ctx.path_params["name"];
    auto pem = certificate_pem_body(ctx);
    Result<pki::Certificate> cert = pem ? services::import_unit_certificate(p.keys, name, *pem, unix_millis(), api.providers.get())
                                        : Result<pki::Certificate>(pem.error());
    Status st = cert ? reload(api) : Status(cert.error());
    audit(api, ctx, *a, "tsa.certificate_import", name, st, cert ? cert->subject().to_string() : std::string());
    if (!st) return error_response(st.error(), ctx.request_id);
    return json_response(200, {{"name", name}, {"certificate", cert_json(*cert)}});
  });

  r.add(http::verb::get, "/api/v1/tsa/ca-certificates", [&](RequestContext& ctx) {
    auto a = authorize_log_reader(api, ctx);
    if (!a) return error_response(a.error(), ctx.request_id);
    auto cas = services::ca_certificates(p.keys);
    if (!cas) return error_response(cas.error(), ctx.request_id);
    auto arr = nlohmann::json::array();
    for (auto& c : *cas) arr.push_back(cert_json(c));
    return json_response(200, {{"certificates", arr}});
  });

  r.add(http::verb::post, "/api/v1/tsa/ca-certificates", [&](RequestContext& ctx) {
    auto a = authorize(api, ctx, Permission::operate_business);
    if (!a) return error_response(a.error(), ctx.request_id);
    auto pem = certificate_pem_body(ctx);
    Result<pki::Certificate> cert = pem ? services::import_ca_certificate(p.keys, *pem) : Result<pki::Certificate>(pem.error());
    audit(api, ctx, *a, "tsa.ca_certificate_import", cert ? cert->subject().to_string() : std::string("(invalid)"),
          cert ? Status{} : Status(cert.error()), cert ? cert->fingerprint_sha256() : std::string());
    if (!cert) return error_response(cert.error(), ctx.request_id);
    return json_response(201, cert_json(*cert));
  });
}

}  // namespace medsign::server::api
