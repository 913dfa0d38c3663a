#include "server/svs_socket_server.h"

#include <atomic>
#include <chrono>
#include <deque>
#include <map>
#include <thread>
#include <vector>

#include <boost/asio/bind_executor.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ip/udp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/write.hpp>

#include "common/clock.h"
#include "server/framed_connection.h"
#include "services/svs_protocol.h"
#include "svs/message.h"

namespace medsign::server {
namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using udp = asio::ip::udp;
using boost::system::error_code;

Result<std::optional<std::size_t>> der_message_size(ByteView buf, std::size_t max) {
  if (buf.empty()) return std::optional<std::size_t>{};
  if (buf[0] != 0x30) return Error(Errc::bad_encoding, "SVS: a message must start with a DER SEQUENCE");
  if (buf.size() < 2) return std::optional<std::size_t>{};
  std::uint8_t l = buf[1];
  std::size_t header = 2, len = 0;
  if (l < 0x80) {
    len = l;
  } else if (l == 0x80) {
    return Error(Errc::bad_encoding, "SVS: indefinite lengths are not DER");
  } else {
    std::size_t n = l & 0x7f;
    if (n > 4) return Error(Errc::body_too_large, "SVS: length field too long");
    if (buf.size() < 2 + n) return std::optional<std::size_t>{};
    for (std::size_t i = 0; i < n; ++i) len = (len << 8) | buf[2 + i];
    header += n;
  }
  if (len > max || header + len > max) return Error(Errc::body_too_large, "SVS: message larger than svs.max_message");
  return std::optional<std::size_t>{header + len};
}

namespace {
Bytes format_error_answer() {
  svs::Response r;
  r.resp_value = svs::kInvalidDataFormat;
  r.time_ms = unix_millis();
  return svs::encode_response(r).value_or(Bytes{});
}
}  // namespace

// GM/T 0029 Annex A over TCP/TLS: DER messages back to back (framing::FramedConnection).
struct SvsProtocol {
  SvsSocketServer::Impl* srv;
  framing::Frame frame(ByteView buffered);
  void handle(Bytes message, const std::string& remote, framing::AnswerFn done);
  std::size_t max_pipeline() const;
  int idle_timeout_ms() const;
  bool stopping() const;
  void pending(int delta);
};

struct SvsSocketServer::Impl {
  services::SvsService& svs;
  SvsSocketOptions opts;
  asio::io_context ioc;
  std::optional<tcp::acceptor> acceptor, tls_acceptor;
  std::optional<udp::socket> udp_sock;
  std::optional<asio::strand<asio::io_context::executor_type>> udp_strand;
  std::optional<asio::executor_work_guard<asio::io_context::executor_type>> guard;
  std::vector<std::thread> threads;
  std::atomic<std::int64_t> pending{0};
  std::atomic<bool> stopping{false};
  std::atomic<std::uint64_t> tcp_connections{0}, requests{0}, udp_requests{0}, rejected{0};
  int bound_tcp = -1, bound_udp = -1, bound_tls = -1;
  Bytes udp_buf;
  udp::endpoint udp_peer;

  SvsProtocol proto{this};

