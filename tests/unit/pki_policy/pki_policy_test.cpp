// services::PkiPolicyService against a real SQLite database: anchors, projects, lists, policies, CRL upload
// and CRL sources, the specific reasons of verification, cache invalidation, audit records.
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <thread>

#include <nlohmann/json.hpp>

#include "common/clock.h"

#include "crl_test_server.h"
#include "policy_world.h"
#include "services/pki_policy.h"
#include "services/schema.h"

namespace medsign::services {
namespace {
using pki::ValidationReason;
using pki::test::policy_world;

const PkiActor kOp{"op1", "operator", "127.0.0.1"};

class PkiPolicyTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto& w = policy_world();
    (void)w;
    store::DatabaseConfig cfg;
    cfg.sqlite_path = dir_ / "pki.db";
    db_ = store::Database::open(cfg).value();
    ASSERT_TRUE(db_->migrate(migrations()).ok());
    audit_ = std::make_unique<AuditLog>(*db_, nullptr, 1000);
    svc_ = PkiPolicyService::open(*db_, *audit_).value();
  }

  // Anchors root and sm2_root, intermediate inter; project "staff" (document signing) on both anchors; policy
  // "default" over it.
  void standard_setup(pki::RevocationMode rev = pki::RevocationMode::crl_best_effort, ListMode mode = ListMode::none,
                      CrlFailure failure = CrlFailure::project) {
    auto& w = policy_world();
    ASSERT_TRUE(svc_->add_certificates("anchor", w.pem("root"), kOp).ok());
    ASSERT_TRUE(svc_->add_certificates("anchor", w.cert("sm2_root").der(), kOp).ok());
    ASSERT_TRUE(svc_->add_certificates("intermediate", w.pem("inter"), kOp).ok());
    PkiProject p;
    p.name = "staff";
    p.anchors = {w.fp("root"), w.fp("sm2_root")};
    p.purpose = pki::Purpose::document_signing;
    p.revocation = rev;
    p.list_mode = mode;
    auto st = svc_->put_project(p, true, kOp);
    ASSERT_TRUE(st.ok()) << st.error().to_string();
    st = svc_->put_policy({"default", "", {"staff"}, failure}, true, kOp);
    ASSERT_TRUE(st.ok()) << st.error().to_string();
  }

  pki::ValidationResult verify(const std::string& cert, const std::string& policy = "default",
                               std::optional<std::int64_t> at = std::nullopt) {
    auto r = svc_->verify({policy, policy_world().cert(cert).der(), at});
    EXPECT_TRUE(r.ok()) << r.error().to_string();
    return r.ok() ? *r : pki::ValidationResult{};
  }

  std::vector<AuditEntry> audit_entries(const std::string& action) {
    AuditQuery q;
    q.action = action;
    q.page_size = 500;
    return audit_->query(q).value().entries;
  }

  pki::test::ScratchDir scratch_;
  std::filesystem::path dir_ = std::filesystem::path(scratch_ / "");
  std::unique_ptr<store::Database> db_;
  std::unique_ptr<AuditLog> audit_;
  std::unique_ptr<PkiPolicyService> svc_;
};

TEST_F(PkiPolicyTest, ValidCertificatesOfTwoCaSystemsPassWithTheirChain) {
  standard_setup();
  auto r = verify("leaf");
  EXPECT_TRUE(r.ok) << r.detail;
  EXPECT_EQ(r.reason, ValidationReason::ok);
  ASSERT_EQ(r.chain.size(), 3u);
  EXPECT_EQ(r.chain.back()->fingerprint_sha256(), policy_world().fp("root"));
  EXPECT_EQ(r.project, "staff");
  auto s = verify("sm2_leaf");
  EXPECT_TRUE(s.ok) << s.detail;
  nlohmann::json j = to_json(r);
  EXPECT_EQ(j["reason"], "ok");
  EXPECT_EQ(j["chain"].size(), 3u);
}

