// Watches the configured NTP/SNTP time sources (and chrony, when present) and decides whether the local
// clock may be used for trusted time: the timestamp authority refuses to issue tokens and /readyz reports
// not ready while it may not.
//
// Rule: with sources configured, the clock is usable when at least one source answered within the hold-over
// limit and the median offset of those sources is within max_offset_ms. With no source configured (and no
// chrony), the local clock is trusted and the status says so.
#pragma once

#include <atomic>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "tsp/ntp.h"

namespace medsign::tsp {

struct TimeSourceAddress {
  std::string host;
  int port = 123;
  std::string name() const { return host + ":" + std::to_string(port); }
};
// "ntp1.example:123, 10.0.0.5" → addresses (default port 123). Errors name the bad entry.
Result<std::vector<TimeSourceAddress>> parse_time_sources(std::string_view list);

struct ChronyTracking {
  std::string reference, leap_status;
  int stratum = 0;
  double system_offset_ms = 0, rms_offset_ms = 0;
};
// Parses the CSV of `chronyc -c tracking`.
Result<ChronyTracking> parse_chrony_tracking(std::string_view csv);

class ClockMonitor {
 public:
  struct Options {
    std::vector<TimeSourceAddress> servers;
    int poll_interval_s = 64;
    int timeout_ms = 1000;
    double max_offset_ms = 1000;
    int holdover_s = 3600;
    bool use_chrony = true;
  };
  struct Source {
    std::string name;
    bool reachable = false;
    double offset_ms = 0, delay_ms = 0;
    int stratum = 0;
    std::string reference_id, last_error;
    std::int64_t last_sync_ms = 0, polls = 0, failures = 0;
    std::deque<std::pair<std::int64_t, double>> history;  // (time ms, offset ms), newest last
  };
  struct Status {
    bool ok = true;
    std::string reason;
    double offset_ms = 0;
    int stratum = 16;
    std::vector<Source> sources;
    std::optional<ChronyTracking> chrony;
  };

  explicit ClockMonitor(Options opts);
  ~ClockMonitor();
  ClockMonitor(const ClockMonitor&) = delete;
  ClockMonitor& operator=(const ClockMonitor&) = delete;

  // Starts polling every poll_interval_s on a background thread (first poll at once).
  void start();
  void stop();
  // Polls every source now (blocking, up to timeout_ms per source).
  void poll_now();
  Status status() const;
  // What MedSign's SNTP server announces.
  SntpServerState sntp_state() const;
  const Options& options() const { return opts_; }

 private:
  void poll_chrony();
  Options opts_;
  mutable std::mutex mu_;
  std::vector<Source> sources_;
  std::optional<ChronyTracking> chrony_;
  std::condition_variable cv_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace medsign::tsp
