// One suite, three providers: soft, sdf (our libmedsign-softsdf.so through dlopen) and pkcs11 (SoftHSM2).
// Every signature is checked by crypto::Verifier and by the openssl CLI; every ciphertext made by
// crypto::Encryptor and the openssl CLI is decrypted inside the provider. Algorithms a provider lacks are
// skipped with the reason printed.
#include <fstream>
#include <tuple>

#include <gtest/gtest.h>

#include "crypto/algorithms/pk.h"
#include "crypto/provider/provider.h"
#include "provider_env.h"

namespace medsign::test {
namespace {
namespace fs = std::filesystem;
using namespace crypto;
using namespace crypto::provider;

void write_file(const fs::path& p, ByteView b) {
  std::ofstream(p, std::ios::binary).write(reinterpret_cast<const char*>(b.data()), static_cast<std::streamsize>(b.size()));
}
Bytes read_all(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return Bytes(std::istreambuf_iterator<char>(in), {});
}
void write_pem(const fs::path& p, ByteView spki) {
  std::string b64 = base64_encode(spki), pem = "-----BEGIN PUBLIC KEY-----\n";
  for (std::size_t i = 0; i < b64.size(); i += 64) pem.append(b64.substr(i, 64)).append("\n");
  pem.append("-----END PUBLIC KEY-----\n");
  std::ofstream(p) << pem;
}

// openssl dgst -verify options for a scheme.
std::string openssl_verify_options(SignatureAlg a) {
  switch (a) {
    case SignatureAlg::sm2_sm3: return "-sm3 -sigopt distid:1234567812345678";
    case SignatureAlg::ecdsa_p256_sha256: return "-sha256";
    case SignatureAlg::ecdsa_p384_sha384: return "-sha384";
    case SignatureAlg::rsa_pkcs1_sha256: return "-sha256";
    case SignatureAlg::rsa_pss_sha256: return "-sha256 -sigopt rsa_padding_mode:pss -sigopt rsa_pss_saltlen:32";
    default: return "";
  }
}

class ProviderFixture {
 protected:
  void open(const std::string& kind) {
    env_ = make_provider_env(kind);
    if (!env_->skip_reason.empty()) return;
    auto s = env_->provider->open_session();
    ASSERT_TRUE(s.ok()) << s.error().to_string();
    session_ = std::move(*s);
  }
  // A new key with the environment's access password, with the access right granted on session_.
  KeyInfo generate(KeyAlg alg, const std::string& label = {}) {
    KeyGenOptions opt;
    opt.label = env_->labels ? label : std::string();
    if (env_->per_key_passwords) opt.password = env_->key_password;
    auto k = session_->generate_key(alg, opt);
    EXPECT_TRUE(k.ok()) << k.error().to_string();
    if (!k) return {};
    EXPECT_EQ(k->algorithm, alg);
    auto st = session_->get_private_key_access_right(k->index, env_->key_password);
    EXPECT_TRUE(st.ok()) << st.error().to_string();
    return *k;
  }
  KeyAlg cheapest() const {
    return env_->provider->supports(KeyAlg::sm2) ? KeyAlg::sm2 : KeyAlg::ecdsa_p256;
  }
  void TearDownEnv() {
    session_.reset();
    env_.reset();
  }
  std::unique_ptr<ProviderEnv> env_;
  std::unique_ptr<Session> session_;
};

// ---- per provider and key algorithm ----
using AlgParam = std::tuple<std::string, KeyAlg>;

class ProviderAlgTest : public ::testing::TestWithParam<AlgParam>, public ProviderFixture {
 protected:
  void SetUp() override {
    open(std::get<0>(GetParam()));
    if (!env_->skip_reason.empty()) GTEST_SKIP() << env_->kind << ": " << env_->skip_reason;
    alg_ = std::get<1>(GetParam());
    if (!env_->provider->supports(alg_))
      GTEST_SKIP() << env_->kind << " provider does not support " << key_alg_name(alg_)
                   << (env_->kind == "pkcs11" ? " (PKCS#11 v2.40 and SoftHSM2 have no SM2)"
                                              : " (GM/T 0018: SM2 ECC functions, RSAref_MAX_BITS 2048)");
  }
  void TearDown() override { TearDownEnv(); }
  KeyAlg alg_ = KeyAlg::sm2;
};

TEST_P(ProviderAlgTest, GeneratedKeySignsAndOurVerifierAndOpensslAccept) {
  KeyInfo k = generate(alg_, "sign-key");
  ASSERT_NE(k.index, 0u);
  auto spki = session_->export_public_key(k.index);
  ASSERT_TRUE(spki.ok()) << spki.error().to_string();
  auto kind = key_alg_of_spki(*spki);
  ASSERT_TRUE(kind.ok());
  EXPECT_EQ(*kind, alg_);
  fs::path pem = env_->dir / "pub.pem", msg = env_->dir / "msg", sigf = env_->dir / "sig";
  write_pem(pem, *spki);
  const std::string message = "patient 42: discharge summary";
  write_file(msg, as_bytes(message));

  std::vector<SignatureAlg> schemes = {default_signature_alg(alg_)};
  if (alg_ == KeyAlg::rsa2048 || alg_ == KeyAlg::rsa3072 || alg_ == KeyAlg::rsa4096)
    schemes = {SignatureAlg::rsa_pkcs1_sha256, SignatureAlg::rsa_pss_sha256};
  for (SignatureAlg s : schemes) {
    SCOPED_TRACE(std::string(signature_alg_name(s)));
    auto sig = session_->sign(k.index, s, as_bytes(message));
    ASSERT_TRUE(sig.ok()) << sig.error().to_string();
    auto v = Verifier::create(s, *spki);
    ASSERT_TRUE(v.ok());
    EXPECT_TRUE(v->verify(as_bytes(message), *sig).ok());
    EXPECT_FALSE(v->verify(as_bytes(message + "!"), *sig).ok());
    EXPECT_TRUE(session_->verify(k.index, s, as_bytes(message), *sig).ok());
    EXPECT_TRUE(session_->external_verify(s, *spki, as_bytes(message), *sig).ok());
    auto bad = session_->external_verify(s, *spki, as_bytes(message + "!"), *sig);
    ASSERT_FALSE(bad.ok());
    EXPECT_EQ(bad.error().code, Errc::bad_signature);
    write_file(sigf, *sig);
    std::string out;
    EXPECT_EQ(run_shell("openssl dgst " + openssl_verify_options(s) + " -verify " + pem.string() + " -signature " +
                            sigf.string() + " " + msg.string(), &out), 0) << out;
  }
}

std::string alg_param_name(const ::testing::TestParamInfo<AlgParam>& info) {
  std::string s = std::get<0>(info.param) + "_" + std::string(key_alg_name(std::get<1>(info.param)));
  for (char& c : s)
    if (c == '-') c = '_';
  return s;
}

INSTANTIATE_TEST_SUITE_P(AllProviders, ProviderAlgTest,
                         ::testing::Combine(::testing::Values("soft", "sdf", "pkcs11"),
                                            ::testing::Values(KeyAlg::sm2, KeyAlg::ecdsa_p256, KeyAlg::ecdsa_p384,
                                                              KeyAlg::rsa2048, KeyAlg::rsa3072, KeyAlg::rsa4096)),
                         alg_param_name);

// ---- per provider and encryption scheme (SM2 with an SM2 key, RSA schemes with an RSA-2048 key) ----
using EncParam = std::tuple<std::string, EncryptionAlg>;

class ProviderEncryptionTest : public ::testing::TestWithParam<EncParam>, public ProviderFixture {
 protected:
  void SetUp() override {
    open(std::get<0>(GetParam()));
    if (!env_->skip_reason.empty()) GTEST_SKIP() << env_->kind << ": " << env_->skip_reason;
    scheme_ = std::get<1>(GetParam());
    key_alg_ = scheme_ == EncryptionAlg::sm2 ? KeyAlg::sm2 : KeyAlg::rsa2048;
    if (!env_->provider->supports(key_alg_))
      GTEST_SKIP() << env_->kind << " provider has no " << key_alg_name(key_alg_) << " keys";
  }
  void TearDown() override { TearDownEnv(); }
  EncryptionAlg scheme_ = EncryptionAlg::sm2;
  KeyAlg key_alg_ = KeyAlg::sm2;
};

TEST_P(ProviderEncryptionTest, CiphertextsFromEncryptorAndOpensslDecryptAndTamperedOnesFail) {
  KeyInfo k = generate(key_alg_);
  ASSERT_NE(k.index, 0u);
  auto spki = session_->export_public_key(k.index);
  ASSERT_TRUE(spki.ok());
  const std::string secret = "lab result: HbA1c 6.1%";
  auto enc = Encryptor::create(scheme_, *spki);
  ASSERT_TRUE(enc.ok());
  auto ct = enc->encrypt(as_bytes(secret));
  ASSERT_TRUE(ct.ok());
  auto pt = session_->decrypt(k.index, scheme_, *ct);
  if (!pt.ok() && pt.error().code == Errc::algorithm_unsupported)
    GTEST_SKIP() << env_->kind << ": " << pt.error().detail;
  ASSERT_TRUE(pt.ok()) << pt.error().to_string();
  EXPECT_EQ(as_chars(pt->view()), secret);
  // The provider's own encryption.
  auto ct2 = session_->encrypt(k.index, scheme_, as_bytes(secret));
  ASSERT_TRUE(ct2.ok()) << ct2.error().to_string();
  auto pt2 = session_->decrypt(k.index, scheme_, *ct2);
  ASSERT_TRUE(pt2.ok()) << pt2.error().to_string();
  EXPECT_EQ(as_chars(pt2->view()), secret);
  // Tampered: the last byte (SM2: inside C2, so C3 no longer matches; RSA: the padding breaks).
  Bytes bad = *ct;
  bad.back() ^= 0x01;
  auto r = session_->decrypt(k.index, scheme_, bad);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, Errc::decrypt_failed) << r.error().to_string();
  auto junk = session_->decrypt(k.index, scheme_, as_bytes("not a ciphertext"));
  ASSERT_FALSE(junk.ok());
  EXPECT_EQ(junk.error().code, Errc::decrypt_failed) << junk.error().to_string();
  // Independent: openssl encrypts, the provider decrypts.
  write_pem(env_->dir / "pub.pem", *spki);
  write_file(env_->dir / "pt", as_bytes(secret));
  std::string opts = scheme_ == EncryptionAlg::sm2 ? ""
                     : scheme_ == EncryptionAlg::rsa_pkcs1
                         ? "-pkeyopt rsa_padding_mode:pkcs1"
                         : "-pkeyopt rsa_padding_mode:oaep -pkeyopt rsa_oaep_md:sha256 -pkeyopt rsa_mgf1_md:sha256";
  std::string out;
  ASSERT_EQ(run_shell("openssl pkeyutl -encrypt -pubin -inkey " + (env_->dir / "pub.pem").string() + " " + opts +
                          " -in " + (env_->dir / "pt").string() + " -out " + (env_->dir / "ct").string(), &out), 0)
      << out;
  auto pt3 = session_->decrypt(k.index, scheme_, read_all(env_->dir / "ct"));
  ASSERT_TRUE(pt3.ok()) << pt3.error().to_string();
  EXPECT_EQ(as_chars(pt3->view()), secret);
}

INSTANTIATE_TEST_SUITE_P(AllProviders, ProviderEncryptionTest,
                         ::testing::Combine(::testing::Values("soft", "sdf", "pkcs11"),
                                            ::testing::Values(EncryptionAlg::sm2, EncryptionAlg::rsa_oaep_sha256,
                                                              EncryptionAlg::rsa_pkcs1)),
                         [](const ::testing::TestParamInfo<EncParam>& info) {
                           std::string s = std::get<0>(info.param) + "_" +
                                           std::string(encryption_alg_name(std::get<1>(info.param)));
                           for (char& c : s)
                             if (c == '-') c = '_';
                           return s;
                         });

// ---- per provider ----
class ProviderTest : public ::testing::TestWithParam<std::string>, public ProviderFixture {
 protected:
  void SetUp() override {
    open(GetParam());
    if (!env_->skip_reason.empty()) GTEST_SKIP() << env_->kind << ": " << env_->skip_reason;
  }
  void TearDown() override { TearDownEnv(); }
};

TEST_P(ProviderTest, WrongPasswordIsRefusedAndAKeyNeedsItsAccessRight) {
  KeyInfo k = generate(cheapest());
  const SignatureAlg s = default_signature_alg(k.algorithm);
  auto other = env_->provider->open_session();
  ASSERT_TRUE(other.ok());
  auto& s2 = **other;
  ASSERT_TRUE(s2.release_private_key_access_right(k.index).ok());  // pkcs11: log the token out
  auto wrong = s2.get_private_key_access_right(k.index, "not-the-password");
  ASSERT_FALSE(wrong.ok());
  EXPECT_EQ(wrong.error().code, Errc::key_password_wrong) << wrong.error().to_string();
  auto denied = s2.sign(k.index, s, as_bytes("x"));
  ASSERT_FALSE(denied.ok());
  EXPECT_EQ(denied.error().code, Errc::key_access_denied) << denied.error().to_string();
  ASSERT_TRUE(s2.get_private_key_access_right(k.index, env_->key_password).ok());
  auto sig = s2.sign(k.index, s, as_bytes("x"));
  ASSERT_TRUE(sig.ok()) << sig.error().to_string();
  // The public half needs no right.
  EXPECT_TRUE(s2.export_public_key(k.index).ok());
}

TEST_P(ProviderTest, UnknownKeyIndexIsKeyNotFound) {
  for (std::uint32_t idx : {4242u, 0u}) {
    auto pub = session_->export_public_key(idx);
    ASSERT_FALSE(pub.ok());
    EXPECT_EQ(pub.error().code, Errc::key_not_found) << pub.error().to_string();
  }
  auto sig = session_->sign_digest(4242, SignatureAlg::ecdsa_p256_sha256, Bytes(32, 1));
  ASSERT_FALSE(sig.ok());
  EXPECT_EQ(sig.error().code, Errc::key_not_found) << sig.error().to_string();
  auto info = session_->key_info(4242);
  ASSERT_FALSE(info.ok());
  EXPECT_EQ(info.error().code, Errc::key_not_found);
}

TEST_P(ProviderTest, SchemeThatDoesNotFitTheKeyIsRefused) {
  KeyInfo k = generate(cheapest());
  auto r = session_->sign_digest(k.index, SignatureAlg::rsa_pkcs1_sha256, Bytes(32, 1));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, Errc::algorithm_unsupported) << r.error().to_string();
  auto short_digest = session_->sign_digest(k.index, default_signature_alg(k.algorithm), Bytes(5, 1));
  ASSERT_FALSE(short_digest.ok());
  EXPECT_EQ(short_digest.error().code, Errc::invalid_argument) << short_digest.error().to_string();
}

