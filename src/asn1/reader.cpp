#include "asn1/reader.h"

#include "asn1/der_string.h"
#include "asn1/der_time.h"

namespace medsign::asn1 {
namespace {

const char* universal_name(std::uint32_t n) {
  switch (n) {
    case 1: return "BOOLEAN";
    case 2: return "INTEGER";
    case 3: return "BIT STRING";
    case 4: return "OCTET STRING";
    case 5: return "NULL";
    case 6: return "OBJECT IDENTIFIER";
    case 10: return "ENUMERATED";
    case 12: return "UTF8String";
    case 16: return "SEQUENCE";
    case 17: return "SET";
    case 18: return "NumericString";
    case 19: return "PrintableString";
    case 20: return "T61String";
    case 22: return "IA5String";
    case 23: return "UTCTime";
    case 24: return "GeneralizedTime";
    case 26: return "VisibleString";
    case 28: return "UniversalString";
    case 30: return "BMPString";
    default: return nullptr;
  }
}

}  // namespace

std::string Tag::to_string() const {
  if (cls == TagClass::universal) {
    const char* n = universal_name(number);
    bool natural = number == 16 || number == 17 ? constructed : !constructed;
    if (n && natural) return n;
    return "[UNIVERSAL " + std::to_string(number) + (constructed ? "] constructed" : "] primitive");
  }
  std::string prefix = cls == TagClass::context ? "[" : cls == TagClass::application ? "[APPLICATION " : "[PRIVATE ";
  return prefix + std::to_string(number) + (constructed ? "] constructed" : "] primitive");
}

bool BitString::bit(std::size_t i) const {
  if (i >= bit_count()) return false;
  return (bytes[i / 8] >> (7 - i % 8)) & 1;
}

Error Reader::error(std::string_view what) const { return error_at(what, base_); }

Error Reader::error_at(std::string_view what, std::size_t offset) const {
  return Error(Errc::bad_encoding, "DER: " + std::string(what) + " at offset " + std::to_string(offset));
}

Result<Element> Reader::parse_next() const {
  const std::size_t n = data_.size();
  if (n == 0) return error("unexpected end of input");
  std::size_t i = 0;
  const std::uint8_t first = data_[i++];
  Tag t;
  t.cls = static_cast<TagClass>(first >> 6);
  t.constructed = (first & 0x20) != 0;
  t.number = first & 0x1f;
  if (t.number == 0x1f) {
    // High tag number form: base-128, minimal, and only for numbers >= 31.
    std::uint32_t v = 0;
    for (;;) {
      if (i >= n) return error("truncated tag");
      const std::uint8_t b = data_[i++];
      if (v == 0 && b == 0x80) return error("non-minimal tag number");
      if (v > (0xfffffffu >> 7)) return error("tag number too large");
      v = (v << 7) | (b & 0x7f);
      if ((b & 0x80) == 0) break;
    }
    if (v < 31) return error("high-tag-number form for a low tag number");
    t.number = v;
  }
  if (i >= n) return error("truncated length");
  const std::uint8_t len0 = data_[i++];
  std::size_t len = 0;
  if (len0 < 0x80) {
    len = len0;
  } else if (len0 == 0x80) {
    return error("indefinite length");
  } else {
    const std::size_t count = len0 & 0x7f;
    if (count > 4) return error("length field of " + std::to_string(count) + " bytes");
    if (n - i < count) return error("truncated length");
    if (data_[i] == 0) return error("non-minimal length (leading zero)");
    for (std::size_t k = 0; k < count; ++k) len = (len << 8) | data_[i + k];
    i += count;
    if (len < 0x80) return error("non-minimal length (long form below 128)");
  }
  if (len > n - i) {
    return error("length " + std::to_string(len) + " exceeds input (" + std::to_string(n - i) + " bytes left)");
  }
  if (t.cls == TagClass::universal && t.number == 0) return error("universal tag 0 (end-of-contents)");
  Element e;
  e.tag = t;
  e.content = data_.subspan(i, len);
  e.raw = data_.subspan(0, i + len);
  e.offset = base_;
  return e;
}

Result<Tag> Reader::peek_tag() const {
  MEDSIGN_ASSIGN(Element e, parse_next());
  return e.tag;
}

bool Reader::peek(const Tag& t) const {
  auto e = parse_next();
  return e.ok() && e->tag == t;
}

Result<Element> Reader::read_any() {
  MEDSIGN_ASSIGN(Element e, parse_next());
  advance(e.raw.size());
  return e;
}

Result<Element> Reader::read_element(const Tag& t) {
  MEDSIGN_ASSIGN(Element e, parse_next());
  if (!(e.tag == t)) return error("expected " + t.to_string() + ", found " + e.tag.to_string());
  advance(e.raw.size());
  return e;
}

Result<std::optional<Element>> Reader::read_optional(const Tag& t) {
  if (data_.empty()) return std::optional<Element>();
  MEDSIGN_ASSIGN(Tag next, peek_tag());
  if (!(next == t)) return std::optional<Element>();
  MEDSIGN_ASSIGN(Element e, read_element(t));
  return std::optional<Element>(e);
}

Result<Reader> Reader::enter(const Element& e) const {
  if (!e.tag.constructed) return error_at("cannot enter primitive " + e.tag.to_string(), e.offset);
  if (depth_ + 1 > kMaxDepth) return error_at("nesting deeper than " + std::to_string(kMaxDepth), e.offset);
  const std::size_t header = e.raw.size() - e.content.size();
  return Reader(e.content, e.offset + header, depth_ + 1);
}

Result<Reader> Reader::read_constructed(const Tag& t) {
  if (!t.constructed) return error("expected tag " + t.to_string() + " is not constructed");
  MEDSIGN_ASSIGN(Element e, parse_next());
  if (!(e.tag == t)) return error("expected " + t.to_string() + ", found " + e.tag.to_string());
  MEDSIGN_ASSIGN(Reader child, enter(e));
  advance(e.raw.size());
  return child;
}

Result<std::optional<Reader>> Reader::read_optional_explicit(std::uint32_t n) {
  if (!peek(Tag::context(n, true))) {
    if (data_.empty()) return std::optional<Reader>();
    MEDSIGN_TRY(peek_tag());  // a malformed header is an error, not absence
    return std::optional<Reader>();
  }
  MEDSIGN_ASSIGN(Reader r, read_explicit(n));
  return std::optional<Reader>(r);
}

Result<ByteView> Reader::read_integer_bytes(const Tag& t) {
  MEDSIGN_ASSIGN(Element e, parse_next());
  if (!(e.tag == t)) return error("expected " + t.to_string() + ", found " + e.tag.to_string());
  const ByteView c = e.content;
  if (c.empty()) return error("empty INTEGER");
  if (c.size() > 1 && ((c[0] == 0x00 && (c[1] & 0x80) == 0) || (c[0] == 0xff && (c[1] & 0x80) != 0))) {
    return error("non-minimal INTEGER");
  }
  advance(e.raw.size());
  return c;
}

Result<ByteView> Reader::read_unsigned_integer(const Tag& t) {
  Reader probe = *this;
  MEDSIGN_ASSIGN(ByteView c, probe.read_integer_bytes(t));
  if (c[0] & 0x80) return error("negative INTEGER where a non-negative one is required");
  *this = probe;
  if (c.size() > 1 && c[0] == 0) return c.subspan(1);
  return c;
}

Result<std::int64_t> Reader::read_int64(const Tag& t) {
  Reader probe = *this;
  MEDSIGN_ASSIGN(ByteView c, probe.read_integer_bytes(t));
  if (c.size() > 8) return error("INTEGER overflows int64");
  std::uint64_t v = (c[0] & 0x80) ? ~std::uint64_t{0} : 0;
  for (std::uint8_t b : c) v = (v << 8) | b;
  *this = probe;
  return static_cast<std::int64_t>(v);
}

Result<bool> Reader::read_boolean(const Tag& t) {
  MEDSIGN_ASSIGN(Element e, parse_next());
  if (!(e.tag == t)) return error("expected " + t.to_string() + ", found " + e.tag.to_string());
  if (e.content.size() != 1) return error("BOOLEAN of length " + std::to_string(e.content.size()));
  if (e.content[0] != 0x00 && e.content[0] != 0xff) return error("BOOLEAN neither 00 nor FF");
  advance(e.raw.size());
  return e.content[0] == 0xff;
}

Result<bool> Reader::read_optional_boolean_default_false() {
  if (!peek(tag::kBoolean)) return false;
  Reader probe = *this;
  MEDSIGN_ASSIGN(bool v, probe.read_boolean());
  if (!v) return error("BOOLEAN FALSE encoded where it is the DEFAULT");
  *this = probe;
  return true;
}

Result<ByteView> Reader::read_octet_string(const Tag& t) {
  MEDSIGN_ASSIGN(Element e, read_element(t));
  return e.content;
}

Result<BitString> Reader::read_bit_string(const Tag& t) {
  MEDSIGN_ASSIGN(Element e, parse_next());
  if (!(e.tag == t)) return error("expected " + t.to_string() + ", found " + e.tag.to_string());
  const ByteView c = e.content;
  if (c.empty()) return error("BIT STRING without unused-bits octet");
  const std::uint8_t unused = c[0];
  if (unused > 7) return error("BIT STRING with " + std::to_string(unused) + " unused bits");
  if (c.size() == 1 && unused != 0) return error("empty BIT STRING with unused bits");
  if (unused != 0 && (c.back() & ((1u << unused) - 1)) != 0) return error("BIT STRING unused bits not zero");
  advance(e.raw.size());
  return BitString{c.subspan(1), unused};
}

Result<Oid> Reader::read_oid(const Tag& t) {
  MEDSIGN_ASSIGN(Element e, parse_next());
  if (!(e.tag == t)) return error("expected " + t.to_string() + ", found " + e.tag.to_string());
  auto o = Oid::from_der(e.content);
  if (!o) return error(std::string(o.error().detail).substr(5));  // drop "DER: ", add the offset
  advance(e.raw.size());
  return *o;
}

Status Reader::read_null(const Tag& t) {
  MEDSIGN_ASSIGN(Element e, parse_next());
  if (!(e.tag == t)) return error("expected " + t.to_string() + ", found " + e.tag.to_string());
  if (!e.content.empty()) return error("NULL with content");
  advance(e.raw.size());
  return {};
}

Result<std::int64_t> Reader::read_utc_time(const Tag& t) {
  MEDSIGN_ASSIGN(Element e, parse_next());
  if (!(e.tag == t)) return error("expected " + t.to_string() + ", found " + e.tag.to_string());
  auto v = parse_utc_time(e.content);
  if (!v) return error(v.error().detail);
  advance(e.raw.size());
  return *v;
}

Result<std::int64_t> Reader::read_generalized_time(const Tag& t) {
  MEDSIGN_ASSIGN(Element e, parse_next());
  if (!(e.tag == t)) return error("expected " + t.to_string() + ", found " + e.tag.to_string());
  auto v = parse_generalized_time(e.content);
  if (!v) return error(v.error().detail);
  advance(e.raw.size());
  return *v;
}

Result<std::int64_t> Reader::read_time() {
  if (peek(tag::kGeneralizedTime)) return read_generalized_time();
  if (peek(tag::kUtcTime)) return read_utc_time();
  MEDSIGN_ASSIGN(Tag found, peek_tag());
  return error("expected UTCTime or GeneralizedTime, found " + found.to_string());
}

Result<std::string> Reader::read_string() {
  MEDSIGN_ASSIGN(Element e, parse_next());
  if (!is_string_tag(e.tag)) return error("expected a string type, found " + e.tag.to_string());
  auto s = decode_string(e.tag, e.content);
  if (!s) return error(s.error().detail);
  advance(e.raw.size());
  return std::move(s).value();
}

Status Reader::expect_end() const {
  if (!data_.empty()) return error("trailing data (" + std::to_string(data_.size()) + " bytes)");
  return {};
}

Result<Element> parse_single(ByteView der, const Tag& t) {
  Reader r(der);
  MEDSIGN_ASSIGN(Element e, r.read_element(t));
  MEDSIGN_TRY(r.expect_end());
  return e;
}

}  // namespace medsign::asn1
