// Routes (method + path pattern with {param} segments) to handlers. Patterns are matched segment by segment;
// a literal segment wins over a {param} at the same place.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "server/http_types.h"

namespace medsign::server {

using Handler = std::function<HttpResponse(RequestContext&)>;

struct RouteOptions {
  bool blocking = true;  // runs on the worker pool (database, crypto); false: inline on the I/O thread
};

struct Route {
  http::verb method;
  std::string pattern;  // "/api/v1/accounts/{id}/lock"
  Handler handler;
  RouteOptions options;
  std::vector<std::string> segments;
};

struct RouteMatch {
  const Route* route = nullptr;
  std::map<std::string, std::string> params;
};

class Router {
 public:
  void add(http::verb method, std::string pattern, Handler h, RouteOptions opts = {});
  // route_not_found when no pattern matches the path; method_not_allowed (detail lists the allowed
  // methods) when one matches but not for this method.
  Result<RouteMatch> match(http::verb method, std::string_view path) const;
  // A handler for GET/HEAD requests no route matched (static files of the console); may be empty.
  void set_fallback(Handler h) { fallback_ = std::move(h); }
  const Handler& fallback() const { return fallback_; }
  const std::vector<Route>& routes() const { return routes_; }

 private:
  std::vector<Route> routes_;
  Handler fallback_;
};

std::vector<std::string> split_path(std::string_view path);

}  // namespace medsign::server
