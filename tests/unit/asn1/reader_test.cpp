// asn1::Reader: typed reads, strict DER rejections, and the "fail leaves input untouched" contract.
#include <gtest/gtest.h>

#include <string>

#include "asn1/oids.h"
#include "asn1/reader.h"

namespace medsign::asn1 {
namespace {

Bytes hex(std::string_view s) { return hex_decode(s).value(); }

// Expects a bad_encoding error whose detail contains `needle`, and that the reader did not move.
template <typename F>
void expect_rejected(std::string_view input_hex, F read, std::string_view needle) {
  Bytes in = hex(input_hex);
  Reader r(in);
  auto res = read(r);
  ASSERT_FALSE(res.ok()) << input_hex;
  EXPECT_EQ(res.error().code, Errc::bad_encoding);
  EXPECT_NE(res.error().detail.find(needle), std::string::npos) << res.error().detail;
  EXPECT_EQ(r.remaining(), in.size()) << "a failed read must not advance";
  EXPECT_EQ(r.offset(), 0u);
}

auto any = [](Reader& r) { return r.read_any(); };

TEST(Asn1Reader, ReadsSequenceOfTypedValues) {
  // SEQUENCE { INTEGER 5, BOOLEAN TRUE, NULL, OID 2.5.4.3, OCTET STRING 0102 }
  Bytes in = hex("3011020105" "0101ff" "0500" "0603550403" "04020102");
  Reader r(in);
  auto seq = r.read_sequence();
  ASSERT_TRUE(seq.ok()) << seq.error().to_string();
  EXPECT_TRUE(r.empty());
  EXPECT_EQ(seq->read_int64().value(), 5);
  EXPECT_TRUE(seq->read_boolean().value());
  EXPECT_TRUE(seq->read_null().ok());
  EXPECT_EQ(seq->read_oid().value(), oid::kCommonName);
  EXPECT_EQ(hex_encode(seq->read_octet_string().value()), "0102");
  EXPECT_TRUE(seq->expect_end().ok());
}

TEST(Asn1Reader, OctetStringAndOffsets) {
  Bytes in = hex("3006" "04020102" "0500");
  Reader r(in);
  auto seq = r.read_sequence().value();
  EXPECT_EQ(seq.offset(), 2u);
  auto os = seq.read_octet_string().value();
  EXPECT_EQ(hex_encode(os), "0102");
  EXPECT_EQ(seq.offset(), 6u);
  auto err = seq.read_int64();
  ASSERT_FALSE(err.ok());
  EXPECT_EQ(err.error().detail, "DER: expected INTEGER, found NULL at offset 6");
}

TEST(Asn1Reader, IntegersSmallBigAndNegative) {
  struct Case {
    const char* der;
    std::int64_t v;
  } cases[] = {{"020100", 0},      {"02017f", 127},   {"02020080", 128}, {"0201ff", -1},
               {"020180", -128},   {"0202ff7f", -129}, {"02087fffffffffffffff", INT64_MAX},
               {"02088000000000000000", INT64_MIN}};
  for (const auto& c : cases) {
    Bytes in = hex(c.der);
    Reader r(in);
    auto v = r.read_int64();
    ASSERT_TRUE(v.ok()) << c.der << ": " << v.error().to_string();
    EXPECT_EQ(*v, c.v) << c.der;
  }
  expect_rejected("0209008000000000000000", [](Reader& r) { return r.read_int64(); }, "overflows int64");
  expect_rejected("0200", [](Reader& r) { return r.read_int64(); }, "empty INTEGER");
  expect_rejected("02020001", [](Reader& r) { return r.read_int64(); }, "non-minimal INTEGER");
  expect_rejected("0202ff80", [](Reader& r) { return r.read_int64(); }, "non-minimal INTEGER");

  Bytes big = hex("021200ff00000000000000000000000000000001");
  Reader r(big);
  auto mag = r.read_unsigned_integer();
  ASSERT_TRUE(mag.ok());
  EXPECT_EQ(hex_encode(*mag), "ff00000000000000000000000000000001");
  expect_rejected("0202ff00", [](Reader& r) { return r.read_unsigned_integer(); }, "negative INTEGER");
  Bytes neg = hex("0202ff00");
  Reader rn(neg);
  EXPECT_EQ(hex_encode(rn.read_integer_bytes().value()), "ff00");
}

TEST(Asn1Reader, BooleanMustBeDer) {
  expect_rejected("010101", [](Reader& r) { return r.read_boolean(); }, "BOOLEAN neither 00 nor FF");
  expect_rejected("01020000", [](Reader& r) { return r.read_boolean(); }, "BOOLEAN of length 2");
  expect_rejected("0100", [](Reader& r) { return r.read_boolean(); }, "BOOLEAN of length 0");
  Bytes f = hex("010100");
  Reader r(f);
  EXPECT_FALSE(r.read_boolean().value());
  // DEFAULT FALSE must not be encoded.
  expect_rejected("010100", [](Reader& r) { return r.read_optional_boolean_default_false(); }, "DEFAULT");
  Bytes t = hex("0101ff0500");
  Reader rt(t);
  EXPECT_TRUE(rt.read_optional_boolean_default_false().value());
  EXPECT_FALSE(rt.read_optional_boolean_default_false().value());  // absent: NULL is next
  EXPECT_TRUE(rt.read_null().ok());
}

TEST(Asn1Reader, RejectsTruncatedAndOverlongInput) {
  expect_rejected("", any, "unexpected end of input");
  expect_rejected("30", any, "truncated length");
  expect_rejected("3004020101", any, "length 4 exceeds input (3 bytes left)");
  expect_rejected("0482", any, "truncated length");
  expect_rejected("04820100", any, "exceeds input");
  expect_rejected("1f", any, "truncated tag");
  expect_rejected("1f81", any, "truncated tag");
}

TEST(Asn1Reader, RejectsIndefiniteAndNonMinimalLengths) {
  expect_rejected("30800000", any, "indefinite length");
  expect_rejected("04810100", any, "non-minimal length (long form below 128)");
  expect_rejected("0482000100", any, "non-minimal length (leading zero)");
  expect_rejected("0484ffffffff00", any, "length 4294967295 exceeds input");
  expect_rejected("0485ffffffffff00", any, "length field of 5 bytes");
  expect_rejected("0400", [](Reader& r) { return r.read_int64(); }, "expected INTEGER, found OCTET STRING");
  expect_rejected("0000", any, "end-of-contents");
}

TEST(Asn1Reader, HighTagNumbers) {
  Bytes in = hex("9f2001aa" "bf8100020500");
  Reader r(in);
  auto a = r.read_any().value();
  EXPECT_EQ(a.tag, (Tag{TagClass::context, false, 32}));
  auto b = r.read_any().value();
  EXPECT_EQ(b.tag, (Tag{TagClass::context, true, 128}));
  expect_rejected("9f1e00", any, "high-tag-number form for a low tag number");
  expect_rejected("9f801f00", any, "non-minimal tag number");
  expect_rejected("9fffffffff7f00", any, "tag number too large");
}

TEST(Asn1Reader, NestingDepthIsLimited) {
  // 40 nested SEQUENCEs around NULL.
  Bytes in = {0x05, 0x00};
  for (int i = 0; i < 40; ++i) {
    Bytes outer = {0x30, static_cast<std::uint8_t>(in.size())};
    if (in.size() >= 128) outer = {0x30, 0x81, static_cast<std::uint8_t>(in.size())};
    outer.insert(outer.end(), in.begin(), in.end());
    in = outer;
  }
  Reader r(in);
  Reader cur = r;
  Status last;
  int entered = 0;
  for (;;) {
    auto next = cur.read_sequence();
    if (!next) {
      last = next.error();
      break;
    }
    cur = *next;
    ++entered;
  }
  EXPECT_EQ(entered, Reader::kMaxDepth);
  ASSERT_FALSE(last.ok());
  EXPECT_NE(last.error().detail.find("nesting deeper than 32"), std::string::npos) << last.error().detail;
}

TEST(Asn1Reader, BitStrings) {
  Bytes in = hex("03020780");  // one bit set, 7 unused
  Reader r(in);
  auto bs = r.read_bit_string().value();
  EXPECT_EQ(bs.bit_count(), 1u);
  EXPECT_TRUE(bs.bit(0));
  EXPECT_FALSE(bs.bit(1));
  expect_rejected("0300", [](Reader& r) { return r.read_bit_string(); }, "without unused-bits octet");
  expect_rejected("030208ff", [](Reader& r) { return r.read_bit_string(); }, "8 unused bits");
  expect_rejected("030201ff", [](Reader& r) { return r.read_bit_string(); }, "unused bits not zero");
  expect_rejected("030107", [](Reader& r) { return r.read_bit_string(); }, "empty BIT STRING with unused bits");
}

TEST(Asn1Reader, ObjectIdentifiers) {
  expect_rejected("0600", [](Reader& r) { return r.read_oid(); }, "empty OBJECT IDENTIFIER");
  expect_rejected("06025581", [](Reader& r) { return r.read_oid(); }, "truncated OBJECT IDENTIFIER arc");
  expect_rejected("0603558001", [](Reader& r) { return r.read_oid(); }, "non-minimal OBJECT IDENTIFIER arc");
  expect_rejected("060b828282828282828282820f", [](Reader& r) { return r.read_oid(); }, "first arc exceeds 64 bits");
  // Later arcs may exceed 64 bits: the UUID arc 2.25 holds 128-bit integers (X.667).
  Bytes uuid = hex("0614698399c2908fcd89e2c391f0efcf8895b59cd554");
  Reader ru(uuid);
  auto big = ru.read_oid();
  ASSERT_TRUE(big.ok()) << big.error().to_string();
  EXPECT_EQ(big->to_string(), "2.25.272170470712307402315457925049217395412");
  EXPECT_EQ(Oid::from_string("2.25.272170470712307402315457925049217395412").value(), *big);
  Bytes sm2 = hex("06082A811CCF5501822D");
  Reader r(sm2);
  EXPECT_EQ(r.read_oid().value().to_string(), "1.2.156.10197.1.301");
}

TEST(Asn1Reader, Times) {
  auto utc = [](Reader& r) { return r.read_utc_time(); };
  auto gen = [](Reader& r) { return r.read_generalized_time(); };
  Bytes u = hex("170d3234303232393132333434355a");
  Reader r(u);
  EXPECT_EQ(r.read_time().value(), 1709210085000);  // 2024-02-29T12:34:45Z
  Bytes g = hex("180f32303530303130313030303030305a" "181331393939313233313233353935392e3132335a");
  Reader rg(g);
  EXPECT_EQ(rg.read_time().value(), 2524608000000);  // 2050-01-01
  EXPECT_EQ(rg.read_time().value(), 946684799123);   // 1999-12-31T23:59:59.123Z
  Bytes y49 = hex("170d3439313233313233353935395a");
  EXPECT_EQ(Reader(y49).read_utc_time().value(), 2524607999000);
  Bytes y50 = hex("170d3530303130313030303030305a");
  EXPECT_EQ(Reader(y50).read_utc_time().value(), -631152000000);
  // 2023-02-29 does not exist; hour 24; second 60; offsets; missing seconds; lower-case z.
  auto tlv = [](std::uint8_t t, std::string_view text) {
    Bytes b = {t, static_cast<std::uint8_t>(text.size())};
    b.insert(b.end(), text.begin(), text.end());
    return hex_encode(b);
  };
  expect_rejected(tlv(0x17, "230229000000Z"), utc, "day out of range");
  expect_rejected(tlv(0x17, "240101240000Z"), utc, "time of day out of range");
  expect_rejected(tlv(0x17, "240101000060Z"), utc, "time of day out of range");
  expect_rejected(tlv(0x17, "241301000000Z"), utc, "month out of range");
  expect_rejected(tlv(0x17, "240101000000+0800"), utc, "YYMMDDHHMMSSZ");
  expect_rejected(tlv(0x17, "2401010000Z"), utc, "YYMMDDHHMMSSZ");
  expect_rejected(tlv(0x17, "240101000000z"), utc, "YYMMDDHHMMSSZ");
  expect_rejected(tlv(0x17, "24010100000 Z"), utc, "YYMMDDHHMMSSZ");
  expect_rejected(tlv(0x18, "20240101000000.Z"), gen, "YYYYMMDDHHMMSS");
  expect_rejected(tlv(0x18, "20240101000000.0Z"), gen, "trailing zero");
  expect_rejected(tlv(0x18, "20240101000000.1234Z"), gen, "finer than milliseconds");
  expect_rejected(tlv(0x18, "20240101000000"), gen, "YYYYMMDDHHMMSS");
  expect_rejected(tlv(0x18, "202401010000Z"), gen, "YYYYMMDDHHMMSS");
  expect_rejected(tlv(0x18, "20240101000000,5Z"), gen, "YYYYMMDDHHMMSS");
}

TEST(Asn1Reader, Strings) {
  // UTF8String "医生", BMPString "医生", PrintableString "AB", T61String "\xe9", IA5String "a@b"
  Bytes in = hex("0c06e58cbbe7949f" "1e04533b751f" "13024142" "1401e9" "1603614062" "1e04d83dde00");
  Reader r(in);
  EXPECT_EQ(r.read_string().value(), "医生");
  EXPECT_EQ(r.read_string().value(), "医生");
  EXPECT_EQ(r.read_string().value(), "AB");
  EXPECT_EQ(r.read_string().value(), "\xc3\xa9");
  EXPECT_EQ(r.read_string().value(), "a@b");
  EXPECT_EQ(r.read_string().value(), "\xf0\x9f\x98\x80");  // surrogate pair
  auto str = [](Reader& r) { return r.read_string(); };
  expect_rejected("0c02c0af", str, "not valid UTF-8");
  expect_rejected("1e03533b75", str, "odd length");
  expect_rejected("1e02d83d", str, "lone surrogate");
  expect_rejected("130140", str, "outside its set");
  expect_rejected("160180", str, "outside its set");
  expect_rejected("020100", str, "expected a string type");
}

TEST(Asn1Reader, OptionalAndExplicitElements) {
  Bytes in = hex("a003020102" "8101ff" "0500");
  Reader r(in);
  EXPECT_FALSE(r.read_optional_explicit(1)->has_value());
  auto v0 = r.read_optional_explicit(0).value();
  ASSERT_TRUE(v0.has_value());
  EXPECT_EQ(v0->read_int64().value(), 2);
  EXPECT_TRUE(r.peek(Tag::context(1, false)));
  EXPECT_TRUE(r.read_boolean(Tag::context(1, false)).value());  // [1] IMPLICIT BOOLEAN
  EXPECT_FALSE(r.read_optional(tag::kInteger)->has_value());
  auto null = r.read_optional(tag::kNull).value();
  ASSERT_TRUE(null.has_value());
  EXPECT_EQ(null->raw.size(), 2u);
  EXPECT_TRUE(r.expect_end().ok());
  EXPECT_TRUE(r.read_optional(tag::kNull).ok());
}

TEST(Asn1Reader, RawCaptureKeepsExactBytes) {
  Bytes in = hex("3009" "3003020101" "03020000");
  Reader r(in);
  auto outer = r.read_sequence().value();
  auto tbs = outer.read_element(tag::kSequence).value();
  EXPECT_EQ(hex_encode(tbs.raw), "3003020101");
  EXPECT_EQ(hex_encode(tbs.content), "020101");
  EXPECT_EQ(tbs.offset, 2u);
  auto inner = outer.enter(tbs).value();
  EXPECT_EQ(inner.offset(), 4u);
  EXPECT_EQ(inner.depth(), 2);
}

TEST(Asn1Reader, TrailingDataIsReported) {
  Bytes in = hex("050000");
  auto e = parse_single(in, tag::kNull);
  ASSERT_FALSE(e.ok());
  EXPECT_EQ(e.error().detail, "DER: trailing data (1 bytes) at offset 2");
}

}  // namespace
}  // namespace medsign::asn1
