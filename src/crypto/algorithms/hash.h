// Hash functions, HMAC and the GB/T 32918.4 KDF, through OpenSSL EVP (SM3, SHA-2).
//
// All functions are safe to call concurrently. A Hasher is a movable, non-copyable incremental context.
#pragma once

#include <cstddef>
#include <memory>
#include <string_view>

#include "common/bytes.h"
#include "common/error.h"

namespace medsign::crypto {

enum class HashAlg { sm3, sha256, sha384, sha512 };

std::string_view hash_name(HashAlg alg);  // "sm3", "sha256", "sha384", "sha512"
Result<HashAlg> parse_hash(std::string_view name);
std::size_t hash_size(HashAlg alg);       // digest length in bytes

// One-shot digest. Aborts only if OpenSSL lacks the algorithm (a broken installation).
Bytes hash(HashAlg alg, ByteView data);

class Hasher {
 public:
  explicit Hasher(HashAlg alg);
  Hasher(Hasher&&) noexcept;
  Hasher& operator=(Hasher&&) noexcept;
  ~Hasher();

  void update(ByteView data);
  // Returns the digest and resets the context for a new message.
  Bytes finish();
  HashAlg algorithm() const { return alg_; }

 private:
  struct Ctx;
  HashAlg alg_;
  std::unique_ptr<Ctx> ctx_;
};

// HMAC (RFC 2104) with the given hash; any key length.
Bytes hmac(HashAlg alg, ByteView key, ByteView data);
// Constant-time check of an HMAC tag (full length). Ok or Errc::bad_signature.
Status hmac_verify(HashAlg alg, ByteView key, ByteView data, ByteView tag);

// KDF(z, len) of GB/T 32918.4 §5.4.3 (SM3 with a 32-bit big-endian counter from 1). len may be 0.
SecretBytes kdf_sm3(ByteView z, std::size_t len);

}  // namespace medsign::crypto
