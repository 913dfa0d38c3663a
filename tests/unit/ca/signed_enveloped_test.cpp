// GM/T 0010 signedAndEnvelopedData: built and opened here, and checked independently with OpenSSL tools:
// the content key opens with `openssl pkeyutl -decrypt` (SM2), the content with `openssl enc -sm4-cbc`, and
// the signer's SM2 signature over the signed attributes with `openssl pkeyutl -verify` (default ID).
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>

#include <gtest/gtest.h>

#include "asn1/oids.h"
#include "asn1/reader.h"
#include "ca/authority.h"
#include "cms/signed_enveloped.h"

namespace medsign::cms {
namespace {
namespace fs = std::filesystem;

class SignedEnvelopedTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = fs::temp_directory_path() / ("medsign-se-" + std::to_string(std::random_device{}()));
    fs::create_directories(dir_);
    auto root = ca::CertificateAuthority::create_root(ca::name_from_text("CN=SE Root").value(), crypto::KeyAlg::sm2, 30,
                                                      {})
                    .value();
    for (int i = 0; i < 3; ++i) {
      keys_[i] = crypto::KeyPair::generate(crypto::KeyAlg::sm2).value();
      ca::IssueOptions o;
      o.profile = i == 0 ? ca::Profile::personal_signing : ca::Profile::personal_encryption;
      certs_[i] = root.issue_for_key(ca::name_from_text("CN=Party " + std::to_string(i)).value(),
                                     keys_[i].public_key_der(), o)
                      .value();
    }
  }
  static void TearDownTestSuite() { fs::remove_all(dir_); }
  static int run(const std::string& cmd) {
    return std::system(("cd " + dir_.string() + " && " + cmd + " >cmd.out 2>&1").c_str());
  }
  static void write(const std::string& name, ByteView data) {
    std::ofstream out(dir_ / name, std::ios::binary);
    out.write(reinterpret_cast<const char*>(data.data()), static_cast<std::streamsize>(data.size()));
  }
  static std::string read(const std::string& name) {
    std::ifstream in(dir_ / name, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), {});
  }
  static SignerSpec signer() {
    auto s = crypto::Signer::create(crypto::SignatureAlg::sm2_sm3, keys_[0]).value();
    SignerSpec spec{certs_[0], DigestAlgorithm::sm3, SignatureAlgorithm::sm2, nullptr, true, 1795795200000, {}, {}};
    spec.sign = [s](ByteView tbs) { return s.sign(tbs); };
    return spec;
  }
  static KeyDecryptFunction decryptor(int i) {
    auto d = crypto::Decryptor::create(crypto::EncryptionAlg::sm2, keys_[i]).value();
    return [d](const RecipientInfo& ri) { return d.decrypt(ri.encrypted_key); };
  }
  static Bytes make(ByteView content) {
    SignedEnvelopeRequest req;
    req.content = content;
    auto s = signer();
    std::vector<pki::Certificate> to{certs_[1], certs_[2]};
    return sign_and_envelope(req, std::span<const SignerSpec>(&s, 1), to).value();
  }

  static fs::path dir_;
  static crypto::KeyPair keys_[3];
  static pki::Certificate certs_[3];
};
fs::path SignedEnvelopedTest::dir_;
crypto::KeyPair SignedEnvelopedTest::keys_[3];
pki::Certificate SignedEnvelopedTest::certs_[3];

TEST_F(SignedEnvelopedTest, EveryRecipientOpensAndTheSignatureVerifies) {
  const std::string text = "出院小结 discharge summary, patient 0042";
  Bytes der = make(as_bytes(text));
  asn1::Reader r(der);
  auto ci = r.read_sequence().value();
  EXPECT_EQ(ci.read_oid().value(), asn1::oid::kGmSignedAndEnvelopedData);
  EXPECT_EQ(as_chars(der).find("discharge"), std::string_view::npos);  // the content is encrypted
  for (int i : {1, 2}) {
    auto opened = open_signed_envelope(der, certs_[i], decryptor(i));
    ASSERT_TRUE(opened.ok()) << opened.error().to_string();
    EXPECT_EQ(as_chars(opened->content.view()), text);
    ASSERT_EQ(opened->signers.size(), 1u);
    EXPECT_TRUE(opened->signers[0].ok) << opened->signers[0].problem;
    EXPECT_EQ(opened->signers[0].certificate->subject().to_string(), "CN=Party 0");
    EXPECT_EQ(opened->signers[0].signing_time_ms, 1795795200000);
  }
  // The signer is not a recipient.
  EXPECT_EQ(open_signed_envelope(der, certs_[0], decryptor(0)).error().code, Errc::not_found);
  // A wrong key for a listed recipient.
  EXPECT_EQ(open_signed_envelope(der, certs_[1], decryptor(2)).error().code, Errc::decrypt_failed);
}

