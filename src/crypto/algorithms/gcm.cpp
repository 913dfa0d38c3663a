#include "crypto/algorithms/gcm_internal.h"

#include <cstring>
#include <memory>

#if defined(__x86_64__)
#include <immintrin.h>
#endif

namespace medsign::crypto::gcm_detail {
namespace {

using u64 = std::uint64_t;

u64 load_be64(const std::uint8_t* p) {
  u64 v = 0;
  for (int i = 0; i < 8; ++i) v = (v << 8) | p[i];
  return v;
}
void store_be64(std::uint8_t* p, u64 v) {
  for (int i = 7; i >= 0; --i, v >>= 8) p[i] = static_cast<std::uint8_t>(v);
}

using CipherCtx = std::unique_ptr<EVP_CIPHER_CTX, decltype(&EVP_CIPHER_CTX_free)>;
CipherCtx new_ctx() { return CipherCtx(EVP_CIPHER_CTX_new(), EVP_CIPHER_CTX_free); }

Status encrypt_block(const GcmKey& k, const std::uint8_t in[16], std::uint8_t out[16]) {
  CipherCtx c = new_ctx();
  int len = 0;
  if (!c || EVP_EncryptInit_ex(c.get(), k.ecb, nullptr, k.key.data(), nullptr) != 1 ||
      EVP_CIPHER_CTX_set_padding(c.get(), 0) != 1 || EVP_EncryptUpdate(c.get(), out, &len, in, 16) != 1 ||
      len != 16)
    return Error(Errc::crypto_error, "block encryption failed");
  return {};
}

// GCTR with inc32: OpenSSL's CTR increments all 128 bits, so the data is split where the low 32 bits
// of the counter wrap.
Status gctr(const GcmKey& k, const std::uint8_t icb[16], const std::uint8_t* in, std::size_t n,
            std::uint8_t* out) {
  std::uint8_t cb[16];
  std::memcpy(cb, icb, 16);
  CipherCtx c = new_ctx();
  if (!c) return Error(Errc::crypto_error, "no cipher context");
  while (n > 0) {
    std::uint32_t low = (std::uint32_t{cb[12]} << 24) | (std::uint32_t{cb[13]} << 16) |
                        (std::uint32_t{cb[14]} << 8) | cb[15];
    std::uint64_t until_wrap = (std::uint64_t{1} << 32) - low;  // blocks before the low word wraps
    std::size_t seg = n;
    if (until_wrap * 16 < seg) seg = static_cast<std::size_t>(until_wrap * 16);
    int len = 0;
    if (EVP_EncryptInit_ex(c.get(), k.ctr, nullptr, k.key.data(), cb) != 1)
      return Error(Errc::crypto_error, "CTR init failed");
    std::size_t done = 0;
    while (done < seg) {
      int chunk = static_cast<int>(seg - done > (1u << 30) ? (1u << 30) : seg - done);
      if (EVP_EncryptUpdate(c.get(), out + done, &len, in + done, chunk) != 1)
        return Error(Errc::crypto_error, "CTR failed");
      done += static_cast<std::size_t>(chunk);
    }
    in += seg;
    out += seg;
    n -= seg;
    std::uint32_t next = low + static_cast<std::uint32_t>((seg + 15) / 16);
    cb[12] = static_cast<std::uint8_t>(next >> 24);
    cb[13] = static_cast<std::uint8_t>(next >> 16);
    cb[14] = static_cast<std::uint8_t>(next >> 8);
    cb[15] = static_cast<std::uint8_t>(next);
  }
  return {};
}

void ghash_padded(std::uint8_t y[16], const std::uint8_t h[16], ByteView data) {
  std::size_t full = data.size() / 16;
  if (full) ghash_blocks(y, h, data.data(), full);
  if (data.size() % 16) {
    std::uint8_t last[16] = {};
    std::memcpy(last, data.data() + full * 16, data.size() % 16);
    ghash_blocks(y, h, last, 1);
  }
}

void ghash_lengths(std::uint8_t y[16], const std::uint8_t h[16], std::size_t a_len, std::size_t c_len) {
  std::uint8_t block[16];
  store_be64(block, static_cast<u64>(a_len) * 8);
  store_be64(block + 8, static_cast<u64>(c_len) * 8);
  ghash_blocks(y, h, block, 1);
}

void make_j0(const GcmKey& k, ByteView iv, std::uint8_t j0[16]) {
  if (iv.size() == 12) {
    std::memcpy(j0, iv.data(), 12);
    j0[12] = j0[13] = j0[14] = 0;
    j0[15] = 1;
    return;
  }
  std::memset(j0, 0, 16);
  ghash_padded(j0, k.h, iv);
  ghash_lengths(j0, k.h, 0, iv.size());
}

void inc32(std::uint8_t cb[16]) {
  for (int i = 15; i >= 12; --i) {
    if (++cb[i] != 0) break;
  }
}

Status compute_tag(const GcmKey& k, const std::uint8_t j0[16], ByteView aad, ByteView ct, std::uint8_t tag[16]) {
  std::uint8_t s[16] = {};
  ghash_padded(s, k.h, aad);
  ghash_padded(s, k.h, ct);
  ghash_lengths(s, k.h, aad.size(), ct.size());
  std::uint8_t ej0[16];
  MEDSIGN_TRY(encrypt_block(k, j0, ej0));
  for (int i = 0; i < 16; ++i) tag[i] = s[i] ^ ej0[i];
  return {};
}

bool detect_pclmul() {
#if defined(__x86_64__)
  return __builtin_cpu_supports("pclmul") && __builtin_cpu_supports("ssse3");
#else
  return false;
#endif
}
const bool g_pclmul = detect_pclmul();

}  // namespace

void ghash_blocks_portable(std::uint8_t y[16], const std::uint8_t h[16], const std::uint8_t* data,
                           std::size_t blocks) {
  const u64 hh = load_be64(h), hl = load_be64(h + 8);
  u64 yh = load_be64(y), yl = load_be64(y + 8);
  for (std::size_t b = 0; b < blocks; ++b, data += 16) {
    u64 xh = yh ^ load_be64(data), xl = yl ^ load_be64(data + 8);
    u64 zh = 0, zl = 0, vh = hh, vl = hl;
    for (int i = 0; i < 128; ++i) {
      u64 bit = (i < 64 ? (xh >> (63 - i)) : (xl >> (127 - i))) & 1;
      u64 m = 0 - bit;
      zh ^= vh & m;
      zl ^= vl & m;
      u64 lsb = 0 - (vl & 1);
      vl = (vl >> 1) | (vh << 63);
      vh = (vh >> 1) ^ (0xe100000000000000ULL & lsb);
    }
    yh = zh;
    yl = zl;
  }
  store_be64(y, yh);
  store_be64(y + 8, yl);
}

#if defined(__x86_64__)
namespace {
// Carry-less multiplication and reduction of bit-reflected operands (Intel's white paper "Intel
// Carry-Less Multiplication Instruction and its Usage for Computing the GCM Mode", algorithm 5).
__attribute__((target("pclmul,ssse3"))) __m128i gfmul(__m128i a, __m128i b) {
  __m128i t3 = _mm_clmulepi64_si128(a, b, 0x00);
  __m128i t4 = _mm_clmulepi64_si128(a, b, 0x10);
  __m128i t5 = _mm_clmulepi64_si128(a, b, 0x01);
  __m128i t6 = _mm_clmulepi64_si128(a, b, 0x11);
  t4 = _mm_xor_si128(t4, t5);
  t5 = _mm_slli_si128(t4, 8);
  t4 = _mm_srli_si128(t4, 8);
  t3 = _mm_xor_si128(t3, t5);
  t6 = _mm_xor_si128(t6, t4);
  __m128i t7 = _mm_srli_epi32(t3, 31);
  __m128i t8 = _mm_srli_epi32(t6, 31);
  t3 = _mm_slli_epi32(t3, 1);
  t6 = _mm_slli_epi32(t6, 1);
  __m128i t9 = _mm_srli_si128(t7, 12);
  t8 = _mm_slli_si128(t8, 4);
  t7 = _mm_slli_si128(t7, 4);
  t3 = _mm_or_si128(t3, t7);
  t6 = _mm_or_si128(t6, t8);
  t6 = _mm_or_si128(t6, t9);
  t7 = _mm_slli_epi32(t3, 31);
  t8 = _mm_slli_epi32(t3, 30);
  t9 = _mm_slli_epi32(t3, 25);
  t7 = _mm_xor_si128(t7, t8);
  t7 = _mm_xor_si128(t7, t9);
  t8 = _mm_srli_si128(t7, 4);
  t7 = _mm_slli_si128(t7, 12);
  t3 = _mm_xor_si128(t3, t7);
  __m128i t2 = _mm_srli_epi32(t3, 1);
  t4 = _mm_srli_epi32(t3, 2);
  t5 = _mm_srli_epi32(t3, 7);
  t2 = _mm_xor_si128(t2, t4);
  t2 = _mm_xor_si128(t2, t5);
  t2 = _mm_xor_si128(t2, t8);
  t3 = _mm_xor_si128(t3, t2);
  return _mm_xor_si128(t6, t3);
}
}  // namespace

__attribute__((target("pclmul,ssse3"))) void ghash_blocks_pclmul(std::uint8_t y[16], const std::uint8_t h[16],
                                                                 const std::uint8_t* data, std::size_t blocks) {
  const __m128i swap = _mm_set_epi8(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
  __m128i hv = _mm_shuffle_epi8(_mm_loadu_si128(reinterpret_cast<const __m128i*>(h)), swap);
  __m128i yv = _mm_shuffle_epi8(_mm_loadu_si128(reinterpret_cast<const __m128i*>(y)), swap);
  for (std::size_t b = 0; b < blocks; ++b, data += 16) {
    __m128i x = _mm_shuffle_epi8(_mm_loadu_si128(reinterpret_cast<const __m128i*>(data)), swap);
    yv = gfmul(_mm_xor_si128(yv, x), hv);
  }
  _mm_storeu_si128(reinterpret_cast<__m128i*>(y), _mm_shuffle_epi8(yv, swap));
}
#endif

bool ghash_have_pclmul() { return g_pclmul; }

void ghash_blocks(std::uint8_t y[16], const std::uint8_t h[16], const std::uint8_t* data, std::size_t blocks) {
#if defined(__x86_64__)
  if (g_pclmul) {
    ghash_blocks_pclmul(y, h, data, blocks);
    return;
  }
#endif
  ghash_blocks_portable(y, h, data, blocks);
}

Status gcm_init(GcmKey& key) {
  if (key.ecb == nullptr || key.ctr == nullptr) return Error(Errc::crypto_error, "cipher unavailable");
  if (key.key.size() != static_cast<std::size_t>(EVP_CIPHER_get_key_length(key.ecb)))
    return Error(Errc::invalid_argument, "wrong key length for " + std::string(EVP_CIPHER_get0_name(key.ecb)));
  std::uint8_t zero[16] = {};
  return encrypt_block(key, zero, key.h);
}

Result<Bytes> gcm_seal(const GcmKey& key, ByteView iv, ByteView aad, ByteView plaintext) {
  if (iv.empty()) return Error(Errc::invalid_argument, "GCM needs a non-empty IV");
  if (plaintext.size() > ((std::uint64_t{1} << 32) - 2) * 16)
    return Error(Errc::invalid_argument, "GCM plaintext too long");
  std::uint8_t j0[16], cb[16];
  make_j0(key, iv, j0);
  std::memcpy(cb, j0, 16);
  inc32(cb);
  Bytes out(plaintext.size() + 16);
  MEDSIGN_TRY(gctr(key, cb, plaintext.data(), plaintext.size(), out.data()));
  MEDSIGN_TRY(compute_tag(key, j0, aad, ByteView(out).first(plaintext.size()), out.data() + plaintext.size()));
  return out;
}

Result<SecretBytes> gcm_open(const GcmKey& key, ByteView iv, ByteView aad, ByteView sealed) {
  if (iv.empty()) return Error(Errc::invalid_argument, "GCM needs a non-empty IV");
  if (sealed.size() < 16) return Error(Errc::bad_encoding, "GCM input shorter than its tag");
  ByteView ct = sealed.first(sealed.size() - 16);
  std::uint8_t j0[16], cb[16], tag[16];
  make_j0(key, iv, j0);
  MEDSIGN_TRY(compute_tag(key, j0, aad, ct, tag));
  if (!ct_equal(ByteView(tag, 16), sealed.last(16))) return Error(Errc::decrypt_failed, "GCM tag mismatch");
  std::memcpy(cb, j0, 16);
  inc32(cb);
  SecretBytes pt(Bytes(ct.size()));
  MEDSIGN_TRY(gctr(key, cb, ct.data(), ct.size(), pt.bytes().data()));
  return pt;
}

}  // namespace medsign::crypto::gcm_detail