TEST_P(ProviderTest, ListsGeneratedKeysAndFindsThemByIndexAndLabel) {
  KeyInfo a = generate(cheapest(), "alpha");
  KeyInfo b = generate(cheapest(), "beta");
  EXPECT_NE(a.index, b.index);
  auto keys = session_->list_keys();
  ASSERT_TRUE(keys.ok()) << keys.error().to_string();
  ASSERT_EQ(keys->size(), 2u);
  EXPECT_EQ((*keys)[0].index, std::min(a.index, b.index));
  auto info = session_->key_info(b.index);
  ASSERT_TRUE(info.ok());
  EXPECT_EQ(info->algorithm, cheapest());
  // An explicit index that is taken is a conflict.
  KeyGenOptions opt;
  opt.index = a.index;
  if (env_->per_key_passwords) opt.password = env_->key_password;
  auto dup = session_->generate_key(cheapest(), opt);
  ASSERT_FALSE(dup.ok());
  EXPECT_EQ(dup.error().code, Errc::conflict) << dup.error().to_string();
  if (!env_->labels) GTEST_SKIP() << env_->kind << ": GM/T 0018 keys have no labels (found by index only)";
  auto found = session_->find_key("beta");
  ASSERT_TRUE(found.ok());
  EXPECT_EQ(found->index, b.index);
  EXPECT_EQ(session_->find_key("gamma").error().code, Errc::key_not_found);
  opt.index = 0;
  opt.label = "alpha";
  auto dup_label = session_->generate_key(cheapest(), opt);
  ASSERT_FALSE(dup_label.ok());
  EXPECT_EQ(dup_label.error().code, Errc::conflict);
}

