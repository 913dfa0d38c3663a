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
#include "crypto/algorithms/pk.h"
#include "crypto/soft/key_seal.h"
#include "server/load_engine.h"
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

// The signing service's requests for the connection driver: the same request, over and over.
class SvsExchange : public load_engine::Exchange {
 public:
  SvsExchange(const Options& o, bool http, const std::string& request) : opt_(o), http_(http), request_(request) {}

  Status append_request(std::size_t, std::string& out) override {
    out += request_;
    return {};
  }

  Result<std::optional<std::size_t>> answer_size(ByteView in) override {
    if (http_) {
      MEDSIGN_ASSIGN(auto a, load_engine::parse_http_answer(in));
      if (!a) return std::optional<std::size_t>{};
      return std::optional<std::size_t>{a->size};
    }
    auto size = der_message_size(in, 64u << 20);
    if (!size) return Error(Errc::bad_encoding, "bad answer framing: " + size.error().detail);
    if (!size->has_value() || in.size() < **size) return std::optional<std::size_t>{};
    return *size;
  }

  load_engine::Verdict check(std::size_t, ByteView answer, load_engine::Tally&) override {
    if (http_) {
      auto a = load_engine::parse_http_answer(answer);  // complete: answer_size said so
      std::string_view body = as_chars((*a)->body);
      bool good = (*a)->status == 200 && (opt_.op != "verify" || body.find("\"valid\":true") != std::string_view::npos);
      if (good) return {true, {}};
      return {false, "status " + std::to_string((*a)->status) + ": " + std::string(body.substr(0, 200))};
    }
    auto r = svs::decode_response(answer);
    if (r && r->resp_value == svs::kSuccess) return {true, {}};
    return {false, r ? "respValue " + std::string(svs::resp_code_name(r->resp_value)) : r.error().detail};
  }

 private:
  const Options& opt_;
  bool http_;
  const std::string& request_;
};

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
  if (o.connections < 1 || o.seconds <= 0 || o.pipeline < 1) {
    return Error(Errc::invalid_argument, "connections, pipeline and seconds must be positive");
  }
  if (o.op != "verify" && o.op != "sign") return Error(Errc::invalid_argument, "--op must be verify or sign");
  MEDSIGN_ASSIGN(Target target, parse_target(o));
  MEDSIGN_ASSIGN(const std::string request, prepare(o, target));
  load_engine::DriverOptions d;
  d.address = {target.host, target.port};
  d.connections = o.connections;
  d.pipeline = o.pipeline;
  d.threads = o.threads;
  d.seconds = o.seconds;
  auto make = [&]() -> std::unique_ptr<load_engine::Exchange> { return std::make_unique<SvsExchange>(o, target.http, request); };
  MEDSIGN_ASSIGN(auto dr, load_engine::drive(d, make));
  Report r;
  r.target = (target.http ? "http://" : "gmt0029://") + target.host + ":" + target.port;
  r.op = o.op;
  r.key = o.key;
  r.connections = o.connections;
  r.pipeline = o.pipeline;
  r.seconds = dr.seconds;
  r.ok = dr.tally.ok;
  r.errors = dr.tally.errors;
  r.first_error = dr.tally.first_error;
  r.requests_per_s = static_cast<double>(r.ok) / r.seconds;
  auto l = load_engine::summarize(dr.latencies_us);
  r.p50_ms = l.p50_ms;
  r.p99_ms = l.p99_ms;
  r.max_ms = l.max_ms;
  r.mean_ms = l.mean_ms;
  return r;
}

Result<Bound> crypto_bound(const std::string& op, const std::string& alg, int threads, double seconds) {
  crypto::KeyAlg key_alg = crypto::KeyAlg::sm2;
  crypto::SignatureAlg sig_alg = crypto::SignatureAlg::sm2_sm3;
  if (alg == "rsa") {
    key_alg = crypto::KeyAlg::rsa2048;
    sig_alg = crypto::SignatureAlg::rsa_pkcs1_sha256;
  } else if (alg == "ecdsa") {
    key_alg = crypto::KeyAlg::ecdsa_p256;
    sig_alg = crypto::SignatureAlg::ecdsa_p256_sha256;
  } else if (alg != "sm2") {
    return Error(Errc::invalid_argument, "bound: alg must be sm2, ecdsa or rsa");
  }
  MEDSIGN_ASSIGN(crypto::KeyPair key, crypto::KeyPair::generate(key_alg));
  MEDSIGN_ASSIGN(crypto::Signer signer, crypto::Signer::create(sig_alg, key));
  MEDSIGN_ASSIGN(crypto::Verifier verifier, crypto::Verifier::create(sig_alg, key.public_key_der()));
  const Bytes data = crypto::random_bytes(32);
  MEDSIGN_ASSIGN(const Bytes signature, signer.sign(data));
  Bound b;
  b.op = op;
  b.alg = alg;
  b.threads = std::max(1, threads);
  MEDSIGN_ASSIGN(load_engine::BoundRate rate, load_engine::measure_bound(
                                           b.threads, seconds,
                                           [&](int) -> std::function<bool()> {
                                             if (op == "sign") return [&] { return signer.sign(data).ok(); };
                                             return [&] { return verifier.verify(data, signature).ok(); };
                                           },
                                           "the in-process bound saw failed operations"));
  b.seconds = rate.seconds;
  b.ops_per_s = rate.per_s;
  return b;
}

nlohmann::json Bound::to_json() const {
  return {{"op", op}, {"alg", alg}, {"threads", threads}, {"seconds", seconds}, {"ops_per_s", ops_per_s}};
}

nlohmann::json Report::to_json() const {
  return {{"target", target},
          {"op", op},
          {"key", key},
          {"connections", connections},
          {"pipeline", pipeline},
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
  os << target << "  " << op << " with key " << key << ", " << connections << " connections";
  if (pipeline > 1) os << " (pipeline " << pipeline << ")";
  os << ", " << seconds << " s\n";
  os << "  requests/s " << requests_per_s << "  (" << ok << " requests)\n";
  os.precision(2);
  os << "  latency    mean " << mean_ms << " ms  p50 " << p50_ms << "  p99 " << p99_ms << "  max " << max_ms << " ms\n";
  os << "  errors     " << errors << "\n";
  if (!first_error.empty()) os << "  first error: " << first_error << "\n";
  return os.str();
}

}  // namespace medsign::server::svs_load
