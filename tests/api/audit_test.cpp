// Audit log over the API: query, paging, review, CSV export and chain verification with tampering.
#include <gtest/gtest.h>

#include "harness.h"

namespace medsign::test {
namespace {

class AuditApiTest : public ::testing::Test {
 protected:
  void SetUp() override {
    server_ = std::make_unique<TestServer>();
    auditor_admin_ = std::make_unique<Client>(server_->login("auditadmin"));
    auditor_ = std::make_unique<Client>(server_->create_and_login(*auditor_admin_, "aud1", "auditor"));
  }
  std::unique_ptr<TestServer> server_;
  std::unique_ptr<Client> auditor_admin_, auditor_;
};

TEST_F(AuditApiTest, QueryFiltersAndPages) {
  for (int i = 0; i < 30; ++i)
    ASSERT_TRUE(server_->platform().audit->record({"batch", "system", i % 2 ? "demo.odd" : "demo.even", "t", "success",
                                                   "test", std::to_string(i)}).ok());
  auto all = auditor_->get("/api/v1/audit?actor=batch&page_size=7");
  ASSERT_EQ(all.status, 200) << all.body;
  EXPECT_EQ(all.j()["total"], 30);
  EXPECT_EQ(all.j()["entries"].size(), 7u);
  auto last = auditor_->get("/api/v1/audit?actor=batch&page_size=7&page=5");
  EXPECT_EQ(last.j()["entries"].size(), 2u);
  auto odd = auditor_->get("/api/v1/audit?action=demo.odd");
  EXPECT_EQ(odd.j()["total"], 15);
  auto prefix = auditor_->get("/api/v1/audit?action=demo.*");
  EXPECT_EQ(prefix.j()["total"], 30);
  auto logins = auditor_->get("/api/v1/audit?action=auth.login&result=success");
  EXPECT_GE(logins.j()["total"].get<int>(), 2);
  auto future = auditor_->get("/api/v1/audit?from=2099-01-01T00:00:00Z");
  EXPECT_EQ(future.j()["total"], 0);
  auto bad = auditor_->get("/api/v1/audit?from=yesterday");
  EXPECT_EQ(bad.status, 400);
  EXPECT_EQ(bad.error_code(), "invalid_argument");
}

TEST_F(AuditApiTest, ReviewMarksOnceWithoutChangingTheEntry) {
  auto seq = server_->platform().audit->record({"x", "system", "demo.review", "t", "success", "test", ""});
  ASSERT_TRUE(seq.ok());
  std::string path = "/api/v1/audit/" + std::to_string(*seq) + "/review";
  auto r = auditor_->post(path, {{"note", "checked"}});
  ASSERT_EQ(r.status, 200) << r.body;
  auto again = auditor_->post(path, {{"note", "again"}});
  EXPECT_EQ(again.status, 409);
  EXPECT_EQ(auditor_->post("/api/v1/audit/999999/review", json::object()).status, 404);
  auto reviewed = auditor_->get("/api/v1/audit?action=demo.review&reviewed=true");
  ASSERT_EQ(reviewed.j()["total"], 1);
  EXPECT_EQ(reviewed.j()["entries"][0]["reviewed_by"], "aud1");
  auto v = auditor_->get("/api/v1/audit/verify");
  EXPECT_TRUE(v.j()["ok"].get<bool>()) << v.body;
}

TEST_F(AuditApiTest, CsvExportHasHeaderAndNeutralisesFormulas) {
  ASSERT_TRUE(server_->platform().audit->record({"x", "system", "demo.csv", "=cmd()", "success", "test", "a,\"b\""}).ok());
  auto r = auditor_->get("/api/v1/audit/export?action=demo.csv");
  ASSERT_EQ(r.status, 200);
  EXPECT_NE(r.headers["Content-Type"].find("text/csv"), std::string::npos);
  EXPECT_NE(r.body.find("seq,time,actor,role,action,target,result,source,detail,reviewed_by"), std::string::npos);
  EXPECT_NE(r.body.find("\"'=cmd()\""), std::string::npos) << r.body;
  EXPECT_NE(r.body.find("\"a,\"\"b\"\"\""), std::string::npos) << r.body;
}

TEST_F(AuditApiTest, VerifyNamesTheAlteredEntry) {
  auto ok = auditor_->get("/api/v1/audit/verify");
  ASSERT_TRUE(ok.j()["ok"].get<bool>()) << ok.body;
  auto& db = *server_->platform().db;
  ASSERT_TRUE(db.exec("UPDATE audit_log SET target = 'sysadmiN' WHERE seq = 3").ok());
  auto bad = auditor_->get("/api/v1/audit/verify");
  EXPECT_FALSE(bad.j()["ok"].get<bool>());
  EXPECT_EQ(bad.j()["first_bad_seq"], 3);
  EXPECT_NE(bad.j()["problem"].get<std::string>().find("altered"), std::string::npos);
}

TEST_F(AuditApiTest, VerifyDetectsDeletionAndReordering) {
  auto& db = *server_->platform().db;
  ASSERT_TRUE(db.exec("DELETE FROM audit_log WHERE seq = 2").ok());
  auto del = auditor_->get("/api/v1/audit/verify");
  EXPECT_FALSE(del.j()["ok"].get<bool>());
  EXPECT_EQ(del.j()["first_bad_seq"], 2);
  EXPECT_NE(del.j()["problem"].get<std::string>().find("missing"), std::string::npos);
}

TEST_F(AuditApiTest, RewrittenChainIsCaughtByTheSignedCheckpoint) {
  auto& p = server_->platform();
  // Rewrite entry 1 and re-hash the whole chain as an attacker with database access but no audit key would.
  ASSERT_TRUE(p.db->exec("UPDATE audit_log SET detail = 'forged' WHERE seq = 1").ok());
  auto rows = p.db->query("SELECT seq FROM audit_log ORDER BY seq");
  std::string prev(64, '0');
  for (auto& r : *rows) {
    auto page = p.db->query("SELECT seq, ts, actor, role, action, target, result, source, detail FROM audit_log WHERE seq = ?",
                            {r.int64(0)});
    auto& x = (*page)[0];
    services::AuditEntry e;
    e.seq = x.int64(0);
    e.ts = x.int64(1);
    e.actor = x.text(2);
    e.role = x.text(3);
    e.action = x.text(4);
    e.target = x.text(5);
    e.result = x.text(6);
    e.source = x.text(7);
    e.detail = x.text(8);
    e.prev_hash = prev;
    e.hash = services::AuditLog::entry_hash(e);
    ASSERT_TRUE(p.db->exec("UPDATE audit_log SET prev_hash = ?, hash = ? WHERE seq = ?", {e.prev_hash, e.hash, e.seq}).ok());
    prev = e.hash;
  }
  ASSERT_TRUE(p.db->exec("UPDATE audit_head SET hash = ? WHERE id = 1", {prev}).ok());
  auto checkpoints = p.db->query("SELECT COUNT(*) FROM audit_checkpoints");
  ASSERT_GT((*checkpoints)[0].int64(0), 0) << "the test needs at least one checkpoint";
  auto v = auditor_->get("/api/v1/audit/verify");
  EXPECT_FALSE(v.j()["ok"].get<bool>()) << v.body;
  EXPECT_NE(v.j()["problem"].get<std::string>().find("checkpoint"), std::string::npos) << v.body;
}

}  // namespace
}  // namespace medsign::test