TEST_P(ProviderTest, RandomBytesDiffer) {
  auto a = session_->random(32), b = session_->random(32);
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_EQ(a->size(), 32u);
  EXPECT_NE(*a, *b);
  auto none = session_->random(0);
  ASSERT_TRUE(none.ok());
  EXPECT_TRUE(none->empty());
}

TEST_P(ProviderTest, HashMatchesKnownDigests) {
  auto sha = session_->hash(HashAlg::sha256, as_bytes("abc"));
  ASSERT_TRUE(sha.ok()) << sha.error().to_string();
  EXPECT_EQ(hex_encode(*sha), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  auto big = session_->hash(HashAlg::sha256, Bytes(200000, 'a'));
  ASSERT_TRUE(big.ok());
  EXPECT_EQ(*big, crypto::hash(HashAlg::sha256, Bytes(200000, 'a')));
  auto sm3 = session_->hash(HashAlg::sm3, as_bytes("abc"));
  if (!sm3.ok() && sm3.error().code == Errc::algorithm_unsupported)
    GTEST_SKIP() << env_->kind << ": " << sm3.error().detail;
  ASSERT_TRUE(sm3.ok()) << sm3.error().to_string();
  EXPECT_EQ(hex_encode(*sm3), "66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0");
}

TEST_P(ProviderTest, ProviderSignerSignsLikeACryptoSigner) {
  KeyInfo k = generate(cheapest());
  SignatureAlg s = default_signature_alg(k.algorithm);
  auto signer = ProviderSigner::create(*env_->provider, k.index, s, env_->key_password);
  ASSERT_TRUE(signer.ok()) << signer.error().to_string();
  auto sig = signer->sign(as_bytes("order 7"));
  ASSERT_TRUE(sig.ok()) << sig.error().to_string();
  auto v = Verifier::create(s, signer->public_key_der());
  ASSERT_TRUE(v.ok());
  EXPECT_TRUE(v->verify(as_bytes("order 7"), *sig).ok());
}

INSTANTIATE_TEST_SUITE_P(AllProviders, ProviderTest, ::testing::Values("soft", "sdf", "pkcs11"),
                         [](const auto& info) { return info.param; });

}  // namespace
}  // namespace medsign::test
