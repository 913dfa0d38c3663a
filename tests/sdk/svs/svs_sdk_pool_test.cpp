// libmedsign-svs connection handling against real MedSign servers: eight threads on a pool of four,
// a pooled connection cut under a request, fail-over from a closed port, a silent server and a server
// taken away mid-run, request timeouts, and TLS with the server certificate and name checked.
#include <chrono>

#include "common/clock.h"
#include "svs_sdk_fixture.h"

namespace medsign::test::svs_sdk {
namespace {

class SvsSdkPoolTest : public SvsSdkFixture {};

TEST_F(SvsSdkPoolTest, EightThreadsShareAPoolOfFour) {
  Buf cert = export_cert("1");
  const auto signer = pki::Certificate::parse_der(ByteView(cert.data(), cert.size())).value();
  const int port = server_->svs_tcp_port();
  std::atomic<int> ok{0}, failed{0}, max_conns{0};
  std::atomic<int> last_error{0};
  auto t0 = std::chrono::steady_clock::now();
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 200; ++i) {
        std::string d = "record " + std::to_string(t) + "/" + std::to_string(i);
        unsigned char sig[128];
        unsigned n = sizeof sig;
        int rc = SVS_SignData(h_, SGD_SM3_SM2, 1, nullptr, u8(d), len(d), sig, &n);
        // Each answer belongs to its own request: the signature verifies for this thread's data.
        if (rc == GM_SUCCESS && !server_->svs().verify_data(signer, as_bytes(d), ByteView(sig, n), 0, unix_millis()).ok) {
          rc = GM_INVALID_SIGNATURE;
        }
        if (rc == GM_SUCCESS) {
          ++ok;
        } else {
          ++failed;
          last_error = rc;
        }
        if (i % 50 == 0) {
          int c = established_to(port);
          int m = max_conns.load();
          while (c > m && !max_conns.compare_exchange_weak(m, c)) {
          }
        }
      }
    });
  }
  for (auto& th : threads) th.join();
  double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  EXPECT_EQ(ok.load(), 1600);
  EXPECT_EQ(failed.load(), 0) << SVS_GetErrorString(last_error.load());
  EXPECT_LE(max_conns.load(), 4) << "the pool opened more connections than pool_size";
  EXPECT_GE(max_conns.load(), 1);
  std::printf("[ figures ] 1600 SM2 sign calls, 8 threads, 4 pooled connections: %.2f s (%.0f calls/s)\n", secs,
              1600 / secs);
}

TEST_F(SvsSdkPoolTest, FailsOverFromAClosedPortAndReportsTimeouts) {
  SilentListener closed(true);
  SVS_Options o{};
  o.connect_timeout_ms = 1000;
  o.request_timeout_ms = 2000;
  void* h = nullptr;
  std::string list = addr(closed.port()) + "," + addr(server_->svs_tcp_port());
  ASSERT_EQ(SVS_Open(list.c_str(), &o, &h), GM_SUCCESS);
  for (int i = 0; i < 5; ++i) {
    unsigned char sig[128];
    unsigned n = sizeof sig;
    EXPECT_EQ(SVS_SignData(h, SGD_SM3_SM2, 1, nullptr, u8(kRecord), len(kRecord), sig, &n), GM_SUCCESS)
        << SVS_GetLastErrorText();
  }
  SVS_Close(h);

  // Only a closed port: SVS_ERROR_CONNECT, quickly.
  ASSERT_EQ(SVS_Open(addr(closed.port()).c_str(), &o, &h), GM_SUCCESS);
  unsigned char sig[128];
  unsigned n = sizeof sig;
  EXPECT_EQ(SVS_SignData(h, SGD_SM3_SM2, 1, nullptr, u8(kRecord), len(kRecord), sig, &n), SVS_ERROR_CONNECT);
  EXPECT_NE(std::string(SVS_GetLastErrorText()).find(addr(closed.port())), std::string::npos)
      << SVS_GetLastErrorText();
  SVS_Close(h);

  // A server that accepts and never answers: SVS_ERROR_TIMEOUT within the configured time.
  SilentListener silent;
  o.request_timeout_ms = 400;
  ASSERT_EQ(SVS_Open(addr(silent.port()).c_str(), &o, &h), GM_SUCCESS);
  auto t0 = std::chrono::steady_clock::now();
  n = sizeof sig;
  EXPECT_EQ(SVS_SignData(h, SGD_SM3_SM2, 1, nullptr, u8(kRecord), len(kRecord), sig, &n), SVS_ERROR_TIMEOUT);
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - t0).count();
  EXPECT_GE(ms, 390);
  EXPECT_LT(ms, 1200);
  SVS_Close(h);

  // The silent server first, a real one second: the call times out on the first and succeeds on the
  // second; the next call goes straight to the second (the first is marked down).
  list = addr(silent.port()) + "," + addr(server_->svs_tcp_port());
  ASSERT_EQ(SVS_Open(list.c_str(), &o, &h), GM_SUCCESS);
  n = sizeof sig;
  EXPECT_EQ(SVS_SignData(h, SGD_SM3_SM2, 1, nullptr, u8(kRecord), len(kRecord), sig, &n), GM_SUCCESS);
  t0 = std::chrono::steady_clock::now();
  n = sizeof sig;
  EXPECT_EQ(SVS_SignData(h, SGD_SM3_SM2, 1, nullptr, u8(kRecord), len(kRecord), sig, &n), GM_SUCCESS);
  ms = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - t0).count();
  EXPECT_LT(ms, 390) << "the silent server was asked again (its timeout is 400 ms)";
  SVS_Close(h);
}

