// Validation outcomes on real hierarchies made by the openssl CLI (pki_world.h): every reason, several
// CA systems at once, cross-certificates, loops, purposes, lists.
#include <gtest/gtest.h>

#include <chrono>

#include "asn1/oids.h"
#include "pki/validation.h"
#include "pki_world.h"

namespace medsign::pki {
namespace {

using namespace test;
constexpr std::int64_t kDay = 24LL * 3600 * 1000;

class Validation : public ::testing::Test {
 protected:
  PkiWorld& w = world();
  CrlStore crls;
  std::int64_t at = w.made_ms + 5 * 60 * 1000;

  TrustPolicy project(const std::string& name, std::initializer_list<const char*> anchors,
                      std::initializer_list<const char*> intermediates) {
    TrustPolicy p;
    p.name = name;
    for (const char* a : anchors) p.anchors.add(w.pki.cert(a));
    for (const char* i : intermediates) p.intermediates.add(w.pki.cert(i));
    return p;
  }
  // Every CA system of the hospital in one project.
  TrustPolicy hospital() {
    return project("hospital", {"rsa_root", "sm2_root", "ec_root", "pss_root"},
                   {"rsa_inter", "nonca", "nokcs", "pl0", "pl0_sub"});
  }
  static VerificationPolicy single(TrustPolicy p) {
    VerificationPolicy v;
    v.name = p.name;
    v.projects.push_back(std::move(p));
    return v;
  }
  ValidationResult check(const std::string& cert, const VerificationPolicy& v, std::int64_t when = 0) {
    return validate(w.pki.cert(cert), when ? when : at, v, crls);
  }
};

#define EXPECT_REASON(result, expected)                                                           \
  do {                                                                                            \
    const ValidationResult& r_ = (result);                                                        \
    EXPECT_EQ(to_string(r_.reason), to_string(expected)) << r_.detail;                            \
    EXPECT_EQ(r_.ok, (expected) == ValidationReason::ok) << r_.detail;                            \
  } while (0)

TEST_F(Validation, RsaChainThroughIntermediateIsValidWithLeafFirstAndAnchorLast) {
  auto r = check("rsa_leaf", single(hospital()));
  EXPECT_REASON(r, ValidationReason::ok);
  ASSERT_EQ(r.chain.size(), 3u);
  EXPECT_EQ(r.chain[0]->subject_attribute(asn1::oid::kCommonName), "Dr Wang");
  EXPECT_EQ(r.chain[1]->subject_attribute(asn1::oid::kCommonName), "NHC RSA Issuing CA");
  EXPECT_EQ(r.chain[2]->subject_attribute(asn1::oid::kCommonName), "NHC RSA Root");
  EXPECT_EQ(r.project, "hospital");
  EXPECT_LE(r.valid_from_ms, at);
  EXPECT_EQ(r.valid_until_ms, r.chain[0]->not_after_ms());
}

TEST_F(Validation, SeveralCaSystemsAtOnceSm2EcdsaAndRsaPss) {
  const auto v = single(hospital());
  for (const char* leaf : {"sm2_leaf", "ec_leaf", "pss_leaf", "rsa_enc", "rsa_tsa"}) {
    auto r = check(leaf, v);
    EXPECT_REASON(r, ValidationReason::ok);
    EXPECT_EQ(r.chain.size(), std::string(leaf).rfind("rsa_", 0) == 0 ? 3u : 2u) << leaf;
  }
}

TEST_F(Validation, TrustAnchorItselfIsValid) {
  auto r = check("sm2_root", single(hospital()));
  EXPECT_REASON(r, ValidationReason::ok);
  EXPECT_EQ(r.chain.size(), 1u);
}

TEST_F(Validation, ExpiredAndNotYetValid) {
  const auto v = single(hospital());
  auto late = check("rsa_leaf", v, w.made_ms + 400 * kDay);
  EXPECT_REASON(late, ValidationReason::expired);
  EXPECT_NE(late.detail.find("Dr Wang"), std::string::npos) << late.detail;
  EXPECT_REASON(check("rsa_leaf", v, w.made_ms - kDay), ValidationReason::not_yet_valid);
  // The intermediate (5 years) expires before the root (10 years): a leaf still valid fails on it.
  auto inter = validate(w.pki.cert("rsa_root"), w.made_ms + 2000 * kDay, v, crls);
  EXPECT_REASON(inter, ValidationReason::ok);
}

TEST_F(Validation, UnknownIssuerWhenTheRootIsInNoProject) {
  auto r = check("stray_leaf", single(hospital()));
  EXPECT_REASON(r, ValidationReason::unknown_issuer);
  EXPECT_NE(r.detail.find("Stray Root"), std::string::npos) << r.detail;
  // The intermediate missing from the pool: the leaf's issuer is unknown.
  EXPECT_REASON(check("rsa_leaf", single(project("bare", {"rsa_root"}, {}))), ValidationReason::unknown_issuer);
}

TEST_F(Validation, AlteredSignatureIsBadSignature) {
  Bytes der = w.pki.cert("rsa_leaf").der();
  der[der.size() - 5] ^= 0x40;  // inside signatureValue
  auto altered = Certificate::parse_der(der);
  ASSERT_TRUE(altered.ok());
  auto r = validate(*altered, at, single(hospital()), crls);
  EXPECT_REASON(r, ValidationReason::bad_signature);
}

TEST_F(Validation, WrongUsagePerPurpose) {
  auto p = hospital();
  p.purpose = Purpose::document_signing;
  const auto signing = single(p);
  EXPECT_REASON(check("rsa_leaf", signing), ValidationReason::ok);
  auto enc = check("rsa_enc", signing);
  EXPECT_REASON(enc, ValidationReason::wrong_usage);
  EXPECT_NE(enc.detail.find("document_signing"), std::string::npos) << enc.detail;

  p.purpose = Purpose::encryption;
  EXPECT_REASON(check("rsa_enc", single(p)), ValidationReason::ok);
  EXPECT_REASON(check("rsa_leaf", single(p)), ValidationReason::wrong_usage);

  p.purpose = Purpose::timestamping;
  EXPECT_REASON(check("rsa_tsa", single(p)), ValidationReason::ok);
  EXPECT_REASON(check("rsa_leaf", single(p)), ValidationReason::wrong_usage);

  p.purpose = Purpose::ca;
  EXPECT_REASON(check("rsa_inter", single(p)), ValidationReason::ok);
  EXPECT_REASON(check("rsa_leaf", single(p)), ValidationReason::wrong_usage);

  p.purpose = Purpose::tls_server;  // no EKU on the leaf: unrestricted; digitalSignature present
  EXPECT_REASON(check("rsa_leaf", single(p)), ValidationReason::ok);
  EXPECT_REASON(check("rsa_tsa", single(p)), ValidationReason::wrong_usage);
}

TEST_F(Validation, UnknownCriticalExtensionIsRefused) {
  auto r = check("rsa_crit", single(hospital()));
  EXPECT_REASON(r, ValidationReason::unknown_critical_extension);
  EXPECT_NE(r.detail.find("1.2.3.4"), std::string::npos) << r.detail;
}

TEST_F(Validation, IssuerWithoutCaFlagOrKeyCertSignIsNotACa) {
  const auto v = single(hospital());
  auto r = check("under_nonca", v);
  EXPECT_REASON(r, ValidationReason::not_a_ca);
  EXPECT_NE(r.detail.find("Not A CA"), std::string::npos) << r.detail;
  auto k = check("under_nokcs", v);
  EXPECT_REASON(k, ValidationReason::not_a_ca);
  EXPECT_NE(k.detail.find("keyCertSign"), std::string::npos) << k.detail;
}

TEST_F(Validation, PathLenConstraintAndPolicyMaximum) {
  auto r = check("pl0_leaf", single(hospital()));
  EXPECT_REASON(r, ValidationReason::path_too_long);
  EXPECT_NE(r.detail.find("Pathlen 0 CA"), std::string::npos) << r.detail;
  auto p = hospital();
  p.max_path_length = 2;
  EXPECT_REASON(check("rsa_leaf", single(p)), ValidationReason::path_too_long);
  EXPECT_REASON(check("sm2_leaf", single(p)), ValidationReason::ok);
}

TEST_F(Validation, CrossCertificateLeadsToTheOldRootAndSelfSignedNewRootIsTriedFirst) {
  auto old_only = single(project("old", {"x_old"}, {"x_new", "x_cross"}));
  auto r = check("x_leaf", old_only);
  EXPECT_REASON(r, ValidationReason::ok);
  ASSERT_EQ(r.chain.size(), 3u);
  EXPECT_EQ(r.chain[1]->fingerprint_sha256(), w.pki.cert("x_cross").fingerprint_sha256());
  EXPECT_EQ(r.chain[2]->fingerprint_sha256(), w.pki.cert("x_old").fingerprint_sha256());
  auto new_only = single(project("new", {"x_new"}, {"x_cross"}));
  auto n = check("x_leaf", new_only);
  EXPECT_REASON(n, ValidationReason::ok);
  EXPECT_EQ(n.chain.size(), 2u);
  // Without the cross-certificate the old root cannot reach the new hierarchy.
  EXPECT_REASON(check("x_leaf", single(project("old", {"x_old"}, {"x_new"}))), ValidationReason::unknown_issuer);
}

TEST_F(Validation, CertificateLoopEndsWithChainLoopQuickly) {
  const auto start = std::chrono::steady_clock::now();
  auto r = check("loop_leaf", single(project("loop", {"rsa_root"}, {"loopA", "loopB"})));
  EXPECT_REASON(r, ValidationReason::chain_loop);
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(1));
}

TEST_F(Validation, PolicyIsValidWhenAnyProjectAccepts) {
  VerificationPolicy v;
  v.name = "combined";
  v.projects.push_back(project("rsa-only", {"rsa_root"}, {"rsa_inter"}));
  v.projects.push_back(project("sm2-only", {"sm2_root"}, {}));
  auto r = check("sm2_leaf", v);
  EXPECT_REASON(r, ValidationReason::ok);
  EXPECT_EQ(r.project, "sm2-only");
  // The most informative failure wins: expired under the SM2 project beats unknown issuer under RSA.
  auto late = check("sm2_leaf", v, w.made_ms + 400 * kDay);
  EXPECT_REASON(late, ValidationReason::expired);
  EXPECT_EQ(late.project, "sm2-only");
  EXPECT_REASON(check("stray_leaf", v), ValidationReason::unknown_issuer);
  EXPECT_REASON(check("sm2_leaf", VerificationPolicy{"empty", {}}), ValidationReason::no_policy);
}

TEST_F(Validation, BlackListRefusesLeafOrAnyCaOfTheChain) {
  auto p = hospital();
  p.blacklist = std::make_shared<FingerprintList>();
  const auto v = single(p);
  EXPECT_REASON(check("rsa_leaf", v), ValidationReason::ok);
  p.blacklist->add(w.pki.cert("rsa_leaf"));
  EXPECT_REASON(check("rsa_leaf", v), ValidationReason::blacklisted);
  p.blacklist->add(w.pki.cert("rsa_inter"));
  EXPECT_REASON(check("rsa_enc", v), ValidationReason::blacklisted);
  EXPECT_REASON(check("sm2_leaf", v), ValidationReason::ok);
  EXPECT_TRUE(p.blacklist->remove(w.pki.cert("rsa_inter").fingerprint_sha256()));
  EXPECT_REASON(check("rsa_enc", v), ValidationReason::ok);
}

TEST_F(Validation, WhiteListModeAcceptsOnlyListedCertificatesThatAlsoValidate) {
  auto p = hospital();
  p.whitelist = std::make_shared<FingerprintList>();
  const auto v = single(p);
  EXPECT_REASON(check("rsa_leaf", v), ValidationReason::not_whitelisted);
  ASSERT_TRUE(p.whitelist->add(w.pki.cert("rsa_leaf").fingerprint_sha256()).ok());
  EXPECT_REASON(check("rsa_leaf", v), ValidationReason::ok);
  EXPECT_REASON(check("rsa_leaf", v, w.made_ms + 400 * kDay), ValidationReason::expired);
  EXPECT_REASON(check("sm2_leaf", v), ValidationReason::not_whitelisted);
  p.whitelist->add(w.pki.cert("stray_leaf"));
  EXPECT_REASON(check("stray_leaf", v), ValidationReason::unknown_issuer);
  EXPECT_FALSE(p.whitelist->add("not-hex").ok());
}

TEST(ValidationNames, EveryReasonHasAStableName) {
  EXPECT_EQ(to_string(ValidationReason::ok), "ok");
  EXPECT_EQ(to_string(ValidationReason::crl_unavailable), "crl_unavailable");
  EXPECT_EQ(to_string(ValidationReason::unknown_critical_extension), "unknown_critical_extension");
  EXPECT_EQ(to_string(ValidationReason::chain_loop), "chain_loop");
  for (Purpose p : {Purpose::any, Purpose::document_signing, Purpose::timestamping, Purpose::tls_client,
                    Purpose::tls_server, Purpose::encryption, Purpose::ca}) {
    auto back = purpose_from_name(purpose_name(p));
    ASSERT_TRUE(back.ok());
    EXPECT_EQ(*back, p);
  }
  EXPECT_FALSE(purpose_from_name("signing").ok());
  EXPECT_EQ(*revocation_mode_from_name("crl_best_effort"), RevocationMode::crl_best_effort);
}

}  // namespace
}  // namespace medsign::pki
