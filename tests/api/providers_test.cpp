// Crypto providers in the running server: /api/v1/providers against a server configured ([providers]) with
// libmedsign-softsdf.so as the SDF device and a SoftHSM2 token as the PKCS#11 module; public keys checked
// with `openssl pkey -pubin`; TSA units whose key is inside a provider issue tokens that our verifier and
// `openssl ts -verify` accept.
#include <fstream>

#include <gtest/gtest.h>

#include "crypto/soft/keystore.h"
#include "harness.h"
#include "services/providers.h"
#include "services/tsa_admin.h"
#include "tsp/timestamp_issuer.h"

namespace medsign::test {
namespace {
namespace fs = std::filesystem;

const std::string kSoftsdf =
    (fs::path(MEDSIGN_BINARY).parent_path().parent_path() / "lib" / "libmedsign-softsdf.so").string();
constexpr const char* kSoftHsm = "/usr/lib/softhsm/libsofthsm2.so";
constexpr const char* kPin = "135790";

class ProvidersTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    work_ = make_temp_dir("providers");
    std::ofstream(work_ / "record.txt") << "ward 7 medication chart 2026-11-28\n";
    hsm_ = fs::exists(kSoftHsm) && run_command("command -v softhsm2-util") == 0;
    if (hsm_) {
      fs::create_directories(work_ / "tokens");
      std::ofstream(work_ / "softhsm2.conf") << "directories.tokendir = " << (work_ / "tokens").string()
                                             << "\nobjectstore.backend = file\nlog.level = ERROR\n";
      ::setenv("SOFTHSM2_CONF", (work_ / "softhsm2.conf").c_str(), 1);
      std::string out;
      hsm_ = run_command(std::string("softhsm2-util --init-token --free --label medsign-api --pin ") + kPin +
                             " --so-pin 24681357",
                         &out) == 0;
      EXPECT_TRUE(hsm_) << out;
      ::setenv("MEDSIGN_PROVIDERS_PKCS11_MODULE", kSoftHsm, 1);
      ::setenv("MEDSIGN_PROVIDERS_PKCS11_TOKEN", "medsign-api", 1);
      ::setenv("MEDSIGN_PROVIDERS_PKCS11_PIN_FILE", (work_ / "pin").c_str(), 1);
      std::ofstream(work_ / "pin") << "000000\n";  // wrong at first: the status must say so
    }
    ::setenv("MEDSIGN_SOFTSDF_DIR", (work_ / "card").c_str(), 1);
    ::setenv("MEDSIGN_PROVIDERS_SDF_LIBRARY", kSoftsdf.c_str(), 1);
    server_ = new TestServer();
    for (const char* v : {"MEDSIGN_PROVIDERS_SDF_LIBRARY", "MEDSIGN_PROVIDERS_PKCS11_MODULE", "MEDSIGN_PROVIDERS_PKCS11_TOKEN",
                          "MEDSIGN_PROVIDERS_PKCS11_PIN_FILE"})
      ::unsetenv(v);
    sys_ = new Client(server_->login("sysadmin"));
    auditadmin_ = new Client(server_->login("auditadmin"));
    op_ = new Client(server_->create_and_login(*sys_, "keyop", "operator"));
    auditor_ = new Client(server_->create_and_login(*auditadmin_, "keyaud", "auditor"));
  }
  static void TearDownTestSuite() {
    delete op_;
    delete auditor_;
    delete sys_;
    delete auditadmin_;
    delete server_;
    ::unsetenv("MEDSIGN_SOFTSDF_DIR");
    std::error_code ec;
    fs::remove_all(work_, ec);
  }
  static int sh(const std::string& cmd, std::string* out = nullptr) {
    return run_command("cd " + work_.string() + " && " + cmd, out);
  }
  static void put(const std::string& name, std::string_view s) {
    ASSERT_TRUE(crypto::write_file_atomic(work_ / name, as_bytes(s), 0644).ok());
  }
  static json provider(const std::string& name) {
    auto r = op_->get("/api/v1/providers");
    EXPECT_EQ(r.status, 200) << r.body;
    json all = r.j();
    for (auto& p : all["providers"])
      if (p["name"] == name) return p;
    return json();
  }
  // Stamps record.txt at path; checks the reply with our verifier and returns the verified TSTInfo.
  static std::optional<tsp::TstInfo> stamp(const std::string& path, const std::string& hash) {
    EXPECT_EQ(sh("openssl ts -query -data record.txt " + hash + " -cert -out q.tsq"), 0);
    auto q = crypto::read_file(work_ / "q.tsq").value();
    auto r = server_->client().request(http::verb::post, path, std::string(q.begin(), q.end()),
                                       "application/timestamp-query");
    EXPECT_EQ(r.status, 200) << r.body;
    put("r.tsr", r.body);
    auto resp = tsp::parse_response(as_bytes(r.body));
    if (!resp || !resp->token) return std::nullopt;
    auto v = tsp::verify_token(*resp->token);
    EXPECT_TRUE(v.ok()) << (v ? "" : v.error().to_string());
    if (!v) return std::nullopt;
    return v->tst;
  }
  static std::size_t audit_count(const std::string& action, const std::string& result) {
    auto r = auditor_->get("/api/v1/audit?action=" + action + "&result=" + result + "&page_size=200");
    return r.j()["entries"].size();
  }
  static std::string ca() { return (server_->data_dir() / "keys" / "dev-ca.pem").string(); }