  Impl(services::SvsService& s, SvsSocketOptions o) : svs(s), opts(std::move(o)) {}
  void accept();
  void accept_tls();
  void udp_receive();
};

framing::Frame SvsProtocol::frame(ByteView buffered) {
  auto size = der_message_size(buffered, srv->opts.max_message);
  if (!size) {
    srv->rejected.fetch_add(1);
    return {framing::Frame::bad, 0, buffered[0] == 0x30 ? format_error_answer() : Bytes{}};
  }
  if (!size->has_value() || **size > buffered.size()) return {};
  return {framing::Frame::message, **size, {}};
}

void SvsProtocol::handle(Bytes message, const std::string& remote, framing::AnswerFn done) {
  srv->requests.fetch_add(1);
  auto m = std::make_shared<Bytes>(std::move(message));
  services::svs_handle_der(srv->svs, *m, remote, [m, done = std::move(done)](Bytes answer) {
    done({std::move(answer), true});
  });
}

std::size_t SvsProtocol::max_pipeline() const { return srv->opts.max_pipeline; }
int SvsProtocol::idle_timeout_ms() const { return srv->opts.idle_timeout_ms; }
bool SvsProtocol::stopping() const { return srv->stopping.load(); }
void SvsProtocol::pending(int delta) { srv->pending.fetch_add(delta); }

namespace {

using TlsStream = asio::ssl::stream<tcp::socket>;
template <typename Stream>
using Connection = framing::FramedConnection<Stream, SvsProtocol>;

}  // namespace

void SvsSocketServer::Impl::accept() {
  acceptor->async_accept(asio::make_strand(ioc), [self = this](error_code ec, tcp::socket s) {
    if (ec == asio::error::operation_aborted || !self->acceptor->is_open()) return;
    if (!ec) {
      error_code ec2;
      auto ep = s.remote_endpoint(ec2);
      s.set_option(tcp::no_delay(true), ec2);
      self->tcp_connections.fetch_add(1);
      std::make_shared<Connection<tcp::socket>>(self->proto, std::move(s), ec2 ? std::string() : ep.address().to_string())->start();
    }
    self->accept();
  });
}

void SvsSocketServer::Impl::accept_tls() {
  tls_acceptor->async_accept(asio::make_strand(ioc), [self = this](error_code ec, tcp::socket s) {
    if (ec == asio::error::operation_aborted || !self->tls_acceptor->is_open()) return;
    if (!ec) {
      error_code ec2;
      auto ep = s.remote_endpoint(ec2);
      s.set_option(tcp::no_delay(true), ec2);
      self->tcp_connections.fetch_add(1);
      std::string remote = ec2 ? std::string() : ep.address().to_string();
      std::make_shared<Connection<TlsStream>>(self->proto, TlsStream(std::move(s), *self->opts.tls), remote)->start();
    }
    self->accept_tls();
  });
}

void SvsSocketServer::Impl::udp_receive() {
  udp_sock->async_receive_from(
      asio::buffer(udp_buf), udp_peer, asio::bind_executor(*udp_strand, [self = this](error_code ec, std::size_t n) {
        if (ec == asio::error::operation_aborted || self->stopping.load()) return;
        if (!ec) {
          udp::endpoint peer = self->udp_peer;
          auto send = [self, peer](Bytes answer) {
            asio::post(*self->udp_strand, [self, peer, answer = std::move(answer)]() mutable {
              self->pending.fetch_sub(1);
              if (answer.size() > self->opts.max_datagram) {
                svs::Response r;
                r.resp_value = svs::kSystemFailure;
                r.time_ms = unix_millis();
                if (auto d = svs::decode_response(answer)) r.type = d->type;
                answer = svs::encode_response(r).value_or(Bytes{});
              }
              error_code ec2;
              self->udp_sock->send_to(asio::buffer(answer), peer, 0, ec2);
            });
          };
          self->pending.fetch_add(1);
          if (n > self->opts.max_datagram) {
            self->rejected.fetch_add(1);
            send(format_error_answer());
          } else {
            self->udp_requests.fetch_add(1);
            services::svs_handle_der(self->svs, ByteView(self->udp_buf.data(), n), peer.address().to_string(), send);
          }
        }
        self->udp_receive();
      }));
}

SvsSocketServer::SvsSocketServer(services::SvsService& svs, SvsSocketOptions opts)
    : impl_(std::make_unique<Impl>(svs, std::move(opts))) {}

SvsSocketServer::~SvsSocketServer() { stop(); }

Status SvsSocketServer::start() {
  auto& o = impl_->opts;
  error_code ec;
  auto addr = asio::ip::make_address(o.listen, ec);
  if (ec) return Error(Errc::config_invalid, "SVS: '" + o.listen + "' is not an IP address");
  if (o.tcp_port >= 0) {
    impl_->acceptor.emplace(impl_->ioc);
    tcp::endpoint ep(addr, static_cast<unsigned short>(o.tcp_port));
    impl_->acceptor->open(ep.protocol(), ec);
    if (!ec) impl_->acceptor->set_option(asio::socket_base::reuse_address(true), ec);
    if (!ec) impl_->acceptor->bind(ep, ec);
    if (!ec) impl_->acceptor->listen(asio::socket_base::max_listen_connections, ec);
    if (ec) {
      return Error(Errc::config_invalid, "cannot listen for GM/T 0029 TCP on " + o.listen + ":" +
                                             std::to_string(o.tcp_port) + ": " + ec.message());
    }
    impl_->bound_tcp = impl_->acceptor->local_endpoint().port();
  }
  if (o.tls_port >= 0) {
    if (!o.tls) return Error(Errc::config_invalid, "GM/T 0029 over TLS needs the server's TLS certificate and key");
    impl_->tls_acceptor.emplace(impl_->ioc);
    tcp::endpoint ep(addr, static_cast<unsigned short>(o.tls_port));
    impl_->tls_acceptor->open(ep.protocol(), ec);
    if (!ec) impl_->tls_acceptor->set_option(asio::socket_base::reuse_address(true), ec);
    if (!ec) impl_->tls_acceptor->bind(ep, ec);
    if (!ec) impl_->tls_acceptor->listen(asio::socket_base::max_listen_connections, ec);
    if (ec) {
      return Error(Errc::config_invalid, "cannot listen for GM/T 0029 TLS on " + o.listen + ":" +
                                             std::to_string(o.tls_port) + ": " + ec.message());
    }
    impl_->bound_tls = impl_->tls_acceptor->local_endpoint().port();
  }
  if (o.udp_port >= 0) {
    impl_->udp_sock.emplace(impl_->ioc);
    udp::endpoint ep(addr, static_cast<unsigned short>(o.udp_port));
    impl_->udp_sock->open(ep.protocol(), ec);
    if (!ec) impl_->udp_sock->bind(ep, ec);
    if (ec) {
      return Error(Errc::config_invalid, "cannot listen for GM/T 0029 UDP on " + o.listen + ":" +
                                             std::to_string(o.udp_port) + ": " + ec.message());
    }
    impl_->bound_udp = impl_->udp_sock->local_endpoint().port();
    impl_->udp_strand.emplace(asio::make_strand(impl_->ioc));
    impl_->udp_buf.resize(o.max_datagram + 1);
  }
  impl_->guard.emplace(impl_->ioc.get_executor());
  if (impl_->acceptor) impl_->accept();
  if (impl_->tls_acceptor) impl_->accept_tls();
  if (impl_->udp_sock) impl_->udp_receive();
  unsigned cores = std::max(1u, std::thread::hardware_concurrency());
  int n = o.threads > 0 ? o.threads : static_cast<int>(cores);
  for (int i = 0; i < n; ++i) impl_->threads.emplace_back([impl = impl_.get()] { impl->ioc.run(); });
  return {};
}

void SvsSocketServer::stop() {
  if (!impl_ || impl_->threads.empty() || impl_->stopping.exchange(true)) return;
  asio::post(impl_->ioc, [impl = impl_.get()] {
    error_code ec;
    if (impl->acceptor) impl->acceptor->close(ec);
    if (impl->tls_acceptor) impl->tls_acceptor->close(ec);
    if (impl->udp_sock) impl->udp_sock->close(ec);
  });
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (impl_->pending.load() > 0 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  impl_->guard.reset();
  impl_->ioc.stop();
  for (auto& t : impl_->threads) t.join();
  impl_->threads.clear();
}

int SvsSocketServer::tcp_port() const { return impl_->bound_tcp; }
int SvsSocketServer::udp_port() const { return impl_->bound_udp; }
int SvsSocketServer::tls_port() const { return impl_->bound_tls; }

SvsSocketServer::Stats SvsSocketServer::stats() const {
  return {impl_->tcp_connections.load(), impl_->requests.load(), impl_->udp_requests.load(), impl_->rejected.load()};
}

}  // namespace medsign::server
