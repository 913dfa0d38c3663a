// asn1::Reader — a strict DER parser over a byte span, in the spirit of BoringSSL's CBS.
//
// Contract: every read either succeeds and advances past what it read, or fails with an Error and
// leaves the reader exactly where it was. Nothing is copied; views point into the input, which must
// outlive the reader and everything read from it. Errors are bad_encoding with a detail of the form
// "DER: <what> at offset N", N being the offset from the start of the outermost input.
//
// DER rules enforced on every element: definite lengths only (0x80 is refused), minimal length
// encoding (no long form below 128, no leading zero length bytes), lengths at most 4 bytes and never
// beyond the remaining input, minimal high tag numbers (>= 31, no leading 0x80, at most 2^28),
// and a nesting limit of kMaxDepth constructed levels entered through this API.
//
// Typed reads take the tag to expect, so IMPLICIT tagging is the same call with a context tag:
//   r.read_integer_bytes(Tag::context(1, false)) reads "[1] IMPLICIT INTEGER".
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>

#include "asn1/oid.h"
#include "asn1/tag.h"
#include "common/bytes.h"
#include "common/error.h"

namespace medsign::asn1 {

// One TLV as found in the input.
struct Element {
  Tag tag;
  ByteView content;      // the value octets
  ByteView raw;          // tag, length and value: the exact DER bytes (e.g. tbsCertificate to verify)
  std::size_t offset = 0;  // offset of the first tag byte from the start of the outermost input
};

struct BitString {
  ByteView bytes;               // the octets after the unused-bits count
  std::uint8_t unused_bits = 0;  // 0..7, and 0 when bytes is empty; unused bits are zero (DER)
  // Bit i (0 = most significant bit of the first octet); false beyond the end.
  bool bit(std::size_t i) const;
  std::size_t bit_count() const { return bytes.size() * 8 - unused_bits; }
};

class Reader {
 public:
  static constexpr int kMaxDepth = 32;

  // A reader over `data`; `base_offset` is added to offsets in errors (for readers over a part of a
  // larger input).
  explicit Reader(ByteView data, std::size_t base_offset = 0) : data_(data), base_(base_offset) {}

  bool empty() const { return data_.empty(); }
  std::size_t remaining() const { return data_.size(); }
  // Offset of the next byte from the start of the outermost input.
  std::size_t offset() const { return base_; }
  ByteView rest() const { return data_; }
  int depth() const { return depth_; }

  // The tag of the next element. Errors when the input is empty or the identifier is malformed.
  Result<Tag> peek_tag() const;
  // True when the next element has exactly this tag (false on empty or malformed input).
  bool peek(const Tag& t) const;

  // Any one element.
  Result<Element> read_any();
  // One element with tag `t`. Errors: "DER: expected SEQUENCE, found INTEGER at offset N".
  Result<Element> read_element(const Tag& t);
  // The element if the next tag is `t`, nullopt (nothing read) otherwise.
  Result<std::optional<Element>> read_optional(const Tag& t);

  // A reader over the contents of a constructed element with tag `t` (one level deeper). Errors also
  // when `t` is primitive or the depth limit is reached.
  Result<Reader> read_constructed(const Tag& t);
  Result<Reader> read_sequence() { return read_constructed(tag::kSequence); }
  Result<Reader> read_set() { return read_constructed(tag::kSet); }
  // The contents of [n] EXPLICIT (a constructed context tag).
  Result<Reader> read_explicit(std::uint32_t n) { return read_constructed(Tag::context(n, true)); }
  // [n] EXPLICIT when present.
  Result<std::optional<Reader>> read_optional_explicit(std::uint32_t n);
  // A reader over an element already read (one level deeper than this reader). REQUIRES: e was read
  // from this reader or its input.
  Result<Reader> enter(const Element& e) const;

  // INTEGER contents as two's complement, validated minimal (no redundant leading 00 or FF).
  Result<ByteView> read_integer_bytes(const Tag& t = tag::kInteger);
  // A non-negative INTEGER as big-endian magnitude without the sign octet (zero is one 00 byte).
  // Errors also for negative values.
  Result<ByteView> read_unsigned_integer(const Tag& t = tag::kInteger);
  // Errors also when the value does not fit: "DER: INTEGER overflows int64 at offset N".
  Result<std::int64_t> read_int64(const Tag& t = tag::kInteger);
  // ENUMERATED as int64.
  Result<std::int64_t> read_enumerated() { return read_int64(tag::kEnumerated); }
  // DER BOOLEAN: one octet, 00 or FF.
  Result<bool> read_boolean(const Tag& t = tag::kBoolean);
  // A BOOLEAN with DEFAULT FALSE: absent gives false; an explicitly encoded FALSE is refused (DER).
  Result<bool> read_optional_boolean_default_false();
  Result<ByteView> read_octet_string(const Tag& t = tag::kOctetString);
  Result<BitString> read_bit_string(const Tag& t = tag::kBitString);
  Result<Oid> read_oid(const Tag& t = tag::kOid);
  Status read_null(const Tag& t = tag::kNull);
  // UTCTime or GeneralizedTime (whichever comes), as unix milliseconds.
  Result<std::int64_t> read_time();
  Result<std::int64_t> read_utc_time(const Tag& t = tag::kUtcTime);
  Result<std::int64_t> read_generalized_time(const Tag& t = tag::kGeneralizedTime);
  // Any universal string type, converted to UTF-8 (see der_string.h).
  Result<std::string> read_string();

  // Ok when nothing is left. Errors: "DER: trailing data at offset N".
  Status expect_end() const;

 private:
  Reader(ByteView data, std::size_t base, int depth) : data_(data), base_(base), depth_(depth) {}
  // Parses the header of the next element without consuming anything.
  Result<Element> parse_next() const;
  Error error(std::string_view what) const;
  Error error_at(std::string_view what, std::size_t offset) const;
  void advance(std::size_t n) {
    data_ = data_.subspan(n);
    base_ += n;
  }

  ByteView data_;
  std::size_t base_ = 0;
  int depth_ = 0;
};

// Parses `der` as exactly one element with tag `t` and nothing after it.
Result<Element> parse_single(ByteView der, const Tag& t);

}  // namespace medsign::asn1
