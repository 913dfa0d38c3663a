// The verifier over PDFs signed by the openssl CLI (an independent CMS producer), cross-checked with
// Debian's pdfsig: for every RSA/ECDSA sample our integrity verdict equals pdfsig's.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "asn1/oids.h"
#include "cms/signed_data.h"
#include "common/clock.h"
#include "crypto/algorithms/pk.h"
#include "pdf/verify.h"
#include "pki/certificate.h"
#include "verify_support.h"

namespace medsign::pdf {
namespace {
namespace fs = std::filesystem;
using test::TestPdf;
using test::view;

class PdfVerify : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new fs::path(fs::temp_directory_path() / ("pdfv-unit-" + std::to_string(::getpid())));
    fs::create_directories(*dir_);
    rsa_ = new test::TestPki(test::make_pki(*dir_ / "rsa", "rsa", "Dr. Rsa"));
    ec_ = new test::TestPki(test::make_pki(*dir_ / "ec", "ec", "Dr. Ec"));
  }
  static void TearDownTestSuite() {
    fs::remove_all(*dir_);
    delete rsa_;
    delete ec_;
    delete dir_;
  }
  static pki::Certificate cert(const fs::path& p) { return *pki::Certificate::parse(view(test::read_file(p))); }
  static VerifyOptions trusting(const test::TestPki& p) {
    VerifyOptions o;
    o.check = anchors_check({cert(p.ca_cert)});
    o.policy_name = "test anchors";
    return o;
  }
  // Our report and pdfsig's verdicts on the same bytes.
  static VerifyReport verify(const std::string& pdf, const VerifyOptions& o, std::vector<bool>* pdfsig = nullptr) {
    if (pdfsig) {
      fs::path f = *dir_ / "check.pdf";
      test::write_file(f, pdf);
      *pdfsig = test::pdfsig_verdicts(f);
    }
    auto r = verify_pdf(view(pdf), o);
    EXPECT_TRUE(r.ok()) << r.error().to_string();
    return r.ok() ? *r : VerifyReport{};
  }
  static bool has_problem(const SignatureReport& s, const std::string& code) {
    for (auto& p : s.problems)
      if (p.code == code) return true;
    return false;
  }
  static inline fs::path* dir_ = nullptr;
  static inline test::TestPki *rsa_ = nullptr, *ec_ = nullptr;
};

TEST_F(PdfVerify, OpensslRsaAndEcdsaSignaturesAreValidAsPdfsigSays) {
  for (auto* p : {rsa_, ec_}) {
    TestPdf d = TestPdf::one_page();
    d.add_signature("Doctor", test::openssl_signer(*p));
    std::vector<bool> pdfsig;
    VerifyReport r = verify(d.bytes, trusting(*p), &pdfsig);
    ASSERT_EQ(r.signatures.size(), 1u);
    const SignatureReport& s = r.signatures[0];
    EXPECT_EQ(r.status, "valid");
    EXPECT_EQ(s.status, "valid") << to_text(r);
    EXPECT_EQ(s.integrity, "valid");
    EXPECT_EQ(s.field, "Doctor");
    EXPECT_EQ(s.sub_filter, "/adbe.pkcs7.detached");
    EXPECT_EQ(s.digest_algorithm, "sha256");
    EXPECT_TRUE(s.covers_whole_document);
    EXPECT_EQ(s.revision, 2);
    EXPECT_EQ(r.revisions, 2);
    EXPECT_EQ(s.certificate.status, "valid");
    ASSERT_TRUE(s.signer.has_value());
    EXPECT_NE(s.signer->subject.find(p == rsa_ ? "Dr. Rsa" : "Dr. Ec"), std::string::npos);
    EXPECT_EQ(s.time_source, "claimed_signing_time");  // openssl adds signingTime
    EXPECT_EQ(pdfsig, std::vector<bool>{true});
    EXPECT_NE(to_text(r).find("claimed by the signer"), std::string::npos);
    EXPECT_EQ(to_json(r)["signatures"][0]["status"], "valid");
  }
}

