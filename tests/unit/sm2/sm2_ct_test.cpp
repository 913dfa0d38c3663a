// Constant-time checks in the style of ctgrind: run under valgrind memcheck with secrets marked as
// undefined memory, so that any branch or memory index that depends on them is reported as a use of
// an uninitialised value. Values that are public by design (r and s of a signature, pass/fail bits)
// are marked defined inside the library. Outside valgrind these tests only check functional results.
//
//   valgrind --error-exitcode=1 build-sm2/bin/unit_sm2 --gtest_filter='Sm2ConstantTime.*'
#include <gtest/gtest.h>

#include "crypto/sm2/internal.h"
#include "sm2_test_util.h"

#ifndef MEDSIGN_SM2_HAVE_MEMCHECK
#define RUNNING_ON_VALGRIND 0
#define VALGRIND_COUNT_ERRORS 0
#endif

namespace medsign::crypto::sm2 {
namespace {

// Marks the private scalar and its derived values as secret, leaving the public key defined.
void mark_key_secret(const PrivateKey& k) {
  detail::mark_secret(&k, sizeof k);
  detail::mark_public(&k.public_key(), sizeof(PublicKey));
}

class Sm2ConstantTime : public ::testing::Test {
 protected:
  void SetUp() override {
    precompute_tables();
    errors_before_ = VALGRIND_COUNT_ERRORS;
    if (!RUNNING_ON_VALGRIND) std::cout << "  (not under valgrind: functional check only)\n";
  }
  void TearDown() override {
    unsigned long after = VALGRIND_COUNT_ERRORS;
    EXPECT_EQ(after, errors_before_) << "memcheck saw secret-dependent branches or indices";
  }
  unsigned long errors_before_ = 0;
};

TEST_F(Sm2ConstantTime, KeyGenerationAndSigning) {
  for (int i = 0; i < 4; ++i) {
    PrivateKey key = generate_key().value();
    mark_key_secret(key);
    Bytes32 e{};
    e[0] = static_cast<std::uint8_t>(i);
    auto sig = sign_digest(key, e);
    ASSERT_TRUE(sig.ok());
    EXPECT_TRUE(verify_digest(key.public_key(), e, *sig).ok());
  }
}

TEST_F(Sm2ConstantTime, PrivateKeyImport) {
  Bytes d = test::hex("3945208F7B2144B13F36E38AC6D39F95889393692860B51A42FB81EF4DF7C5B8");
  detail::mark_secret(d.data(), d.size());
  auto key = PrivateKey::from_bytes(d);
  ASSERT_TRUE(key.ok());
  EXPECT_EQ(test::hexu(key->public_key().x()), "09F9DF311E5421A150DD7D161E4BC5C672179FAD1833FC076BB08FF356F35020");
}

TEST_F(Sm2ConstantTime, Decryption) {
  PrivateKey key = generate_key().value();
  Bytes msg = to_bytes("constant time decryption");
  Ciphertext ct = encrypt(key.public_key(), msg).value();
  mark_key_secret(key);
  auto plain = decrypt(key, ct);
  ASSERT_TRUE(plain.ok());
  detail::mark_public(plain->bytes().data(), plain->size());
  EXPECT_EQ(plain->bytes(), msg);
  Ciphertext bad = ct;
  bad.c3[3] ^= 1;
  EXPECT_FALSE(decrypt(key, bad).ok());
}

TEST_F(Sm2ConstantTime, KeyExchange) {
  PrivateKey da = generate_key().value(), db = generate_key().value();
  PrivateKey ra = generate_key().value(), rb = generate_key().value();
  for (const PrivateKey* k : {&da, &db, &ra, &rb}) mark_key_secret(*k);
  ExchangeInput a{ExchangeRole::initiator, &da, &ra, &db.public_key(), &rb.public_key(), kDefaultId, kDefaultId, 16};
  ExchangeInput b{ExchangeRole::responder, &db, &rb, &da.public_key(), &ra.public_key(), kDefaultId, kDefaultId, 16};
  auto ka = exchange_keys(a);
  auto kb = exchange_keys(b);
  ASSERT_TRUE(ka.ok() && kb.ok());
  detail::mark_public(ka->key.bytes().data(), ka->key.size());
  detail::mark_public(kb->key.bytes().data(), kb->key.size());
  detail::mark_public(ka->confirmation.data(), 32);
  detail::mark_public(kb->confirmation.data(), 32);
  detail::mark_public(ka->expected_peer.data(), 32);
  detail::mark_public(kb->expected_peer.data(), 32);
  EXPECT_EQ(ka->key.bytes(), kb->key.bytes());
  EXPECT_TRUE(check_confirmation(*ka, kb->confirmation).ok());
}

}  // namespace
}  // namespace medsign::crypto::sm2
