// SM3, HMAC, the SM2 KDF, SM4/AES modes and GCM (ours over SM4, checked with RFC 8998 and against
// OpenSSL's AES-GCM by running our GCM over AES).
#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

#include "crypto/algorithms/cipher.h"
#include "crypto/algorithms/gcm_internal.h"
#include "crypto/algorithms/hash.h"

namespace medsign::crypto {
namespace {

Bytes hex(std::string_view s) { return hex_decode(s).value(); }
Bytes rnd(std::size_t n) {
  Bytes b(n);
  if (n) RAND_bytes(b.data(), static_cast<int>(n));
  return b;
}

TEST(Hash, KnownAnswersAndIncremental) {
  EXPECT_EQ(hex_encode(hash(HashAlg::sm3, as_bytes("abc"))),
            "66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0");
  EXPECT_EQ(hex_encode(hash(HashAlg::sha256, as_bytes("abc"))),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(hash(HashAlg::sha384, {}).size(), 48u);
  EXPECT_EQ(hash(HashAlg::sha512, {}).size(), 64u);
  Bytes data = rnd(1000);
  for (HashAlg a : {HashAlg::sm3, HashAlg::sha256, HashAlg::sha384, HashAlg::sha512}) {
    Hasher h(a);
    h.update(ByteView(data).first(10));
    h.update(ByteView(data).subspan(10));
    EXPECT_EQ(h.finish(), hash(a, data));
    EXPECT_EQ(h.finish(), hash(a, {}));  // reset after finish
    EXPECT_EQ(parse_hash(hash_name(a)).value(), a);
  }
  EXPECT_FALSE(parse_hash("md5").ok());
}

TEST(Hash, HmacSm3AgainstOpenSslAndTagCheck) {
  for (std::size_t klen : {0u, 1u, 32u, 64u, 65u, 200u}) {
    Bytes key = rnd(klen), msg = rnd(klen * 3 + 1);
    std::uint8_t want[32];
    unsigned int len = 0;
    static const std::uint8_t kZero = 0;
    HMAC(EVP_sm3(), klen ? key.data() : &kZero, static_cast<int>(klen), msg.data(), msg.size(), want, &len);
    Bytes tag = hmac(HashAlg::sm3, key, msg);
    EXPECT_EQ(tag, Bytes(want, want + 32));
    EXPECT_TRUE(hmac_verify(HashAlg::sm3, key, msg, tag).ok());
    tag[5] ^= 1;
    EXPECT_EQ(hmac_verify(HashAlg::sm3, key, msg, tag).error().code, Errc::bad_signature);
    EXPECT_FALSE(hmac_verify(HashAlg::sm3, key, msg, ByteView(tag).first(31)).ok());
  }
}

TEST(Hash, KdfMatchesDefinition) {
  Bytes z = rnd(64);
  for (std::size_t len : {0u, 1u, 31u, 32u, 33u, 100u}) {
    Bytes want;
    for (std::uint32_t ct = 1; want.size() < len; ++ct) {
      Bytes in = z;
      for (int i = 3; i >= 0; --i) in.push_back(static_cast<std::uint8_t>(ct >> (8 * i)));
      Bytes d = hash(HashAlg::sm3, in);
      want.insert(want.end(), d.begin(), d.end());
    }
    want.resize(len);
    EXPECT_EQ(kdf_sm3(z, len).bytes(), want) << len;
  }
}

TEST(Sm4, GbT32907KnownAnswerAndModes) {
  Bytes key = hex("0123456789abcdeffedcba9876543210");
  EXPECT_EQ(hex_encode(ecb_encrypt(BlockCipher::sm4, key, key).value()), "681edf34d206965e86b3e94f536e4246");
  EXPECT_EQ(ecb_decrypt(BlockCipher::sm4, key, hex("681edf34d206965e86b3e94f536e4246")).value().bytes(), key);
  for (BlockCipher c : {BlockCipher::sm4, BlockCipher::aes128, BlockCipher::aes192, BlockCipher::aes256}) {
    Bytes k = rnd(cipher_key_size(c)), iv = rnd(16);
    for (std::size_t n : {0u, 1u, 15u, 16u, 17u, 100u}) {
      Bytes pt = rnd(n);
      Bytes cbc = cbc_encrypt(c, k, iv, pt).value();
      EXPECT_EQ(cbc.size(), (n / 16 + 1) * 16);
      EXPECT_EQ(cbc_decrypt(c, k, iv, cbc).value().bytes(), pt);
      Bytes ctr = ctr_crypt(c, k, iv, pt).value();
      EXPECT_EQ(ctr.size(), n);
      EXPECT_EQ(ctr_crypt(c, k, iv, ctr).value(), pt);
      Bytes ecb = ecb_encrypt(c, k, pt, Padding::pkcs7).value();
      EXPECT_EQ(ecb_decrypt(c, k, ecb, Padding::pkcs7).value().bytes(), pt);
    }
  }
}

TEST(Sm4, BadInputsGiveSpecificErrors) {
  Bytes key = rnd(16), iv = rnd(16);
  EXPECT_EQ(ecb_encrypt(BlockCipher::sm4, rnd(15), rnd(16)).error().code, Errc::invalid_argument);
  EXPECT_EQ(ecb_encrypt(BlockCipher::sm4, key, rnd(17)).error().code, Errc::invalid_argument);
  EXPECT_EQ(cbc_encrypt(BlockCipher::sm4, key, rnd(12), rnd(16)).error().code, Errc::invalid_argument);
  EXPECT_EQ(cbc_decrypt(BlockCipher::sm4, key, iv, rnd(17)).error().code, Errc::invalid_argument);
  EXPECT_EQ(cbc_decrypt(BlockCipher::sm4, key, iv, {}).error().code, Errc::decrypt_failed);
  // A wrong key almost always breaks the padding; count that most attempts report decrypt_failed.
  Bytes ct = cbc_encrypt(BlockCipher::sm4, key, iv, rnd(20)).value();
  int failed = 0;
  for (int i = 0; i < 20; ++i) {
    auto r = cbc_decrypt(BlockCipher::sm4, rnd(16), iv, ct);
    if (!r.ok()) {
      EXPECT_EQ(r.error().code, Errc::decrypt_failed);
      ++failed;
    }
  }
  EXPECT_GT(failed, 10);
}

TEST(Gcm, Rfc8998Sm4GcmVector) {
  // RFC 8998 Appendix A.1.
  Bytes key = hex("0123456789ABCDEFFEDCBA9876543210");
  Bytes iv = hex("00001234567800000000ABCD");
  Bytes aad = hex("FEEDFACEDEADBEEFFEEDFACEDEADBEEFABADDAD2");
  Bytes pt = hex(
      "AAAAAAAAAAAAAAAABBBBBBBBBBBBBBBBCCCCCCCCCCCCCCCCDDDDDDDDDDDDDDDD"
      "EEEEEEEEEEEEEEEEFFFFFFFFFFFFFFFFEEEEEEEEEEEEEEEEAAAAAAAAAAAAAAAA");
  std::string want =
      "17f399f08c67d5ee19d0dc9969c4bb7d5fd46fd3756489069157b282bb200735"
      "d82710ca5c22f0ccfa7cbf93d496ac15a56834cbcf98c397b4024a2691233b8d"
      "83de3541e4c2b58177e065a9bf7b62ec";
  Aead a = Aead::create(BlockCipher::sm4, key).value();
  Bytes sealed = a.seal(iv, aad, pt).value();
  EXPECT_EQ(hex_encode(sealed), want);
  EXPECT_EQ(a.open(iv, aad, sealed).value().bytes(), pt);
  for (std::size_t i : {0u, 63u, 64u, 79u}) {
    Bytes t = sealed;
    t[i] ^= 1;
    EXPECT_EQ(a.open(iv, aad, t).error().code, Errc::decrypt_failed) << i;
  }
  Bytes aad2 = aad;
  aad2.push_back('x');
  EXPECT_EQ(a.open(iv, aad2, sealed).error().code, Errc::decrypt_failed);
  Bytes iv2 = iv;
  iv2[0] ^= 1;
  EXPECT_EQ(a.open(iv2, aad, sealed).error().code, Errc::decrypt_failed);
  EXPECT_EQ(a.open(iv, aad, ByteView(sealed).first(15)).error().code, Errc::bad_encoding);
  EXPECT_EQ(a.seal({}, aad, pt).error().code, Errc::invalid_argument);
  EXPECT_EQ(Aead::create(BlockCipher::sm4, rnd(32)).error().code, Errc::invalid_argument);
}

// Our GCM run over AES must equal OpenSSL's AES-GCM bit for bit: IV lengths other than 12 (GHASH-derived
// J0), empty and unaligned data and aad, both GHASH implementations.
TEST(Gcm, OurGcmOverAesMatchesOpenSsl) {
  for (int round = 0; round < 300; ++round) {
    gcm_detail::GcmKey k;
    k.ecb = EVP_aes_128_ecb();
    k.ctr = EVP_aes_128_ctr();
    k.key = rnd(16);
    ASSERT_TRUE(gcm_detail::gcm_init(k).ok());
    std::size_t ivlen = round % 5 == 0 ? 1 + round % 40 : 12;
    Bytes iv = rnd(ivlen), aad = rnd(round % 37), pt = rnd((round * 7) % 300);
    Bytes ours = gcm_detail::gcm_seal(k, iv, aad, pt).value();
    Aead openssl = Aead::create(BlockCipher::aes128, k.key).value();
    ASSERT_EQ(ours, openssl.seal(iv, aad, pt).value()) << "round " << round;
    EXPECT_EQ(gcm_detail::gcm_open(k, iv, aad, ours).value().bytes(), pt);
    EXPECT_EQ(openssl.open(iv, aad, ours).value().bytes(), pt);
  }
}

TEST(Gcm, GhashImplementationsAgree) {
  for (int round = 0; round < 200; ++round) {
    Bytes h = rnd(16), y0 = rnd(16), data = rnd(16 * (1 + round % 9));
    Bytes a = y0, b = y0;
    gcm_detail::ghash_blocks_portable(a.data(), h.data(), data.data(), data.size() / 16);
    gcm_detail::ghash_blocks(b.data(), h.data(), data.data(), data.size() / 16);
    ASSERT_EQ(a, b) << round;
  }
#if defined(__x86_64__)
  if (!gcm_detail::ghash_have_pclmul()) GTEST_SKIP() << "no PCLMULQDQ: only the portable GHASH ran";
#endif
}

TEST(Gcm, Sm4GcmRoundTripsAndDetectsEveryFlippedByte) {
  Aead a = Aead::create(BlockCipher::sm4, rnd(16)).value();
  for (std::size_t n : {0u, 1u, 16u, 33u, 1000u, 70000u}) {
    Bytes iv = rnd(12), aad = rnd(n % 29), pt = rnd(n);
    Bytes s = a.seal(iv, aad, pt).value();
    ASSERT_EQ(s.size(), n + Aead::kTagSize);
    EXPECT_EQ(a.open(iv, aad, s).value().bytes(), pt);
    Aead copy = a;  // values share state
    EXPECT_EQ(copy.open(iv, aad, s).value().bytes(), pt);
  }
  Bytes iv = rnd(12), s = a.seal(iv, as_bytes("ctx"), as_bytes("secret key bytes")).value();
  for (std::size_t i = 0; i < s.size(); ++i) {
    Bytes t = s;
    t[i] ^= 0x40;
    EXPECT_EQ(a.open(iv, as_bytes("ctx"), t).error().code, Errc::decrypt_failed) << i;
  }
  Aead other = Aead::create(BlockCipher::sm4, rnd(16)).value();
  EXPECT_EQ(other.open(iv, as_bytes("ctx"), s).error().code, Errc::decrypt_failed);
}

}  // namespace
}  // namespace medsign::crypto