TEST_F(PdfVerify, AByteChangedInsideTheRangeIsADigestMismatch) {
  TestPdf d = TestPdf::one_page();
  d.add_signature("Doctor", test::openssl_signer(*ec_));
  d.bytes[d.bytes.find("Discharge")] = 'd';
  std::vector<bool> pdfsig;
  VerifyReport r = verify(d.bytes, trusting(*ec_), &pdfsig);
  ASSERT_EQ(r.signatures.size(), 1u);
  EXPECT_EQ(r.status, "invalid");
  EXPECT_EQ(r.signatures[0].integrity, "invalid");
  EXPECT_TRUE(has_problem(r.signatures[0], "digest_mismatch"));
  EXPECT_NE(to_text(r).find("digest mismatch"), std::string::npos);
  EXPECT_EQ(pdfsig, std::vector<bool>{false});
}

TEST_F(PdfVerify, BytesAppendedAfterSigningAreNotCovered) {
  TestPdf d = TestPdf::one_page();
  d.add_signature("Doctor", test::openssl_signer(*rsa_));
  std::string appended = d.bytes + "% a comment added later\n";
  std::vector<bool> pdfsig;
  VerifyReport r = verify(appended, trusting(*rsa_), &pdfsig);
  ASSERT_EQ(r.signatures.size(), 1u);
  EXPECT_FALSE(r.signatures[0].covers_whole_document);
  EXPECT_TRUE(has_problem(r.signatures[0], "not_whole_document"));
  EXPECT_NE(to_text(r).find("does not cover the whole document"), std::string::npos);
  EXPECT_EQ(r.signatures[0].integrity, "valid");
  EXPECT_EQ(pdfsig, std::vector<bool>{true});

  // A later revision adding an annotation: listed as a change.
  d.add_annotation();
  r = verify(d.bytes, trusting(*rsa_), &pdfsig);
  ASSERT_EQ(r.signatures.size(), 1u);
  const SignatureReport& s = r.signatures[0];
  EXPECT_FALSE(s.covers_whole_document);
  EXPECT_EQ(s.revision, 2);
  EXPECT_EQ(r.revisions, 3);
  bool annotation = false, page = false;
  for (auto& c : s.changes_after) {
    annotation = annotation || (c.category == "annotation" && c.kind == "added");
    page = page || (c.category == "structure" && c.description == "page annotation list");
  }
  EXPECT_TRUE(annotation) << to_text(r);
  EXPECT_TRUE(page) << to_text(r);
  EXPECT_EQ(s.status, "valid");  // an approval signature does not forbid later annotations
  EXPECT_EQ(pdfsig, std::vector<bool>{true});
}

TEST_F(PdfVerify, AByteRangeThatDoesNotFrameTheContentsIsRefused) {
  TestPdf d = TestPdf::one_page();
  d.add_signature("Doctor", test::openssl_signer(*ec_));
  const std::size_t br = d.bytes.rfind("/ByteRange [0 ");
  // Move the second range's start two bytes into the hex string (same length).
  std::string second = d.bytes.substr(br + 25, 10);
  char moved[32];
  std::snprintf(moved, sizeof moved, "%010lld", std::stoll(second) - 2);
  std::string wrong = d.bytes;
  wrong.replace(br + 25, 10, moved);
  std::vector<bool> pdfsig;
  VerifyReport r = verify(wrong, trusting(*ec_), &pdfsig);
  ASSERT_EQ(r.signatures.size(), 1u);
  EXPECT_EQ(r.signatures[0].status, "invalid");
  EXPECT_TRUE(has_problem(r.signatures[0], "byte_range_invalid"));
  EXPECT_EQ(pdfsig, std::vector<bool>{false});

  // Overlapping ranges.
  std::string overlap = d.bytes;
  char longer[32];
  std::snprintf(longer, sizeof longer, "%010lld", std::stoll(second) + 10);
  overlap.replace(br + 14, 10, longer);
  r = verify(overlap, trusting(*ec_), &pdfsig);
  ASSERT_EQ(r.signatures.size(), 1u);
  EXPECT_TRUE(has_problem(r.signatures[0], "byte_range_invalid"));
  EXPECT_EQ(pdfsig, std::vector<bool>{false});
}

