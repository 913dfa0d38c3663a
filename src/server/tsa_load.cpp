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

#include <boost/asio/dispatch.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/udp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>

#include "cms/signed_data.h"
#include "common/clock.h"
#include "crypto/soft/keystore.h"
#include "pki/certificate.h"
#include "server/load_engine.h"
#include "server/tsa_socket_server.h"
#include "services/tsa.h"
#include "tsp/timestamp_issuer.h"

namespace medsign::server::tsa_load {
namespace asio = boost::asio;
using udp = asio::ip::udp;
using boost::system::error_code;
using load_engine::Clock;

namespace {

// What every transport's requests and checks share.
struct Shared {
  const Options& opt;
  std::vector<pki::Certificate> tsa_certs;  // from --tsa-cert
  std::atomic<std::uint64_t> seq{0};
};

// Fills `q` with a fresh random imprint and nonce (and certReq for every verify_every-th request); its DER.
// `sampled` says whether the answer's token is to be verified.
Result<Bytes> fresh_request(Shared& sh, std::mt19937_64& rng, bool may_ask_cert, tsp::TimeStampRequest& q, bool& sampled) {
  std::uint64_t n = sh.seq.fetch_add(1, std::memory_order_relaxed);
  q.imprint.algorithm = sh.opt.alg;
  q.imprint.hashed_message.resize(cms::digest_size(sh.opt.alg));
  for (auto& b : q.imprint.hashed_message) b = static_cast<std::uint8_t>(rng());
  std::uint64_t nonce = rng() & 0x7fffffffffffffffULL;
  if (!q.nonce) q.nonce = Bytes(8);
  for (std::size_t i = 0; i < 8; ++i) (*q.nonce)[i] = static_cast<std::uint8_t>(nonce >> (56 - 8 * i));
  if ((*q.nonce)[0] == 0) (*q.nonce)[0] = 1;
  sampled = sh.opt.verify_every > 0 && n % sh.opt.verify_every == 0;
  q.cert_req = sampled && may_ask_cert;
  if (!may_ask_cert && sh.tsa_certs.empty()) sampled = false;
  return tsp::encode_request(q);
}

// Judges a TimeStampResp for query `q`: granted, and (when sampled) a token that verifies.
load_engine::Verdict judge(Shared& sh, ByteView der, const tsp::TimeStampRequest& q, bool sampled, load_engine::Tally& t) {
  load_engine::Verdict v;
  auto r = tsp::parse_response(der);
  if (!r) {
    v.problem = "unparsable TimeStampResp: " + r.error().detail;
    return v;
  }
  if (r->status != tsp::PkiStatus::granted) {
    ++t.rejections;
    v.problem = "rejected: " + (r->status_text.empty() ? std::string("(no text)") : r->status_text[0]);
    return v;
  }
  v.answered = true;
  if (sampled) {
    auto tv = tsp::verify_token(*r->token, sh.tsa_certs, &q.imprint, &*q.nonce);
    if (tv && tv->ok) {
      ++t.verified;
    } else {
      ++t.verify_failures;
      v.problem = "token does not verify: " + (tv ? tv->problem : tv.error().detail);
    }
  }
  return v;
}

// RFC 3161 over keep-alive HTTP(S) or the TCP socket protocol, for the connection driver.
class StreamExchange : public load_engine::Exchange {
 public:
  StreamExchange(Shared& sh, bool http, const std::string& path, const std::string& host, std::uint64_t seed)
      : sh_(sh), http_(http), path_(path), host_(host), rng_(seed), pending_(static_cast<std::size_t>(sh.opt.pipeline)) {}

  Status append_request(std::size_t index, std::string& out) override {
    bool sampled = false;
    MEDSIGN_ASSIGN(Bytes der, fresh_request(sh_, rng_, true, pending_[index], sampled));
    if (http_) {
      out += load_engine::http_post_head(path_, host_, "application/timestamp-query", der.size());
      out.append(der.begin(), der.end());
    } else {
      Bytes f = tsa_tcp::frame(tsa_tcp::kTsaMsg, der);
      out.append(f.begin(), f.end());
    }
    return {};
  }

