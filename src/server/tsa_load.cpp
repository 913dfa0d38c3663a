#include "server/tsa_load.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <memory>
#include <mutex>
#include <random>
#include <sstream>
#include <thread>
#include <vector>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/streambuf.hpp>
#include <boost/asio/write.hpp>

#include "common/clock.h"
#include "server/tsa_socket_server.h"
#include "services/tsa.h"
#include "tsp/timestamp_issuer.h"

namespace medsign::server::tsa_load {
namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using boost::system::error_code;
using Clock = std::chrono::steady_clock;

namespace {

struct Target {
  bool http = true;
  std::string host, port, path;
};

Result<Target> parse_target(const Options& o) {
  Target t;
  std::string hp;
  if (!o.url.empty()) {
    if (!o.url.starts_with("http://")) return Error(Errc::invalid_argument, "--url must start with http://");
    std::string rest = o.url.substr(7);
    auto slash = rest.find('/');
    hp = rest.substr(0, slash);
    t.path = slash == std::string::npos ? "" : rest.substr(slash);
    if (t.path.empty() || t.path == "/") t.path = o.unit.empty() ? "/tsa" : "/tsa/" + o.unit;
  } else if (!o.tcp.empty()) {
    t.http = false;
    hp = o.tcp;
  } else {
    return Error(Errc::invalid_argument, "give --url or --tcp");
  }
  auto colon = hp.rfind(':');
  if (colon == std::string::npos || colon == 0 || colon + 1 == hp.size())
    return Error(Errc::invalid_argument, "expected host:port, got '" + hp + "'");
  t.host = hp.substr(0, colon);
  t.port = hp.substr(colon + 1);
  return t;
}

struct Shared {
  const Options& opt;
  Target target;
  tcp::resolver::results_type endpoints;
  Clock::time_point deadline;
  std::atomic<std::uint64_t> seq{0};
  std::mutex mu;
  Report report;
  std::vector<std::uint32_t> latencies_us;
  void error(const std::string& what) {
    std::lock_guard lk(mu);
    ++report.errors;
    if (report.first_error.empty()) report.first_error = what;
  }
};

class Conn : public std::enable_shared_from_this<Conn> {
 public:
  Conn(Shared& sh, asio::io_context& ioc, std::uint64_t seed) : sh_(sh), sock_(ioc), rng_(seed) {
    lat_.reserve(1 << 16);
  }
  ~Conn() {
    std::lock_guard lk(sh_.mu);
    sh_.report.tokens += tokens_;
    sh_.report.rejections += rejections_;
    sh_.report.verified += verified_;
    sh_.report.verify_failures += verify_failures_;
    sh_.latencies_us.insert(sh_.latencies_us.end(), lat_.begin(), lat_.end());
  }
  void start() {
    asio::async_connect(sock_, sh_.endpoints, [self = shared_from_this()](error_code ec, const tcp::endpoint&) {
      if (ec) return self->sh_.error("connect: " + ec.message());
      error_code ignored;
      self->sock_.set_option(tcp::no_delay(true), ignored);
      self->next();
    });
  }

 private:
  void next() {
    if (Clock::now() >= sh_.deadline) return;
    std::uint64_t n = sh_.seq.fetch_add(1);
    q_ = tsp::TimeStampRequest{};
    q_.imprint.algorithm = sh_.opt.alg;
    q_.imprint.hashed_message.resize(cms::digest_size(sh_.opt.alg));
    for (auto& b : q_.imprint.hashed_message) b = static_cast<std::uint8_t>(rng_());
    std::uint64_t nonce = rng_() & 0x7fffffffffffffffULL;
    q_.nonce = Bytes(8);
    for (int i = 0; i < 8; ++i) (*q_.nonce)[static_cast<std::size_t>(i)] = static_cast<std::uint8_t>(nonce >> (56 - 8 * i));
    if ((*q_.nonce)[0] == 0) (*q_.nonce)[0] = 1;
    q_.cert_req = sh_.opt.verify_every > 0 && n % sh_.opt.verify_every == 0;
    auto der = tsp::encode_request(q_);
    if (!der) return sh_.error("cannot encode a request");
    out_.clear();
    if (sh_.target.http) {
      out_ = "POST " + sh_.target.path + " HTTP/1.1\r\nHost: " + sh_.target.host +
             "\r\nContent-Type: application/timestamp-query\r\nContent-Length: " + std::to_string(der->size()) + "\r\n\r\n";
      out_.append(der->begin(), der->end());
    } else {
      Bytes f = tsa_tcp::frame(tsa_tcp::kTsaMsg, *der);
      out_.assign(f.begin(), f.end());
    }
    t0_ = Clock::now();
    asio::async_write(sock_, asio::buffer(out_), [self = shared_from_this()](error_code ec, std::size_t) {
      if (ec) return self->sh_.error("write: " + ec.message());
      self->sh_.target.http ? self->read_http_header() : self->read_tcp_header();
    });
  }