TEST_F(PdfVerify, TwoSignaturesBothVerifyAndTheFirstListsTheSecondAsChanges) {
  TestPdf d = TestPdf::one_page();
  d.add_signature("Doctor", test::openssl_signer(*ec_));
  d.add_signature("Senior", test::openssl_signer(*rsa_));
  VerifyOptions o;
  o.check = anchors_check({cert(ec_->ca_cert), cert(rsa_->ca_cert)});
  std::vector<bool> pdfsig;
  VerifyReport r = verify(d.bytes, o, &pdfsig);
  ASSERT_EQ(r.signatures.size(), 2u);
  EXPECT_EQ(r.status, "valid") << to_text(r);
  EXPECT_EQ(r.signatures[0].field, "Doctor");
  EXPECT_EQ(r.signatures[0].revision, 2);
  EXPECT_FALSE(r.signatures[0].covers_whole_document);
  EXPECT_EQ(r.signatures[1].field, "Senior");
  EXPECT_EQ(r.signatures[1].revision, 3);
  EXPECT_TRUE(r.signatures[1].covers_whole_document);
  bool sig_added = false;
  for (auto& c : r.signatures[0].changes_after) sig_added = sig_added || c.description == "signature dictionary";
  EXPECT_TRUE(sig_added) << to_text(r);
  EXPECT_EQ(pdfsig, (std::vector<bool>{true, true}));
}

TEST_F(PdfVerify, DocMdpNoChangesIsViolatedByALaterAnnotation) {
  TestPdf d = TestPdf::one_page();
  d.add_signature("Hospital", test::openssl_signer(*rsa_), 1);
  VerifyReport r = verify(d.bytes, trusting(*rsa_));
  ASSERT_EQ(r.signatures.size(), 1u);
  EXPECT_EQ(r.signatures[0].kind, "certification");
  EXPECT_EQ(r.signatures[0].docmdp_permission, 1);
  EXPECT_EQ(r.signatures[0].status, "valid");
  d.add_annotation();
  r = verify(d.bytes, trusting(*rsa_));
  ASSERT_EQ(r.signatures.size(), 1u);
  EXPECT_EQ(r.signatures[0].status, "invalid");
  EXPECT_FALSE(r.signatures[0].docmdp_violations.empty());
  EXPECT_TRUE(has_problem(r.signatures[0], "docmdp_violation"));
  EXPECT_NE(to_text(r).find("DocMDP violation"), std::string::npos);
}

TEST_F(PdfVerify, DocMdpPermissionsAllowWhatTheyName) {
  // P=3 allows annotations; P=2 allows another signature but not annotations; P=1 refuses a signature.
  TestPdf p3 = TestPdf::one_page();
  p3.add_signature("Hospital", test::openssl_signer(*rsa_), 3);
  p3.add_annotation();
  VerifyReport r = verify(p3.bytes, trusting(*rsa_));
  ASSERT_EQ(r.signatures.size(), 1u);
  EXPECT_TRUE(r.signatures[0].docmdp_violations.empty()) << to_text(r);
  EXPECT_EQ(r.signatures[0].status, "valid");

  TestPdf p2 = TestPdf::one_page();
  p2.add_signature("Hospital", test::openssl_signer(*rsa_), 2);
  p2.add_signature("Doctor", test::openssl_signer(*rsa_));
  r = verify(p2.bytes, trusting(*rsa_));
  ASSERT_EQ(r.signatures.size(), 2u);
  EXPECT_TRUE(r.signatures[0].docmdp_violations.empty()) << to_text(r);
  EXPECT_EQ(r.status, "valid");
  p2.add_annotation();
  r = verify(p2.bytes, trusting(*rsa_));
  EXPECT_FALSE(r.signatures[0].docmdp_violations.empty());

  TestPdf p1 = TestPdf::one_page();
  p1.add_signature("Hospital", test::openssl_signer(*rsa_), 1);
  p1.add_signature("Doctor", test::openssl_signer(*rsa_));
  r = verify(p1.bytes, trusting(*rsa_));
  ASSERT_EQ(r.signatures.size(), 2u);
  EXPECT_FALSE(r.signatures[0].docmdp_violations.empty());
  EXPECT_EQ(r.status, "invalid");
}

