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

  Impl(services::SvsService& s, SvsSocketOptions o) : svs(s), opts(std::move(o)) {}
  void accept();
  void accept_tls();
  void udp_receive();
};

namespace {

using TlsStream = asio::ssl::stream<tcp::socket>;

// One TCP (or TLS) connection: reads messages as they come, hands each to the service, writes the answers
// in request order. All members are touched on the connection's strand only.
template <typename Stream>
class Connection : public std::enable_shared_from_this<Connection<Stream>> {
 public:
  Connection(SvsSocketServer::Impl* srv, Stream s, std::string remote)
      : srv_(srv), sock_(std::move(s)), remote_(std::move(remote)), timer_(sock_.get_executor()) {}

  void start() {
    if constexpr (std::is_same_v<Stream, TlsStream>) {
      arm_timer();
      sock_.async_handshake(asio::ssl::stream_base::server, [self = this->shared_from_this()](error_code ec) {
        if (ec) return self->close();  // a failed handshake is not a request
        self->read_more();
      });
    } else {
      read_more();
    }
  }

 private:
  using std::enable_shared_from_this<Connection<Stream>>::shared_from_this;
  using std::enable_shared_from_this<Connection<Stream>>::weak_from_this;
  tcp::socket& lowest() {
    if constexpr (std::is_same_v<Stream, TlsStream>) return sock_.next_layer();
    else return sock_;
  }

  void arm_timer() {
    timer_.expires_after(std::chrono::milliseconds(srv_->opts.idle_timeout_ms));
    timer_.async_wait([weak = weak_from_this()](error_code ec) {
      if (ec) return;
      if (auto self = weak.lock()) self->close();
    });
  }

  void read_more() {
    if (reading_ || closed_ || in_flight_ >= srv_->opts.max_pipeline || stop_reading_) return;
    reading_ = true;
    arm_timer();
    std::size_t old = buf_.size();
    buf_.resize(old + 16384);
    sock_.async_read_some(asio::buffer(buf_.data() + old, 16384),
                          [self = shared_from_this(), old](error_code ec, std::size_t n) {
                            self->reading_ = false;
                            self->buf_.resize(old + (ec ? 0 : n));
                            if (ec) {
                              self->peer_done_ = true;
                              return self->maybe_close();
                            }
                            self->parse();
                          });
  }

  void parse() {
    std::size_t pos = 0;
    while (pos < buf_.size() && in_flight_ < srv_->opts.max_pipeline) {
      auto size = der_message_size(ByteView(buf_).subspan(pos), srv_->opts.max_message);
      if (!size) {
        // Not a message at all: answer once in order, then close after the earlier answers.
        srv_->rejected.fetch_add(1);
        std::uint64_t seq = next_seq_++;
        ++in_flight_;
        done_[seq] = buf_[pos] == 0x30 ? format_error_answer() : Bytes{};
        stop_reading_ = true;
        buf_.clear();
        pos = 0;
        flush();
        return;
      }
      if (!size->has_value() || pos + **size > buf_.size()) break;
      std::size_t n = **size;
      Bytes msg(buf_.begin() + static_cast<std::ptrdiff_t>(pos), buf_.begin() + static_cast<std::ptrdiff_t>(pos + n));
      pos += n;
      dispatch(std::move(msg));
    }
    buf_.erase(buf_.begin(), buf_.begin() + static_cast<std::ptrdiff_t>(pos));
    read_more();
  }

  void dispatch(Bytes msg) {
    std::uint64_t seq = next_seq_++;
    ++in_flight_;
    srv_->requests.fetch_add(1);
    srv_->pending.fetch_add(1);
    auto m = std::make_shared<Bytes>(std::move(msg));
    services::svs_handle_der(srv_->svs, *m, remote_, [self = shared_from_this(), seq, m](Bytes answer) {
      asio::post(self->sock_.get_executor(), [self, seq, answer = std::move(answer)]() mutable {
        self->srv_->pending.fetch_sub(1);
        self->done_[seq] = std::move(answer);
        self->flush();
      });
    });
  }

  // Writes every answer that is next in order, as one write: a pipelining client gets the answers that are
  // ready together in one segment rather than one system call each.
  void flush() {
    if (writing_ || closed_) return;
    out_.clear();
    std::size_t count = 0;
    for (auto it = done_.find(next_write_); it != done_.end(); it = done_.find(next_write_)) {
      if (it->second.empty()) {  // the marker of unframeable input: close once what precedes it is out
        if (count > 0) break;
        done_.erase(it);
        return close();
      }
      out_.insert(out_.end(), it->second.begin(), it->second.end());
      done_.erase(it);
      ++next_write_;
      ++count;
    }
    if (count == 0) return maybe_close();
    writing_ = true;
    asio::async_write(sock_, asio::buffer(out_), [self = shared_from_this(), count](error_code ec, std::size_t) {
      self->writing_ = false;
      if (ec) return self->close();
      self->in_flight_ -= count;
      if (self->srv_->stopping.load() && self->done_.empty() && self->in_flight_ == 0) return self->close();
      self->flush();
      self->read_more();
    });
  }

  void maybe_close() {
    if ((peer_done_ || stop_reading_) && in_flight_ == 0 && done_.empty() && !writing_) close();
  }

  void close() {
    if (closed_) return;
    closed_ = true;
    timer_.cancel();
    error_code ec;
    lowest().shutdown(tcp::socket::shutdown_both, ec);
    lowest().close(ec);
  }

  SvsSocketServer::Impl* srv_;
  Stream sock_;
  std::string remote_;
  asio::steady_timer timer_;
  Bytes buf_, out_;
  std::map<std::uint64_t, Bytes> done_;
  std::uint64_t next_seq_ = 0, next_write_ = 0;
  std::size_t in_flight_ = 0;
  bool reading_ = false, writing_ = false, closed_ = false, peer_done_ = false, stop_reading_ = false;
};

}  // namespace

void SvsSocketServer::Impl::accept() {
  acceptor->async_accept(asio::make_strand(ioc), [self = this](error_code ec, tcp::socket s) {
    if (ec == asio::error::operation_aborted || !self->acceptor->is_open()) return;
    if (!ec) {
      error_code ec2;
      auto ep = s.remote_endpoint(ec2);
      s.set_option(tcp::no_delay(true), ec2);
      self->tcp_connections.fetch_add(1);
      std::make_shared<Connection<tcp::socket>>(self, std::move(s), ec2 ? std::string() : ep.address().to_string())->start();
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
      std::make_shared<Connection<TlsStream>>(self, TlsStream(std::move(s), *self->opts.tls), remote)->start();
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
