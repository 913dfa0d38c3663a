// What each provider says when its library, a function, the device or the key store is not right.
#include <sys/stat.h>

#include <fstream>

#include <gtest/gtest.h>

#include "crypto/provider/key_file.h"
#include "crypto/provider/pkcs11_provider.h"
#include "crypto/provider/sdf_provider.h"
#include "crypto/provider/soft_provider.h"
#include "crypto/soft/keystore.h"
#include "medsign/sdf.h"
#include "provider_env.h"

namespace medsign::test {
namespace {
namespace fs = std::filesystem;
using namespace crypto;
using namespace crypto::provider;

TEST(SdfProviderErrors, MissingLibraryNamesThePath) {
  auto p = open_sdf_provider("/nonexistent/libvendor-sdf.so");
  ASSERT_FALSE(p.ok());
  EXPECT_EQ(p.error().code, Errc::provider_library_missing);
  EXPECT_NE(p.error().detail.find("/nonexistent/libvendor-sdf.so"), std::string::npos);
}

TEST(SdfProviderErrors, LibraryWithoutSdfFunctionsNamesTheMissingSymbol) {
  auto p = open_sdf_provider("libz.so.1");  // a real shared library that is no SDF library
  ASSERT_FALSE(p.ok());
  EXPECT_EQ(p.error().code, Errc::provider_symbol_missing);
  EXPECT_NE(p.error().detail.find("SDF_OpenDevice"), std::string::npos) << p.error().detail;
}

TEST(SdfProviderErrors, DeviceThatDoesNotOpenReportsTheSdrCode) {
  ::unsetenv("MEDSIGN_SOFTSDF_DIR");  // our softsdf has no device then
  auto p = open_sdf_provider(MEDSIGN_SOFTSDF_LIBRARY);
  ASSERT_FALSE(p.ok());
  EXPECT_EQ(p.error().code, Errc::provider_device_error);
  EXPECT_NE(p.error().detail.find("SDF_OpenDevice: SDR_OPENDEVICE (0x01000005)"), std::string::npos) << p.error().detail;
}

TEST(SdfProviderErrors, SdrCodesHaveTheirStandardNamesAndErrors) {
  EXPECT_EQ(sdr_name(SDR_OK), "SDR_OK");
  EXPECT_EQ(sdr_name(SDR_KEYNOTEXIST), "SDR_KEYNOTEXIST");
  EXPECT_EQ(sdr_name(SDR_OUTARGERR), "SDR_OUTARGERR");
  EXPECT_EQ(sdr_name(0x0100001F), "SDR_0x0100001F");
  EXPECT_EQ(sdr_error("SDF_InternalSign_ECC", SDR_KEYNOTEXIST).code, Errc::key_not_found);
  EXPECT_EQ(sdr_error("SDF_InternalSign_ECC", SDR_PRKRERR).code, Errc::key_access_denied);
  EXPECT_EQ(sdr_error("SDF_ExternalVerify_ECC", SDR_VERIFYERR).code, Errc::bad_signature);
  Error e = sdr_error("SDF_InternalSign_ECC", SDR_HARDFAIL);
  EXPECT_EQ(e.code, Errc::provider_device_error);
  EXPECT_EQ(e.detail, "SDF_InternalSign_ECC: SDR_HARDFAIL (0x01000004)");
}

TEST(SdfProviderErrors, GenerationBeyondRsarefAndEcdsaIsUnsupported) {
  auto env = make_provider_env("sdf");
  ASSERT_TRUE(env->skip_reason.empty()) << env->skip_reason;
  auto s = env->provider->open_session();
  ASSERT_TRUE(s.ok());
  for (KeyAlg a : {KeyAlg::ecdsa_p256, KeyAlg::rsa3072}) {
    auto k = (*s)->generate_key(a, {});
    ASSERT_FALSE(k.ok());
    EXPECT_EQ(k.error().code, Errc::algorithm_unsupported);
  }
}

TEST(Pkcs11ProviderErrors, MissingModuleAndMissingFunctionList) {
  ProviderConfig cfg;
  cfg.kind = ProviderKind::pkcs11;
  cfg.library = "/nonexistent/libvendor-pkcs11.so";
  auto p = open_provider(cfg);
  ASSERT_FALSE(p.ok());
  EXPECT_EQ(p.error().code, Errc::provider_library_missing);
  cfg.library = "libz.so.1";
  p = open_provider(cfg);
  ASSERT_FALSE(p.ok());
  EXPECT_EQ(p.error().code, Errc::provider_symbol_missing);
  EXPECT_NE(p.error().detail.find("C_GetFunctionList"), std::string::npos);
}

TEST(Pkcs11ProviderErrors, UnknownTokenAndWrongPin) {
  auto env = make_provider_env("pkcs11");
  if (!env->skip_reason.empty()) GTEST_SKIP() << env->skip_reason;
  ProviderConfig cfg;
  cfg.kind = ProviderKind::pkcs11;
  cfg.library = kSoftHsmModule;
  cfg.token = "no-such-token";
  auto p = open_provider(cfg);
  ASSERT_FALSE(p.ok());
  EXPECT_EQ(p.error().code, Errc::key_not_found);
  // A second provider on the same module with a wrong PIN: the session does not open logged in.
  auto s = env->provider->open_session();
  ASSERT_TRUE(s.ok());
  ASSERT_TRUE((*s)->release_private_key_access_right(1).ok());
  cfg.token = "medsign-test";
  cfg.pin = "000000";
  auto wrong = open_provider(cfg);
  ASSERT_TRUE(wrong.ok());
  auto ws = (*wrong)->open_session();
  ASSERT_FALSE(ws.ok());
  EXPECT_EQ(ws.error().code, Errc::key_password_wrong);
  EXPECT_NE(ws.error().detail.find("CKR_PIN_INCORRECT"), std::string::npos) << ws.error().detail;
}

TEST(Pkcs11Attributes, EcPointIsAcceptedWrappedOrRawAndValidated) {
  // P-256 generator as the point.
  auto g = hex_decode(
      "046b17d1f2e12c4247f8bce6e563a440f277037d812deb33a0f4a13945d898c2964fe342e2fe1a7f9b8ee7eb4a7c0f9e162bce33576b315ececbb6406837bf51f5");
  ASSERT_TRUE(g.ok());
  const Bytes p256 = {0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07};
  Bytes wrapped = {0x04, 0x41};
  wrapped.insert(wrapped.end(), g->begin(), g->end());
  auto a = spki_from_pkcs11_ec(p256, *g), b = spki_from_pkcs11_ec(p256, wrapped);
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_EQ(*a, *b);
  EXPECT_EQ(*key_alg_of_spki(*a), KeyAlg::ecdsa_p256);
  Bytes off = *g;
  off.back() ^= 1;  // not on the curve
  EXPECT_FALSE(spki_from_pkcs11_ec(p256, off).ok());
  EXPECT_EQ(spki_from_pkcs11_ec(Bytes{0x06, 0x03, 0x2b, 0x65, 0x70}, *g).error().code, Errc::algorithm_unsupported);
}

class SoftProviderTest : public ::testing::Test {
 protected:
  void SetUp() override { dir_ = make_temp_dir("soft"); }
  void TearDown() override { fs::remove_all(dir_); }
  fs::path dir_;
};

TEST_F(SoftProviderTest, MasterKeyAndKeyFilesAreOwnerOnlyAndHoldNoPlaintextKey) {
  auto p = SoftProvider::open({dir_, "", true});
  ASSERT_TRUE(p.ok()) << p.error().to_string();
  auto s = (*p)->open_session();
  ASSERT_TRUE(s.ok());
  auto k = (*s)->generate_key(KeyAlg::sm2, {0, "tsa", ""});
  ASSERT_TRUE(k.ok());
  for (fs::path f : {dir_ / "keys" / "kek", dir_ / "keys" / "provider" / "1.key"}) {
    struct stat st {};
    ASSERT_EQ(::stat(f.c_str(), &st), 0) << f;
    EXPECT_EQ(st.st_mode & 0777, 0600u) << f;
  }
  auto text = read_file(dir_ / "keys" / "provider" / "1.key");
  auto f = parse_key_file(as_chars(*text));
  ASSERT_TRUE(f.ok()) << f.error().to_string();
  EXPECT_EQ(f->label, "tsa");
  // The sealed blob starts with the seal header, not a PKCS#8 SEQUENCE.
  EXPECT_EQ(std::string(f->sealed.begin(), f->sealed.begin() + 7), "MSSEAL2");
  // Without keys/kek and without create, the store does not open.
  fs::path other = make_temp_dir("soft-empty");
  auto none = SoftProvider::open({other, "", false});
  ASSERT_FALSE(none.ok());
  EXPECT_EQ(none.error().code, Errc::data_dir_missing);
  fs::remove_all(other);
  // A master key file readable by others is refused.
  fs::permissions(dir_ / "keys" / "kek", fs::perms::owner_read | fs::perms::group_read);
  auto loose = SoftProvider::open({dir_, "", false});
  ASSERT_FALSE(loose.ok());
  EXPECT_EQ(loose.error().code, Errc::config_invalid);
}

TEST_F(SoftProviderTest, EditedKeyFileMakesTheKeyUnusableNotUnprotected) {
  auto p = SoftProvider::open({dir_, "", true});
  ASSERT_TRUE(p.ok());
  auto s = (*p)->open_session();
  ASSERT_TRUE((*s)->generate_key(KeyAlg::sm2, {0, "", "secret-pass"}).ok());
  fs::path kf = dir_ / "keys" / "provider" / "1.key";
  auto f = parse_key_file(as_chars(*read_file(kf)));
  ASSERT_TRUE(f.ok());
  f->password_hash.clear();  // an attacker removes the password line
  std::ofstream(kf) << encode_key_file(*f);
  auto s2 = (*p)->open_session();
  ASSERT_TRUE((*s2)->get_private_key_access_right(1, "").ok());  // no password recorded any more...
  auto sig = (*s2)->sign(1, SignatureAlg::sm2_sm3, as_bytes("x"));
  ASSERT_FALSE(sig.ok());  // ...but the blob was sealed with the hash in its aad
  EXPECT_EQ(sig.error().code, Errc::crypto_error);
}

TEST_F(SoftProviderTest, PassphraseModeRefusesAWrongPassphrase) {
  auto p = SoftProvider::open({dir_, "correct horse battery", true});
  ASSERT_TRUE(p.ok()) << p.error().to_string();
  auto s = (*p)->open_session();
  auto k = (*s)->generate_key(KeyAlg::ecdsa_p256, {});
  ASSERT_TRUE(k.ok());
  EXPECT_FALSE(fs::exists(dir_ / "keys" / "kek"));
  auto again = SoftProvider::open({dir_, "correct horse battery", false});
  ASSERT_TRUE(again.ok());
  auto s2 = (*again)->open_session();
  EXPECT_TRUE((*s2)->sign(k->index, SignatureAlg::ecdsa_p256_sha256, as_bytes("x")).ok());
  auto wrong = SoftProvider::open({dir_, "wrong horse", false});
  ASSERT_FALSE(wrong.ok());
  EXPECT_EQ(wrong.error().code, Errc::key_password_wrong);
}

TEST(ProviderKeyFile, RoundTripsAndRejectsMalformedFiles) {
  ProviderKeyFile f;
  f.index = 7;
  f.label = "seal 2026";
  f.algorithm = KeyAlg::rsa3072;
  f.created_unix = 1795000000;
  f.spki = {1, 2, 3};
  f.sealed = {4, 5, 6};
  std::string text = encode_key_file(f);
  auto back = parse_key_file(text);
  ASSERT_TRUE(back.ok()) << back.error().to_string();
  EXPECT_EQ(back->label, f.label);
  EXPECT_EQ(back->algorithm, f.algorithm);
  EXPECT_EQ(back->spki, f.spki);
  for (std::string bad : {std::string(), text.substr(0, text.size() - 1), text + "x\n",
                          std::string("medsign-provider-key 1\nindex: 0\n"), std::string("medsign-provider-key 1\nindex: 007\n")}) {
    auto r = parse_key_file(bad);
    ASSERT_FALSE(r.ok()) << bad;
    EXPECT_EQ(r.error().code, Errc::bad_encoding);
  }
  EXPECT_FALSE(check_label("line\nbreak").ok());
}

}  // namespace
}  // namespace medsign::test