  void read_http_header() {
    asio::async_read_until(sock_, in_, "\r\n\r\n", [self = shared_from_this()](error_code ec, std::size_t n) {
      if (ec) return self->sh_.error("read: " + ec.message());
      std::string head(asio::buffers_begin(self->in_.data()), asio::buffers_begin(self->in_.data()) + static_cast<std::ptrdiff_t>(n));
      self->in_.consume(n);
      int status = head.size() > 12 ? std::atoi(head.c_str() + 9) : 0;
      std::string lower = head;
      std::transform(lower.begin(), lower.end(), lower.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
      auto cl = lower.find("\r\ncontent-length:");
      if (cl == std::string::npos) return self->sh_.error("response without Content-Length");
      std::size_t len = std::strtoull(lower.c_str() + cl + 17, nullptr, 10);
      self->read_body(len, status);
    });
  }

  void read_tcp_header() {
    asio::async_read(sock_, in_, asio::transfer_at_least(5 > in_.size() ? 5 - in_.size() : 0),
                     [self = shared_from_this()](error_code ec, std::size_t) {
                       if (ec) return self->sh_.error("read: " + ec.message());
                       auto p = asio::buffers_begin(self->in_.data());
                       std::uint8_t h[5];
                       for (int i = 0; i < 5; ++i) h[i] = static_cast<std::uint8_t>(p[i]);
                       self->in_.consume(5);
                       std::size_t len = (std::size_t{h[0]} << 24) | (std::size_t{h[1]} << 16) | (std::size_t{h[2]} << 8) | h[3];
                       self->read_body(len - 1, h[4] == tsa_tcp::kFinalMsgRep ? 200 : 500);
                     });
  }

  void read_body(std::size_t len, int status) {
    std::size_t have = in_.size();
    asio::async_read(sock_, in_, asio::transfer_at_least(len > have ? len - have : 0),
                     [self = shared_from_this(), len, status](error_code ec, std::size_t) {
                       if (ec) return self->sh_.error("read: " + ec.message());
                       auto p = asio::buffers_begin(self->in_.data());
                       Bytes body(p, p + static_cast<std::ptrdiff_t>(len));
                       self->in_.consume(len);
                       self->on_answer(status, body);
                     });
  }

  void on_answer(int status, const Bytes& body) {
    auto us = std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - t0_).count();
    if (status != 200) {
      sh_.error("status " + std::to_string(status) + ": " + std::string(body.begin(), body.end()).substr(0, 200));
      return next();
    }
    auto r = tsp::parse_response(body);
    if (!r) {
      sh_.error("unparsable TimeStampResp: " + r.error().detail);
      return next();
    }
    if (r->status != tsp::PkiStatus::granted) {
      ++rejections_;
      sh_.error("rejected: " + (r->status_text.empty() ? std::string("(no text)") : r->status_text[0]));
      return next();
    }
    ++tokens_;
    lat_.push_back(static_cast<std::uint32_t>(us));
    if (q_.cert_req) {
      auto v = tsp::verify_token(*r->token, {}, &q_.imprint, &*q_.nonce);
      if (v && v->ok) {
        ++verified_;
      } else {
        ++verify_failures_;
        sh_.error("token does not verify: " + (v ? v->problem : v.error().detail));
      }
    }
    next();
  }