  Result<std::optional<std::size_t>> answer_size(ByteView in) override {
    if (http_) {
      MEDSIGN_ASSIGN(auto a, load_engine::parse_http_answer(in));
      if (!a) return std::optional<std::size_t>{};
      return std::optional<std::size_t>{a->size};
    }
    if (in.size() < 4) return std::optional<std::size_t>{};
    std::size_t len = (std::size_t{in[0]} << 24) | (std::size_t{in[1]} << 16) | (std::size_t{in[2]} << 8) | in[3];
    if (len == 0 || len > (1u << 20)) return Error(Errc::bad_encoding, "TCP answer with length " + std::to_string(len));
    if (in.size() < 4 + len) return std::optional<std::size_t>{};
    return std::optional<std::size_t>{4 + len};
  }

  load_engine::Verdict check(std::size_t index, ByteView answer, load_engine::Tally& t) override {
    const auto& q = pending_[index];
    ByteView body;
    if (http_) {
      auto a = load_engine::parse_http_answer(answer);  // complete: answer_size said so
      body = (*a)->body;
      if ((*a)->status != 200)
        return {false, "status " + std::to_string((*a)->status) + ": " + std::string(as_chars(body).substr(0, 200))};
    } else {
      body = answer.subspan(5);
      if (answer[4] != tsa_tcp::kFinalMsgRep)
        return {false, "TCP answer with flag " + std::to_string(answer[4]) + ": " + std::string(as_chars(body).substr(0, 200))};
    }
    return judge(sh_, body, q, q.cert_req, t);
  }

 private:
  Shared& sh_;
  bool http_;
  std::string path_, host_;
  std::mt19937_64 rng_;
  std::vector<tsp::TimeStampRequest> pending_;
};

// One UDP socket with one query outstanding: the next query goes out when the answer arrives or the timeout
// passes (the lost datagram then counts as an error).
class UdpQuerier : public std::enable_shared_from_this<UdpQuerier> {
 public:
  UdpQuerier(Shared& sh, load_engine::Collector& col, asio::io_context& ioc, udp::endpoint server, Clock::time_point deadline,
             std::uint64_t seed)
      : sh_(sh), col_(col), strand_(asio::make_strand(ioc)), sock_(strand_), timer_(strand_), server_(server),
        deadline_(deadline), rng_(seed), in_(65536) {
    lat_.reserve(1 << 14);
  }
  ~UdpQuerier() { col_.add(tally_, lat_); }

  void start() {
    error_code ec;
    sock_.open(server_.protocol(), ec);
    if (ec) return col_.error("UDP socket: " + ec.message());
    asio::dispatch(strand_, [self = shared_from_this()] { self->next(); });
  }

 private:
  void next() {
    if (Clock::now() >= deadline_) return;
    ++generation_;
    auto der = fresh_request(sh_, rng_, false, q_, sampled_);
    if (!der) return col_.error(der.error().detail);
    out_ = std::move(*der);
    t0_ = Clock::now();
    sock_.async_send_to(asio::buffer(out_), server_, [self = shared_from_this(), g = generation_](error_code ec, std::size_t) {
      if (g != self->generation_) return;
      if (ec) return self->col_.error("UDP send: " + ec.message());
    });
    timer_.expires_after(std::chrono::milliseconds(sh_.opt.timeout_ms));
    timer_.async_wait([self = shared_from_this(), g = generation_](error_code ec) {
      if (ec || g != self->generation_) return;
      self->col_.error("no answer within " + std::to_string(self->sh_.opt.timeout_ms) + " ms (datagram lost)");
      error_code ignored;
      self->sock_.cancel(ignored);  // the receive of the lost query
      self->next();
    });
    receive();
  }

  void receive() {
    sock_.async_receive_from(asio::buffer(in_), from_, [self = shared_from_this(), g = generation_](error_code ec, std::size_t n) {
      if (g != self->generation_) return;  // the query timed out meanwhile; a new receive is already waiting
      if (ec) {
        // ICMP port unreachable and the like: wait for the timeout rather than spinning.
        if (ec != asio::error::operation_aborted) self->receive();
        return;
      }
      self->on_datagram(ByteView(self->in_.data(), n));
    });
  }

