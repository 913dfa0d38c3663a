// The intermediate "hashValue" of the GM/T 0029 Init/Update/Final families: a running SM3 or SHA-256
// computation serialised so that it can travel to the client and back (the server keeps nothing between
// the calls).
//
// Format (version 1), all integers big-endian:
//   byte 0        0x01 (format version)
//   byte 1        algorithm: 0x01 SM3, 0x02 SHA-256
//   bytes 2..9    number of message bytes hashed so far (uint64)
//   bytes 10..41  the eight 32-bit chaining words
//   bytes 42..    the buffered tail of the message: (count mod 64) bytes
// So a state is 42..105 bytes long. A finished digest (32 bytes) is never a valid state, which lets *Final
// accept either. The state is not secret and not authenticated: a client that forges one only chooses the
// digest that gets signed, as with the hash-only operations.
#pragma once

#include <array>
#include <cstdint>

#include "common/bytes.h"
#include "common/error.h"

namespace medsign::svs {

enum class StateHash : std::uint8_t { sm3 = 1, sha256 = 2 };

class HashState {
 public:
  explicit HashState(StateHash alg);
  // Errors: bad_encoding naming what is wrong (length, version, algorithm, tail length).
  static Result<HashState> parse(ByteView encoded);
  Bytes encode() const;

  void update(ByteView data);
  // The 32-byte digest of everything hashed (the state itself is left unchanged).
  Bytes digest() const;
  StateHash algorithm() const { return alg_; }
  std::uint64_t count() const { return count_; }

  static constexpr std::size_t kMinSize = 42, kMaxSize = 42 + 63;

 private:
  void block(const std::uint8_t* p);
  StateHash alg_;
  std::uint64_t count_ = 0;
  std::array<std::uint32_t, 8> h_{};
  std::array<std::uint8_t, 64> buf_{};
};

}  // namespace medsign::svs
