// The embedded CA over the API: operators only, every change audited, requests from `openssl req`, downloads
// in every format read by OpenSSL, revocation reflected at once in the CRL served at /crl/<ca>.crl.
#include <fstream>

#include <gtest/gtest.h>

#include "crypto/soft/keystore.h"
#include "harness.h"

namespace medsign::test {
namespace {
namespace fs = std::filesystem;

class CaApiTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    server_ = new TestServer();
    work_ = make_temp_dir("caapi");
    sys_ = new Client(server_->login("sysadmin"));
    auditadmin_ = new Client(server_->login("auditadmin"));
    op_ = new Client(server_->create_and_login(*sys_, "caop", "operator"));
    auditor_ = new Client(server_->create_and_login(*auditadmin_, "caaud", "auditor"));
  }
  static void TearDownTestSuite() {
    delete op_;
    delete auditor_;
    delete sys_;
    delete auditadmin_;
    delete server_;
    fs::remove_all(work_);
  }
  static int sh(const std::string& cmd, std::string* out = nullptr) {
    return run_command("cd " + work_.string() + " && " + cmd, out);
  }
  static void put(const std::string& name, std::string_view s) {
    ASSERT_TRUE(crypto::write_file_atomic(work_ / name, as_bytes(s), 0644).ok());
  }
  static std::string text(const std::string& name) {
    auto b = crypto::read_file(work_ / name).value();
    return std::string(b.begin(), b.end());
  }
  static std::size_t audit_count(const std::string& action, const std::string& result) {
    auto r = auditor_->get("/api/v1/audit?action=" + action + "&result=" + result);
    return r.j()["entries"].size();
  }
  static std::string base() { return "http://127.0.0.1:" + std::to_string(server_->port()); }
  static TestServer* server_;
  static fs::path work_;
  static Client *sys_, *auditadmin_, *op_, *auditor_;
};
TestServer* CaApiTest::server_;
fs::path CaApiTest::work_;
Client *CaApiTest::sys_, *CaApiTest::auditadmin_, *CaApiTest::op_, *CaApiTest::auditor_;

TEST_F(CaApiTest, OnlyOperatorsManageTheCaAndDenialsAreAudited) {
  EXPECT_EQ(auditor_->get("/api/v1/ca/authorities").status, 403);
  EXPECT_EQ(sys_->post("/api/v1/ca/authorities", {{"name", "x"}, {"subject", "CN=X"}}).status, 403);
  EXPECT_EQ(server_->client().get("/api/v1/ca/certificates").status, 401);
  EXPECT_GE(audit_count("access.denied", "denied"), 2u);
  auto bad = op_->post("/api/v1/ca/authorities", {{"name", "Bad Name"}, {"subject", "CN=X"}});
  EXPECT_EQ(bad.error_code(), "invalid_argument") << bad.body;
  EXPECT_EQ(op_->post("/api/v1/ca/authorities", {{"name", "y"}}).error_code(), "missing_field");
  EXPECT_GE(audit_count("ca.create", "failure"), 2u);
}

