#include "server/svs_load.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <memory>
#include <mutex>
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
#include "crypto/soft/key_seal.h"
#include "server/svs_socket_server.h"
#include "svs/message.h"

namespace medsign::server::svs_load {
namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using boost::system::error_code;
using Clock = std::chrono::steady_clock;
using nlohmann::json;

namespace {

struct Target {
  bool http = true;
  std::string host, port;
};

Result<Target> parse_target(const Options& o) {
  Target t;
  std::string hp;
  if (!o.url.empty()) {
    if (!o.url.starts_with("http://")) return Error(Errc::invalid_argument, "--url must start with http://");
    hp = o.url.substr(7);
    hp = hp.substr(0, hp.find('/'));
  } else if (!o.binary.empty()) {
    t.http = false;
    hp = o.binary;
  } else {
    return Error(Errc::invalid_argument, "give --url or --binary");
  }
  auto colon = hp.rfind(':');
  if (colon == std::string::npos || colon == 0 || colon + 1 == hp.size()) {
    return Error(Errc::invalid_argument, "expected host:port, got '" + hp + "'");
  }
  t.host = hp.substr(0, colon);
  t.port = hp.substr(colon + 1);
  return t;
}

// The HTTP request text for a JSON POST.
std::string http_post(const Target& t, const std::string& path, const std::string& auth, const std::string& body) {
  std::string out = "POST " + path + " HTTP/1.1\r\nHost: " + t.host + "\r\nAuthorization: Basic " + auth +
                    "\r\nContent-Type: application/json\r\nContent-Length: " + std::to_string(body.size()) + "\r\n\r\n";
  out += body;
  return out;
}

// One synchronous exchange on a fresh connection (setup only).
Result<std::pair<int, std::string>> sync_http(const Target& t, const std::string& request) {
  asio::io_context ioc;
  tcp::socket s(ioc);
  error_code ec;
  tcp::resolver r(ioc);
  asio::connect(s, r.resolve(t.host, t.port, ec), ec);
  if (ec) return Error(Errc::unavailable, "cannot connect to " + t.host + ":" + t.port + ": " + ec.message());
  asio::write(s, asio::buffer(request), ec);
  asio::streambuf in;
  std::size_t n = asio::read_until(s, in, "\r\n\r\n", ec);
  if (ec) return Error(Errc::unavailable, "no answer: " + ec.message());
  std::string head(asio::buffers_begin(in.data()), asio::buffers_begin(in.data()) + static_cast<std::ptrdiff_t>(n));
  in.consume(n);
  std::string lower = head;
  std::transform(lower.begin(), lower.end(), lower.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  auto cl = lower.find("\r\ncontent-length:");
  std::size_t len = cl == std::string::npos ? 0 : std::strtoull(lower.c_str() + cl + 17, nullptr, 10);
  if (in.size() < len) asio::read(s, in, asio::transfer_exactly(len - in.size()), ec);
  std::string body(asio::buffers_begin(in.data()), asio::buffers_begin(in.data()) + static_cast<std::ptrdiff_t>(len));
  return std::pair{head.size() > 12 ? std::atoi(head.c_str() + 9) : 0, body};
}

Result<svs::Response> sync_binary(const Target& t, const Bytes& request) {
  asio::io_context ioc;
  tcp::socket s(ioc);
  error_code ec;
  tcp::resolver r(ioc);
  asio::connect(s, r.resolve(t.host, t.port, ec), ec);
  if (ec) return Error(Errc::unavailable, "cannot connect to " + t.host + ":" + t.port + ": " + ec.message());
  asio::write(s, asio::buffer(request), ec);
  Bytes in;
  for (;;) {
    auto size = der_message_size(in, 64u << 20);
    if (!size) return size.error();
    if (size->has_value() && in.size() >= **size) break;
    std::uint8_t buf[4096];
    std::size_t n = s.read_some(asio::buffer(buf), ec);
    if (ec) return Error(Errc::unavailable, "no answer: " + ec.message());
    in.insert(in.end(), buf, buf + n);
  }
  return svs::decode_response(in);
}

struct Shared {
  const Options& opt;
  Target target;
  tcp::resolver::results_type endpoints;
  Clock::time_point deadline;
  std::string request;  // the same request, over and over
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
  Conn(Shared& sh, asio::io_context& ioc) : sh_(sh), sock_(ioc) { lat_.reserve(1 << 16); }
  ~Conn() {
    std::lock_guard lk(sh_.mu);
    sh_.report.ok += ok_;
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
    t0_ = Clock::now();
    asio::async_write(sock_, asio::buffer(sh_.request), [self = shared_from_this()](error_code ec, std::size_t) {
      if (ec) return self->sh_.error("write: " + ec.message());
      self->sh_.target.http ? self->read_http() : self->read_binary();
    });
  }

  void read_http() {
    asio::async_read_until(sock_, in_, "\r\n\r\n", [self = shared_from_this()](error_code ec, std::size_t n) {
      if (ec) return self->sh_.error("read: " + ec.message());
      std::string head(asio::buffers_begin(self->in_.data()),
                       asio::buffers_begin(self->in_.data()) + static_cast<std::ptrdiff_t>(n));
      self->in_.consume(n);
      int status = head.size() > 12 ? std::atoi(head.c_str() + 9) : 0;
      std::string lower = head;
      std::transform(lower.begin(), lower.end(), lower.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
      auto cl = lower.find("\r\ncontent-length:");
      if (cl == std::string::npos) return self->sh_.error("response without Content-Length");
      std::size_t len = std::strtoull(lower.c_str() + cl + 17, nullptr, 10);
      std::size_t have = self->in_.size();
      asio::async_read(self->sock_, self->in_, asio::transfer_at_least(len > have ? len - have : 0),
                       [self, len, status](error_code ec2, std::size_t) {
                         if (ec2) return self->sh_.error("read: " + ec2.message());
                         auto p = asio::buffers_begin(self->in_.data());
                         std::string body(p, p + static_cast<std::ptrdiff_t>(len));
                         self->in_.consume(len);
                         bool good = status == 200 && (self->sh_.opt.op != "verify" ||
                                                       body.find("\"valid\":true") != std::string::npos);
                         self->done(good, good ? std::string() : "status " + std::to_string(status) + ": " + body.substr(0, 200));
                       });
    });
  }

  void read_binary() {
    auto size = der_message_size(buf_, 64u << 20);
    if (!size) return sh_.error("bad answer framing: " + size.error().detail);
    if (size->has_value() && buf_.size() >= **size) {
      std::size_t n = **size;
      auto r = svs::decode_response(ByteView(buf_.data(), n));
      buf_.erase(buf_.begin(), buf_.begin() + static_cast<std::ptrdiff_t>(n));
      bool good = r && r->resp_value == svs::kSuccess;
      return done(good, good ? std::string()
                             : r ? "respValue " + std::string(svs::resp_code_name(r->resp_value)) : r.error().detail);
    }
    std::size_t old = buf_.size();
    buf_.resize(old + 8192);
    sock_.async_read_some(asio::buffer(buf_.data() + old, 8192), [self = shared_from_this(), old](error_code ec, std::size_t n) {
      self->buf_.resize(old + (ec ? 0 : n));
      if (ec) return self->sh_.error("read: " + ec.message());
      self->read_binary();
    });
  }

  void done(bool good, const std::string& problem) {
    auto us = std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - t0_).count();
    if (good) {
      ++ok_;
      lat_.push_back(static_cast<std::uint32_t>(us));
    } else {
      sh_.error(problem);
    }
    next();
  }

  Shared& sh_;
  tcp::socket sock_;
  asio::streambuf in_;
  Bytes buf_;
  Clock::time_point t0_;
  std::vector<std::uint32_t> lat_;
  std::uint64_t ok_ = 0;
};

double percentile(const std::vector<std::uint32_t>& sorted, double p) {
  if (sorted.empty()) return 0;
  auto i = static_cast<std::size_t>(p * static_cast<double>(sorted.size() - 1));
  return sorted[i] / 1000.0;
}

// Builds the request the load repeats; for verification first has the server sign the data.
Result<std::string> prepare(const Options& o, const Target& t) {
  Bytes data = crypto::random_bytes(o.data_size);
  std::string auth = base64_encode(as_bytes(o.app_id + ":" + o.secret));
  if (t.http) {
    std::string sign_body = json{{"key", o.key}, {"data", base64_encode(data)}}.dump();
    if (o.op == "sign") return http_post(t, "/api/v1/svs/sign-data", auth, sign_body);
    MEDSIGN_ASSIGN(auto signed_, sync_http(t, http_post(t, "/api/v1/svs/sign-data", auth, sign_body)));
    if (signed_.first != 200) return Error(Errc::unavailable, "sign-data answered " + std::to_string(signed_.first) + ": " + signed_.second);
    auto j = json::parse(signed_.second, nullptr, false);
    MEDSIGN_ASSIGN(auto cert, sync_http(t, http_post(t, "/api/v1/svs/certificate", auth, json{{"key", o.key}}.dump())));
    if (cert.first != 200) return Error(Errc::unavailable, "certificate answered " + std::to_string(cert.first));
    auto cj = json::parse(cert.second, nullptr, false);
    if (!j.is_object() || !cj.is_object()) return Error(Errc::bad_encoding, "unexpected setup answers");
    return http_post(t, "/api/v1/svs/verify-data", auth,
                     json{{"certificate", cj.value("certificate", "")},
                          {"data", base64_encode(data)},
                          {"signature", j.value("signature", "")},
                          {"verify_level", o.verify_level}}
                         .dump());
  }
  svs::Request export_req;
  export_req.type = svs::ReqType::export_cert;
  export_req.time_ms = unix_millis();
  export_req.identification = Bytes(o.key.begin(), o.key.end());
  MEDSIGN_ASSIGN(Bytes export_der, svs::encode_request(export_req));
  MEDSIGN_ASSIGN(svs::Response cert, sync_binary(t, export_der));
  if (cert.resp_value != svs::kSuccess || !cert.cert) {
    return Error(Errc::unavailable, "ExportCert answered " + std::string(svs::resp_code_name(cert.resp_value)));
  }
  // signMethod from the certificate's key: SM2 certificates carry the SM2 curve OID 1.2.156.10197.1.301.
  static const std::uint8_t kSm2Curve[] = {0x06, 0x08, 0x2a, 0x81, 0x1c, 0xcf, 0x55, 0x01, 0x82, 0x2d};
  bool sm2 = std::search(cert.cert->begin(), cert.cert->end(), std::begin(kSm2Curve), std::end(kSm2Curve)) != cert.cert->end();
  svs::Request sign;
  sign.type = svs::ReqType::sign_data;
  sign.time_ms = unix_millis();
  sign.sign_method = sm2 ? 0x00020201 : 0x00010004;
  sign.key_index = std::atoi(o.key.c_str());
  sign.key_value = Bytes{};
  sign.in_data = data;
  sign.in_data_len = static_cast<std::int64_t>(data.size());
  MEDSIGN_ASSIGN(Bytes sign_der, svs::encode_request(sign));
  if (o.op == "sign") return std::string(sign_der.begin(), sign_der.end());
  MEDSIGN_ASSIGN(svs::Response sig, sync_binary(t, sign_der));
  if (sig.resp_value != svs::kSuccess || !sig.signature) {
    return Error(Errc::unavailable, "SignData answered " + std::string(svs::resp_code_name(sig.resp_value)));
  }
  svs::Request verify;
  verify.type = svs::ReqType::verify_signed_data;
  verify.time_ms = unix_millis();
  verify.cert_type = 1;
  verify.cert = cert.cert;
  verify.in_data = data;
  verify.in_data_len = static_cast<std::int64_t>(data.size());
  verify.signature = sig.signature;
  verify.verify_level = o.verify_level;
  MEDSIGN_ASSIGN(Bytes verify_der, svs::encode_request(verify));
  return std::string(verify_der.begin(), verify_der.end());
}

}  // namespace

Result<Report> run(const Options& o) {
  if (o.connections < 1 || o.seconds <= 0) return Error(Errc::invalid_argument, "connections and seconds must be positive");
  if (o.op != "verify" && o.op != "sign") return Error(Errc::invalid_argument, "--op must be verify or sign");
  MEDSIGN_ASSIGN(Target target, parse_target(o));
  MEDSIGN_ASSIGN(std::string request, prepare(o, target));
  Shared sh{o, target, {}, {}, std::move(request), {}, {}, {}};
  asio::io_context ioc;
  error_code ec;
  tcp::resolver resolver(ioc);
  sh.endpoints = resolver.resolve(target.host, target.port, ec);
  if (ec) return Error(Errc::invalid_argument, "cannot resolve " + target.host + ":" + target.port + ": " + ec.message());
  sh.report.target = (target.http ? "http://" : "gmt0029://") + target.host + ":" + target.port;
  sh.report.op = o.op;
  sh.report.key = o.key;
  sh.report.connections = o.connections;
  auto start = Clock::now();
  sh.deadline = start + std::chrono::microseconds(static_cast<std::int64_t>(o.seconds * 1e6));
  for (int i = 0; i < o.connections; ++i) std::make_shared<Conn>(sh, ioc)->start();
  std::vector<std::thread> threads;
  for (int i = 1; i < std::max(1, o.threads); ++i) threads.emplace_back([&] { ioc.run(); });
  ioc.run();
  for (auto& t : threads) t.join();
  auto& r = sh.report;
  r.seconds = std::chrono::duration<double>(Clock::now() - start).count();
  r.requests_per_s = static_cast<double>(r.ok) / r.seconds;
  std::sort(sh.latencies_us.begin(), sh.latencies_us.end());
  r.p50_ms = percentile(sh.latencies_us, 0.50);
  r.p99_ms = percentile(sh.latencies_us, 0.99);
  r.max_ms = sh.latencies_us.empty() ? 0 : sh.latencies_us.back() / 1000.0;
  double sum = 0;
  for (auto v : sh.latencies_us) sum += v;
  r.mean_ms = sh.latencies_us.empty() ? 0 : sum / static_cast<double>(sh.latencies_us.size()) / 1000.0;
  return r;
}

nlohmann::json Report::to_json() const {
  return {{"target", target},
          {"op", op},
          {"key", key},
          {"connections", connections},
          {"seconds", seconds},
          {"requests", ok},
          {"requests_per_s", requests_per_s},
          {"errors", errors},
          {"latency_ms", {{"mean", mean_ms}, {"p50", p50_ms}, {"p99", p99_ms}, {"max", max_ms}}},
          {"first_error", first_error}};
}

std::string Report::to_text() const {
  std::ostringstream os;
  os.setf(std::ios::fixed);
  os.precision(0);
  os << target << "  " << op << " with key " << key << ", " << connections << " connections, " << seconds << " s\n";
  os << "  requests/s " << requests_per_s << "  (" << ok << " requests)\n";
  os.precision(2);
  os << "  latency    mean " << mean_ms << " ms  p50 " << p50_ms << "  p99 " << p99_ms << "  max " << max_ms << " ms\n";
  os << "  errors     " << errors << "\n";
  if (!first_error.empty()) os << "  first error: " << first_error << "\n";
  return os.str();
}

}  // namespace medsign::server::svs_load
