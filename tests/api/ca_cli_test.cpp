// `medsign ca init|issue|certs|export|revoke|crl` and `medsign cert parse` on a data directory, with OpenSSL
// as the independent judge: chains pass `openssl verify`, CRLs `openssl crl -verify`, PKCS#12 `openssl
// pkcs12 -info`, PKCS#7 `openssl pkcs7 -print_certs`; every change is in the audit log.
#include <fstream>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "harness.h"
#include "services/audit_log.h"
#include "services/platform.h"

namespace medsign::test {
namespace {
namespace fs = std::filesystem;

const std::string kBin = MEDSIGN_BINARY;

class CaCliTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    prepare_database_env();
    work_ = make_temp_dir("cacli");
    std::string out;
    ASSERT_EQ(sh(kBin + " init --data data", &out), 0) << out;
  }
  static void TearDownTestSuite() {
    std::error_code ec;
    fs::remove_all(work_, ec);
  }
  static int sh(const std::string& cmd, std::string* out = nullptr) {
    return run_command("cd " + work_.string() + " && " + cmd, out);
  }
  static std::string ca(const std::string& args, std::string* out) {
    sh(kBin + " ca --data data " + args, out);
    return *out;
  }
  static std::string text(const std::string& name) {
    std::ifstream in(work_ / name, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), {});
  }
  static std::vector<services::AuditEntry> audit(const std::string& action) {
    auto p = services::Platform::open(work_ / "data").value();
    services::AuditQuery q;
    q.action = action;
    q.page_size = 200;
    return p->audit->query(q).value().entries;
  }
  static fs::path work_;
};
fs::path CaCliTest::work_;

TEST_F(CaCliTest, RsaHierarchyIssuesFromOpenSslRequestsAndRevokes) {
  std::string out;
  ASSERT_EQ(sh(kBin + " ca --data data init --name rsa-root --alg rsa-2048 --subject 'C=CN, O=Hospital, CN=RSA Root' "
                      "--out rsa-root.pem",
               &out),
            0)
      << out;
  ASSERT_EQ(sh(kBin + " ca --data data init --name rsa-issuing --parent rsa-root --alg rsa-2048 --subject "
                      "'C=CN, O=Hospital, CN=RSA Issuing' --out rsa-inter.pem --policy 1.2.156.1.2.3",
               &out),
            0)
      << out;
  ASSERT_EQ(sh("openssl req -new -newkey rsa:2048 -nodes -keyout srv.key -subj '/C=CN/O=Hospital/CN=sign.example' "
               "-out srv.csr 2>&1",
               &out),
            0);
  ASSERT_EQ(sh(kBin + " ca --data data issue --ca rsa-issuing --profile tls-server --csr srv.csr --dns sign.example "
                      "--format der --out srv.der",
               &out),
            0)
      << out;
  EXPECT_EQ(sh("openssl x509 -inform DER -in srv.der -out srv.pem", &out), 0) << out;
  EXPECT_EQ(sh("openssl verify -CAfile rsa-root.pem -untrusted rsa-inter.pem -purpose sslserver srv.pem", &out), 0) << out;
  // The serial, from the list of issued certificates.
  ASSERT_EQ(sh(kBin + " ca --data data certs --ca rsa-issuing", &out), 0) << out;
  const std::string serial = out.substr(0, out.find('\t'));
  ASSERT_GE(serial.size(), 16u) << out;
  // p7b export of the chain.
  ASSERT_EQ(sh(kBin + " ca --data data export --serial " + serial + " --format p7b --out chain.p7b", &out), 0) << out;
  EXPECT_EQ(sh("openssl pkcs7 -inform DER -in chain.p7b -print_certs -noout", &out), 0) << out;
  EXPECT_NE(out.find("RSA Root"), std::string::npos) << out;
  // Revoke; the new CRL lists it and verifies with OpenSSL.
  ASSERT_EQ(sh(kBin + " ca --data data revoke --serial " + serial + " --reason keyCompromise", &out), 0) << out;
  EXPECT_NE(sh(kBin + " ca --data data revoke --serial " + serial, &out), 0);
  EXPECT_NE(out.find("already revoked"), std::string::npos) << out;
  ASSERT_EQ(sh(kBin + " ca --data data crl --ca rsa-issuing --out issuing.crl", &out), 0) << out;
  EXPECT_EQ(sh("openssl crl -in issuing.crl -CAfile rsa-inter.pem -noout -verify", &out), 0) << out;
  EXPECT_EQ(sh("openssl crl -in issuing.crl -noout -text", &out), 0);
  EXPECT_NE(out.find("Key Compromise"), std::string::npos) << out;
  EXPECT_NE(out.find("CRL Number"), std::string::npos) << out;
  EXPECT_EQ(sh("cat rsa-root.pem rsa-inter.pem > bundle.pem && openssl verify -crl_check -CAfile bundle.pem -CRLfile "
               "issuing.crl srv.pem",
               &out),
            2)
      << out;
  EXPECT_NE(out.find("revoked"), std::string::npos) << out;

  EXPECT_EQ(audit("ca.create").size(), 2u);
  EXPECT_GE(audit("ca.issue").size(), 1u);
  EXPECT_EQ(audit("ca.revoke").size(), 1u);
  EXPECT_GE(audit("ca.crl_publish").size(), 4u);  // two at creation, one after the revocation, one asked for
}

