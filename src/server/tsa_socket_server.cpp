#include "server/tsa_socket_server.h"

#include <array>
#include <atomic>
#include <chrono>
#include <mutex>
#include <thread>
#include <vector>

#include <boost/asio/bind_executor.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ip/udp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/write.hpp>

#include "common/logging.h"
#include "server/framed_connection.h"

namespace medsign::server {
namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using udp = asio::ip::udp;
using boost::system::error_code;

Bytes tsa_tcp::frame(std::uint8_t flag, ByteView value) {
  Bytes out(5 + value.size());
  auto n = static_cast<std::uint32_t>(value.size() + 1);
  for (int i = 0; i < 4; ++i) out[static_cast<std::size_t>(i)] = static_cast<std::uint8_t>(n >> (8 * (3 - i)));
  out[4] = flag;
  std::copy(value.begin(), value.end(), out.begin() + 5);
  return out;
}

// RFC 3161 §3.3 over TCP: length-prefixed, flagged messages (framing::FramedConnection).
struct TsaTcpProtocol {
  TsaSocketServer::Impl* srv;
  framing::Frame frame(ByteView buffered);
  void handle(Bytes message, const std::string& remote, framing::AnswerFn done);
  std::size_t max_pipeline() const { return kMaxPipeline; }
  int idle_timeout_ms() const;
  bool stopping() const;
  void pending(int delta);
  static constexpr std::size_t kMaxPipeline = 64;
};

struct TsaSocketServer::Impl {
  services::TsaService& tsa;
  TsaSocketOptions opts;
  asio::io_context ioc;
  std::optional<tcp::acceptor> acceptor;
  std::optional<udp::socket> udp_sock;
  std::optional<asio::strand<asio::io_context::executor_type>> udp_strand;
  std::optional<asio::executor_work_guard<asio::io_context::executor_type>> guard;
  std::vector<std::thread> threads;
  std::atomic<std::int64_t> pending{0};  // requests handed to the TSA and not yet answered
  std::atomic<bool> stopping{false};
  std::atomic<std::uint64_t> tcp_connections{0}, tcp_requests{0}, udp_requests{0}, rejected{0};
  int bound_tcp = -1, bound_udp = -1;
  Bytes udp_buf;
  udp::endpoint udp_peer;

  TsaTcpProtocol proto{this};

  Impl(services::TsaService& t, TsaSocketOptions o) : tsa(t), opts(std::move(o)) {}