TEST_F(PkiPolicyTest, SpecificReasonsForExpiredNotYetValidUnknownIssuerAndWrongUsage) {
  standard_setup();
  const std::int64_t year = 366LL * 86400 * 1000;
  const auto leaf = policy_world().cert("leaf");
  EXPECT_EQ(verify("leaf", "default", leaf.not_after_ms() + 1000).reason, ValidationReason::expired);
  EXPECT_EQ(verify("leaf", "default", leaf.not_before_ms() - year).reason, ValidationReason::not_yet_valid);
  EXPECT_EQ(verify("stray_leaf").reason, ValidationReason::unknown_issuer);
  EXPECT_EQ(verify("enc").reason, ValidationReason::wrong_usage);
  auto none = svc_->verify({"nope", leaf.der(), std::nullopt});
  ASSERT_FALSE(none.ok());
  EXPECT_EQ(none.error().code, Errc::not_found);
  auto garbage = svc_->verify({"default", to_bytes("not a certificate"), std::nullopt});
  ASSERT_FALSE(garbage.ok());
  EXPECT_EQ(garbage.error().code, Errc::bad_encoding);
}

TEST_F(PkiPolicyTest, CachedGoodTurnsRevokedRightAfterCrlUpload) {
  standard_setup();
  EXPECT_TRUE(verify("leaf2").ok);
  EXPECT_TRUE(verify("leaf2").ok);
  EXPECT_GE(svc_->cache_stats().hits, 1u);
  auto info = svc_->upload_crl(policy_world().inter_crl.der(), "", kOp);
  ASSERT_TRUE(info.ok()) << info.error().to_string();
  EXPECT_EQ(info->ca_fingerprint, policy_world().fp("inter"));
  EXPECT_EQ(info->revoked, 1u);
  auto r = verify("leaf2");
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.reason, ValidationReason::revoked);
  ASSERT_TRUE(r.revocation.has_value());
  EXPECT_EQ(r.revocation->reason, pki::CrlReason::key_compromise);
  EXPECT_GT(r.revocation->revocation_ms, 0);
  nlohmann::json j = to_json(r);
  EXPECT_EQ(j["revocation"]["reason"], "keyCompromise");
  EXPECT_TRUE(verify("leaf").ok);  // not on the CRL
  ASSERT_EQ(audit_entries("pki.crl_store").size(), 1u);
  EXPECT_EQ(audit_entries("pki.crl_store")[0].actor, "op1");
}

TEST_F(PkiPolicyTest, CrlFromTheWrongSignerIsRefused) {
  standard_setup();
  // A CRL naming the issuing CA but signed by another key.
  auto& w = policy_world();
  const auto key = pki::test::sm2_key_from_file(w.pki.path("sm2_root.key"));
  const auto now = unix_millis() / 1000 * 1000;
  auto forged = pki::test::build_sm2_crl(w.cert("inter").subject().der(), key, now - 1000, now + 86400000, {}, false);
  auto r = svc_->upload_crl(forged.der(), "", kOp);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, Errc::bad_signature) << r.error().to_string();
  // Named explicitly with the wrong CA: refused as well.
  auto r2 = svc_->upload_crl(w.inter_crl.der(), w.fp("sm2_root"), kOp);
  ASSERT_FALSE(r2.ok());
  EXPECT_NE(r2.error().code, Errc::internal);
  // No stored CA of that name at all.
  auto r3 = svc_->upload_crl(pki::test::build_sm2_crl(w.cert("stray").subject().der(), key, now, now + 1000, {}, false).der(),
                             "", kOp);
  ASSERT_FALSE(r3.ok());
  EXPECT_EQ(r3.error().code, Errc::not_found);
  auto garbage = svc_->upload_crl(to_bytes("junk"), "", kOp);
  ASSERT_FALSE(garbage.ok());
  EXPECT_EQ(garbage.error().code, Errc::bad_encoding);
  EXPECT_GE(audit_entries("pki.crl_upload").size(), 3u);
  EXPECT_TRUE(svc_->crls().empty());
}

TEST_F(PkiPolicyTest, OlderCrlDoesNotReplaceANewerOne) {
  standard_setup();
  ASSERT_TRUE(svc_->upload_crl(policy_world().inter_crl.der(), "", kOp).ok());
  auto older = svc_->upload_crl(policy_world().inter_crl_empty.der(), "", kOp);
  ASSERT_FALSE(older.ok());
  EXPECT_EQ(older.error().code, Errc::conflict);
  EXPECT_EQ(verify("leaf2").reason, ValidationReason::revoked);
}

