#include "svs/hash_state.h"

#include <gtest/gtest.h>

#include "crypto/algorithms/hash.h"

namespace medsign::svs {
namespace {

Bytes text(std::string_view s) { return Bytes(s.begin(), s.end()); }

TEST(HashState, KnownAnswers) {
  HashState sm3(StateHash::sm3);
  sm3.update(text("abc"));
  EXPECT_EQ(hex_encode(sm3.digest()), "66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0");
  HashState sha(StateHash::sha256);
  sha.update(text("abc"));
  EXPECT_EQ(hex_encode(sha.digest()), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST(HashState, SplitAnywhereAndSerialisedMatchesOpenSsl) {
  Bytes data(1000);
  for (std::size_t i = 0; i < data.size(); ++i) data[i] = static_cast<std::uint8_t>(i * 7 + 3);
  for (auto [alg, ref] : {std::pair{StateHash::sm3, crypto::HashAlg::sm3}, std::pair{StateHash::sha256, crypto::HashAlg::sha256}}) {
    Bytes want = crypto::hash(ref, data);
    for (std::size_t cut1 : {0u, 1u, 55u, 56u, 63u, 64u, 65u, 300u}) {
      for (std::size_t cut2 : {cut1, cut1 + 1, cut1 + 64, std::size_t{999}, std::size_t{1000}}) {
        if (cut2 > data.size()) continue;
        HashState a(alg);
        a.update(ByteView(data).subspan(0, cut1));
        Bytes s1 = a.encode();
        EXPECT_EQ(s1.size(), HashState::kMinSize + cut1 % 64);
        auto b = HashState::parse(s1);
        ASSERT_TRUE(b.ok()) << b.error().to_string();
        b->update(ByteView(data).subspan(cut1, cut2 - cut1));
        auto c = HashState::parse(b->encode());
        ASSERT_TRUE(c.ok());
        c->update(ByteView(data).subspan(cut2));
        EXPECT_EQ(c->digest(), want) << cut1 << " " << cut2;
        EXPECT_EQ(c->count(), data.size());
      }
    }
  }
}

TEST(HashState, MalformedStatesAreRefused) {
  HashState s(StateHash::sm3);
  s.update(text("hello"));
  Bytes good = s.encode();
  EXPECT_TRUE(HashState::parse(good).ok());
  EXPECT_EQ(HashState::parse(Bytes(32)).error().code, Errc::bad_encoding);  // a digest, not a state
  Bytes v = good;
  v[0] = 2;
  EXPECT_EQ(HashState::parse(v).error().code, Errc::bad_encoding);
  Bytes a = good;
  a[1] = 9;
  EXPECT_EQ(HashState::parse(a).error().code, Errc::bad_encoding);
  Bytes tail = good;
  tail.push_back(0);  // one buffered byte more than the count says
  EXPECT_EQ(HashState::parse(tail).error().code, Errc::bad_encoding);
  EXPECT_EQ(HashState::parse(Bytes(200)).error().code, Errc::bad_encoding);
}

}  // namespace
}  // namespace medsign::svs
