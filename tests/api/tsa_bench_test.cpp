// `medsign bench tsa` and `medsign bench svs` against a real server, briefly: HTTPS with the server
// certificate checked against --ca, UDP with answers matched by nonce, pipelined HTTP and TCP, the GM/T 0029
// load on the shared connection driver, and the specific errors for a CA that does not fit and a missing one.
#include <fstream>
#include <sstream>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ip/udp.hpp>
#include <gtest/gtest.h>

#include "harness.h"
#include "tsp/timestamp_issuer.h"

namespace medsign::test {
namespace {
namespace fs = std::filesystem;

// Runs the CLI; returns its exit status, its JSON line (when it printed one) and all its output.
struct BenchRun {
  int status = -1;
  json j;
  std::string out;
};
BenchRun bench(const std::string& args) {
  BenchRun r;
  r.status = run_command(std::string(MEDSIGN_BINARY) + " bench " + args + " 2>&1", &r.out);
  std::istringstream lines(r.out);
  for (std::string line; std::getline(lines, line);) {
    if (line.starts_with("{")) r.j = json::parse(line, nullptr, false);
  }
  return r;
}

class TsaBenchTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    server_ = new TestServer();
    work_ = new fs::path(make_temp_dir("tsa-bench"));
  }
  static void TearDownTestSuite() {
    delete server_;
    fs::remove_all(*work_);
    delete work_;
  }
  static std::string ca() { return (server_->data_dir() / "keys" / "dev-ca.pem").string(); }
  // The JSON fields docs/PERFORMANCE.md reads, and a clean run with tokens.
  static void expect_clean_tsa_run(const BenchRun& r, const std::string& target_prefix) {
    ASSERT_EQ(r.status, 0) << r.out;
    ASSERT_TRUE(r.j.is_object()) << r.out;
    for (const char* f : {"target", "connections", "pipeline", "seconds", "tokens", "tokens_per_s", "errors", "rejections",
                          "verified", "verify_failures", "latency_ms", "first_error"})
      EXPECT_TRUE(r.j.contains(f)) << f << " missing in " << r.out;
    for (const char* f : {"mean", "p50", "p90", "p99", "max"}) EXPECT_TRUE(r.j["latency_ms"].contains(f)) << f;
    EXPECT_TRUE(r.j["target"].get<std::string>().starts_with(target_prefix)) << r.out;
    EXPECT_GT(r.j["tokens"].get<std::uint64_t>(), 10u) << r.out;
    EXPECT_GT(r.j["tokens_per_s"].get<double>(), 0.0);
    EXPECT_EQ(r.j["errors"], 0) << r.j["first_error"];
    EXPECT_EQ(r.j["rejections"], 0);
    EXPECT_EQ(r.j["verify_failures"], 0);
    EXPECT_GT(r.j["latency_ms"]["p99"].get<double>(), 0.0);
    EXPECT_GE(r.j["latency_ms"]["p99"].get<double>(), r.j["latency_ms"]["p50"].get<double>());
  }
  static TestServer* server_;
  static fs::path* work_;
};
TestServer* TsaBenchTest::server_ = nullptr;
fs::path* TsaBenchTest::work_ = nullptr;

TEST_F(TsaBenchTest, HttpsLoadWithTheServerCertificateCheckedAgainstCa) {
  auto r = bench("tsa --url https://127.0.0.1:" + std::to_string(server_->tls_port()) + " --ca " + ca() +
                 " --connections 4 --seconds 1 --verify-every 20 --bound-key none --json");
  expect_clean_tsa_run(r, "https://127.0.0.1:");
  EXPECT_GT(r.j["verified"].get<std::uint64_t>(), 0u) << r.out;
  // The host name is checked too: "localhost" is in the certificate as well.
  r = bench("tsa --url https://localhost:" + std::to_string(server_->tls_port()) + "/tsa --ca " + ca() +
            " --connections 4 --threads 2 --seconds 0.3 --pipeline 2 --bound-key none --json");
  expect_clean_tsa_run(r, "https://localhost:");
  EXPECT_EQ(r.j["pipeline"], 2);
}

