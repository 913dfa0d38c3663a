// Shared by the libmedsign-svs tests: a real MedSign server per test suite (the API test harness, in this
// process, GM/T 0029 over TCP and TLS on ephemeral loopback ports), a handle opened on it for each test,
// and small network fixtures (a listener that never answers, a relay that cuts connections).
#pragma once

#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "harness.h"
#include "medsign/svs.h"

namespace medsign::test::svs_sdk {
namespace fs = std::filesystem;
using Buf = std::vector<unsigned char>;

inline const std::string kRecord = "检验报告 / lab report 7731, 2026-11-27";

inline const unsigned char* u8(const std::string& s) { return reinterpret_cast<const unsigned char*>(s.data()); }
inline unsigned len(const std::string& s) { return static_cast<unsigned>(s.size()); }
inline unsigned len(const Buf& b) { return static_cast<unsigned>(b.size()); }

// A listening socket on an ephemeral loopback port: the kernel completes connections, nobody answers.
// With close_now the port is closed again at once (a port that refuses connections).
class SilentListener {
 public:
  explicit SilentListener(bool close_now = false) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ::bind(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a);
    ::listen(fd_, 16);
    socklen_t l = sizeof a;
    ::getsockname(fd_, reinterpret_cast<sockaddr*>(&a), &l);
    port_ = ntohs(a.sin_port);
    if (close_now) {
      ::close(fd_);
      fd_ = -1;
    }
  }
  ~SilentListener() {
    if (fd_ >= 0) ::close(fd_);
  }
  int port() const { return port_; }

 private:
  int fd_ = -1;
  int port_ = 0;
};

inline std::string addr(int port) { return "127.0.0.1:" + std::to_string(port); }

// A TCP relay in front of a server that can cut a connection: with cut_next set, the next request that
// arrives on an already used connection is not passed on and that connection is closed (as a server
// restart or an idle timeout does just as a pooled connection is used).
class CuttingRelay {
 public:
  explicit CuttingRelay(int target) : target_(target) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ::bind(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a);
    ::listen(fd_, 16);
    socklen_t l = sizeof a;
    ::getsockname(fd_, reinterpret_cast<sockaddr*>(&a), &l);
    port_ = ntohs(a.sin_port);
    acceptor_ = std::thread([this] { accept_loop(); });
  }
  ~CuttingRelay() {
    stop_ = true;
    ::shutdown(fd_, SHUT_RDWR);
    ::close(fd_);
    acceptor_.join();
    for (auto& t : pumps_) t.join();
  }
  int port() const { return port_; }
  std::atomic<bool> cut_next{false};
  std::atomic<int> accepted{0}, cut{0};

 private:
  void accept_loop() {
    while (!stop_) {
      int c = ::accept(fd_, nullptr, nullptr);
      if (c < 0) continue;
      ++accepted;
      int u = ::socket(AF_INET, SOCK_STREAM, 0);
      sockaddr_in a{};
      a.sin_family = AF_INET;
      a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
      a.sin_port = htons(static_cast<std::uint16_t>(target_));
      if (::connect(u, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
        ::close(c);
        ::close(u);
        continue;
      }
      pumps_.emplace_back([this, c, u] { pump(c, u); });
    }
  }
  void pump(int c, int u) {
    bool used = false;
    unsigned char buf[65536];
    while (!stop_) {
      pollfd p[2] = {{c, POLLIN, 0}, {u, POLLIN, 0}};
      if (::poll(p, 2, 100) <= 0) continue;
      if (p[0].revents) {
        ssize_t n = ::recv(c, buf, sizeof buf, 0);
        if (n <= 0) break;
        if (used && cut_next.exchange(false)) {
          ++cut;
          break;
        }
        used = true;
        if (::send(u, buf, static_cast<std::size_t>(n), MSG_NOSIGNAL) != n) break;
      }
      if (p[1].revents) {
        ssize_t n = ::recv(u, buf, sizeof buf, 0);
        if (n <= 0 || ::send(c, buf, static_cast<std::size_t>(n), MSG_NOSIGNAL) != n) break;
      }
    }
    ::close(c);
    ::close(u);
  }
  int target_;
  int fd_ = -1, port_ = 0;
  std::atomic<bool> stop_{false};
  std::thread acceptor_;
  std::vector<std::thread> pumps_;
};

// Established TCP connections of this host to `port` (from /proc/net/tcp).
inline int established_to(int port) {
  std::ifstream f("/proc/net/tcp");
  std::string line;
  std::getline(f, line);
  int n = 0;
  char want[8];
  std::snprintf(want, sizeof want, "%04X", port);
  while (std::getline(f, line)) {
    std::istringstream in(line);
    std::string sl, local, remote, st;
    in >> sl >> local >> remote >> st;
    if (st == "01" && remote.size() > 5 && remote.substr(remote.size() - 4) == want) ++n;
  }
  return n;
}


class SvsSdkFixture : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    server_ = new TestServer();
    work_ = make_temp_dir("svs-sdk");
  }
  static void TearDownTestSuite() {
    delete server_;
    fs::remove_all(work_);
  }
  void SetUp() override {
    SVS_Options o{};
    o.connect_timeout_ms = 2000;
    o.request_timeout_ms = 10000;
    o.pool_size = 4;
    ASSERT_EQ(SVS_Open(addr(server_->svs_tcp_port()).c_str(), &o, &h_), GM_SUCCESS) << SVS_GetLastErrorText();
  }
  void TearDown() override {
    if (h_) SVS_Close(h_);
  }
  static int sh(const std::string& cmd, std::string* out = nullptr) {
    return run_command("cd " + work_.string() + " && " + cmd, out);
  }
  static void put(const std::string& name, const Buf& b) {
    std::ofstream(work_ / name, std::ios::binary).write(reinterpret_cast<const char*>(b.data()),
                                                        static_cast<std::streamsize>(b.size()));
  }
  static std::string ca() { return (server_->data_dir() / "keys" / "dev-ca.pem").string(); }

  Buf export_cert(const char* id) {
    Buf cert(8192);
    unsigned n = len(cert);
    EXPECT_EQ(SVS_ExportCert(h_, id, cert.data(), &n), GM_SUCCESS) << SVS_GetLastErrorText();
    cert.resize(n);
    return cert;
  }
  Buf sign_data(int method, unsigned key, const std::string& data) {
    Buf sig(1024);
    unsigned n = len(sig);
    EXPECT_EQ(SVS_SignData(h_, method, key, nullptr, u8(data), len(data), sig.data(), &n), GM_SUCCESS)
        << SVS_GetLastErrorText();
    sig.resize(n);
    return sig;
  }
  std::string parse(int item, const Buf& cert) {
    Buf info(4096);
    unsigned n = len(info);
    EXPECT_EQ(SVS_ParseCert(h_, item, cert.data(), len(cert), info.data(), &n), GM_SUCCESS) << SVS_GetLastErrorText();
    return std::string(info.begin(), info.begin() + n);
  }

  inline static TestServer* server_ = nullptr;
  inline static fs::path work_;
  void* h_ = nullptr;
};

}  // namespace medsign::test::svs_sdk
