#include "crypto/sm2/hash.h"

#include <openssl/evp.h>

#include "crypto/sm2/field.h"

namespace medsign::crypto::sm2::detail {

namespace {

const EVP_MD* sm3_md() {
  static const EVP_MD* md = [] {
    const EVP_MD* m = EVP_MD_fetch(nullptr, "SM3", nullptr);
    if (m == nullptr) abort_with_error(Error(Errc::crypto_error, "OpenSSL provides no SM3 digest"));
    return m;
  }();
  return md;
}

}  // namespace

Sm3::Sm3() : ctx_(EVP_MD_CTX_new()) {
  if (ctx_ == nullptr || EVP_DigestInit_ex(ctx_, sm3_md(), nullptr) != 1) {
    abort_with_error(Error(Errc::crypto_error, "SM3 initialisation failed"));
  }
}

Sm3::~Sm3() { EVP_MD_CTX_free(ctx_); }

void Sm3::update(ByteView data) { update(data.data(), data.size()); }

void Sm3::update(const std::uint8_t* data, std::size_t len) {
  if (len != 0) EVP_DigestUpdate(ctx_, data, len);
}

void Sm3::finish(std::uint8_t out[32]) {
  unsigned int n = 0;
  EVP_DigestFinal_ex(ctx_, out, &n);
  EVP_DigestInit_ex(ctx_, sm3_md(), nullptr);
}

std::uint64_t kdf(ByteView z, std::uint8_t* out, std::size_t len) {
  Sm3 h;
  std::uint8_t block[32];
  std::uint64_t acc = 0;
  std::uint32_t counter = 1;
  for (std::size_t off = 0; off < len; off += 32, ++counter) {
    std::uint8_t ct[4] = {static_cast<std::uint8_t>(counter >> 24), static_cast<std::uint8_t>(counter >> 16),
                          static_cast<std::uint8_t>(counter >> 8), static_cast<std::uint8_t>(counter)};
    h.update(z);
    h.update(ct, 4);
    h.finish(block);
    std::size_t take = len - off < 32 ? len - off : 32;
    for (std::size_t i = 0; i < take; ++i) {
      out[off + i] = block[i];
      acc |= block[i];
    }
  }
  secure_wipe(block, sizeof block);
  return mask_from_bit(is_zero_u64(acc));
}

}  // namespace medsign::crypto::sm2::detail