TEST_F(TsaBenchTest, HttpsRefusesACertificateThatDoesNotChainToCa) {
  fs::path other = *work_ / "other-ca.pem";
  ASSERT_EQ(run_command("openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj /CN=Other -days 2 -keyout " +
                        (*work_ / "other-ca.key").string() + " -out " + other.string()),
            0);
  std::string url = "https://127.0.0.1:" + std::to_string(server_->tls_port());
  auto r = bench("tsa --url " + url + " --ca " + other.string() + " --seconds 0.3 --bound-key none --json");
  EXPECT_NE(r.status, 0);
  // The server sends its CA with its certificate: OpenSSL names that CA as the one not trusted.
  EXPECT_NE(r.out.find("TLS handshake with 127.0.0.1:" + std::to_string(server_->tls_port()) +
                       ": the server certificate does not verify: self-signed certificate in certificate chain"),
            std::string::npos)
      << r.out;
  EXPECT_EQ(r.out.find("\"tokens\""), std::string::npos) << "no load after a failed check: " << r.out;
  r = bench("tsa --url " + url + " --ca " + (*work_ / "absent.pem").string() + " --seconds 0.3 --bound-key none");
  EXPECT_NE(r.status, 0);
  EXPECT_NE(r.out.find("absent.pem: no such file"), std::string::npos) << r.out;
  // --insecure skips the check; plain HTTP takes neither option.
  r = bench("tsa --url " + url + " --insecure --connections 1 --seconds 0.3 --bound-key none --json");
  expect_clean_tsa_run(r, "https://");
  r = bench("tsa --url http://127.0.0.1:" + std::to_string(server_->port()) + " --insecure --seconds 0.3 --bound-key none");
  EXPECT_NE(r.status, 0);
  EXPECT_NE(r.out.find("apply to https:// URLs only"), std::string::npos) << r.out;
}

TEST_F(TsaBenchTest, UdpLoadMatchesAnswersByNonceAndVerifiesWithTheUnitCertificate) {
  auto unit = server_->tsa().unit(server_->tsa().default_unit());
  ASSERT_TRUE(unit);
  fs::path cert = *work_ / "tsa-unit.pem";
  std::ofstream(cert) << unit->certificate.to_pem();
  auto r = bench("tsa --udp 127.0.0.1:" + std::to_string(server_->tsa_udp_port()) + " --tsa-cert " + cert.string() +
                 " --connections 4 --threads 2 --seconds 1 --verify-every 25 --bound-key none --json");
  expect_clean_tsa_run(r, "udp://127.0.0.1:");
  EXPECT_GT(r.j["verified"].get<std::uint64_t>(), 0u) << r.out;
}

TEST_F(TsaBenchTest, UdpCountsUnansweredDatagramsAfterTheTimeoutAndGoesOn) {
  // A bound UDP socket that never answers: every query times out.
  boost::asio::io_context ioc;
  boost::asio::ip::udp::socket silent(ioc, boost::asio::ip::udp::endpoint(boost::asio::ip::make_address("127.0.0.1"), 0));
  auto r = bench("tsa --udp 127.0.0.1:" + std::to_string(silent.local_endpoint().port()) +
                 " --connections 2 --seconds 0.5 --timeout-ms 200 --bound-key none --json");
  EXPECT_NE(r.status, 0);
  ASSERT_TRUE(r.j.is_object()) << r.out;
  EXPECT_EQ(r.j["tokens"], 0);
  EXPECT_GE(r.j["errors"].get<std::uint64_t>(), 4u) << r.out;  // 2 sockets x at least 2 timeouts of 200 ms in 0.5 s
  EXPECT_NE(r.j["first_error"].get<std::string>().find("no answer within 200 ms"), std::string::npos) << r.out;
}

