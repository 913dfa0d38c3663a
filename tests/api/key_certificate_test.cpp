// Certificates of key-store keys over the API: PKCS#10 export checked by OpenSSL, import of a certificate
// issued by a CA outside MedSign (OpenSSL) and by the embedded CA, the refusals with their specific
// messages, the signing service using the new certificate without a restart, audit records, and the expiry
// summary of the dashboard.
#include <fstream>

#include <gtest/gtest.h>

#include "crypto/soft/keystore.h"
#include "harness.h"

namespace medsign::test {
namespace {
namespace fs = std::filesystem;

class KeyCertificateTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    server_ = new TestServer();
    work_ = make_temp_dir("keycert");
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
    fs::remove_all(work_);
  }
  static int sh(const std::string& cmd, std::string* out = nullptr) {
    return run_command("cd " + work_.string() + " && " + cmd, out);
  }
  static std::string text(const std::string& name) {
    auto b = crypto::read_file(work_ / name).value();
    return std::string(b.begin(), b.end());
  }
  static void put(const std::string& name, std::string_view s) {
    ASSERT_TRUE(crypto::write_file_atomic(work_ / name, as_bytes(s), 0644).ok());
  }
  static std::size_t audit_count(const std::string& action, const std::string& result) {
    auto r = auditor_->get("/api/v1/audit?action=" + action + "&result=" + result);
    return r.j()["entries"].size();
  }
  static Response import_cert(const std::string& key, const std::string& pem) {
    return op_->request(http::verb::put, "/api/v1/keys/" + key + "/certificate", pem, "application/x-pem-file");
  }
  // SHA-256 (hex) of the SubjectPublicKeyInfo of a PEM certificate, by OpenSSL.
  static std::string spki_sha256(const std::string& cert_file) {
    std::string out;
    EXPECT_EQ(sh("openssl x509 -in " + cert_file + " -pubkey -noout | openssl pkey -pubin -outform DER | "
                 "openssl dgst -sha256 -r | cut -d' ' -f1",
                 &out),
              0);
    while (!out.empty() && (out.back() == '\n' || out.back() == ' ')) out.pop_back();
    return out;
  }
  static TestServer* server_;
  static fs::path work_;
  static Client *sys_, *auditadmin_, *op_, *auditor_;
};
TestServer* KeyCertificateTest::server_ = nullptr;
fs::path KeyCertificateTest::work_;
Client *KeyCertificateTest::sys_, *KeyCertificateTest::auditadmin_, *KeyCertificateTest::op_, *KeyCertificateTest::auditor_;

