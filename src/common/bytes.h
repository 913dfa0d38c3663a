// Byte strings and their text encodings (hex, Base64), constant-time comparison and wiping.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/error.h"

namespace medsign {

using Bytes = std::vector<std::uint8_t>;
using ByteView = std::span<const std::uint8_t>;

inline ByteView as_bytes(std::string_view s) {
  return {reinterpret_cast<const std::uint8_t*>(s.data()), s.size()};
}
inline std::string_view as_chars(ByteView b) {
  return {reinterpret_cast<const char*>(b.data()), b.size()};
}
inline Bytes to_bytes(std::string_view s) { return Bytes(s.begin(), s.end()); }

std::string hex_encode(ByteView b);
// Accepts upper and lower case; rejects odd length and non-hex characters.
Result<Bytes> hex_decode(std::string_view s);

std::string base64_encode(ByteView b);
// Standard alphabet with padding; whitespace (CR, LF, space, tab) is ignored. Rejects anything else.
Result<Bytes> base64_decode(std::string_view s);
// URL-safe alphabet, no padding (RFC 4648 §5), for tokens and cookies.
std::string base64url_encode(ByteView b);
Result<Bytes> base64url_decode(std::string_view s);

// True when a and b are equal; time depends only on the lengths.
bool ct_equal(ByteView a, ByteView b);

// Overwrites memory in a way the optimiser does not remove.
void secure_wipe(void* p, std::size_t n);

// A byte buffer for secrets that is wiped when destroyed.
class SecretBytes {
 public:
  SecretBytes() = default;
  explicit SecretBytes(Bytes b) : b_(std::move(b)) {}
  SecretBytes(const SecretBytes&) = default;
  SecretBytes(SecretBytes&& o) noexcept : b_(std::move(o.b_)) {}
  SecretBytes& operator=(SecretBytes o) noexcept {
    wipe();
    b_ = std::move(o.b_);
    return *this;
  }
  ~SecretBytes() { wipe(); }
  const Bytes& bytes() const { return b_; }
  Bytes& bytes() { return b_; }
  ByteView view() const { return b_; }
  std::size_t size() const { return b_.size(); }
  bool empty() const { return b_.empty(); }

 private:
  void wipe() {
    if (!b_.empty()) secure_wipe(b_.data(), b_.size());
  }
  Bytes b_;
};

}  // namespace medsign
