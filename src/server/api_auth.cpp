#include "common/clock.h"
#include "server/api.h"

namespace medsign::server::api {
namespace {

Result<std::string> str_field(const nlohmann::json& j, const char* name, std::size_t max = 4096) {
  if (!j.contains(name)) return Error(Errc::missing_field, std::string("field '") + name + "' is required");
  if (!j[name].is_string()) return Error(Errc::invalid_argument, std::string("field '") + name + "' must be a string");
  std::string s = j[name].get<std::string>();
  if (s.size() > max) return Error(Errc::invalid_argument, std::string("field '") + name + "' is too long");
  return s;
}

nlohmann::json challenge_json(const services::Challenge& c) {
  return {{"challenge_id", c.id},
          {"to_sign", c.to_sign},
          {"to_sign_b64", base64_encode(as_bytes(c.to_sign))},
          {"expires_at", iso8601_millis(c.expires_at)}};
}

nlohmann::json session_json(const services::Session& s, const SecuritySettings& sec) {
  return {{"username", s.username},
          {"role", services::role_name(s.role)},
          {"role_title", services::role_title_zh(s.role)},
          {"csrf_token", s.csrf_token},
          {"must_change_password", s.must_change_password},
          {"heartbeat_interval_s", sec.heartbeat_interval_s},
          {"idle_timeout_s", sec.session_idle_timeout_s},
          {"permissions", [&] {
             auto a = nlohmann::json::array();
             for (auto p : services::kAllPermissions)
               if (services::allowed(s.role, p)) a.push_back(services::permission_name(p));
             return a;
           }()}};
}

}  // namespace

void register_auth(Router& r, ApiContext& api) {
  auto& p = api.platform;
  r.add(http::verb::post, "/api/v1/auth/challenge", [&](RequestContext& ctx) {
    auto body = parse_json_body(ctx);
    if (!body) return error_response(body.error(), ctx.request_id);
    auto user = str_field(*body, "username", 64);
    if (!user) return error_response(user.error(), ctx.request_id);
    auto c = p.auth->login_challenge(*user, ctx.remote_addr);
    if (!c) return error_response(c.error(), ctx.request_id);
    return json_response(200, challenge_json(*c));
  });

  r.add(http::verb::post, "/api/v1/auth/login", [&](RequestContext& ctx) {
    auto body = parse_json_body(ctx);
    if (!body) return error_response(body.error(), ctx.request_id);
    auto user = str_field(*body, "username", 64);
    auto pw = str_field(*body, "password", 256);
    auto cid = str_field(*body, "challenge_id", 128);
    auto sig = str_field(*body, "signature", 4096);
    for (auto* f : {&user, &pw, &cid, &sig})
      if (!*f) return error_response(f->error(), ctx.request_id);
    auto sig_bytes = base64_decode(*sig);
    if (!sig_bytes) return error_response(Error(Errc::invalid_argument, "signature must be Base64"), ctx.request_id);
    auto res = p.auth->login(*user, *pw, *cid, *sig_bytes, ctx.remote_addr);
    if (!res) return error_response(res.error(), ctx.request_id);
    auto out = json_response(200, session_json(res->session, p.cfg.security));
    bool secure = ctx.tls || p.cfg.security.secure_cookies_over_http;
    out.set(http::field::set_cookie, session_cookie(res->token, secure, p.cfg.security.session_max_lifetime_s));
    return out;
  });

  r.add(http::verb::post, "/api/v1/auth/logout", [&](RequestContext& ctx) {
    auto a = authorize(api, ctx, std::nullopt, true);
    if (!a) return error_response(a.error(), ctx.request_id);
    auto st = p.auth->logout(a->session, ctx.remote_addr);
    if (!st) return error_response(st.error(), ctx.request_id);
    auto out = json_response(200, {{"logged_out", true}});
    out.set(http::field::set_cookie, session_cookie("", ctx.tls, 0));
    return out;
  });

  r.add(http::verb::get, "/api/v1/auth/me", [&](RequestContext& ctx) {
    auto a = authorize(api, ctx, std::nullopt, true);
    if (!a) return error_response(a.error(), ctx.request_id);
    return json_response(200, session_json(a->session, p.cfg.security));
  });

  r.add(http::verb::post, "/api/v1/auth/password", [&](RequestContext& ctx) {
    auto a = authorize(api, ctx, std::nullopt, true);
    if (!a) return error_response(a.error(), ctx.request_id);
    auto body = parse_json_body(ctx);
    if (!body) return error_response(body.error(), ctx.request_id);
    auto old_pw = str_field(*body, "old_password", 256);
    auto new_pw = str_field(*body, "new_password", 256);
    if (!old_pw) return error_response(old_pw.error(), ctx.request_id);
    if (!new_pw) return error_response(new_pw.error(), ctx.request_id);
    auto st = p.accounts->change_own_password(a->actor, a->session.account_id, *old_pw, *new_pw);
    if (!st) return error_response(st.error(), ctx.request_id);
    return json_response(200, {{"changed", true}});
  });

  r.add(http::verb::post, "/api/v1/auth/heartbeat/challenge", [&](RequestContext& ctx) {
    auto a = authorize(api, ctx, std::nullopt, true);
    if (!a) return error_response(a.error(), ctx.request_id);
    auto c = p.auth->heartbeat_challenge(a->session);
    if (!c) return error_response(c.error(), ctx.request_id);
    return json_response(200, challenge_json(*c));
  });

  r.add(http::verb::post, "/api/v1/auth/heartbeat", [&](RequestContext& ctx) {
    auto a = authorize(api, ctx, std::nullopt, true);
    if (!a) return error_response(a.error(), ctx.request_id);
    auto body = parse_json_body(ctx);
    if (!body) return error_response(body.error(), ctx.request_id);
    auto cid = str_field(*body, "challenge_id", 128);
    auto sig = str_field(*body, "signature", 4096);
    if (!cid) return error_response(cid.error(), ctx.request_id);
    if (!sig) return error_response(sig.error(), ctx.request_id);
    auto sig_bytes = base64_decode(*sig);
    if (!sig_bytes) return error_response(Error(Errc::invalid_argument, "signature must be Base64"), ctx.request_id);
    auto st = p.auth->heartbeat(a->session, *cid, *sig_bytes, ctx.remote_addr);
    if (!st) return error_response(st.error(), ctx.request_id);
    return json_response(200, {{"ok", true}, {"next_in_s", p.cfg.security.heartbeat_interval_s}});
  });
}

}  // namespace medsign::server::api
