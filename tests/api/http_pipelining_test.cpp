// HTTP/1.1 pipelining: requests sent back to back on one connection are all answered, in the order they
// were sent, even when a later request's route finishes first; a buffered route in the middle waits for
// the answers owed before it; "Connection: close" ends the connection after its own answer. The same
// for the RFC 3161 TCP transport (server/framed_connection.h).
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <thread>

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>

#include "harness.h"
#include "server/tsa_socket_server.h"
#include "tsp/timestamp.h"
#include "tsp/timestamp_issuer.h"

namespace medsign::test {
namespace {
namespace asio = boost::asio;
namespace beast = boost::beast;
using tcp = asio::ip::tcp;

// An async test route that answers "<id>" after ?ms= milliseconds, from another thread.
void add_slow_route(server::Router& r) {
  r.add_async(http::verb::get, "/test/slow", [](server::RequestContext& ctx, server::AsyncDone done) {
    int ms = std::stoi(ctx.query_or("ms", "0"));
    std::string id = ctx.query_or("id", "");
    std::thread([ms, id, done = std::move(done)] {
      std::this_thread::sleep_for(std::chrono::milliseconds(ms));
      server::HttpResponse res{http::status::ok, 11};
      res.set(http::field::content_type, "text/plain");
      res.body() = id;
      res.prepare_payload();
      done(std::move(res));
    }).detach();
  });
}

class HttpPipeliningTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { server_ = new TestServer(add_slow_route); }
  static void TearDownTestSuite() { delete server_; }

  struct Conn {
    asio::io_context ioc;
    tcp::socket sock{ioc};
    beast::flat_buffer buf;
    explicit Conn(int port) { sock.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), static_cast<unsigned short>(port))); }
    void send(const std::string& bytes) { asio::write(sock, asio::buffer(bytes)); }
    http::response<http::string_body> read() {
      http::response<http::string_body> res;
      beast::error_code ec;
      http::read(sock, buf, res, ec);
      EXPECT_FALSE(ec) << ec.message();
      return res;
    }
    bool closed_by_peer() {
      char c;
      beast::error_code ec;
      sock.read_some(asio::buffer(&c, 1), ec);
      return ec == asio::error::eof || ec == asio::error::connection_reset;
    }
  };
  static std::string get(const std::string& target, bool close = false) {
    return "GET " + target + " HTTP/1.1\r\nHost: t\r\n" + (close ? "Connection: close\r\n" : "") + "\r\n";
  }
  static std::string tsa_post(const Bytes& query) {
    return "POST /tsa HTTP/1.1\r\nHost: t\r\nContent-Type: application/timestamp-query\r\nContent-Length: " +
           std::to_string(query.size()) + "\r\n\r\n" + std::string(query.begin(), query.end());
  }
  static TestServer* server_;
};
TestServer* HttpPipeliningTest::server_ = nullptr;

TEST_F(HttpPipeliningTest, AnswersComeInRequestOrderWhateverFinishesFirst) {
  Conn c(server_->port());
  // The first answer takes longest: pipelined, the later ones are ready before it and must wait.
  c.send(get("/test/slow?ms=300&id=a") + get("/test/slow?ms=100&id=b") + get("/test/slow?ms=0&id=c") +
         get("/healthz") + get("/test/slow?ms=0&id=d"));
  auto t0 = std::chrono::steady_clock::now();
  EXPECT_EQ(c.read().body(), "a");
  // Served concurrently: all three slow answers within ~300 ms, not 400.
  EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::milliseconds(390));
  EXPECT_EQ(c.read().body(), "b");
  EXPECT_EQ(c.read().body(), "c");
  auto health = c.read();  // a buffered route, run once the answers before it were out
  EXPECT_EQ(health.result_int(), 200);
  EXPECT_NE(health.body().find("ok"), std::string::npos) << health.body();
  EXPECT_EQ(c.read().body(), "d");
  // Still open for more.
  c.send(get("/test/slow?ms=0&id=e"));
  EXPECT_EQ(c.read().body(), "e");
}

