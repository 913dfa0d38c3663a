// Internal: SM3 (through OpenSSL EVP) and the GB/T 32918.4 key derivation function.
#pragma once

#include <cstddef>
#include <cstdint>

#include "common/bytes.h"

struct evp_md_ctx_st;

namespace medsign::crypto::sm2::detail {

// Incremental SM3. Aborts the process if OpenSSL has no SM3 (a broken installation).
class Sm3 {
 public:
  Sm3();
  ~Sm3();
  Sm3(const Sm3&) = delete;
  Sm3& operator=(const Sm3&) = delete;

  void update(ByteView data);
  void update(const std::uint8_t* data, std::size_t len);
  // Writes the 32-byte digest and starts a new, empty computation.
  void finish(std::uint8_t out[32]);

 private:
  evp_md_ctx_st* ctx_;
};

// KDF(z, len) of GB/T 32918.4 §5.4.3: SM3(z || ct) for ct = 1, 2, ... (32-bit big endian), truncated.
// Returns all ones if the output is entirely zero, else 0 (constant time in z).
std::uint64_t kdf(ByteView z, std::uint8_t* out, std::size_t len);

}  // namespace medsign::crypto::sm2::detail
