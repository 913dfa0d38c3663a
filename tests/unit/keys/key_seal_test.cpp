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
