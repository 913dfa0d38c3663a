#include "server/api.h"

namespace medsign::server::api {
namespace {

Result<std::int64_t> id_param(const RequestContext& ctx) {
  const std::string& s = ctx.path_params.at("id");
  if (s.empty() || s.size() > 18 || s.find_first_not_of("0123456789") != std::string::npos)
    return Error(Errc::invalid_argument, "account id must be a number");
  return std::stoll(s);
}

// Accounts of both administrator families are managed through the same routes; may_manage() decides.
std::optional<services::Permission> manage_perm(services::Role role) {
  return role == services::Role::sysadmin ? services::Permission::manage_admin_accounts
         : role == services::Role::audit_admin ? services::Permission::manage_audit_accounts
                                               : std::optional<services::Permission>{};
}

Result<Authed> authorize_manager(ApiContext& api, RequestContext& ctx) {
  MEDSIGN_ASSIGN(Authed a, authorize(api, ctx, std::nullopt));
  if (!manage_perm(a.session.role)) {
    (void)api.platform.audit->record({a.actor.name, std::string(services::role_name(a.actor.role)), "access.denied",
                                      std::string(http::to_string(ctx.req.method())) + " " + ctx.route, "denied",
                                      ctx.remote_addr, "role may not manage accounts"});
    return Error(Errc::forbidden, "the role " + std::string(services::role_name(a.session.role)) +
                                      " does not manage accounts");
  }
  return a;
}

}  // namespace

void register_accounts(Router& r, ApiContext& api) {
  auto& p = api.platform;
  r.add(http::verb::get, "/api/v1/accounts", [&](RequestContext& ctx) {
    auto a = authorize_manager(api, ctx);
    if (!a) return error_response(a.error(), ctx.request_id);
    auto list = p.accounts->list(&a->actor);
    if (!list) return error_response(list.error(), ctx.request_id);
    auto arr = nlohmann::json::array();
    for (auto& acc : *list) arr.push_back(account_json(acc));
    return json_response(200, {{"accounts", arr}});
  });

  r.add(http::verb::post, "/api/v1/accounts", [&](RequestContext& ctx) {
    auto a = authorize_manager(api, ctx);
    if (!a) return error_response(a.error(), ctx.request_id);
    auto body = parse_json_body(ctx);
    if (!body) return error_response(body.error(), ctx.request_id);
    auto& j = *body;
    if (!j.contains("username") || !j["username"].is_string() || !j.contains("role") || !j["role"].is_string())
      return error_response(Error(Errc::missing_field, "username and role are required"), ctx.request_id);
    auto role = services::parse_role(j["role"].get<std::string>());
    if (!role)
      return error_response(Error(Errc::invalid_argument, "role must be sysadmin, operator, audit_admin or auditor"),
                            ctx.request_id);
    services::NewAccount n;
    n.username = j["username"].get<std::string>();
    n.display_name = j.value("display_name", "");
    n.role = *role;
    n.password = services::generate_password();
    nlohmann::json extra = nlohmann::json::object();
    if (j.contains("key_certificate") && j["key_certificate"].is_string()) {
      n.key_certificate = j["key_certificate"].get<std::string>();
      auto st = p.check_key_certificate(n.key_certificate);
      if (!st) return error_response(st.error(), ctx.request_id);
    } else {
      auto type = crypto::parse_key_type(j.value("key_type", "sm2"));
      if (!type) return error_response(type.error(), ctx.request_id);
      if (!services::may_manage(a->actor.role, n.role))
        return error_response(p.accounts->create(&a->actor, n).error(), ctx.request_id);
      auto bundle = p.issue_soft_key(n.username, *type, n.password);
      if (!bundle) return error_response(bundle.error(), ctx.request_id);
      n.key_certificate = bundle->certificate_pem;
      extra["soft_key_pem"] = bundle->encrypted_key_pem;
    }
    auto created = p.accounts->create(&a->actor, n);
    if (!created) return error_response(created.error(), ctx.request_id);
    extra["account"] = account_json(*created);
    extra["one_time_password"] = n.password;
    return json_response(201, extra);
  });

  r.add(http::verb::get, "/api/v1/accounts/{id}", [&](RequestContext& ctx) {
    auto a = authorize_manager(api, ctx);
    if (!a) return error_response(a.error(), ctx.request_id);
    auto id = id_param(ctx);
    if (!id) return error_response(id.error(), ctx.request_id);
    auto acc = p.accounts->get(*id);
    if (!acc || !services::may_manage(a->actor.role, acc->role))
      return error_response(Error(Errc::not_found, "no such account"), ctx.request_id);
    return json_response(200, account_json(*acc));
  });

  auto action = [&](const char* path, auto fn) {
    r.add(http::verb::post, path, [&, fn](RequestContext& ctx) {
      auto a = authorize_manager(api, ctx);
      if (!a) return error_response(a.error(), ctx.request_id);
      auto id = id_param(ctx);
      if (!id) return error_response(id.error(), ctx.request_id);
      auto body = parse_json_body(ctx);
      if (!body) return error_response(body.error(), ctx.request_id);
      return fn(*a, *id, *body, ctx);
    });
  };
  action("/api/v1/accounts/{id}/lock", [&](Authed& a, std::int64_t id, const nlohmann::json& b, RequestContext& ctx) {
    auto st = p.accounts->lock(&a.actor, id, b.value("reason", "locked by administrator"));
    return st ? json_response(200, {{"locked", true}}) : error_response(st.error(), ctx.request_id);
  });
  action("/api/v1/accounts/{id}/unlock", [&](Authed& a, std::int64_t id, const nlohmann::json&, RequestContext& ctx) {
    auto st = p.accounts->unlock(&a.actor, id);
    return st ? json_response(200, {{"locked", false}}) : error_response(st.error(), ctx.request_id);
  });
  action("/api/v1/accounts/{id}/reset-password",
         [&](Authed& a, std::int64_t id, const nlohmann::json&, RequestContext& ctx) {
           std::string pw = services::generate_password();
           auto st = p.accounts->reset_password(&a.actor, id, pw);
           return st ? json_response(200, {{"one_time_password", pw}}) : error_response(st.error(), ctx.request_id);
         });

  r.add(http::verb::put, "/api/v1/accounts/{id}/role", [&](RequestContext& ctx) {
    auto a = authorize_manager(api, ctx);
    if (!a) return error_response(a.error(), ctx.request_id);
    auto id = id_param(ctx);
    if (!id) return error_response(id.error(), ctx.request_id);
    auto body = parse_json_body(ctx);
    if (!body) return error_response(body.error(), ctx.request_id);
    auto role = services::parse_role(body->value("role", ""));
    if (!role) return error_response(Error(Errc::invalid_argument, "role is missing or unknown"), ctx.request_id);
    auto st = p.accounts->set_role(&a->actor, *id, *role);
    return st ? json_response(200, {{"role", services::role_name(*role)}}) : error_response(st.error(), ctx.request_id);
  });
}

}  // namespace medsign::server::api
