// One client connection to a GM/T 0029 server: TCP (TCP_NODELAY) or TLS over TCP, non-blocking with
// deadlines. A request is one DER SVSRequest written whole; the answer is the next DER element read
// (framed by its own length), so a connection carries one exchange at a time.
#pragma once

#include <chrono>
#include <memory>
#include <string>

#include "common/bytes.h"

typedef struct ssl_ctx_st SSL_CTX;
typedef struct ssl_st SSL;

namespace medsign::sdk::svs {

using Clock = std::chrono::steady_clock;

// How an exchange or a connection attempt failed.
enum class IoFailure {
  none,
  refused,   // could not connect (refused, unreachable, name not resolved)
  broken,    // the connection was closed or reset
  timeout,   // no (complete) answer before the deadline
  protocol,  // the peer sent something that is not one DER message within the size limit
  tls,       // TLS handshake or certificate check failed
  busy,      // (pool) no connection came free within the request timeout
};

struct IoError {
  IoFailure kind = IoFailure::none;
  std::string why;
  // broken only: whether any byte of an answer had arrived (a retry is safe either way for the
  // operations of GM/T 0029, which change no state on the server).
  bool partial = false;
};

struct Endpoint {
  std::string host;
  std::string port;
  std::string label() const { return host + ":" + port; }
};

class Connection {
 public:
  // Connects to ep (each resolved address in turn) within connect_timeout; with tls set, completes a
  // TLS handshake that checks the server certificate against tls_name.
  static std::unique_ptr<Connection> open(const Endpoint& ep, SSL_CTX* tls, const std::string& tls_name,
                                          Clock::time_point deadline, IoError& err);
  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  // Writes `request` and reads one DER message of at most max_answer bytes into `answer`.
  bool exchange(ByteView request, Bytes& answer, std::size_t max_answer, Clock::time_point deadline, IoError& err);
  // An idle connection must have nothing to read: readable means the peer closed it (or sent
  // something unasked). False → drop it.
  bool idle_ok() const;

 private:
  Connection(int fd, SSL* ssl) : fd_(fd), ssl_(ssl) {}
  // >0 bytes moved; 0 closed; -1 error or timeout (err set).
  long write_some(const std::uint8_t* p, std::size_t n, Clock::time_point deadline, IoError& err);
  long read_some(std::uint8_t* p, std::size_t n, Clock::time_point deadline, IoError& err);
  bool wait(bool for_write, Clock::time_point deadline, IoError& err) const;

  int fd_ = -1;
  SSL* ssl_ = nullptr;
  Bytes buf_;  // bytes read past the end of the previous answer (none with a conforming server)
};

}  // namespace medsign::sdk::svs