TEST_F(SvsSdkPoolTest, APooledConnectionThatBreaksIsRetriedOnceOnANewOne) {
  CuttingRelay relay(server_->svs_tcp_port());
  SVS_Options o{};
  o.pool_size = 1;
  o.request_timeout_ms = 3000;
  void* h = nullptr;
  ASSERT_EQ(SVS_Open(addr(relay.port()).c_str(), &o, &h), GM_SUCCESS);
  unsigned char sig[128];
  unsigned n = sizeof sig;
  ASSERT_EQ(SVS_SignData(h, SGD_SM3_SM2, 1, nullptr, u8(kRecord), len(kRecord), sig, &n), GM_SUCCESS);
  n = sizeof sig;
  ASSERT_EQ(SVS_SignData(h, SGD_SM3_SM2, 1, nullptr, u8(kRecord), len(kRecord), sig, &n), GM_SUCCESS);
  EXPECT_EQ(relay.accepted.load(), 1) << "the connection was not reused";
  // The pooled connection breaks under the next request: it is sent again on a new connection.
  relay.cut_next = true;
  n = sizeof sig;
  EXPECT_EQ(SVS_SignData(h, SGD_SM3_SM2, 1, nullptr, u8(kRecord), len(kRecord), sig, &n), GM_SUCCESS)
      << SVS_GetLastErrorText();
  EXPECT_EQ(relay.cut.load(), 1);
  EXPECT_EQ(relay.accepted.load(), 2);
  n = sizeof sig;
  EXPECT_EQ(SVS_SignData(h, SGD_SM3_SM2, 1, nullptr, u8(kRecord), len(kRecord), sig, &n), GM_SUCCESS);
  EXPECT_EQ(relay.accepted.load(), 2);
  SVS_Close(h);
}

TEST_F(SvsSdkPoolTest, KeepsWorkingWhenTheFirstOfTwoServersDiesMidRun) {
  auto first = std::make_unique<TestServer>();
  const int first_port = first->svs_tcp_port();
  SVS_Options o{};
  o.connect_timeout_ms = 1000;
  o.request_timeout_ms = 3000;
  o.pool_size = 2;
  void* h = nullptr;
  std::string list = addr(first_port) + "," + addr(server_->svs_tcp_port());
  ASSERT_EQ(SVS_Open(list.c_str(), &o, &h), GM_SUCCESS);
  std::atomic<int> ok{0}, failed{0}, done_before{0};
  std::atomic<bool> killed{false};
  std::atomic<int> last{0}, slowest{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 60; ++i) {
        std::string d = "run " + std::to_string(t) + "/" + std::to_string(i);
        unsigned char sig[128];
        unsigned n = sizeof sig;
        auto c0 = std::chrono::steady_clock::now();
        int rc = SVS_SignData(h, SGD_SM3_SM2, 1, nullptr, u8(d), len(d), sig, &n);
        int ms = static_cast<int>(
            std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - c0).count());
        for (int m = slowest.load(); ms > m && !slowest.compare_exchange_weak(m, ms);) {
        }
        if (rc == GM_SUCCESS) {
          ++ok;
          if (!killed) ++done_before;
        } else {
          ++failed;
          last = rc;
        }
      }
    });
  }
  // Let the first server take part of the load, then take it away with its connections.
  while (done_before.load() < 40) std::this_thread::sleep_for(std::chrono::milliseconds(2));
  EXPECT_GE(established_to(first_port), 1) << "the first server was not in use";
  killed = true;
  first.reset();
  for (auto& th : threads) th.join();
  EXPECT_EQ(failed.load(), 0) << SVS_GetErrorString(last.load());
  EXPECT_EQ(ok.load(), 240);
  EXPECT_LT(done_before.load(), 240) << "the run ended before the server went away";
  std::printf("[ figures ] server taken away after %d of 240 calls; slowest call %d ms\n", done_before.load(),
              slowest.load());
  // Afterwards every call goes to the second server.
  unsigned char sig[128];
  unsigned n = sizeof sig;
  EXPECT_EQ(SVS_SignData(h, SGD_SM3_SM2, 1, nullptr, u8(kRecord), len(kRecord), sig, &n), GM_SUCCESS);
  EXPECT_EQ(established_to(first_port), 0);
  SVS_Close(h);
}


