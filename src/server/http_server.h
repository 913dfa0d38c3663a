// The HTTP/1.1 and HTTPS transport (Boost.Beast): keep-alive, body and header size limits, header/body
// timeouts, graceful shutdown. It parses requests, hands them to dispatch_request() and writes answers; it
// knows nothing of the API.
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

// A request after routing: an answer already (malformed target, no route) or the handler to run.
struct RoutedRequest {
  std::optional<HttpResponse> early;
  const Handler* handler = nullptr;  // the route's or the static-file fallback
  bool blocking = false;             // run on the worker pool rather than the I/O thread
  std::chrono::steady_clock::time_point started;
};

// Parses the target (path, query) and matches a route, filling ctx.route, ctx.query, ctx.path_params.
RoutedRequest route_request(const Router& router, RequestContext& ctx);
// Runs the handler (or sends the early answer), maps exceptions, adds common headers, records metrics.
HttpResponse run_routed(RoutedRequest& routed, Metrics* metrics, RequestContext& ctx);
// Both steps; never throws. Exposed for the fuzz target and tests.
HttpResponse dispatch_request(const Router& router, Metrics* metrics, RequestContext& ctx);

// A handler that answers later: it calls `done` exactly once, from any thread; ctx stays valid until then.
using AsyncDone = std::function<void(HttpResponse)>;
using AsyncHandler = std::function<void(RequestContext& ctx, AsyncDone done)>;
struct AsyncRouteOptions {
  bool access_log = true;  // an info log line per request
};

// A route whose body is not buffered (large uploads at constant memory): after the header, `chunk` gets
// the body piece by piece as it arrives, then `end` answers. The handler runs on the I/O thread.
struct BodySink {
  // Each piece of the body, in order. An error stops reading: the client gets it and the connection closes.
  std::function<Status(ByteView)> chunk;
  // After the last piece (ctx is still valid); calls `done` exactly once, from any thread.
  std::function<void(AsyncDone done)> end;
};
// Called once the header is read (ctx.query and ctx.path_params filled): a sink, or an error to answer.
using StreamHandler = std::function<Result<BodySink>(RequestContext& ctx)>;
struct StreamRouteOptions {
  std::uint64_t max_body_bytes = std::uint64_t{1} << 40;  // 1 TiB
};

class HttpServer {
 public:
  HttpServer(const Router& router, Metrics& metrics, HttpServerOptions opts);
  ~HttpServer();

  // Routes answered asynchronously, matched before the router's; the handler runs on the I/O thread. Add
  // them before start().
  void add_async_route(http::verb method, std::string pattern, AsyncHandler h, AsyncRouteOptions o = {});
  // Streaming-body routes (BodySink above), matched first. Add them before start().
  void add_stream_route(http::verb method, std::string pattern, StreamHandler h, StreamRouteOptions o = {});

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
