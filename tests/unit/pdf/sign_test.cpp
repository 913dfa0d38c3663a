// The PDF signer against independent tools: Debian's pdfsig (every signature valid, the last covering the
// whole document), qpdf --check, pdftoppm renderings; inputs from Ghostscript, cairo, qpdf (object and
// cross-reference streams, linearised), LibreOffice when installed, and already-signed files.
#include <gtest/gtest.h>

#include "cms/signed_data.h"
#include "pdf/document.h"
#include "pdf_test_support.h"

namespace medsign::pdf {
namespace {
using namespace medsign::pdf::testing;

class PdfSignTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    w_ = new Workdir();
    rsa_ = new PadesSigner(make_signer(*w_, "rsa", "Doctor Li"));
    ec_ = new PadesSigner(make_signer(*w_, "ec", "Senior Doctor Wang"));
    sm2_ = new PadesSigner(make_signer(*w_, "sm2", "Hospital Seal"));
    make_gs_pdf(*w_, "gs.pdf");
    make_cairo_pdf(*w_ / "cairo.pdf", 2);
    w_->run("qpdf --object-streams=generate gs.pdf objstm.pdf");
    w_->run("qpdf --linearize gs.pdf linear.pdf");
  }
  static void TearDownTestSuite() {
    delete rsa_;
    delete ec_;
    delete sm2_;
    delete w_;
  }
  static PrepareOptions visible_at(int page, double x, double y) {
    PrepareOptions o;
    o.seal = SealImage{red_seal_png(), 30, 30};
    o.placement.page = page;
    o.placement.x = x;
    o.placement.y = y;
    o.info.name = "Doctor Li";
    o.info.reason = "discharge summary approved";
    return o;
  }
  static bool qpdf_ok(const std::string& name) {
    std::string out;
    int rc = w_->run("qpdf --check " + name, &out);
    return rc == 0 && out.find("No syntax or stream encoding errors") != std::string::npos;
  }
  static inline Workdir* w_;
  static inline PadesSigner *rsa_, *ec_, *sm2_;
};

TEST_F(PdfSignTest, EveryProducerSignsAndPdfsigAndQpdfAccept) {
  std::vector<std::string> inputs = {"gs.pdf", "cairo.pdf", "objstm.pdf", "linear.pdf"};
  if (w_->run("command -v soffice") == 0) {
    w_->write("note.txt", "Consent form\nPatient signature:\n");
    if (w_->run("HOME=" + w_->path().string() + " timeout 120 soffice --headless --convert-to pdf note.txt") == 0 &&
        fs::exists(*w_ / "note.pdf"))
      inputs.push_back("note.pdf");
  } else {
    std::printf("soffice not installed: LibreOffice input skipped\n");
  }
  for (auto& in : inputs) {
    SCOPED_TRACE(in);
    std::string out = "signed-" + in;
    auto before = w_->read(in);
    auto r = sign_with(*rsa_, *w_ / in, *w_ / out, visible_at(1, 72, 72));
    ASSERT_TRUE(r) << r.error().detail;
    EXPECT_EQ(w_->read(in), before) << "the input must not change";
    EXPECT_EQ(w_->read(out).compare(0, before.size(), before), 0) << "the original bytes come first, unchanged";
    auto rep = pdfsig(*w_, out);
    EXPECT_EQ(rep.signatures, 1) << rep.text;
    EXPECT_EQ(rep.valid, 1) << rep.text;
    EXPECT_TRUE(rep.last_covers_all) << rep.text;
    EXPECT_TRUE(qpdf_ok(out));
  }
}

TEST_F(PdfSignTest, FourSignaturesInTurnKeepEveryEarlierOneValid) {
  // doctor (RSA), senior doctor (ECDSA), patient (RSA, invisible), hospital seal (ECDSA)
  std::string cur = "cairo.pdf";
  const PadesSigner* who[] = {rsa_, ec_, rsa_, ec_};
  for (int i = 0; i < 4; ++i) {
    std::string next = "multi-" + std::to_string(i + 1) + ".pdf";
    PrepareOptions o = visible_at(1, 60 + 120 * i, 400);
    if (i == 2) o.seal.reset();
    auto r = sign_with(*who[i], *w_ / cur, *w_ / next, o);
    ASSERT_TRUE(r) << r.error().detail;
    auto rep = pdfsig(*w_, next);
    EXPECT_EQ(rep.signatures, i + 1) << rep.text;
    EXPECT_EQ(rep.valid, i + 1) << rep.text;
    EXPECT_TRUE(rep.last_covers_all) << rep.text;
    EXPECT_TRUE(qpdf_ok(next));
    cur = next;
  }
  auto doc = Document::open(*w_ / cur);
  ASSERT_TRUE(doc);
  EXPECT_EQ(doc->signature_count(), 4);
}

