// PDF verification over REST (POST /api/v1/pdf/verify) and the CLI (`medsign pdf verify`): PDFs signed by
// the openssl CLI, a signature timestamped by the server's own TSA (time taken from the token), roles,
// audit records and exit codes.
#include <gtest/gtest.h>

#include "cms/signed_data.h"
#include "common/clock.h"
#include "crypto/algorithms/pk.h"
#include "crypto/soft/keystore.h"
#include "harness.h"
#include "pki/certificate.h"
#include "tsp/timestamp.h"
#include "tsp/timestamp_issuer.h"
#include "asn1/oids.h"
#include "../unit/pdf/verify_support.h"

namespace medsign::test {
namespace {
namespace fs = std::filesystem;
using pdf::test::TestPdf;
const std::string kBin = MEDSIGN_BINARY;

class PdfVerifyApiTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    server_ = new TestServer();
    work_ = make_temp_dir("pdfverify");
    pki_ = new pdf::test::TestPki(pdf::test::make_pki(work_ / "pki", "rsa", "Dr. Api"));
    sys_ = new Client(server_->login("sysadmin"));
    auditadmin_ = new Client(server_->login("auditadmin"));
    op_ = new Client(server_->create_and_login(*sys_, "pdfop", "operator"));
    auditor_ = new Client(server_->create_and_login(*auditadmin_, "pdfaud", "auditor"));
    TestPdf d = TestPdf::one_page();
    d.add_signature("Doctor", pdf::test::openssl_signer(*pki_));
    signed_ = new std::string(d.bytes);
  }
  static void TearDownTestSuite() {
    delete op_;
    delete auditor_;
    delete sys_;
    delete auditadmin_;
    delete server_;
    delete pki_;
    delete signed_;
    fs::remove_all(work_);
  }
  static Response verify(Client& c, const std::string& pdf, const std::string& query = "") {
    return c.request(http::verb::post, "/api/v1/pdf/verify" + query, pdf, "application/pdf");
  }
  static TestServer* server_;
  static fs::path work_;
  static pdf::test::TestPki* pki_;
  static std::string* signed_;
  static Client *sys_, *auditadmin_, *op_, *auditor_;
};
TestServer* PdfVerifyApiTest::server_ = nullptr;
fs::path PdfVerifyApiTest::work_;
pdf::test::TestPki* PdfVerifyApiTest::pki_ = nullptr;
std::string* PdfVerifyApiTest::signed_ = nullptr;
Client *PdfVerifyApiTest::sys_, *PdfVerifyApiTest::auditadmin_, *PdfVerifyApiTest::op_, *PdfVerifyApiTest::auditor_;

TEST_F(PdfVerifyApiTest, OperatorsAndAuditorsGetTheReportAndEachVerificationIsAudited) {
  auto r = verify(*op_, *signed_);
  ASSERT_EQ(r.status, 200) << r.body;
  auto j = r.j();
  ASSERT_EQ(j["signatures"].size(), 1u);
  EXPECT_EQ(j["signatures"][0]["integrity"], "valid");
  EXPECT_EQ(j["signatures"][0]["covers_whole_document"], true);
  // Signed under an openssl-made CA that the server does not trust.
  EXPECT_EQ(j["signatures"][0]["certificate"]["reason"], "unknown_issuer");
  EXPECT_EQ(j["status"], "indeterminate");

  r = verify(*auditor_, *signed_, "?format=text");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_NE(r.body.find("Integrity: valid"), std::string::npos) << r.body;
  EXPECT_NE(r.body.find("CN=Dr. Api"), std::string::npos);

  r = verify(*sys_, *signed_);
  EXPECT_EQ(r.status, 403);

  auto log = auditor_->get("/api/v1/audit?action=pdf.verify");
  ASSERT_EQ(log.status, 200);
  EXPECT_GE(log.j()["entries"].size(), 2u);
}

TEST_F(PdfVerifyApiTest, BadInputGetsSpecificErrors) {
  auto r = verify(*op_, "this is not a PDF");
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(r.error_code(), "pdf_malformed");
  r = op_->request(http::verb::post, "/api/v1/pdf/verify", *signed_, "text/plain");
  EXPECT_EQ(r.status, 415);
  r = verify(*op_, *signed_, "?policy=no-such-policy");
  EXPECT_EQ(r.status, 404) << r.body;
  r = verify(*op_, *signed_, "?format=xml");
  EXPECT_EQ(r.status, 400);
}

