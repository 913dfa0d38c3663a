// Prometheus text-format metrics: per-route request counters and latency histograms, in-flight requests,
// build info, and gauges other modules register.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <vector>

namespace medsign::server {

class Metrics {
 public:
  Metrics();
  void observe_request(const std::string& route, const std::string& method, int status, double seconds);
  void inc_in_flight() { in_flight_.fetch_add(1, std::memory_order_relaxed); }
  void dec_in_flight() { in_flight_.fetch_sub(1, std::memory_order_relaxed); }
  std::int64_t in_flight() const { return in_flight_.load(std::memory_order_relaxed); }
  // A gauge read at scrape time. name must follow Prometheus rules; help is one line.
  void add_gauge(std::string name, std::string help, std::function<double()> read);
  std::string render() const;

 private:
  struct Histogram {
    std::vector<std::uint64_t> buckets;
    double sum = 0;
    std::uint64_t count = 0;
  };
  struct Gauge {
    std::string name, help;
    std::function<double()> read;
  };
  mutable std::mutex mu_;
  std::map<std::string, std::uint64_t> requests_;  // key: route\x1fmethod\x1fstatus
  std::map<std::string, Histogram> latency_;       // key: route
  std::vector<Gauge> gauges_;
  std::atomic<std::int64_t> in_flight_{0};
};

}  // namespace medsign::server