TEST_F(SignedEnvelopedTest, OpenSslToolsOpenAndVerifyItIndependently) {
  const std::string text = "lab result: HbA1c 6.1%";
  Bytes der = make(as_bytes(text));
  auto opened = open_signed_envelope(der, certs_[1], decryptor(1)).value();
  // Recipient 1's encrypted content key and the encrypted content, from the structure.
  auto env_key = keys_[1].pkcs8().value();
  write("r1.p8", env_key.view());
  ASSERT_EQ(run("openssl pkey -inform DER -in r1.p8 -out r1.key"), 0) << read("cmd.out");
  asn1::Reader top(der);
  auto ci = top.read_sequence().value();
  (void)ci.read_oid().value();
  auto ex = ci.read_explicit(0).value();
  auto body = ex.read_sequence().value();
  (void)body.read_int64().value();
  auto ris = body.read_set().value();
  bool found = false;
  Bytes ek;
  while (!ris.empty()) {
    auto ri = ris.read_sequence().value();
    (void)ri.read_int64().value();
    auto ias = ri.read_sequence().value();
    (void)ias.read_any().value();
    auto serial = ias.read_integer_bytes().value();
    (void)ri.read_sequence().value();
    auto key = ri.read_octet_string().value();
    if (Bytes(serial.begin(), serial.end()) == certs_[1].serial()) {
      ek.assign(key.begin(), key.end());
      found = true;
    }
  }
  ASSERT_TRUE(found);
  (void)body.read_set().value();  // digestAlgorithms
  auto eci = body.read_sequence().value();
  (void)eci.read_oid().value();
  auto alg = eci.read_sequence().value();
  EXPECT_EQ(alg.read_oid().value(), asn1::oid::kSm4Cbc);
  auto iv = alg.read_octet_string().value();
  auto enc = eci.read_element(asn1::Tag::context(0, false)).value();
  write("ek.bin", ek);
  write("ct.bin", enc.content);
  ASSERT_EQ(run("openssl pkeyutl -decrypt -inkey r1.key -in ek.bin -out cek.bin"), 0) << read("cmd.out");
  std::string cek = read("cek.bin");
  ASSERT_EQ(cek.size(), 16u);
  ASSERT_EQ(run("openssl enc -d -sm4-cbc -K " + hex_encode(as_bytes(cek)) + " -iv " +
                hex_encode(Bytes(iv.begin(), iv.end())) + " -in ct.bin -out plain.bin"),
            0)
      << read("cmd.out");
  EXPECT_EQ(read("plain.bin"), text);
  // The signature over the signed attributes, with the signer's public key and the GM/T 0009 default ID.
  const SignerInfo& si = opened.signed_data.signers.at(0);
  write("attrs.der", si.signed_attributes_der);
  write("sig.der", si.signature);
  write("signer.pub.der", certs_[0].public_key().der);
  ASSERT_EQ(run("openssl pkey -pubin -inform DER -in signer.pub.der -out signer.pub"), 0);
  EXPECT_EQ(run("openssl pkeyutl -verify -pubin -inkey signer.pub -rawin -digest sm3 -pkeyopt distid:1234567812345678 "
                "-in attrs.der -sigfile sig.der"),
            0)
      << read("cmd.out");
}

TEST_F(SignedEnvelopedTest, AlteredOrMalformedInputFailsCleanly) {
  Bytes der = make(as_bytes("order 77"));
  // Flip a byte in the encrypted content: the padding check or the signature catches it.
  std::size_t pos = der.size() - 120;
  Bytes bad = der;
  bad[pos] ^= 0x40;
  auto r = open_signed_envelope(bad, certs_[1], decryptor(1));
  if (r.ok()) {
    ASSERT_EQ(r->signers.size(), 1u);
    EXPECT_FALSE(r->signers[0].ok);
  }
  for (std::size_t n : {std::size_t{0}, std::size_t{3}, der.size() / 2, der.size() - 1}) {
    auto t = open_signed_envelope(ByteView(der).first(n), certs_[1], decryptor(1));
    ASSERT_FALSE(t.ok());
    EXPECT_EQ(t.error().code, Errc::bad_encoding);
  }
  SignedEnvelopeRequest req;
  req.content = as_bytes("x");
  auto s = signer();
  EXPECT_EQ(sign_and_envelope(req, std::span<const SignerSpec>(&s, 1), {}).error().code, Errc::invalid_argument);
}

}  // namespace
}  // namespace medsign::cms
