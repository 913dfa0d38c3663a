// Digital envelopes against OpenSSL: `openssl cms -decrypt` opens our RSA envelopes and we open
// `openssl cms -encrypt` ones; SM2/SM4 envelopes (GM/T 0010) are opened independently with
// `openssl pkeyutl -decrypt` (the content key) and `openssl enc -sm4-cbc` (the content).
#include "cms/enveloped_data.h"

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

class EnvelopeTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = fs::temp_directory_path() / ("medsign-env-" + std::to_string(std::random_device{}()));
    fs::create_directories(dir_);
    run("openssl req -x509 -newkey rsa:2048 -nodes -keyout rsa.key -out rsa.pem -subj '/CN=RSA Recipient' -days 30");
    run("openssl req -x509 -newkey rsa:2048 -nodes -keyout rsa2.key -out rsa2.pem -subj '/CN=Other' -days 30");
    run("openssl genpkey -algorithm SM2 -out sm2.key");
    run("openssl req -x509 -key sm2.key -sm3 -sigopt distid:1234567812345678 -out sm2.pem -subj '/CN=SM2 Recipient' "
        "-days 30");
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
  static pki::Certificate cert(const std::string& name) { return pki::Certificate::parse(as_bytes(read(name))).value(); }
  static std::shared_ptr<EVP_PKEY> key(const std::string& name) {
    auto pem = read(name);
    BIO* bio = BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size()));
    EVP_PKEY* k = PEM_read_bio_PrivateKey(bio, nullptr, nullptr, nullptr);
    BIO_free(bio);
    return std::shared_ptr<EVP_PKEY>(k, EVP_PKEY_free);
  }
  static KeyDecryptFunction rsa_decryptor(const std::string& keyfile) {
    auto k = key(keyfile);
    return [k](const RecipientInfo& ri) { return decrypt_key_rsa(ri, k.get()); };
  }
  static KeyDecryptFunction sm2_decryptor() {
    auto k = key("sm2.key");
    BIGNUM* d = nullptr;
    EVP_PKEY_get_bn_param(k.get(), "priv", &d);
    Bytes scalar(32);
    BN_bn2binpad(d, scalar.data(), 32);
    BN_free(d);
    auto priv = std::make_shared<crypto::sm2::PrivateKey>(crypto::sm2::PrivateKey::from_bytes(scalar).value());
    return [priv](const RecipientInfo& ri) -> Result<SecretBytes> {
      MEDSIGN_ASSIGN(auto ct, crypto::sm2::decode_ciphertext_der(ri.encrypted_key));
      return crypto::sm2::decrypt(*priv, ct);
    };
  }
  static fs::path dir_;
};
fs::path EnvelopeTest::dir_;

const Bytes kSecret = to_bytes("病历摘要: confidential medical record of patient 0042 — HIV negative\n");

TEST_F(EnvelopeTest, OpenSslOpensOurRsaEnvelopesWithOaepAndPkcs1) {
  for (auto pad : {RsaKeyTransport::oaep_sha256, RsaKeyTransport::pkcs1_v15}) {
    pki::Certificate recips[] = {cert("rsa.pem"), cert("rsa2.pem")};
    EnvelopeRequest req;
    req.rsa_padding = pad;
    req.content = kSecret;
    auto der = envelope(req, recips);
    ASSERT_TRUE(der.ok()) << der.error().to_string();
    write("env.der", *der);
    EXPECT_EQ(run("openssl cms -decrypt -binary -inform DER -in env.der -recip rsa.pem -inkey rsa.key -out plain.bin"), 0);
    EXPECT_EQ(read("plain.bin"), std::string(kSecret.begin(), kSecret.end()));
    EXPECT_EQ(run("openssl cms -decrypt -binary -inform DER -in env.der -recip rsa2.pem -inkey rsa2.key -out plain2.bin"),
              0);
    EXPECT_EQ(read("plain2.bin"), std::string(kSecret.begin(), kSecret.end()));
  }
}