TEST_F(KeyCertificateTest, HospitalCaCertificateReplacesTheSigningKeysAndTheServiceUsesIt) {
  auto csr = op_->get("/api/v1/keys/rsa-sign/csr");
  ASSERT_EQ(csr.status, 200) << csr.body;
  EXPECT_EQ(csr.headers["Content-Type"], "application/pkcs10");
  put("rsa-sign.csr", csr.body);
  std::string out;
  ASSERT_EQ(sh("openssl req -in rsa-sign.csr -verify -noout -subject", &out), 0) << out;
  EXPECT_NE(out.find("MedSign signing rsa-sign"), std::string::npos) << out;  // the current certificate's subject
  put("rsa-enc.csr", op_->get("/api/v1/keys/rsa-enc/csr").body);
  auto sm2csr = op_->get("/api/v1/keys/sm2-sign/csr");
  put("sm2-sign.csr", sm2csr.body);
  EXPECT_EQ(sh("openssl req -in sm2-sign.csr -verify -noout -vfyopt distid:1234567812345678", &out), 0) << out;
  EXPECT_EQ(op_->get("/api/v1/keys/no-such-key/csr").error_code(), "key_not_found");
  EXPECT_EQ(auditor_->get("/api/v1/keys/rsa-sign/csr").status, 403);
  EXPECT_GE(audit_count("key.csr_export", "success"), 3u);

  ASSERT_EQ(sh("openssl ecparam -name prime256v1 -genkey -noout -out hca.key && "
               "openssl req -x509 -new -key hca.key -subj '/CN=Hospital Signing CA' -days 30 "
               "-addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign,cRLSign -out hca.pem && "
               "openssl ecparam -name prime256v1 -genkey -noout -out other.key && "
               "openssl req -x509 -new -key other.key -subj '/CN=Other CA' -days 30 "
               "-addext basicConstraints=critical,CA:TRUE -out other-ca.pem && "
               "echo 'keyUsage=critical,digitalSignature,nonRepudiation' > sign.ext && "
               "echo 'keyUsage=critical,keyEncipherment' > enc.ext && "
               "openssl x509 -req -in rsa-sign.csr -CA hca.pem -CAkey hca.key -CAcreateserial -days 20 -extfile sign.ext -out leaf.pem && "
               "openssl x509 -req -in rsa-sign.csr -CA hca.pem -CAkey hca.key -CAcreateserial -days -1 -extfile sign.ext -out expired.pem && "
               "openssl x509 -req -in rsa-sign.csr -CA hca.pem -CAkey hca.key -CAcreateserial -days 20 -extfile enc.ext -out encipher.pem && "
               "openssl x509 -req -in rsa-enc.csr -CA hca.pem -CAkey hca.key -CAcreateserial -days 20 -extfile sign.ext -out enc-key.pem",
               &out),
            0)
      << out;
  const std::size_t failures = audit_count("key.certificate_import", "failure");

  auto r = import_cert("rsa-sign", "not a certificate");
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(r.error_code(), "bad_encoding") << r.body;
  r = import_cert("rsa-sign", text("leaf.pem"));
  EXPECT_EQ(r.status, 400);
  EXPECT_NE(r.body.find("issuer is unknown"), std::string::npos) << r.body;
  r = import_cert("rsa-sign", text("enc-key.pem") + text("hca.pem"));
  EXPECT_EQ(r.status, 400);
  EXPECT_NE(r.body.find("not for the key of key 'rsa-sign'"), std::string::npos) << r.body;
  EXPECT_NE(r.body.find(spki_sha256("enc-key.pem")), std::string::npos) << r.body;
  EXPECT_NE(r.body.find(spki_sha256("leaf.pem")), std::string::npos) << r.body;
  r = import_cert("rsa-sign", text("expired.pem") + text("hca.pem"));
  EXPECT_NE(r.body.find("has expired"), std::string::npos) << r.body;
  r = import_cert("rsa-sign", text("encipher.pem") + text("hca.pem"));
  EXPECT_NE(r.body.find("wrong key usage"), std::string::npos) << r.body;
  r = import_cert("rsa-sign", text("leaf.pem") + text("other-ca.pem"));
  EXPECT_NE(r.body.find("does not link"), std::string::npos) << r.body;
  r = import_cert("dev-ca", text("leaf.pem"));
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(import_cert("no-such-key", text("leaf.pem")).error_code(), "key_not_found");
  EXPECT_EQ(auditor_->request(http::verb::put, "/api/v1/keys/rsa-sign/certificate", text("leaf.pem"),
                              "application/x-pem-file").status,
            403);
  EXPECT_EQ(audit_count("key.certificate_import", "failure"), failures + 8);

  // The current certificate is untouched by the refusals.
  ASSERT_TRUE(server_->svs().find_key("rsa-sign").ok());
  EXPECT_NE(server_->svs().find_key("rsa-sign").value()->certificate.issuer().to_string().find("MedSign"), std::string::npos);

  // The preview checks and parses without storing or auditing.
  auto preview = op_->request(http::verb::put, "/api/v1/keys/rsa-sign/certificate?dry_run=true",
                              text("leaf.pem") + text("hca.pem"), "application/x-pem-file");
  ASSERT_EQ(preview.status, 200) << preview.body;
  EXPECT_EQ(preview.j()["chain"].size(), 2u);
  EXPECT_EQ(preview.j()["chain"][1]["details"]["subject"]["dn"], "CN=Hospital Signing CA");
  EXPECT_NE(op_->request(http::verb::put, "/api/v1/keys/rsa-sign/certificate?dry_run=true", text("expired.pem") + text("hca.pem"),
                         "application/x-pem-file").body.find("has expired"), std::string::npos);
  EXPECT_EQ(audit_count("key.certificate_import", "success"), 0u);
  EXPECT_FALSE(fs::exists(server_->data_dir() / "keys" / "retired"));

  // The certificate with its chain, as JSON {certificate, chain}.
  r = op_->put("/api/v1/keys/rsa-sign/certificate", {{"certificate", text("leaf.pem")}, {"chain", text("hca.pem")}});
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(audit_count("key.certificate_import", "success"), 1u);
  auto chain = op_->get("/api/v1/keys/rsa-sign/certificate").j();
  ASSERT_EQ(chain["chain"].size(), 2u) << chain.dump();
  EXPECT_EQ(chain["complete"], true);
  EXPECT_NE(chain["chain"][1]["pem"].get<std::string>().find(text("hca.pem").substr(30, 40)), std::string::npos);
  // The running signing service signs with the new certificate at once (no restart).
  auto key = server_->svs().find_key("rsa-sign");
  ASSERT_TRUE(key.ok());
  EXPECT_EQ((*key)->certificate.issuer().to_string(), "CN=Hospital Signing CA");
  // The replaced certificate is kept.
  EXPECT_FALSE(fs::is_empty(server_->data_dir() / "keys" / "retired"));

  // The new certificate expires in 20 days: a warning in the expiry summary.
  auto exp = auditor_->get("/api/v1/system/expiry");
  ASSERT_EQ(exp.status, 200) << exp.body;
  bool found = false;
  const json summary = exp.j();
  for (auto& it : summary["items"])
    if (it["kind"] == "key" && it["name"] == "rsa-sign") {
      found = true;
      EXPECT_EQ(it["level"], "warning");
      EXPECT_GE(it["days_left"].get<int>(), 19);
      EXPECT_LE(it["days_left"].get<int>(), 20);
      EXPECT_EQ(it["subject"], chain["chain"][0]["details"]["subject"]["dn"]) << it.dump();
    }
  EXPECT_TRUE(found) << exp.body;
}

