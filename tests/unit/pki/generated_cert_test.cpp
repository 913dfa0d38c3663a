// Certificates made by the openssl CLI at test time (RSA, RSA-PSS, ECDSA P-256/P-384, SM2): fields
// agree with openssl and signatures verify with our checks, and fail on a wrong key or altered bytes.
#include <gtest/gtest.h>

#include <stdexcept>

#include "asn1/oids.h"
#include "pki/certificate.h"
#include "pki_test_util.h"

namespace medsign::pki {
namespace {

using namespace test;
namespace id = asn1::oid;

class GeneratedCert : public ::testing::Test {
 protected:
  // Makes a self-signed root with `keygen` (genpkey arguments) and `sign` (digest/sigopt flags), and a
  // leaf issued by it; returns {root, leaf}.
  std::pair<Certificate, Certificate> make_pair(const std::string& keygen, const std::string& sign) {
    const std::string root_key = dir_ / "root.key", root = dir_ / "root.pem";
    const std::string leaf_key = dir_ / "leaf.key", csr = dir_ / "leaf.csr", leaf = dir_ / "leaf.pem";
    const std::size_t d = sign.find("distid:");
    const std::string vfy = d != std::string::npos ? " -vfyopt " + sign.substr(d, sign.find(' ', d) - d) : "";
    run("openssl genpkey " + keygen + " -out " + root_key);
    run("openssl req -x509 -key " + root_key + " " + sign + " -subj '/C=CN/O=Test CA/CN=Root' -days 30" +
        " -addext 'basicConstraints=critical,CA:TRUE' -out " + root);
    run("openssl genpkey " + keygen + " -out " + leaf_key);
    run("openssl req -new -key " + leaf_key + " " + sign + " -subj '/C=CN/CN=Leaf' -out " + csr);
    run("openssl x509 -req -in " + csr + " -CA " + root + " -CAkey " + root_key + " " + sign + vfy +
        " -set_serial 4660 -days 10 -out " + leaf);
    auto r = Certificate::parse_pem(read_text(root));
    auto l = Certificate::parse_pem(read_text(leaf));
    EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.error().to_string());
    EXPECT_TRUE(l.ok()) << (l.ok() ? "" : l.error().to_string());
    if (!r.ok() || !l.ok()) throw std::runtime_error("openssl did not make the certificates");
    leaf_path_ = leaf;
    return {std::move(r->front()), std::move(l->front())};
  }

  void expect_verifies(const Certificate& root, const Certificate& leaf) {
    auto self = root.verify_signature(root);
    EXPECT_TRUE(self.ok()) << self.error().to_string();
    auto st = leaf.verify_signature(root);
    EXPECT_TRUE(st.ok()) << st.error().to_string();
    auto wrong = root.verify_signature(leaf);
    ASSERT_FALSE(wrong.ok());
    EXPECT_EQ(wrong.error().code, Errc::bad_signature);
    // Flip one bit of the subject CN inside tbsCertificate: the parse still succeeds, the check fails.
    Bytes der = leaf.der();
    const std::string cn = "Leaf";
    auto it = std::search(der.begin(), der.end(), cn.begin(), cn.end());
    ASSERT_NE(it, der.end());
    *it ^= 0x01;
    auto altered = Certificate::parse_der(der);
    ASSERT_TRUE(altered.ok());
    auto bad = altered->verify_signature(root);
    ASSERT_FALSE(bad.ok());
    EXPECT_EQ(bad.error().code, Errc::bad_signature);
  }

  void expect_matches_openssl(const Certificate& leaf) {
    const std::string x509 = "openssl x509 -in " + leaf_path_ + " -noout ";
    EXPECT_EQ(leaf.serial_hex(), "1234");
    EXPECT_EQ("subject=" + leaf.subject().to_string(), capture(x509 + "-subject -nameopt utf8,sep_comma_plus_space"));
    EXPECT_EQ("issuer=" + leaf.issuer().to_string(), capture(x509 + "-issuer -nameopt utf8,sep_comma_plus_space"));
    EXPECT_EQ(leaf.not_after_ms(), openssl_date_ms(capture(x509 + "-enddate").substr(9)));
    EXPECT_EQ(leaf.not_before_ms(), openssl_date_ms(capture(x509 + "-startdate").substr(10)));
    EXPECT_EQ(leaf.not_after_ms() - leaf.not_before_ms(), 10 * 86400000LL);
  }

