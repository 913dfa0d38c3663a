// A GB/T 38540 / GM/T 0031 SES_Signature carried in the CMS of a PDF signature (unsigned attribute
// kSesSignatureAttr): made through PdfService with a real SESeal (keys and certificates from the openssl CLI),
// read back and checked by our verifier, the file by qpdf --check and the CMS DER by openssl asn1parse (pdfsig
// does not read GM/T 0010 SM2 signatures, with or without the attribute).
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "cms/signed_data.h"
#include "common/clock.h"
#include "crypto/soft/keystore.h"
#include "pdf/verify.h"
#include "pdf_test_support.h"
#include "seal/sign.h"
#include "services/pdf_service.h"

namespace medsign::pdf {
namespace {
using namespace medsign::pdf::testing;

struct KeyAndCert {
  crypto::EvpKey key;
  pki::Certificate cert;
};

// kind: "sm2" or "rsa"; a self-signed certificate made with the openssl CLI.
KeyAndCert make_key(const Workdir& w, const std::string& kind, const std::string& cn) {
  const std::string base = "ses-" + kind;
  if (kind == "rsa")
    w.run("openssl req -x509 -newkey rsa:2048 -nodes -keyout " + base + ".key -out " + base + ".pem -subj '/CN=" + cn +
          "' -days 30");
  else
    w.run("openssl genpkey -algorithm SM2 -out " + base + ".key && openssl req -x509 -key " + base +
          ".key -sm3 -sigopt distid:1234567812345678 -out " + base + ".pem -subj '/CN=" + cn + "' -days 30");
  return {crypto::EvpKey::from_pem(w.read(base + ".key")).value(),
          pki::Certificate::parse(as_bytes(w.read(base + ".pem"))).value()};
}

crypto::Signer signer_of(const crypto::EvpKey& key) {
  auto pair = crypto::KeyPair::from_pkcs8(key.private_der().value().view()).value();
  return crypto::Signer::create(crypto::SignatureAlg::sm2_sm3, pair).value();
}

// An SESeal of `version` listing the SM2 signer, made (self-issued) with the signer's own key.
seal::Seal make_eseal(const KeyAndCert& k, int version) {
  seal::SealInfo i;
  i.header.vid = "MedSign";
  i.es_id = "seal-pdf-ses-" + std::to_string(version);
  i.property.type = 1;
  i.property.name = "Demo Hospital Seal";
  i.property.certs = {k.cert.der()};
  i.property.create_ms = unix_millis() / 1000 * 1000;
  i.property.valid_start_ms = i.property.create_ms - 3600'000;
  i.property.valid_end_ms = i.property.create_ms + 30LL * 86400'000;
  i.picture.type = "PNG";
  i.picture.data = red_seal_png();
  return seal::make_seal(std::move(i), version, k.cert, signer_of(k.key)).value();
}

// The DER CMS in the signature's /Contents (zero padding removed).
Bytes contents_der(const std::string& file, const Prepared& p) {
  std::string hex = file.substr(p.byte_range[1] + 1, p.byte_range[2] - p.byte_range[1] - 2);
  Bytes der = hex_decode(hex).value();
  std::size_t len_bytes = der[1] & 0x7f, len = 0;
  for (std::size_t i = 0; i < len_bytes; ++i) len = len << 8 | der[2 + i];
  der.resize(2 + len_bytes + len);
  return der;
}

class PdfSesTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    w_ = new Workdir();
    sm2_ = new KeyAndCert(make_key(*w_, "sm2", "Demo Hospital Seal"));
    rsa_ = new KeyAndCert(make_key(*w_, "rsa", "Doctor Li"));
    keys_ = new crypto::SoftKeyStore(crypto::SoftKeyStore::create(w_->path() / "data").value());
    ASSERT_TRUE(keys_->put("sm2-seal", sm2_->key));
    ASSERT_TRUE(keys_->put("rsa-seal", rsa_->key));
    make_gs_pdf(*w_, "gs.pdf");
  }
  static void TearDownTestSuite() {
    delete keys_;
    delete rsa_;
    delete sm2_;
    delete w_;
  }
  static services::SealMaterial material(const KeyAndCert& k, const std::string& key_name, const seal::Seal* eseal) {
    services::SealMaterial m;
    m.seal_id = eseal ? eseal->info.es_id : key_name;
    m.name = "Demo Hospital Seal";
    m.picture = red_seal_png();
    m.picture_type = "PNG";
    m.width_mm = 30;
    m.height_mm = 30;
    m.key_name = key_name;
    m.certificate = k.cert;
    if (eseal) {
      m.eseal = eseal->der;
      m.eseal_version = eseal->version;
    }
    return m;
  }
  static Result<services::PdfSignResult> sign(const services::SealMaterial& m, const std::string& out, bool ses) {
    services::PdfService svc(*keys_, nullptr, {});
    services::PdfSignOptions o;
    o.placement.x = 300;
    o.placement.y = 300;
    o.ses = ses;
    return svc.sign(m, *w_ / "gs.pdf", *w_ / out, o, {});
  }
  static bool qpdf_ok(const std::string& name) {
    std::string out;
    int rc = w_->run("qpdf --check " + name, &out);
    return rc == 0 && out.find("No syntax or stream encoding errors") != std::string::npos;
  }
  static VerifyReport verify(const std::string& file) {
    VerifyOptions vo;
    vo.check = anchors_check({sm2_->cert});
    return verify_pdf(as_bytes(file), vo).value();
  }
  static inline Workdir* w_;
  static inline KeyAndCert *sm2_, *rsa_;
  static inline crypto::SoftKeyStore* keys_;
};

