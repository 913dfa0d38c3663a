// The token template builds the same bytes as the generic path (cms::sign + encode_granted) for the same
// TSTInfo and signature, for every unit type, with and without certificates, nonce and other policies.
#include "tsp/token_template.h"

#include <gtest/gtest.h>

#include "asn1/oids.h"
#include "services/tsa.h"
#include "tsp/timestamp_issuer.h"

namespace medsign::tsp {
namespace {

struct Case {
  crypto::KeyType type;
  cms::Flavor flavor;
};

class TokenTemplateTest : public ::testing::TestWithParam<Case> {};

IssuerPolicy policy(bool tsa_name, bool ordering) {
  IssuerPolicy p;
  p.policy = asn1::Oid::from_string("2.25.272170470712307402315457925049217395412").value();
  p.accepted_policies = {asn1::Oid::from_string("1.2.3.4.5").value()};
  p.include_tsa_name = tsa_name;
  p.ordering = ordering;
  return p;
}

TstInfo sample(const TimestampUnit& u, const IssuerPolicy& p, cms::DigestAlgorithm alg, std::optional<Bytes> nonce,
               std::int64_t ms) {
  TstInfo t;
  t.policy = p.policy;
  t.imprint = {alg, Bytes(cms::digest_size(alg), 0x5a)};
  t.serial = {0x01, 0x00, 0x00, 0x01, 0x92, 0x33, 0x44, 0x55, 0x00, 0x00, 0x00, 0x07};
  t.gen_time_ms = ms;
  t.accuracy = p.accuracy;
  t.ordering = p.ordering;
  t.nonce = std::move(nonce);
  if (p.include_tsa_name) t.tsa_name_der = u.certificate.subject().der();
  return t;
}

TEST_P(TokenTemplateTest, SameBytesAsTheGenericPath) {
  auto unit = services::make_ephemeral_tsa_unit("t", GetParam().type);
  ASSERT_TRUE(unit.ok()) << unit.error().to_string();
  unit->flavor = GetParam().flavor;
  // A deterministic signature so both paths can be compared byte for byte: a digest of what is signed.
  unit->sign = [](ByteView tbs) -> Result<Bytes> { return cms::digest(cms::DigestAlgorithm::sha256, tbs); };
  for (bool tsa_name : {true, false}) {
    for (bool ordering : {false, true}) {
      auto pol = policy(tsa_name, ordering);
      auto tmpl = TokenTemplate::make(*unit, pol);
      ASSERT_TRUE(tmpl.ok()) << tmpl.error().to_string();
      for (auto alg : {cms::DigestAlgorithm::sm3, cms::DigestAlgorithm::sha256, cms::DigestAlgorithm::sha512}) {
        for (auto nonce : {std::optional<Bytes>{}, std::optional<Bytes>{Bytes{0x00, 0x80, 0x11}},
                           std::optional<Bytes>{Bytes{0x7f}}}) {
          for (std::int64_t ms : {1764246896000LL, 1764246896120LL, 1764246896007LL}) {
            for (bool cert_req : {false, true}) {
              auto t = sample(*unit, pol, alg, nonce, ms);
              if (ordering && cert_req) t.policy = pol.accepted_policies[0];
              auto generic = build_response(*unit, t, cert_req);
              auto fast = (*tmpl)->build(*unit, t, cert_req);
              ASSERT_TRUE(generic.ok() && fast.ok());
              EXPECT_EQ(fast->response, generic->response);
              EXPECT_EQ(fast->token_offset, generic->token_offset);
              EXPECT_EQ(fast->token_size, generic->token_size);
              auto tst = (*tmpl)->encode_tst_info(t);
              ASSERT_TRUE(tst.ok());
              EXPECT_EQ(*tst, encode_tst_info(t).value());
            }
          }
        }
      }
    }
  }
}

TEST_P(TokenTemplateTest, TemplateTokensVerifyWithRealSignatures) {
  auto unit = services::make_ephemeral_tsa_unit("t", GetParam().type);
  ASSERT_TRUE(unit.ok()) << unit.error().to_string();
  unit->flavor = GetParam().flavor;
  TimestampIssuer issuer(policy(true, false), nullptr);
  ASSERT_TRUE(issuer.prepare(*unit).ok());
  ASSERT_TRUE(unit->token_template);
  pki::Certificate ca = pki::Certificate::parse_der(unit->chain[0]).value();
  for (bool cert_req : {false, true}) {
    TimeStampRequest q;
    q.imprint = {cms::DigestAlgorithm::sha256, Bytes(32, 0x42)};
    q.nonce = Bytes{0x12, 0x34, 0x56, 0x78};
    q.cert_req = cert_req;
    auto r = issuer.respond(*unit, encode_request(q).value(), 1764246896123);
    ASSERT_TRUE(r.granted) << (r.fail_info ? fail_info_name(*r.fail_info) : "");
    auto parsed = parse_response(r.response);
    ASSERT_TRUE(parsed.ok());
    EXPECT_EQ(*parsed->token, r.token);
    std::vector<pki::Certificate> extra{unit->certificate};
    auto v = verify_token(r.token, extra, &q.imprint, &*q.nonce);
    ASSERT_TRUE(v.ok()) << v.error().to_string();
    EXPECT_TRUE(v->ok) << v->problem;
    EXPECT_EQ(v->tst.gen_time_ms, 1764246896123);
  }
}

TEST_P(TokenTemplateTest, NonMinimalIntegersAreRefusedLikeTheGenericEncoder) {
  auto unit = services::make_ephemeral_tsa_unit("t", GetParam().type);
  ASSERT_TRUE(unit.ok());
  auto pol = policy(true, false);
  auto tmpl = TokenTemplate::make(*unit, pol);
  ASSERT_TRUE(tmpl.ok());
  auto t = sample(*unit, pol, cms::DigestAlgorithm::sha256, Bytes{0x00, 0x01}, 1764246896000);
  EXPECT_FALSE((*tmpl)->build(*unit, t, false).ok());
  EXPECT_FALSE(build_response(*unit, t, false).ok());
}

INSTANTIATE_TEST_SUITE_P(Units, TokenTemplateTest,
                         ::testing::Values(Case{crypto::KeyType::sm2, cms::Flavor::rfc5652},
                                           Case{crypto::KeyType::sm2, cms::Flavor::gmt0010},
                                           Case{crypto::KeyType::ecdsa_p256, cms::Flavor::rfc5652},
                                           Case{crypto::KeyType::rsa2048, cms::Flavor::rfc5652}));

}  // namespace
}  // namespace medsign::tsp