  ScratchDir dir_;
  std::string leaf_path_;
};

TEST_F(GeneratedCert, RsaPkcs1Sha256) {
  auto [root, leaf] = make_pair("-algorithm RSA -pkeyopt rsa_keygen_bits:2048", "-sha256");
  EXPECT_EQ(leaf.signature_algorithm().oid, id::kSha256WithRsa);
  EXPECT_EQ(leaf.key_type(), KeyType::rsa);
  EXPECT_EQ(leaf.public_key().bits, 2048u);
  expect_verifies(root, leaf);
  expect_matches_openssl(leaf);
}

TEST_F(GeneratedCert, RsaPssSha384) {
  auto [root, leaf] = make_pair("-algorithm RSA -pkeyopt rsa_keygen_bits:3072",
                                "-sha384 -sigopt rsa_padding_mode:pss -sigopt rsa_pss_saltlen:48");
  EXPECT_EQ(leaf.signature_algorithm().oid, id::kRsassaPss);
  EXPECT_EQ(leaf.public_key().bits, 3072u);
  expect_verifies(root, leaf);
}

TEST_F(GeneratedCert, EcdsaP256Sha256) {
  auto [root, leaf] = make_pair("-algorithm EC -pkeyopt ec_paramgen_curve:P-256", "-sha256");
  EXPECT_EQ(leaf.signature_algorithm().oid, id::kEcdsaWithSha256);
  EXPECT_EQ(leaf.key_type(), KeyType::ecdsa_p256);
  EXPECT_EQ(leaf.public_key().curve, id::kPrime256v1);
  expect_verifies(root, leaf);
  expect_matches_openssl(leaf);
}

TEST_F(GeneratedCert, EcdsaP384Sha384) {
  auto [root, leaf] = make_pair("-algorithm EC -pkeyopt ec_paramgen_curve:P-384", "-sha384");
  EXPECT_EQ(leaf.signature_algorithm().oid, id::kEcdsaWithSha384);
  EXPECT_EQ(leaf.key_type(), KeyType::ecdsa_p384);
  expect_verifies(root, leaf);
}

TEST_F(GeneratedCert, Sm2WithDefaultId) {
  auto [root, leaf] = make_pair("-algorithm SM2", "-sm3 -sigopt distid:1234567812345678");
  EXPECT_EQ(leaf.signature_algorithm().oid, id::kSm3WithSm2);
  EXPECT_EQ(leaf.key_type(), KeyType::sm2);
  expect_verifies(root, leaf);
  expect_matches_openssl(leaf);
  // And openssl agrees the leaf verifies under the same ID.
  EXPECT_TRUE(run("openssl verify -vfyopt distid:1234567812345678 -CAfile " + (dir_ / "root.pem") + " " + leaf_path_));
}

TEST_F(GeneratedCert, Sm2SignedWithAnotherIdDoesNotVerify) {
  auto [root, leaf] = make_pair("-algorithm SM2", "-sm3 -sigopt distid:ALICE123@YAHOO.COM");
  auto st = leaf.verify_signature(root);
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().code, Errc::bad_signature);
}

TEST_F(GeneratedCert, AlgorithmAndKeyMustFit) {
  auto [sm2_root, sm2_leaf] = make_pair("-algorithm SM2", "-sm3 -sigopt distid:1234567812345678");
  auto [ec_root, ec_leaf] = make_pair("-algorithm EC -pkeyopt ec_paramgen_curve:P-256", "-sha256");
  auto a = sm2_leaf.verify_signature(ec_root);
  ASSERT_FALSE(a.ok());
  EXPECT_NE(a.error().detail.find("needs an SM2 issuer key"), std::string::npos);
  auto b = ec_leaf.verify_signature(sm2_root);
  ASSERT_FALSE(b.ok());
  EXPECT_NE(b.error().detail.find("needs an ECDSA issuer key"), std::string::npos);
}

TEST_F(GeneratedCert, Sha1IsRefused) {
  auto [root, leaf] = make_pair("-algorithm RSA -pkeyopt rsa_keygen_bits:2048", "-sha1");
  auto st = leaf.verify_signature(root);
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().code, Errc::invalid_argument);
  EXPECT_NE(st.error().detail.find("sha1WithRSAEncryption"), std::string::npos);
}

}  // namespace
}  // namespace medsign::pki