TEST_F(PdfSignTest, Sm2SignatureIsGmtCmsOverTheByteRangeAndQpdfAccepts) {
  auto r = sign_with(*sm2_, *w_ / "gs.pdf", *w_ / "sm2.pdf", visible_at(1, 300, 300));
  ASSERT_TRUE(r) << r.error().detail;
  EXPECT_TRUE(qpdf_ok("sm2.pdf"));
  EXPECT_EQ(r->algorithm, cms::DigestAlgorithm::sm3);
  // The CMS read back from /Contents verifies against the ByteRange digest.
  std::string file = w_->read("sm2.pdf");
  std::string hex = file.substr(r->byte_range[1] + 1, r->byte_range[2] - r->byte_range[1] - 2);
  auto der = hex_decode(hex).value();
  // The placeholder is zero-padded: keep the DER element (long-form length).
  std::size_t len_bytes = der[1] & 0x7f, len = 0;
  for (std::size_t i = 0; i < len_bytes; ++i) len = len << 8 | der[2 + i];
  der.resize(2 + len_bytes + len);
  auto sd = cms::parse_signed_data(der);
  ASSERT_TRUE(sd) << sd.error().detail;
  EXPECT_EQ(sd->flavor, cms::Flavor::gmt0010);
  auto v = cms::verify_signatures(*sd, cms::ContentDigest{cms::DigestAlgorithm::sm3, r->digest});
  ASSERT_TRUE(v);
  EXPECT_TRUE((*v)[0].ok) << (*v)[0].problem;
  std::string ranges = file.substr(0, r->byte_range[1]) + file.substr(r->byte_range[2]);
  EXPECT_EQ(cms::digest(cms::DigestAlgorithm::sm3, as_bytes(ranges)), r->digest);
}

TEST_F(PdfSignTest, CertificationNoChangesRefusesALaterSignature) {
  PrepareOptions o = visible_at(1, 72, 72);
  o.info.docmdp = 1;
  ASSERT_TRUE(sign_with(*rsa_, *w_ / "gs.pdf", *w_ / "certified.pdf", o));
  auto rep = pdfsig(*w_, "certified.pdf");
  EXPECT_EQ(rep.valid, 1) << rep.text;
  auto doc = Document::open(*w_ / "certified.pdf");
  ASSERT_TRUE(doc && doc->certification());
  EXPECT_EQ(doc->certification()->permission, 1);
  auto again = sign_with(*ec_, *w_ / "certified.pdf", *w_ / "certified-2.pdf", visible_at(1, 300, 72));
  ASSERT_FALSE(again);
  EXPECT_EQ(again.error().code, Errc::pdf_changes_forbidden);
  EXPECT_FALSE(fs::exists(*w_ / "certified-2.pdf"));
}

TEST_F(PdfSignTest, FormFillCertificationAllowsApprovalSignaturesButNotASecondCertification) {
  PrepareOptions o = visible_at(1, 72, 72);
  o.info.docmdp = 2;
  ASSERT_TRUE(sign_with(*rsa_, *w_ / "gs.pdf", *w_ / "p2.pdf", o));
  ASSERT_TRUE(sign_with(*ec_, *w_ / "p2.pdf", *w_ / "p2-approved.pdf", visible_at(1, 300, 72)));
  EXPECT_EQ(pdfsig(*w_, "p2-approved.pdf").valid, 2);
  PrepareOptions certify = visible_at(1, 300, 300);
  certify.info.docmdp = 3;
  auto second = sign_with(*ec_, *w_ / "p2-approved.pdf", *w_ / "p2-x.pdf", certify);
  ASSERT_FALSE(second);
  EXPECT_EQ(second.error().code, Errc::pdf_changes_forbidden);
}

