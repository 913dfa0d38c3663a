#include "crypto/soft/key_seal.h"

#include <algorithm>

#include <gtest/gtest.h>

#include "crypto/soft/dev_ca.h"
#include "crypto/soft/evp_key.h"

namespace medsign::crypto {
namespace {

TEST(KeySeal, RoundTripsAndBindsPurpose) {
  Bytes kek = random_bytes(kKekSize);
  Bytes secret = to_bytes("private key bytes");
  auto sealed = seal(kek, secret, "medsign-key:a");
  ASSERT_TRUE(sealed.ok());
  EXPECT_EQ(std::search(sealed->begin(), sealed->end(), secret.begin(), secret.end()), sealed->end());
  auto back = unseal(kek, *sealed, "medsign-key:a");
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(back->bytes(), secret);
  EXPECT_EQ(unseal(kek, *sealed, "medsign-key:b").error().code, Errc::decrypt_failed);
}

TEST(KeySeal, DetectsAnyFlippedBitAndWrongKek) {
  Bytes kek = random_bytes(kKekSize);
  auto sealed = seal(kek, to_bytes("0123456789"), "p").value();
  for (std::size_t i = 0; i < sealed.size(); ++i) {
    Bytes t = sealed;
    t[i] ^= 0x01;
    EXPECT_FALSE(unseal(kek, t, "p").ok()) << "byte " << i;
  }
  EXPECT_FALSE(unseal(random_bytes(kKekSize), sealed, "p").ok());
  EXPECT_EQ(unseal(kek, Bytes(10), "p").error().code, Errc::bad_encoding);
}

TEST(KeySeal, WritesVersion2WithSm4GcmLayout) {
  Bytes kek = random_bytes(kKekSize);
  Bytes secret = to_bytes("0123456789abcdef0123");
  auto sealed = seal(kek, secret, "p").value();
  ASSERT_EQ(sealed.size(), 8 + 16 + 12 + secret.size() + 16);
  EXPECT_EQ(std::string(sealed.begin(), sealed.begin() + 8), std::string("MSSEAL2\0", 8));
  EXPECT_NE(seal(kek, secret, "p").value(), sealed);  // fresh salt and IV each time
  EXPECT_EQ(unseal(kek, seal(kek, {}, "p").value(), "p").value().size(), 0u);
  // A v2 body under a v1 header (and the reverse) is rejected, not misread.
  Bytes relabelled = sealed;
  relabelled[6] = '1';
  EXPECT_FALSE(unseal(kek, relabelled, "p").ok());
  relabelled[6] = '3';
  EXPECT_EQ(unseal(kek, relabelled, "p").error().code, Errc::bad_encoding);
  EXPECT_EQ(unseal(kek, ByteView(sealed).first(8 + 16 + 12 + 15), "p").error().code, Errc::bad_encoding);
}

TEST(KeySeal, StillUnsealsVersion1Blobs) {
  // Written by the version 1 code (SM4-CTR + HMAC-SM3) with KEK 00 01 .. 1f.
  Bytes kek(kKekSize);
  for (std::size_t i = 0; i < kek.size(); ++i) kek[i] = static_cast<std::uint8_t>(i);
  Bytes v1 = hex_decode(
                 "4d535345414c3100299b6c9613800ceb22ac52a733f205ca05f06e66687c7e870f349d434e480169f57ac1574bdaf97d"
                 "19a7f9a8731b3b0a51e03363302440dd848b875ba5c9632307c3737affa6bb50302645c6a3310491")
                 .value();
  auto back = unseal(kek, v1, "medsign-key:legacy");
  ASSERT_TRUE(back.ok()) << back.error().to_string();
  EXPECT_EQ(as_chars(back->view()), "legacy v1 secret");
  EXPECT_EQ(unseal(kek, v1, "medsign-key:other").error().code, Errc::decrypt_failed);
  Bytes t = v1;
  t[40] ^= 0x80;
  EXPECT_EQ(unseal(kek, t, "medsign-key:legacy").error().code, Errc::decrypt_failed);
}

TEST(EvpKey, SignVerifyForEachTypeAndEncryptedPem) {
  for (KeyType t : {KeyType::sm2, KeyType::ecdsa_p256, KeyType::rsa2048}) {
    auto k = EvpKey::generate(t);
    ASSERT_TRUE(k.ok());
    EXPECT_EQ(k->type(), t);
    auto sig = k->sign(as_bytes("challenge"));
    ASSERT_TRUE(sig.ok());
    EXPECT_TRUE(k->verify(as_bytes("challenge"), *sig).ok());
    EXPECT_EQ(k->verify(as_bytes("challengE"), *sig).error().code, Errc::bad_signature);
    auto pem = k->encrypted_pem("pin-1234");
    ASSERT_TRUE(pem.ok());
    EXPECT_NE(pem->find("ENCRYPTED PRIVATE KEY"), std::string::npos);
    EXPECT_FALSE(EvpKey::from_pem(*pem, "wrong").ok());
    auto again = EvpKey::from_pem(*pem, "pin-1234");
    ASSERT_TRUE(again.ok());
    EXPECT_TRUE(again->verify(as_bytes("challenge"), *sig).ok());
  }
}

TEST(DevCa, IssuedCertificateChainsToTheCaAndCarriesTheKey) {
  auto ca = EvpKey::generate(KeyType::ecdsa_p256).value();
  auto ca_pem = issue_certificate(ca, {"Test CA", "T", {}, {}, 30, CertProfile::root_ca}, ca, "").value();
  auto user = EvpKey::generate(KeyType::sm2).value();
  auto pem = issue_certificate(user, {"alice", "T", {}, {}, 30, CertProfile::admin_key}, ca, ca_pem).value();
  EXPECT_TRUE(verify_issued_by(pem, ca_pem).ok());
  auto other = EvpKey::generate(KeyType::ecdsa_p256).value();
  auto other_pem = issue_certificate(other, {"Other", "T", {}, {}, 30, CertProfile::root_ca}, other, "").value();
  EXPECT_FALSE(verify_issued_by(pem, other_pem).ok());
  auto pub = EvpKey::from_pem(pem).value();
  auto sig = user.sign(as_bytes("x")).value();
  EXPECT_TRUE(pub.verify(as_bytes("x"), sig).ok());
  auto info = certificate_info(pem).value();
  EXPECT_NE(info.subject.find("CN=alice"), std::string::npos);
}

}  // namespace
}  // namespace medsign::crypto
