// The client behind an SVS_Open handle: an ordered list of servers, a pool of persistent connections
// per server, fail-over between them. Thread-safe: any number of threads may call exchange() at once.
//
// A call goes to the first listed server not marked down (all of them, in order, when every one is):
//   - a connection is taken from the server's pool (an idle one, else a new one while fewer than
//     pool_size exist, else the call waits for one to come back, up to the request timeout);
//   - an idle connection the peer has closed is dropped before use; a pooled connection that breaks
//     during the exchange is dropped and the request retried once on a new connection;
//   - a server that refuses the connection, breaks a new one or does not answer within the request
//     timeout is marked down for retry_after and the next server is tried.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "sdk/svs/connection.h"

namespace medsign::sdk::svs {

struct ClientOptions {
  int connect_timeout_ms = 3000;
  int request_timeout_ms = 10000;
  unsigned pool_size = 4;
  int retry_after_ms = 5000;
  std::string tls_ca_file;  // empty: plain TCP
  std::string tls_server_name;
  std::size_t max_answer = 64u << 20;
};

// The outcome of one exchange across the servers.
enum class CallFailure { none, connect, timeout, protocol, tls, busy };

class Client {
 public:
  // Parses "host:port[,host:port...]" (port 6029 when absent, "[v6]:port"); false with why set for
  // an empty or malformed list, or a TLS CA file that does not load.
  bool init(const std::string& servers, ClientOptions opts, std::string& why);
  ~Client();

  // Sends one DER request and returns the DER answer of the first server that gives one.
  CallFailure exchange(ByteView request, Bytes& answer, std::string& why);

  // For tests and diagnostics: connections currently open to server i (idle + in use).
  unsigned open_connections(std::size_t i) const;

 private:
  struct Server {
    Endpoint ep;
    mutable std::mutex mu;
    std::condition_variable cv;
    std::vector<std::unique_ptr<Connection>> idle;
    unsigned open = 0;
    std::atomic<std::int64_t> down_until_ms{0};  // steady-clock milliseconds
  };
  struct Lease {
    std::unique_ptr<Connection> conn;
    bool reused = false;
  };

  // Exchange on one server: IoFailure::none on success.
  IoError try_server(Server& s, ByteView request, Bytes& answer);
  bool acquire(Server& s, Lease& lease, IoError& err);
  void release(Server& s, std::unique_ptr<Connection> conn, bool keep);
  static std::int64_t now_ms();

  ClientOptions opts_;
  std::vector<std::unique_ptr<Server>> servers_;
  SSL_CTX* tls_ = nullptr;
};

}  // namespace medsign::sdk::svs
