// The timestamp authority over the RFC 3161 TCP socket protocol and UDP, against a real server: several
// requests on one connection, tokens checked with tsp::verify_token and `openssl ts -verify`, and malformed,
// oversize and unexpected input answered without harm to the server.
#include <fstream>

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ip/udp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>
#include <gtest/gtest.h>

#include "crypto/soft/keystore.h"
#include "harness.h"
#include "tsp/timestamp_issuer.h"

namespace medsign::test {
namespace {
namespace asio = boost::asio;
namespace fs = std::filesystem;
using asio::ip::tcp;
using asio::ip::udp;

struct Message {
  std::uint8_t flag = 0xff;
  Bytes value;
};

class TcpPeer {
 public:
  explicit TcpPeer(int port) : sock_(ioc_) {
    sock_.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), static_cast<unsigned short>(port)));
  }
  void send_raw(ByteView b) { asio::write(sock_, asio::buffer(b.data(), b.size())); }
  void send(std::uint8_t flag, ByteView value) { send_raw(server::tsa_tcp::frame(flag, value)); }
  // Reads one message; nullopt when the server closed the connection.
  std::optional<Message> receive() {
    std::uint8_t h[5];
    boost::system::error_code ec;
    asio::read(sock_, asio::buffer(h), ec);
    if (ec) return std::nullopt;
    std::uint32_t len = (std::uint32_t{h[0]} << 24) | (std::uint32_t{h[1]} << 16) | (std::uint32_t{h[2]} << 8) | h[3];
    Message m;
    m.flag = h[4];
    m.value.resize(len - 1);
    asio::read(sock_, asio::buffer(m.value), ec);
    if (ec) return std::nullopt;
    return m;
  }

 private:
  asio::io_context ioc_;
  tcp::socket sock_;
};

Bytes udp_exchange(int port, ByteView datagram) {
  asio::io_context ioc;
  udp::socket s(ioc, udp::endpoint(udp::v4(), 0));
  udp::endpoint server(asio::ip::make_address("127.0.0.1"), static_cast<unsigned short>(port));
  s.send_to(asio::buffer(datagram.data(), datagram.size()), server);
  Bytes buf(70000);
  struct timeval tv{5, 0};
  ::setsockopt(s.native_handle(), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  udp::endpoint from;
  boost::system::error_code ec;
  std::size_t n = s.receive_from(asio::buffer(buf), from, 0, ec);
  if (ec) return {};
  buf.resize(n);
  return buf;
}

tsp::TimeStampRequest request(std::uint8_t seed, bool cert_req = false) {
  tsp::TimeStampRequest q;
  q.imprint = {cms::DigestAlgorithm::sm3, Bytes(32, seed)};
  q.nonce = Bytes{0x11, seed, 0x33, 0x44};
  q.cert_req = cert_req;
  return q;
}

class TsaTransportTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { server_ = new TestServer(); }
  static void TearDownTestSuite() { delete server_; }
  // Parses a granted response and verifies its token against the request.
  static void expect_valid(const Bytes& response, const tsp::TimeStampRequest& q) {
    auto r = tsp::parse_response(response);
    ASSERT_TRUE(r.ok()) << r.error().to_string();
    ASSERT_EQ(r->status, tsp::PkiStatus::granted);
    auto unit = server_->tsa().unit(server_->tsa().default_unit());
    std::vector<pki::Certificate> extra{unit->certificate};
    auto v = tsp::verify_token(*r->token, extra, &q.imprint, &*q.nonce);
    ASSERT_TRUE(v.ok()) << v.error().to_string();
    EXPECT_TRUE(v->ok) << v->problem;
  }
  static std::optional<tsp::FailInfo> fail_info(const Bytes& response) {
    auto r = tsp::parse_response(response);
    EXPECT_TRUE(r.ok());
    if (!r) return std::nullopt;
    EXPECT_EQ(r->status, tsp::PkiStatus::rejection);
    return r->fail_info;
  }
  static TestServer* server_;
};
TestServer* TsaTransportTest::server_ = nullptr;

