// CMS SignedData against OpenSSL: what we sign, `openssl cms -verify` accepts; what `openssl cms -sign`
// makes, we verify; SM2 signatures inside GM/T 0010 SignedData are checked independently with
// `openssl pkeyutl -verify` over the extracted signed attributes.
#include "cms/signed_data.h"

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <random>

#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include "asn1/oids.h"
#include "crypto/sm2/sm2.h"

namespace medsign::cms {
namespace {
namespace fs = std::filesystem;

class CmsTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = fs::temp_directory_path() / ("medsign-cms-" + std::to_string(std::random_device{}()));
    fs::create_directories(dir_);
    run("openssl req -x509 -newkey rsa:2048 -nodes -keyout rsa.key -out rsa.pem -subj '/CN=RSA Signer/O=Hospital' -days 30");
    run("openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout ec.key -out ec.pem "
        "-subj '/CN=ECDSA Signer' -days 30");
    run("openssl genpkey -algorithm SM2 -out sm2.key");
    run("openssl req -x509 -key sm2.key -sm3 -sigopt distid:1234567812345678 -utf8 -out sm2.pem "
        "-subj '/CN=SM2 Signer/O=医院' -days 30");
    run("openssl pkey -in sm2.key -pubout -out sm2.pub");
  }
  static void TearDownTestSuite() { fs::remove_all(dir_); }

  static int run(const std::string& cmd) {
    return std::system(("cd " + dir_.string() + " && " + cmd + " >/dev/null 2>&1").c_str());
  }
  static std::string read(const std::string& name) {
    std::ifstream in(dir_ / name, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), {});
  }
  static void write(const std::string& name, ByteView data) {
    std::ofstream out(dir_ / name, std::ios::binary);
    out.write(reinterpret_cast<const char*>(data.data()), static_cast<std::streamsize>(data.size()));
  }
  static pki::Certificate cert(const std::string& name) {
    auto pem = read(name);
    return pki::Certificate::parse(as_bytes(pem)).value();
  }
  static std::shared_ptr<EVP_PKEY> key(const std::string& name) {
    auto pem = read(name);
    BIO* bio = BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size()));
    EVP_PKEY* k = PEM_read_bio_PrivateKey(bio, nullptr, nullptr, nullptr);
    BIO_free(bio);
    return std::shared_ptr<EVP_PKEY>(k, EVP_PKEY_free);
  }
  static SignerSpec evp_signer(const std::string& base, SignatureAlgorithm alg, DigestAlgorithm d) {
    auto k = key(base + ".key");
    const EVP_MD* md = d == DigestAlgorithm::sha384 ? EVP_sha384() : EVP_sha256();
    SignerSpec s{cert(base + ".pem"), d, alg, nullptr, true, 1795795200000, {}, {}};
    s.sign = [k, md](ByteView tbs) -> Result<Bytes> {
      EVP_MD_CTX* ctx = EVP_MD_CTX_new();
      std::size_t len = 0;
      EVP_DigestSignInit(ctx, nullptr, md, nullptr, k.get());
      EVP_DigestSign(ctx, nullptr, &len, tbs.data(), tbs.size());
      Bytes sig(len);
      EVP_DigestSign(ctx, sig.data(), &len, tbs.data(), tbs.size());
      EVP_MD_CTX_free(ctx);
      sig.resize(len);
      return sig;
    };
    return s;
  }
  static SignerSpec sm2_signer() {
    auto k = key("sm2.key");
    BIGNUM* d = nullptr;
    EVP_PKEY_get_bn_param(k.get(), "priv", &d);
    Bytes scalar(32);
    BN_bn2binpad(d, scalar.data(), 32);
    BN_free(d);
    auto priv = std::make_shared<crypto::sm2::PrivateKey>(crypto::sm2::PrivateKey::from_bytes(scalar).value());
    SignerSpec s{cert("sm2.pem"), DigestAlgorithm::sm3, SignatureAlgorithm::sm2, nullptr, true, 1795795200000, {}, {}};
    s.sign = [priv](ByteView tbs) -> Result<Bytes> {
      MEDSIGN_ASSIGN(auto sig, crypto::sm2::sign(*priv, tbs));
      return crypto::sm2::encode_signature_der(sig);
    };
    return s;
  }
  static fs::path dir_;
};
fs::path CmsTest::dir_;