TEST_F(HttpPipeliningTest, TimestampQueriesPipelinedAreEachAnsweredWithTheirOwnNonce) {
  Conn c(server_->port());
  std::string batch;
  constexpr int kN = 40;  // more than the server serves at once on one connection
  for (int i = 0; i < kN; ++i) {
    tsp::TimeStampRequest req;
    req.imprint.algorithm = cms::DigestAlgorithm::sm3;
    req.imprint.hashed_message.assign(32, static_cast<std::uint8_t>(i));
    req.nonce = Bytes{0x01, static_cast<std::uint8_t>(i)};
    batch += tsa_post(tsp::encode_request(req).value());
  }
  c.send(batch);
  for (int i = 0; i < kN; ++i) {
    auto res = c.read();
    ASSERT_EQ(res.result_int(), 200) << i << ": " << res.body();
    auto parsed = tsp::parse_response(as_bytes(res.body()));
    ASSERT_TRUE(parsed.ok()) << i;
    ASSERT_TRUE(parsed->token.has_value()) << i;
    auto v = tsp::verify_token(*parsed->token);
    ASSERT_TRUE(v.ok()) << i;
    ASSERT_TRUE(v->tst.nonce.has_value());
    EXPECT_EQ(*v->tst.nonce, (Bytes{0x01, static_cast<std::uint8_t>(i)})) << "answer " << i << " out of order";
  }
}

TEST_F(HttpPipeliningTest, TsaTcpQueriesSentTogetherAreAnsweredInOrderThenAPollIsRefused) {
  Conn c(server_->tsa_tcp_port());
  std::string batch;
  constexpr int kN = 100;  // more than the transport works on at once
  for (int i = 0; i < kN; ++i) {
    tsp::TimeStampRequest req;
    req.imprint.algorithm = cms::DigestAlgorithm::sha256;
    req.imprint.hashed_message.assign(32, static_cast<std::uint8_t>(i));
    req.nonce = Bytes{0x02, static_cast<std::uint8_t>(i)};
    Bytes f = server::tsa_tcp::frame(server::tsa_tcp::kTsaMsg, tsp::encode_request(req).value());
    batch.append(f.begin(), f.end());
  }
  Bytes poll = server::tsa_tcp::frame(server::tsa_tcp::kPollReq, Bytes{0});
  batch.append(poll.begin(), poll.end());
  c.send(batch);
  auto read_frame = [&](std::uint8_t& flag) {
    std::uint8_t head[5];
    asio::read(c.sock, asio::buffer(head));
    std::uint32_t len = (std::uint32_t{head[0]} << 24) | (std::uint32_t{head[1]} << 16) | (std::uint32_t{head[2]} << 8) | head[3];
    flag = head[4];
    Bytes body(len - 1);
    asio::read(c.sock, asio::buffer(body));
    return body;
  };
  for (int i = 0; i < kN; ++i) {
    std::uint8_t flag = 0;
    Bytes body = read_frame(flag);
    ASSERT_EQ(flag, server::tsa_tcp::kFinalMsgRep) << i;
    auto parsed = tsp::parse_response(body);
    ASSERT_TRUE(parsed.ok() && parsed->token) << i;
    auto v = tsp::verify_token(*parsed->token);
    ASSERT_TRUE(v.ok() && v->tst.nonce) << i;
    EXPECT_EQ(*v->tst.nonce, (Bytes{0x02, static_cast<std::uint8_t>(i)})) << "answer " << i << " out of order";
  }
  std::uint8_t flag = 0;
  Bytes text = read_frame(flag);
  EXPECT_EQ(flag, server::tsa_tcp::kErrorMsgRep);
  EXPECT_NE(std::string(text.begin(), text.end()).find("polling"), std::string::npos);
}

TEST_F(HttpPipeliningTest, ConnectionCloseEndsAfterItsOwnAnswer) {
  Conn c(server_->port());
  c.send(get("/test/slow?ms=50&id=x") + get("/test/slow?ms=0&id=y", /*close=*/true) + get("/test/slow?ms=0&id=z"));
  EXPECT_EQ(c.read().body(), "x");
  auto y = c.read();
  EXPECT_EQ(y.body(), "y");
  EXPECT_FALSE(y.keep_alive());
  EXPECT_TRUE(c.closed_by_peer());  // z is never answered
}

TEST_F(HttpPipeliningTest, MalformedRequestAfterPipelinedOnesIsAnsweredAfterThem) {
  Conn c(server_->port());
  c.send(get("/test/slow?ms=100&id=p") + "NOT A REQUEST\r\n\r\n");
  EXPECT_EQ(c.read().body(), "p");
  auto bad = c.read();
  EXPECT_EQ(bad.result_int(), 400);
  EXPECT_TRUE(c.closed_by_peer());
}

}  // namespace
}  // namespace medsign::test
