#include "server/load_engine.h"

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <thread>

#include <boost/asio/connect.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/write.hpp>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

namespace medsign::server::load_engine {
namespace asio = boost::asio;
namespace ssl = asio::ssl;
using tcp = asio::ip::tcp;
using boost::system::error_code;

Result<Address> parse_host_port(std::string_view hp) {
  auto colon = hp.rfind(':');
  if (colon == std::string_view::npos || colon == 0 || colon + 1 == hp.size())
    return Error(Errc::invalid_argument, "expected host:port, got '" + std::string(hp) + "'");
  Address a{std::string(hp.substr(0, colon)), std::string(hp.substr(colon + 1))};
  if (a.host.size() > 2 && a.host.front() == '[' && a.host.back() == ']') a.host = a.host.substr(1, a.host.size() - 2);
  if (!std::all_of(a.port.begin(), a.port.end(), [](char c) { return c >= '0' && c <= '9'; }) || a.port.size() > 5 ||
      std::atoi(a.port.c_str()) > 65535)
    return Error(Errc::invalid_argument, "port must be a number up to 65535, got '" + a.port + "'");
  return a;
}

Result<Url> parse_url(std::string_view url) {
  Url u;
  std::string_view rest;
  if (url.starts_with("http://")) {
    rest = url.substr(7);
  } else if (url.starts_with("https://")) {
    u.tls = true;
    rest = url.substr(8);
  } else {
    return Error(Errc::invalid_argument, "--url must start with http:// or https://, got '" + std::string(url) + "'");
  }
  auto slash = rest.find('/');
  MEDSIGN_ASSIGN(u.address, parse_host_port(rest.substr(0, slash)));
  if (slash != std::string_view::npos && slash + 1 < rest.size()) u.path = std::string(rest.substr(slash));
  return u;
}

Result<std::shared_ptr<ssl::context>> make_tls_client(const TlsOptions& o) {
  auto ctx = std::make_shared<ssl::context>(ssl::context::tls_client);
  ctx->set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 | ssl::context::no_sslv3 |
                   ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1);
  if (o.insecure) {
    ctx->set_verify_mode(ssl::verify_none);
    return ctx;
  }
  ctx->set_verify_mode(ssl::verify_peer);
  error_code ec;
  if (!o.ca_file.empty()) {
    std::error_code fec;
    if (!std::filesystem::is_regular_file(o.ca_file, fec))
      return Error(Errc::io_error, "--ca " + o.ca_file + ": no such file");
    ctx->load_verify_file(o.ca_file, ec);
    if (ec) return Error(Errc::invalid_argument, "--ca " + o.ca_file + ": no PEM certificate in it (" + ec.message() + ")");
  } else {
    ctx->set_default_verify_paths(ec);
    if (ec) return Error(Errc::config_invalid, "cannot load the system's trusted certificates: " + ec.message());
  }
  return ctx;
}

void Collector::error(std::string_view what) {
  std::lock_guard lk(mu_);
  ++tally_.errors;
  if (tally_.first_error.empty()) tally_.first_error = std::string(what);
}

void Collector::add(const Tally& t, const std::vector<std::uint32_t>& latencies_us) {
  std::lock_guard lk(mu_);
  tally_.ok += t.ok;
  tally_.errors += t.errors;
  tally_.rejections += t.rejections;
  tally_.verified += t.verified;
  tally_.verify_failures += t.verify_failures;
  if (tally_.first_error.empty()) tally_.first_error = t.first_error;
  latencies_us_.insert(latencies_us_.end(), latencies_us.begin(), latencies_us.end());
}

Tally Collector::tally() const {
  std::lock_guard lk(mu_);
  return tally_;
}

Latency summarize(std::vector<std::uint32_t>& s) {
  Latency l;
  if (s.empty()) return l;
  std::sort(s.begin(), s.end());
  auto at = [&](double p) { return s[static_cast<std::size_t>(p * static_cast<double>(s.size() - 1))] / 1000.0; };
  l.p50_ms = at(0.50);
  l.p90_ms = at(0.90);
  l.p99_ms = at(0.99);
  l.max_ms = s.back() / 1000.0;
  double sum = 0;
  for (auto v : s) sum += v;
  l.mean_ms = sum / static_cast<double>(s.size()) / 1000.0;
  return l;
}

