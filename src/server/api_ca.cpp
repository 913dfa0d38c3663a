// The embedded CA under /api/v1/ca (operators only; services/ca_service.h audits every change, failures are
// audited here) and the public CRL distribution point GET /crl/<ca-name>.crl (DER, application/pkix-crl).
#include <nlohmann/json.hpp>

#include "ca/export.h"
#include "common/clock.h"
#include "server/api.h"
#include "services/ca_service.h"

namespace medsign::server::api {
namespace {
using services::Permission;


services::CaActor actor(const Authed& a, const RequestContext& ctx) {
  return {a.actor.name, std::string(services::role_name(a.actor.role)), ctx.remote_addr};
}

// Successes are audited by the service inside their transaction; failures are recorded here.
void audit_failure(ApiContext& api, RequestContext& ctx, const Authed& a, const char* action, const std::string& target,
                   const Error& e) {
  (void)api.platform.audit->record({a.actor.name, std::string(services::role_name(a.actor.role)), action, target,
                                    "failure", ctx.remote_addr, e.to_string()});
}

template <typename T>
Result<T> field(const nlohmann::json& j, const char* name, T fallback) {
  if (!j.contains(name) || j[name].is_null()) return fallback;
  try {
    return j[name].get<T>();
  } catch (const nlohmann::json::exception&) {
    return Error(Errc::invalid_argument, std::string(name) + " has the wrong type");
  }
}

Result<services::IssueRequest> issue_request(const nlohmann::json& j, const std::string& ca) {
  services::IssueRequest r;
  r.ca = ca;
  MEDSIGN_ASSIGN(r.csr, field<std::string>(j, "csr", ""));
  MEDSIGN_ASSIGN(r.generate_key, field<std::string>(j, "generate_key", ""));
  MEDSIGN_ASSIGN(r.subject, field<std::string>(j, "subject", ""));
  MEDSIGN_ASSIGN(std::string profile, field<std::string>(j, "profile", ""));
  if (profile.empty()) return Error(Errc::missing_field, "profile is required");
  MEDSIGN_ASSIGN(r.options.profile, ca::parse_profile(profile));
  MEDSIGN_ASSIGN(r.options.days, field<int>(j, "days", 365));
  MEDSIGN_ASSIGN(r.options.dns_names, field<std::vector<std::string>>(j, "dns_names", {}));
  MEDSIGN_ASSIGN(r.options.ip_addresses, field<std::vector<std::string>>(j, "ip_addresses", {}));
  MEDSIGN_ASSIGN(r.options.emails, field<std::vector<std::string>>(j, "emails", {}));
  if (j.contains("identity")) {
    const auto& idn = j["identity"];
    if (!idn.is_object()) return Error(Errc::invalid_argument, "identity must be an object");
    auto& o = r.options.identity;
    MEDSIGN_ASSIGN(o.id_card_number, field<std::string>(idn, "id_card_number", ""));
    MEDSIGN_ASSIGN(o.passport_number, field<std::string>(idn, "passport_number", ""));
    MEDSIGN_ASSIGN(o.insurance_number, field<std::string>(idn, "insurance_number", ""));
    MEDSIGN_ASSIGN(o.organization_code, field<std::string>(idn, "organization_code", ""));
    MEDSIGN_ASSIGN(o.unified_social_credit_code, field<std::string>(idn, "unified_social_credit_code", ""));
    MEDSIGN_ASSIGN(o.health_worker_id, field<std::string>(idn, "health_worker_id", ""));
  }
  return r;
}

Result<services::CaCreateRequest> create_request(const nlohmann::json& j) {
  services::CaCreateRequest r;
  MEDSIGN_ASSIGN(r.name, field<std::string>(j, "name", ""));
  MEDSIGN_ASSIGN(r.parent, field<std::string>(j, "parent", ""));
  MEDSIGN_ASSIGN(r.subject, field<std::string>(j, "subject", ""));
  if (r.name.empty() || r.subject.empty()) return Error(Errc::missing_field, "name and subject are required");
  MEDSIGN_ASSIGN(r.algorithm, field<std::string>(j, "algorithm", "sm2"));
  MEDSIGN_ASSIGN(r.days, field<int>(j, "days", 3650));
  MEDSIGN_ASSIGN(r.crl_base_url, field<std::string>(j, "crl_base_url", ""));
  MEDSIGN_ASSIGN(r.policies, field<std::vector<std::string>>(j, "policies", {}));
  MEDSIGN_ASSIGN(r.crl_interval_s, field<std::int64_t>(j, "crl_interval_s", 86'400));
  return r;
}

HttpResponse download(const Bytes& body, const std::string& type, const std::string& filename) {
  return attachment_response(std::string(body.begin(), body.end()), type, filename);
}
}  // namespace

void register_ca(Router& r, ApiContext& api) {
  auto guard = [&api](RequestContext& ctx) { return authorize(api, ctx, Permission::operate_business); };

  r.add(http::verb::get, "/api/v1/ca/authorities", [&api, guard](RequestContext& ctx) {
    auto a = guard(ctx);
    if (!a) return error_response(a.error(), ctx.request_id);
    auto cas = embedded_ca(api).list();
    if (!cas) return error_response(cas.error(), ctx.request_id);
    auto arr = nlohmann::json::array();
    for (auto& c : *cas) arr.push_back(services::ca_record_json(c));
    return json_response(200, {{"authorities", arr}});
  });

  r.add(http::verb::post, "/api/v1/ca/authorities", [&api, guard](RequestContext& ctx) {
    auto a = guard(ctx);
    if (!a) return error_response(a.error(), ctx.request_id);
    auto body = parse_json_body(ctx);
    auto req = body ? create_request(*body) : Result<services::CaCreateRequest>(body.error());
    auto made = req ? embedded_ca(api).create(*req, actor(*a, ctx)) : Result<services::CaRecord>(req.error());
    if (!made) {
      audit_failure(api, ctx, *a, "ca.create", req ? req->name : std::string("(invalid)"), made.error());
      return error_response(made.error(), ctx.request_id);
    }
    return json_response(201, services::ca_record_json(*made));
  });

  r.add(http::verb::get, "/api/v1/ca/authorities/{name}", [&api, guard](RequestContext& ctx) {
    auto a = guard(ctx);
    if (!a) return error_response(a.error(), ctx.request_id);
    auto c = embedded_ca(api).get(ctx.path_params["name"]);
    if (!c) return error_response(c.error(), ctx.request_id);
    return json_response(200, services::ca_record_json(*c));
  });

  r.add(http::verb::post, "/api/v1/ca/authorities/{name}/certificates", [&api, guard](RequestContext& ctx) {
    auto a = guard(ctx);
    if (!a) return error_response(a.error(), ctx.request_id);
    const std::string& name = ctx.path_params["name"];
    auto body = parse_json_body(ctx);
    auto req = body ? issue_request(*body, name) : Result<services::IssueRequest>(body.error());
    auto issued = req ? embedded_ca(api).issue(*req, actor(*a, ctx)) : Result<services::IssuedRecord>(req.error());
    if (!issued) {
      audit_failure(api, ctx, *a, "ca.issue", name, issued.error());
      return error_response(issued.error(), ctx.request_id);
    }
    auto j = services::issued_record_json(*issued);
    j["certificate"] = issued->certificate.to_pem();
    return json_response(201, j);
  });

  r.add(http::verb::post, "/api/v1/ca/authorities/{name}/crl", [&api, guard](RequestContext& ctx) {
    auto a = guard(ctx);
    if (!a) return error_response(a.error(), ctx.request_id);
    const std::string& name = ctx.path_params["name"];
    auto crl = embedded_ca(api).publish_crl(name, actor(*a, ctx));
    if (!crl) {
      audit_failure(api, ctx, *a, "ca.crl_publish", name, crl.error());
      return error_response(crl.error(), ctx.request_id);
    }
    return json_response(200, {{"ca", name},
                               {"crl_number", hex_encode(crl->crl_number().value_or(Bytes{}))},
                               {"this_update", iso8601_millis(crl->this_update_ms())},
                               {"next_update", iso8601_millis(crl->next_update_ms().value_or(0))},
                               {"entries", crl->revoked().size()},
                               {"pem", crl->to_pem()}});
  });

  r.add(http::verb::get, "/api/v1/ca/certificates", [&api, guard](RequestContext& ctx) {
    auto a = guard(ctx);
    if (!a) return error_response(a.error(), ctx.request_id);
    services::IssuedQuery q;
    q.ca = ctx.query_or("ca", "");
    q.profile = ctx.query_or("profile", "");
    q.status = ctx.query_or("status", "");
    q.subject = ctx.query_or("subject", "");
    for (const char* k : {"page", "page_size"}) {
      std::string v = ctx.query_or(k, "");
      if (v.empty()) continue;
      if (v.size() > 6 || v.find_first_not_of("0123456789") != std::string::npos)
        return error_response(Error(Errc::invalid_argument, std::string(k) + " must be a positive number"), ctx.request_id);
      (k[4] == '_' ? q.page_size : q.page) = std::stoi(v);
    }
    auto page = embedded_ca(api).search(q);
    if (!page) return error_response(page.error(), ctx.request_id);
    auto items = nlohmann::json::array();
    for (auto& it : page->items) items.push_back(services::issued_record_json(it));
    return json_response(200, {{"items", items}, {"total", page->total}, {"page", page->page}, {"page_size", page->page_size}});
  });

  r.add(http::verb::get, "/api/v1/ca/certificates/{serial}", [&api, guard](RequestContext& ctx) {
    auto a = guard(ctx);
    if (!a) return error_response(a.error(), ctx.request_id);
    auto c = embedded_ca(api).find(ctx.path_params["serial"]);
    if (!c) return error_response(c.error(), ctx.request_id);
    auto j = services::issued_record_json(*c);
    j["certificate"] = c->certificate.to_pem();
    j["details"] = c->certificate.to_json();
    return json_response(200, j);
  });

  r.add(http::verb::get, "/api/v1/ca/certificates/{serial}/download", [&api, guard](RequestContext& ctx) {
    auto a = guard(ctx);
    if (!a) return error_response(a.error(), ctx.request_id);
    auto chain = embedded_ca(api).chain(ctx.path_params["serial"]);
    if (!chain) return error_response(chain.error(), ctx.request_id);
    const std::string format = ctx.query_or("format", "pem");
    const std::string base = chain->front().serial_hex();
    if (format == "der") return download(chain->front().der(), "application/pkix-cert", base + ".cer");
    if (format == "pem") {
      std::string pem;
      for (auto& c : *chain) pem += c.to_pem();
      return download(to_bytes(pem), "application/x-pem-file", base + ".pem");
    }
    if (format == "p7b") {
      auto p7 = ca::pkcs7_certs_only(*chain);
      if (!p7) return error_response(p7.error(), ctx.request_id);
      return download(*p7, "application/pkcs7-mime; smime-type=certs-only", base + ".p7b");
    }
    return error_response(Error(Errc::invalid_argument, "format: der, pem or p7b (PKCS#12: POST .../pkcs12)"),
                          ctx.request_id);
  });

  r.add(http::verb::post, "/api/v1/ca/certificates/{serial}/pkcs12", [&api, guard](RequestContext& ctx) {
    auto a = guard(ctx);
    if (!a) return error_response(a.error(), ctx.request_id);
    const std::string& serial = ctx.path_params["serial"];
    auto body = parse_json_body(ctx);
    auto password = body ? field<std::string>(*body, "password", "") : Result<std::string>(body.error());
    auto p12 = password ? embedded_ca(api).export_pkcs12(serial, *password, actor(*a, ctx)) : Result<Bytes>(password.error());
    if (!p12) {
      audit_failure(api, ctx, *a, "ca.pkcs12_export", serial, p12.error());
      return error_response(p12.error(), ctx.request_id);
    }
    return download(*p12, "application/x-pkcs12", serial + ".p12");
  });

  r.add(http::verb::post, "/api/v1/ca/certificates/{serial}/revoke", [&api, guard](RequestContext& ctx) {
    auto a = guard(ctx);
    if (!a) return error_response(a.error(), ctx.request_id);
    const std::string& serial = ctx.path_params["serial"];
    auto body = parse_json_body(ctx);
    auto reason_text = body ? field<std::string>(*body, "reason", "unspecified") : Result<std::string>(body.error());
    auto reason = reason_text ? services::parse_crl_reason(*reason_text) : Result<pki::CrlReason>(reason_text.error());
    auto done = reason ? embedded_ca(api).revoke(serial, *reason, actor(*a, ctx)) : Result<services::IssuedRecord>(reason.error());
    if (!done) {
      audit_failure(api, ctx, *a, "ca.revoke", serial, done.error());
      return error_response(done.error(), ctx.request_id);
    }
    return json_response(200, services::issued_record_json(*done));
  });

  // The CRL distribution point named in every certificate the CA issues: public, no session.
  r.add(http::verb::get, "/crl/{file}", [&api](RequestContext& ctx) {
    const std::string& file = ctx.path_params["file"];
    if (file.size() <= 4 || file.compare(file.size() - 4, 4, ".crl") != 0)
      return error_response(Error(Errc::not_found, "CRLs are served as /crl/<ca-name>.crl"), ctx.request_id);
    auto crl = embedded_ca(api).current_crl(file.substr(0, file.size() - 4));
    if (!crl) return error_response(crl.error(), ctx.request_id);
    auto res = text_response(200, std::string(crl->begin(), crl->end()), "application/pkix-crl");
    res.set(http::field::cache_control, "max-age=300");
    return res;
  });
}

}  // namespace medsign::server::api