  static TestServer* server_;
  static fs::path work_;
  static bool hsm_;
  static Client *sys_, *auditadmin_, *op_, *auditor_;
};
TestServer* ProvidersTest::server_ = nullptr;
fs::path ProvidersTest::work_;
bool ProvidersTest::hsm_ = false;
Client *ProvidersTest::sys_, *ProvidersTest::auditadmin_, *ProvidersTest::op_, *ProvidersTest::auditor_;

TEST_F(ProvidersTest, ListsConfiguredProvidersWithStatusAndTheSpecificError) {
  auto r = op_->get("/api/v1/providers");
  ASSERT_EQ(r.status, 200) << r.body;
  json list = r.j()["providers"];
  ASSERT_EQ(list.size(), hsm_ ? 3u : 2u) << r.body;
  EXPECT_EQ(list[0]["name"], "soft");
  EXPECT_TRUE(list[0]["reachable"].get<bool>());
  EXPECT_EQ(list[1]["name"], "sdf");
  EXPECT_EQ(list[1]["library"], kSoftsdf);
  EXPECT_TRUE(list[1]["reachable"].get<bool>()) << r.body;
  EXPECT_FALSE(list[1]["labels"].get<bool>());
  if (hsm_) {
    // The PIN file holds a wrong PIN: listed, unreachable, with the token's own error; fixed without a restart.
    auto p = list[2];
    EXPECT_EQ(p["name"], "pkcs11");
    EXPECT_EQ(p["token"], "medsign-api");
    EXPECT_FALSE(p["reachable"].get<bool>());
    EXPECT_EQ(p["error"]["code"], "key_password_wrong") << p.dump();
    EXPECT_NE(p["error"]["message"].get<std::string>().find("CKR_PIN_INCORRECT"), std::string::npos) << p.dump();
    EXPECT_EQ(op_->get("/api/v1/providers/pkcs11/keys").error_code(), "key_password_wrong");
    std::ofstream(work_ / "pin") << kPin << "\n";
    auto fixed = provider("pkcs11");
    EXPECT_TRUE(fixed["reachable"].get<bool>()) << fixed.dump();
    EXPECT_TRUE(fixed["error"].is_null());
  }
  // Operators only; not logged in is 401.
  EXPECT_EQ(auditor_->get("/api/v1/providers").status, 403);
  EXPECT_EQ(server_->client().get("/api/v1/providers").status, 401);
}