TEST_F(TsaTransportTest, TcpAnswersSeveralRequestsOnOneConnection) {
  TcpPeer peer(server_->tsa_tcp_port());
  for (std::uint8_t i = 1; i <= 5; ++i) {
    auto q = request(i, i % 2 == 0);
    peer.send(server::tsa_tcp::kTsaMsg, tsp::encode_request(q).value());
    auto m = peer.receive();
    ASSERT_TRUE(m);
    EXPECT_EQ(m->flag, server::tsa_tcp::kFinalMsgRep);
    expect_valid(m->value, q);
  }
  // Two requests written back to back are answered in turn.
  auto q1 = request(7), q2 = request(8);
  Bytes both = server::tsa_tcp::frame(server::tsa_tcp::kTsaMsg, tsp::encode_request(q1).value());
  Bytes second = server::tsa_tcp::frame(server::tsa_tcp::kTsaMsg, tsp::encode_request(q2).value());
  both.insert(both.end(), second.begin(), second.end());
  peer.send_raw(both);
  auto m1 = peer.receive(), m2 = peer.receive();
  ASSERT_TRUE(m1 && m2);
  expect_valid(m1->value, q1);
  expect_valid(m2->value, q2);
}

TEST_F(TsaTransportTest, TcpRejectsMalformedAndUnexpectedMessages) {
  TcpPeer peer(server_->tsa_tcp_port());
  // Malformed DER: a rejection (badRequest) in a final response; the connection stays usable.
  peer.send(server::tsa_tcp::kTsaMsg, as_bytes("not DER at all"));
  auto m = peer.receive();
  ASSERT_TRUE(m);
  EXPECT_EQ(m->flag, server::tsa_tcp::kFinalMsgRep);
  EXPECT_EQ(fail_info(m->value), tsp::FailInfo::bad_request);
  // Wrong imprint length: badDataFormat.
  auto bad = request(3);
  bad.imprint.hashed_message.resize(20);
  peer.send(server::tsa_tcp::kTsaMsg, tsp::encode_request(bad).value());
  m = peer.receive();
  ASSERT_TRUE(m);
  EXPECT_EQ(fail_info(m->value), tsp::FailInfo::bad_data_format);
  // pollReq: an error message, the connection stays open.
  peer.send(server::tsa_tcp::kPollReq, Bytes{0, 0, 0, 1});
  m = peer.receive();
  ASSERT_TRUE(m);
  EXPECT_EQ(m->flag, server::tsa_tcp::kErrorMsgRep);
  auto q = request(4);
  peer.send(server::tsa_tcp::kTsaMsg, tsp::encode_request(q).value());
  m = peer.receive();
  ASSERT_TRUE(m);
  expect_valid(m->value, q);
  // An unknown flag: an error message, then the connection is closed.
  peer.send(0x42, as_bytes("?"));
  m = peer.receive();
  ASSERT_TRUE(m);
  EXPECT_EQ(m->flag, server::tsa_tcp::kErrorMsgRep);
  EXPECT_FALSE(peer.receive());
}

TEST_F(TsaTransportTest, TcpRefusesOversizeAndEmptyLengths) {
  for (std::uint32_t len : {0u, 0x7fffffffu, 70000u}) {
    SCOPED_TRACE(len);
    TcpPeer peer(server_->tsa_tcp_port());
    Bytes h{static_cast<std::uint8_t>(len >> 24), static_cast<std::uint8_t>(len >> 16), static_cast<std::uint8_t>(len >> 8),
            static_cast<std::uint8_t>(len), 0x00};
    peer.send_raw(h);
    auto m = peer.receive();
    ASSERT_TRUE(m);
    EXPECT_EQ(m->flag, server::tsa_tcp::kErrorMsgRep);
    EXPECT_FALSE(peer.receive());
  }
  // A client that stops mid-message does not disturb others.
  {
    TcpPeer half(server_->tsa_tcp_port());
    half.send_raw(Bytes{0, 0, 0, 50, 0, 0x30});
  }
  TcpPeer peer(server_->tsa_tcp_port());
  auto q = request(9);
  peer.send(server::tsa_tcp::kTsaMsg, tsp::encode_request(q).value());
  auto m = peer.receive();
  ASSERT_TRUE(m);
  expect_valid(m->value, q);
}

