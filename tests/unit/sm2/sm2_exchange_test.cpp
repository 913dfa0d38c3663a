// GB/T 32918.3 key exchange. The standard's worked example (Annex A) is on the 256-bit *test* curve,
// which our sm2p256v1-only code cannot run; so a small reference built on OpenSSL's generic EC_POINT
// code is first checked against that example, then used as the oracle for ours on sm2p256v1.
#include <gtest/gtest.h>
#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/obj_mac.h>

#include "sm2_openssl.h"

namespace medsign::crypto::sm2 {
namespace {

using test::hex;
using test::hexu;

Bytes sm3(ByteView a, ByteView b = {}, ByteView c = {}) {
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  EVP_DigestInit_ex(ctx, EVP_sm3(), nullptr);
  EVP_DigestUpdate(ctx, a.data(), a.size());
  EVP_DigestUpdate(ctx, b.data(), b.size());
  EVP_DigestUpdate(ctx, c.data(), c.size());
  Bytes out(32);
  unsigned int n = 0;
  EVP_DigestFinal_ex(ctx, out.data(), &n);
  EVP_MD_CTX_free(ctx);
  return out;
}

Bytes bn32(const BIGNUM* v) {
  Bytes b(32);
  BN_bn2binpad(v, b.data(), 32);
  return b;
}

struct RefResult {
  Bytes key, s_send, s_expect;
};

// One side of the exchange with OpenSSL BIGNUM/EC_POINT arithmetic.
RefResult reference_exchange(const EC_GROUP* g, bool initiator, const BIGNUM* d, const BIGNUM* r,
                             const EC_POINT* peer_p, const EC_POINT* peer_r, const Bytes& za, const Bytes& zb,
                             std::size_t klen) {
  BN_CTX* ctx = BN_CTX_new();
  const BIGNUM* n = EC_GROUP_get0_order(g);
  auto xbar = [&](const EC_POINT* pt) {
    BIGNUM *x = BN_new(), *y = BN_new();
    EC_POINT_get_affine_coordinates(g, pt, x, y, ctx);
    BN_mask_bits(x, 127);
    BN_set_bit(x, 127);
    BN_free(y);
    return x;
  };
  EC_POINT* own_r = EC_POINT_new(g);
  EC_POINT_mul(g, own_r, r, nullptr, nullptr, ctx);
  BIGNUM *x_own = xbar(own_r), *x_peer = xbar(peer_r), *t = BN_new();
  BN_mod_mul(t, x_own, r, n, ctx);
  BN_mod_add(t, t, d, n, ctx);
  EC_POINT* q = EC_POINT_new(g);
  EC_POINT_mul(g, q, nullptr, peer_r, x_peer, ctx);
  EC_POINT_add(g, q, q, peer_p, ctx);
  EC_POINT_mul(g, q, nullptr, q, t, ctx);
  BIGNUM *xu = BN_new(), *yu = BN_new(), *x1 = BN_new(), *y1 = BN_new(), *x2 = BN_new(), *y2 = BN_new();
  EC_POINT_get_affine_coordinates(g, q, xu, yu, ctx);
  EC_POINT_get_affine_coordinates(g, initiator ? own_r : peer_r, x1, y1, ctx);
  EC_POINT_get_affine_coordinates(g, initiator ? peer_r : own_r, x2, y2, ctx);

  RefResult res;
  Bytes z = bn32(xu);
  for (const Bytes& part : {bn32(yu), za, zb}) z.insert(z.end(), part.begin(), part.end());
  for (std::uint32_t ct = 1; res.key.size() < klen; ++ct) {
    std::uint8_t c[4] = {static_cast<std::uint8_t>(ct >> 24), static_cast<std::uint8_t>(ct >> 16),
                         static_cast<std::uint8_t>(ct >> 8), static_cast<std::uint8_t>(ct)};
    Bytes block = sm3(z, ByteView(c, 4));
    res.key.insert(res.key.end(), block.begin(), block.end());
  }
  res.key.resize(klen);
  Bytes inner_in = bn32(xu);
  for (const Bytes& part : {za, zb, bn32(x1), bn32(y1), bn32(x2), bn32(y2)}) {
    inner_in.insert(inner_in.end(), part.begin(), part.end());
  }
  Bytes inner = sm3(inner_in);
  std::uint8_t tag2 = 0x02, tag3 = 0x03;
  Bytes s2 = sm3(ByteView(&tag2, 1), bn32(yu), inner), s3 = sm3(ByteView(&tag3, 1), bn32(yu), inner);
  res.s_send = initiator ? s3 : s2;
  res.s_expect = initiator ? s2 : s3;
  for (BIGNUM* b : {x_own, x_peer, t, xu, yu, x1, y1, x2, y2}) BN_free(b);
  EC_POINT_free(own_r);
  EC_POINT_free(q);
  BN_CTX_free(ctx);
  return res;
}

BIGNUM* bn(std::string_view hexstr) {
  BIGNUM* b = nullptr;
  BN_hex2bn(&b, std::string(hexstr).c_str());
  return b;
}

EC_POINT* base_mul(const EC_GROUP* g, const BIGNUM* k) {
  EC_POINT* p = EC_POINT_new(g);
  EC_POINT_mul(g, p, k, nullptr, nullptr, nullptr);
  return p;
}

TEST(Sm2Exchange, ReferenceReproducesStandardExampleOnTestCurve) {
  BIGNUM *p = bn("8542D69E4C044F18E8B92435BF6FF7DE457283915C45517D722EDB8B08F1DFC3"),
         *a = bn("787968B4FA32C3FD2417842E73BBFEFF2F3C848B6831D7E0EC65228B3937E498"),
         *b = bn("63E4C6D3B23B0C849CF84241484BFE48F61D59A5B16BA06E6E12D1DA27C5249A"),
         *gx = bn("421DEBD61B62EAB6746434EBC3CC315E32220B3BADD50BDC4C4E6C147FEDD43D"),
         *gy = bn("0680512BCBB42C07D47349D2153B70C4E5D7FDFCBFA36EA1A85841B9E46E09A2"),
         *n = bn("8542D69E4C044F18E8B92435BF6FF7DD297720630485628D5AE74EE7C32E79B7");
  EC_GROUP* g = EC_GROUP_new_curve_GFp(p, a, b, nullptr);
  EC_POINT* gen = EC_POINT_new(g);
  EC_POINT_set_affine_coordinates(g, gen, gx, gy, nullptr);
  BIGNUM* one = BN_new();
  BN_one(one);
  ASSERT_EQ(EC_GROUP_set_generator(g, gen, n, one), 1);
  BIGNUM *da = bn("6FCBA2EF9AE0AB902BC3BDE3FF915D44BA4CC78F88E2F8E7F8996D3B8CCEEDEE"),
         *db = bn("5E35D7D3F3C54DBAC72E61819E730B019A84208CA3A35E4C2E353DFCCB2A3B53"),
         *ra = bn("83A2C9C8B96E5AF70BD480B472409A9A327257F1EBB73F5B073354B248668563"),
         *rb = bn("33FE21940342161C55619C4A0C060293D543C80AF19748CE176D83477DE71C80");
  Bytes za = hex("E4D1D0C3CA4C7F11BC8FF8CB3F4C02A78F108FA098E51A668487240F75E20F31");
  Bytes zb = hex("6B4B6D0E276691BD4A11BF72F4FB501AE309FDACB72FA6CC336E6656119ABD67");
  EC_POINT *pa = base_mul(g, da), *pb = base_mul(g, db), *rpa = base_mul(g, ra), *rpb = base_mul(g, rb);
  RefResult A = reference_exchange(g, true, da, ra, pb, rpb, za, zb, 16);
  RefResult B = reference_exchange(g, false, db, rb, pa, rpa, za, zb, 16);
  EXPECT_EQ(hexu(A.key), "55B0AC62A6B927BA23703832C853DED4");
  EXPECT_EQ(hexu(B.key), "55B0AC62A6B927BA23703832C853DED4");
  EXPECT_EQ(hexu(B.s_send), "284C8F198F141B502E81250F1581C7E9EEB4CA6990F9E02DF388B45471F5BC5C");
  EXPECT_EQ(hexu(A.s_send), "23444DAF8ED7534366CB901C84B3BDBB63504F4065C1116C91A4C00697E6CF7A");
  EXPECT_EQ(A.s_expect, B.s_send);
  EXPECT_EQ(B.s_expect, A.s_send);
  for (EC_POINT* pt : {pa, pb, rpa, rpb, gen}) EC_POINT_free(pt);
  for (BIGNUM* v : {p, a, b, gx, gy, n, one, da, db, ra, rb}) BN_free(v);
  EC_GROUP_free(g);
}

BIGNUM* to_bn(const PrivateKey& k) {
  SecretBytes raw = k.to_bytes();
  return BN_bin2bn(raw.bytes().data(), 32, nullptr);
}

EC_POINT* to_point(const EC_GROUP* g, const PublicKey& k) {
  EC_POINT* p = EC_POINT_new(g);
  Bytes enc = k.encode();
  EC_POINT_oct2point(g, p, enc.data(), enc.size(), nullptr);
  return p;
}

TEST(Sm2Exchange, BothRolesAgreeWithReferenceAndEachOther) {
  EC_GROUP* g = EC_GROUP_new_by_curve_name(NID_sm2);
  const int rounds = static_cast<int>(test::iterations("MEDSIGN_SM2_KX", 40, 8));
  for (int i = 0; i < rounds; ++i) {
    PrivateKey da = generate_key().value(), db = generate_key().value();
    PrivateKey ra = generate_key().value(), rb = generate_key().value();
    std::string ida = i % 2 ? "ALICE123@YAHOO.COM" : std::string(kDefaultId), idb = "BILL456@YAHOO.COM";
    std::size_t klen = 1 + static_cast<std::size_t>(i * 7 % 70);
    ExchangeInput a{ExchangeRole::initiator, &da, &ra, &db.public_key(), &rb.public_key(), ida, idb, klen};
    ExchangeInput b{ExchangeRole::responder, &db, &rb, &da.public_key(), &ra.public_key(), idb, ida, klen};
    auto ka = exchange_keys(a);
    auto kb = exchange_keys(b);
    ASSERT_TRUE(ka.ok() && kb.ok());
    EXPECT_EQ(ka->key.bytes(), kb->key.bytes());
    EXPECT_EQ(ka->key.size(), klen);
    EXPECT_TRUE(check_confirmation(*ka, kb->confirmation).ok());
    EXPECT_TRUE(check_confirmation(*kb, ka->confirmation).ok());
    EXPECT_FALSE(check_confirmation(*ka, ka->confirmation).ok());

    Bytes32 za32 = compute_z(da.public_key(), ida).value(), zb32 = compute_z(db.public_key(), idb).value();
    Bytes za(za32.begin(), za32.end()), zb(zb32.begin(), zb32.end());
    BIGNUM *bda = to_bn(da), *bra = to_bn(ra);
    EC_POINT *pb = to_point(g, db.public_key()), *rpb = to_point(g, rb.public_key());
    RefResult ref = reference_exchange(g, true, bda, bra, pb, rpb, za, zb, klen);
    EXPECT_EQ(ka->key.bytes(), ref.key);
    EXPECT_EQ(Bytes(ka->confirmation.begin(), ka->confirmation.end()), ref.s_send);
    EXPECT_EQ(Bytes(ka->expected_peer.begin(), ka->expected_peer.end()), ref.s_expect);
    BN_free(bda);
    BN_free(bra);
    EC_POINT_free(pb);
    EC_POINT_free(rpb);
  }
  EC_GROUP_free(g);
}

TEST(Sm2Exchange, MismatchedPeerKeysGiveDifferentKeys) {
  PrivateKey da = generate_key().value(), db = generate_key().value(), other = generate_key().value();
  PrivateKey ra = generate_key().value(), rb = generate_key().value();
  ExchangeInput a{ExchangeRole::initiator, &da, &ra, &other.public_key(), &rb.public_key(), kDefaultId, kDefaultId, 16};
  ExchangeInput b{ExchangeRole::responder, &db, &rb, &da.public_key(), &ra.public_key(), kDefaultId, kDefaultId, 16};
  auto ka = exchange_keys(a);
  auto kb = exchange_keys(b);
  ASSERT_TRUE(ka.ok() && kb.ok());
  EXPECT_NE(ka->key.bytes(), kb->key.bytes());
  EXPECT_EQ(check_confirmation(*kb, ka->confirmation).error().code, Errc::bad_signature);
}

TEST(Sm2Exchange, RejectsMissingKeysAndZeroLength) {
  PrivateKey d = generate_key().value();
  ExchangeInput in{ExchangeRole::initiator, &d, nullptr, &d.public_key(), &d.public_key(), kDefaultId, kDefaultId, 16};
  EXPECT_EQ(exchange_keys(in).error().code, Errc::invalid_argument);
  in.own_ephemeral = &d;
  in.key_length = 0;
  EXPECT_EQ(exchange_keys(in).error().code, Errc::invalid_argument);
}

}  // namespace
}  // namespace medsign::crypto::sm2