TEST_F(ProvidersTest, GeneratesKeysInEachProviderAndExportsPublicKeysOpensslReads) {
  struct Case {
    std::string provider;
    json body;
    std::string openssl_says;  // in `openssl pkey -pubin -text`
  };
  std::vector<Case> cases = {
      {"soft", {{"algorithm", "sm2"}, {"label", "ward-7"}, {"password", "soft-pass-1"}}, "SM2"},
      {"soft", {{"algorithm", "ecdsa-p384"}, {"index", 9}}, "secp384r1"},
      {"sdf", {{"algorithm", "sm2"}, {"index", 5}, {"password", "card-pass-1"}}, "SM2"},
      {"sdf", {{"algorithm", "rsa-2048"}}, "(2048 bit)"},
  };
  if (hsm_) {
    std::ofstream(work_ / "pin") << kPin << "\n";
    cases.push_back({"pkcs11", {{"algorithm", "ecdsa-p256"}, {"label", "lab-signing"}}, "prime256v1"});
    cases.push_back({"pkcs11", {{"algorithm", "rsa-3072"}, {"index", 7}}, "(3072 bit)"});
  }
  std::size_t before = audit_count("provider.key_generate", "success");
  for (auto& c : cases) {
    auto r = op_->post("/api/v1/providers/" + c.provider + "/keys", c.body);
    ASSERT_EQ(r.status, 201) << c.provider << " " << c.body.dump() << " " << r.body;
    EXPECT_EQ(r.body.find("pass-1"), std::string::npos);  // never echoed
    auto k = r.j();
    EXPECT_EQ(k["algorithm"], c.body["algorithm"]);
    // pkcs11: the token PIN protects every key; sdf: GM/T 0018 cannot tell.
    if (c.provider == "soft") {
      EXPECT_EQ(k["has_password"].get<bool>(), c.body.contains("password"));
    }
    if (c.body.contains("index")) {
      EXPECT_EQ(k["index"], c.body["index"]);
    }
    if (c.body.contains("label")) {
      EXPECT_EQ(k["label"], c.body["label"]);
    }
    int index = k["index"];

    auto list = op_->get("/api/v1/providers/" + c.provider + "/keys");
    ASSERT_EQ(list.status, 200) << list.body;
    bool listed = false;
    json keys = list.j()["keys"];
    for (auto& e : keys) listed = listed || (e["index"] == index && e["algorithm"] == c.body["algorithm"]);
    EXPECT_TRUE(listed) << list.body;

    auto pub = op_->get("/api/v1/providers/" + c.provider + "/keys/" + std::to_string(index) + "/public-key");
    ASSERT_EQ(pub.status, 200) << pub.body;
    EXPECT_EQ(pub.headers["Content-Type"], "application/x-pem-file");
    EXPECT_EQ(pub.body.rfind("-----BEGIN PUBLIC KEY-----", 0), 0u) << pub.body;
    put("pub.pem", pub.body);
    std::string out;
    ASSERT_EQ(sh("openssl pkey -pubin -in pub.pem -noout -text", &out), 0) << out;
    EXPECT_NE(out.find(c.openssl_says), std::string::npos) << c.provider << " " << out;
  }
  EXPECT_EQ(audit_count("provider.key_generate", "success"), before + cases.size());
  auto status = provider("sdf");
  EXPECT_GE(status["key_count"].get<int>(), 2);
}

