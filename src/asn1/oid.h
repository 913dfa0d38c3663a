// OBJECT IDENTIFIER values.
//
// An Oid holds the DER content octets of an OBJECT IDENTIFIER (the bytes after tag and length) inline,
// so named constants are constexpr and comparisons are byte comparisons. Every Oid that exists is a
// valid, minimally encoded identifier with at least two arcs and at most kMaxBytes content bytes.
#pragma once

#include <algorithm>
#include <array>
#include <compare>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "common/bytes.h"
#include "common/error.h"

namespace medsign::asn1 {

class Oid {
 public:
  static constexpr std::size_t kMaxBytes = 63;

  // The empty value: no arcs. Not a valid identifier; returned only by default construction and used
  // as "absent" (empty() is true).
  constexpr Oid() = default;

  // A compile-time identifier from dotted text, e.g. Oid::literal("1.2.156.10197.1.401"). Bad text is a
  // compile error in a constant expression (and aborts at run time).
  static consteval Oid literal(std::string_view dotted) {
    Oid o;
    if (!o.assign_dotted(dotted)) throw "invalid OID literal";
    return o;
  }
  // Parses dotted text ("2.5.4.3"). Errors: invalid_argument for empty arcs, non-digits, a first arc
  // above 2, a second arc above 39 under arcs 0 and 1, fewer than
  // two arcs, or an encoding longer than kMaxBytes. Arcs after the second may exceed 64 bits (2.25.<UUID>).
  static Result<Oid> from_string(std::string_view dotted);
  // Takes DER content octets. Errors: bad_encoding for empty input, a non-minimal arc (leading 0x80),
  // a truncated last arc, a first subidentifier above 64 bits, or more than kMaxBytes bytes.
  static Result<Oid> from_der(ByteView content);

  // Dotted text; empty string for the empty value.
  std::string to_string() const;
  ByteView der() const { return ByteView(bytes_.data(), size_); }
  bool empty() const { return size_ == 0; }
  // True when this identifier lies strictly below `arc` (e.g. 2.5.29.15 under 2.5.29).
  bool is_under(const Oid& arc) const;

  constexpr bool operator==(const Oid& o) const {
    return size_ == o.size_ && std::equal(bytes_.begin(), bytes_.begin() + size_, o.bytes_.begin());
  }
  constexpr std::strong_ordering operator<=>(const Oid& o) const {
    return std::lexicographical_compare_three_way(bytes_.begin(), bytes_.begin() + size_, o.bytes_.begin(),
                                                  o.bytes_.begin() + o.size_);
  }

 private:
  constexpr bool push_arc(std::uint64_t v) {
    std::uint8_t tmp[10];
    std::size_t n = 0;
    do {
      tmp[n++] = static_cast<std::uint8_t>(v & 0x7f);
      v >>= 7;
    } while (v != 0);
    if (size_ + n > kMaxBytes) return false;
    while (n > 0) {
      --n;
      bytes_[size_++] = static_cast<std::uint8_t>(tmp[n] | (n > 0 ? 0x80 : 0));
    }
    return true;
  }
  constexpr bool assign_dotted(std::string_view s) {
    std::uint64_t arcs[2] = {0, 0};
    std::size_t count = 0, i = 0;
    while (true) {
      if (i >= s.size() || s[i] < '0' || s[i] > '9') return false;
      std::uint64_t v = 0;
      std::size_t start = i;
      while (i < s.size() && s[i] >= '0' && s[i] <= '9') {
        if (i > start && s[start] == '0') return false;  // no leading zeros
        std::uint64_t d = static_cast<std::uint64_t>(s[i] - '0');
        if (v > (UINT64_MAX - d) / 10) return false;
        v = v * 10 + d;
        ++i;
      }
      if (count < 2) {
        arcs[count] = v;
        if (count == 1) {
          if (arcs[0] > 2 || (arcs[0] < 2 && arcs[1] > 39)) return false;
          if (arcs[1] > UINT64_MAX - 80) return false;
          if (!push_arc(arcs[0] * 40 + arcs[1])) return false;
        }
      } else if (!push_arc(v)) {
        return false;
      }
      ++count;
      if (i == s.size()) break;
      if (s[i] != '.') return false;
      ++i;
    }
    return count >= 2;
  }

  std::array<std::uint8_t, kMaxBytes> bytes_{};
  std::uint8_t size_ = 0;
};

}  // namespace medsign::asn1