  void accept();
  void udp_receive();
  void udp_answer(const udp::endpoint& peer, Bytes response);
};

namespace {

Bytes rejection(tsp::FailInfo f, std::string_view text) { return tsp::encode_rejection(f, text).value_or(Bytes{}); }
Bytes error_message(std::string_view text) { return tsa_tcp::frame(tsa_tcp::kErrorMsgRep, as_bytes(text)); }
}  // namespace

framing::Frame TsaTcpProtocol::frame(ByteView buffered) {
  if (buffered.size() < 5) return {};
  std::uint32_t len = (std::uint32_t{buffered[0]} << 24) | (std::uint32_t{buffered[1]} << 16) |
                      (std::uint32_t{buffered[2]} << 8) | buffered[3];
  if (len < 1 || len > srv->opts.max_message) {
    srv->rejected.fetch_add(1);
    return {framing::Frame::bad, 0,
            error_message(len < 1 ? "message length 0" : "message too long for this TSA (see tsa.tcp_max_message)")};
  }
  if (buffered.size() < 4 + std::size_t{len}) return {};
  return {framing::Frame::message, 4 + std::size_t{len}, {}};
}

void TsaTcpProtocol::handle(Bytes message, const std::string& remote, framing::AnswerFn done) {
  const std::uint8_t flag = message[4];
  if (flag == tsa_tcp::kPollReq) {
    srv->rejected.fetch_add(1);
    return done({error_message("polling is not used: every answer of this TSA is final"), true});
  }
  if (flag != tsa_tcp::kTsaMsg) {
    srv->rejected.fetch_add(1);
    return done({error_message("unexpected message flag " + std::to_string(flag)), false});
  }
  srv->tcp_requests.fetch_add(1);
  auto m = std::make_shared<Bytes>(std::move(message));
  srv->tsa.issue_async(srv->opts.unit, ByteView(*m).subspan(5), remote,
                       [m, done = std::move(done)](Result<tsp::IssueResult> r) {
                         if (!r) return done({error_message(r.error().detail), false});
                         done({tsa_tcp::frame(tsa_tcp::kFinalMsgRep, r->response), true});
                       });
}

int TsaTcpProtocol::idle_timeout_ms() const { return srv->opts.idle_timeout_ms; }
bool TsaTcpProtocol::stopping() const { return srv->stopping.load(); }
void TsaTcpProtocol::pending(int delta) { srv->pending.fetch_add(delta); }

namespace {
using TcpConnection = framing::FramedConnection<tcp::socket, TsaTcpProtocol>;

}  // namespace

void TsaSocketServer::Impl::accept() {
  acceptor->async_accept(asio::make_strand(ioc), [self = this](error_code ec, tcp::socket s) {
    if (ec == asio::error::operation_aborted || !self->acceptor->is_open()) return;
    if (!ec) {
      error_code ec2;
      auto ep = s.remote_endpoint(ec2);
      s.set_option(tcp::no_delay(true), ec2);
      self->tcp_connections.fetch_add(1);
      std::make_shared<TcpConnection>(self->proto, std::move(s), ec2 ? std::string() : ep.address().to_string())->start();
    }
    self->accept();
  });
}

void TsaSocketServer::Impl::udp_receive() {
  udp_sock->async_receive_from(
      asio::buffer(udp_buf), udp_peer, asio::bind_executor(*udp_strand, [self = this](error_code ec, std::size_t n) {
        if (ec == asio::error::operation_aborted || self->stopping.load()) return;
        if (!ec) {
          udp::endpoint peer = self->udp_peer;
          if (n > self->opts.max_datagram) {
            self->rejected.fetch_add(1);
            self->udp_answer(peer, rejection(tsp::FailInfo::bad_request, "the datagram is larger than this TSA accepts"));
          } else {
            self->udp_requests.fetch_add(1);
            self->pending.fetch_add(1);
            self->tsa.issue_async(self->opts.unit, ByteView(self->udp_buf.data(), n), peer.address().to_string(),
                                  [self, peer](Result<tsp::IssueResult> r) {
                                    Bytes resp = r ? std::move(r->response)
                                                   : rejection(tsp::FailInfo::system_failure, r.error().detail);
                                    asio::post(*self->udp_strand, [self, peer, resp = std::move(resp)]() mutable {
                                      self->pending.fetch_sub(1);
                                      self->udp_answer(peer, std::move(resp));
                                    });
                                  });
          }
        }
        self->udp_receive();
      }));
}

void TsaSocketServer::Impl::udp_answer(const udp::endpoint& peer, Bytes response) {
  if (response.size() > opts.max_datagram)
    response = rejection(tsp::FailInfo::system_failure,
                         "the answer does not fit in a datagram: ask without certReq, or use TCP or HTTP");
  error_code ec;
  udp_sock->send_to(asio::buffer(response), peer, 0, ec);
}

TsaSocketServer::TsaSocketServer(services::TsaService& tsa, TsaSocketOptions opts)
    : impl_(std::make_unique<Impl>(tsa, std::move(opts))) {}

TsaSocketServer::~TsaSocketServer() { stop(); }

Status TsaSocketServer::start() {
  auto& o = impl_->opts;
  error_code ec;
  auto addr = asio::ip::make_address(o.listen, ec);
  if (ec) return Error(Errc::config_invalid, "TSA: '" + o.listen + "' is not an IP address");
  if (o.tcp_port >= 0) {
    impl_->acceptor.emplace(impl_->ioc);
    tcp::endpoint ep(addr, static_cast<unsigned short>(o.tcp_port));
    impl_->acceptor->open(ep.protocol(), ec);
    if (!ec) impl_->acceptor->set_option(asio::socket_base::reuse_address(true), ec);
    if (!ec) impl_->acceptor->bind(ep, ec);
    if (!ec) impl_->acceptor->listen(asio::socket_base::max_listen_connections, ec);
    if (ec)
      return Error(Errc::config_invalid, "cannot listen for TSA TCP on " + o.listen + ":" + std::to_string(o.tcp_port) +
                                             ": " + ec.message());
    impl_->bound_tcp = impl_->acceptor->local_endpoint().port();
  }
  if (o.udp_port >= 0) {
    impl_->udp_sock.emplace(impl_->ioc);
    udp::endpoint ep(addr, static_cast<unsigned short>(o.udp_port));
    impl_->udp_sock->open(ep.protocol(), ec);
    if (!ec) impl_->udp_sock->bind(ep, ec);
    if (ec)
      return Error(Errc::config_invalid, "cannot listen for TSA UDP on " + o.listen + ":" + std::to_string(o.udp_port) +
                                             ": " + ec.message());
    impl_->bound_udp = impl_->udp_sock->local_endpoint().port();
    impl_->udp_strand.emplace(asio::make_strand(impl_->ioc));
    impl_->udp_buf.resize(o.max_datagram + 1);
  }
  impl_->guard.emplace(impl_->ioc.get_executor());
  if (impl_->acceptor) impl_->accept();
  if (impl_->udp_sock) impl_->udp_receive();
  unsigned cores = std::max(1u, std::thread::hardware_concurrency());
  int n = o.threads > 0 ? o.threads : static_cast<int>(cores);
  for (int i = 0; i < n; ++i) impl_->threads.emplace_back([impl = impl_.get()] { impl->ioc.run(); });
  return {};
}

void TsaSocketServer::stop() {
  if (!impl_ || impl_->threads.empty() || impl_->stopping.exchange(true)) return;
  asio::post(impl_->ioc, [impl = impl_.get()] {
    error_code ec;
    if (impl->acceptor) impl->acceptor->close(ec);
    if (impl->udp_sock) impl->udp_sock->close(ec);
  });
  // Answers still waiting for their log commit post back to this io_context: let them land first.
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (impl_->pending.load() > 0 && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  impl_->guard.reset();
  impl_->ioc.stop();
  for (auto& t : impl_->threads) t.join();
  impl_->threads.clear();
}

int TsaSocketServer::tcp_port() const { return impl_->bound_tcp; }
int TsaSocketServer::udp_port() const { return impl_->bound_udp; }

TsaSocketServer::Stats TsaSocketServer::stats() const {
  return {impl_->tcp_connections.load(), impl_->tcp_requests.load(), impl_->udp_requests.load(), impl_->rejected.load()};
}

}  // namespace medsign::server