TEST_F(PdfSignTest, KeywordPlacementPutsRedPixelsOnTheKeywordOnly) {
  PrepareOptions o = visible_at(1, 0, 0);
  o.placement.mode = PlacementMode::keyword;
  o.placement.keyword = "Doctor signature:";
  auto r = sign_with(*rsa_, *w_ / "gs.pdf", *w_ / "keyword.pdf", o);
  ASSERT_TRUE(r) << r.error().detail;
  ASSERT_EQ(r->widgets.size(), 1u);
  // The keyword sits at (72, 200) on a 612x792 page: the seal's centre must be near it.
  auto& rect = r->widgets[0].rect;
  EXPECT_NEAR((rect.llx + rect.urx) / 2, 72 + 60, 40);
  EXPECT_NEAR((rect.lly + rect.ury) / 2, 205, 15);
  ASSERT_EQ(w_->run("pdftoppm -r 50 -png -f 1 -l 1 keyword.pdf keyword"), 0);
  auto png = w_->read("keyword-1.png");
  auto img = image::decode_png(as_bytes(png)).value();
  auto red_in = [&](double x0, double y0, double x1, double y1) {  // PDF points, y up
    int n = 0;
    const double s = 50.0 / 72;
    for (int y = static_cast<int>((792 - y1) * s); y < static_cast<int>((792 - y0) * s); ++y)
      for (int x = static_cast<int>(x0 * s); x < static_cast<int>(x1 * s); ++x) {
        if (x < 0 || y < 0 || x >= img.width || y >= img.height) continue;
        auto* px = img.at(x, y);
        if (px[0] > 180 && px[1] < 90 && px[2] < 90) ++n;
      }
    return n;
  };
  EXPECT_GT(red_in(rect.llx, rect.lly, rect.urx, rect.ury), 100);
  EXPECT_EQ(red_in(0, 400, 612, 792), 0) << "no seal away from the keyword";
  EXPECT_EQ(pdfsig(*w_, "keyword.pdf").valid, 1);
}

TEST_F(PdfSignTest, KeywordEveryOccurrenceShowsTheSealUnderOneSignature) {
  make_cairo_pdf(*w_ / "three.pdf", 3);
  PrepareOptions o = visible_at(0, 0, 0);
  o.placement.mode = PlacementMode::keyword;
  o.placement.keyword = "Patient signature:";
  o.placement.occurrence = Occurrence::all;
  auto r = sign_with(*rsa_, *w_ / "three.pdf", *w_ / "three-signed.pdf", o);
  ASSERT_TRUE(r) << r.error().detail;
  EXPECT_EQ(r->widgets.size(), 3u);
  auto rep = pdfsig(*w_, "three-signed.pdf");
  EXPECT_EQ(rep.signatures, 1) << rep.text;
  EXPECT_EQ(rep.valid, 1) << rep.text;
  // The seal shows on the last page too.
  ASSERT_EQ(w_->run("pdftoppm -r 20 -png -f 3 -l 3 three-signed.pdf three"), 0);
  auto img = image::decode_png(as_bytes(w_->read("three-3.png"))).value();
  int red = 0;
  for (int y = 0; y < img.height; ++y)
    for (int x = 0; x < img.width; ++x)
      if (img.at(x, y)[0] > 180 && img.at(x, y)[1] < 90) ++red;
  EXPECT_GT(red, 20);
  EXPECT_TRUE(qpdf_ok("three-signed.pdf"));
}

TEST_F(PdfSignTest, ViewerCoordinatesOnARotatedPageLandWhereTheUserClicked) {
  w_->run("qpdf --rotate=+90:1 gs.pdf rotated.pdf");
  auto doc = Document::open(*w_ / "rotated.pdf");
  ASSERT_TRUE(doc);
  ASSERT_EQ(doc->pages()[0].rotate, 90);
  PrepareOptions o = visible_at(1, 0, 0);
  o.placement.mode = PlacementMode::viewer;
  o.placement.x = 600;  // displayed page is 792 wide, 612 high
  o.placement.y = 40;
  auto r = sign_with(*rsa_, *w_ / "rotated.pdf", *w_ / "rotated-signed.pdf", o);
  ASSERT_TRUE(r) << r.error().detail;
  EXPECT_EQ(pdfsig(*w_, "rotated-signed.pdf").valid, 1);
  ASSERT_EQ(w_->run("pdftoppm -r 36 -png rotated-signed.pdf rot"), 0);
  auto img = image::decode_png(as_bytes(w_->read("rot-1.png"))).value();
  EXPECT_GT(img.width, img.height);  // displayed in landscape
  // Red in the displayed top-right area (viewer x 600..685, y 40..125 points at 0.5 px/pt).
  int red = 0, red_elsewhere = 0;
  for (int y = 0; y < img.height; ++y)
    for (int x = 0; x < img.width; ++x) {
      auto* px = img.at(x, y);
      if (!(px[0] > 180 && px[1] < 90 && px[2] < 90)) continue;
      (x >= 295 && x <= 348 && y >= 15 && y <= 68 ? red : red_elsewhere)++;
    }
  EXPECT_GT(red, 50);
  EXPECT_EQ(red_elsewhere, 0);
}

