// The skeleton the load generators share (server/tsa_load.h, server/svs_load.h): target addresses, the TLS
// client context, the connection driver that keeps N keep-alive connections (plain TCP or TLS) busy for a
// fixed time, HTTP/1.1 answer framing, the thread-safe tally of a run and the latency summary of its report.
//
// A generator plugs its protocol into the driver as an Exchange: it writes the requests of a batch, says
// where each answer ends in the byte stream, and checks each answer. Everything else (connect, handshake,
// write, read, the batch loop, counting, latencies) is the driver's.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ssl/context.hpp>

#include "common/bytes.h"
#include "common/error.h"

namespace medsign::server::load_engine {

using Clock = std::chrono::steady_clock;

struct Address {
  std::string host, port;
  std::string to_string() const { return host + ":" + port; }
};
// "host:port" or "[v6]:port".
Result<Address> parse_host_port(std::string_view hp);

// http://host:port[/path] or https://host:port[/path]; `path` is empty when the URL has none (or only "/").
struct Url {
  bool tls = false;
  Address address;
  std::string path;
};
Result<Url> parse_url(std::string_view url);

struct TlsOptions {
  std::string ca_file;    // PEM trust anchors; empty = the system store
  bool insecure = false;  // neither the certificate nor the host name is checked
};
// A TLS 1.2+ client context that checks server certificates as `o` says. Errors name an unreadable --ca.
Result<std::shared_ptr<boost::asio::ssl::context>> make_tls_client(const TlsOptions& o);

// What a run (or one connection) counts.
struct Tally {
  std::uint64_t ok = 0, errors = 0, rejections = 0, verified = 0, verify_failures = 0;
  std::string first_error;
};

// The tally of a whole run, shared by its connections (thread-safe). Connections count into their own
// Tally and latency vector and add them here once, when they end.
class Collector {
 public:
  void error(std::string_view what);
  void add(const Tally& t, const std::vector<std::uint32_t>& latencies_us);
  Tally tally() const;
  // REQUIRES: no connection is running any more.
  std::vector<std::uint32_t>& latencies_us() { return latencies_us_; }

 private:
  mutable std::mutex mu_;
  Tally tally_;
  std::vector<std::uint32_t> latencies_us_;
};

// The latency part of a report, from microsecond samples (sorted in place).
struct Latency {
  double mean_ms = 0, p50_ms = 0, p90_ms = 0, p99_ms = 0, max_ms = 0;
};
Latency summarize(std::vector<std::uint32_t>& samples_us);

// The in-process bound a load is compared with: `threads` threads, each running the operation make_op(i)
// gives it (built once per thread, outside the timing) over and over for `seconds`. Returns the rate of
// operations per second; internal (with `what_failed`) when any operation failed.
struct BoundRate {
  double seconds = 0, per_s = 0;
};
Result<BoundRate> measure_bound(int threads, double seconds, const std::function<std::function<bool()>(int)>& make_op,
                                const std::string& what_failed);

// Runs `ioc` on `threads` threads (the caller's among them) until it has no work left.
void run_io(boost::asio::io_context& ioc, int threads);

// One answer of a batch, as the Exchange judged it.
struct Verdict {
  bool answered = false;  // the request got its answer: counted in ok, its latency recorded
  std::string problem;    // not empty: counted as an error (together with `answered` for e.g. a bad token)
};

// A request/answer protocol on one connection. One instance per connection, used from one thread at a time.
class Exchange {
 public:
  virtual ~Exchange() = default;
  // Appends request `index` (0 .. pipeline-1) of the next batch to `out`.
  virtual Status append_request(std::size_t index, std::string& out) = 0;
  // The size of the answer at the start of `in`; nullopt while it is incomplete; an error when the stream
  // cannot be framed (the connection is then given up).
  virtual Result<std::optional<std::size_t>> answer_size(ByteView in) = 0;
  // Judges answer `index` of the batch; may count rejections and verifications in `t`.
  virtual Verdict check(std::size_t index, ByteView answer, Tally& t) = 0;
};

struct DriverOptions {
  Address address;
  int connections = 1;
  int pipeline = 1;  // requests written together; the next batch once all are answered
  int threads = 1;
  double seconds = 1;
  std::shared_ptr<boost::asio::ssl::context> tls;  // null = plain TCP
  bool check_host = true;                          // with tls: the certificate must name address.host
  int grace_ms = 5000;  // connections still waiting this long after `seconds` are given up (one error for all)
};

struct DriverResult {
  Tally tally;
  std::vector<std::uint32_t> latencies_us;  // sorted by summarize() when the caller asks for it
  double seconds = 0;
};

// Keeps `connections` connections busy for `seconds`; the run ends when the last answer of every batch is in
// (at most grace_ms later). With TLS one handshake is made first, so that a
// certificate that does not verify fails the run with that reason instead of N connection errors.
Result<DriverResult> drive(const DriverOptions& o, const std::function<std::unique_ptr<Exchange>()>& make_exchange);

// HTTP/1.1 answers on a keep-alive connection.
struct HttpAnswer {
  int status = 0;
  std::size_t size = 0;  // head and body
  ByteView body;
};
// The answer at the start of `in`; nullopt while incomplete; an error for a malformed head or one without
// Content-Length.
Result<std::optional<HttpAnswer>> parse_http_answer(ByteView in);
// The head of a POST with a body of `body_size` bytes; `extra` holds whole header lines ("Name: v\r\n").
std::string http_post_head(std::string_view path, std::string_view host, std::string_view content_type,
                           std::size_t body_size, std::string_view extra = {});

}  // namespace medsign::server::load_engine