TEST_F(TsaTransportTest, UdpAnswersOneRequestPerDatagram) {
  for (std::uint8_t i = 1; i <= 3; ++i) {
    auto q = request(static_cast<std::uint8_t>(0x40 + i));
    auto resp = udp_exchange(server_->tsa_udp_port(), tsp::encode_request(q).value());
    ASSERT_FALSE(resp.empty());
    expect_valid(resp, q);
  }
}

TEST_F(TsaTransportTest, UdpRejectsMalformedOversizeAndUnfittingAnswers) {
  auto resp = udp_exchange(server_->tsa_udp_port(), as_bytes("garbage"));
  ASSERT_FALSE(resp.empty());
  EXPECT_EQ(fail_info(resp), tsp::FailInfo::bad_request);
  resp = udp_exchange(server_->tsa_udp_port(), Bytes(4000, 0x30));
  ASSERT_FALSE(resp.empty());
  EXPECT_EQ(fail_info(resp), tsp::FailInfo::bad_request);
  // With certReq the chain does not fit in 1472 bytes: a rejection that says so.
  resp = udp_exchange(server_->tsa_udp_port(), tsp::encode_request(request(0x50, true)).value());
  ASSERT_FALSE(resp.empty());
  EXPECT_EQ(fail_info(resp), tsp::FailInfo::system_failure);
  // The server still answers.
  auto q = request(0x51);
  resp = udp_exchange(server_->tsa_udp_port(), tsp::encode_request(q).value());
  expect_valid(resp, q);
}

TEST_F(TsaTransportTest, OpenSslVerifiesATokenReceivedOverTcp) {
  fs::path work = make_temp_dir("tsa-tcp");
  std::ofstream(work / "record.txt") << "病历 / record over TCP\n";
  auto sh = [&](const std::string& cmd, std::string* out = nullptr) {
    return run_command("cd " + work.string() + " && " + cmd, out);
  };
  ASSERT_EQ(sh("openssl ts -query -data record.txt -sha256 -cert -out q.tsq"), 0);
  Bytes q = crypto::read_file(work / "q.tsq").value();
  // The default unit is sm2; OpenSSL verifies RSA and ECDSA tokens: ask the TCP transport of each.
  for (const char* unit : {"ecdsa", "rsa"}) {
    SCOPED_TRACE(unit);
    server::TsaSocketOptions so;
    so.tcp_port = 0;
    so.threads = 1;
    so.unit = unit;
    server::TsaSocketServer unit_server(server_->tsa(), so);
    ASSERT_TRUE(unit_server.start().ok());
    TcpPeer peer(unit_server.tcp_port());
    peer.send(server::tsa_tcp::kTsaMsg, q);
    auto m = peer.receive();
    ASSERT_TRUE(m);
    ASSERT_EQ(m->flag, server::tsa_tcp::kFinalMsgRep);
    ASSERT_TRUE(crypto::write_file_atomic(work / "r.tsr", m->value, 0644).ok());
    std::string out;
    std::string ca = (server_->data_dir() / "keys" / "dev-ca.pem").string();
    EXPECT_EQ(sh("openssl ts -verify -queryfile q.tsq -in r.tsr -CAfile " + ca, &out), 0) << out;
    EXPECT_NE(out.find("Verification: OK"), std::string::npos) << out;
    unit_server.stop();
  }
  fs::remove_all(work);
}

}  // namespace
}  // namespace medsign::test