const Bytes kContent = to_bytes("出院小结 / discharge summary: patient 0042, signed by Dr. Wang\n");

TEST_F(CmsTest, OpenSslVerifiesOurRsaAndEcdsaSignatures) {
  for (auto [base, alg, d] : {std::tuple{"rsa", SignatureAlgorithm::rsa_pkcs1, DigestAlgorithm::sha256},
                              std::tuple{"rsa", SignatureAlgorithm::rsa_pkcs1, DigestAlgorithm::sha384},
                              std::tuple{"ec", SignatureAlgorithm::ecdsa, DigestAlgorithm::sha256}}) {
    SCOPED_TRACE(std::string(base) + " " + std::string(digest_name(d)));
    SignerSpec s = evp_signer(base, alg, d);
    write("content.bin", kContent);
    for (bool detached : {false, true}) {
      SignRequest req;
      req.content = kContent;
      req.detached = detached;
      auto der = sign(req, {&s, 1});
      ASSERT_TRUE(der.ok()) << der.error().to_string();
      write("ours.p7s", *der);
      std::string cmd = "openssl cms -verify -binary -inform DER -in ours.p7s -CAfile " + std::string(base) +
                        ".pem -out verified.bin" + (detached ? " -content content.bin" : "");
      EXPECT_EQ(run(cmd), 0) << cmd;
      EXPECT_EQ(read("verified.bin"), std::string(kContent.begin(), kContent.end()));
    }
  }
}

TEST_F(CmsTest, WeVerifyOpenSslSignaturesAttachedAndDetached) {
  write("content.bin", kContent);
  for (const char* base : {"rsa", "ec"}) {
    SCOPED_TRACE(base);
    ASSERT_EQ(run(std::string("openssl cms -sign -binary -nodetach -in content.bin -signer ") + base + ".pem -inkey " +
                  base + ".key -outform DER -out att.p7s"),
              0);
    ASSERT_EQ(run(std::string("openssl cms -sign -binary -in content.bin -signer ") + base + ".pem -inkey " + base +
                  ".key -outform DER -out det.p7s"),
              0);
    auto att = read("att.p7s");
    auto sd = parse_signed_data(as_bytes(att));
    ASSERT_TRUE(sd.ok()) << sd.error().to_string();
    ASSERT_TRUE(sd->content.has_value());
    EXPECT_EQ(*sd->content, kContent);
    auto v = verify_signatures(*sd);
    ASSERT_TRUE(v.ok());
    ASSERT_EQ(v->size(), 1u);
    EXPECT_TRUE((*v)[0].ok) << (*v)[0].problem;
    EXPECT_TRUE((*v)[0].signing_time_ms.has_value());

    auto det = read("det.p7s");
    auto dsd = parse_signed_data(as_bytes(det)).value();
    EXPECT_FALSE(dsd.content.has_value());
    EXPECT_FALSE(verify_signatures(dsd).ok());
    auto dv = verify_signatures(dsd, ByteView(kContent));
    ASSERT_TRUE(dv.ok());
    EXPECT_TRUE((*dv)[0].ok) << (*dv)[0].problem;
    Bytes altered = kContent;
    altered[3] ^= 1;
    auto bad = verify_signatures(dsd, ByteView(altered)).value();
    EXPECT_FALSE(bad[0].ok);
    EXPECT_NE(bad[0].problem.find("content altered"), std::string::npos);
  }
}

