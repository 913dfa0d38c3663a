#include "asn1/oid.h"

#include <string>
#include <vector>

namespace medsign::asn1 {

namespace {
// Divides a decimal digit string by 128 in place; returns the remainder.
unsigned divide_by_128(std::string& digits) {
  std::string q;
  unsigned rem = 0;
  for (char c : digits) {
    rem = rem * 10 + static_cast<unsigned>(c - '0');
    if (!q.empty() || rem / 128) q.push_back(static_cast<char>('0' + rem / 128));
    rem %= 128;
  }
  digits = q.empty() ? "0" : q;
  return rem;
}
// The decimal text of an arc given as base-128 groups (continuation bits included).
std::string decimal_of_base128(ByteView groups) {
  std::vector<unsigned> digits{0};  // little-endian decimal digits
  for (auto g : groups) {
    unsigned carry = g & 0x7f;
    for (auto& d : digits) {
      unsigned x = d * 128 + carry;
      d = x % 10;
      carry = x / 10;
    }
    while (carry) {
      digits.push_back(carry % 10);
      carry /= 10;
    }
  }
  std::string s;
  for (auto it = digits.rbegin(); it != digits.rend(); ++it) s.push_back(static_cast<char>('0' + *it));
  return s;
}
}  // namespace

Result<Oid> Oid::from_string(std::string_view dotted) {
  Oid o;
  if (o.assign_dotted(dotted)) return o;
  // Arcs beyond 64 bits (e.g. the UUID arc 2.25.<128-bit integer>): encode the arcs after the first two
  // from their decimal text.
  std::string msg = "invalid OID text '";
  msg.append(dotted);
  msg += '\'';
  const Error bad(Errc::invalid_argument, msg);
  std::vector<std::string> arcs;
  std::size_t start = 0;
  while (true) {
    std::size_t dot = dotted.find('.', start);
    arcs.emplace_back(dotted.substr(start, dot == std::string_view::npos ? std::string_view::npos : dot - start));
    if (dot == std::string_view::npos) break;
    start = dot + 1;
  }
  if (arcs.size() < 3) return bad;
  for (auto& a : arcs)
    if (a.empty() || a.find_first_not_of("0123456789") != std::string::npos || (a.size() > 1 && a[0] == '0')) return bad;
  std::string head = arcs[0];
  head += '.';
  head += arcs[1];
  Oid first;
  if (!first.assign_dotted(head)) return bad;
  o = first;
  for (std::size_t i = 2; i < arcs.size(); ++i) {
    std::string digits = arcs[i];
    std::vector<std::uint8_t> groups;
    do {
      groups.push_back(static_cast<std::uint8_t>(divide_by_128(digits)));
    } while (digits != "0");
    if (o.size_ + groups.size() > kMaxBytes) return bad;
    for (std::size_t k = groups.size(); k-- > 0;)
      o.bytes_[o.size_++] = static_cast<std::uint8_t>(groups[k] | (k > 0 ? 0x80 : 0));
  }
  return o;
}

Result<Oid> Oid::from_der(ByteView content) {
  if (content.empty()) return Error(Errc::bad_encoding, "DER: empty OBJECT IDENTIFIER");
  if (content.size() > kMaxBytes) return Error(Errc::bad_encoding, "DER: OBJECT IDENTIFIER longer than 63 bytes");
  int arc_bytes = 0;
  bool first_arc = true;
  for (std::size_t i = 0; i < content.size(); ++i) {
    if (arc_bytes == 0 && content[i] == 0x80) {
      return Error(Errc::bad_encoding, "DER: non-minimal OBJECT IDENTIFIER arc");
    }
    ++arc_bytes;
    // The first subidentifier (which also holds the first two arcs) must fit 64 bits; later arcs may
    // be longer (the UUID arc 2.25 uses 128-bit integers).
    if (first_arc && (arc_bytes > 10 || (arc_bytes == 10 && content[i + 1 - 10] > 0x81))) {
      return Error(Errc::bad_encoding, "DER: OBJECT IDENTIFIER first arc exceeds 64 bits");
    }
    if ((content[i] & 0x80) == 0) {
      arc_bytes = 0;
      first_arc = false;
    }
  }
  if (arc_bytes != 0) return Error(Errc::bad_encoding, "DER: truncated OBJECT IDENTIFIER arc");
  Oid o;
  std::copy(content.begin(), content.end(), o.bytes_.begin());
  o.size_ = static_cast<std::uint8_t>(content.size());
  return o;
}

std::string Oid::to_string() const {
  std::string out;
  std::uint64_t v = 0;
  bool first = true;
  std::size_t arc_start = 0;
  for (std::size_t i = 0; i < size_; ++i) {
    v = (v << 7) | (bytes_[i] & 0x7f);
    if (bytes_[i] & 0x80) continue;
    if (!first && i + 1 - arc_start > 9) {
      out.push_back('.');
      out.append(decimal_of_base128(ByteView(bytes_.data() + arc_start, i + 1 - arc_start)));
    } else if (first) {
      std::uint64_t top = v < 40 ? 0 : v < 80 ? 1 : 2;
      out.append(std::to_string(top));
      out.push_back('.');
      out.append(std::to_string(v - top * 40));
      first = false;
    } else {
      out.push_back('.');
      out.append(std::to_string(v));
    }
    v = 0;
    arc_start = i + 1;
  }
  return out;
}

bool Oid::is_under(const Oid& arc) const {
  if (arc.size_ >= size_ || arc.size_ == 0) return false;
  // The arc must end on an arc boundary, which it always does (its last byte has the high bit clear).
  return std::equal(arc.bytes_.begin(), arc.bytes_.begin() + arc.size_, bytes_.begin());
}

}  // namespace medsign::asn1
