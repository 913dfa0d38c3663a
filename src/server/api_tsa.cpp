#include "server/api.h"

namespace medsign::server::api {
namespace {

HttpResponse timestamp(ApiContext& api, RequestContext& ctx, const std::string& unit) {
  if (!api.tsa) return error_response(Error(Errc::unavailable, "the timestamp authority is not enabled"), ctx.request_id);
  std::string ct = ctx.header("Content-Type");
  if (ct.rfind("application/timestamp-query", 0) != 0)
    return error_response(Error(Errc::unsupported_media_type, "expected Content-Type: application/timestamp-query"),
                          ctx.request_id);
  auto r = api.tsa->issue(unit, as_bytes(ctx.req.body()), ctx.remote_addr);
  if (!r) return error_response(r.error(), ctx.request_id);
  HttpResponse res{http::status::ok, 11};
  res.set(http::field::content_type, "application/timestamp-reply");
  res.set(http::field::cache_control, "no-store");
  res.body().assign(r->response.begin(), r->response.end());
  res.prepare_payload();
  return res;
}

}  // namespace

void register_tsa(Router& r, ApiContext& api) {
  r.add(http::verb::post, "/tsa", [&](RequestContext& ctx) { return timestamp(api, ctx, ""); });
  r.add(http::verb::post, "/tsa/{unit}", [&](RequestContext& ctx) { return timestamp(api, ctx, ctx.path_params["unit"]); });
  r.add(http::verb::get, "/api/v1/tsa/units", [&](RequestContext& ctx) {
    auto a = authorize(api, ctx, services::Permission::read_system_status);
    if (!a) return error_response(a.error(), ctx.request_id);
    nlohmann::json units = nlohmann::json::array();
    if (api.tsa) {
      for (auto& name : api.tsa->unit_names()) {
        auto* u = api.tsa->unit(name);
        units.push_back({{"name", name},
                         {"default", name == api.tsa->default_unit()},
                         {"algorithm", pki::key_type_name(u->certificate.key_type())},
                         {"subject", u->certificate.subject().to_string()},
                         {"serial", u->certificate.serial_hex()},
                         {"not_after_ms", u->certificate.not_after_ms()},
                         {"chain_pem", api.tsa->chain_pem(name).value_or("")}});
      }
    }
    return json_response(200, {{"enabled", api.tsa != nullptr}, {"units", units}});
  });
}

}  // namespace medsign::server::api