TEST_F(CaApiTest, IssueDownloadRevokeAndServeTheCrl) {
  auto root = op_->post("/api/v1/ca/authorities", {{"name", "api-root"},
                                                   {"subject", "C=CN, O=Hospital, CN=API Root"},
                                                   {"algorithm", "rsa-2048"},
                                                   {"crl_base_url", base()}});
  ASSERT_EQ(root.status, 201) << root.body;
  auto inter = op_->post("/api/v1/ca/authorities", {{"name", "api-issuing"},
                                                    {"parent", "api-root"},
                                                    {"subject", "C=CN, O=Hospital, CN=API Issuing"},
                                                    {"algorithm", "rsa-2048"},
                                                    {"crl_base_url", base()}});
  ASSERT_EQ(inter.status, 201) << inter.body;
  EXPECT_EQ(inter.j()["kind"], "intermediate");
  EXPECT_EQ(inter.j()["crl_url"], base() + "/crl/api-issuing.crl");
  EXPECT_EQ(op_->post("/api/v1/ca/authorities", {{"name", "api-root"}, {"subject", "CN=Again"}}).error_code(), "conflict");
  put("root.pem", root.j()["certificate"].get<std::string>());
  put("inter.pem", inter.j()["certificate"].get<std::string>());
  EXPECT_EQ(op_->get("/api/v1/ca/authorities").j()["authorities"].size(), 2u);

  std::string out;
  ASSERT_EQ(sh("openssl req -new -newkey rsa:2048 -nodes -keyout dev.key -subj '/C=CN/O=Hospital/CN=Infusion Pump 3' "
               "-out dev.csr 2>&1",
               &out),
            0);
  auto issued = op_->post("/api/v1/ca/authorities/api-issuing/certificates",
                          {{"profile", "device"}, {"csr", text("dev.csr")}, {"days", 30}});
  ASSERT_EQ(issued.status, 201) << issued.body;
  const std::string serial = issued.j()["serial"];
  put("dev.pem", issued.j()["certificate"].get<std::string>());
  EXPECT_EQ(sh("openssl verify -CAfile root.pem -untrusted inter.pem dev.pem", &out), 0) << out;
  EXPECT_EQ(audit_count("ca.issue", "success"), 1u);

  // A request whose signature is broken is refused.
  std::string csr = text("dev.csr");
  auto tampered = csr;
  tampered[tampered.size() / 2] = tampered[tampered.size() / 2] == 'A' ? 'B' : 'A';
  auto refused = op_->post("/api/v1/ca/authorities/api-issuing/certificates", {{"profile", "device"}, {"csr", tampered}});
  EXPECT_EQ(refused.status, 400) << refused.body;

  // Downloads.
  auto der = op_->get("/api/v1/ca/certificates/" + serial + "/download?format=der");
  ASSERT_EQ(der.status, 200);
  EXPECT_EQ(der.headers["Content-Type"], "application/pkix-cert");
  put("dev.cer", der.body);
  EXPECT_EQ(sh("openssl x509 -inform DER -in dev.cer -noout -subject", &out), 0) << out;
  auto p7b = op_->get("/api/v1/ca/certificates/" + serial + "/download?format=p7b");
  ASSERT_EQ(p7b.status, 200);
  put("dev.p7b", p7b.body);
  EXPECT_EQ(sh("openssl pkcs7 -inform DER -in dev.p7b -print_certs -noout", &out), 0) << out;
  EXPECT_NE(out.find("API Root"), std::string::npos) << out;
  auto one = op_->get("/api/v1/ca/certificates/" + serial);
  EXPECT_EQ(one.j()["status"], "valid");
  EXPECT_EQ(one.j()["profile"], "device");
  EXPECT_TRUE(one.j()["details"].contains("extensions"));
  EXPECT_EQ(op_->get("/api/v1/ca/certificates?ca=api-issuing&status=valid").j()["total"], 1);
  EXPECT_EQ(op_->get("/api/v1/ca/certificates?subject=Infusion").j()["total"], 1);
  // No key held for a certificate issued from a request.
  EXPECT_EQ(op_->post("/api/v1/ca/certificates/" + serial + "/pkcs12", {{"password", "12345678"}}).status, 404);

  // A key generated here: PKCS#12 readable by OpenSSL, audited.
  auto gen = op_->post("/api/v1/ca/authorities/api-issuing/certificates",
                       {{"profile", "personal-signing"},
                        {"generate_key", "rsa-2048"},
                        {"subject", "C=CN, CN=Li Hua"},
                        {"identity", {{"id_card_number", "110105194912310021"}, {"health_worker_id", "N-77"}}}});
  ASSERT_EQ(gen.status, 201) << gen.body;
  EXPECT_EQ(gen.j()["key_held"], true);
  const std::string gen_serial = gen.j()["serial"];
  auto p12 = op_->post("/api/v1/ca/certificates/" + gen_serial + "/pkcs12", {{"password", "correct horse"}});
  ASSERT_EQ(p12.status, 200) << p12.body;
  EXPECT_EQ(p12.body.find("PRIVATE KEY"), std::string::npos);
  put("li.p12", p12.body);
  EXPECT_EQ(sh("openssl pkcs12 -info -noout -in li.p12 -passin 'pass:correct horse'", &out), 0) << out;
  EXPECT_EQ(op_->post("/api/v1/ca/certificates/" + gen_serial + "/pkcs12", {{"password", "short"}}).status, 400);
  EXPECT_EQ(audit_count("ca.pkcs12_export", "success"), 1u);
  EXPECT_GE(audit_count("ca.pkcs12_export", "failure"), 2u);

  // The CRL at the distribution point named in the certificate (no session needed), before and after a revocation.
  auto crl = server_->client().get("/crl/api-issuing.crl");
  ASSERT_EQ(crl.status, 200) << crl.body;
  EXPECT_EQ(crl.headers["Content-Type"], "application/pkix-crl");
  put("before.crl", crl.body);
  EXPECT_EQ(sh("openssl crl -inform DER -in before.crl -CAfile inter.pem -noout -verify", &out), 0) << out;
  auto rev = op_->post("/api/v1/ca/certificates/" + serial + "/revoke", {{"reason", "keyCompromise"}});
  ASSERT_EQ(rev.status, 200) << rev.body;
  EXPECT_EQ(rev.j()["status"], "revoked");
  EXPECT_EQ(rev.j()["reason"], "keyCompromise");
  EXPECT_EQ(op_->post("/api/v1/ca/certificates/" + serial + "/revoke", {{"reason", "superseded"}}).error_code(), "conflict");
  EXPECT_EQ(op_->post("/api/v1/ca/certificates/" + gen_serial + "/revoke", {{"reason", "nonsense"}}).status, 400);
  crl = server_->client().get("/crl/api-issuing.crl");
  put("after.crl", crl.body);
  EXPECT_EQ(sh("openssl crl -inform DER -in after.crl -CAfile inter.pem -noout -verify", &out), 0) << out;
  EXPECT_EQ(sh("openssl crl -inform DER -in after.crl -out after.pem && cat root.pem inter.pem > bundle.pem && "
               "openssl verify -crl_check -CAfile bundle.pem -CRLfile after.pem dev.pem",
               &out),
            2)
      << out;
  EXPECT_NE(out.find("revoked"), std::string::npos) << out;
  auto published = op_->post("/api/v1/ca/authorities/api-issuing/crl", nlohmann::json::object());
  ASSERT_EQ(published.status, 200) << published.body;
  EXPECT_EQ(published.j()["entries"], 1);
  EXPECT_EQ(server_->client().get("/crl/nosuch.crl").status, 404);
  EXPECT_EQ(server_->client().get("/crl/api-issuing.pem").status, 404);
  EXPECT_EQ(audit_count("ca.revoke", "success"), 1u);
  EXPECT_GE(audit_count("ca.crl_publish", "success"), 4u);  // two creations, the revocation, the explicit one
}

