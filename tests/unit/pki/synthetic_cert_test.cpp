// Certificates assembled with asn1::Writer to reach cases openssl will not produce: unique IDs,
// structural rejections, and the accepted forms of the Chinese identity extensions.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "asn1/oids.h"
#include "asn1/writer.h"
#include "pki/certificate.h"

namespace medsign::pki {
namespace {

namespace id = asn1::oid;
using asn1::Tag;
using asn1::Writer;

struct Spec {
  std::optional<std::int64_t> version = 2;  // v3
  asn1::Oid inner_alg = id::kSm3WithSm2;
  asn1::Oid outer_alg = id::kSm3WithSm2;
  bool unique_ids = false;
  std::vector<std::tuple<asn1::Oid, bool, Bytes>> extensions;
  bool trailing = false;
};

void add_name(Writer& w, std::string_view cn) {
  w.add_sequence([&](Writer& name) {
    name.add_set([&](Writer& rdn) {
      rdn.add_sequence([&](Writer& atv) { atv.add_oid(id::kCommonName).add_string(asn1::tag::kUtf8String, cn); });
    });
  });
}

Bytes build(const Spec& s) {
  Writer w;
  w.add_sequence([&](Writer& cert) {
    cert.add_sequence([&](Writer& tbs) {
      if (s.version) tbs.add_explicit(0, [&](Writer& v) { v.add_int64(*s.version); });
      tbs.add_unsigned_integer(Bytes{0x01, 0x02});
      tbs.add_sequence([&](Writer& a) { a.add_oid(s.inner_alg); });
      add_name(tbs, "Issuer");
      tbs.add_sequence([](Writer& v) { v.add_x509_time(1700000000000).add_x509_time(2600000000000); });
      add_name(tbs, "主体");
      tbs.add_sequence([](Writer& spki) {
        spki.add_sequence([](Writer& a) { a.add_oid(id::kEcPublicKey).add_oid(id::kSm2); });
        Bytes point(65, 0x11);
        point[0] = 0x04;
        spki.add_bit_string(point);
      });
      if (s.unique_ids) {
        tbs.add_bit_string(Bytes{0xab, 0xcd}, 0, Tag::context(1, false));
        tbs.add_bit_string(Bytes{0xef}, 0, Tag::context(2, false));
      }
      if (!s.extensions.empty()) {
        tbs.add_explicit(3, [&](Writer& x) {
          x.add_sequence([&](Writer& list) {
            for (const auto& [oid, critical, value] : s.extensions) {
              list.add_sequence([&](Writer& e) {
                e.add_oid(oid);
                if (critical) e.add_boolean(true);
                e.add_octet_string(value);
              });
            }
          });
        });
      }
    });
    cert.add_sequence([&](Writer& a) { a.add_oid(s.outer_alg); });
    cert.add_bit_string(Bytes{0x30, 0x00});
  });
  Bytes der = std::move(w).finish().value();
  if (s.trailing) der.push_back(0);
  return der;
}

Bytes encode(const std::function<void(Writer&)>& f) {
  Writer w;
  f(w);
  return std::move(w).finish().value();
}

std::string parse_error(const Spec& s) {
  auto c = Certificate::parse_der(build(s));
  return c.ok() ? "" : c.error().detail;
}

TEST(SyntheticCert, UniqueIdsAreExposed) {
  Spec s;
  s.version = 1;  // v2
  s.unique_ids = true;
  auto c = Certificate::parse_der(build(s));
  ASSERT_TRUE(c.ok()) << c.error().to_string();
  EXPECT_EQ(c->version(), 2);
  EXPECT_EQ(*c->issuer_unique_id(), (Bytes{0xab, 0xcd}));
  EXPECT_EQ(*c->subject_unique_id(), (Bytes{0xef}));
  EXPECT_EQ(c->subject_attribute(id::kCommonName).value(), "主体");
  EXPECT_EQ(c->not_after_ms(), 2600000000000);
  nlohmann::json j = c->to_json();
  EXPECT_EQ(j["issuer_unique_id"], "abcd");
  EXPECT_EQ(j["subject_unique_id"], "ef");
  EXPECT_EQ(j["validity"]["not_after"]["iso"], "2052-05-22T14:13:20Z");
  EXPECT_TRUE(j["extensions"].empty());
}

TEST(SyntheticCert, StructuralErrorsAreRefused) {
  Spec mismatch;
  mismatch.inner_alg = id::kSha256WithRsa;
  EXPECT_NE(parse_error(mismatch).find("differs from tbsCertificate.signature"), std::string::npos);

  Spec v1_explicit;
  v1_explicit.version = 0;
  EXPECT_NE(parse_error(v1_explicit).find("v1 encoded explicitly"), std::string::npos);

  Spec v4;
  v4.version = 3;
  EXPECT_NE(parse_error(v4).find("unknown version value 3"), std::string::npos);

  Spec v1_ext;
  v1_ext.version.reset();
  v1_ext.extensions.emplace_back(id::kSubjectKeyIdentifier, false, Bytes{0x04, 0x01, 0x00});
  EXPECT_NE(parse_error(v1_ext).find("extensions in a v1 certificate"), std::string::npos);

  Spec v1_uid;
  v1_uid.version.reset();
  v1_uid.unique_ids = true;
  EXPECT_NE(parse_error(v1_uid).find("issuerUniqueID in a v1 certificate"), std::string::npos);

  Spec dup;
  dup.extensions.emplace_back(id::kSubjectKeyIdentifier, false, Bytes{0x04, 0x01, 0x00});
  dup.extensions.emplace_back(id::kSubjectKeyIdentifier, false, Bytes{0x04, 0x01, 0x01});
  EXPECT_NE(parse_error(dup).find("subjectKeyIdentifier appears twice"), std::string::npos);

  Spec bad_ku;
  bad_ku.extensions.emplace_back(id::kKeyUsage, true, Bytes{0x03, 0x01, 0x00});
  EXPECT_NE(parse_error(bad_ku).find("extension keyUsage: keyUsage: no bits"), std::string::npos);

  Spec bad_bc;
  bad_bc.extensions.emplace_back(id::kBasicConstraints, true, Bytes{0x30, 0x03, 0x01, 0x01, 0x00});
  EXPECT_NE(parse_error(bad_bc).find("DEFAULT"), std::string::npos);

  Spec trailing;
  trailing.trailing = true;
  EXPECT_NE(parse_error(trailing).find("trailing data"), std::string::npos);

  const Bytes good = build(Spec{});
  ASSERT_TRUE(Certificate::parse_der(good).ok());
  for (std::size_t n = 0; n < good.size(); ++n) {
    auto c = Certificate::parse_der(ByteView(good).first(n));
    ASSERT_FALSE(c.ok()) << "prefix of " << n << " bytes accepted";
    EXPECT_EQ(c.error().code, Errc::bad_encoding);
  }
}

TEST(SyntheticCert, IdentityExtensionForms) {
  Spec s;
  // [0] EXPLICIT PrintableString, [2] IMPLICIT (passport), a bare UTF8String, an OCTET STRING of text.
  s.extensions.emplace_back(id::kGmIdentifyCode, false, encode([](Writer& w) {
    w.add_explicit(0, [](Writer& e) { e.add_string(asn1::tag::kPrintableString, "110101199003077777"); });
  }));
  s.extensions.emplace_back(id::kGmPassportNumber, false, encode([](Writer& w) {
    w.add_element(Tag::context(2, false), as_bytes("E12345678"));
  }));
  s.extensions.emplace_back(id::kGmOrganizationCode, false,
                            encode([](Writer& w) { w.add_string(asn1::tag::kUtf8String, "12345678-9"); }));
  s.extensions.emplace_back(id::kLegacyIdNumber, false, encode([](Writer& w) { w.add_octet_string(as_bytes("ID-42")); }));
  s.extensions.emplace_back(id::kGmTaxationNumber, true, encode([](Writer& w) { w.add_int64(5); }));
  s.extensions.emplace_back(asn1::Oid::literal("1.2.3.4"), true, Bytes{0x05, 0x00});
  auto c = Certificate::parse_der(build(s));
  ASSERT_TRUE(c.ok()) << c.error().to_string();
  EXPECT_EQ(c->identity(id::kGmIdentifyCode)->kind, "residentIdCard");
  EXPECT_EQ(c->identity(id::kGmIdentifyCode)->value, "110101199003077777");
  EXPECT_EQ(c->identity(id::kGmPassportNumber)->kind, "passport");
  EXPECT_EQ(c->identity(id::kGmPassportNumber)->value, "E12345678");
  EXPECT_EQ(c->info_by_oid(id::kGmOrganizationCode).value(), "12345678-9");
  EXPECT_EQ(c->info_by_oid(id::kLegacyIdNumber).value(), "ID-42");
  // An identity extension in an unknown form is kept raw, not decoded, and not an error.
  EXPECT_FALSE(c->identity(id::kGmTaxationNumber).has_value());
  EXPECT_EQ(c->info_by_oid(id::kGmTaxationNumber).value(), "020105");
  // Identity extensions count as understood even when critical; 1.2.3.4 does not.
  ASSERT_EQ(c->unknown_critical_extensions().size(), 1u);
  EXPECT_EQ(c->unknown_critical_extensions()[0].to_string(), "1.2.3.4");
}

TEST(SyntheticCert, UnsupportedSignatureAlgorithm) {
  Spec s;
  s.inner_alg = s.outer_alg = id::kEd25519;
  auto c = Certificate::parse_der(build(s));
  ASSERT_TRUE(c.ok());
  auto st = c->verify_signature(*c);
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().code, Errc::invalid_argument);
}

}  // namespace
}  // namespace medsign::pki
