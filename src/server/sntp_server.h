// The SNTP server for business systems (RFC 4330 over UDP): a thin adapter over tsp::make_sntp_reply that
// announces the state of the clock monitor (unsynchronised, LI=3 stratum 16, while the clock is not usable).
#pragma once

#include <memory>
#include <string>

#include "tsp/clock_monitor.h"

namespace medsign::server {

class SntpServer {
 public:
  SntpServer(const tsp::ClockMonitor& clock, std::string listen, int port);
  ~SntpServer();
  // Binds (port 0 = ephemeral) and serves on its own thread.
  Status start();
  void stop();
  int port() const;
  std::uint64_t answered() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace medsign::server
