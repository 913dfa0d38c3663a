// asn1::Writer encodings and reader/writer round trips; Oid text and table.
#include <gtest/gtest.h>

#include <set>

#include "asn1/der_time.h"
#include "asn1/oids.h"
#include "asn1/reader.h"
#include "asn1/writer.h"

namespace medsign::asn1 {
namespace {

std::string encode_hex(Writer&& w) {
  auto r = std::move(w).finish();
  EXPECT_TRUE(r.ok()) << r.error().to_string();
  return r.ok() ? hex_encode(*r) : "";
}

TEST(Asn1Writer, EncodesPrimitives) {
  Writer w;
  w.add_boolean(true).add_boolean(false).add_int64(0).add_int64(128).add_int64(-129).add_null();
  w.add_oid(oid::kSm2).add_octet_string(as_bytes("ab")).add_bit_string(Bytes{0xff}, 3);
  EXPECT_EQ(encode_hex(std::move(w)),
            "0101ff" "010100" "020100" "02020080" "0202ff7f" "0500" "06082a811ccf5501822d" "04026162" "030203f8");
}

TEST(Asn1Writer, UnsignedAndRawIntegers) {
  Writer w;
  w.add_unsigned_integer(Bytes{0x00, 0x00, 0x80}).add_unsigned_integer({}).add_integer_bytes(Bytes{0xff, 0x00});
  EXPECT_EQ(encode_hex(std::move(w)), "02020080" "020100" "0202ff00");
  Writer bad;
  bad.add_integer_bytes(Bytes{0x00, 0x01});
  auto r = std::move(bad).finish();
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, Errc::invalid_argument);
}

TEST(Asn1Writer, NestedLengthsAreFixedUp) {
  Writer w;
  Bytes big(200, 0x41);
  w.add_sequence([&](Writer& s) {
    s.add_int64(1);
    s.add_explicit(0, [&](Writer& e) { e.add_octet_string(big); });
    s.add_sequence([](Writer&) {});
  });
  auto der = std::move(w).finish().value();
  // 30 81 d3 | 02 01 01 | a0 81 cb | 04 81 c8 <200> | 30 00
  ASSERT_EQ(der.size(), 3u + 3 + 3 + 3 + 200 + 2);
  EXPECT_EQ(hex_encode(ByteView(der).first(12)), "3081d3020101a081cb0481c8");
  Reader r(der);
  auto seq = r.read_sequence().value();
  EXPECT_EQ(seq.read_int64().value(), 1);
  auto ex = seq.read_explicit(0).value();
  EXPECT_EQ(ex.read_octet_string()->size(), 200u);
  EXPECT_TRUE(seq.read_sequence()->empty());
  EXPECT_TRUE(seq.expect_end().ok());
}

TEST(Asn1Writer, LongLengthsUseMinimalForm) {
  for (std::size_t n : {127u, 128u, 255u, 256u, 65535u, 65536u}) {
    Writer w;
    w.add_sequence([&](Writer& s) { s.add_raw(Bytes(n, 0x00)); });
    auto der = std::move(w).finish().value();
    Reader r(der);
    auto e = r.read_any();
    ASSERT_TRUE(e.ok()) << n << ": " << e.error().to_string();
    EXPECT_EQ(e->content.size(), n);
  }
}

TEST(Asn1Writer, SetOfIsSorted) {
  Writer w;
  w.add_set_of([](Writer& s) { s.add_int64(3).add_boolean(true).add_int64(1); });
  EXPECT_EQ(encode_hex(std::move(w)), "3109" "0101ff" "020101" "020103");
}

TEST(Asn1Writer, NamedBitsDropTrailingZeros) {
  Writer w;
  w.add_named_bits(0x1 | 0x20, 9);  // digitalSignature, keyCertSign
  w.add_named_bits(0x100, 9);       // decipherOnly
  w.add_named_bits(0, 9);
  EXPECT_EQ(encode_hex(std::move(w)), "03020284" "0303070080" "030100");
}

TEST(Asn1Writer, TimesAndStrings) {
  Writer w;
  w.add_x509_time(1709210085000).add_x509_time(2524608000000).add_generalized_time(946684799120);
  w.add_string(tag::kUtf8String, "医生").add_string(tag::kBmpString, "医生").add_string(tag::kPrintableString, "CN");
  EXPECT_EQ(encode_hex(std::move(w)),
            "170d3234303232393132333434355a" "180f32303530303130313030303030305a"
            "181231393939313233313233353935392e31325a" "0c06e58cbbe7949f" "1e04533b751f" "1302434e");
  Writer bad;
  bad.add_string(tag::kPrintableString, "医");
  EXPECT_FALSE(std::move(bad).finish().ok());
  Writer bad_time;
  bad_time.add_utc_time(2524608000000);
  EXPECT_FALSE(std::move(bad_time).finish().ok());
}

TEST(Asn1Writer, RoundTripsThroughReader) {
  Writer w;
  w.add_sequence([](Writer& s) {
    s.add_int64(INT64_MIN).add_int64(INT64_MAX).add_int64(-1);
    s.add_oid(oid::kGmSignedData).add_oid(oid::kSm3WithSm2);
    s.add_generalized_time(-62135596800000);  // 0001-01-01
    s.add_string(tag::kT61String, "caf\xc3\xa9");
    s.add_string(tag::kUniversalString, "\xf0\x9f\x98\x80");
    s.add_element(Tag{TagClass::private_use, false, 1000}, as_bytes("x"));
    s.add_int64(7, Tag::context(2, false));
  });
  auto der = std::move(w).finish().value();
  Reader r(der);
  auto s = r.read_sequence().value();
  EXPECT_EQ(s.read_int64().value(), INT64_MIN);
  EXPECT_EQ(s.read_int64().value(), INT64_MAX);
  EXPECT_EQ(s.read_int64().value(), -1);
  EXPECT_EQ(s.read_oid().value(), oid::kGmSignedData);
  EXPECT_EQ(s.read_oid().value(), oid::kSm3WithSm2);
  EXPECT_EQ(s.read_time().value(), -62135596800000);
  EXPECT_EQ(s.read_string().value(), "caf\xc3\xa9");
  EXPECT_EQ(s.read_string().value(), "\xf0\x9f\x98\x80");
  auto priv = s.read_element(Tag{TagClass::private_use, false, 1000}).value();
  EXPECT_EQ(as_chars(priv.content), "x");
  EXPECT_EQ(s.read_int64(Tag::context(2, false)).value(), 7);
  EXPECT_TRUE(s.expect_end().ok());
}

TEST(Asn1Oid, DottedTextRoundTrip) {
  for (const char* text : {"1.2.156.10197.1.501", "2.5.4.3", "0.9.2342.19200300.100.1.25", "2.999.1",
                           "1.2.840.113549.1.9.16.2.47", "2.25.18446744073709551615"}) {
    auto o = Oid::from_string(text);
    ASSERT_TRUE(o.ok()) << text;
    EXPECT_EQ(o->to_string(), text);
    EXPECT_EQ(Oid::from_der(o->der()).value(), *o);
  }
  for (const char* bad : {"", "1", "3.1", "1.40", "1..2", "1.2.", "a.b", "1.02", "2.18446744073709551616"}) {
    EXPECT_FALSE(Oid::from_string(bad).ok()) << bad;
  }
  EXPECT_EQ(hex_encode(oid::kSm4Cbc.der()), "2a811ccf55016802");
  EXPECT_EQ(hex_encode(oid::kGmData.der()), "2a811ccf550601040201");
  EXPECT_TRUE(oid::kSm2Sign.is_under(oid::kSm2));
  EXPECT_FALSE(oid::kSm2.is_under(oid::kSm2));
}

TEST(Asn1Oid, TableNamesAreUniqueAndResolvable) {
  std::set<std::string_view> names;
  std::set<Oid> oids;
  for (const OidEntry& e : oid_table()) {
    EXPECT_TRUE(names.insert(e.name).second) << "duplicate name " << e.name;
    EXPECT_TRUE(oids.insert(e.oid).second) << "duplicate OID " << e.oid.to_string();
    EXPECT_EQ(find_oid_by_name(e.name)->oid, e.oid);
  }
  EXPECT_GT(oid_table().size(), 150u);
  EXPECT_EQ(oid_name(oid::kSm3WithSm2), "sm3WithSM2");
  EXPECT_EQ(oid_name(oid::kGmEnvelopedData), "gm-envelopedData");
  EXPECT_EQ(oid_name(oid::kGmIdentifyCode), "identifyCode");
  EXPECT_EQ(oid_name(Oid::from_string("1.2.3.4").value()), "1.2.3.4");
  EXPECT_EQ(find_oid(oid::kKpTimeStamping)->name, "timeStamping");
}

TEST(Asn1Time, CivilConversionsAgree) {
  for (std::int64_t ms : {std::int64_t{0}, std::int64_t{951782400000}, std::int64_t{-1}, std::int64_t{253402300799999}}) {
    auto g = format_generalized_time(ms).value();
    EXPECT_EQ(parse_generalized_time(as_bytes(g)).value(), ms) << g;
  }
  EXPECT_EQ(format_iso8601(951782400000), "2000-02-29T00:00:00Z");
  EXPECT_EQ(format_iso8601(-1), "1969-12-31T23:59:59.999Z");
}

}  // namespace
}  // namespace medsign::asn1