TEST_F(CaApiTest, Sm2CertificatesCarryIdentityExtensions) {
  auto root = op_->post("/api/v1/ca/authorities", {{"name", "sm2-api"}, {"subject", "C=CN, O=医院, CN=SM2 API Root"}});
  ASSERT_EQ(root.status, 201) << root.body;
  put("sm2root.pem", root.j()["certificate"].get<std::string>());
  std::string out;
  ASSERT_EQ(sh("openssl genpkey -algorithm SM2 -out n.key && openssl req -new -key n.key -sm3 -sigopt "
               "distid:1234567812345678 -subj '/C=CN/CN=Nurse Wang' -out n.csr 2>&1",
               &out),
            0)
      << out;
  auto issued = op_->post("/api/v1/ca/authorities/sm2-api/certificates",
                          {{"profile", "personal-encryption"},
                           {"csr", text("n.csr")},
                           {"identity", {{"passport_number", "E12345678"}}}});
  ASSERT_EQ(issued.status, 201) << issued.body;
  put("n.pem", issued.j()["certificate"].get<std::string>());
  EXPECT_EQ(sh("openssl verify -vfyopt distid:1234567812345678 -CAfile sm2root.pem n.pem", &out), 0) << out;
  auto one = op_->get("/api/v1/ca/certificates/" + issued.j()["serial"].get<std::string>());
  EXPECT_NE(one.j()["details"].dump().find("E12345678"), std::string::npos) << one.body;
  // ECDSA keys are refused for encryption certificates.
  ASSERT_EQ(sh("openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout e.key -subj /CN=E -out e.csr "
               "2>&1",
               &out),
            0);
  auto ec = op_->post("/api/v1/ca/authorities/sm2-api/certificates", {{"profile", "personal-encryption"}, {"csr", text("e.csr")}});
  EXPECT_EQ(ec.error_code(), "invalid_argument") << ec.body;
}

}  // namespace
}  // namespace medsign::test