TEST_F(ProvidersTest, RefusesWithSpecificErrorsAndAuditsFailures) {
  std::size_t failures = audit_count("provider.key_generate", "failure");
  auto gen = [](const std::string& p, const json& b) { return op_->post("/api/v1/providers/" + p + "/keys", b); };
  EXPECT_EQ(gen("hsm9", {{"algorithm", "sm2"}}).error_code(), "not_found");
  EXPECT_EQ(gen("soft", {{"algorithm", "dsa-1024"}}).error_code(), "invalid_argument");
  EXPECT_EQ(gen("soft", json::object()).error_code(), "missing_field");
  EXPECT_EQ(gen("soft", {{"algorithm", "sm2"}, {"index", 70000}}).status, 400);
  EXPECT_EQ(gen("sdf", {{"algorithm", "ecdsa-p256"}}).error_code(), "algorithm_unsupported");
  EXPECT_EQ(gen("sdf", {{"algorithm", "sm2"}, {"label", "no-labels-in-sdf"}}).error_code(), "invalid_argument");
  ASSERT_EQ(gen("soft", {{"algorithm", "sm2"}, {"index", 30}}).status, 201);
  EXPECT_EQ(gen("soft", {{"algorithm", "sm2"}, {"index", 30}}).error_code(), "conflict");
  if (hsm_) {
    std::ofstream(work_ / "pin") << kPin << "\n";
    EXPECT_EQ(gen("pkcs11", {{"algorithm", "sm2"}}).error_code(), "algorithm_unsupported");
    EXPECT_EQ(gen("pkcs11", {{"algorithm", "rsa-2048"}, {"password", "x"}}).error_code(), "invalid_argument");
  }
  EXPECT_EQ(audit_count("provider.key_generate", "failure"), failures + (hsm_ ? 9u : 7u));
  // The failure rows name the reason but never a password.
  auto rows = auditor_->get("/api/v1/audit?action=provider.key_generate&result=failure&page_size=200");
  EXPECT_NE(rows.body.find("algorithm_unsupported"), std::string::npos);

  EXPECT_EQ(op_->get("/api/v1/providers/soft/keys/abc/public-key").error_code(), "invalid_argument");
  EXPECT_EQ(op_->get("/api/v1/providers/soft/keys/0/public-key").error_code(), "invalid_argument");
  EXPECT_EQ(op_->get("/api/v1/providers/soft/keys/999/public-key").error_code(), "key_not_found");
  auto sdf_missing = op_->get("/api/v1/providers/sdf/keys/63/public-key");
  EXPECT_EQ(sdf_missing.status, 404) << sdf_missing.body;
  EXPECT_NE(sdf_missing.body.find("SDR_KEYNOTEXIST"), std::string::npos) << sdf_missing.body;
  EXPECT_EQ(op_->get("/api/v1/providers/hsm9/keys").error_code(), "not_found");
  // Generation needs an operator.
  EXPECT_EQ(auditor_->post("/api/v1/providers/soft/keys", {{"algorithm", "sm2"}}).status, 403);

  // A wrong access password is refused when a TSA unit takes an existing protected key (soft and sdf).
  auto k = gen("soft", {{"algorithm", "sm2"}, {"password", "right-one"}});
  ASSERT_EQ(k.status, 201);
  auto wrong = op_->post("/api/v1/tsa/units", {{"name", "wrongpw"}, {"algorithm", "sm2"}, {"provider", "soft"},
                                                {"index", k.j()["index"]}, {"existing", true}, {"password", "wrong-one"}});
  EXPECT_EQ(wrong.error_code(), "key_password_wrong") << wrong.body;
  auto c = gen("sdf", {{"algorithm", "sm2"}, {"index", 11}, {"password", "card-right"}});
  ASSERT_EQ(c.status, 201) << c.body;
  wrong = op_->post("/api/v1/tsa/units", {{"name", "wrongpw"}, {"algorithm", "sm2"}, {"provider", "sdf"}, {"index", 11},
                                           {"existing", true}, {"password", "card-wrong"}});
  EXPECT_EQ(wrong.error_code(), "key_password_wrong") << wrong.body;
  EXPECT_NE(wrong.body.find("SDR_PRKRERR"), std::string::npos) << wrong.body;
  EXPECT_FALSE(fs::exists(server_->data_dir() / "keys" / "tsa-wrongpw.ref"));
  EXPECT_FALSE(fs::exists(server_->data_dir() / "keys" / "tsa-wrongpw.pem"));
}

