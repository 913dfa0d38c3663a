// libmedsign-tsp against a real MedSign server: the C test program (stf_c_test.c, compiled as C and
// linked only with the shared library) over HTTP and over the RFC 3161 TCP protocol, and the library's
// exported symbols.
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <sstream>
#include <thread>

#include <gtest/gtest.h>

#include "harness.h"

namespace medsign::test {
namespace {

// A one-request-per-connection RFC 3161 TCP responder in front of the test server's TSA.
class TcpResponder {
 public:
  explicit TcpResponder(services::TsaService& tsa) : tsa_(tsa) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ::bind(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a);
    ::listen(fd_, 8);
    socklen_t len = sizeof a;
    ::getsockname(fd_, reinterpret_cast<sockaddr*>(&a), &len);
    port_ = ntohs(a.sin_port);
    thread_ = std::thread([this] { run(); });
  }
  ~TcpResponder() {
    stop_ = true;
    ::shutdown(fd_, SHUT_RDWR);
    ::close(fd_);
    thread_.join();
  }
  int port() const { return port_; }

 private:
  static bool read_n(int c, std::uint8_t* p, std::size_t n) {
    while (n) {
      ssize_t r = ::recv(c, p, n, 0);
      if (r <= 0) return false;
      p += r;
      n -= static_cast<std::size_t>(r);
    }
    return true;
  }
  void run() {
    while (!stop_) {
      int c = ::accept(fd_, nullptr, nullptr);
      if (c < 0) continue;
      std::uint8_t head[5];
      if (read_n(c, head, 5)) {
        std::size_t n = (std::size_t{head[0]} << 24 | std::size_t{head[1]} << 16 | std::size_t{head[2]} << 8 | head[3]) - 1;
        Bytes msg(n);
        if (n < 65536 && read_n(c, msg.data(), n)) {
          auto r = tsa_.issue("", msg, "tcp-test");
          Bytes body = r ? r->response : Bytes{};
          std::uint32_t len = static_cast<std::uint32_t>(body.size() + 1);
          Bytes out = {static_cast<std::uint8_t>(len >> 24), static_cast<std::uint8_t>(len >> 16),
                       static_cast<std::uint8_t>(len >> 8), static_cast<std::uint8_t>(len), 0x05};
          out.insert(out.end(), body.begin(), body.end());
          (void)::send(c, out.data(), out.size(), MSG_NOSIGNAL);
        }
      }
      ::close(c);
    }
  }
  services::TsaService& tsa_;
  int fd_ = -1, port_ = 0;
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

TEST(StfSdk, CProgramPassesOverHttpAndTcp) {
  TestServer server;
  TcpResponder tcp(server.tsa());
  std::string base = "http://127.0.0.1:" + std::to_string(server.port());
  std::string env = "MEDSIGN_TSA_URL=" + base + "/tsa MEDSIGN_TSA_URL_ECDSA=" + base +
                    "/tsa/ecdsa MEDSIGN_TSA_TCP=tcp://127.0.0.1:" + std::to_string(tcp.port()) + " ";
  std::string out;
  EXPECT_EQ(run_command(env + STF_C_TEST, &out), 0) << out;
  EXPECT_NE(out.find("all checks passed"), std::string::npos) << out;
  // The TCP request was answered and logged.
  auto rows = server.platform().db->query("SELECT COUNT(*) FROM tsa_tokens WHERE requester = 'tcp-test'");
  ASSERT_TRUE(rows.ok());
  EXPECT_GE((*rows)[0].int64(0), 1);
}

TEST(StfSdk, ExportsOnlyTheStfFunctions) {
  std::string out;
  ASSERT_EQ(run_command(std::string("nm -D --defined-only ") + MEDSIGN_TSP_LIB, &out), 0) << out;
  std::istringstream lines(out);
  std::string line;
  int stf = 0;
  while (std::getline(lines, line)) {
    auto name = line.substr(line.rfind(' ') + 1);
    EXPECT_TRUE(name.rfind("STF_", 0) == 0 || name.rfind("MSTF_", 0) == 0) << name;
    stf += name.rfind("STF_", 0) == 0;
  }
  EXPECT_EQ(stf, 7);
}

}  // namespace
}  // namespace medsign::test
