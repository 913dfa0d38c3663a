// GB/T 32918.5 (GM/T 0003.5) example values on sm2p256v1, and curve self-checks.
#include <gtest/gtest.h>

#include "crypto/sm2/internal.h"
#include "sm2_test_util.h"

namespace medsign::crypto::sm2 {
namespace {

using test::hex;
using test::hex32;
using test::hexu;

constexpr std::string_view kD = "3945208F7B2144B13F36E38AC6D39F95889393692860B51A42FB81EF4DF7C5B8";
constexpr std::string_view kX = "09F9DF311E5421A150DD7D161E4BC5C672179FAD1833FC076BB08FF356F35020";
constexpr std::string_view kY = "CCEA490CE26775A52DC6EA718CC1AA600AED05FBF35E084A6632F6072DA9AD13";
constexpr std::string_view kK = "59276E27D506861A16680F3AD9C02DCCEF3CC1FA3CDBE4CE6D54B80DEAC1BC21";

PrivateKey example_key() { return PrivateKey::from_bytes(hex(kD)).value(); }

TEST(Sm2Vectors, PublicKeyFromPrivateMatchesStandard) {
  PrivateKey key = example_key();
  EXPECT_EQ(hexu(key.public_key().x()), kX);
  EXPECT_EQ(hexu(key.public_key().y()), kY);
}

TEST(Sm2Vectors, ZAndDigestMatchStandard) {
  PrivateKey key = example_key();
  auto z = compute_z(key.public_key(), "1234567812345678");
  ASSERT_TRUE(z.ok());
  EXPECT_EQ(hexu(*z), "B2E14C5C79C6DF5B85F4FE7ED8DB7A262B9DA7E07CCB0EA9F4747B8CCDA8A4F3");
  auto e = digest_e(key.public_key(), as_bytes("message digest"));
  ASSERT_TRUE(e.ok());
  EXPECT_EQ(hexu(*e), "F0B43E94BA45ACCAACE692ED534382EB17E6AB5A19CE7B31F4486FDFC0D28640");
}

TEST(Sm2Vectors, SignatureWithFixedNonceMatchesStandard) {
  PrivateKey key = example_key();
  Bytes32 e = hex32("F0B43E94BA45ACCAACE692ED534382EB17E6AB5A19CE7B31F4486FDFC0D28640");
  auto sig = detail::sign_digest_with_nonce(key, e, hex32(kK));
  ASSERT_TRUE(sig.ok()) << sig.error().to_string();
  EXPECT_EQ(hexu(sig->r), "F5A03B0648D2C4630EEAC513E1BB81A15944DA3827D5B74143AC7EACEEE720B3");
  EXPECT_EQ(hexu(sig->s), "B1B6AA29DF212FD8763182BC0D421CA1BB9038FD1F7F42D4840B69C485BBC1AA");
  EXPECT_TRUE(verify_digest(key.public_key(), e, *sig).ok());
  EXPECT_TRUE(verify(key.public_key(), as_bytes("message digest"), encode_signature_der(*sig)).ok());
  EXPECT_FALSE(verify(key.public_key(), as_bytes("message digesT"), encode_signature_der(*sig)).ok());
}

TEST(Sm2Vectors, EncryptionWithFixedNonceMatchesStandard) {
  PrivateKey key = example_key();
  auto ct = detail::encrypt_with_nonce(key.public_key(), as_bytes("encryption standard"), hex32(kK));
  ASSERT_TRUE(ct.ok()) << ct.error().to_string();
  EXPECT_EQ(hexu(ct->x1), "04EBFC718E8D1798620432268E77FEB6415E2EDE0E073C0F4F640ECD2E149A73");
  EXPECT_EQ(hexu(ct->y1), "E858F9D81E5430A57B36DAAB8F950A3C64E6EE6A63094D99283AFF767E124DF0");
  EXPECT_EQ(hexu(ct->c3), "59983C18F809E262923C53AEC295D30383B54E39D609D160AFCB1908D0BD8766");
  EXPECT_EQ(hexu(ct->c2), "21886CA989CA9C7D58087307CA93092D651EFA");
  Bytes der = encode_ciphertext_der(*ct);
  EXPECT_EQ(hexu(der).substr(0, 8), "307C0220");
  EXPECT_EQ(der.size(), 0x7Cu + 2);
  auto back = decode_ciphertext_der(der);
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(*back, *ct);
  auto plain = decrypt(key, *back);
  ASSERT_TRUE(plain.ok()) << plain.error().to_string();
  EXPECT_EQ(as_chars(plain->view()), "encryption standard");
}

TEST(Sm2Curve, GeneratorIsOnCurve) { EXPECT_TRUE(detail::on_curve_vartime(detail::generator())); }

TEST(Sm2Curve, OrderTimesGeneratorIsInfinity) {
  detail::U256 n = detail::kN.m;
  detail::JacobianPoint r;
  detail::scalar_mult(r, detail::generator(), n);
  EXPECT_TRUE(detail::is_zero(r.z));
  // (n-1)·G = -G through the comb table.
  detail::U256 n1 = n;
  n1.v[0] -= 1;
  detail::scalar_mult_base(r, n1);
  detail::AffinePoint a;
  ASSERT_TRUE(detail::to_affine(a, r));
  detail::U256 neg_gy;
  detail::fp_neg(neg_gy, detail::generator().y);
  EXPECT_TRUE(detail::equal(a.x, detail::generator().x));
  EXPECT_TRUE(detail::equal(a.y, neg_gy));
}

}  // namespace
}  // namespace medsign::crypto::sm2
