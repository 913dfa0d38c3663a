// Helpers shared by the SM2 unit tests.
#pragma once

#include <gtest/gtest.h>

#include <cstdlib>
#include <string>
#include <string_view>

#include "common/bytes.h"
#include "crypto/sm2/sm2.h"

namespace medsign::crypto::sm2::test {

inline Bytes hex(std::string_view s) {
  std::string clean;
  for (char c : s) {
    if (c != ' ' && c != '\n') clean.push_back(c);
  }
  auto r = hex_decode(clean);
  if (!r) ADD_FAILURE() << "bad hex in test: " << s;
  return r.value_or({});
}

inline Bytes32 hex32(std::string_view s) {
  Bytes b = hex(s);
  Bytes32 out{};
  if (b.size() != 32) {
    ADD_FAILURE() << "expected 32 bytes: " << s;
    return out;
  }
  std::copy(b.begin(), b.end(), out.begin());
  return out;
}

inline std::string hexu(ByteView b) {
  std::string s = hex_encode(b);
  for (char& c : s) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return s;
}

inline bool running_with_sanitizer() {
#if defined(__SANITIZE_ADDRESS__)
  return true;
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
  return true;
#else
  return false;
#endif
#else
  return false;
#endif
}

inline bool optimised_build() {
#if defined(NDEBUG) && defined(__OPTIMIZE__)
  return true;
#else
  return false;
#endif
}

// Iteration count for randomised tests: env var `name` if set, else `release` in an optimised build
// without sanitizers, else `reduced` (Debug and ASan/UBSan builds run the same code paths, fewer times).
inline long iterations(const char* name, long release, long reduced) {
  if (const char* v = std::getenv(name)) return std::strtol(v, nullptr, 10);
  return optimised_build() && !running_with_sanitizer() ? release : reduced;
}

}  // namespace medsign::crypto::sm2::test
