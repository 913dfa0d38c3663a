#include "svs/message.h"

#include <gtest/gtest.h>

#include <functional>

#include "asn1/reader.h"
#include "asn1/writer.h"

namespace medsign::svs {
namespace {

constexpr std::int64_t kTime = 1795000000000;  // 2026-11-19T...Z, whole seconds

Bytes b(std::string_view s) { return Bytes(s.begin(), s.end()); }

// A syntactically valid Certificate-shaped SEQUENCE (the codec does not parse certificates).
Bytes fake_cert() {
  asn1::Writer w;
  w.add_sequence([](asn1::Writer& s) {
    s.add_sequence([](asn1::Writer& t) { t.add_int64(2); });
    s.add_octet_string(b("cert-body"));
  });
  return std::move(w).finish().value();
}

Bytes sm2_sig() {
  asn1::Writer w;
  w.add_sequence([](asn1::Writer& s) {
    s.add_int64(12345);
    s.add_int64(67890);
  });
  return std::move(w).finish().value();
}

Request full_request(ReqType t) {
  Request r;
  r.type = t;
  r.time_ms = kTime;
  switch (t) {
    case ReqType::export_cert: r.identification = b("sm2-sign"); break;
    case ReqType::parse_cert: r.info_type = 7; r.cert = fake_cert(); break;
    case ReqType::validate_cert: r.cert = fake_cert(); r.ocsp = true; break;
    case ReqType::sign_data:
      r.sign_method = 0x00020201; r.key_index = 1; r.key_value = b("1234"); r.in_data = b("hello");
      r.in_data_len = 5;
      break;
    case ReqType::verify_signed_data:
      r.cert_type = 1; r.cert = fake_cert(); r.in_data = b("hello"); r.in_data_len = 5; r.signature = sm2_sig();
      r.verify_level = 2;
      break;
    case ReqType::sign_data_init:
    case ReqType::verify_signed_data_init:
    case ReqType::sign_message_init:
    case ReqType::verify_signed_message_init:
      r.sign_method = 0x00020201; r.signer_public_key = Bytes(65, 4); r.signer_id = b("1234567812345678");
      r.signer_id_len = 16; r.in_data = b("part1"); r.in_data_len = 5;
      break;
    case ReqType::sign_data_update:
    case ReqType::verify_signed_data_update:
    case ReqType::sign_message_update:
    case ReqType::verify_signed_message_update:
      r.sign_method = 0x00020201; r.hash_value = Bytes(32, 7); r.hash_value_len = 32; r.in_data = b("part2");
      r.in_data_len = 5;
      break;
    case ReqType::sign_data_final:
    case ReqType::sign_message_final:
      r.sign_method = 0x00020201; r.key_index = 2; r.key_value = b("pin"); r.hash_value = Bytes(32, 9);
      r.hash_value_len = 32;
      break;
    case ReqType::verify_signed_data_final:
      r.sign_method = 0x00010004; r.cert_type = 2; r.cert_sn = b("\x01\x02"); r.hash_value = Bytes(32, 1);
      r.hash_value_len = 32; r.signature = Bytes(256, 0x5a); r.verify_level = 0;
      break;
    case ReqType::sign_message:
      r.sign_method = 0x00020201; r.key_index = 1; r.key_value = b("1234"); r.in_data = b("doc"); r.in_data_len = 3;
      r.original_text = true; r.certificate_chain = true; r.authentication_attributes = true;
      break;
    case ReqType::verify_signed_message:
      r.signed_message = b("p7"); r.hash_flag = true; r.crl = true;
      break;
    case ReqType::verify_signed_message_final:
      r.sign_method = 0x00020201; r.hash_value = Bytes(32, 3); r.hash_value_len = 32; r.signed_message = b("p7");
      break;
  }
  return r;
}

void expect_same(const Request& a, const Request& x) {
  EXPECT_EQ(a.type, x.type);
  EXPECT_EQ(a.time_ms, x.time_ms);
  EXPECT_EQ(a.identification, x.identification);
  EXPECT_EQ(a.info_type, x.info_type);
  EXPECT_EQ(a.cert, x.cert);
  EXPECT_EQ(a.cert_sn, x.cert_sn);
  EXPECT_EQ(a.ocsp, x.ocsp);
  EXPECT_EQ(a.sign_method, x.sign_method);
  EXPECT_EQ(a.key_index, x.key_index);
  EXPECT_EQ(a.key_value, x.key_value);
  EXPECT_EQ(a.in_data_len, x.in_data_len);
  EXPECT_EQ(a.in_data, x.in_data);
  EXPECT_EQ(a.cert_type, x.cert_type);
  EXPECT_EQ(a.signature, x.signature);
  EXPECT_EQ(a.verify_level, x.verify_level);
  EXPECT_EQ(a.signer_public_key, x.signer_public_key);
  EXPECT_EQ(a.signer_id_len, x.signer_id_len);
  EXPECT_EQ(a.signer_id, x.signer_id);
  EXPECT_EQ(a.hash_value_len, x.hash_value_len);
  EXPECT_EQ(a.hash_value, x.hash_value);
  EXPECT_EQ(a.signed_message, x.signed_message);
  EXPECT_EQ(a.hash_flag, x.hash_flag);
  EXPECT_EQ(a.original_text, x.original_text);
  EXPECT_EQ(a.certificate_chain, x.certificate_chain);
  EXPECT_EQ(a.crl, x.crl);
  EXPECT_EQ(a.authentication_attributes, x.authentication_attributes);
}

TEST(SvsMessage, EveryRequestTypeRoundTrips) {
  for (int i = 0; i < kReqTypeCount; ++i) {
    SCOPED_TRACE(i);
    Request r = full_request(static_cast<ReqType>(i));
    Bytes der = encode_request(r).value();
    auto back = decode_request(der);
    ASSERT_TRUE(back.ok()) << back.error().to_string();
    expect_same(r, back.value());
    // Re-encoding gives the same bytes (one canonical form).
    EXPECT_EQ(encode_request(back.value()).value(), der);
  }
}

TEST(SvsMessage, ExportCertHasTheExpectedBytes) {
  Request r;
  r.type = ReqType::export_cert;
  r.time_ms = 1700000000000;  // 2023-11-14T22:13:20Z
  r.identification = b("k1");
  // SEQUENCE { [21]{INTEGER 0} [0]{SEQUENCE{[0]{OCTET STRING "k1"}}} [22]{UTCTime 231114221320Z} }
  EXPECT_EQ(hex_encode(encode_request(r).value()),
            "3020b503020100a0083006a00404026b31b60f170d3233313131343232313332305a");
}

// Rewrites the body tag [n] from 0xA0|n to 0x80|n (the reading some implementations emit).
Bytes primitive_body_tag(Bytes der, ReqType t) {
  asn1::Reader outer(der);
  auto seq = outer.read_sequence().value();
  (void)seq.read_explicit(21).value();
  auto body = seq.read_any().value();
  Bytes out = der;
  out[body.offset] = static_cast<std::uint8_t>(0x80 | static_cast<int>(t));
  return out;
}

TEST(SvsMessage, AcceptsTheBodyTagWithoutTheConstructedBit) {
  Request r = full_request(ReqType::sign_data);
  Bytes der = primitive_body_tag(encode_request(r).value(), r.type);
  auto back = decode_request(der);
  ASSERT_TRUE(back.ok()) << back.error().to_string();
  expect_same(r, back.value());
}

TEST(SvsMessage, AcceptsFieldsInAnyOrderAndAnExplicitFalse) {
  asn1::Writer w;
  w.add_sequence([](asn1::Writer& s) {
    s.add_explicit(20, [](asn1::Writer& x) { x.add_int64(0); });
    s.add_explicit(21, [](asn1::Writer& x) { x.add_int64(11); });
    s.add_explicit(11, [](asn1::Writer& x) {
      x.add_sequence([](asn1::Writer& f) {
        f.add_boolean(false, asn1::Tag::context(0, false));  // hashFlag FALSE, encoded
        f.add_boolean(true, asn1::Tag::context(1, false));   // originalText first
        f.add_explicit(9, [](asn1::Writer& y) { y.add_octet_string(b("doc")); });
        f.add_explicit(8, [](asn1::Writer& y) { y.add_int64(3); });
        f.add_explicit(7, [](asn1::Writer& y) { y.add_octet_string(b("1234")); });
        f.add_explicit(6, [](asn1::Writer& y) { y.add_int64(1); });
        f.add_explicit(5, [](asn1::Writer& y) { y.add_int64(0x00020201); });
      });
    });
    s.add_explicit(22, [](asn1::Writer& x) { x.add_generalized_time(kTime); });
  });
  auto r = decode_request(std::move(w).finish().value());
  ASSERT_TRUE(r.ok()) << r.error().to_string();
  EXPECT_EQ(r->type, ReqType::sign_message);
  EXPECT_TRUE(r->original_text);
  EXPECT_FALSE(r->hash_flag);
  EXPECT_EQ(r->in_data, b("doc"));
  EXPECT_EQ(r->key_index, 1);
  EXPECT_EQ(r->time_ms, kTime);
}

Bytes body_with(std::uint32_t type, const std::function<void(asn1::Writer&)>& fields) {
  asn1::Writer w;
  w.add_sequence([&](asn1::Writer& s) {
    s.add_explicit(21, [&](asn1::Writer& x) { x.add_int64(type); });
    s.add_explicit(type, [&](asn1::Writer& x) { x.add_sequence(fields); });
    s.add_explicit(22, [](asn1::Writer& x) { x.add_utc_time(kTime); });
  });
  return std::move(w).finish().value();
}

TEST(SvsMessage, RejectsBadRequestsWithSpecificErrors) {
  // Missing required field.
  auto e = decode_request(body_with(0, [](asn1::Writer&) {}));
  ASSERT_FALSE(e.ok());
  EXPECT_EQ(e.error().code, Errc::missing_field);
  EXPECT_NE(e.error().detail.find("identification"), std::string::npos);
  // Unknown field tag.
  e = decode_request(body_with(0, [](asn1::Writer& f) {
    f.add_explicit(0, [](asn1::Writer& y) { y.add_octet_string(b("x")); });
    f.add_explicit(9, [](asn1::Writer& y) { y.add_int64(1); });
  }));
  ASSERT_FALSE(e.ok());
  EXPECT_NE(e.error().detail.find("unknown field"), std::string::npos);
  // Duplicate field.
  e = decode_request(body_with(0, [](asn1::Writer& f) {
    f.add_explicit(0, [](asn1::Writer& y) { y.add_octet_string(b("x")); });
    f.add_explicit(0, [](asn1::Writer& y) { y.add_octet_string(b("y")); });
  }));
  ASSERT_FALSE(e.ok());
  EXPECT_NE(e.error().detail.find("duplicate"), std::string::npos);
  // Wrong inner type names the field.
  e = decode_request(body_with(0, [](asn1::Writer& f) { f.add_explicit(0, [](asn1::Writer& y) { y.add_int64(5); }); }));
  ASSERT_FALSE(e.ok());
  EXPECT_EQ(e.error().code, Errc::bad_encoding);
  EXPECT_NE(e.error().detail.find("identification"), std::string::npos);
  // inDataLen disagrees with inData.
  Request r = full_request(ReqType::sign_data);
  r.in_data_len = 6;
  e = decode_request(encode_request(r).value());
  ASSERT_FALSE(e.ok());
  EXPECT_NE(e.error().detail.find("inDataLen is 6"), std::string::npos);
  // Unknown request type.
  e = decode_request(body_with(19, [](asn1::Writer&) {}));
  ASSERT_FALSE(e.ok());
  EXPECT_NE(e.error().detail.find("unknown request type 19"), std::string::npos);
  // verifySignedData with type 2 but no serial number.
  r = full_request(ReqType::verify_signed_data);
  r.cert_type = 2;
  e = decode_request(encode_request(r).value());
  ASSERT_FALSE(e.ok());
  EXPECT_NE(e.error().detail.find("certSN"), std::string::npos);
  // Truncations of a valid message never decode and never crash.
  Bytes der = encode_request(full_request(ReqType::sign_message)).value();
  for (std::size_t n = 0; n < der.size(); ++n) {
    EXPECT_FALSE(decode_request(ByteView(der.data(), n)).ok()) << n;
  }
  // Trailing data.
  der.push_back(0);
  EXPECT_FALSE(decode_request(der).ok());
}

TEST(SvsMessage, ResponsesRoundTripWithTheirResults) {
  Request req = full_request(ReqType::sign_data);
  Response ok = make_response(req, kSuccess, kTime);
  ok.signature = sm2_sig();
  auto back = decode_response(encode_response(ok).value());
  ASSERT_TRUE(back.ok()) << back.error().to_string();
  EXPECT_EQ(back->resp_value, kSuccess);
  EXPECT_EQ(back->signature, sm2_sig());

  Response rsa = make_response(req, kSuccess, kTime);
  rsa.signature = Bytes(256, 0x33);  // PKCS#1 signature octets
  EXPECT_EQ(decode_response(encode_response(rsa).value())->signature, Bytes(256, 0x33));

  Response cert = make_response(full_request(ReqType::export_cert), kSuccess, kTime);
  cert.cert = fake_cert();
  EXPECT_EQ(decode_response(encode_response(cert).value())->cert, fake_cert());

  Response state = make_response(full_request(ReqType::validate_cert), kSuccess, kTime);
  state.state = 1;
  EXPECT_EQ(decode_response(encode_response(state).value())->state, 1);

  Response fail = make_response(full_request(ReqType::verify_signed_data), kInvalidSignature, kTime);
  auto f = decode_response(encode_response(fail).value());
  ASSERT_TRUE(f.ok());
  EXPECT_EQ(f->resp_value, 0x0400000Cu);
  EXPECT_EQ(resp_code_name(f->resp_value), "GM_INVALID_SIGNATURE");
  EXPECT_FALSE(f->signature);
}

TEST(SvsMessage, HttpNamesMapToTypes) {
  EXPECT_EQ(req_type_from_http_name("SignData"), ReqType::sign_data);
  EXPECT_EQ(req_type_from_http_name("VerifySignedMessageFinal"), ReqType::verify_signed_message_final);
  EXPECT_FALSE(req_type_from_http_name("signdata"));
  EXPECT_EQ(req_type_http_name(ReqType::export_cert), "ExportCert");
  EXPECT_EQ(req_type_name(ReqType::verify_signed_data_init), "verifySignedDataInit");
}

TEST(SvsMessage, PeekReadsTheTypeWithoutTheBody) {
  for (int i = 0; i < kReqTypeCount; ++i) {
    Bytes der = encode_request(full_request(static_cast<ReqType>(i))).value();
    EXPECT_EQ(peek_request_type(der), static_cast<ReqType>(i));
    // A truncated frame names no type.
    Bytes cut(der.begin(), der.begin() + 9);
    EXPECT_EQ(peek_request_type(cut), std::nullopt);
  }
  EXPECT_EQ(peek_request_type(Bytes{0x30, 0x00}), std::nullopt);
  EXPECT_EQ(peek_request_type(Bytes{}), std::nullopt);
}

}  // namespace
}  // namespace medsign::svs
