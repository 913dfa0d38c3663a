// The clock monitor against real UDP time servers on loopback: MedSign's own SNTP server and a skewed one.
#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/udp.hpp>

#include "server/sntp_server.h"
#include "tsp/clock_monitor.h"

namespace medsign::tsp {
namespace {
namespace asio = boost::asio;

// An SNTP responder whose clock runs skew_ms ahead, for tests.
class SkewedServer {
 public:
  explicit SkewedServer(std::int64_t skew_ms) : skew_us_(skew_ms * 1000), sock_(ioc_) {
    sock_.open(asio::ip::udp::v4());
    sock_.bind({asio::ip::make_address("127.0.0.1"), 0});
    port_ = sock_.local_endpoint().port();
    thread_ = std::thread([this] {
      std::uint8_t buf[512];
      while (!stop_) {
        asio::ip::udp::endpoint peer;
        boost::system::error_code ec;
        sock_.non_blocking(true);
        std::size_t n = sock_.receive_from(asio::buffer(buf), peer, 0, ec);
        if (ec) {
          std::this_thread::sleep_for(std::chrono::milliseconds(2));
          continue;
        }
        std::int64_t now = now_unix_micros() + skew_us_;
        SntpServerState st;
        st.stratum = 1;
        st.reference_id = reference_id_code("GPS ");
        auto r = make_sntp_reply(ByteView(buf, n), now, now, st);
        if (r) sock_.send_to(asio::buffer(*r), peer, 0, ec);
      }
    });
  }
  ~SkewedServer() {
    stop_ = true;
    thread_.join();
  }
  int port() const { return port_; }

 private:
  std::int64_t skew_us_;
  asio::io_context ioc_;
  asio::ip::udp::socket sock_;
  int port_ = 0;
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

TEST(ClockMonitor, OwnSntpServerAnswersWithItsClock) {
  ClockMonitor local({});
  server::SntpServer sntp(local, "127.0.0.1", 0);
  ASSERT_TRUE(sntp.start().ok());
  auto s = ntp_query("127.0.0.1", sntp.port(), 1000);
  ASSERT_TRUE(s.ok()) << s.error().to_string();
  EXPECT_LT(std::abs(s->offset_ms), 50.0);
  EXPECT_EQ(s->stratum, 10);
  EXPECT_EQ(s->reference_id, "76.79.67.76");  // "LOCL" read as an IPv4 address, as stratum > 1 refids are
  EXPECT_EQ(sntp.answered(), 1u);

  ClockMonitor m({{{"127.0.0.1", sntp.port()}}, 64, 1000, 100, 3600, false});
  m.poll_now();
  auto st = m.status();
  EXPECT_TRUE(st.ok) << st.reason;
  EXPECT_EQ(st.stratum, 10);
  ASSERT_EQ(st.sources.size(), 1u);
  EXPECT_TRUE(st.sources[0].reachable);
  EXPECT_EQ(st.sources[0].history.size(), 1u);
  EXPECT_EQ(m.sntp_state().stratum, 11);
}

TEST(ClockMonitor, OffsetBeyondAccuracyMakesTheClockUnusable) {
  SkewedServer skewed(5000);
  ClockMonitor m({{{"127.0.0.1", skewed.port()}}, 64, 1000, 1000, 3600, false});
  m.poll_now();
  auto st = m.status();
  EXPECT_FALSE(st.ok);
  EXPECT_NEAR(st.offset_ms, 5000, 100);
  EXPECT_NE(st.reason.find("exceeds the configured accuracy"), std::string::npos) << st.reason;
  EXPECT_FALSE(m.sntp_state().synchronised);
}

TEST(ClockMonitor, SilentSourcesFailAfterTheHoldOver) {
  ClockMonitor local({});
  auto sntp = std::make_unique<server::SntpServer>(local, "127.0.0.1", 0);
  ASSERT_TRUE(sntp->start().ok());
  int port = sntp->port();
  ClockMonitor m({{{"127.0.0.1", port}}, 64, 300, 1000, 1, false});
  m.poll_now();
  EXPECT_TRUE(m.status().ok);
  sntp.reset();  // the source goes away
  std::this_thread::sleep_for(std::chrono::milliseconds(1200));
  m.poll_now();
  auto st = m.status();
  EXPECT_FALSE(st.ok);
  EXPECT_NE(st.reason.find("hold-over"), std::string::npos) << st.reason;
  EXPECT_FALSE(st.sources[0].reachable);
  EXPECT_FALSE(st.sources[0].last_error.empty());
}

TEST(ClockMonitor, UnreachableSourceNeverMakesTheClockUsable) {
  ClockMonitor m({{{"127.0.0.1", 9}}, 64, 200, 1000, 3600, false});
  m.poll_now();
  EXPECT_FALSE(m.status().ok);
}

}  // namespace
}  // namespace medsign::tsp