TEST_F(SvsSdkPoolTest, TlsChecksTheServerCertificateAndName) {
  ASSERT_GT(server_->svs_tls_port(), 0);
  const std::string ca_file = ca();
  SVS_Options o{};
  o.connect_timeout_ms = 2000;
  o.request_timeout_ms = 3000;
  o.tls_ca_file = ca_file.c_str();
  // The development certificate names localhost: by name, or by address with the name given.
  for (const std::string& host : {std::string("localhost"), std::string("127.0.0.1")}) {
    o.tls_server_name = host == "localhost" ? nullptr : "localhost";
    void* h = nullptr;
    ASSERT_EQ(SVS_Open((host + ":" + std::to_string(server_->svs_tls_port())).c_str(), &o, &h), GM_SUCCESS);
    Buf sig(128);
    for (int i = 0; i < 3; ++i) {  // the second and third reuse the pooled TLS connection
      unsigned n = len(sig);
      EXPECT_EQ(SVS_SignData(h, SGD_SM3_SM2, 1, nullptr, u8(kRecord), len(kRecord), sig.data(), &n), GM_SUCCESS)
          << host << ": " << SVS_GetLastErrorText();
    }
    SVS_Close(h);
  }
  // Another name than the certificate's, or another CA: SVS_ERROR_TLS, nothing sent.
  void* h = nullptr;
  o.tls_server_name = "his.example.org";
  ASSERT_EQ(SVS_Open(addr(server_->svs_tls_port()).c_str(), &o, &h), GM_SUCCESS);
  unsigned char sig[128];
  unsigned n = sizeof sig;
  EXPECT_EQ(SVS_SignData(h, SGD_SM3_SM2, 1, nullptr, u8(kRecord), len(kRecord), sig, &n), SVS_ERROR_TLS);
  EXPECT_NE(std::string(SVS_GetLastErrorText()).find("certificate"), std::string::npos) << SVS_GetLastErrorText();
  SVS_Close(h);
  Buf other_ca = export_cert("2");  // a certificate, but not the issuer of the TLS certificate
  put("other-ca.der", other_ca);
  std::string out;
  ASSERT_EQ(sh("openssl x509 -inform DER -in other-ca.der -out other-ca.pem", &out), 0) << out;
  const std::string other = (work_ / "other-ca.pem").string();
  o.tls_ca_file = other.c_str();
  o.tls_server_name = "localhost";
  ASSERT_EQ(SVS_Open(addr(server_->svs_tls_port()).c_str(), &o, &h), GM_SUCCESS);
  n = sizeof sig;
  EXPECT_EQ(SVS_SignData(h, SGD_SM3_SM2, 1, nullptr, u8(kRecord), len(kRecord), sig, &n), SVS_ERROR_TLS);
  SVS_Close(h);
  // Plain TCP to the TLS port: no answer that is a message.
  ASSERT_EQ(SVS_Open(addr(server_->svs_tls_port()).c_str(), nullptr, &h), GM_SUCCESS);
  n = sizeof sig;
  int rc = SVS_SignData(h, SGD_SM3_SM2, 1, nullptr, u8(kRecord), len(kRecord), sig, &n);
  EXPECT_TRUE(rc == SVS_ERROR_PROTOCOL || rc == SVS_ERROR_CONNECT || rc == SVS_ERROR_TIMEOUT)
      << SVS_GetErrorString(rc);
  SVS_Close(h);
}


}  // namespace
}  // namespace medsign::test::svs_sdk
