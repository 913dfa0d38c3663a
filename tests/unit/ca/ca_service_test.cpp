// services::CaService on a real SQLite database and key store: sealed keys, CRL numbers, the publishing
// schedule (republish past half of the validity), revocation visible in the next CRL, audit records.
#include <filesystem>
#include <random>

#include <gtest/gtest.h>

#include "common/clock.h"
#include "services/ca_service.h"
#include "services/schema.h"

namespace medsign::services {
namespace {
namespace fs = std::filesystem;

class CaServiceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("medsign-casvc-" + std::to_string(std::random_device{}()));
    fs::create_directories(dir_);
    keys_ = std::make_unique<crypto::SoftKeyStore>(crypto::SoftKeyStore::create(dir_).value());
    store::DatabaseConfig cfg;
    cfg.sqlite_path = dir_ / "ca.db";
    db_ = store::Database::open(cfg).value();
    ASSERT_TRUE(db_->migrate(migrations()).ok());
    audit_ = std::make_unique<AuditLog>(*db_, nullptr, 1000);
    svc_ = std::make_unique<CaService>(*db_, *keys_, *audit_, "http://127.0.0.1:8080");
  }
  void TearDown() override {
    svc_.reset();
    audit_.reset();
    db_.reset();
    fs::remove_all(dir_);
  }
  std::size_t audits(const std::string& action) {
    AuditQuery q;
    q.action = action;
    q.page_size = 500;
    return audit_->query(q).value().entries.size();
  }
  fs::path dir_;
  std::unique_ptr<crypto::SoftKeyStore> keys_;
  std::unique_ptr<store::Database> db_;
  std::unique_ptr<AuditLog> audit_;
  std::unique_ptr<CaService> svc_;
};

TEST_F(CaServiceTest, CrlsArePublishedOnScheduleAndAfterRevocation) {
  CaCreateRequest req;
  req.name = "root";
  req.subject = "C=CN, CN=Schedule Root";
  req.crl_interval_s = 24 * 3600;
  auto root = svc_->create(req, {});
  ASSERT_TRUE(root.ok()) << root.error().to_string();
  EXPECT_EQ(root->crl_number, 1);
  EXPECT_EQ(root->crl_url, "http://127.0.0.1:8080/crl/root.crl");
  EXPECT_EQ(root->crl_next_update - root->crl_this_update, 24 * 3600 * 1000);
  const std::int64_t t0 = root->crl_this_update;

  // Not due before half of the validity; due after.
  EXPECT_TRUE(svc_->publish_due(t0 + 11 * 3600 * 1000)->empty());
  auto due = svc_->publish_due(t0 + 13 * 3600 * 1000);
  ASSERT_TRUE(due.ok());
  EXPECT_EQ(*due, std::vector<std::string>{"root"});
  EXPECT_EQ(svc_->get("root")->crl_number, 2);
  // The served CRL is the stored one while fresh.
  auto der = svc_->current_crl("root", t0 + 14 * 3600 * 1000).value();
  auto crl = pki::Crl::parse_der(der).value();
  EXPECT_EQ(*crl.crl_number(), Bytes{2});
  EXPECT_TRUE(crl.verify(root->certificate).ok());

  IssueRequest ir;
  ir.ca = "root";
  ir.generate_key = "sm2";
  ir.subject = "CN=Device 1";
  ir.options.profile = ca::Profile::device;
  auto issued = svc_->issue(ir, {"op", "operator", "10.0.0.1"});
  ASSERT_TRUE(issued.ok()) << issued.error().to_string();
  EXPECT_TRUE(issued->key_held);
  auto revoked = svc_->revoke(issued->serial, pki::CrlReason::superseded, {});
  ASSERT_TRUE(revoked.ok()) << revoked.error().to_string();
  EXPECT_EQ(revoked->reason, "superseded");
  auto now_crl = pki::Crl::parse_der(svc_->current_crl("root").value()).value();
  ASSERT_NE(now_crl.find(issued->certificate.serial()), nullptr);
  EXPECT_EQ(now_crl.find(issued->certificate.serial())->reason, pki::CrlReason::superseded);
  EXPECT_EQ(svc_->revoke(issued->serial, pki::CrlReason::unspecified, {}).error().code, Errc::conflict);

  EXPECT_EQ(audits("ca.create"), 1u);
  EXPECT_EQ(audits("ca.issue"), 1u);
  EXPECT_EQ(audits("ca.revoke"), 1u);
  EXPECT_EQ(audits("ca.crl_publish"), 3u);
}

TEST_F(CaServiceTest, KeysAreStoredSealedAndBoundToTheirCa) {
  CaCreateRequest req;
  req.name = "sealed";
  req.subject = "CN=Sealed Root";
  req.algorithm = "rsa-2048";
  ASSERT_TRUE(svc_->create(req, {}).ok());
  auto rows = db_->query("SELECT sealed_key FROM ca_authorities WHERE name = 'sealed'").value();
  Bytes sealed = rows.front().blob(0);
  EXPECT_EQ(std::string(sealed.begin(), sealed.begin() + 7), "MSSEAL2");
  // A sealed key moved to another CA's row does not open there.
  req.name = "other";
  req.subject = "CN=Other Root";
  ASSERT_TRUE(svc_->create(req, {}).ok());
  ASSERT_TRUE(db_->exec("UPDATE ca_authorities SET sealed_key = ? WHERE name = 'other'", {sealed}).ok());
  IssueRequest ir;
  ir.ca = "other";
  ir.generate_key = "sm2";
  ir.subject = "CN=X";
  ir.options.profile = ca::Profile::device;
  EXPECT_EQ(svc_->issue(ir, {}).error().code, Errc::decrypt_failed);
  EXPECT_EQ(svc_->create(req, {}).error().code, Errc::conflict);
  EXPECT_EQ(svc_->get("nosuch").error().code, Errc::not_found);
  EXPECT_EQ(svc_->find("abc").error().code, Errc::not_found);
  EXPECT_EQ(svc_->find("xyz").error().code, Errc::invalid_argument);
}

}  // namespace
}  // namespace medsign::services
