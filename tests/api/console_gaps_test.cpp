// Routes added for the console's remaining gaps: a key-store key's certificate chain (GET
// /api/v1/keys/{name}/certificate), checked with the OpenSSL CLI as the independent party, and every
// service of the node and revocation-data warnings in /api/v1/system/status.
#include <cctype>
#include <fstream>

#include <gtest/gtest.h>

#include "harness.h"

namespace medsign::test {
namespace {
namespace fs = std::filesystem;

class ConsoleGapsTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    server_ = new TestServer();
    work_ = make_temp_dir("cgaps");
    sys_ = new Client(server_->login("sysadmin"));
    auditadmin_ = new Client(server_->login("auditadmin"));
    op_ = new Client(server_->create_and_login(*sys_, "gapsop", "operator"));
    auditor_ = new Client(server_->create_and_login(*auditadmin_, "gapsaud", "auditor"));
  }
  static void TearDownTestSuite() {
    delete op_;
    delete auditor_;
    delete sys_;
    delete auditadmin_;
    delete server_;
    fs::remove_all(work_);
  }
  static void put(const std::string& name, const std::string& s) { std::ofstream(work_ / name, std::ios::binary) << s; }
  static int sh(const std::string& cmd, std::string* out = nullptr) {
    return run_command("cd " + work_.string() + " && " + cmd, out);
  }

  static inline TestServer* server_ = nullptr;
  static inline fs::path work_;
  static inline Client* sys_ = nullptr;
  static inline Client* auditadmin_ = nullptr;
  static inline Client* op_ = nullptr;
  static inline Client* auditor_ = nullptr;
};

TEST_F(ConsoleGapsTest, KeyCertificateChainIsCompleteAndVerifiesWithOpenssl) {
  auto keys = op_->get("/api/v1/keys");
  ASSERT_EQ(keys.status, 200) << keys.body;
  std::string fingerprint;
  const auto listed = keys.j();
  for (const auto& k : listed["keys"]) {
    if (k["name"] == "rsa-sign") fingerprint = k["certificate"]["sha256"];
  }
  ASSERT_FALSE(fingerprint.empty()) << keys.body;

  auto r = op_->get("/api/v1/keys/rsa-sign/certificate");
  ASSERT_EQ(r.status, 200) << r.body;
  auto j = r.j();
  EXPECT_EQ(j["name"], "rsa-sign");
  EXPECT_TRUE(j["complete"].get<bool>());
  const auto& chain = j["chain"];
  ASSERT_GE(chain.size(), 2u) << r.body;
  EXPECT_EQ(chain[0]["details"]["fingerprints"]["sha256"], fingerprint);
  EXPECT_TRUE(chain.back()["details"]["self_issued"].get<bool>());
  for (size_t i = 0; i + 1 < chain.size(); ++i) {
    EXPECT_EQ(chain[i]["details"]["issuer"]["dn"], chain[i + 1]["details"]["subject"]["dn"]) << i;
  }

  put("leaf.pem", chain[0]["pem"].get<std::string>());
  std::string cas;
  for (size_t i = 1; i < chain.size(); ++i) cas += chain[i]["pem"].get<std::string>();
  put("cas.pem", cas);
  std::string out;
  EXPECT_EQ(sh("openssl verify -CAfile cas.pem leaf.pem 2>&1", &out), 0) << out;
  EXPECT_NE(out.find("leaf.pem: OK"), std::string::npos) << out;
  EXPECT_EQ(sh("openssl x509 -in leaf.pem -noout -fingerprint -sha256 2>&1", &out), 0) << out;
  std::string hex;
  for (char c : out.substr(out.find('=') + 1)) {
    if (std::isxdigit(static_cast<unsigned char>(c))) hex += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  EXPECT_EQ(hex, fingerprint);
  EXPECT_EQ(r.body.find("PRIVATE KEY"), std::string::npos);
}

TEST_F(ConsoleGapsTest, KeyCertificateIsForOperatorsOnlyAndUnknownKeysAreNotFound) {
  EXPECT_EQ(auditor_->get("/api/v1/keys/rsa-sign/certificate").status, 403);
  EXPECT_EQ(sys_->get("/api/v1/keys/rsa-sign/certificate").status, 403);
  EXPECT_EQ(server_->client().get("/api/v1/keys/rsa-sign/certificate").status, 401);
  auto missing = op_->get("/api/v1/keys/no-such-key/certificate");
  EXPECT_EQ(missing.status, 404) << missing.body;
  EXPECT_EQ(missing.error_code(), "not_found");
}

TEST_F(ConsoleGapsTest, SystemStatusListsEveryServiceOfTheNode) {
  auto r = sys_->get("/api/v1/system/status");
  ASSERT_EQ(r.status, 200) << r.body;
  const auto services = r.j()["services"];
  for (const char* s : {"http", "https", "tsa", "svs", "sntp"}) {
    ASSERT_TRUE(services.contains(s)) << s << " " << r.body;
    const std::string state = services[s];
    EXPECT_TRUE(state == "up" || state == "off") << s << "=" << state;
  }
  EXPECT_EQ(services["tsa"], "up");
  EXPECT_EQ(services["svs"], "up");
}

TEST_F(ConsoleGapsTest, SystemStatusWarnsOfAFailedCrlFetch) {
  // A CA made with OpenSSL, trusted, with a CRL source nobody answers at.
  std::string out;
  ASSERT_EQ(sh("openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout ca.key -out ca.pem "
               "-days 30 -subj '/CN=Gaps Test CA' -addext basicConstraints=critical,CA:true "
               "-addext keyUsage=critical,keyCertSign,cRLSign 2>&1",
               &out),
            0)
      << out;
  std::ifstream in(work_ / "ca.pem");
  std::string pem((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  auto added = op_->post("/api/v1/pki/anchors", {{"certificate", pem}});
  ASSERT_EQ(added.status, 201) << added.body;
  const std::string fp = added.j()["items"][0]["fingerprint"];
  const std::string url = "http://127.0.0.1:9/gaps-test.crl";
  auto src = op_->post("/api/v1/pki/crl-sources", {{"ca_fingerprint", fp}, {"url", url}, {"timeout_ms", 500}});
  ASSERT_EQ(src.status, 201) << src.body;
  const auto id = src.j()["id"].get<std::int64_t>();

  auto before = sys_->get("/api/v1/system/status");
  ASSERT_EQ(before.status, 200);
  EXPECT_EQ(before.body.find("crl_fetch_failed"), std::string::npos) << "not fetched yet";

  auto fetched = op_->post("/api/v1/pki/crl-sources/" + std::to_string(id) + "/fetch", json::object());
  EXPECT_GE(fetched.status, 400) << fetched.body;
  auto r = sys_->get("/api/v1/system/status");
  ASSERT_EQ(r.status, 200) << r.body;
  bool found = false;
  const auto status = r.j();
  for (const auto& w : status["warnings"]) {
    if (w["kind"] == "crl_fetch_failed" && w["key"] == url) {
      found = true;
      EXPECT_FALSE(w["detail"].get<std::string>().empty()) << w.dump();
    }
  }
  EXPECT_TRUE(found) << r.body;
}

}  // namespace
}  // namespace medsign::test
