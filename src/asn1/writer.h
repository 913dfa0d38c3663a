// asn1::Writer — builds DER, in the spirit of BoringSSL's CBB.
//
// Constructed elements are built by a callback that writes the children into the same writer; when it
// returns, the element fixes up its own length (minimal form). Invalid arguments (a non-minimal
// INTEGER, a time outside the type's range, a character a string type cannot carry, ...) do not stop
// the caller: the first error is kept and finish() returns it, so encoders can be written straight
// through and checked once.
//
//   asn1::Writer w;
//   w.add_sequence([&](asn1::Writer& seq) {
//     seq.add_int64(2);
//     seq.add_explicit(0, [&](asn1::Writer& e) { e.add_oid(asn1::oid::kSm3); });
//   });
//   Result<Bytes> der = std::move(w).finish();
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>

#include "asn1/oid.h"
#include "asn1/tag.h"
#include "common/bytes.h"
#include "common/error.h"

namespace medsign::asn1 {

class Writer {
 public:
  Writer() = default;

  // A constructed element with tag `t` whose children `build(Writer&)` writes. REQUIRES: t.constructed.
  template <typename Build>
  Writer& add_constructed(const Tag& t, Build&& build) {
    const std::size_t mark = begin(t);
    build(*this);
    end(mark);
    return *this;
  }
  template <typename Build>
  Writer& add_sequence(Build&& build) { return add_constructed(tag::kSequence, std::forward<Build>(build)); }
  // SET: children are kept in the order written. For SET OF use add_set_of.
  template <typename Build>
  Writer& add_set(Build&& build) { return add_constructed(tag::kSet, std::forward<Build>(build)); }
  // SET OF: children are sorted by their encodings after `build` returns (X.690 §11.6).
  template <typename Build>
  Writer& add_set_of(Build&& build) {
    const std::size_t mark = begin(tag::kSet);
    build(*this);
    sort_children(mark);
    end(mark);
    return *this;
  }
  // [n] EXPLICIT.
  template <typename Build>
  Writer& add_explicit(std::uint32_t n, Build&& build) {
    return add_constructed(Tag::context(n, true), std::forward<Build>(build));
  }

  // A primitive or constructed element with the given content octets.
  Writer& add_element(const Tag& t, ByteView content);
  // Pre-encoded DER (one or more complete elements), copied as is. Not checked.
  Writer& add_raw(ByteView der);

  Writer& add_boolean(bool v, const Tag& t = tag::kBoolean);
  Writer& add_int64(std::int64_t v, const Tag& t = tag::kInteger);
  // Two's complement content; must be minimal and non-empty (else the error is kept).
  Writer& add_integer_bytes(ByteView twos_complement, const Tag& t = tag::kInteger);
  // A non-negative big-endian magnitude (leading zeros are stripped, a sign octet added when needed;
  // empty means zero).
  Writer& add_unsigned_integer(ByteView magnitude, const Tag& t = tag::kInteger);
  Writer& add_enumerated(std::int64_t v) { return add_int64(v, tag::kEnumerated); }
  Writer& add_octet_string(ByteView v, const Tag& t = tag::kOctetString) { return add_element(t, v); }
  // unused_bits 0..7, 0 when bytes is empty; the unused bits of the last octet are cleared.
  Writer& add_bit_string(ByteView bytes, std::uint8_t unused_bits = 0, const Tag& t = tag::kBitString);
  // A BIT STRING holding named bits (bit 0 first) with trailing zero bits removed (X.690 §11.2.2),
  // as used for KeyUsage.
  Writer& add_named_bits(std::uint32_t bits, std::size_t bit_count, const Tag& t = tag::kBitString);
  Writer& add_oid(const Oid& o, const Tag& t = tag::kOid);
  Writer& add_null(const Tag& t = tag::kNull) { return add_element(t, {}); }
  // UTCTime; years 1950..2049, whole seconds.
  Writer& add_utc_time(std::int64_t unix_ms, const Tag& t = tag::kUtcTime);
  Writer& add_generalized_time(std::int64_t unix_ms, const Tag& t = tag::kGeneralizedTime);
  // RFC 5280 §4.1.2.5: UTCTime through 2049, GeneralizedTime from 2050; whole seconds.
  Writer& add_x509_time(std::int64_t unix_ms);
  // `utf8` converted to the string type `t` (UTF8String, PrintableString, IA5String, BMPString, ...).
  Writer& add_string(const Tag& t, std::string_view utf8);

  // Marks the writer failed (for encoders that detect bad input themselves).
  void fail(Error e);
  bool ok() const { return !error_; }
  std::size_t size() const { return out_.size(); }
  // The bytes so far (valid DER only outside of an add_constructed callback).
  ByteView view() const { return out_; }
  // The encoding, or the first error recorded.
  Result<Bytes> finish() &&;

 private:
  std::size_t begin(const Tag& t);
  void end(std::size_t mark);
  void sort_children(std::size_t mark);
  void put_tag(const Tag& t);
  void put_length(std::size_t len);

  Bytes out_;
  std::optional<Error> error_;
};

// One element with the given tag and content, as DER bytes.
Bytes encode_element(const Tag& t, ByteView content);

}  // namespace medsign::asn1