TEST_F(KeyCertificateTest, EmbeddedCaCertifiesAKeyAndTheExpirySummaryListsWhatIsNear) {
  auto root = op_->post("/api/v1/ca/authorities", {{"name", "keys-root"},
                                                   {"subject", "C=CN, O=Hospital, CN=Keys Root"},
                                                   {"algorithm", "sm2"},
                                                   {"days", 10}});
  ASSERT_EQ(root.status, 201) << root.body;
  auto csr = op_->get("/api/v1/keys/sm2-enc/csr");
  ASSERT_EQ(csr.status, 200) << csr.body;
  auto issued = op_->post("/api/v1/ca/authorities/keys-root/certificates",
                          {{"csr", csr.body}, {"profile", "device"}, {"days", 5}});
  ASSERT_EQ(issued.status, 201) << issued.body;
  // No chain given: the embedded CA is a known issuer.
  auto r = import_cert("sm2-enc", issued.j()["certificate"].get<std::string>());
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(server_->svs().find_key("sm2-enc").value()->certificate.issuer().to_string(), "C=CN, O=Hospital, CN=Keys Root");
  auto chain = op_->get("/api/v1/keys/sm2-enc/certificate").j();
  EXPECT_EQ(chain["chain"].size(), 2u);
  EXPECT_EQ(chain["complete"], true);

  // A trust anchor that has expired.
  std::string out;
  ASSERT_EQ(sh("openssl ecparam -name prime256v1 -genkey -noout -out old.key && "
               "openssl req -new -key old.key -subj '/CN=Old Anchor' -out old.csr && "
               "echo 'basicConstraints=critical,CA:TRUE' > ca.ext && "
               "openssl x509 -req -in old.csr -signkey old.key -days -1 -extfile ca.ext -out old.pem",
               &out),
            0)
      << out;
  auto anchor = op_->post("/api/v1/pki/anchors", {{"certificate", text("old.pem")}});
  ASSERT_EQ(anchor.status, 201) << anchor.body;

  auto exp = op_->get("/api/v1/system/expiry");
  ASSERT_EQ(exp.status, 200) << exp.body;
  auto items = exp.j()["items"];
  EXPECT_EQ(exp.j()["warn_days"], 30);
  auto find = [&](const std::string& kind, const std::string& name) {
    for (auto& it : items)
      if (it["kind"] == kind && it["name"] == name) return it;
    return json();
  };
  auto ca = find("ca", "keys-root");
  ASSERT_FALSE(ca.is_null()) << exp.body;
  EXPECT_EQ(ca["level"], "warning");
  auto leaf = find("ca_issued", issued.j()["serial"].get<std::string>());
  ASSERT_FALSE(leaf.is_null()) << exp.body;
  EXPECT_LE(leaf["days_left"].get<int>(), 5);
  EXPECT_FALSE(find("key", "sm2-enc").is_null());
  auto old = find("trust_anchor", anchor.j()["items"][0]["fingerprint"].get<std::string>());
  ASSERT_FALSE(old.is_null()) << exp.body << anchor.body;
  EXPECT_EQ(old["level"], "error");
  EXPECT_LT(old["days_left"].get<int>(), 0);
  // Soonest first; long-lived development certificates are not listed.
  EXPECT_EQ(items[0]["level"], "error");
  EXPECT_TRUE(find("key", "dev-ca").is_null());
  EXPECT_EQ(server_->client().get("/api/v1/system/expiry").status, 401);
}

