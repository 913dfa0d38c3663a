// Certificates of key-store keys (PKCS#10 export, certificate import) and the expiry summary of every
// certificate the platform depends on: thin handlers over services/key_certificates.h. Key management is for
// operators (operate_business), as the key list is; imports and CSR exports are audited. After an import the
// running TSA or signing service picks the certificate up without a restart.
#include <nlohmann/json.hpp>

#include "common/clock.h"
#include "common/logging.h"
#include "server/api.h"
#include "services/ca_service.h"
#include "services/key_certificates.h"
#include "services/pki_policy.h"

namespace medsign::server::api {
namespace {
using services::Permission;



// CA certificates an imported certificate may chain to besides the key store's: the embedded CA's and the
// trust anchors and intermediates of the certificate trust policies.
std::vector<pki::Certificate> known_issuers(ApiContext& api) {
  std::vector<pki::Certificate> out;
  if (auto cas = embedded_ca(api).list())
    for (auto& c : *cas) out.push_back(c.certificate);
  if (api.pki)
    for (const char* kind : {"anchor", "intermediate"})
      for (auto& info : api.pki->certificates(kind))
        if (info.cert) out.push_back(*info.cert);
  return out;
}

services::TlsServerFiles tls_files(const services::Platform& p) {
  return {p.cfg.resolve(p.cfg.server.tls_cert), p.cfg.resolve(p.cfg.server.tls_key)};
}
// "tls" names the HTTPS server's key unless the key store has a key of that name.
bool is_tls(const services::Platform& p, const std::string& name) {
  return name == services::kTlsKeyName && !p.keys.contains(name);
}

// The running service that uses the key reads its certificate again.
Status reload_user_of(ApiContext& api, const std::string& name) {
  if (name.rfind("tsa-", 0) == 0) return api.tsa ? api.tsa->reload(api.platform.keys) : Status{};
  if (!api.svs) return {};
  for (const auto& k : api.svs->keys())
    if (k.name == name) return api.svs->reload_keys(api.platform.keys);
  return {};
}

nlohmann::json expiry_json(const services::ExpiryItem& e) {
  return {{"kind", e.kind},
          {"name", e.name},
          {"subject", e.subject},
          {"not_after", iso8601_millis(e.not_after_ms)},
          {"days_left", e.days_left},
          {"level", e.days_left < 0 ? "error" : "warning"}};
}
}  // namespace

Result<std::string> tls_key_chain_pem(ApiContext& api) {
  if (api.platform.keys.contains(services::kTlsKeyName)) return Error(Errc::key_not_found, "tls is a key-store key");
  return services::tls_chain_pem(tls_files(api.platform));
}

std::optional<nlohmann::json> tls_key_json(ApiContext& api) {
  auto chain = tls_key_chain_pem(api);
  if (!chain) return std::nullopt;
  nlohmann::json j = {{"name", services::kTlsKeyName}, {"provider", "tls"}};
  auto certs = pki::Certificate::parse_pem(*chain);
  if (!certs || certs->empty()) return j;
  const pki::Certificate& c = certs->front();
  j["algorithm"] = pki::key_type_name(c.key_type());
  j["certificate"] = {{"subject", c.subject().to_string()}, {"issuer", c.issuer().to_string()},
                      {"serial", c.serial_hex()},           {"not_before", iso8601_millis(c.not_before_ms())},
                      {"not_after", iso8601_millis(c.not_after_ms())}, {"sha256", c.fingerprint_sha256()}};
  return j;
}

void register_key_certificates(Router& r, ApiContext& api) {
  auto& p = api.platform;

  r.add(http::verb::get, "/api/v1/keys/{name}/csr", [&](RequestContext& ctx) {
    auto a = authorize(api, ctx, Permission::operate_business);
    if (!a) return error_response(a.error(), ctx.request_id);
    const std::string name = ctx.path_params["name"];
    auto csr = is_tls(p, name) ? services::tls_csr_pem(p.keys, tls_files(p))
                               : services::key_csr_pem(p.keys, name, providers_of(api).get());
    audit(api, ctx, *a, "key.csr_export", name, csr ? Status{} : Status(csr.error()));
    if (!csr) return error_response(csr.error(), ctx.request_id);
    return attachment_response(std::move(*csr), "application/pkcs10", name + ".csr");
  });

  r.add(http::verb::put, "/api/v1/keys/{name}/certificate", [&](RequestContext& ctx) {
    auto a = authorize(api, ctx, Permission::operate_business);
    if (!a) return error_response(a.error(), ctx.request_id);
    const std::string name = ctx.path_params["name"];
    const std::string dry = ctx.query_or("dry_run", "");
    if (!dry.empty() && dry != "true" && dry != "false")
      return error_response(Error(Errc::invalid_argument, "dry_run: true or false"), ctx.request_id);
    auto pem = certificate_pem_body(ctx);
    const bool tls = is_tls(p, name);
    Result<pki::Certificate> cert =
        !pem  ? Result<pki::Certificate>(pem.error())
        : tls ? services::import_tls_certificate(p.keys, tls_files(p), *pem, unix_millis(), known_issuers(api), dry == "true")
              : services::import_key_certificate(p.keys, name, *pem, unix_millis(), known_issuers(api),
                                                 providers_of(api).get(), dry == "true");
    if (dry == "true") {  // the console's preview: what would be imported, nothing stored or audited
      if (!cert) return error_response(cert.error(), ctx.request_id);
      auto chain = nlohmann::json::array();
      for (auto& c : pki::Certificate::parse_pem(*pem).value_or(std::vector<pki::Certificate>{}))
        chain.push_back({{"pem", c.to_pem()}, {"details", c.to_json()}});
      return json_response(200, {{"name", name}, {"dry_run", true}, {"chain", chain}});
    }
    Status st = !cert ? Status(cert.error()) : tls ? Status{} : reload_user_of(api, name);
    std::string detail;
    if (cert) detail.append(cert->subject().to_string()).append(", serial ").append(cert->serial_hex());
    if (cert && tls) detail.append(", takes effect at restart");
    audit(api, ctx, *a, "key.certificate_import", name, st, detail);
    if (!st) return error_response(st.error(), ctx.request_id);
    return json_response(200, {{"name", name},
                               {"restart_required", tls},
                               {"certificate", {{"pem", cert->to_pem()}, {"details", cert->to_json()}}}});
  });

  // Certificates expired or expiring within 30 days: key-store keys and TSA units (also those with the key
  // in a provider), the embedded CA's CA certificates and the valid certificates it issued, trust anchors
  // and intermediates.
  r.add(http::verb::get, "/api/v1/system/expiry", [&](RequestContext& ctx) {
    auto a = authorize(api, ctx, std::nullopt);
    if (!a) return error_response(a.error(), ctx.request_id);
    constexpr int kWarnDays = 30;
    const std::int64_t now = unix_millis();
    std::vector<services::ExpiryCandidate> candidates;
    if (auto chain = services::tls_chain_pem(tls_files(p)))
      if (auto certs = pki::Certificate::parse_pem(*chain); certs && !certs->empty())
        candidates.push_back({"tls", services::kTlsKeyName, certs->front()});
    auto ca = embedded_ca(api);
    if (auto cas = ca.list())
      for (auto& c : *cas) candidates.push_back({"ca", c.name, c.certificate});
    if (auto issued = ca.expiring(now + std::int64_t{kWarnDays} * 86'400'000))
      for (auto& c : *issued) candidates.push_back({"ca_issued", c.serial, c.certificate});
    if (api.pki)
      for (const char* kind : {"anchor", "intermediate"})
        for (auto& info : api.pki->certificates(kind))
          if (info.cert)
            candidates.push_back({std::string(kind) == "anchor" ? "trust_anchor" : "intermediate", info.fingerprint, *info.cert});
    auto items = nlohmann::json::array();
    for (auto& e : services::expiring_certificates(p.keys, candidates, now, kWarnDays)) items.push_back(expiry_json(e));
    return json_response(200, {{"warn_days", kWarnDays}, {"items", items}});
  });
}

}  // namespace medsign::server::api