TEST_F(PkiPolicyTest, FailClosedRefusesWithoutCrlAndSoftFailAccepts) {
  standard_setup(pki::RevocationMode::crl_required);
  EXPECT_EQ(verify("leaf").reason, ValidationReason::crl_unavailable);
  ASSERT_TRUE(svc_->put_policy({"lenient", "", {"staff"}, CrlFailure::soft_fail}, true, kOp).ok());
  EXPECT_TRUE(verify("leaf", "lenient").ok);
  ASSERT_TRUE(svc_->put_policy({"strict", "", {"staff"}, CrlFailure::fail_closed}, true, kOp).ok());
  ASSERT_TRUE(svc_->upload_crl(policy_world().inter_crl.der(), "", kOp).ok());
  // The RSA root has no CRL: the issuing CA's own certificate cannot be checked, fail closed.
  EXPECT_EQ(verify("leaf", "strict").reason, ValidationReason::crl_unavailable);
  // Past the CRL's nextUpdate: stale, fail closed refuses, soft fail still refuses the revoked one.
  const std::int64_t stale = *policy_world().inter_crl.next_update_ms() + 3600 * 1000;
  EXPECT_EQ(verify("leaf", "strict", stale).reason, ValidationReason::crl_unavailable);
  EXPECT_EQ(verify("leaf2", "lenient", stale).reason, ValidationReason::revoked);
}

TEST_F(PkiPolicyTest, WhitelistAcceptsOnlyListedCertificates) {
  standard_setup(pki::RevocationMode::crl_best_effort, ListMode::whitelist);
  EXPECT_EQ(verify("leaf").reason, ValidationReason::not_whitelisted);
  auto fp = svc_->add_to_list("staff", policy_world().pem("leaf"), kOp);
  ASSERT_TRUE(fp.ok()) << fp.error().to_string();
  EXPECT_TRUE(verify("leaf").ok);
  EXPECT_EQ(verify("sm2_leaf").reason, ValidationReason::not_whitelisted);
  ASSERT_TRUE(svc_->remove_from_list("staff", *fp, kOp).ok());
  EXPECT_EQ(verify("leaf").reason, ValidationReason::not_whitelisted);
}

TEST_F(PkiPolicyTest, BlacklistRefusesListedCertificatesOnTopOfCrls) {
  standard_setup(pki::RevocationMode::crl_best_effort, ListMode::blacklist);
  EXPECT_TRUE(verify("leaf").ok);
  ASSERT_TRUE(svc_->add_to_list("staff", to_bytes(policy_world().fp("leaf")), kOp).ok());
  EXPECT_EQ(verify("leaf").reason, ValidationReason::blacklisted);
  EXPECT_TRUE(verify("sm2_leaf").ok);
  auto bad = svc_->add_to_list("staff", to_bytes("abc"), kOp);
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().code, Errc::bad_encoding);
  auto entries = audit_entries("pki.list_add");
  ASSERT_EQ(entries.size(), 1u);
  EXPECT_EQ(entries[0].actor, "op1");
  EXPECT_EQ(entries[0].source, "127.0.0.1");
}