TEST_F(PdfVerifyApiTest, ATimestampFromOurTsaGivesTheTime) {
  // A B-T signature: our CMS signer with the openssl-made RSA key, and a token of the server's TSA over the
  // signature value as the unsigned attribute id-aa-timeStampToken.
  ASSERT_EQ(pdf::test::run("openssl pkcs8 -topk8 -nocrypt -outform DER -in " + pki_->key.string() + " -out " +
                           (work_ / "key.p8").string()), 0);
  auto key = crypto::KeyPair::from_pkcs8(crypto::read_file(work_ / "key.p8").value()).value();
  auto signer = crypto::Signer::create(crypto::SignatureAlg::rsa_pkcs1_sha256, key).value();
  auto cert = pki::Certificate::parse(crypto::read_file(pki_->cert).value()).value();
  const std::int64_t signing_time = 1'795'000'000'000;
  auto sign = [&](const std::string& ranges, std::vector<cms::Attribute> unsigned_attrs) {
    cms::SignRequest req;
    req.detached = true;
    req.content = pdf::test::view(ranges);
    cms::SignerSpec s;
    s.certificate = cert;
    s.digest = cms::DigestAlgorithm::sha256;
    s.signature = cms::SignatureAlgorithm::rsa_pkcs1;
    s.sign = [&](ByteView tbs) { return signer.sign(tbs); };
    s.signing_time_ms = signing_time;
    s.unsigned_attributes = std::move(unsigned_attrs);
    return cms::sign(req, std::span<const cms::SignerSpec>(&s, 1)).value();
  };
  std::int64_t token_time = 0;
  TestPdf d = TestPdf::one_page();
  d.add_signature("Doctor", [&](const std::string& ranges) {
    Bytes plain = sign(ranges, {});
    auto sd = cms::parse_signed_data(plain).value();
    tsp::TimeStampRequest q;
    q.imprint = {cms::DigestAlgorithm::sha256, cms::digest(cms::DigestAlgorithm::sha256, sd.signers[0].signature)};
    q.cert_req = true;
    Bytes der = tsp::encode_request(q).value();
    auto r = server_->client().request(http::verb::post, "/tsa", std::string(der.begin(), der.end()),
                                       "application/timestamp-query");
    EXPECT_EQ(r.status, 200);
    auto resp = tsp::parse_response(as_bytes(r.body));
    Bytes token = resp.ok() && resp->token ? *resp->token : Bytes{};
    auto checked = tsp::verify_token(token);
    EXPECT_TRUE(checked.ok());
    if (checked.ok()) token_time = checked->tst.gen_time_ms;
    // RSA PKCS#1 v1.5 is deterministic: the same signed attributes give the same signature value.
    return sign(ranges, {cms::Attribute{asn1::oid::kTimeStampToken, {token}}});
  });
  auto r = verify(*op_, d.bytes);
  ASSERT_EQ(r.status, 200) << r.body;
  auto s = r.j()["signatures"][0];
  EXPECT_EQ(s["integrity"], "valid") << r.body;
  EXPECT_EQ(s["timestamp"]["valid"], true) << r.body;
  EXPECT_EQ(s["time_source"], "timestamp");
  EXPECT_EQ(s["time"], iso8601_millis(token_time));
  EXPECT_EQ(s["timestamp"]["tsa_certificate"]["status"], "valid") << r.body;  // our TSA under the development CA

  // pdfsig accepts the same signature (it ignores the unsigned attribute).
  pdf::test::write_file(work_ / "bt.pdf", d.bytes);
  EXPECT_EQ(pdf::test::pdfsig_verdicts(work_ / "bt.pdf"), std::vector<bool>{true});
}

TEST_F(PdfVerifyApiTest, CliExitCodesFollowTheVerdict) {
  pdf::test::write_file(work_ / "ok.pdf", *signed_);
  std::string tampered = *signed_;
  tampered[tampered.find("Discharge")] = 'X';
  pdf::test::write_file(work_ / "bad.pdf", tampered);
  pdf::test::write_file(work_ / "junk.pdf", "junk");
  std::string out;
  EXPECT_EQ(run_command(kBin + " pdf verify " + (work_ / "ok.pdf").string() + " --ca " + pki_->ca_cert.string(), &out), 0)
      << out;
  EXPECT_NE(out.find("Status: valid"), std::string::npos) << out;
  EXPECT_EQ(run_command(kBin + " pdf verify " + (work_ / "ok.pdf").string() + " --json --ca " + pki_->ca_cert.string(), &out),
            0);
  EXPECT_NE(out.find("\"covers_whole_document\": true"), std::string::npos) << out;
  EXPECT_EQ(run_command(kBin + " pdf verify " + (work_ / "bad.pdf").string() + " --ca " + pki_->ca_cert.string(), &out), 1);
  EXPECT_NE(out.find("digest mismatch"), std::string::npos) << out;
  EXPECT_EQ(run_command(kBin + " pdf verify " + (work_ / "junk.pdf").string(), &out), 2) << out;
  // Without anchors the certificate is not judged: integrity alone does not make the signature valid.
  EXPECT_EQ(run_command(kBin + " pdf verify " + (work_ / "ok.pdf").string() + " --data " + (work_ / "none").string(), &out),
            1);
  EXPECT_NE(out.find("not_checked"), std::string::npos) << out;
}

}  // namespace
}  // namespace medsign::test
