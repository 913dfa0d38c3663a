// The verifier over our own signer's output (pdf/signature.h, pdf/pades.h) on a Ghostscript document: SM2
// (GM/T 0010, which pdfsig cannot check), RSA and ECDSA signatures one after another; after each step every
// signature still verifies, and for the RSA/ECDSA ones pdfsig agrees.
#include <gtest/gtest.h>

#include "pdf/verify.h"
#include "pdf_test_support.h"

namespace medsign::pdf {
namespace {
using testing::Workdir;

Result<VerifyReport> verify_file(const Workdir& w, const std::string& name) {
  std::string bytes = w.read(name);
  return verify_pdf(ByteView(reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size()));
}

TEST(PdfVerifyInterop, Sm2RsaAndEcdsaSignaturesFromOurSignerAllVerifyAtEachStep) {
  Workdir w;
  testing::make_gs_pdf(w, "in.pdf");
  std::string in = "in.pdf";
  int step = 0;
  for (const char* kind : {"sm2", "rsa", "ec"}) {
    PadesSigner s = testing::make_signer(w, kind, std::string("Dr. ") + kind);
    PrepareOptions o;
    o.info.name = kind;
    std::string out = "step" + std::to_string(++step) + ".pdf";
    auto p = testing::sign_with(s, w / in, w / out, o);
    ASSERT_TRUE(p.ok()) << kind << ": " << p.error().to_string();
    auto r = verify_file(w, out);
    ASSERT_TRUE(r.ok()) << r.error().to_string();
    ASSERT_EQ(r->signatures.size(), static_cast<std::size_t>(step));
    for (auto& sig : r->signatures) {
      EXPECT_EQ(sig.integrity, "valid") << kind << "\n" << to_text(*r);
      EXPECT_TRUE(sig.docmdp_violations.empty()) << to_text(*r);
    }
    const SignatureReport& last = r->signatures.back();
    EXPECT_TRUE(last.covers_whole_document);
    EXPECT_EQ(last.revision, r->revisions);
    if (std::string(kind) == "sm2") {
      EXPECT_EQ(last.flavor, "gmt0010");
      EXPECT_EQ(last.digest_algorithm, "sm3");
    } else {
      EXPECT_EQ(last.flavor, "rfc5652");
    }
    EXPECT_EQ(last.time_source, "claimed_m");  // PAdES B-B: no signingTime, /M is the claim
    // pdfsig checks the RSA and ECDSA ones; its count of valid signatures matches ours for those.
    testing::PdfsigReport ps = testing::pdfsig(w, out);
    EXPECT_EQ(ps.signatures, step);
    EXPECT_EQ(ps.valid, step - 1) << "pdfsig cannot check SM2 (signature 1)";
    in = out;
  }
}

TEST(PdfVerifyInterop, OurCertificationWithAnnotationsPermissionAllowsALaterSignature) {
  Workdir w;
  testing::make_gs_pdf(w, "in.pdf");
  PadesSigner s = testing::make_signer(w, "ec", "Hospital");
  PrepareOptions o;
  o.info.docmdp = 3;
  ASSERT_TRUE(testing::sign_with(s, w / "in.pdf", w / "cert.pdf", o).ok());
  auto r = verify_file(w, "cert.pdf");
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(r->signatures.size(), 1u);
  EXPECT_EQ(r->signatures[0].kind, "certification");
  EXPECT_EQ(r->signatures[0].docmdp_permission, 3);
  PrepareOptions second;
  ASSERT_TRUE(testing::sign_with(s, w / "cert.pdf", w / "two.pdf", second).ok());
  r = verify_file(w, "two.pdf");
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(r->signatures.size(), 2u);
  EXPECT_TRUE(r->signatures[0].docmdp_violations.empty()) << to_text(*r);  // P=3 allows signing
  EXPECT_EQ(r->signatures[1].integrity, "valid");
}

}  // namespace
}  // namespace medsign::pdf