TEST_F(PkiPolicyTest, PoliciesCombineProjectsAndAnchorChangesTakeEffectAtOnce) {
  standard_setup();
  auto& w = policy_world();
  ASSERT_TRUE(svc_->add_certificates("anchor", w.pem("stray"), kOp).ok());
  PkiProject devices;
  devices.name = "devices";
  devices.anchors = {w.fp("stray")};
  ASSERT_TRUE(svc_->put_project(devices, true, kOp).ok());
  EXPECT_EQ(verify("stray_leaf").reason, ValidationReason::unknown_issuer);
  ASSERT_TRUE(svc_->put_policy({"default", "", {"staff", "devices"}, CrlFailure::project}, false, kOp).ok());
  auto r = verify("stray_leaf");
  EXPECT_TRUE(r.ok) << r.detail;
  EXPECT_EQ(r.project, "devices");
  // Removing the anchor from the project refuses at once (the cached answer is gone).
  devices.anchors.clear();
  ASSERT_TRUE(svc_->put_project(devices, false, kOp).ok());
  EXPECT_EQ(verify("stray_leaf").reason, ValidationReason::unknown_issuer);
  // Still in use: the project cannot go while a policy names it; the anchor can go now.
  auto rm = svc_->remove_project("devices", kOp);
  ASSERT_FALSE(rm.ok());
  EXPECT_EQ(rm.error().code, Errc::conflict);
  EXPECT_TRUE(svc_->remove_certificate("anchor", w.fp("stray"), kOp).ok());
  auto in_use = svc_->remove_certificate("anchor", w.fp("root"), kOp);
  ASSERT_FALSE(in_use.ok());
  EXPECT_EQ(in_use.error().code, Errc::conflict);
  auto not_ca = svc_->add_certificates("anchor", w.pem("leaf"), kOp);
  ASSERT_FALSE(not_ca.ok());
  EXPECT_EQ(not_ca.error().code, Errc::invalid_argument);
  EXPECT_EQ(audit_entries("pki.project_create").size(), 2u);
  EXPECT_EQ(audit_entries("pki.policy_update").size(), 1u);
}

TEST_F(PkiPolicyTest, ConfigurationPersistsAndAnotherInstanceSeesChanges) {
  standard_setup();
  ASSERT_TRUE(svc_->upload_crl(policy_world().inter_crl.der(), "", kOp).ok());
  auto other = PkiPolicyService::open(*db_, *audit_).value();
  EXPECT_EQ(other->projects().size(), 1u);
  EXPECT_EQ(other->crls().size(), 1u);
  auto r = other->verify({"default", policy_world().cert("leaf2").der(), std::nullopt});
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->reason, ValidationReason::revoked);
  // A change through the first instance reaches the second at its next timer tick.
  ASSERT_TRUE(svc_->put_policy({"second", "", {"staff"}, CrlFailure::project}, true, kOp).ok());
  EXPECT_FALSE(other->policy("second").ok());
  other->run_due_crl_fetches(unix_millis());
  EXPECT_TRUE(other->policy("second").ok());
}

TEST_F(PkiPolicyTest, ScheduledFetchOverHttpRecordsStatusAndNextFetch) {
  standard_setup();
  pki::test::CrlTestServer server;
  server.set(pki::test::CrlTestServer::Mode::serve, policy_world().inter_crl.der());
  CrlSource s;
  s.ca_fingerprint = policy_world().fp("inter");
  s.url = server.url();
  s.interval_s = 600;
  s.timeout_ms = 1000;
  auto added = svc_->add_crl_source(s, kOp);
  ASSERT_TRUE(added.ok()) << added.error().to_string();
  EXPECT_TRUE(verify("leaf2").ok);
  const std::int64_t now = unix_millis();
  EXPECT_EQ(svc_->run_due_crl_fetches(now), 1);
  auto after = svc_->crl_source(added->id).value();
  EXPECT_EQ(after.last_status, "ok") << after.last_error;
  EXPECT_EQ(after.last_fetch_at, now);
  EXPECT_EQ(after.next_fetch_at, now + 600 * 1000);
  EXPECT_EQ(after.crl_next_update, *policy_world().inter_crl.next_update_ms());
  EXPECT_EQ(verify("leaf2").reason, ValidationReason::revoked);
  EXPECT_EQ(svc_->run_due_crl_fetches(now + 1000), 0);  // not due yet
  EXPECT_EQ(server.requests(), 1);
  // Fetching the same CRL again changes nothing.
  auto again = svc_->fetch_crl_source(added->id, now + 2000, kOp);
  ASSERT_TRUE(again.ok()) << again.error().to_string();
  EXPECT_EQ(again->last_status, "ok");
  auto fetches = audit_entries("pki.crl_fetch");
  ASSERT_EQ(fetches.size(), 2u);
  EXPECT_TRUE(std::any_of(fetches.begin(), fetches.end(), [](auto& e) { return e.actor == "system"; }));
  EXPECT_TRUE(std::any_of(fetches.begin(), fetches.end(), [](auto& e) { return e.actor == "op1"; }));
}