TEST_F(KeyCertificateTest, HttpsServerKeyTakesACertificateForTheNextStartAndTsaUnitsKeepTheirChecks) {
  auto keys = op_->get("/api/v1/keys").j()["keys"];
  bool listed = false;
  for (auto& k : keys) listed = listed || (k["name"] == "tls" && k["provider"] == "tls" && k.contains("certificate"));
  EXPECT_TRUE(listed) << keys.dump();
  EXPECT_EQ(op_->get("/api/v1/keys/tls/certificate").j()["complete"], true);
  auto csr = op_->get("/api/v1/keys/tls/csr");
  ASSERT_EQ(csr.status, 200) << csr.body;
  put("tls.csr", csr.body);
  std::string out;
  ASSERT_EQ(sh("openssl req -in tls.csr -verify -noout && "
               "openssl ecparam -name prime256v1 -genkey -noout -out tca.key && "
               "openssl req -x509 -new -key tca.key -subj '/CN=Hospital TLS CA' -days 90 "
               "-addext basicConstraints=critical,CA:TRUE -out tca.pem && "
               "printf 'keyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth\nsubjectAltName=DNS:sign.hospital.test\n' > tls.ext && "
               "printf 'keyUsage=critical,digitalSignature\nextendedKeyUsage=clientAuth\n' > client.ext && "
               "openssl x509 -req -in tls.csr -CA tca.pem -CAkey tca.key -CAcreateserial -days 10 -extfile tls.ext -out tls.pem && "
               "openssl x509 -req -in tls.csr -CA tca.pem -CAkey tca.key -CAcreateserial -days 10 -extfile client.ext -out client.pem",
               &out),
            0)
      << out;
  auto r = import_cert("tls", text("client.pem") + text("tca.pem"));
  EXPECT_NE(r.body.find("serverAuth"), std::string::npos) << r.body;
  r = import_cert("tls", text("tls.pem") + text("tca.pem"));
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.j()["restart_required"], true);
  // The chain file the next start loads: the new certificate, then its CA; OpenSSL verifies it.
  auto chain_file = (server_->data_dir() / "tls" / "server-chain.pem").string();
  EXPECT_EQ(sh("openssl verify -CAfile tca.pem " + chain_file, &out), 0) << out;
  EXPECT_EQ(sh("openssl x509 -in " + chain_file + " -noout -issuer", &out), 0);
  EXPECT_NE(out.find("Hospital TLS CA"), std::string::npos) << out;
  bool warned = false;
  const json expiry = op_->get("/api/v1/system/expiry").j();
  for (auto& it : expiry["items"]) warned = warned || (it["kind"] == "tls" && it["name"] == "tls");
  EXPECT_TRUE(warned);

  // A TSA unit through the same routes: its request asks for timeStamping, and a certificate without it is refused.
  auto ts = op_->get("/api/v1/keys/tsa-ecdsa/csr");
  ASSERT_EQ(ts.status, 200) << ts.body;
  put("ts.csr", ts.body);
  EXPECT_EQ(sh("openssl req -in ts.csr -noout -text | grep -q 'Time Stamping'"), 0);
  ASSERT_EQ(sh("openssl x509 -req -in ts.csr -CA tca.pem -CAkey tca.key -CAcreateserial -days 10 -extfile tls.ext -out ts.pem"), 0);
  r = import_cert("tsa-ecdsa", text("ts.pem") + text("tca.pem"));
  EXPECT_NE(r.body.find("timeStamping"), std::string::npos) << r.body;
}

}  // namespace
}  // namespace medsign::test
