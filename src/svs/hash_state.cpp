#include "svs/hash_state.h"

#include <cstring>

namespace medsign::svs {
namespace {

constexpr std::array<std::uint32_t, 8> kSm3Iv = {0x7380166f, 0x4914b2b9, 0x172442d7, 0xda8a0600,
                                                 0xa96f30bc, 0x163138aa, 0xe38dee4d, 0xb0fb0e4e};
constexpr std::array<std::uint32_t, 8> kSha256Iv = {0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
                                                    0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19};
constexpr std::uint32_t kSha256K[64] = {
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
    0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
    0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
    0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
    0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2};

constexpr std::uint32_t rotl(std::uint32_t x, unsigned n) {
  n &= 31;
  return n == 0 ? x : (x << n) | (x >> (32 - n));
}
constexpr std::uint32_t rotr(std::uint32_t x, unsigned n) { return rotl(x, 32 - n); }

std::uint32_t load32(const std::uint8_t* p) {
  return (std::uint32_t{p[0]} << 24) | (std::uint32_t{p[1]} << 16) | (std::uint32_t{p[2]} << 8) | p[3];
}
void store32(std::uint8_t* p, std::uint32_t v) {
  p[0] = static_cast<std::uint8_t>(v >> 24);
  p[1] = static_cast<std::uint8_t>(v >> 16);
  p[2] = static_cast<std::uint8_t>(v >> 8);
  p[3] = static_cast<std::uint8_t>(v);
}

void sm3_block(std::array<std::uint32_t, 8>& v, const std::uint8_t* p) {
  std::uint32_t w[68], w1[64];
  for (int j = 0; j < 16; ++j) w[j] = load32(p + 4 * j);
  auto p1 = [](std::uint32_t x) { return x ^ rotl(x, 15) ^ rotl(x, 23); };
  for (int j = 16; j < 68; ++j) w[j] = p1(w[j - 16] ^ w[j - 9] ^ rotl(w[j - 3], 15)) ^ rotl(w[j - 13], 7) ^ w[j - 6];
  for (int j = 0; j < 64; ++j) w1[j] = w[j] ^ w[j + 4];
  std::uint32_t a = v[0], b = v[1], c = v[2], d = v[3], e = v[4], f = v[5], g = v[6], h = v[7];
  for (unsigned j = 0; j < 64; ++j) {
    std::uint32_t t = j < 16 ? 0x79cc4519u : 0x7a879d8au;
    std::uint32_t ss1 = rotl(rotl(a, 12) + e + rotl(t, j % 32), 7);
    std::uint32_t ss2 = ss1 ^ rotl(a, 12);
    std::uint32_t ff = j < 16 ? (a ^ b ^ c) : ((a & b) | (a & c) | (b & c));
    std::uint32_t gg = j < 16 ? (e ^ f ^ g) : ((e & f) | (~e & g));
    std::uint32_t tt1 = ff + d + ss2 + w1[j];
    std::uint32_t tt2 = gg + h + ss1 + w[j];
    d = c;
    c = rotl(b, 9);
    b = a;
    a = tt1;
    h = g;
    g = rotl(f, 19);
    f = e;
    e = tt2 ^ rotl(tt2, 9) ^ rotl(tt2, 17);
  }
  v[0] ^= a; v[1] ^= b; v[2] ^= c; v[3] ^= d; v[4] ^= e; v[5] ^= f; v[6] ^= g; v[7] ^= h;
}

void sha256_block(std::array<std::uint32_t, 8>& v, const std::uint8_t* p) {
  std::uint32_t w[64];
  for (int j = 0; j < 16; ++j) w[j] = load32(p + 4 * j);
  for (int j = 16; j < 64; ++j) {
    std::uint32_t s0 = rotr(w[j - 15], 7) ^ rotr(w[j - 15], 18) ^ (w[j - 15] >> 3);
    std::uint32_t s1 = rotr(w[j - 2], 17) ^ rotr(w[j - 2], 19) ^ (w[j - 2] >> 10);
    w[j] = w[j - 16] + s0 + w[j - 7] + s1;
  }
  std::uint32_t a = v[0], b = v[1], c = v[2], d = v[3], e = v[4], f = v[5], g = v[6], h = v[7];
  for (int j = 0; j < 64; ++j) {
    std::uint32_t s1 = rotr(e, 6) ^ rotr(e, 11) ^ rotr(e, 25);
    std::uint32_t ch = (e & f) ^ (~e & g);
    std::uint32_t t1 = h + s1 + ch + kSha256K[j] + w[j];
    std::uint32_t s0 = rotr(a, 2) ^ rotr(a, 13) ^ rotr(a, 22);
    std::uint32_t maj = (a & b) ^ (a & c) ^ (b & c);
    std::uint32_t t2 = s0 + maj;
    h = g;
    g = f;
    f = e;
    e = d + t1;
    d = c;
    c = b;
    b = a;
    a = t1 + t2;
  }
  v[0] += a; v[1] += b; v[2] += c; v[3] += d; v[4] += e; v[5] += f; v[6] += g; v[7] += h;
}

}  // namespace

HashState::HashState(StateHash alg) : alg_(alg), h_(alg == StateHash::sm3 ? kSm3Iv : kSha256Iv) {}

void HashState::block(const std::uint8_t* p) {
  if (alg_ == StateHash::sm3) sm3_block(h_, p);
  else sha256_block(h_, p);
}

void HashState::update(ByteView data) {
  const std::uint8_t* p = data.data();
  std::size_t n = data.size();
  std::size_t used = static_cast<std::size_t>(count_ % 64);
  count_ += n;
  if (used > 0) {
    std::size_t take = std::min(n, 64 - used);
    std::memcpy(buf_.data() + used, p, take);
    p += take;
    n -= take;
    if (used + take < 64) return;
    block(buf_.data());
  }
  for (; n >= 64; n -= 64, p += 64) block(p);
  if (n > 0) std::memcpy(buf_.data(), p, n);
}

Bytes HashState::digest() const {
  HashState s = *this;
  std::uint64_t bits = count_ * 8;
  std::uint8_t pad[72] = {0x80};
  std::size_t used = static_cast<std::size_t>(count_ % 64);
  std::size_t padlen = used < 56 ? 56 - used : 120 - used;
  for (int i = 0; i < 8; ++i) pad[padlen + static_cast<std::size_t>(i)] = static_cast<std::uint8_t>(bits >> (56 - 8 * i));
  s.update(ByteView(pad, padlen + 8));
  Bytes out(32);
  for (std::size_t i = 0; i < 8; ++i) store32(out.data() + 4 * i, s.h_[i]);
  return out;
}

Bytes HashState::encode() const {
  std::size_t tail = static_cast<std::size_t>(count_ % 64);
  Bytes out(kMinSize + tail);
  out[0] = 0x01;
  out[1] = static_cast<std::uint8_t>(alg_);
  for (int i = 0; i < 8; ++i) out[2 + static_cast<std::size_t>(i)] = static_cast<std::uint8_t>(count_ >> (56 - 8 * i));
  for (std::size_t i = 0; i < 8; ++i) store32(out.data() + 10 + 4 * i, h_[i]);
  std::memcpy(out.data() + kMinSize, buf_.data(), tail);
  return out;
}

Result<HashState> HashState::parse(ByteView b) {
  if (b.size() < kMinSize || b.size() > kMaxSize) {
    return Error(Errc::bad_encoding, "hashValue is not an intermediate hash state (42 to 105 bytes, see docs/SVS.md)");
  }
  if (b[0] != 0x01) return Error(Errc::bad_encoding, "hashValue: unknown state format " + std::to_string(b[0]));
  if (b[1] != 0x01 && b[1] != 0x02) return Error(Errc::bad_encoding, "hashValue: unknown hash algorithm " + std::to_string(b[1]));
  HashState s(static_cast<StateHash>(b[1]));
  std::uint64_t count = 0;
  for (std::size_t i = 0; i < 8; ++i) count = (count << 8) | b[2 + i];
  if (count > (std::uint64_t{1} << 61) || b.size() - kMinSize != count % 64) {
    return Error(Errc::bad_encoding, "hashValue: the buffered tail does not match the byte count");
  }
  s.count_ = count;
  for (std::size_t i = 0; i < 8; ++i) s.h_[i] = load32(b.data() + 10 + 4 * i);
  std::memcpy(s.buf_.data(), b.data() + kMinSize, b.size() - kMinSize);
  return s;
}

}  // namespace medsign::svs