TEST_F(CaCliTest, Sm2PersonalCertificateWithIdentityExtensionsAndPkcs12) {
  std::string out;
  ASSERT_EQ(sh(kBin + " ca --data data init --name sm2-root --subject 'C=CN, O=医院, CN=SM2 Root' --out sm2-root.pem",
               &out),
            0)
      << out;
  ASSERT_EQ(sh("openssl genpkey -algorithm SM2 -out doc.key && openssl req -new -key doc.key -sm3 -sigopt "
               "distid:1234567812345678 -utf8 -subj '/C=CN/O=医院/CN=张医生' -out doc.csr 2>&1",
               &out),
            0)
      << out;
  ASSERT_EQ(sh(kBin + " ca --data data issue --ca sm2-root --profile personal-signing --csr doc.csr --id-card "
                      "11010519491231002X --health-worker-id D-0042 --out doc.pem",
               &out),
            0)
      << out;
  EXPECT_EQ(sh("openssl verify -vfyopt distid:1234567812345678 -CAfile sm2-root.pem doc.pem", &out), 0) << out;
  ASSERT_EQ(sh(kBin + " cert parse doc.pem", &out), 0) << out;
  auto j = nlohmann::json::parse(out);
  std::string dump = j.dump();
  EXPECT_NE(dump.find("1.2.156.10260.4.1.1"), std::string::npos);
  EXPECT_NE(dump.find("11010519491231002X"), std::string::npos);
  EXPECT_NE(dump.find("2.16.156.10011.1.4"), std::string::npos);
  EXPECT_NE(dump.find("张医生"), std::string::npos);
  // A request parses too.
  ASSERT_EQ(sh(kBin + " cert parse doc.csr", &out), 0) << out;
  EXPECT_EQ(nlohmann::json::parse(out)["signature_valid"], true) << out;
  // A key generated here comes out as PKCS#12; refused without a password.
  EXPECT_NE(sh(kBin + " ca --data data issue --ca sm2-root --profile device --generate-key rsa-2048 --subject "
                      "'CN=Tablet 7' --format p12 --out dev.p12",
               &out),
            0);
  EXPECT_NE(out.find("password"), std::string::npos) << out;
  ASSERT_EQ(sh("MEDSIGN_KEY_PASSPHRASE='pass phrase 1' " + kBin + " ca --data data issue --ca sm2-root --profile tablet "
               "--generate-key sm2 --subject 'CN=Tablet 8' --format p12 --out tab.p12",
               &out),
            0)
      << out;
  EXPECT_EQ(sh("openssl pkcs12 -info -noout -in tab.p12 -passin 'pass:pass phrase 1'", &out), 0) << out;
  EXPECT_EQ(audit("ca.pkcs12_export").size(), 1u);
  // Private keys never sit in the data directory in plaintext.
  EXPECT_NE(sh("grep -rl 'PRIVATE KEY' data/keys data/*.db", &out), 0) << out;
}

TEST_F(CaCliTest, BadInputGetsSpecificErrors) {
  std::string out;
  EXPECT_EQ(sh(kBin + " ca --data data init --name 'Bad Name' --subject CN=x", &out), 1);
  EXPECT_NE(out.find("CA name"), std::string::npos) << out;
  EXPECT_EQ(sh(kBin + " ca --data data init --name x --subject 'CN' ", &out), 1);
  EXPECT_NE(out.find("TYPE=value"), std::string::npos) << out;
  EXPECT_EQ(sh(kBin + " ca --data data issue --ca nosuch --profile device --generate-key sm2 --subject CN=y", &out), 1);
  EXPECT_NE(out.find("no CA named"), std::string::npos) << out;
  ASSERT_EQ(sh("head -c 100 /dev/urandom > junk.csr", &out), 0);
  ASSERT_EQ(sh(kBin + " ca --data data init --name junk-root --subject CN=Junk", &out), 0) << out;
  EXPECT_EQ(sh(kBin + " ca --data data issue --ca junk-root --profile device --csr junk.csr", &out), 1);
  EXPECT_NE(out.find("error:"), std::string::npos) << out;
  EXPECT_EQ(sh(kBin + " ca --data data revoke --serial 00ff --reason removeFromCRL", &out), 1);
  EXPECT_EQ(sh(kBin + " ca --data data revoke --serial zz", &out), 1);
  EXPECT_NE(out.find("hexadecimal"), std::string::npos) << out;
}

}  // namespace
}  // namespace medsign::test