TEST_F(PdfSesTest, Sm2SealCarriesAnSesSignatureOverTheByteRangeThatVerifies) {
  for (int version : {seal::kVersion38540, seal::kVersion2014}) {
    SCOPED_TRACE(version);
    seal::Seal eseal = make_eseal(*sm2_, version);
    const std::string out = "ses-v" + std::to_string(version) + ".pdf";
    auto r = sign(material(*sm2_, "sm2-seal", &eseal), out, true);
    ASSERT_TRUE(r) << r.error().detail;
    EXPECT_TRUE(qpdf_ok(out));

    // openssl asn1parse reads the CMS as DER and shows the attribute's OID.
    const std::string file = w_->read(out);
    const Bytes cms_der = contents_der(file, r->prepared);
    w_->write("ses.cms", std::string_view(reinterpret_cast<const char*>(cms_der.data()), cms_der.size()));
    std::string parsed;
    EXPECT_EQ(w_->run("openssl asn1parse -inform DER -in ses.cms", &parsed), 0) << parsed;
    EXPECT_NE(parsed.find(":" + kSesSignatureAttr.to_string()), std::string::npos);

    // The attribute holds an SES_Signature of the seal's version whose dataHash is SM3 of the ByteRange bytes.
    auto sd = cms::parse_signed_data(cms_der);
    ASSERT_TRUE(sd) << sd.error().detail;
    EXPECT_EQ(sd->flavor, cms::Flavor::gmt0010);
    const cms::Attribute* a = sd->signers.at(0).find_unsigned(kSesSignatureAttr);
    ASSERT_NE(a, nullptr);
    ASSERT_EQ(a->values.size(), 1u);
    auto ses = seal::decode_signature(a->values[0]);
    ASSERT_TRUE(ses) << ses.error().detail;
    EXPECT_EQ(ses->version, version);
    const std::string ranges = file.substr(0, r->prepared.byte_range[1]) + file.substr(r->prepared.byte_range[2]);
    EXPECT_EQ(ses->data_hash, cms::digest(cms::DigestAlgorithm::sm3, as_bytes(ranges)));
    EXPECT_EQ(ses->data_hash, r->prepared.digest);
    EXPECT_EQ(ses->property_info, "pdf:" + r->prepared.field_name);
    EXPECT_EQ(ses->cert, sm2_->cert.der());
    EXPECT_EQ(ses->eseal.der, eseal.der);

    // Our verifier: the CMS and the SES both valid, the seal named in JSON and text.
    VerifyReport rep = verify(file);
    ASSERT_EQ(rep.signatures.size(), 1u);
    const SignatureReport& s = rep.signatures[0];
    EXPECT_EQ(s.integrity, "valid");
    EXPECT_EQ(s.ses, "valid") << s.ses_problem;
    EXPECT_EQ(s.status, "valid");
    EXPECT_EQ(s.ses_version, version);
    EXPECT_EQ(s.ses_seal_id, eseal.info.es_id);
    EXPECT_EQ(s.ses_seal_name, "Demo Hospital Seal");
    nlohmann::json j = to_json(rep);
    EXPECT_EQ(j["signatures"][0]["ses"], "valid");
    EXPECT_EQ(j["signatures"][0]["ses_signature"]["seal_id"], eseal.info.es_id);
    EXPECT_EQ(j["signatures"][0]["ses_signature"]["property_info"], ses->property_info);
    EXPECT_NE(to_text(rep).find("SES signature: valid (seal " + eseal.info.es_id), std::string::npos) << to_text(rep);
  }
}

