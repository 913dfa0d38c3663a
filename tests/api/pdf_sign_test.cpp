// PDF signing over the API and the CLI against a real server: the demo seals of `medsign init` sign PDFs that
// pdfsig and qpdf accept (RSA), SM2 results pass qpdf and our verifier, B-T carries a token from our TSA,
// distributed stamping sends only a digest, and every signing is audited.
#include <gtest/gtest.h>

#include "crypto/soft/keystore.h"
#include "harness.h"
#include "pdf/signature.h"

namespace medsign::test {
namespace {
namespace fs = std::filesystem;

const std::string kBin = MEDSIGN_BINARY;

class PdfSignApiTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    server_ = new TestServer();
    work_ = make_temp_dir("pdfsign");
    sys_ = new Client(server_->login("sysadmin"));
    op_ = new Client(server_->create_and_login(*sys_, "pdfop", "operator"));
    sh("printf '%%!PS\\n/Helvetica findfont 14 scalefont setfont\\n72 700 moveto (Lab report) show\\n"
       "72 200 moveto (Doctor signature:) show\\nshowpage\\n' > in.ps && "
       "gs -q -dNOPAUSE -dBATCH -sDEVICE=pdfwrite -sOutputFile=in.pdf in.ps");
  }
  static void TearDownTestSuite() {
    delete op_;
    delete sys_;
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
  static std::string seal(const std::string& key) {
    json j = op_->get("/api/v1/seals?state=active").j();
    for (auto& s : j["items"])
      if (s["certificates"][0]["key_name"] == key) return s["id"].get<std::string>();
    ADD_FAILURE() << "no demo seal bound to " << key << ": " << j.dump();
    return {};
  }
  static Response sign(const std::string& pdf_file, const std::string& query) {
    return op_->request(http::verb::post, "/api/v1/pdf/sign?" + query, text(pdf_file), "application/pdf");
  }
  static std::int64_t audits(const std::string& action, const std::string& target) {
    auto r = server_->platform().db->query("SELECT COUNT(*) FROM audit_log WHERE action = ? AND target = ?",
                                           {action, target});
    return r->at(0).int64(0);
  }
  // pdfsig -nocert: (signatures, valid, last covers the whole document)
  static std::tuple<int, int, bool> pdfsig(const std::string& name) {
    std::string out;
    sh("pdfsig -nocert " + name, &out);
    int sigs = 0, valid = 0;
    for (std::size_t p = 0; (p = out.find("Signature #", p)) != std::string::npos; ++p) ++sigs;
    for (std::size_t p = 0; (p = out.find("Signature is Valid.", p)) != std::string::npos; ++p) ++valid;
    auto last = out.rfind("Signature #");
    return {sigs, valid, last != std::string::npos && out.find("Total document signed", last) != std::string::npos};
  }
  static bool qpdf_ok(const std::string& name) { return sh("qpdf --check " + name) == 0; }

  static inline TestServer* server_ = nullptr;
  static inline fs::path work_;
  static inline Client* sys_ = nullptr;
  static inline Client* op_ = nullptr;
};

TEST_F(PdfSignApiTest, RsaSealSignsAtKeywordWithTimestampAndPdfsigAccepts) {
  std::string id = seal("rsa-sign");
  auto r = sign("in.pdf", "seal=" + id + "&keyword=Doctor%20signature%3A&tsa=default&reason=approved");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.headers["Content-Type"], "application/pdf");
  put("api-rsa.pdf", r.body);
  auto [sigs, valid, whole] = pdfsig("api-rsa.pdf");
  EXPECT_EQ(sigs, 1);
  EXPECT_EQ(valid, 1);
  EXPECT_TRUE(whole);
  EXPECT_TRUE(qpdf_ok("api-rsa.pdf"));
  std::string report;
  sh("pdfsig -nocert api-rsa.pdf", &report);
  EXPECT_NE(report.find("ETSI.CAdES.detached"), std::string::npos);
  EXPECT_EQ(audits("pdf.sign", id), 1);
  // Our verifier sees the timestamp.
  auto v = op_->request(http::verb::post, "/api/v1/pdf/verify", r.body, "application/pdf");
  ASSERT_EQ(v.status, 200) << v.body;
  EXPECT_EQ(v.j()["signatures"][0]["time_source"], "timestamp") << v.body;
}