TEST_F(PkiPolicyTest, TimerFetchesDueSourcesUntilStopped) {
  standard_setup();
  pki::test::CrlTestServer server;
  server.set(pki::test::CrlTestServer::Mode::serve, policy_world().inter_crl.der());
  CrlSource s;
  s.ca_fingerprint = policy_world().fp("inter");
  s.url = server.url();
  s.timeout_ms = 1000;
  auto added = svc_->add_crl_source(s, kOp).value();
  {
    CrlFetchTimer timer(*svc_, 20);
    for (int i = 0; i < 200 && svc_->crl_source(added.id).value().last_status == "never"; ++i)
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  EXPECT_EQ(svc_->crl_source(added.id).value().last_status, "ok");
  EXPECT_EQ(server.requests(), 1);  // the next fetch is an interval away
  EXPECT_EQ(verify("leaf2").reason, ValidationReason::revoked);
}

TEST_F(PkiPolicyTest, HangingSourceIsRecordedAsErrorWithinItsTimeout) {
  standard_setup();
  pki::test::CrlTestServer server;
  server.set(pki::test::CrlTestServer::Mode::hang);
  CrlSource s;
  s.ca_fingerprint = policy_world().fp("inter");
  s.url = server.url();
  s.timeout_ms = 300;
  auto added = svc_->add_crl_source(s, kOp).value();
  const auto t0 = std::chrono::steady_clock::now();
  auto r = svc_->fetch_crl_source(added.id, unix_millis(), kOp);
  const auto ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - t0).count();
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, Errc::crl_fetch_timeout);
  EXPECT_LT(ms, 1500);
  auto after = svc_->crl_source(added.id).value();
  EXPECT_EQ(after.last_status, "error");
  EXPECT_NE(after.last_error.find("crl_fetch_timeout"), std::string::npos) << after.last_error;
  EXPECT_EQ(after.next_fetch_at, after.last_fetch_at + 300 * 1000);  // retried sooner than the interval
}

TEST_F(PkiPolicyTest, LdapSourceFetchesFromSlapd) {
  pki::test::SlapdServer slapd;
  if (!slapd.available()) GTEST_SKIP() << "LDAP test skipped: " << slapd.why();
  standard_setup();
  CrlSource s;
  s.ca_fingerprint = policy_world().fp("inter");
  s.url = slapd.put_crl("NHC Issuing CA", policy_world().inter_crl_der_file);
  s.timeout_ms = 3000;
  auto added = svc_->add_crl_source(s, kOp);
  ASSERT_TRUE(added.ok()) << added.error().to_string();
  auto r = svc_->fetch_crl_source(added->id, unix_millis(), kOp);
  ASSERT_TRUE(r.ok()) << r.error().to_string();
  EXPECT_EQ(r->last_status, "ok");
  EXPECT_EQ(verify("leaf2").reason, ValidationReason::revoked);
}

TEST_F(PkiPolicyTest, CrlSourceValidation) {
  standard_setup();
  CrlSource s;
  s.ca_fingerprint = policy_world().fp("inter");
  s.url = "ftp://x/y";
  EXPECT_EQ(svc_->add_crl_source(s, kOp).error().code, Errc::invalid_argument);
  s.url = "http://127.0.0.1/x.crl";
  s.interval_s = 5;
  EXPECT_EQ(svc_->add_crl_source(s, kOp).error().code, Errc::invalid_argument);
  s.interval_s = 3600;
  s.ca_fingerprint = policy_world().fp("leaf");
  EXPECT_EQ(svc_->add_crl_source(s, kOp).error().code, Errc::not_found);
  s.ca_fingerprint = policy_world().fp("inter");
  auto ok = svc_->add_crl_source(s, kOp);
  ASSERT_TRUE(ok.ok());
  auto rm = svc_->remove_certificate("intermediate", policy_world().fp("inter"), kOp);
  EXPECT_EQ(rm.error().code, Errc::conflict);
  EXPECT_TRUE(svc_->remove_crl_source(ok->id, kOp).ok());
  EXPECT_EQ(svc_->crl_source(ok->id).error().code, Errc::not_found);
}

}  // namespace
}  // namespace medsign::services
