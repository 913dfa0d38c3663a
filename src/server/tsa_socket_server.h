// The timestamp authority's socket transports, thin adapters over TsaService::issue_async:
//   - TCP, the RFC 3161 §3.3 protocol: [4-byte length][1-byte flag][value]; tsaMsg (0x00) with a DER
//     TimeStampReq is answered by finalMsgRep (0x05) with the TimeStampResp; persistent connections carry
//     any number of requests in turn; other flags get errorMsgRep (0x06, UTF-8 text).
//   - UDP: one DER TimeStampReq per datagram, one TimeStampResp datagram back.
// Oversize or malformed input gets a rejection or an errorMsgRep, never a crash.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "services/tsa.h"

namespace medsign::server {

namespace tsa_tcp {
constexpr std::uint8_t kTsaMsg = 0x00, kPollRep = 0x01, kPollReq = 0x02, kNegPollRep = 0x03, kPartialMsgRep = 0x04,
                       kFinalMsgRep = 0x05, kErrorMsgRep = 0x06;
// A framed message: length (of flag + value), flag, value.
Bytes frame(std::uint8_t flag, ByteView value);
}  // namespace tsa_tcp

struct TsaSocketOptions {
  std::string listen = "127.0.0.1";
  int tcp_port = -1;  // -1 = off, 0 = an ephemeral port
  int udp_port = -1;
  std::size_t max_message = 65536;
  std::size_t max_datagram = 1472;
  int idle_timeout_ms = 75000;
  int threads = 0;    // 0 = one per core
  std::string unit;   // "" = the default unit
};

class TsaSocketServer {
 public:
  TsaSocketServer(services::TsaService& tsa, TsaSocketOptions opts);
  ~TsaSocketServer();
  // Binds and serves on its own threads.
  Status start();
  // Closes the listeners and connections, waits (briefly) for answers still being logged, then stops.
  void stop();
  int tcp_port() const;
  int udp_port() const;
  struct Stats {
    std::uint64_t tcp_connections = 0, tcp_requests = 0, udp_requests = 0, rejected_input = 0;
  };
  Stats stats() const;

  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace medsign::server