TEST_F(PdfSignApiTest, Sm2SealPassesQpdfAndOurVerifier) {
  auto r = sign("in.pdf", "seal=" + seal("sm2-sign") + "&page=1&x=300&y=400");
  ASSERT_EQ(r.status, 200) << r.body;
  put("api-sm2.pdf", r.body);
  EXPECT_TRUE(qpdf_ok("api-sm2.pdf"));
  auto v = op_->request(http::verb::post, "/api/v1/pdf/verify", r.body, "application/pdf");
  ASSERT_EQ(v.status, 200) << v.body;
  EXPECT_EQ(v.j()["signatures"][0]["integrity"], "valid") << v.body;
  EXPECT_EQ(v.j()["signatures"][0]["flavor"], "gmt0010") << v.body;
}

TEST_F(PdfSignApiTest, SesTrueCarriesAnSesSignatureThatOurVerifierChecks) {
  std::string id = seal("sm2-sign");
  auto r = sign("in.pdf", "seal=" + id + "&page=1&x=300&y=400&ses=true");
  ASSERT_EQ(r.status, 200) << r.body;
  put("api-ses.pdf", r.body);
  EXPECT_TRUE(qpdf_ok("api-ses.pdf"));
  // The SESeal carries the seal picture: the file exceeds this test server's body limit, so the CLI verifies.
  std::string out;
  sh(kBin + " pdf verify api-ses.pdf --json", &out);
  ASSERT_NE(out.find('{'), std::string::npos) << out;
  json s = json::parse(out.substr(out.find('{')))["signatures"][0];
  EXPECT_EQ(s["integrity"], "valid") << out;
  EXPECT_EQ(s["ses"], "valid") << out;
  EXPECT_EQ(s["ses_signature"]["seal_id"], id) << out;
  EXPECT_EQ(s["ses_signature"]["property_info"], "pdf:" + r.headers["X-Signature-Field"]) << out;
  sh(kBin + " pdf verify api-ses.pdf", &out);
  EXPECT_NE(out.find("SES signature: valid (seal " + id), std::string::npos) << out;
  // Only SM2 seals carry one; a bad value is refused.
  EXPECT_EQ(sign("in.pdf", "seal=" + seal("rsa-sign") + "&ses=true").error_code(), "invalid_argument");
  EXPECT_EQ(sign("in.pdf", "seal=" + id + "&ses=yes").error_code(), "invalid_argument");
}

TEST_F(PdfSignApiTest, CertifiedNoChangesThenSecondSignatureIsRefused) {
  std::string id = seal("rsa-sign");
  auto r = sign("in.pdf", "seal=" + id + "&certify=no-changes");
  ASSERT_EQ(r.status, 200) << r.body;
  put("certified.pdf", r.body);
  auto again = sign("certified.pdf", "seal=" + id + "&x=300&y=300");
  EXPECT_EQ(again.status, 409);
  EXPECT_EQ(again.error_code(), "pdf_changes_forbidden");
}

