#include "tsp/clock_monitor.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <sstream>

namespace medsign::tsp {
namespace {
constexpr std::size_t kHistory = 360;

std::string trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return std::string(s);
}

std::int64_t now_ms() { return now_unix_micros() / 1000; }
}  // namespace

Result<std::vector<TimeSourceAddress>> parse_time_sources(std::string_view list) {
  std::vector<TimeSourceAddress> out;
  std::stringstream ss{std::string(list)};
  std::string item;
  while (std::getline(ss, item, ',')) {
    item = trim(item);
    if (item.empty()) continue;
    TimeSourceAddress a;
    auto colon = item.rfind(':');
    if (colon != std::string::npos && item.find(']') == std::string::npos && item.find(':') == colon) {
      a.host = item.substr(0, colon);
      std::string port = item.substr(colon + 1);
      if (port.empty() || port.size() > 5 || port.find_first_not_of("0123456789") != std::string::npos ||
          std::stoi(port) < 1 || std::stoi(port) > 65535)
        return Error(Errc::config_invalid, "time source '" + item + "': bad port");
      a.port = std::stoi(port);
    } else {
      a.host = item;
    }
    if (a.host.empty()) return Error(Errc::config_invalid, "time source '" + item + "': empty host");
    out.push_back(a);
  }
  return out;
}

Result<ChronyTracking> parse_chrony_tracking(std::string_view csv) {
  std::vector<std::string> f;
  std::stringstream ss{trim(csv)};
  std::string item;
  while (std::getline(ss, item, ',')) f.push_back(item);
  // refid, name, stratum, ref time, system offset, last offset, rms offset, frequency, residual freq, skew,
  // root delay, root dispersion, update interval, leap status
  if (f.size() < 14) return Error(Errc::bad_encoding, "chronyc tracking: expected 14 fields");
  ChronyTracking t;
  try {
    t.reference = f[1];
    t.stratum = std::stoi(f[2]);
    t.system_offset_ms = std::stod(f[4]) * 1000;
    t.rms_offset_ms = std::stod(f[6]) * 1000;
  } catch (const std::exception&) {
    return Error(Errc::bad_encoding, "chronyc tracking: malformed number");
  }
  t.leap_status = f[13];
  return t;
}

ClockMonitor::ClockMonitor(Options opts) : opts_(std::move(opts)) {
  for (auto& s : opts_.servers) sources_.push_back(Source{s.name(), false, 0, 0, 0, "", "not polled yet", 0, 0, 0, {}});
}

ClockMonitor::~ClockMonitor() { stop(); }

void ClockMonitor::start() {
  if (thread_.joinable()) return;
  thread_ = std::thread([this] {
    std::unique_lock lk(mu_);
    while (!stopping_) {
      lk.unlock();
      poll_now();
      lk.lock();
      cv_.wait_for(lk, std::chrono::seconds(std::max(1, opts_.poll_interval_s)), [this] { return stopping_; });
    }
  });
}

void ClockMonitor::stop() {
  {
    std::lock_guard lk(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void ClockMonitor::poll_now() {
  for (std::size_t i = 0; i < opts_.servers.size(); ++i) {
    auto sample = ntp_query(opts_.servers[i].host, opts_.servers[i].port, opts_.timeout_ms);
    std::lock_guard lk(mu_);
    Source& s = sources_[i];
    ++s.polls;
    if (sample) {
      s.reachable = true;
      s.offset_ms = sample->offset_ms;
      s.delay_ms = sample->delay_ms;
      s.stratum = sample->stratum;
      s.reference_id = sample->reference_id;
      s.last_sync_ms = sample->at_ms;
      s.last_error.clear();
      s.history.emplace_back(sample->at_ms, sample->offset_ms);
      if (s.history.size() > kHistory) s.history.pop_front();
    } else {
      s.reachable = false;
      ++s.failures;
      s.last_error = sample.error().detail;
    }
  }
  if (opts_.use_chrony) poll_chrony();
}

void ClockMonitor::poll_chrony() {
  FILE* f = ::popen("chronyc -c tracking 2>/dev/null", "r");
  if (!f) return;
  char buf[1024];
  std::string out;
  std::size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, f)) > 0) out.append(buf, n);
  int rc = ::pclose(f);
  auto t = rc == 0 ? parse_chrony_tracking(out) : Result<ChronyTracking>(Errc::unavailable, "");
  std::lock_guard lk(mu_);
  if (t) chrony_ = *t;
  else chrony_.reset();
}

ClockMonitor::Status ClockMonitor::status() const {
  std::lock_guard lk(mu_);
  Status st;
  st.sources = sources_;
  st.chrony = chrony_;
  std::int64_t now = now_ms();
  std::vector<double> offsets;
  int best_stratum = 16;
  for (auto& s : sources_) {
    if (s.last_sync_ms > 0 && now - s.last_sync_ms <= static_cast<std::int64_t>(opts_.holdover_s) * 1000) {
      offsets.push_back(s.offset_ms);
      best_stratum = std::min(best_stratum, s.stratum);
    }
  }
  if (chrony_ && chrony_->leap_status != "Not synchronised" && chrony_->stratum > 0 && chrony_->stratum < 16) {
    offsets.push_back(chrony_->system_offset_ms);
    best_stratum = std::min(best_stratum, chrony_->stratum);
  }
  if (sources_.empty() && !chrony_) {
    st.ok = true;
    st.reason = "no time sources configured: the local clock is trusted";
    st.stratum = 16;
    return st;
  }
  if (offsets.empty()) {
    st.ok = false;
    st.reason = "no time source answered within the hold-over limit of " + std::to_string(opts_.holdover_s) + " s";
    return st;
  }
  std::sort(offsets.begin(), offsets.end());
  std::size_t mid = offsets.size() / 2;
  st.offset_ms = offsets.size() % 2 ? offsets[mid] : (offsets[mid - 1] + offsets[mid]) / 2;
  st.stratum = best_stratum;
  if (std::fabs(st.offset_ms) > opts_.max_offset_ms) {
    char buf[160];
    std::snprintf(buf, sizeof buf, "clock offset %.3f ms exceeds the configured accuracy of %.0f ms", st.offset_ms,
                  opts_.max_offset_ms);
    st.ok = false;
    st.reason = buf;
    return st;
  }
  st.ok = true;
  st.reason = "synchronised";
  return st;
}

SntpServerState ClockMonitor::sntp_state() const {
  Status st = status();
  SntpServerState s;
  if (st.sources.empty() && !st.chrony) {
    s.synchronised = true;
    s.stratum = 10;  // an undisciplined local clock, as ntpd's orphan/local-clock convention
    s.reference_id = reference_id_code("LOCL");
    return s;
  }
  s.synchronised = st.ok;
  s.stratum = std::min(15, st.stratum + 1);
  s.reference_id = reference_id_code("MSGN");
  s.root_dispersion_ms = std::fabs(st.offset_ms);
  return s;
}

}  // namespace medsign::tsp