Result<BoundRate> measure_bound(int threads, double seconds, const std::function<std::function<bool()>(int)>& make_op,
                                const std::string& what_failed) {
  threads = std::max(1, threads);
  std::vector<std::function<bool()>> ops;
  for (int i = 0; i < threads; ++i) ops.push_back(make_op(i));
  std::atomic<std::uint64_t> done{0}, failed{0};
  const auto start = std::chrono::steady_clock::now();
  const auto deadline = start + std::chrono::microseconds(static_cast<std::int64_t>(seconds * 1e6));
  std::vector<std::thread> pool;
  for (int i = 0; i < threads; ++i) {
    pool.emplace_back([&, i] {
      std::uint64_t n = 0, bad = 0;
      while (std::chrono::steady_clock::now() < deadline) ops[static_cast<std::size_t>(i)]() ? ++n : ++bad;
      done += n;
      failed += bad;
    });
  }
  for (auto& t : pool) t.join();
  if (failed > 0) return Error(Errc::internal, what_failed);
  BoundRate r;
  r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  r.per_s = static_cast<double>(done.load()) / r.seconds;
  return r;
}

void run_io(asio::io_context& ioc, int threads) {
  std::vector<std::thread> pool;
  for (int i = 1; i < std::max(1, threads); ++i) pool.emplace_back([&] { ioc.run(); });
  ioc.run();
  for (auto& t : pool) t.join();
}

namespace {

// Sets SNI (for names) and the name or address the server certificate must carry.
void expect_peer(SSL* ssl, const std::string& host, bool check_host) {
  error_code ec;
  auto ip = asio::ip::make_address(host, ec);
  if (ec) SSL_set_tlsext_host_name(ssl, host.c_str());
  if (!check_host) return;
  if (ec)
    SSL_set1_host(ssl, host.c_str());
  else
    X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl), ip.to_string().c_str());
}

// Why a handshake failed, in words: the certificate check's verdict when that was the cause.
std::string handshake_problem(SSL* ssl, const error_code& ec) {
  long v = SSL_get_verify_result(ssl);
  if (v != X509_V_OK) return std::string("the server certificate does not verify: ") + X509_verify_cert_error_string(v);
  return ec.message();
}

struct Run {
  const DriverOptions& opt;
  tcp::resolver::results_type endpoints;
  Clock::time_point deadline;
  Collector collector;
  const std::function<std::unique_ptr<Exchange>()>& make_exchange;
  std::atomic<int> alive{0};          // connections not yet ended
  std::atomic<bool> stopped{false};   // the watchdog gave up on the stalled ones
  std::function<void()> on_last_end;  // cancels the watchdog
};

// One keep-alive connection: writes a batch, reads and judges its answers, then the next batch.
template <class Stream>
class Connection : public std::enable_shared_from_this<Connection<Stream>> {
 public:
  Connection(Run& run, asio::io_context& ioc) : run_(run), stream_(make_stream(run, ioc)), exchange_(run.make_exchange()) {
    lat_.reserve(1 << 14);
    buf_.resize(16384);
    ++run_.alive;
  }
  ~Connection() {
    run_.collector.add(tally_, lat_);
    if (--run_.alive == 0 && !run_.stopped) run_.on_last_end();
  }

  void start() {
    asio::async_connect(lowest(), run_.endpoints, [self = this->shared_from_this()](error_code ec, const tcp::endpoint&) {
      if (ec) return self->run_.collector.error("connect: " + ec.message());
      error_code ignored;
      self->lowest().set_option(tcp::no_delay(true), ignored);
      if constexpr (std::is_same_v<Stream, tcp::socket>) {
        self->next();
      } else {
        expect_peer(self->stream_.native_handle(), self->run_.opt.address.host, self->run_.opt.check_host);
        self->stream_.async_handshake(ssl::stream_base::client, [self](error_code ec2) {
          if (ec2) return self->run_.collector.error("TLS handshake: " + handshake_problem(self->stream_.native_handle(), ec2));
          self->next();
        });
      }
    });
  }

 private:
  static Stream make_stream(Run& run, asio::io_context& ioc) {
    if constexpr (std::is_same_v<Stream, tcp::socket>) return Stream(ioc);
    else return Stream(tcp::socket(asio::make_strand(ioc)), *run.opt.tls);  // the strand serialises finish()'s timer
  }
  tcp::socket& lowest() {
    if constexpr (std::is_same_v<Stream, tcp::socket>) return stream_;
    else return stream_.next_layer();
  }