TEST_F(PdfSignApiTest, DistributedStampingSendsOnlyADigestAndTheResultVerifies) {
  std::string id = seal("rsa-sign");
  // Step 1, at the business system: prepare locally (CLI) with the seal's picture; digest of the ByteRange.
  auto pic = op_->get("/api/v1/seals/" + id + "/picture");
  ASSERT_EQ(pic.status, 200);
  put("seal.png", pic.body);
  std::string out;
  ASSERT_EQ(sh(kBin + " pdf prepare --in in.pdf --out prepared.pdf --image seal.png --alg sha256 --page 1 --x 350 --y 100",
               &out),
            0)
      << out;
  auto prepared = json::parse(out.substr(out.find('{')));
  // Step 2: only the digest goes to the server.
  json req{{"seal", id}, {"digest", prepared["digest"]}, {"alg", "sha256"}, {"tsa", "default"}};
  EXPECT_LT(req.dump().size(), 300u) << "a few hundred bytes cross the wire";
  auto r = op_->post("/api/v1/pdf/sign-digest", req);
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_LT(r.body.size(), 16000u);
  auto cms_der = base64_decode(r.j()["cms"].get<std::string>()).value();
  put("sig.cms", std::string(cms_der.begin(), cms_der.end()));
  // Step 3: embed locally.
  ASSERT_EQ(sh(kBin + " pdf embed --in prepared.pdf --cms sig.cms --out distributed.pdf", &out), 0) << out;
  auto [sigs, valid, whole] = pdfsig("distributed.pdf");
  EXPECT_EQ(valid, 1);
  EXPECT_TRUE(whole);
  EXPECT_EQ(audits("pdf.sign_digest", id), 1);
  // A digest of the wrong size or algorithm is refused.
  auto bad = op_->post("/api/v1/pdf/sign-digest", {{"seal", id}, {"digest", base64_encode(Bytes(20, 1))}});
  EXPECT_EQ(bad.status, 400);
  auto sm3 = op_->post("/api/v1/pdf/sign-digest", {{"seal", id}, {"digest", prepared["digest"]}, {"alg", "sm3"}});
  EXPECT_EQ(sm3.status, 400);
}

TEST_F(PdfSignApiTest, BadRequestsGetSpecificErrors) {
  std::string id = seal("rsa-sign");
  put("junk.pdf", "not a pdf at all");
  auto junk = sign("junk.pdf", "seal=" + id);
  EXPECT_EQ(junk.status, 400);
  EXPECT_EQ(junk.error_code(), "pdf_malformed");
  sh("qpdf --encrypt u o 256 -- in.pdf enc.pdf");
  auto enc = sign("enc.pdf", "seal=" + id);
  EXPECT_EQ(enc.error_code(), "pdf_encrypted");
  EXPECT_EQ(sign("in.pdf", "seal=" + id + "&page=7").error_code(), "pdf_page_out_of_range");
  EXPECT_EQ(sign("in.pdf", "seal=" + id + "&keyword=absent").error_code(), "pdf_keyword_not_found");
  EXPECT_EQ(sign("in.pdf", "seal=seal-nope").status, 404);
  auto json_body = op_->request(http::verb::post, "/api/v1/pdf/sign?seal=" + id, "{}", "application/json");
  EXPECT_EQ(json_body.status, 415);
  EXPECT_EQ(server_->client().request(http::verb::post, "/api/v1/pdf/sign?seal=" + id, text("in.pdf"),
                                      "application/pdf").status,
            401);
  EXPECT_GE(audits("pdf.sign", id), 1);
}

TEST_F(PdfSignApiTest, CliSignsWithSealOfTheDataDirectory) {
  // The CLI opens the data directory offline; a copy keeps the running server's files untouched.
  sh("cp -r " + server_->data_dir().string() + " data-copy");
  std::string out;
  int rc = sh(kBin + " pdf sign --data data-copy --in in.pdf --out cli.pdf --seal " + seal("rsa-sign") +
                  " --keyword \"Doctor signature:\" --tsa default",
              &out);
  if (out.find("database") != std::string::npos && rc != 0) GTEST_SKIP() << "data dir not usable offline: " << out;
  ASSERT_EQ(rc, 0) << out;
  auto [sigs, valid, whole] = pdfsig("cli.pdf");
  EXPECT_EQ(valid, 1);
  EXPECT_TRUE(whole);
}

}  // namespace
}  // namespace medsign::test
