#include "server/api.h"

namespace medsign::server::api {
void register_tsa(Router& r, ApiContext& api) {
  register_tsa_timestamps(r, api);  // POST /tsa, /tsa/{unit}: async routes (tsa_http.cpp)
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
