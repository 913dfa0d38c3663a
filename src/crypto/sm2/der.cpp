#include "crypto/sm2/der.h"

#include <cstring>

namespace medsign::crypto::sm2::detail {

bool DerReader::read(std::uint8_t tag, ByteView& content) {
  if (in_.size() < 2 || in_[0] != tag) return false;
  std::size_t len = in_[1];
  std::size_t header = 2;
  if (len & 0x80) {
    std::size_t n = len & 0x7f;
    if (n == 0 || n > 4 || in_.size() < 2 + n) return false;  // indefinite or absurd length
    if (in_[2] == 0) return false;                             // leading zero byte: not minimal
    len = 0;
    for (std::size_t i = 0; i < n; ++i) len = (len << 8) | in_[2 + i];
    if (len < 0x80) return false;  // long form for a short length: not minimal
    header += n;
  }
  if (in_.size() - header < len) return false;
  content = in_.subspan(header, len);
  in_ = in_.subspan(header + len);
  return true;
}

bool DerReader::read_uint256(std::uint8_t out[32]) {
  DerReader saved = *this;
  ByteView v;
  if (!read(kTagInteger, v)) return false;
  bool ok = !v.empty() && (v[0] & 0x80) == 0 && !(v.size() > 1 && v[0] == 0 && (v[1] & 0x80) == 0);
  if (ok && v.size() == 33) {
    v = v.subspan(1);  // the sign byte before a value with its top bit set
  }
  if (!ok || v.size() > 32) {
    *this = saved;
    return false;
  }
  std::memset(out, 0, 32 - v.size());
  std::memcpy(out + 32 - v.size(), v.data(), v.size());
  return true;
}

void der_append(Bytes& out, std::uint8_t tag, ByteView content) {
  out.push_back(tag);
  std::size_t len = content.size();
  if (len < 0x80) {
    out.push_back(static_cast<std::uint8_t>(len));
  } else {
    std::uint8_t buf[4];
    int n = 0;
    for (std::size_t l = len; l != 0; l >>= 8) buf[n++] = static_cast<std::uint8_t>(l);
    out.push_back(static_cast<std::uint8_t>(0x80 | n));
    while (n > 0) out.push_back(buf[--n]);
  }
  out.insert(out.end(), content.begin(), content.end());
}

void der_append_uint256(Bytes& out, const std::uint8_t value[32]) {
  std::size_t skip = 0;
  while (skip < 31 && value[skip] == 0) ++skip;
  std::uint8_t buf[33];
  std::size_t n = 0;
  if (value[skip] & 0x80) buf[n++] = 0;
  std::memcpy(buf + n, value + skip, 32 - skip);
  n += 32 - skip;
  der_append(out, kTagInteger, ByteView(buf, n));
}

}  // namespace medsign::crypto::sm2::detail