  void next() {
    if (Clock::now() >= run_.deadline) return finish();
    out_.clear();
    batch_ = static_cast<std::size_t>(std::max(1, run_.opt.pipeline));
    for (std::size_t i = 0; i < batch_; ++i) {
      if (auto st = exchange_->append_request(i, out_); !st) return run_.collector.error(st.error().detail);
    }
    answered_ = 0;
    t0_ = Clock::now();
    asio::async_write(stream_, asio::buffer(out_), [self = this->shared_from_this()](error_code ec, std::size_t) {
      if (ec) return self->run_.collector.error("write: " + ec.message());
      self->drain();
    });
  }

  // TLS: a close_notify, so that the server sees a clean end; the socket is closed after 2 s regardless.
  void finish() {
    if constexpr (!std::is_same_v<Stream, tcp::socket>) {
      auto timer = std::make_shared<asio::steady_timer>(stream_.get_executor(), std::chrono::seconds(2));
      timer->async_wait([self = this->shared_from_this(), timer](error_code ec) {
        error_code ignored;
        if (!ec) self->lowest().close(ignored);
      });
      stream_.async_shutdown([self = this->shared_from_this(), timer](error_code) { timer->cancel(); });
    }
  }

  // Judges every complete answer in the buffer; reads more while the batch is not answered.
  void drain() {
    while (answered_ < batch_) {
      ByteView in(buf_.data() + begin_, end_ - begin_);
      auto size = exchange_->answer_size(in);
      if (!size) return run_.collector.error(size.error().detail);
      if (!*size) break;
      auto us = std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - t0_).count();
      Verdict v = exchange_->check(answered_, in.first(**size), tally_);
      if (v.answered) {
        ++tally_.ok;
        lat_.push_back(static_cast<std::uint32_t>(us));
      }
      if (!v.problem.empty()) run_.collector.error(v.problem);
      begin_ += **size;
      ++answered_;
    }
    if (answered_ == batch_) return next();
    if (begin_ == end_) begin_ = end_ = 0;
    if (begin_ > 0 && end_ + 4096 > buf_.size()) {
      std::copy(buf_.begin() + static_cast<std::ptrdiff_t>(begin_), buf_.begin() + static_cast<std::ptrdiff_t>(end_), buf_.begin());
      end_ -= begin_;
      begin_ = 0;
    }
    if (end_ + 4096 > buf_.size()) buf_.resize(buf_.size() * 2);
    stream_.async_read_some(asio::buffer(buf_.data() + end_, buf_.size() - end_),
                            [self = this->shared_from_this()](error_code ec, std::size_t n) {
                              if (ec) return self->run_.collector.error("read: " + ec.message());
                              self->end_ += n;
                              self->drain();
                            });
  }

  Run& run_;
  Stream stream_;
  std::unique_ptr<Exchange> exchange_;
  std::string out_;
  Bytes buf_;
  std::size_t begin_ = 0, end_ = 0;
  std::size_t batch_ = 0, answered_ = 0;
  Clock::time_point t0_;
  Tally tally_;
  std::vector<std::uint32_t> lat_;
};

// One TLS handshake, synchronously, so that a certificate problem is reported once and by name.
Status probe_tls(const DriverOptions& o, const tcp::resolver::results_type& endpoints) {
  asio::io_context ioc;
  ssl::stream<tcp::socket> s(ioc, *o.tls);
  error_code ec;
  asio::connect(s.next_layer(), endpoints, ec);
  if (ec) return Error(Errc::unavailable, "cannot connect to " + o.address.to_string() + ": " + ec.message());
  expect_peer(s.native_handle(), o.address.host, o.check_host);
  s.handshake(ssl::stream_base::client, ec);
  if (ec) return Error(Errc::unavailable, "TLS handshake with " + o.address.to_string() + ": " + handshake_problem(s.native_handle(), ec));
  s.shutdown(ec);
  return {};
}

}  // namespace

