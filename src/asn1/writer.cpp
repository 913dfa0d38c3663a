#include "asn1/writer.h"

#include <algorithm>
#include <vector>

#include "asn1/der_string.h"
#include "asn1/der_time.h"
#include "asn1/reader.h"

namespace medsign::asn1 {

void Writer::put_tag(const Tag& t) {
  const auto head = static_cast<std::uint8_t>((static_cast<unsigned>(t.cls) << 6) | (t.constructed ? 0x20 : 0));
  if (t.number < 31) {
    out_.push_back(static_cast<std::uint8_t>(head | t.number));
    return;
  }
  out_.push_back(head | 0x1f);
  std::uint8_t tmp[5];
  int n = 0;
  std::uint32_t v = t.number;
  do {
    tmp[n++] = static_cast<std::uint8_t>(v & 0x7f);
    v >>= 7;
  } while (v != 0);
  while (n > 0) {
    --n;
    out_.push_back(static_cast<std::uint8_t>(tmp[n] | (n > 0 ? 0x80 : 0)));
  }
}

void Writer::put_length(std::size_t len) {
  if (len < 0x80) {
    out_.push_back(static_cast<std::uint8_t>(len));
    return;
  }
  int n = 0;
  for (std::size_t v = len; v != 0; v >>= 8) ++n;
  out_.push_back(static_cast<std::uint8_t>(0x80 | n));
  for (int i = n - 1; i >= 0; --i) out_.push_back(static_cast<std::uint8_t>(len >> (8 * i)));
}

std::size_t Writer::begin(const Tag& t) {
  if (!t.constructed) fail(Error(Errc::invalid_argument, "DER writer: " + t.to_string() + " is not constructed"));
  put_tag(t);
  out_.push_back(0);
  return out_.size() - 1;
}

void Writer::end(std::size_t mark) {
  const std::size_t len = out_.size() - mark - 1;
  if (len < 0x80) {
    out_[mark] = static_cast<std::uint8_t>(len);
    return;
  }
  if (len > 0xffffffffu) fail(Error(Errc::invalid_argument, "DER writer: element longer than 4 GiB"));
  std::uint8_t tmp[8];
  int n = 0;
  for (std::size_t v = len; v != 0; v >>= 8) tmp[n++] = static_cast<std::uint8_t>(v);
  out_[mark] = static_cast<std::uint8_t>(0x80 | n);
  out_.insert(out_.begin() + static_cast<std::ptrdiff_t>(mark + 1), static_cast<std::size_t>(n), 0);
  for (int i = 0; i < n; ++i) out_[mark + 1 + i] = tmp[n - 1 - i];
}

void Writer::sort_children(std::size_t mark) {
  const std::size_t start = mark + 1;
  Reader r(ByteView(out_).subspan(start));
  std::vector<Bytes> children;
  while (!r.empty()) {
    auto e = r.read_any();
    if (!e) {
      fail(Error(Errc::invalid_argument, "DER writer: SET OF holds invalid DER: " + e.error().detail));
      return;
    }
    children.emplace_back(e->raw.begin(), e->raw.end());
  }
  // X.690 §11.6: ascending order of the encodings compared as octet strings.
  std::sort(children.begin(), children.end(), [](const Bytes& a, const Bytes& b) {
    const std::size_t n = std::min(a.size(), b.size());
    for (std::size_t i = 0; i < n; ++i) {
      if (a[i] != b[i]) return a[i] < b[i];
    }
    return a.size() < b.size();
  });
  out_.resize(start);
  for (const Bytes& c : children) out_.insert(out_.end(), c.begin(), c.end());
}

Writer& Writer::add_element(const Tag& t, ByteView content) {
  put_tag(t);
  put_length(content.size());
  out_.insert(out_.end(), content.begin(), content.end());
  return *this;
}

Writer& Writer::add_raw(ByteView der) {
  out_.insert(out_.end(), der.begin(), der.end());
  return *this;
}

Writer& Writer::add_boolean(bool v, const Tag& t) {
  const std::uint8_t b = v ? 0xff : 0x00;
  return add_element(t, ByteView(&b, 1));
}

Writer& Writer::add_int64(std::int64_t v, const Tag& t) {
  std::uint8_t buf[8];
  for (int i = 0; i < 8; ++i) buf[i] = static_cast<std::uint8_t>(static_cast<std::uint64_t>(v) >> (56 - 8 * i));
  std::size_t start = 0;
  while (start < 7 && ((buf[start] == 0x00 && (buf[start + 1] & 0x80) == 0) ||
                       (buf[start] == 0xff && (buf[start + 1] & 0x80) != 0))) {
    ++start;
  }
  return add_element(t, ByteView(buf + start, 8 - start));
}

Writer& Writer::add_integer_bytes(ByteView c, const Tag& t) {
  if (c.empty() ||
      (c.size() > 1 && ((c[0] == 0x00 && (c[1] & 0x80) == 0) || (c[0] == 0xff && (c[1] & 0x80) != 0)))) {
    fail(Error(Errc::invalid_argument, "DER writer: INTEGER bytes are empty or not minimal"));
    return *this;
  }
  return add_element(t, c);
}

Writer& Writer::add_unsigned_integer(ByteView magnitude, const Tag& t) {
  std::size_t i = 0;
  while (i < magnitude.size() && magnitude[i] == 0) ++i;
  Bytes c;
  c.reserve(magnitude.size() - i + 1);
  if (i == magnitude.size() || (magnitude[i] & 0x80)) c.push_back(0);
  c.insert(c.end(), magnitude.begin() + static_cast<std::ptrdiff_t>(i), magnitude.end());
  return add_element(t, c);
}

Writer& Writer::add_bit_string(ByteView bytes, std::uint8_t unused_bits, const Tag& t) {
  if (unused_bits > 7 || (bytes.empty() && unused_bits != 0)) {
    fail(Error(Errc::invalid_argument, "DER writer: invalid BIT STRING unused-bits count"));
    return *this;
  }
  put_tag(t);
  put_length(bytes.size() + 1);
  out_.push_back(unused_bits);
  out_.insert(out_.end(), bytes.begin(), bytes.end());
  if (!bytes.empty()) out_.back() &= static_cast<std::uint8_t>(0xff << unused_bits);
  return *this;
}

Writer& Writer::add_named_bits(std::uint32_t bits, std::size_t bit_count, const Tag& t) {
  std::size_t last = 0;  // one past the highest set bit
  for (std::size_t i = 0; i < bit_count && i < 32; ++i) {
    if (bits & (1u << i)) last = i + 1;
  }
  Bytes b((last + 7) / 8, 0);
  for (std::size_t i = 0; i < last; ++i) {
    if (bits & (1u << i)) b[i / 8] |= static_cast<std::uint8_t>(0x80 >> (i % 8));
  }
  return add_bit_string(b, static_cast<std::uint8_t>(b.size() * 8 - last), t);
}

Writer& Writer::add_oid(const Oid& o, const Tag& t) {
  if (o.empty()) {
    fail(Error(Errc::invalid_argument, "DER writer: empty OBJECT IDENTIFIER"));
    return *this;
  }
  return add_element(t, o.der());
}

Writer& Writer::add_utc_time(std::int64_t unix_ms, const Tag& t) {
  auto s = format_utc_time(unix_ms);
  if (!s) {
    fail(s.error());
    return *this;
  }
  return add_element(t, as_bytes(*s));
}

Writer& Writer::add_generalized_time(std::int64_t unix_ms, const Tag& t) {
  auto s = format_generalized_time(unix_ms);
  if (!s) {
    fail(s.error());
    return *this;
  }
  return add_element(t, as_bytes(*s));
}

Writer& Writer::add_x509_time(std::int64_t unix_ms) {
  if (unix_ms % 1000 != 0) {
    fail(Error(Errc::invalid_argument, "X.509 times are whole seconds"));
    return *this;
  }
  constexpr std::int64_t k2050 = 2524608000000;  // 2050-01-01T00:00:00Z
  constexpr std::int64_t k1950 = -631152000000;  // 1950-01-01T00:00:00Z
  if (unix_ms >= k1950 && unix_ms < k2050) return add_utc_time(unix_ms);
  return add_generalized_time(unix_ms);
}

Writer& Writer::add_string(const Tag& t, std::string_view utf8) {
  auto c = encode_string(t, utf8);
  if (!c) {
    fail(c.error());
    return *this;
  }
  return add_element(t, *c);
}

void Writer::fail(Error e) {
  if (!error_) error_ = std::move(e);
}

Result<Bytes> Writer::finish() && {
  if (error_) return *error_;
  return std::move(out_);
}

Bytes encode_element(const Tag& t, ByteView content) {
  Writer w;
  w.add_element(t, content);
  return std::move(w).finish().value();
}

}  // namespace medsign::asn1
