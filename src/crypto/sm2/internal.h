// Internal: what the SM2 implementation files share, and the fixed-nonce entry points that the
// known-answer tests of GB/T 32918 need. Never use the *_with_nonce functions outside tests: a nonce
// that is reused or predictable reveals the private key.
#pragma once

#include "crypto/sm2/field.h"
#include "crypto/sm2/point.h"
#include "crypto/sm2/sm2.h"

#if defined(__has_include)
#if __has_include(<valgrind/memcheck.h>)
#include <valgrind/memcheck.h>
#define MEDSIGN_SM2_HAVE_MEMCHECK 1
#endif
#endif

namespace medsign::crypto::sm2 {

struct PrivateKeyAccess {
  // Builds a key from d already known to lie in [1, n-2]; constant time in d.
  static PrivateKey build(const detail::U256& d);
  static detail::U256 d(const PrivateKey& k) { return {{k.d_[0], k.d_[1], k.d_[2], k.d_[3]}}; }
  static detail::U256 d_mont(const PrivateKey& k) {
    return {{k.d_mont_[0], k.d_mont_[1], k.d_mont_[2], k.d_mont_[3]}};
  }
  static detail::U256 inv_mont(const PrivateKey& k) {
    return {{k.inv_mont_[0], k.inv_mont_[1], k.inv_mont_[2], k.inv_mont_[3]}};
  }
};

namespace detail {

// Constant-time validation support (see docs/SM2.md): under valgrind memcheck, secret() marks memory as
// undefined so that any branch or index depending on it is reported, and public_value() marks a value
// derived from secrets as safe to reveal (r of a signature, a pass/fail bit). Both are no-ops otherwise.
inline void mark_secret(const void* p, std::size_t n) {
#ifdef MEDSIGN_SM2_HAVE_MEMCHECK
  VALGRIND_MAKE_MEM_UNDEFINED(p, n);
#else
  (void)p;
  (void)n;
#endif
}
inline void mark_public(const void* p, std::size_t n) {
#ifdef MEDSIGN_SM2_HAVE_MEMCHECK
  VALGRIND_MAKE_MEM_DEFINED(p, n);
#else
  (void)p;
  (void)n;
#endif
}

// Fills out with a uniformly random scalar in [1, limit] (limit is n-1 or n-2). False when RAND_bytes fails.
bool random_scalar(U256& out, const U256& limit);

AffinePoint affine_from_public(const PublicKey& key);
// Big-endian coordinates of an affine Montgomery-domain point.
void affine_to_bytes(Bytes32& x, Bytes32& y, const AffinePoint& p);

Result<Signature> sign_digest_with_nonce(const PrivateKey& key, ByteView e, const Bytes32& k);
Result<Ciphertext> encrypt_with_nonce(const PublicKey& key, ByteView plaintext, const Bytes32& k);

}  // namespace detail
}  // namespace medsign::crypto::sm2