TEST_F(TsaBenchTest, TcpLoadGivesUpOnASilentServerAfterTheTimeout) {
  // A listening socket whose connections are never served: the run ends timeout-ms after --seconds.
  boost::asio::io_context ioc;
  boost::asio::ip::tcp::acceptor silent(ioc, boost::asio::ip::tcp::endpoint(boost::asio::ip::make_address("127.0.0.1"), 0));
  auto t0 = std::chrono::steady_clock::now();
  auto r = bench("tsa --tcp 127.0.0.1:" + std::to_string(silent.local_endpoint().port()) +
                 " --connections 2 --seconds 0.3 --timeout-ms 300 --bound-key none --json");
  EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::seconds(5));
  EXPECT_NE(r.status, 0);
  ASSERT_TRUE(r.j.is_object()) << r.out;
  EXPECT_EQ(r.j["tokens"], 0);
  EXPECT_NE(r.j["first_error"].get<std::string>().find("2 connection(s) still without their answers 300 ms after the end"),
            std::string::npos)
      << r.out;
}

TEST_F(TsaBenchTest, PipelinedHttpAndTcpLoadsAnswerEveryRequest) {
  auto r = bench("tsa --url http://127.0.0.1:" + std::to_string(server_->port()) +
                 " --connections 2 --pipeline 8 --seconds 0.5 --verify-every 50 --bound-key none --json");
  expect_clean_tsa_run(r, "http://127.0.0.1:");
  EXPECT_EQ(r.j["pipeline"], 8);
  EXPECT_EQ(r.j["tokens"].get<std::uint64_t>() % 8, 0u) << r.out;  // whole batches only
  r = bench("tsa --tcp 127.0.0.1:" + std::to_string(server_->tsa_tcp_port()) +
            " --connections 2 --pipeline 4 --seconds 0.5 --verify-every 50 --bound-key none --json");
  expect_clean_tsa_run(r, "tcp://127.0.0.1:");
  EXPECT_GT(r.j["verified"].get<std::uint64_t>(), 0u) << r.out;
  r = bench("tsa --udp 127.0.0.1:" + std::to_string(server_->tsa_udp_port()) + " --pipeline 2 --seconds 0.3 --bound-key none");
  EXPECT_NE(r.status, 0);
  EXPECT_NE(r.out.find("not --udp"), std::string::npos) << r.out;
}

TEST_F(TsaBenchTest, SvsBinaryLoadRunsOnTheSharedDriverWithItsFields) {
  auto r = bench("svs --binary 127.0.0.1:" + std::to_string(server_->svs_tcp_port()) +
                 " --op verify --connections 2 --pipeline 2 --seconds 0.5 --bound-seconds 0 --json");
  ASSERT_EQ(r.status, 0) << r.out;
  ASSERT_TRUE(r.j.is_object()) << r.out;
  for (const char* f : {"target", "op", "key", "connections", "pipeline", "seconds", "requests", "requests_per_s", "errors",
                        "latency_ms", "first_error"})
    EXPECT_TRUE(r.j.contains(f)) << f;
  EXPECT_TRUE(r.j["target"].get<std::string>().starts_with("gmt0029://")) << r.out;
  EXPECT_GT(r.j["requests"].get<std::uint64_t>(), 0u) << r.out;
  EXPECT_EQ(r.j["errors"], 0) << r.j["first_error"];
  EXPECT_EQ(r.j["pipeline"], 2);
}

TEST_F(TsaBenchTest, SvsRestLoadRunsOnTheSharedDriverWithItsFields) {
  auto r = bench("svs --url http://127.0.0.1:" + std::to_string(server_->port()) + " --data " + server_->data_dir().string() +
                 " --op verify --connections 2 --pipeline 2 --seconds 0.5 --bound-seconds 0 --json");
  ASSERT_EQ(r.status, 0) << r.out;
  ASSERT_TRUE(r.j.is_object()) << r.out;
  EXPECT_TRUE(r.j["target"].get<std::string>().starts_with("http://")) << r.out;
  EXPECT_GT(r.j["requests"].get<std::uint64_t>(), 0u) << r.out;
  EXPECT_EQ(r.j["errors"], 0) << r.j["first_error"];
  EXPECT_GT(r.j["latency_ms"]["p99"].get<double>(), 0.0);
}

}  // namespace
}  // namespace medsign::test
