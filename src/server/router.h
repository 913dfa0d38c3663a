// Routes (method + path pattern with {param} segments) to handlers. Patterns are matched segment by segment;
// a literal segment wins over a {param} at the same place.
//
// The router is the one route table of a node: every route is registered here once, whatever way it
// answers. A route is one of three kinds, and the HTTP server runs each accordingly:
//   buffered  Handler: the whole body is read, the handler returns the answer (on the worker pool or inline);
//   async     AsyncHandler: the whole body is read, the handler answers later through `done`, so no thread
//             waits (the signing service and the TSA answer once their log row has committed);
//   stream    StreamHandler: the body is handed over piece by piece as it arrives (large uploads).
// Register every route before the HTTP server starts; the table is read-only afterwards.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "common/bytes.h"
#include "server/http_types.h"

namespace medsign::server {

using Handler = std::function<HttpResponse(RequestContext&)>;

// A handler that answers later: it calls `done` exactly once, from any thread; ctx stays valid until then.
using AsyncDone = std::function<void(HttpResponse)>;
using AsyncHandler = std::function<void(RequestContext& ctx, AsyncDone done)>;

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

enum class RouteKind : std::uint8_t { buffered, async, stream };

struct RouteOptions {
  bool blocking = true;  // runs on the worker pool (database, crypto); false: inline on the I/O thread
};
struct AsyncRouteOptions {
  bool access_log = true;  // an info log line per request
};
struct StreamRouteOptions {
  std::uint64_t max_body_bytes = std::uint64_t{1} << 40;  // 1 TiB
};

struct Route {
  http::verb method;
  std::string pattern;  // "/api/v1/accounts/{id}/lock"
  RouteKind kind = RouteKind::buffered;
  Handler handler;       // kind buffered
  AsyncHandler async;    // kind async
  StreamHandler stream;  // kind stream
  RouteOptions options;
  AsyncRouteOptions async_options;
  StreamRouteOptions stream_options;
  std::vector<std::string> segments;
  std::uint32_t param_mask = 0;  // bit i set: segments[i] is a {param}
};

struct RouteMatch {
  const Route* route = nullptr;
  std::map<std::string, std::string> params;
};

class Router {
 public:
  // At most kMaxSegments segments per pattern; a longer pattern is a programming error (std::logic_error).
  static constexpr std::size_t kMaxSegments = 32;

  void add(http::verb method, std::string pattern, Handler h, RouteOptions opts = {});
  void add_async(http::verb method, std::string pattern, AsyncHandler h, AsyncRouteOptions opts = {});
  void add_stream(http::verb method, std::string pattern, StreamHandler h, StreamRouteOptions opts = {});

  // route_not_found when no pattern matches the path; method_not_allowed (detail lists the allowed
  // methods) when one matches but not for this method. A match allocates only the route's parameters.
  Result<RouteMatch> match(http::verb method, std::string_view path) const;
  // A handler for GET/HEAD requests no route matched (static files of the console); may be empty.
  void set_fallback(Handler h) { fallback_ = std::move(h); }
  const Handler& fallback() const { return fallback_; }
  const std::vector<Route>& routes() const { return routes_; }
  // The largest body limit of the stream routes (0: none); the HTTP server lets their headers through.
  std::uint64_t max_stream_body() const { return max_stream_body_; }
  // Each "METHOD pattern" registered more than once (parameter names ignored: /a/{x} is /a/{y}); empty
  // when every route is registered once.
  std::vector<std::string> duplicates() const;

 private:
  Route& push(http::verb method, std::string pattern, RouteKind kind);

  std::vector<Route> routes_;
  std::vector<std::vector<std::uint32_t>> by_segments_;  // [segment count] -> indexes into routes_
  Handler fallback_;
  std::uint64_t max_stream_body_ = 0;
};

std::vector<std::string> split_path(std::string_view path);

}  // namespace medsign::server
