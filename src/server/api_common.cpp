#include "common/clock.h"
#include "server/api.h"

namespace medsign::server::api {

std::string session_cookie(const std::string& token, bool secure, int max_age_s) {
  std::string c = std::string(kSessionCookie) + "=" + token + "; Path=/; HttpOnly; SameSite=Strict; Max-Age=" +
                  std::to_string(max_age_s);
  if (secure) c += "; Secure";
  return c;
}

namespace {
std::string cookie_value(const std::string& header, std::string_view name) {
  std::size_t i = 0;
  while (i < header.size()) {
    while (i < header.size() && (header[i] == ' ' || header[i] == ';')) ++i;
    std::size_t eq = header.find('=', i), end = header.find(';', i);
    if (end == std::string::npos) end = header.size();
    if (eq != std::string::npos && eq < end && header.compare(i, eq - i, name) == 0)
      return header.substr(eq + 1, end - eq - 1);
    i = end;
  }
  return {};
}
}  // namespace

Result<Authed> authorize(ApiContext& api, RequestContext& ctx, std::optional<services::Permission> perm,
                         bool allow_pending_password_change) {
  auto& p = api.platform;
  std::string token = cookie_value(ctx.header("Cookie"), kSessionCookie);
  if (token.empty()) return Error(Errc::unauthenticated, "no session cookie; log in first");
  MEDSIGN_ASSIGN(services::Session s, p.auth->authenticate(token, ctx.remote_addr));
  Authed a{s, s.actor(ctx.remote_addr)};
  auto method = ctx.req.method();
  bool safe = method == http::verb::get || method == http::verb::head || method == http::verb::options;
  if (!safe) {
    std::string csrf = ctx.header("X-CSRF-Token");
    if (csrf.empty() || !ct_equal(as_bytes(csrf), as_bytes(s.csrf_token))) {
      (void)p.audit->record({s.username, std::string(services::role_name(s.role)), "security.csrf_rejected",
                             ctx.route, "denied", ctx.remote_addr, "missing or wrong X-CSRF-Token"});
      return Error(Errc::csrf_failed, "the X-CSRF-Token header is missing or does not match the session");
    }
  }
  if (s.must_change_password && !allow_pending_password_change)
    return Error(Errc::forbidden, "change the one-time password first (POST /api/v1/auth/password)");
  if (perm && !services::allowed(s.role, *perm)) {
    (void)p.audit->record({s.username, std::string(services::role_name(s.role)), "access.denied",
                           std::string(http::to_string(method)) + " " + ctx.route, "denied", ctx.remote_addr,
                           "missing permission " + std::string(services::permission_name(*perm))});
    return Error(Errc::forbidden, "the role " + std::string(services::role_name(s.role)) +
                                      " does not have the permission " +
                                      std::string(services::permission_name(*perm)));
  }
  return a;
}

nlohmann::json account_json(const services::Account& a) {
  std::int64_t now = unix_millis();
  return {{"id", a.id},
          {"username", a.username},
          {"display_name", a.display_name},
          {"role", services::role_name(a.role)},
          {"locked", a.is_locked_now(now)},
          {"lock_reason", a.locked ? a.lock_reason : (a.locked_until > now ? "too many failed logins" : "")},
          {"locked_until", a.locked_until > now ? iso8601_millis(a.locked_until) : ""},
          {"failed_logins", a.failed_logins},
          {"must_change_password", a.must_change_password},
          {"key_certificate", a.key_certificate},
          {"created_at", iso8601_millis(a.created_at)},
          {"last_login_at", a.last_login_at ? iso8601_millis(a.last_login_at) : ""}};
}

void audit(ApiContext& api, const RequestContext& ctx, const Authed& a, const char* action, const std::string& target,
           const Status& st, const std::string& detail) {
  (void)api.platform.audit->record({a.actor.name, std::string(services::role_name(a.actor.role)), action, target,
                                    st ? "success" : "failure", ctx.remote_addr, st ? detail : st.error().detail});
}

services::CaService embedded_ca(ApiContext& api) {
  auto& p = api.platform;
  std::string base = "http://" + p.cfg.server.listen + ":" + std::to_string(p.cfg.server.http_port);
  return services::CaService(*p.db, p.keys, *p.audit, base);
}

}  // namespace medsign::server::api
