// Point, key, signature and ciphertext encodings, and the rejection of malformed or out-of-range input.
#include <gtest/gtest.h>
#include <openssl/bn.h>

#include "crypto/sm2/der.h"
#include "crypto/sm2/internal.h"
#include "sm2_openssl.h"

namespace medsign::crypto::sm2 {
namespace {

using test::hex;
using test::hex32;

constexpr std::string_view kNHex = "FFFFFFFEFFFFFFFFFFFFFFFFFFFFFFFF7203DF6B21C6052B53BBF40939D54123";
constexpr std::string_view kPHex = "FFFFFFFEFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF00000000FFFFFFFFFFFFFFFF";

Errc code_of(const Error& e) { return e.code; }

TEST(Sm2PointEncoding, RoundTripsAllThreeFormats) {
  for (int i = 0; i < 20; ++i) {
    PrivateKey k = generate_key().value();
    const PublicKey& pub = k.public_key();
    for (PointFormat f : {PointFormat::uncompressed, PointFormat::compressed, PointFormat::hybrid}) {
      Bytes enc = pub.encode(f);
      auto back = PublicKey::decode(enc);
      ASSERT_TRUE(back.ok()) << back.error().to_string();
      EXPECT_EQ(*back, pub);
    }
    bool odd = pub.y()[31] & 1;
    EXPECT_EQ(pub.encode(PointFormat::compressed)[0], odd ? 0x03 : 0x02);
    EXPECT_EQ(pub.encode(PointFormat::hybrid)[0], odd ? 0x07 : 0x06);
    EXPECT_EQ(pub.encode()[0], 0x04);
  }
}

TEST(Sm2PointEncoding, RejectsMalformedPoints) {
  PrivateKey k = generate_key().value();
  Bytes good = k.public_key().encode();
  EXPECT_EQ(code_of(PublicKey::decode({}).error()), Errc::bad_encoding);
  EXPECT_EQ(code_of(PublicKey::decode(hex("00")).error()), Errc::bad_encoding);  // infinity
  EXPECT_FALSE(PublicKey::decode(ByteView(good).first(64)).ok());               // short
  Bytes longer = good;
  longer.push_back(0);
  EXPECT_FALSE(PublicKey::decode(longer).ok());
  Bytes off = good;
  off[64] ^= 1;  // y changed: not on the curve
  EXPECT_EQ(code_of(PublicKey::decode(off).error()), Errc::bad_encoding);
  Bytes wrong_prefix = good;
  wrong_prefix[0] = 0x05;
  EXPECT_FALSE(PublicKey::decode(wrong_prefix).ok());
  Bytes hybrid = k.public_key().encode(PointFormat::hybrid);
  hybrid[0] ^= 1;  // parity disagrees with y
  EXPECT_FALSE(PublicKey::decode(hybrid).ok());
  // x = p is not reduced (even though p ≡ 0 would otherwise be tested as x = 0).
  Bytes big = hex(std::string("02") + std::string(kPHex));
  EXPECT_FALSE(PublicKey::decode(big).ok());
  Bytes big_unc = hex(std::string("04") + std::string(kPHex) + std::string(kPHex));
  EXPECT_FALSE(PublicKey::decode(big_unc).ok());
  // An x with no point: try small x values until one has no square root.
  int rejected = 0;
  for (int x = 1; x < 20; ++x) {
    Bytes c(33, 0);
    c[0] = 0x02;
    c[32] = static_cast<std::uint8_t>(x);
    if (!PublicKey::decode(c).ok()) ++rejected;
  }
  EXPECT_GT(rejected, 0);
  EXPECT_FALSE(PublicKey::from_coordinates(ByteView(good).subspan(1, 32), ByteView(good).subspan(1, 32)).ok());
}

TEST(Sm2PrivateKey, AcceptsOnlyOneToNMinus2) {
  Bytes zero(32, 0), one(32, 0);
  one[31] = 1;
  Bytes n = hex(kNHex);
  Bytes n1 = n, n2 = n;
  n1[31] -= 1;
  n2[31] -= 2;
  EXPECT_EQ(code_of(PrivateKey::from_bytes(zero).error()), Errc::invalid_argument);
  EXPECT_TRUE(PrivateKey::from_bytes(one).ok());
  EXPECT_TRUE(PrivateKey::from_bytes(n2).ok());
  EXPECT_FALSE(PrivateKey::from_bytes(n1).ok());
  EXPECT_FALSE(PrivateKey::from_bytes(n).ok());
  EXPECT_FALSE(PrivateKey::from_bytes(Bytes(31, 1)).ok());
  auto k = PrivateKey::from_bytes(n2);
  EXPECT_EQ(k->to_bytes().bytes(), n2);
  // d = n-2 still signs and verifies ((1+d) is invertible).
  auto sig = sign(*k, as_bytes("edge"));
  ASSERT_TRUE(sig.ok());
  EXPECT_TRUE(verify(k->public_key(), as_bytes("edge"), encode_signature_der(*sig)).ok());
}

TEST(Sm2Z, RejectsOverlongIdAndAcceptsEmpty) {
  PrivateKey k = generate_key().value();
  EXPECT_TRUE(compute_z(k.public_key(), "").ok());
  EXPECT_TRUE(compute_z(k.public_key(), std::string(kMaxIdLength, 'a')).ok());
  EXPECT_EQ(code_of(compute_z(k.public_key(), std::string(kMaxIdLength + 1, 'a')).error()), Errc::invalid_argument);
}

// ---- signatures ------------------------------------------------------------------------------------

Signature sig_of(std::string_view r, std::string_view s) { return {hex32(r), hex32(s)}; }

TEST(Sm2SignatureDer, RoundTripsAndIsMinimal) {
  Signature s = sig_of("0000000000000000000000000000000000000000000000000000000000000001",
                       "80000000000000000000000000000000000000000000000000000000000000FF");
  Bytes der = encode_signature_der(s);
  EXPECT_EQ(der, hex("3026020101022100800000000000000000000000000000000000000000000000000000000000" "00FF"));
  auto back = decode_signature_der(der);
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(*back, s);
}

TEST(Sm2SignatureDer, RejectsMalformedAndOutOfRange) {
  const char* bad[] = {
      "",                                  // empty
      "3006020101020101" "00",             // trailing byte
      "3007020101020101",                  // length too long
      "3106020101020101",                  // wrong outer tag
      "3006020101030101",                  // wrong inner tag
      "3006020100020101",                  // r = 0
      "3006020101020100",                  // s = 0
      "30060201FF020101",                  // negative r
      "300702020001020101",                // non-minimal INTEGER
      "308106020101020101",                // long-form length for a short length
      "3080020101020101" "0000",           // indefinite length
      "300302010102",                      // truncated s
      "3008020101020101" "0000",           // extra element inside
      "300702010102010100",                // garbage inside
  };
  for (const char* h : bad) {
    auto bytes = hex_decode(h);
    ASSERT_TRUE(bytes.ok()) << h;
    EXPECT_EQ(code_of(decode_signature_der(*bytes).error()), Errc::bad_encoding) << h;
  }
  // r = n and s = n are out of range.
  Bytes n = hex(kNHex);
  Bytes der_rn = encode_signature_der(sig_of(kNHex, "0000000000000000000000000000000000000000000000000000000000000001"));
  EXPECT_EQ(code_of(decode_signature_der(der_rn).error()), Errc::bad_encoding);
  Bytes der_sn = encode_signature_der(sig_of("0000000000000000000000000000000000000000000000000000000000000001", kNHex));
  EXPECT_EQ(code_of(decode_signature_der(der_sn).error()), Errc::bad_encoding);
  // 33-byte integer without the sign byte meaning (too large).
  Bytes too_big = hex("3027" "022101" + std::string(64, '0') + "020101");
  EXPECT_FALSE(decode_signature_der(too_big).ok());
}

TEST(Sm2Verify, RejectsOutOfRangeRAndS) {
  PrivateKey k = generate_key().value();
  Bytes32 e = hex32("F0B43E94BA45ACCAACE692ED534382EB17E6AB5A19CE7B31F4486FDFC0D28640");
  Signature good = sign_digest(k, e).value();
  ASSERT_TRUE(verify_digest(k.public_key(), e, good).ok());
  Bytes32 zero{}, n = hex32(kNHex), ff;
  ff.fill(0xff);
  for (const Bytes32& v : {zero, n, ff}) {
    EXPECT_EQ(code_of(verify_digest(k.public_key(), e, Signature{v, good.s}).error()), Errc::bad_signature);
    EXPECT_EQ(code_of(verify_digest(k.public_key(), e, Signature{good.r, v}).error()), Errc::bad_signature);
  }
  // r + s = n.
  Bytes32 s_neg;
  {
    BIGNUM *bn_n = nullptr, *r = BN_bin2bn(good.r.data(), 32, nullptr);
    BN_hex2bn(&bn_n, std::string(kNHex).c_str());
    BN_sub(r, bn_n, r);
    BN_bn2binpad(r, s_neg.data(), 32);
    BN_free(r);
    BN_free(bn_n);
  }
  EXPECT_EQ(code_of(verify_digest(k.public_key(), e, Signature{good.r, s_neg}).error()), Errc::bad_signature);
  // Another key, a flipped bit of e, r or s.
  PrivateKey other = generate_key().value();
  EXPECT_FALSE(verify_digest(other.public_key(), e, good).ok());
  Bytes32 e2 = e;
  e2[5] ^= 4;
  EXPECT_FALSE(verify_digest(k.public_key(), e2, good).ok());
  Signature flipped = good;
  flipped.s[31] ^= 1;
  EXPECT_FALSE(verify_digest(k.public_key(), e, flipped).ok());
  EXPECT_EQ(code_of(verify_digest(k.public_key(), ByteView(e).first(31), good).error()), Errc::invalid_argument);
}

// Builds e so that the fixed nonce k meets a rejection case: r = 0, r + k = n, or s = 0.
TEST(Sm2Sign, RejectsNonceWhenRIsZeroOrRPlusKIsNOrSIsZero) {
  PrivateKey key = generate_key().value();
  Bytes32 k = hex32("59276E27D506861A16680F3AD9C02DCCEF3CC1FA3CDBE4CE6D54B80DEAC1BC21");
  PrivateKey kpair = PrivateKey::from_bytes(k).value();  // k·G = public key of "key" k
  BN_CTX* ctx = BN_CTX_new();
  BIGNUM *n = nullptr, *x1 = BN_bin2bn(kpair.public_key().x().data(), 32, nullptr);
  BIGNUM *bk = BN_bin2bn(k.data(), 32, nullptr), *e = BN_new(), *r = BN_new();
  BN_hex2bn(&n, std::string(kNHex).c_str());
  auto e_bytes = [&](BIGNUM* v) {
    Bytes32 out;
    BN_bn2binpad(v, out.data(), 32);
    return out;
  };
  // r = 0: e = -x1 mod n.
  BN_mod_sub(e, n, x1, n, ctx);
  EXPECT_EQ(code_of(detail::sign_digest_with_nonce(key, e_bytes(e), k).error()), Errc::invalid_argument);
  // r + k = n: e = n - k - x1 mod n.
  BN_mod_sub(e, n, bk, n, ctx);
  BN_mod_sub(e, e, x1, n, ctx);
  EXPECT_EQ(code_of(detail::sign_digest_with_nonce(key, e_bytes(e), k).error()), Errc::invalid_argument);
  // s = 0: k = r·d, so r = k·d^-1 and e = r - x1.
  SecretBytes d = key.to_bytes();
  BIGNUM* bd = BN_bin2bn(d.bytes().data(), 32, nullptr);
  BN_mod_inverse(r, bd, n, ctx);
  BN_mod_mul(r, r, bk, n, ctx);
  BN_mod_sub(e, r, x1, n, ctx);
  EXPECT_EQ(code_of(detail::sign_digest_with_nonce(key, e_bytes(e), k).error()), Errc::invalid_argument);
  // A neighbouring e signs normally and verifies.
  BN_add_word(e, 1);
  auto sig = detail::sign_digest_with_nonce(key, e_bytes(e), k);
  ASSERT_TRUE(sig.ok());
  EXPECT_TRUE(verify_digest(key.public_key(), e_bytes(e), *sig).ok());
  for (BIGNUM* v : {n, x1, bk, e, r, bd}) BN_free(v);
  BN_CTX_free(ctx);
}

// ---- ciphertexts -----------------------------------------------------------------------------------

TEST(Sm2CiphertextEncoding, RawFormatsRoundTripAndDecrypt) {
  PrivateKey k = generate_key().value();
  Bytes msg = to_bytes("patient record 42");
  Ciphertext ct = encrypt(k.public_key(), msg).value();
  for (CiphertextOrder order : {CiphertextOrder::c1c3c2, CiphertextOrder::c1c2c3}) {
    Bytes raw = encode_ciphertext_raw(ct, order);
    EXPECT_EQ(raw.size(), 65 + 32 + msg.size());
    auto back = decode_ciphertext_raw(raw, order);
    ASSERT_TRUE(back.ok());
    EXPECT_EQ(*back, ct);
    EXPECT_EQ(decrypt(k, *back)->bytes(), msg);
  }
  // Decoding in the wrong order gives a ciphertext that fails the C3 check.
  auto swapped = decode_ciphertext_raw(encode_ciphertext_raw(ct, CiphertextOrder::c1c3c2), CiphertextOrder::c1c2c3);
  ASSERT_TRUE(swapped.ok());
  EXPECT_EQ(code_of(decrypt(k, *swapped).error()), Errc::decrypt_failed);
  EXPECT_FALSE(decode_ciphertext_raw(Bytes(97, 4)).ok());
  Bytes no_prefix = encode_ciphertext_raw(ct);
  no_prefix[0] = 0x02;
  EXPECT_FALSE(decode_ciphertext_raw(no_prefix).ok());
}

TEST(Sm2CiphertextEncoding, DecryptRejectsTamperingAndBadC1) {
  PrivateKey k = generate_key().value();
  Bytes msg = to_bytes("x");
  Ciphertext ct = encrypt(k.public_key(), msg).value();
  Ciphertext t = ct;
  t.c3[0] ^= 1;
  EXPECT_EQ(code_of(decrypt(k, t).error()), Errc::decrypt_failed);
  t = ct;
  t.c2[0] ^= 1;
  EXPECT_EQ(code_of(decrypt(k, t).error()), Errc::decrypt_failed);
  t = ct;
  t.y1[31] ^= 1;  // C1 off the curve
  EXPECT_EQ(code_of(decrypt(k, t).error()), Errc::decrypt_failed);
  t = ct;
  t.x1 = Bytes32{};
  t.y1 = Bytes32{};
  EXPECT_EQ(code_of(decrypt(k, t).error()), Errc::decrypt_failed);
  t = ct;
  t.c2.clear();
  EXPECT_EQ(code_of(decrypt(k, t).error()), Errc::decrypt_failed);
  PrivateKey other = generate_key().value();
  EXPECT_EQ(code_of(decrypt(other, ct).error()), Errc::decrypt_failed);
  EXPECT_EQ(code_of(encrypt(k.public_key(), {}).error()), Errc::invalid_argument);
}

TEST(Sm2CiphertextEncoding, DerRejectsMalformed) {
  PrivateKey k = generate_key().value();
  Ciphertext ct = encrypt(k.public_key(), to_bytes("abc")).value();
  Bytes der = encode_ciphertext_der(ct);
  ASSERT_TRUE(decode_ciphertext_der(der).ok());
  Bytes trailing = der;
  trailing.push_back(0);
  EXPECT_EQ(code_of(decode_ciphertext_der(trailing).error()), Errc::bad_encoding);
  for (std::size_t cut = 0; cut < der.size(); cut += 7) {
    EXPECT_FALSE(decode_ciphertext_der(ByteView(der).first(cut)).ok()) << cut;
  }
  Bytes inner;
  detail::der_append_uint256(inner, ct.x1.data());
  detail::der_append_uint256(inner, ct.y1.data());
  detail::der_append(inner, detail::kTagOctetString, ByteView(ct.c3).first(31));
  detail::der_append(inner, detail::kTagOctetString, ct.c2);
  Bytes bad;
  detail::der_append(bad, detail::kTagSequence, inner);
  EXPECT_EQ(code_of(decode_ciphertext_der(bad).error()), Errc::bad_encoding);
  Bytes empty_c2_inner;
  detail::der_append_uint256(empty_c2_inner, ct.x1.data());
  detail::der_append_uint256(empty_c2_inner, ct.y1.data());
  detail::der_append(empty_c2_inner, detail::kTagOctetString, ct.c3);
  detail::der_append(empty_c2_inner, detail::kTagOctetString, {});
  Bytes empty_c2;
  detail::der_append(empty_c2, detail::kTagSequence, empty_c2_inner);
  EXPECT_EQ(code_of(decode_ciphertext_der(empty_c2).error()), Errc::bad_encoding);
  // Long messages use long-form lengths.
  Bytes big(300, 7);
  Ciphertext ct_big = encrypt(k.public_key(), big).value();
  auto back = decode_ciphertext_der(encode_ciphertext_der(ct_big));
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(decrypt(k, *back)->bytes(), big);
}

}  // namespace
}  // namespace medsign::crypto::sm2