TEST_F(CmsTest, Sm2GmT0010SignatureVerifiesHereAndWithOpenSslPkeyutl) {
  SignerSpec s = sm2_signer();
  SignRequest req;
  req.flavor = Flavor::gmt0010;
  req.content = kContent;
  auto der = sign(req, {&s, 1});
  ASSERT_TRUE(der.ok()) << der.error().to_string();
  auto sd = parse_signed_data(*der).value();
  EXPECT_EQ(sd.flavor, Flavor::gmt0010);
  EXPECT_EQ(sd.content_type, asn1::oid::kGmData);
  EXPECT_EQ(sd.version, 1);
  ASSERT_EQ(sd.signers.size(), 1u);
  EXPECT_EQ(sd.signers[0].signature_oid, asn1::oid::kSm2Sign);
  auto v = verify_signatures(sd).value();
  EXPECT_TRUE(v[0].ok) << v[0].problem;
  // Independent check of the SM2 signature over the signed attributes, with the distinguishing ID.
  write("attrs.der", sd.signers[0].signed_attributes_der);
  write("sig.bin", sd.signers[0].signature);
  EXPECT_EQ(run("openssl pkeyutl -verify -pubin -inkey sm2.pub -rawin -digest sm3 -pkeyopt distid:1234567812345678 "
                "-in attrs.der -sigfile sig.bin"),
            0);
  // ...and that check can fail: a different byte is refused.
  Bytes attrs = sd.signers[0].signed_attributes_der;
  attrs.back() ^= 1;
  write("attrs.der", attrs);
  EXPECT_NE(run("openssl pkeyutl -verify -pubin -inkey sm2.pub -rawin -digest sm3 -pkeyopt distid:1234567812345678 "
                "-in attrs.der -sigfile sig.bin"),
            0);
}

TEST_F(CmsTest, SeveralSignersAndTamperingAreReportedPerSigner) {
  SignerSpec signers[] = {sm2_signer(), evp_signer("rsa", SignatureAlgorithm::rsa_pkcs1, DigestAlgorithm::sha256),
                          evp_signer("ec", SignatureAlgorithm::ecdsa, DigestAlgorithm::sha256)};
  SignRequest req;
  req.content = kContent;
  auto der = sign(req, signers).value();
  auto sd = parse_signed_data(der).value();
  EXPECT_EQ(sd.certificates.size(), 3u);
  EXPECT_EQ(sd.digest_algorithms.size(), 2u);
  auto v = verify_signatures(sd).value();
  ASSERT_EQ(v.size(), 3u);
  for (auto& r : v) EXPECT_TRUE(r.ok) << r.problem;
  sd.signers[1].signature[10] ^= 0x40;
  auto v2 = verify_signatures(sd).value();
  EXPECT_TRUE(v2[0].ok);
  EXPECT_FALSE(v2[1].ok);
  EXPECT_TRUE(v2[2].ok);
  std::erase_if(sd.certificates, [&](const pki::Certificate& c) {
    return c.serial() == sd.signers[0].serial && c.issuer().der() == sd.signers[0].issuer_der;
  });
  ASSERT_EQ(sd.certificates.size(), 2u);
  auto v3 = verify_signatures(sd).value();
  EXPECT_FALSE(v3[0].ok);
  EXPECT_NE(v3[0].problem.find("certificate is not included"), std::string::npos);
}

TEST_F(CmsTest, WithoutSignedAttributesTheContentItselfIsSigned) {
  SignerSpec s = sm2_signer();
  s.signed_attributes = false;
  SignRequest req;
  req.flavor = Flavor::gmt0010;
  req.content = kContent;
  auto sd = parse_signed_data(sign(req, {&s, 1}).value()).value();
  EXPECT_TRUE(sd.signers[0].signed_attributes_der.empty());
  EXPECT_TRUE(verify_signatures(sd).value()[0].ok);
  sd.content->front() ^= 1;
  EXPECT_FALSE(verify_signatures(sd).value()[0].ok);
}

TEST_F(CmsTest, MalformedInputIsRejectedWithAReason) {
  SignerSpec s = sm2_signer();
  SignRequest req;
  req.content = kContent;
  Bytes der = sign(req, {&s, 1}).value();
  for (std::size_t cut : {std::size_t{0}, std::size_t{1}, std::size_t{10}, der.size() / 2, der.size() - 1}) {
    auto r = parse_signed_data(ByteView(der).first(cut));
    EXPECT_FALSE(r.ok()) << cut;
    if (!r.ok()) {
      EXPECT_EQ(r.error().code, Errc::bad_encoding);
    }
  }
  Bytes trailing = der;
  trailing.push_back(0);
  EXPECT_FALSE(parse_signed_data(trailing).ok());
  EXPECT_FALSE(parse_signed_data(to_bytes("not DER at all")).ok());
}

}  // namespace
}  // namespace medsign::cms
