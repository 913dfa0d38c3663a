#include "server/router.h"

namespace medsign::server {

std::vector<std::string> split_path(std::string_view path) {
  std::vector<std::string> out;
  std::size_t i = 0;
  while (i < path.size()) {
    while (i < path.size() && path[i] == '/') ++i;
    std::size_t j = path.find('/', i);
    if (j == std::string_view::npos) j = path.size();
    if (j > i) out.emplace_back(path.substr(i, j - i));
    i = j;
  }
  return out;
}

void Router::add(http::verb method, std::string pattern, Handler h, RouteOptions opts) {
  Route r{method, pattern, std::move(h), opts, split_path(pattern)};
  routes_.push_back(std::move(r));
}

Result<RouteMatch> Router::match(http::verb method, std::string_view path) const {
  auto segs = split_path(path);
  const Route* best = nullptr;
  int best_literals = -1;
  std::string allowed;
  std::map<std::string, std::string> best_params;
  for (const auto& r : routes_) {
    if (r.segments.size() != segs.size()) continue;
    std::map<std::string, std::string> params;
    int literals = 0;
    bool ok = true;
    for (std::size_t i = 0; i < segs.size() && ok; ++i) {
      const std::string& p = r.segments[i];
      if (p.size() > 2 && p.front() == '{' && p.back() == '}') {
        params[p.substr(1, p.size() - 2)] = segs[i];
      } else if (p == segs[i]) {
        ++literals;
      } else {
        ok = false;
      }
    }
    if (!ok) continue;
    bool method_ok = r.method == method || (method == http::verb::head && r.method == http::verb::get);
    if (!method_ok) {
      std::string m(http::to_string(r.method));
      if (allowed.find(m) == std::string::npos) {
        if (!allowed.empty()) allowed += ", ";
        allowed += m;
      }
      continue;
    }
    if (literals > best_literals) {
      best = &r;
      best_literals = literals;
      best_params = std::move(params);
    }
  }
  if (best) return RouteMatch{best, std::move(best_params)};
  if (!allowed.empty()) return Error(Errc::method_not_allowed, "allowed: " + allowed);
  return Error(Errc::route_not_found, "no route for " + std::string(path));
}

}  // namespace medsign::server