TEST_F(PdfSesTest, TamperedSesAttributeLeavesTheCmsValidButTheSesInvalid) {
  seal::Seal eseal = make_eseal(*sm2_, seal::kVersion38540);
  auto r = sign(material(*sm2_, "sm2-seal", &eseal), "ses-tamper.pdf", true);
  ASSERT_TRUE(r) << r.error().detail;
  std::string file = w_->read("ses-tamper.pdf");
  // The last copy of the digest in /Contents is the SES dataHash (the messageDigest attribute comes first).
  const std::string digest_hex = hex_encode(r->prepared.digest);
  const std::size_t first = file.find(digest_hex), last = file.rfind(digest_hex);
  ASSERT_NE(last, std::string::npos);
  ASSERT_NE(first, last);
  ASSERT_GT(last, static_cast<std::size_t>(r->prepared.byte_range[1]));
  char& c = file[last + 10];
  c = c == '0' ? '1' : '0';
  w_->write("ses-tampered.pdf", file);

  VerifyReport rep = verify(file);
  ASSERT_EQ(rep.signatures.size(), 1u);
  const SignatureReport& s = rep.signatures[0];
  EXPECT_EQ(s.integrity, "valid");  // the attribute is unsigned: the CMS still verifies
  EXPECT_EQ(s.ses, "invalid");
  EXPECT_NE(s.ses_problem.find("bad_signature"), std::string::npos) << s.ses_problem;
  EXPECT_EQ(s.status, "invalid");
  bool flagged = false;
  for (auto& p : s.problems) flagged = flagged || p.code == "ses_invalid";
  EXPECT_TRUE(flagged);
  EXPECT_NE(to_text(rep).find("SES problem:"), std::string::npos);
  EXPECT_TRUE(qpdf_ok("ses-tampered.pdf"));
}

TEST_F(PdfSesTest, SesNeedsAnSm2SealWithAnSeSeal) {
  auto rsa = sign(material(*rsa_, "rsa-seal", nullptr), "ses-rsa.pdf", true);
  ASSERT_FALSE(rsa);
  EXPECT_EQ(rsa.error().code, Errc::invalid_argument);
  EXPECT_NE(rsa.error().detail.find("SM2"), std::string::npos) << rsa.error().detail;
  EXPECT_FALSE(std::filesystem::exists(*w_ / "ses-rsa.pdf"));

  auto bare = sign(material(*sm2_, "sm2-seal", nullptr), "ses-bare.pdf", true);
  ASSERT_FALSE(bare);
  EXPECT_EQ(bare.error().code, Errc::invalid_argument);
  EXPECT_NE(bare.error().detail.find("SESeal"), std::string::npos) << bare.error().detail;

  // Without ses the same SM2 seal signs as before and reports no SES.
  seal::Seal eseal = make_eseal(*sm2_, seal::kVersion38540);
  auto plain = sign(material(*sm2_, "sm2-seal", &eseal), "ses-none.pdf", false);
  ASSERT_TRUE(plain) << plain.error().detail;
  VerifyReport rep = verify(w_->read("ses-none.pdf"));
  ASSERT_EQ(rep.signatures.size(), 1u);
  EXPECT_EQ(rep.signatures[0].ses, "none");
  EXPECT_EQ(rep.signatures[0].status, "valid");
}

}  // namespace
}  // namespace medsign::pdf