TEST_F(PdfVerify, AnUntrustedOrExpiredCertificateKeepsIntegrityValid) {
  TestPdf d = TestPdf::one_page();
  d.add_signature("Doctor", test::openssl_signer(*ec_));
  VerifyReport r = verify(d.bytes, trusting(*rsa_));  // another CA
  ASSERT_EQ(r.signatures.size(), 1u);
  EXPECT_EQ(r.signatures[0].integrity, "valid");
  EXPECT_EQ(r.signatures[0].certificate.status, "invalid");
  EXPECT_EQ(r.signatures[0].certificate.reason, "unknown_issuer");
  EXPECT_EQ(r.signatures[0].status, "indeterminate");
  EXPECT_EQ(r.status, "indeterminate");

  VerifyOptions later = trusting(*ec_);
  later.now_ms = parse_iso8601_millis("2100-01-01T00:00:00Z");
  r = verify(d.bytes, later);
  ASSERT_EQ(r.signatures.size(), 1u);
  EXPECT_EQ(r.signatures[0].integrity, "valid");
  EXPECT_EQ(r.signatures[0].certificate.reason, "expired");
  EXPECT_NE(r.signatures[0].status, "valid");

  r = verify(d.bytes, VerifyOptions{});  // no trust decision asked for
  EXPECT_EQ(r.signatures[0].certificate.status, "not_checked");
}

TEST_F(PdfVerify, AnUnknownSubFilterIsReportedAndAnyBytesInNamesStillSerialise) {
  TestPdf d = TestPdf::one_page();
  d.add_signature("Doctor", test::openssl_signer(*ec_), std::nullopt, "adbe#FFx");
  VerifyReport r = verify(d.bytes, trusting(*ec_));
  ASSERT_EQ(r.signatures.size(), 1u);
  EXPECT_EQ(r.signatures[0].integrity, "unknown");
  EXPECT_TRUE(has_problem(r.signatures[0], "unsupported_subfilter"));
  EXPECT_EQ(r.signatures[0].status, "indeterminate");
  std::string dumped;
  EXPECT_NO_THROW(dumped = to_json(r).dump());  // the 0xFF byte of the name becomes U+FFFD
  EXPECT_NE(dumped.find("adbe\xEF\xBF\xBDx"), std::string::npos) << dumped;
}

TEST_F(PdfVerify, NotAPdfIsAnErrorAndAnUnsignedPdfIsReported) {
  auto bad = verify_pdf(view(std::string("hello, world")));
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().code, Errc::pdf_malformed);
  auto truncated = verify_pdf(view(std::string("%PDF-1.7\n1 0 obj\n<< /Type")));
  if (truncated.ok()) {
    EXPECT_EQ(truncated->status, "unsigned");
  }
  auto r = verify_pdf(view(TestPdf::one_page().bytes));
  ASSERT_TRUE(r.ok()) << r.error().to_string();
  EXPECT_EQ(r->status, "unsigned");
  EXPECT_TRUE(r->signatures.empty());
}

}  // namespace
}  // namespace medsign::pdf