TEST_F(PdfSignTest, PrepareThenEmbedGivesTheSameValidSignature) {
  PrepareOptions o = visible_at(1, 100, 100);
  o.contents_bytes = 8192;
  auto p = prepare(*w_ / "gs.pdf", *w_ / "prepared.pdf", o);
  ASSERT_TRUE(p) << p.error().detail;
  auto again = inspect_prepared(*w_ / "prepared.pdf", cms::DigestAlgorithm::sha256);
  ASSERT_TRUE(again) << again.error().detail;
  EXPECT_EQ(again->digest, p->digest);
  EXPECT_EQ(again->byte_range, p->byte_range);
  auto cms_der = make_pades_cms(*rsa_, p->digest, nullptr);
  ASSERT_TRUE(cms_der);
  ASSERT_TRUE(embed(*w_ / "prepared.pdf", *cms_der, *w_ / "embedded.pdf"));
  auto rep = pdfsig(*w_, "embedded.pdf");
  EXPECT_EQ(rep.valid, 1) << rep.text;
  EXPECT_TRUE(rep.last_covers_all);
  auto twice = embed(*w_ / "embedded.pdf", *cms_der, *w_ / "embedded-2.pdf");
  ASSERT_FALSE(twice);
  EXPECT_EQ(twice.error().code, Errc::pdf_malformed);
}

TEST_F(PdfSignTest, BadInputsGiveSpecificErrorsAndLeaveNoOutput) {
  auto code = [&](const std::string& in, PrepareOptions o) {
    auto r = sign_with(*rsa_, *w_ / in, *w_ / "bad-out.pdf", o);
    EXPECT_FALSE(fs::exists(*w_ / "bad-out.pdf"));
    return r ? Errc::internal : r.error().code;
  };
  std::string gs = w_->read("gs.pdf");
  w_->write("truncated.pdf", gs.substr(0, gs.size() / 2));
  w_->write("notpdf.pdf", "hello, this is not a PDF");
  std::string broken = gs;
  auto sx = broken.rfind("startxref");
  broken.replace(sx + 10, 4, "9999");
  w_->write("badxref.pdf", broken);
  w_->run("qpdf --encrypt user owner 256 -- gs.pdf encrypted.pdf");
  EXPECT_EQ(code("truncated.pdf", visible_at(1, 72, 72)), Errc::pdf_malformed);
  EXPECT_EQ(code("notpdf.pdf", visible_at(1, 72, 72)), Errc::pdf_malformed);
  EXPECT_EQ(code("badxref.pdf", visible_at(1, 72, 72)), Errc::pdf_malformed);
  EXPECT_EQ(code("encrypted.pdf", visible_at(1, 72, 72)), Errc::pdf_encrypted);
  EXPECT_EQ(code("gs.pdf", visible_at(9, 72, 72)), Errc::pdf_page_out_of_range);
  PrepareOptions kw = visible_at(1, 0, 0);
  kw.placement.mode = PlacementMode::keyword;
  kw.placement.keyword = "not in the text";
  EXPECT_EQ(code("gs.pdf", kw), Errc::pdf_keyword_not_found);
  PrepareOptions bad_png = visible_at(1, 72, 72);
  bad_png.seal->png = Bytes{0x89, 'P', 'N', 'G', 1, 2, 3};
  EXPECT_NE(code("gs.pdf", bad_png), Errc::internal);
  // A placeholder too small for the CMS.
  PrepareOptions small = visible_at(1, 72, 72);
  small.contents_bytes = 1024;
  auto r = sign_file(*w_ / "gs.pdf", *w_ / "bad-out.pdf", small,
                     [&](const Prepared& p) { return make_pades_cms(*rsa_, p.digest, nullptr); });
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, Errc::pdf_placeholder_too_small);
  EXPECT_FALSE(fs::exists(*w_ / "bad-out.pdf"));
}

TEST_F(PdfSignTest, SigningInPlaceReplacesTheFileAtomically) {
  w_->run("cp gs.pdf inplace.pdf");
  auto r = sign_with(*rsa_, *w_ / "inplace.pdf", *w_ / "inplace.pdf", visible_at(1, 72, 72));
  ASSERT_TRUE(r) << r.error().detail;
  EXPECT_EQ(pdfsig(*w_, "inplace.pdf").valid, 1);
  for (auto& e : fs::directory_iterator(w_->path()))
    EXPECT_EQ(e.path().filename().string().find(".tmp-"), std::string::npos) << e.path();
}

}  // namespace
}  // namespace medsign::pdf