TEST_F(EnvelopeTest, WeOpenOpenSslEnvelopes) {
  write("secret.bin", kSecret);
  for (const char* opts : {"-aes256 -recip rsa.pem", "-aes128 -recip rsa.pem",
                           "-aes256 -recip rsa.pem -keyopt rsa_padding_mode:oaep",
                           "-aes256 -recip rsa.pem -keyopt rsa_padding_mode:oaep -keyopt rsa_oaep_md:sha256 "
                           "-keyopt rsa_mgf1_md:sha256"}) {
    SCOPED_TRACE(opts);
    ASSERT_EQ(run(std::string("openssl cms -encrypt -binary -in secret.bin -outform DER -out o.der ") + opts), 0);
    auto env = parse_enveloped_data(as_bytes(read("o.der")));
    ASSERT_TRUE(env.ok()) << env.error().to_string();
    auto plain = open_envelope(*env, cert("rsa.pem"), rsa_decryptor("rsa.key"));
    ASSERT_TRUE(plain.ok()) << plain.error().to_string();
    EXPECT_EQ(plain->bytes(), kSecret);
    auto stranger = open_envelope(*env, cert("rsa2.pem"), rsa_decryptor("rsa2.key"));
    EXPECT_EQ(stranger.error().code, Errc::not_found);
  }
}

TEST_F(EnvelopeTest, Sm2Sm4EnvelopeOpensHereAndWithOpenSslTools) {
  pki::Certificate recips[] = {cert("sm2.pem"), cert("rsa.pem")};
  EnvelopeRequest req;
  req.flavor = Flavor::gmt0010;
  req.cipher = ContentCipher::sm4_cbc;
  req.content = kSecret;
  auto der = envelope(req, recips);
  ASSERT_TRUE(der.ok()) << der.error().to_string();
  auto env = parse_enveloped_data(*der).value();
  EXPECT_EQ(env.flavor, Flavor::gmt0010);
  EXPECT_EQ(env.cipher, ContentCipher::sm4_cbc);
  auto plain = open_envelope(env, cert("sm2.pem"), sm2_decryptor());
  ASSERT_TRUE(plain.ok()) << plain.error().to_string();
  EXPECT_EQ(plain->bytes(), kSecret);
  EXPECT_EQ(open_envelope(env, cert("rsa.pem"), rsa_decryptor("rsa.key")).value().bytes(), kSecret);
  // Independently: OpenSSL decrypts the SM2Cipher (GM/T 0009 DER) and then the SM4-CBC content.
  const RecipientInfo* ri = env.find(cert("sm2.pem"));
  ASSERT_NE(ri, nullptr);
  EXPECT_EQ(ri->key_encryption_oid, asn1::oid::kSm2Encrypt);
  write("ek.bin", ri->encrypted_key);
  ASSERT_EQ(run("openssl pkeyutl -decrypt -inkey sm2.key -in ek.bin -out cek.bin"), 0);
  auto cek = read("cek.bin");
  ASSERT_EQ(cek.size(), 16u);
  write("ct.bin", env.encrypted_content);
  ASSERT_EQ(run("openssl enc -d -sm4-cbc -K " + hex_encode(as_bytes(cek)) + " -iv " + hex_encode(env.iv) +
                " -in ct.bin -out pt.bin"),
            0);
  EXPECT_EQ(read("pt.bin"), std::string(kSecret.begin(), kSecret.end()));
}

TEST_F(EnvelopeTest, AlteredEnvelopesFailCleanly) {
  pki::Certificate recips[] = {cert("sm2.pem")};
  EnvelopeRequest req;
  req.flavor = Flavor::gmt0010;
  req.cipher = ContentCipher::sm4_cbc;
  req.content = kSecret;
  auto env = parse_enveloped_data(envelope(req, recips).value()).value();
  auto altered_key = env;
  altered_key.recipients[0].encrypted_key[40] ^= 1;
  EXPECT_EQ(open_envelope(altered_key, cert("sm2.pem"), sm2_decryptor()).error().code, Errc::decrypt_failed);
  auto altered_ct = env;
  altered_ct.encrypted_content.back() ^= 0x5a;
  auto r = open_envelope(altered_ct, cert("sm2.pem"), sm2_decryptor());
  EXPECT_TRUE(!r.ok() || r->bytes() != kSecret);
  Bytes der = envelope(req, recips).value();
  for (std::size_t cut : {std::size_t{3}, der.size() / 3, der.size() - 2})
    EXPECT_FALSE(parse_enveloped_data(ByteView(der).first(cut)).ok()) << cut;
  pki::Certificate ec_only[] = {};
  EXPECT_FALSE(envelope(req, std::span<const pki::Certificate>(ec_only, 0)).ok());
}

}  // namespace
}  // namespace medsign::cms