TEST_F(ProvidersTest, TsaUnitWithItsKeyInSdfIssuesTokensOurVerifierAndOpensslAccept) {
  // SM2 inside the SDF device: our verifier.
  auto r = op_->post("/api/v1/tsa/units",
                     {{"name", "card-sm2"}, {"algorithm", "sm2"}, {"provider", "sdf"}, {"password", "unit-pass-7"}});
  ASSERT_EQ(r.status, 201) << r.body;
  EXPECT_EQ(r.j()["provider"], "sdf");
  EXPECT_EQ(r.body.find("unit-pass-7"), std::string::npos);
  // The reference is sealed: neither the password nor the provider name is readable on disk.
  auto ref = crypto::read_file(server_->data_dir() / "keys" / "tsa-card-sm2.ref").value();
  std::string ref_text(ref.begin(), ref.end());
  EXPECT_EQ(ref_text.find("unit-pass-7"), std::string::npos);
  EXPECT_EQ(ref_text.find("sdf"), std::string::npos);
  EXPECT_FALSE(fs::exists(server_->data_dir() / "keys" / "tsa-card-sm2.key"));
  for (int i = 0; i < 3; ++i) {  // one session, reused
    auto tst = stamp("/tsa/card-sm2", "-sm3");
    ASSERT_TRUE(tst.has_value());
  }
  // The token's signer is the unit's certificate, whose key is the device's key.
  int index = r.j()["index"];
  auto pub = op_->get("/api/v1/providers/sdf/keys/" + std::to_string(index) + "/public-key");
  ASSERT_EQ(pub.status, 200);
  auto cert = pki::Certificate::parse_pem(r.j()["certificate"]["pem"].get<std::string>()).value().front();
  put("unit.pem", cert.to_pem());
  std::string out, out2;
  ASSERT_EQ(sh("openssl x509 -in unit.pem -noout -pubkey", &out), 0);
  EXPECT_EQ(out, pub.body);

  // RSA inside the SDF device: openssl ts -verify; its CSR is signed by the device and verifies.
  r = op_->post("/api/v1/tsa/units", {{"name", "card-rsa"}, {"algorithm", "rsa"}, {"provider", "sdf"}});
  ASSERT_EQ(r.status, 201) << r.body;
  ASSERT_TRUE(stamp("/tsa/card-rsa", "-sha256").has_value());
  ASSERT_EQ(sh("openssl ts -verify -queryfile q.tsq -in r.tsr -CAfile " + ca(), &out), 0) << out;
  auto csr = op_->get("/api/v1/tsa/units/card-rsa/csr");
  ASSERT_EQ(csr.status, 200) << csr.body;
  put("card-rsa.csr", csr.body);
  ASSERT_EQ(sh("openssl req -in card-rsa.csr -verify -noout", &out), 0) << out;
  // Certificate import checks the key against the device's public key.
  std::string rsa_cert = r.j()["certificate"]["pem"];
  auto imp = op_->put("/api/v1/tsa/units/card-rsa/certificate", {{"certificate", rsa_cert}});
  EXPECT_EQ(imp.status, 200) << imp.body;
  imp = op_->put("/api/v1/tsa/units/card-sm2/certificate", {{"certificate", rsa_cert}});
  EXPECT_EQ(imp.error_code(), "invalid_argument");
  EXPECT_NE(imp.body.find("not for the key"), std::string::npos) << imp.body;

  if (hsm_) {
    // ECDSA on the PKCS#11 token: openssl ts -verify, CSR verifies.
    std::ofstream(work_ / "pin") << kPin << "\n";
    r = op_->post("/api/v1/tsa/units", {{"name", "hsm-ec"}, {"algorithm", "ecdsa"}, {"provider", "pkcs11"}});
    ASSERT_EQ(r.status, 201) << r.body;
    ASSERT_TRUE(stamp("/tsa/hsm-ec", "-sha256").has_value());
    ASSERT_EQ(sh("openssl ts -verify -queryfile q.tsq -in r.tsr -CAfile " + ca(), &out), 0) << out;
    csr = op_->get("/api/v1/tsa/units/hsm-ec/csr");
    ASSERT_EQ(csr.status, 200) << csr.body;
    put("hsm-ec.csr", csr.body);
    ASSERT_EQ(sh("openssl req -in hsm-ec.csr -verify -noout", &out), 0) << out;
  }
  auto units = op_->get("/api/v1/tsa/units");
  EXPECT_NE(units.body.find("card-sm2"), std::string::npos);
  EXPECT_GE(audit_count("tsa.key_generate", "success"), hsm_ ? 3u : 2u);

  // After a restart: a fresh TsaService on the same data dir signs through the providers once they are set.
  auto& p = server_->platform();
  auto tsa = services::TsaService::open(p.cfg.tsa, p.keys, *p.db, [] { return std::optional<std::string>(); }).value();
  EXPECT_EQ(tsa->issue("card-sm2", {}, "test").error().code, Errc::unavailable);
  ::setenv("MEDSIGN_SOFTSDF_DIR", (work_ / "card").c_str(), 1);
  tsa->set_providers(std::make_shared<services::ProviderService>(p.cfg, nullptr));
  ASSERT_TRUE(tsa->reload(p.keys).ok());
  ASSERT_EQ(sh("openssl ts -query -data record.txt -sm3 -cert -out q2.tsq"), 0);
  auto q = crypto::read_file(work_ / "q2.tsq").value();
  auto issued = tsa->issue("card-sm2", q, "test");
  ASSERT_TRUE(issued.ok()) << issued.error().to_string();
  EXPECT_TRUE(issued->granted);
  auto resp = tsp::parse_response(issued->response).value();
  ASSERT_TRUE(resp.token.has_value());
  EXPECT_TRUE(tsp::verify_token(*resp.token).ok());
}

}  // namespace
}  // namespace medsign::test
