// GM/T 0029 Annex A over sockets, a thin adapter over services::svs_handle_der:
//   - TCP: DER SVSRequest messages back to back on a persistent connection, framed by their own DER
//     length; each is answered by an SVSRespond in request order. Requests are pipelined: up to
//     max_pipeline are worked on at once per connection before reading pauses.
//   - TLS: the same message stream inside TLS (the platform's HTTPS certificate and key) on its own port.
//   - UDP: one SVSRequest per datagram, one SVSRespond datagram back (answers that do not fit get
//     GM_SYSTEM_FAILURE; use TCP for large messages).
// A first byte other than SEQUENCE, an indefinite or oversize length, or a stalled connection closes the
// connection (after a GM_INVALID_DATA_FORMAT answer when the input was a message at all).
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include <boost/asio/ssl/context.hpp>

#include "services/svs.h"

namespace medsign::server {

struct SvsSocketOptions {
  std::string listen = "127.0.0.1";
  int tcp_port = -1;  // -1 = off, 0 = an ephemeral port
  int udp_port = -1;
  int tls_port = -1;  // -1 = off; needs `tls`
  std::shared_ptr<boost::asio::ssl::context> tls;
  std::size_t max_message = 4u << 20;
  std::size_t max_datagram = 1472;
  std::size_t max_pipeline = 64;
  int idle_timeout_ms = 75000;
  int threads = 0;  // 0 = one per core
};

// Size of the DER element at the start of `buf`: nullopt while more bytes are needed for the header;
// an error for a first byte other than SEQUENCE, an indefinite length or a length above `max`.
Result<std::optional<std::size_t>> der_message_size(ByteView buf, std::size_t max);

class SvsSocketServer {
 public:
  SvsSocketServer(services::SvsService& svs, SvsSocketOptions opts);
  ~SvsSocketServer();
  Status start();
  // Closes the listeners, lets answers waiting for their log commit go out (briefly), then stops.
  void stop();
  int tcp_port() const;
  int udp_port() const;
  int tls_port() const;
  struct Stats {
    std::uint64_t tcp_connections = 0, requests = 0, udp_requests = 0, rejected_input = 0;
  };
  Stats stats() const;

  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace medsign::server
