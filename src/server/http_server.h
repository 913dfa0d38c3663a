// The HTTP/1.1 and HTTPS transport (Boost.Beast): keep-alive, body and header size limits, header/body
// timeouts, graceful shutdown. It parses requests, routes each once its header is in, runs the route as its
// kind asks (router.h) and writes answers; it knows nothing of the API.
#pragma once

#include <atomic>
#include <chrono>
#include <optional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/thread_pool.hpp>

#include "common/bytes.h"
#include "server/metrics.h"
#include "server/router.h"

namespace medsign::server {

struct HttpServerOptions {
  std::string listen = "127.0.0.1";
  int http_port = 8080;   // 0 = an ephemeral port (see bound ports); -1 = no plain HTTP
  int https_port = -1;    // -1 = no HTTPS
  std::shared_ptr<boost::asio::ssl::context> tls;  // required when https_port >= 0
  int io_threads = 0;     // 0 = hardware concurrency
  int worker_threads = 0; // 0 = max(4, 2 x cores)
  std::uint64_t max_body_bytes = 16 << 20;
  std::uint32_t max_header_bytes = 16 << 10;
  int header_timeout_ms = 10000;
  int body_timeout_ms = 60000;
  int idle_timeout_ms = 75000;
  int shutdown_grace_ms = 15000;
};

// A request after routing: an answer already (malformed target, no route) or the route to run.
struct RoutedRequest {
  std::optional<HttpResponse> early;
  const Route* route = nullptr;      // the matched route (also set with `early` for a malformed query)
  const Handler* handler = nullptr;  // a buffered route's handler or the static-file fallback
  bool blocking = false;             // run on the worker pool rather than the I/O thread
  std::chrono::steady_clock::time_point started;
  // Moved into the RequestContext by bind_route().
  std::string route_name;  // the route's pattern, "static" or "unmatched"
  std::map<std::string, std::string> path_params, query;
};

// Parses the target (path, query) and matches a route; needs only the request header, so the HTTP server
// routes once, as soon as the header is in. request_id goes into early error answers.
RoutedRequest route_target(const Router& router, http::verb method, std::string_view target,
                           const std::string& request_id);
// Fills ctx.route, ctx.query and ctx.path_params from a routed request (moved out of it).
void bind_route(RoutedRequest& routed, RequestContext& ctx);
// Both: routes ctx.req and fills ctx.
RoutedRequest route_request(const Router& router, RequestContext& ctx);
// Runs a buffered route's handler (or sends the early answer), maps exceptions, adds common headers,
// records metrics. REQUIRES: routed.early, or routed.handler set.
HttpResponse run_routed(RoutedRequest& routed, Metrics* metrics, RequestContext& ctx);
// Routes and answers any request synchronously, whatever the route's kind (an async or stream route is
// run with the buffered body and waited for). Never throws. For the fuzz target and tests: the HTTP
// server itself never waits.
HttpResponse dispatch_request(const Router& router, Metrics* metrics, RequestContext& ctx);

class HttpServer {
 public:
  // Serves the routes of `router` (all three kinds, see router.h), which must outlive the server and not
  // change once start() has been called.
  HttpServer(const Router& router, Metrics& metrics, HttpServerOptions opts);
  ~HttpServer();

  // Binds the listeners. Fails with a message naming the address when a port cannot be bound.
  Status start();
  int http_port() const { return bound_http_; }
  int https_port() const { return bound_https_; }
  // Runs the I/O threads; returns after stop() has drained the server.
  void run();
  // Graceful stop: closes the listeners, lets in-flight requests finish (up to shutdown_grace_ms), then
  // ends run(). Safe from any thread and from a signal handler's asio callback.
  void stop();
  bool draining() const { return draining_.load(); }
  std::int64_t in_flight() const;

  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
  int bound_http_ = -1, bound_https_ = -1;
  std::atomic<bool> draining_{false};
  friend struct Impl;
};

}  // namespace medsign::server