  void on_datagram(ByteView d) {
    auto r = tsp::parse_response(d);
    if (r && r->status == tsp::PkiStatus::granted && r->token && !matches(*r->token)) return receive();  // a late answer
    auto us = std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - t0_).count();
    ++generation_;
    timer_.cancel();
    load_engine::Verdict v = judge(sh_, d, q_, sampled_, tally_);
    if (v.answered) {
      ++tally_.ok;
      lat_.push_back(static_cast<std::uint32_t>(us));
    }
    if (!v.problem.empty()) col_.error(v.problem);
    next();
  }

  // Whether a token answers the outstanding query: its TSTInfo has the query's nonce and imprint.
  bool matches(ByteView token) const {
    auto sd = cms::parse_signed_data(token);
    if (!sd || !sd->content) return true;  // judge() says what is wrong with it
    auto tst = tsp::parse_tst_info(*sd->content);
    if (!tst) return true;
    return tst->nonce == q_.nonce && tst->imprint.hashed_message == q_.imprint.hashed_message;
  }

  Shared& sh_;
  load_engine::Collector& col_;
  asio::strand<asio::io_context::executor_type> strand_;
  udp::socket sock_;
  asio::steady_timer timer_;
  udp::endpoint server_, from_;
  Clock::time_point deadline_;
  std::mt19937_64 rng_;
  tsp::TimeStampRequest q_;
  Bytes out_, in_;
  bool sampled_ = false;
  std::uint64_t generation_ = 0;
  Clock::time_point t0_;
  load_engine::Tally tally_;
  std::vector<std::uint32_t> lat_;
};

Result<load_engine::DriverResult> run_udp(Shared& sh, const load_engine::Address& a) {
  const Options& o = sh.opt;
  asio::io_context ioc;
  error_code ec;
  udp::resolver resolver(ioc);
  auto eps = resolver.resolve(a.host, a.port, ec);
  if (ec || eps.empty()) return Error(Errc::invalid_argument, "cannot resolve " + a.to_string() + ": " + ec.message());
  load_engine::Collector col;
  std::random_device rd;
  auto start = Clock::now();
  auto deadline = start + std::chrono::microseconds(static_cast<std::int64_t>(o.seconds * 1e6));
  for (int i = 0; i < o.connections; ++i)
    std::make_shared<UdpQuerier>(sh, col, ioc, eps.begin()->endpoint(), deadline, (std::uint64_t{rd()} << 32) | rd())->start();
  load_engine::run_io(ioc, o.threads);
  load_engine::DriverResult r;
  r.seconds = std::chrono::duration<double>(Clock::now() - start).count();
  r.tally = col.tally();
  r.latencies_us = std::move(col.latencies_us());
  return r;
}

}  // namespace

