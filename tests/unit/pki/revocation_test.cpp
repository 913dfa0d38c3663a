// Revocation by CRL during validation (fail-closed and best-effort, stale lists, RSA and SM2), the
// ValidationCache's invalidation, and agreement with `openssl verify` on the RSA/ECDSA hierarchies.
#include <gtest/gtest.h>

#include <fstream>

#include "pki/validation_cache.h"
#include "pki_world.h"

namespace medsign::pki {
namespace {

using namespace test;
constexpr std::int64_t kDay = 24LL * 3600 * 1000;

class Revocation : public ::testing::Test {
 protected:
  PkiWorld& w = world();
  CrlStore crls;
  std::int64_t at = w.made_ms + 5 * 60 * 1000;

  void SetUp() override {
    load("rsa_root", "rev_root");
    load("rsa_inter", "rev_inter");
    load("sm2_root", "rev_sm2");
  }
  void load(const std::string& ca, const std::string& out) {
    auto r = crls.add(w.pki.gencrl(ca, out), w.pki.cert(ca));
    ASSERT_TRUE(r.ok()) << r.error().to_string();
  }
  VerificationPolicy policy(RevocationMode mode, std::int64_t grace_ms = 0) {
    TrustPolicy p;
    p.name = "revocation";
    for (const char* a : {"rsa_root", "sm2_root", "ec_root"}) p.anchors.add(w.pki.cert(a));
    p.intermediates.add(w.pki.cert("rsa_inter"));
    p.revocation = mode;
    p.crl_grace_ms = grace_ms;
    VerificationPolicy v;
    v.name = std::string("revocation-").append(revocation_mode_name(mode));
    v.projects.push_back(std::move(p));
    return v;
  }
  ValidationResult check(const std::string& cert, const VerificationPolicy& v, std::int64_t when = 0) {
    return validate(w.pki.cert(cert), when ? when : at, v, crls);
  }
};

TEST_F(Revocation, RevokedRsaLeafNamesTimeAndReason) {
  const auto v = policy(RevocationMode::crl_required);
  auto ok = check("rsa_leaf", v);
  EXPECT_TRUE(ok.ok) << ok.detail;
  ASSERT_TRUE(crls.find(w.pki.cert("rsa_inter")));
  EXPECT_EQ(ok.valid_until_ms, *crls.find(w.pki.cert("rsa_inter"))->crl.next_update_ms());
  auto r = check("rsa_leaf2", v);
  EXPECT_EQ(to_string(r.reason), "revoked") << r.detail;
  ASSERT_TRUE(r.revocation);
  EXPECT_EQ(r.revocation->reason, CrlReason::key_compromise);
  EXPECT_LE(r.revocation->revocation_ms, at);
  EXPECT_GE(r.revocation->revocation_ms, w.made_ms - 1000);
  EXPECT_NE(r.detail.find("keyCompromise"), std::string::npos) << r.detail;
  // Before its revocation time the certificate was not revoked.
  EXPECT_TRUE(check("rsa_leaf2", v, r.revocation->revocation_ms - 1).ok);
}

TEST_F(Revocation, RevokedSm2LeafFromOpensslSm2Crl) {
  const auto v = policy(RevocationMode::crl_required);
  EXPECT_TRUE(check("sm2_leaf", v).ok);
  auto r = check("sm2_leaf2", v);
  EXPECT_EQ(to_string(r.reason), "revoked") << r.detail;
  ASSERT_TRUE(r.revocation && r.revocation->invalidity_ms);
}

TEST_F(Revocation, MissingCrlFailsClosedOnlyWhenRequired) {
  EXPECT_EQ(to_string(check("ec_leaf", policy(RevocationMode::crl_required)).reason), "crl_unavailable");
  EXPECT_TRUE(check("ec_leaf", policy(RevocationMode::crl_best_effort)).ok);
  EXPECT_TRUE(check("ec_leaf", policy(RevocationMode::off)).ok);
  EXPECT_TRUE(check("rsa_leaf2", policy(RevocationMode::off)).ok);
}

TEST_F(Revocation, StaleCrlFailsClosedUnlessGraceOrBestEffort) {
  const std::int64_t later = w.made_ms + 10 * kDay;  // CRLs are good for 7 days
  auto stale = check("rsa_leaf", policy(RevocationMode::crl_required), later);
  EXPECT_EQ(to_string(stale.reason), "crl_unavailable") << stale.detail;
  EXPECT_NE(stale.detail.find("stale"), std::string::npos) << stale.detail;
  EXPECT_TRUE(check("rsa_leaf", policy(RevocationMode::crl_required, 5 * kDay), later).ok);
  EXPECT_TRUE(check("rsa_leaf", policy(RevocationMode::crl_best_effort), later).ok);
  EXPECT_EQ(to_string(check("rsa_leaf2", policy(RevocationMode::crl_best_effort), later).reason), "revoked");
}

TEST_F(Revocation, CacheServesRepeatsAndForgetsOnCrlOrListChange) {
  w.pki.issue("cache_leaf", "/C=CN/O=Hospital/CN=Cached", ec_key(), "rsa_inter");
  const Certificate leaf = w.pki.cert("cache_leaf");
  auto v = policy(RevocationMode::crl_required);
  v.projects[0].blacklist = std::make_shared<FingerprintList>();
  ValidationCache cache(16);
  EXPECT_TRUE(cache.validate(leaf, at, v, crls).ok);
  EXPECT_TRUE(cache.validate(leaf, at + 1000, v, crls).ok);
  EXPECT_EQ(cache.stats().hits, 1u);
  EXPECT_EQ(cache.stats().misses, 1u);

  w.pki.revoke("rsa_inter", "cache_leaf", "-crl_reason superseded");
  load("rsa_inter", "rev_inter_newer");
  auto r = cache.validate(leaf, w.made_ms + 10 * 60 * 1000, v, crls);
  EXPECT_EQ(to_string(r.reason), "revoked") << r.detail;
  EXPECT_EQ(r.revocation->reason, CrlReason::superseded);
  EXPECT_EQ(cache.stats().misses, 2u);

  EXPECT_TRUE(cache.validate(w.pki.cert("rsa_leaf"), at, v, crls).ok);
  EXPECT_TRUE(cache.validate(w.pki.cert("rsa_leaf"), at, v, crls).ok);
  EXPECT_EQ(cache.stats().hits, 2u);
  v.projects[0].blacklist->add(w.pki.cert("rsa_leaf"));
  EXPECT_EQ(to_string(cache.validate(w.pki.cert("rsa_leaf"), at, v, crls).reason), "blacklisted");
  // Outside the cached validity window the chain is checked again.
  auto late = cache.validate(w.pki.cert("sm2_leaf"), at, v, crls);
  EXPECT_TRUE(late.ok) << late.detail;
  EXPECT_EQ(to_string(cache.validate(w.pki.cert("sm2_leaf"), w.made_ms + 10 * kDay, v, crls).reason),
            "crl_unavailable");
}

TEST_F(Revocation, CacheIsBounded) {
  ValidationCache cache(2);
  const auto v = policy(RevocationMode::off);
  for (const char* c : {"rsa_leaf", "sm2_leaf", "rsa_enc", "rsa_leaf"}) EXPECT_TRUE(cache.validate(w.pki.cert(c), at, v, crls).ok);
  EXPECT_EQ(cache.stats().size, 2u);
  EXPECT_EQ(cache.stats().hits, 0u);
}

// Our decision equals `openssl verify` (same anchors, untrusted pool and CRLs) on RSA and ECDSA.
TEST_F(Revocation, DecisionsAgreeWithOpensslVerify) {
  const std::string roots = w.pki.path("cmp_roots.pem"), untrusted = w.pki.path("cmp_untrusted.pem");
  {
    std::ofstream r(roots), u(untrusted);
    for (const char* a : {"rsa_root", "ec_root"}) r << w.pki.cert(a).to_pem();
    for (const char* i : {"rsa_inter", "nonca", "nokcs", "pl0", "pl0_sub"}) u << w.pki.cert(i).to_pem();
  }
  Bytes der = w.pki.cert("ec_leaf").der();
  der[der.size() - 3] ^= 0x01;
  const Certificate flipped = Certificate::parse_der(der).value();
  std::ofstream(w.pki.path("flipped.pem")) << flipped.to_pem();

  TrustPolicy p;
  p.name = "compare";
  for (const char* a : {"rsa_root", "ec_root"}) p.anchors.add(w.pki.cert(a));
  for (const char* i : {"rsa_inter", "nonca", "nokcs", "pl0", "pl0_sub"}) p.intermediates.add(w.pki.cert(i));
  load("ec_root", "cmp_ec");
  const std::string crl_args = " -crl_check_all -CRLfile " + w.pki.path("rev_root.crl.pem") + " -CRLfile " +
                               w.pki.path("rev_inter.crl.pem") + " -CRLfile " + w.pki.path("cmp_ec.crl.pem");
  int agreed = 0, valid = 0;
  for (RevocationMode mode : {RevocationMode::off, RevocationMode::crl_required}) {
    p.revocation = mode;
    VerificationPolicy v{"compare", {p}};
    for (const char* name : {"rsa_leaf", "rsa_leaf2", "rsa_enc", "rsa_tsa", "rsa_crit", "under_nonca", "under_nokcs",
                             "pl0_leaf", "ec_leaf", "stray_leaf", "flipped", "nokcs"}) {
      const bool ours = check(name, v, now_ms()).ok;
      const std::string cmd = "openssl verify -CAfile " + roots + " -untrusted " + untrusted +
                              (mode == RevocationMode::off ? "" : crl_args) + " " + w.pki.path(std::string(name) + ".pem");
      const bool theirs = std::system((cmd + " >/dev/null 2>&1").c_str()) == 0;
      EXPECT_EQ(ours, theirs) << name << " (" << revocation_mode_name(mode) << "): " << check(name, v, now_ms()).detail;
      agreed += ours == theirs;
      valid += ours;
    }
  }
  EXPECT_EQ(agreed, 24);
  EXPECT_GE(valid, 6);  // both outcomes are exercised
}

}  // namespace
}  // namespace medsign::pki
