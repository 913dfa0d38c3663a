#include "server/metrics.h"

#include <sstream>

namespace medsign::server {
namespace {
constexpr double kBuckets[] = {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};

std::string label_escape(const std::string& s) {
  std::string o;
  for (char c : s) {
    if (c == '\\' || c == '"') o.push_back('\\');
    if (c == '\n') {
      o += "\\n";
      continue;
    }
    o.push_back(c);
  }
  return o;
}
}  // namespace

Metrics::Metrics() {
  add_gauge("medsign_http_in_flight_requests", "HTTP requests being served",
            [this] { return static_cast<double>(in_flight()); });
}

void Metrics::observe_request(const std::string& route, const std::string& method, int status, double seconds) {
  std::lock_guard lk(mu_);
  ++requests_[route + '\x1f' + method + '\x1f' + std::to_string(status)];
  auto& h = latency_[route];
  if (h.buckets.empty()) h.buckets.assign(std::size(kBuckets), 0);
  for (std::size_t i = 0; i < std::size(kBuckets); ++i)
    if (seconds <= kBuckets[i]) ++h.buckets[i];
  h.sum += seconds;
  ++h.count;
}

void Metrics::add_gauge(std::string name, std::string help, std::function<double()> read) {
  std::lock_guard lk(mu_);
  gauges_.push_back({std::move(name), std::move(help), std::move(read)});
}

std::string Metrics::render() const {
  std::ostringstream os;
  os << "# HELP medsign_build_info Build information\n# TYPE medsign_build_info gauge\n"
     << "medsign_build_info{version=\"" << MEDSIGN_VERSION << "\"} 1\n";
  std::lock_guard lk(mu_);
  os << "# HELP medsign_http_requests_total HTTP requests by route, method and status\n"
     << "# TYPE medsign_http_requests_total counter\n";
  for (auto& [key, n] : requests_) {
    auto a = key.find('\x1f'), b = key.find('\x1f', a + 1);
    os << "medsign_http_requests_total{route=\"" << label_escape(key.substr(0, a)) << "\",method=\""
       << key.substr(a + 1, b - a - 1) << "\",status=\"" << key.substr(b + 1) << "\"} " << n << "\n";
  }
  os << "# HELP medsign_http_request_duration_seconds HTTP request latency by route\n"
     << "# TYPE medsign_http_request_duration_seconds histogram\n";
  for (auto& [route, h] : latency_) {
    std::string r = label_escape(route);
    for (std::size_t i = 0; i < std::size(kBuckets); ++i)
      os << "medsign_http_request_duration_seconds_bucket{route=\"" << r << "\",le=\"" << kBuckets[i] << "\"} "
         << h.buckets[i] << "\n";
    os << "medsign_http_request_duration_seconds_bucket{route=\"" << r << "\",le=\"+Inf\"} " << h.count << "\n"
       << "medsign_http_request_duration_seconds_sum{route=\"" << r << "\"} " << h.sum << "\n"
       << "medsign_http_request_duration_seconds_count{route=\"" << r << "\"} " << h.count << "\n";
  }
  for (auto& g : gauges_)
    os << "# HELP " << g.name << " " << g.help << "\n# TYPE " << g.name << " gauge\n"
       << g.name << " " << g.read() << "\n";
  return os.str();
}

}  // namespace medsign::server
