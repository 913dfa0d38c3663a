// Crypto providers under /api/v1/providers: thin handlers over services/providers.h. Operators only
// (operate_business); key generation is audited by the service; passwords are never echoed.
#include "common/clock.h"
#include "common/logging.h"
#include "server/api.h"
#include "services/providers.h"

namespace medsign::server::api {
namespace {
using services::Permission;

nlohmann::json key_json(const std::string& provider, const crypto::provider::KeyInfo& k) {
  nlohmann::json j{{"provider", provider},
                   {"index", k.index},
                   {"label", k.label},
                   {"algorithm", crypto::key_alg_name(k.algorithm)},
                   {"has_password", k.has_password},
                   {"created", nullptr}};
  if (k.created_unix > 0) j["created"] = iso8601_millis(k.created_unix * 1000);
  return j;
}

nlohmann::json status_json(const services::ProviderStatus& s) {
  nlohmann::json j{{"name", s.name},
                   {"library", s.library},
                   {"token", s.token},
                   {"reachable", s.reachable},
                   {"key_count", s.key_count},
                   {"algorithms", s.algorithms},
                   {"labels", s.labels},
                   {"key_passwords", s.key_passwords},
                   {"error", nullptr}};
  if (!s.reachable) j["error"] = {{"code", s.error_code}, {"message", s.error}};
  return j;
}

Result<std::uint32_t> index_param(const std::string& v) {
  if (v.empty() || v.size() > 5 || v.find_first_not_of("0123456789") != std::string::npos || std::stoul(v) == 0 ||
      std::stoul(v) > crypto::provider::kMaxKeyIndex)
    return Error(Errc::invalid_argument, "index: a key index from 1 to " + std::to_string(crypto::provider::kMaxKeyIndex));
  return static_cast<std::uint32_t>(std::stoul(v));
}

Result<services::ProviderKeyRequest> key_request(const nlohmann::json& j) {
  services::ProviderKeyRequest r;
  if (!j.is_object()) return Error(Errc::bad_request, "expected a JSON object");
  // Only types are checked here; values are checked (and refusals audited) by the service.
  if (j.contains("algorithm") && !j["algorithm"].is_null()) {
    if (!j["algorithm"].is_string()) return Error(Errc::invalid_argument, "algorithm must be a string");
    r.algorithm = j["algorithm"].get<std::string>();
  }
  if (j.contains("index") && !j["index"].is_null()) {
    if (!j["index"].is_number_unsigned() || j["index"].get<std::uint64_t>() > 0xffffffffu)
      return Error(Errc::invalid_argument,
                   "index: 1 to " + std::to_string(crypto::provider::kMaxKeyIndex) + ", or 0 / absent for the lowest free");
    r.index = j["index"].get<std::uint32_t>();
  }
  for (const char* k : {"label", "password"}) {
    if (!j.contains(k) || j[k].is_null()) continue;
    if (!j[k].is_string()) return Error(Errc::invalid_argument, std::string(k) + " must be a string");
    (k[0] == 'l' ? r.label : r.password) = j[k].get<std::string>();
  }
  return r;
}
}  // namespace

std::shared_ptr<services::ProviderService> providers_of(ApiContext& api) {
  if (!api.providers)
    api.providers = std::make_shared<services::ProviderService>(api.platform.cfg, api.platform.audit.get());
  return api.providers;
}

void register_providers(Router& r, ApiContext& api) {
  auto providers = providers_of(api);

  r.add(http::verb::get, "/api/v1/providers", [&api, providers](RequestContext& ctx) {
    auto a = authorize(api, ctx, Permission::operate_business);
    if (!a) return error_response(a.error(), ctx.request_id);
    auto arr = nlohmann::json::array();
    for (auto& s : providers->status()) arr.push_back(status_json(s));
    return json_response(200, {{"providers", arr}});
  });

  r.add(http::verb::get, "/api/v1/providers/{name}/keys", [&api, providers](RequestContext& ctx) {
    auto a = authorize(api, ctx, Permission::operate_business);
    if (!a) return error_response(a.error(), ctx.request_id);
    const std::string& name = ctx.path_params["name"];
    auto keys = providers->keys(name);
    if (!keys) return error_response(keys.error(), ctx.request_id);
    auto arr = nlohmann::json::array();
    for (auto& k : *keys) arr.push_back(key_json(name, k));
    return json_response(200, {{"provider", name}, {"keys", arr}});
  });

  r.add(http::verb::post, "/api/v1/providers/{name}/keys", [&api, providers](RequestContext& ctx) {
    auto a = authorize(api, ctx, Permission::operate_business);
    if (!a) return error_response(a.error(), ctx.request_id);
    const std::string& name = ctx.path_params["name"];
    auto body = parse_json_body(ctx);
    if (!body) return error_response(body.error(), ctx.request_id);
    auto req = key_request(*body);
    if (!req) return error_response(req.error(), ctx.request_id);
    auto k = providers->generate(name, *req, a->actor);
    secure_wipe(req->password.data(), req->password.size());
    if (!k) return error_response(k.error(), ctx.request_id);
    return json_response(201, key_json(name, *k));
  });

  r.add(http::verb::get, "/api/v1/providers/{name}/keys/{index}/public-key", [&api, providers](RequestContext& ctx) {
    auto a = authorize(api, ctx, Permission::operate_business);
    if (!a) return error_response(a.error(), ctx.request_id);
    const std::string& name = ctx.path_params["name"];
    auto index = index_param(ctx.path_params["index"]);
    if (!index) return error_response(index.error(), ctx.request_id);
    auto pem = providers->public_key_pem(name, *index);
    if (!pem) return error_response(pem.error(), ctx.request_id);
    std::string filename = name;
    filename.append("-").append(std::to_string(*index)).append(".pub.pem");
    return attachment_response(std::move(*pem), "application/x-pem-file", filename);
  });
}

}  // namespace medsign::server::api