Result<DriverResult> drive(const DriverOptions& o, const std::function<std::unique_ptr<Exchange>()>& make_exchange) {
  if (o.connections < 1 || o.seconds <= 0 || o.pipeline < 1)
    return Error(Errc::invalid_argument, "connections, pipeline and seconds must be positive");
  tcp::resolver::results_type endpoints;
  {
    asio::io_context resolving;
    error_code ec;
    endpoints = tcp::resolver(resolving).resolve(o.address.host, o.address.port, ec);
    if (ec) return Error(Errc::invalid_argument, "cannot resolve " + o.address.to_string() + ": " + ec.message());
  }
  if (o.tls) MEDSIGN_TRY(probe_tls(o, endpoints));
  Run run{o, endpoints, {}, {}, make_exchange, {}, {}, {}};
  DriverResult r;
  int stalled = 0;
  {
    asio::io_context ioc;
    auto start = Clock::now();
    run.deadline = start + std::chrono::microseconds(static_cast<std::int64_t>(o.seconds * 1e6));
    // Connections still waiting grace_ms after the end are given up, so that a silent server cannot hang the run.
    auto strand = asio::make_strand(ioc);
    asio::steady_timer watchdog(strand, run.deadline + std::chrono::milliseconds(o.grace_ms));
    run.on_last_end = [&] { asio::post(strand, [&] { watchdog.cancel(); }); };
    watchdog.async_wait([&](error_code ec) {
      if (ec) return;
      run.stopped = true;
      stalled = run.alive.load();
      ioc.stop();
    });
    for (int i = 0; i < o.connections; ++i) {
      if (o.tls)
        std::make_shared<Connection<ssl::stream<tcp::socket>>>(run, ioc)->start();
      else
        std::make_shared<Connection<tcp::socket>>(run, ioc)->start();
    }
    run_io(ioc, o.threads);
    run.stopped = true;
    r.seconds = std::chrono::duration<double>(Clock::now() - start).count();
  }  // the stalled connections end here and add their counts
  if (stalled > 0)
    run.collector.error(std::to_string(stalled) + " connection(s) still without their answers " + std::to_string(o.grace_ms) +
                        " ms after the end: given up");
  r.tally = run.collector.tally();
  r.latencies_us = std::move(run.collector.latencies_us());
  return r;
}

namespace {
// Case-insensitive: does `line` start with `name` (which is lower case)?
bool starts_with_ci(std::string_view line, std::string_view name) {
  if (line.size() < name.size()) return false;
  for (std::size_t i = 0; i < name.size(); ++i)
    if (std::tolower(static_cast<unsigned char>(line[i])) != name[i]) return false;
  return true;
}
}  // namespace

Result<std::optional<HttpAnswer>> parse_http_answer(ByteView in) {
  std::string_view text = as_chars(in);
  auto end = text.find("\r\n\r\n");
  if (end == std::string_view::npos) {
    if (text.size() > 16384) return Error(Errc::bad_encoding, "HTTP answer head longer than 16 KiB");
    return std::optional<HttpAnswer>{};
  }
  std::string_view head = text.substr(0, end + 2);
  if (!head.starts_with("HTTP/1.") || head.size() < 12)
    return Error(Errc::bad_encoding, "not an HTTP/1.x answer: '" + std::string(head.substr(0, 40)) + "'");
  HttpAnswer a;
  a.status = std::atoi(std::string(head.substr(9, 3)).c_str());
  std::optional<std::size_t> length;
  for (std::size_t pos = head.find("\r\n") + 2; pos < head.size();) {
    auto eol = head.find("\r\n", pos);
    std::string_view line = head.substr(pos, eol - pos);
    if (starts_with_ci(line, "content-length:")) {
      std::string value(line.substr(15));
      char* stop = nullptr;
      unsigned long long n = std::strtoull(value.c_str(), &stop, 10);
      if (stop == value.c_str() || n > (64ull << 20)) return Error(Errc::bad_encoding, "bad Content-Length: " + value);
      length = static_cast<std::size_t>(n);
    }
    pos = eol + 2;
  }
  if (!length) return Error(Errc::bad_encoding, "HTTP answer without Content-Length");
  std::size_t body_at = end + 4;
  if (in.size() < body_at + *length) return std::optional<HttpAnswer>{};
  a.size = body_at + *length;
  a.body = in.subspan(body_at, *length);
  return std::optional<HttpAnswer>{a};
}

std::string http_post_head(std::string_view path, std::string_view host, std::string_view content_type,
                           std::size_t body_size, std::string_view extra) {
  std::string h;
  h.reserve(160 + extra.size());
  h.append("POST ").append(path).append(" HTTP/1.1\r\nHost: ").append(host).append("\r\n");
  h.append(extra);
  h.append("Content-Type: ").append(content_type).append("\r\nContent-Length: ").append(std::to_string(body_size));
  h.append("\r\n\r\n");
  return h;
}

}  // namespace medsign::server::load_engine
