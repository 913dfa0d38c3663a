// Internal: the strict DER subset SM2 encodings need (SEQUENCE, INTEGER, OCTET STRING).
#pragma once

#include <cstdint>

#include "common/bytes.h"

namespace medsign::crypto::sm2::detail {

inline constexpr std::uint8_t kTagInteger = 0x02;
inline constexpr std::uint8_t kTagOctetString = 0x04;
inline constexpr std::uint8_t kTagSequence = 0x30;

// A cursor over DER input. A read either succeeds and advances, or fails and leaves the cursor alone.
class DerReader {
 public:
  explicit DerReader(ByteView in) : in_(in) {}
  // Reads one element with the given tag and a minimal definite length; content receives its value.
  bool read(std::uint8_t tag, ByteView& content);
  // Reads an INTEGER that is non-negative, minimally encoded and below 2^256 into 32 big-endian bytes.
  bool read_uint256(std::uint8_t out[32]);
  bool empty() const { return in_.empty(); }

 private:
  ByteView in_;
};

void der_append(Bytes& out, std::uint8_t tag, ByteView content);
// Appends the INTEGER encoding of a 32-byte big-endian unsigned value.
void der_append_uint256(Bytes& out, const std::uint8_t value[32]);

}  // namespace medsign::crypto::sm2::detail
