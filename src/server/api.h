// REST API handlers under /api/v1 and the operational endpoints (/healthz, /readyz, /metrics). Thin: each
// parses JSON, checks the session and permission, calls one service function and encodes the result.
#pragma once

#include <atomic>
#include <functional>
#include <memory>

#include "server/metrics.h"
#include "server/router.h"
#include "services/ca_service.h"
#include "services/platform.h"
#include "services/svs.h"
#include "services/tsa.h"
#include "tsp/clock_monitor.h"

namespace medsign::services {
class PkiPolicyService;
class ProviderService;
class SealService;
}  // namespace medsign::services

namespace medsign::server {

struct ApiContext {
  services::Platform& platform;
  Metrics& metrics;
  std::function<bool()> draining;  // true while shutting down (readyz answers 503)
  std::string web_root;            // console bundle directory ("" = none)
  const tsp::ClockMonitor* clock = nullptr;  // time sources; null = not watched
  services::TsaService* tsa = nullptr;       // timestamp authority; null = disabled
  services::SvsService* svs = nullptr;       // signing service; null = disabled
  // certificate trust policies (api_pki.cpp); register_pki opens one on the platform when null
  std::shared_ptr<services::PkiPolicyService> pki = nullptr;
  // electronic seal objects (api_seals.cpp); register_seals opens one on the platform when null
  std::shared_ptr<services::SealService> seals = nullptr;
  // crypto providers (api_providers.cpp); providers_of() opens one on the platform when null
  std::shared_ptr<services::ProviderService> providers = nullptr;
  // Stops serving and restarts the process in place (`medsign serve` sets it); null: this server cannot
  // restart itself, so POST /api/v1/system/restore refuses.
  std::function<void()> restart = nullptr;
};

void register_api(Router& router, ApiContext& ctx);

// Pieces shared by the handler files.
namespace api {

constexpr const char* kSessionCookie = "medsign_session";

struct Authed {
  services::Session session;
  services::Actor actor;
};

// Resolves the session cookie, checks CSRF on state-changing methods, the password-change gate and the
// permission; audits denials. perm = nullopt: any logged-in account.
Result<Authed> authorize(ApiContext& api, RequestContext& ctx, std::optional<services::Permission> perm,
                         bool allow_pending_password_change = false);
std::string session_cookie(const std::string& token, bool secure, int max_age_s);
nlohmann::json account_json(const services::Account& a);
// Audits an action of an authorised caller: success with detail, or failure with the error's detail.
void audit(ApiContext& api, const RequestContext& ctx, const Authed& a, const char* action, const std::string& target,
           const Status& st, const std::string& detail = {});
// The embedded CA (services/ca_service.h), its CRL URLs on this node's HTTP address.
services::CaService embedded_ca(ApiContext& api);

void register_auth(Router& r, ApiContext& api);
void register_accounts(Router& r, ApiContext& api);
void register_audit(Router& r, ApiContext& api);
void register_system(Router& r, ApiContext& api);
void register_time(Router& r, ApiContext& api);
void register_tsa(Router& r, ApiContext& api);
void register_tsa_timestamps(Router& r, ApiContext& api);  // tsa_http.cpp: POST /tsa, /tsa/{unit} (async)
void register_tsa_admin(Router& r, ApiContext& api);  // api_tsa_admin.cpp
void register_ca(Router& r, ApiContext& api);         // api_ca.cpp: /api/v1/ca/... and /crl/<ca>.crl
void register_seal_images(Router& r, ApiContext& api);  // api_seal_images.cpp
void register_svs(Router& r, ApiContext& api);        // api_svs.cpp
void register_svs_forms(Router& r, ApiContext& api);  // svs_form.cpp (called by register_svs)
void register_pki(Router& r, ApiContext& api);        // api_pki.cpp
void register_seals(Router& r, ApiContext& api);      // api_seals.cpp: /api/v1/seals
void register_pdf(Router& r, ApiContext& api);         // api_pdf.cpp: POST /api/v1/pdf/sign, /sign-digest
void register_pdf_verify(Router& r, ApiContext& api);  // api_pdf_verify.cpp: POST /api/v1/pdf/verify
void register_providers(Router& r, ApiContext& api);    // api_providers.cpp: /api/v1/providers
// api_keys.cpp: key certificate import and CSR, GET /api/v1/system/expiry; the HTTPS server's key as key "tls".
void register_key_certificates(Router& r, ApiContext& api);
Result<std::string> tls_key_chain_pem(ApiContext& api);
std::optional<nlohmann::json> tls_key_json(ApiContext& api);
// The node's crypto providers (api_providers.cpp): api.providers, created from the platform on first use.
std::shared_ptr<services::ProviderService> providers_of(ApiContext& api);

}  // namespace api
}  // namespace medsign::server