Result<Report> run(const Options& o) {
  if (o.connections < 1 || o.seconds <= 0 || o.pipeline < 1)
    return Error(Errc::invalid_argument, "connections, pipeline and seconds must be positive");
  if (o.timeout_ms < 1) return Error(Errc::invalid_argument, "--timeout-ms must be positive");
  int given = !o.url.empty() + !o.tcp.empty() + !o.udp.empty();
  if (given != 1) return Error(Errc::invalid_argument, "give one of --url, --tcp or --udp");
  if ((!o.ca_file.empty() || o.insecure) && !o.url.starts_with("https://"))
    return Error(Errc::invalid_argument, "--ca and --insecure apply to https:// URLs only");
  Shared sh{o, {}, {}};
  if (!o.tsa_cert.empty()) {
    auto pem = crypto::read_file(o.tsa_cert);
    if (!pem) return Error(Errc::io_error, "--tsa-cert " + o.tsa_cert + ": " + pem.error().detail);
    auto certs = pki::Certificate::parse_pem(as_chars(*pem));
    if (!certs || certs->empty()) return Error(Errc::bad_encoding, "--tsa-cert " + o.tsa_cert + ": no PEM certificate in it");
    sh.tsa_certs = std::move(*certs);
  }
  Report rep;
  rep.connections = o.connections;
  rep.pipeline = o.pipeline;
  load_engine::DriverResult dr;
  if (!o.udp.empty()) {
    if (o.pipeline != 1) return Error(Errc::invalid_argument, "--pipeline applies to --url and --tcp, not --udp");
    MEDSIGN_ASSIGN(auto a, load_engine::parse_host_port(o.udp));
    rep.target = "udp://" + a.to_string();
    MEDSIGN_ASSIGN(dr, run_udp(sh, a));
  } else {
    load_engine::DriverOptions d;
    d.connections = o.connections;
    d.pipeline = o.pipeline;
    d.threads = o.threads;
    d.seconds = o.seconds;
    d.grace_ms = o.timeout_ms;
    bool http = !o.url.empty();
    std::string path;
    if (http) {
      MEDSIGN_ASSIGN(auto u, load_engine::parse_url(o.url));
      d.address = u.address;
      path = u.path.empty() ? (o.unit.empty() ? "/tsa" : "/tsa/" + o.unit) : u.path;
      if (u.tls) {
        MEDSIGN_ASSIGN(d.tls, load_engine::make_tls_client({o.ca_file, o.insecure}));
        d.check_host = !o.insecure;
      }
      rep.target = (u.tls ? "https://" : "http://") + d.address.to_string() + path;
    } else {
      MEDSIGN_ASSIGN(d.address, load_engine::parse_host_port(o.tcp));
      rep.target = "tcp://" + d.address.to_string();
    }
    std::random_device rd;
    std::mutex seed_mu;
    auto make = [&]() -> std::unique_ptr<load_engine::Exchange> {
      std::lock_guard lk(seed_mu);
      return std::make_unique<StreamExchange>(sh, http, path, d.address.host, (std::uint64_t{rd()} << 32) | rd());
    };
    MEDSIGN_ASSIGN(dr, load_engine::drive(d, make));
  }
  rep.seconds = dr.seconds;
  rep.tokens = dr.tally.ok;
  rep.errors = dr.tally.errors;
  rep.rejections = dr.tally.rejections;
  rep.verified = dr.tally.verified;
  rep.verify_failures = dr.tally.verify_failures;
  rep.first_error = dr.tally.first_error;
  rep.tokens_per_s = static_cast<double>(rep.tokens) / rep.seconds;
  auto l = load_engine::summarize(dr.latencies_us);
  rep.p50_ms = l.p50_ms;
  rep.p90_ms = l.p90_ms;
  rep.p99_ms = l.p99_ms;
  rep.max_ms = l.max_ms;
  rep.mean_ms = l.mean_ms;
  return rep;
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
  MEDSIGN_ASSIGN(load_engine::BoundRate rate,
                 load_engine::measure_bound(
                     b.threads, seconds,
                     [&](int i) -> std::function<bool()> {
                       tsp::TimeStampRequest q;
                       q.imprint = {alg, Bytes(cms::digest_size(alg), static_cast<std::uint8_t>(i))};
                       q.nonce = Bytes{0x12, 0x34, 0x56, 0x78, 0x11, 0x22, 0x33, 0x44};
                       auto der = std::make_shared<const Bytes>(tsp::encode_request(q).value());
                       return [&issuer, &unit, der] { return issuer.respond(unit, *der, unix_millis()).granted; };
                     },
                     "the in-process bound saw refused requests"));
  b.seconds = rate.seconds;
  b.tokens_per_s = rate.per_s;
  return b;
}

nlohmann::json Bound::to_json() const {
  return {{"key", key}, {"threads", threads}, {"seconds", seconds}, {"tokens_per_s", tokens_per_s}};
}

nlohmann::json Report::to_json() const {
  return {{"target", target},   {"connections", connections}, {"pipeline", pipeline}, {"seconds", seconds},   {"tokens", tokens},
          {"tokens_per_s", tokens_per_s}, {"errors", errors}, {"rejections", rejections}, {"verified", verified},
          {"verify_failures", verify_failures},
          {"latency_ms", {{"mean", mean_ms}, {"p50", p50_ms}, {"p90", p90_ms}, {"p99", p99_ms}, {"max", max_ms}}},
          {"first_error", first_error}};
}

std::string Report::to_text() const {
  std::ostringstream os;
  os.setf(std::ios::fixed);
  os.precision(0);
  os << target << "  " << connections << (target.starts_with("udp://") ? " sockets" : " connections");
  if (pipeline > 1) os << " (pipeline " << pipeline << ")";
  os << ", " << seconds << " s\n";
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
