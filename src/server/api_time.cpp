#include "common/clock.h"
#include "server/api.h"

namespace medsign::server::api {

void register_time(Router& r, ApiContext& api) {
  if (api.clock) {
    const tsp::ClockMonitor* clock = api.clock;
    api.metrics.add_gauge("medsign_time_offset_ms", "Median offset of the local clock from the time sources",
                          [clock] { return clock->status().offset_ms; });
    api.metrics.add_gauge("medsign_time_usable", "1 when the clock may be used for trusted time",
                          [clock] { return clock->status().ok ? 1.0 : 0.0; });
  }
  r.add(http::verb::get, "/api/v1/time/status", [&](RequestContext& ctx) {
    auto a = authorize(api, ctx, services::Permission::read_system_status);
    if (!a) return error_response(a.error(), ctx.request_id);
    if (!api.clock) return json_response(200, {{"watched", false}});
    auto st = api.clock->status();
    auto& o = api.clock->options();
    nlohmann::json sources = nlohmann::json::array();
    for (auto& s : st.sources) {
      nlohmann::json hist = nlohmann::json::array();
      for (auto& [t, off] : s.history) hist.push_back({iso8601_millis(t), off});
      sources.push_back({{"name", s.name},
                         {"reachable", s.reachable},
                         {"offset_ms", s.offset_ms},
                         {"delay_ms", s.delay_ms},
                         {"stratum", s.stratum},
                         {"reference_id", s.reference_id},
                         {"last_sync", s.last_sync_ms ? iso8601_millis(s.last_sync_ms) : ""},
                         {"last_error", s.last_error},
                         {"polls", s.polls},
                         {"failures", s.failures},
                         {"history", hist}});
    }
    nlohmann::json out = {{"watched", true},
                          {"usable", st.ok},
                          {"reason", st.reason},
                          {"offset_ms", st.offset_ms},
                          {"stratum", st.stratum},
                          {"max_offset_ms", o.max_offset_ms},
                          {"holdover_s", o.holdover_s},
                          {"poll_interval_s", o.poll_interval_s},
                          {"sources", sources}};
    if (st.chrony)
      out["chrony"] = {{"reference", st.chrony->reference},
                       {"stratum", st.chrony->stratum},
                       {"system_offset_ms", st.chrony->system_offset_ms},
                       {"rms_offset_ms", st.chrony->rms_offset_ms},
                       {"leap_status", st.chrony->leap_status}};
    return json_response(200, out);
  });
}

}  // namespace medsign::server::api
