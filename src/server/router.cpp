#include "server/router.h"

#include <algorithm>
#include <array>
#include <bit>
#include <stdexcept>

namespace medsign::server {
namespace {

bool is_param(std::string_view seg) { return seg.size() > 2 && seg.front() == '{' && seg.back() == '}'; }

// The segments of `path` as views into it; false when there are more than `out` holds.
bool split_views(std::string_view path, std::array<std::string_view, Router::kMaxSegments>& out, std::size_t& n) {
  n = 0;
  std::size_t i = 0;
  while (i < path.size()) {
    while (i < path.size() && path[i] == '/') ++i;
    std::size_t j = path.find('/', i);
    if (j == std::string_view::npos) j = path.size();
    if (j > i) {
      if (n == out.size()) return false;
      out[n++] = path.substr(i, j - i);
    }
    i = j;
  }
  return true;
}

bool method_serves(http::verb route, http::verb asked) {
  return route == asked || (asked == http::verb::head && route == http::verb::get);
}

}  // namespace

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

Route& Router::push(http::verb method, std::string pattern, RouteKind kind) {
  Route r;
  r.method = method;
  r.kind = kind;
  r.segments = split_path(pattern);
  r.pattern = std::move(pattern);
  if (r.segments.size() > kMaxSegments) throw std::logic_error("route pattern has too many segments: " + r.pattern);
  for (std::size_t i = 0; i < r.segments.size(); ++i)
    if (is_param(r.segments[i])) r.param_mask |= std::uint32_t{1} << i;
  if (by_segments_.size() <= r.segments.size()) by_segments_.resize(r.segments.size() + 1);
  by_segments_[r.segments.size()].push_back(static_cast<std::uint32_t>(routes_.size()));
  routes_.push_back(std::move(r));
  return routes_.back();
}

void Router::add(http::verb method, std::string pattern, Handler h, RouteOptions opts) {
  Route& r = push(method, std::move(pattern), RouteKind::buffered);
  r.handler = std::move(h);
  r.options = opts;
}

void Router::add_async(http::verb method, std::string pattern, AsyncHandler h, AsyncRouteOptions opts) {
  Route& r = push(method, std::move(pattern), RouteKind::async);
  r.async = std::move(h);
  r.async_options = opts;
}

void Router::add_stream(http::verb method, std::string pattern, StreamHandler h, StreamRouteOptions opts) {
  Route& r = push(method, std::move(pattern), RouteKind::stream);
  r.stream = std::move(h);
  r.stream_options = opts;
  max_stream_body_ = std::max(max_stream_body_, opts.max_body_bytes);
}

Result<RouteMatch> Router::match(http::verb method, std::string_view path) const {
  std::array<std::string_view, kMaxSegments> segs;
  std::size_t n = 0;
  if (!split_views(path, segs, n) || n >= by_segments_.size())
    return Error(Errc::route_not_found, "no route for " + std::string(path));
  // Literal segments are compared from the last one: routes under one prefix differ at the end.
  auto path_fits = [&](const Route& r) {
    for (std::size_t i = n; i-- > 0;)
      if (!(r.param_mask >> i & 1u) && r.segments[i] != segs[i]) return false;
    return true;
  };
  const Route* best = nullptr;
  int best_literals = -1;
  bool path_known = false;
  for (std::uint32_t idx : by_segments_[n]) {
    const Route& r = routes_[idx];
    if (!path_fits(r)) continue;
    path_known = true;
    if (!method_serves(r.method, method)) continue;
    int literals = static_cast<int>(n) - std::popcount(r.param_mask);
    if (literals > best_literals) {
      best = &r;
      best_literals = literals;
    }
  }
  if (best) {
    RouteMatch m{best, {}};
    for (std::size_t i = 0; i < n; ++i) {
      if (!(best->param_mask >> i & 1u)) continue;
      const std::string& p = best->segments[i];
      m.params[p.substr(1, p.size() - 2)] = std::string(segs[i]);
    }
    return m;
  }
  if (!path_known) return Error(Errc::route_not_found, "no route for " + std::string(path));
  std::string allowed;
  for (std::uint32_t idx : by_segments_[n]) {
    const Route& r = routes_[idx];
    if (!path_fits(r)) continue;
    std::string m(http::to_string(r.method));
    if (allowed.find(m) == std::string::npos) {
      if (!allowed.empty()) allowed += ", ";
      allowed += m;
    }
  }
  return Error(Errc::method_not_allowed, "allowed: " + allowed);
}

std::vector<std::string> Router::duplicates() const {
  auto shape = [](const Route& r) {
    std::string key(http::to_string(r.method));
    key.append(" ");
    for (const auto& s : r.segments) key.append("/").append(is_param(s) ? "{}" : s);
    return key;
  };
  std::map<std::string, int> seen;
  for (const auto& r : routes_) ++seen[shape(r)];
  std::vector<std::string> out;
  for (const auto& r : routes_) {
    int& count = seen[shape(r)];
    if (count < 2) continue;
    count = 0;  // reported once
    out.push_back(std::string(http::to_string(r.method)) + " " + r.pattern);
  }
  return out;
}

}  // namespace medsign::server
