// The timestamp authority's HTTP endpoints (POST /tsa, POST /tsa/{unit}) are async routes on the router
// (api::register_tsa_timestamps): the token is built on the I/O thread and the answer written once its log
// row has committed, so no thread waits on the log. The HTTP server takes them from the router.
#include "server/api.h"
#include "services/tsa.h"

namespace medsign::server {
namespace {

HttpResponse reply(const Result<tsp::IssueResult>& r, const std::string& request_id) {
  if (!r) return error_response(r.error(), request_id);
  HttpResponse res{http::status::ok, 11};
  res.set(http::field::content_type, "application/timestamp-reply");
  res.set(http::field::cache_control, "no-store");
  res.body().assign(r->response.begin(), r->response.end());
  res.prepare_payload();
  return res;
}

void timestamp(services::TsaService* tsa, RequestContext& ctx, const std::string& unit, AsyncDone done) {
  if (!tsa) return done(error_response(Error(Errc::unavailable, "the timestamp authority is not enabled"), ctx.request_id));
  auto ct = ctx.req[http::field::content_type];
  if (!ct.starts_with("application/timestamp-query"))
    return done(error_response(Error(Errc::unsupported_media_type, "expected Content-Type: application/timestamp-query"),
                               ctx.request_id));
  tsa->issue_async(unit, as_bytes(ctx.req.body()), ctx.remote_addr,
                   [done = std::move(done), rid = ctx.request_id](Result<tsp::IssueResult> r) { done(reply(r, rid)); });
}

}  // namespace

namespace api {

void register_tsa_timestamps(Router& r, ApiContext& api) {
  AsyncRouteOptions o{api.platform.cfg.tsa.access_log};
  r.add_async(http::verb::post, "/tsa", [&api](RequestContext& ctx, AsyncDone done) {
    timestamp(api.tsa, ctx, "", std::move(done));
  }, o);
  r.add_async(http::verb::post, "/tsa/{unit}", [&api](RequestContext& ctx, AsyncDone done) {
    timestamp(api.tsa, ctx, ctx.path_params["unit"], std::move(done));
  }, o);
}

}  // namespace api
}  // namespace medsign::server
