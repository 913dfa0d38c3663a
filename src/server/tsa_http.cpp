#include "server/tsa_http.h"

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

void timestamp(services::TsaService& tsa, RequestContext& ctx, const std::string& unit, AsyncDone done) {
  auto ct = ctx.req[http::field::content_type];
  if (!ct.starts_with("application/timestamp-query"))
    return done(error_response(Error(Errc::unsupported_media_type, "expected Content-Type: application/timestamp-query"),
                               ctx.request_id));
  tsa.issue_async(unit, as_bytes(ctx.req.body()), ctx.remote_addr,
                  [done = std::move(done), rid = ctx.request_id](Result<tsp::IssueResult> r) { done(reply(r, rid)); });
}

}  // namespace

void add_tsa_async_routes(HttpServer& http, services::TsaService& tsa, bool access_log) {
  AsyncRouteOptions o{access_log};
  http.add_async_route(http::verb::post, "/tsa", [&tsa](RequestContext& ctx, AsyncDone done) {
    timestamp(tsa, ctx, "", std::move(done));
  }, o);
  http.add_async_route(http::verb::post, "/tsa/{unit}", [&tsa](RequestContext& ctx, AsyncDone done) {
    timestamp(tsa, ctx, ctx.path_params["unit"], std::move(done));
  }, o);
}

}  // namespace medsign::server
