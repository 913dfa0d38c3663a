#include "server/sntp_server.h"

#include <array>
#include <atomic>
#include <thread>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/udp.hpp>

#include "common/logging.h"

namespace medsign::server {
namespace asio = boost::asio;
using udp = asio::ip::udp;

struct SntpServer::Impl {
  const tsp::ClockMonitor& clock;
  std::string listen;
  int port;
  asio::io_context ioc;
  std::unique_ptr<udp::socket> sock;
  udp::endpoint peer;
  std::array<std::uint8_t, 512> buf{};
  std::thread thread;
  std::atomic<std::uint64_t> answered{0};
  int bound = -1;

  Impl(const tsp::ClockMonitor& c, std::string l, int p) : clock(c), listen(std::move(l)), port(p) {}

  void receive() {
    sock->async_receive_from(asio::buffer(buf), peer, [this](boost::system::error_code ec, std::size_t n) {
      if (ec == asio::error::operation_aborted) return;
      if (!ec) {
        std::int64_t recv = tsp::now_unix_micros();
        auto reply = tsp::make_sntp_reply(ByteView(buf.data(), n), recv, tsp::now_unix_micros(), clock.sntp_state());
        if (reply) {
          // Counted before sending, so a client that has its answer always sees it counted.
          answered.fetch_add(1);
          boost::system::error_code wec;
          sock->send_to(asio::buffer(*reply), peer, 0, wec);
          if (wec) answered.fetch_sub(1);
        }
      }
      receive();
    });
  }
};

SntpServer::SntpServer(const tsp::ClockMonitor& clock, std::string listen, int port)
    : impl_(std::make_unique<Impl>(clock, std::move(listen), port)) {}

SntpServer::~SntpServer() { stop(); }

Status SntpServer::start() {
  boost::system::error_code ec;
  auto addr = asio::ip::make_address(impl_->listen, ec);
  if (ec) return Error(Errc::config_invalid, "SNTP: '" + impl_->listen + "' is not an IP address");
  impl_->sock = std::make_unique<udp::socket>(impl_->ioc);
  udp::endpoint ep(addr, static_cast<unsigned short>(impl_->port));
  impl_->sock->open(ep.protocol(), ec);
  if (!ec) impl_->sock->bind(ep, ec);
  if (ec)
    return Error(Errc::config_invalid, "cannot listen for SNTP on udp " + impl_->listen + ":" +
                                           std::to_string(impl_->port) + ": " + ec.message());
  impl_->bound = impl_->sock->local_endpoint().port();
  impl_->receive();
  impl_->thread = std::thread([this] { impl_->ioc.run(); });
  return {};
}

void SntpServer::stop() {
  if (!impl_ || !impl_->thread.joinable()) return;
  impl_->ioc.stop();
  impl_->thread.join();
}

int SntpServer::port() const { return impl_->bound; }
std::uint64_t SntpServer::answered() const { return impl_->answered.load(); }

}  // namespace medsign::server