  Shared& sh_;
  tcp::socket sock_;
  std::mt19937_64 rng_;
  tsp::TimeStampRequest q_;
  std::string out_;
  asio::streambuf in_;
  Clock::time_point t0_;
  std::vector<std::uint32_t> lat_;
  std::uint64_t tokens_ = 0, rejections_ = 0, verified_ = 0, verify_failures_ = 0;
};

double percentile(const std::vector<std::uint32_t>& sorted, double p) {
  if (sorted.empty()) return 0;
  auto i = static_cast<std::size_t>(p * static_cast<double>(sorted.size() - 1));
  return sorted[i] / 1000.0;
}

}  // namespace

Result<Report> run(const Options& o) {
  if (o.connections < 1 || o.seconds <= 0) return Error(Errc::invalid_argument, "connections and seconds must be positive");
  MEDSIGN_ASSIGN(Target target, parse_target(o));
  Shared sh{o, target, {}, {}, {}, {}, {}, {}};
  asio::io_context ioc;
  error_code ec;
  tcp::resolver resolver(ioc);
  sh.endpoints = resolver.resolve(target.host, target.port, ec);
  if (ec) return Error(Errc::invalid_argument, "cannot resolve " + target.host + ":" + target.port + ": " + ec.message());
  sh.report.target = target.http ? "http://" + target.host + ":" + target.port + target.path
                                 : "tcp://" + target.host + ":" + target.port;
  sh.report.connections = o.connections;
  auto start = Clock::now();
  sh.deadline = start + std::chrono::microseconds(static_cast<std::int64_t>(o.seconds * 1e6));
  std::random_device rd;
  for (int i = 0; i < o.connections; ++i) std::make_shared<Conn>(sh, ioc, (std::uint64_t{rd()} << 32) | rd())->start();
  std::vector<std::thread> threads;
  for (int i = 1; i < std::max(1, o.threads); ++i) threads.emplace_back([&] { ioc.run(); });
  ioc.run();
  for (auto& t : threads) t.join();
  auto& r = sh.report;
  r.seconds = std::chrono::duration<double>(Clock::now() - start).count();
  r.tokens_per_s = static_cast<double>(r.tokens) / r.seconds;
  std::sort(sh.latencies_us.begin(), sh.latencies_us.end());
  r.p50_ms = percentile(sh.latencies_us, 0.50);
  r.p90_ms = percentile(sh.latencies_us, 0.90);
  r.p99_ms = percentile(sh.latencies_us, 0.99);
  r.max_ms = sh.latencies_us.empty() ? 0 : sh.latencies_us.back() / 1000.0;
  double sum = 0;
  for (auto v : sh.latencies_us) sum += v;
  r.mean_ms = sh.latencies_us.empty() ? 0 : sum / static_cast<double>(sh.latencies_us.size()) / 1000.0;
  return r;
}

Result<Bound> signing_bound(crypto::KeyType key, cms::DigestAlgorithm alg, int threads, double seconds) {
  MEDSIGN_ASSIGN(tsp::TimestampUnit unit, services::make_ephemeral_tsa_unit("bound", key));
  tsp::IssuerPolicy pol;
  pol.policy = asn1::Oid::from_string("2.25.272170470712307402315457925049217395412").value();
  tsp::TimestampIssuer issuer(pol, nullptr);
  MEDSIGN_TRY(issuer.prepare(unit));
  Bound b;
  b.key = std::string(crypto::key_type_name(key));
  b.threads = std::max(1, threads);
  std::atomic<std::uint64_t> done{0}, failed{0};
  auto start = Clock::now();
  auto deadline = start + std::chrono::microseconds(static_cast<std::int64_t>(seconds * 1e6));
  std::vector<std::thread> pool;
  for (int i = 0; i < b.threads; ++i) {
    pool.emplace_back([&, i] {
      tsp::TimeStampRequest q;
      q.imprint = {alg, Bytes(cms::digest_size(alg), static_cast<std::uint8_t>(i))};
      q.nonce = Bytes{0x12, 0x34, 0x56, 0x78, 0x11, 0x22, 0x33, 0x44};
      Bytes der = tsp::encode_request(q).value();
      std::uint64_t n = 0, bad = 0;
      while (Clock::now() < deadline) {
        auto r = issuer.respond(unit, der, unix_millis());
        r.granted ? ++n : ++bad;
      }
      done += n;
      failed += bad;
    });
  }
  for (auto& t : pool) t.join();
  if (failed > 0) return Error(Errc::internal, "the in-process bound saw refused requests");
  b.seconds = std::chrono::duration<double>(Clock::now() - start).count();
  b.tokens_per_s = static_cast<double>(done.load()) / b.seconds;
  return b;
}

nlohmann::json Bound::to_json() const {
  return {{"key", key}, {"threads", threads}, {"seconds", seconds}, {"tokens_per_s", tokens_per_s}};
}

nlohmann::json Report::to_json() const {
  return {{"target", target},   {"connections", connections}, {"seconds", seconds},   {"tokens", tokens},
          {"tokens_per_s", tokens_per_s}, {"errors", errors}, {"rejections", rejections}, {"verified", verified},
          {"verify_failures", verify_failures},
          {"latency_ms", {{"mean", mean_ms}, {"p50", p50_ms}, {"p90", p90_ms}, {"p99", p99_ms}, {"max", max_ms}}},
          {"first_error", first_error}};
}

std::string Report::to_text() const {
  std::ostringstream os;
  os.setf(std::ios::fixed);
  os.precision(0);
  os << target << "  " << connections << " connections, " << seconds << " s\n";
  os << "  tokens/s   " << tokens_per_s << "  (" << tokens << " tokens)\n";
  os.precision(2);
  os << "  latency    mean " << mean_ms << " ms  p50 " << p50_ms << "  p90 " << p90_ms << "  p99 " << p99_ms << "  max "
     << max_ms << " ms\n";
  os << "  errors     " << errors << "  (rejections " << rejections << ")\n";
  os << "  verified   " << verified << " sampled tokens, " << verify_failures << " failed\n";
  if (!first_error.empty()) os << "  first error: " << first_error << "\n";
  return os.str();
}

}  // namespace medsign::server::tsa_load
