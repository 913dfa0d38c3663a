// A seal's state history (table seal_events, GET /api/v1/seals/{id}/history, `medsign seal history`): the
// lifecycle and grants produce their events in order with actor, states and reason; refused changes add
// none; a change whose event cannot be written is undone as a whole; seals made before migration 12 (or
// restored from an older backup) start with one "made" event.
#include <algorithm>

#include <gtest/gtest.h>

#include "harness.h"
#include "services/schema.h"
#include "store/database.h"

namespace medsign::test {
namespace {
namespace fs = std::filesystem;
const std::string kBin = MEDSIGN_BINARY;

class SealHistoryTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    server_ = new TestServer();
    work_ = make_temp_dir("seal-history");
    sys_ = new Client(server_->login("sysadmin"));
    op_ = new Client(server_->create_and_login(*sys_, "histop", "operator"));
  }
  static void TearDownTestSuite() {
    delete op_;
    delete sys_;
    delete server_;
    fs::remove_all(work_);
  }
  // A seal bound to sm2-sign with a small picture; made only, or active.
  static std::string make_seal(const std::string& name, bool activate) {
    auto r = op_->post("/api/v1/seals", {{"name", name},
                                         {"owner", "History 医院"},
                                         {"keys", {"sm2-sign"}},
                                         {"activate", activate},
                                         {"template", {{"kind", "round"}, {"dpi", 150}}}});
    EXPECT_EQ(r.status, 201) << r.body;
    return r.j().value("id", "");
  }
  static json history(const std::string& id) {
    auto r = op_->get("/api/v1/seals/" + id + "/history");
    EXPECT_EQ(r.status, 200) << r.body;
    return r.j();
  }
  static std::vector<std::string> actions(const std::string& id) {
    std::vector<std::string> out;
    const json h = history(id);
    for (const auto& e : h["items"]) out.push_back(e["action"]);
    return out;
  }
  static std::string state_of(const std::string& id) { return op_->get("/api/v1/seals/" + id).j()["state"]; }
  static inline TestServer* server_ = nullptr;
  static inline fs::path work_;
  static inline Client* sys_ = nullptr;
  static inline Client* op_ = nullptr;
};

TEST_F(SealHistoryTest, LifecycleAndGrantsProduceEventsInOrderWithActorStatesAndReason) {
  const std::string id = make_seal("History 甲", false);
  const std::string base = "/api/v1/seals/" + id;
  auto user = op_->post("/api/v1/seals/users", {{"display_name", "赵六"}});
  ASSERT_EQ(user.status, 201) << user.body;
  const std::string uid = user.j()["id"];
  ASSERT_EQ(op_->post(base + "/activate", json::object()).status, 200);
  ASSERT_EQ(op_->post(base + "/grants", {{"user_id", uid}}).status, 201);
  ASSERT_EQ(op_->post(base + "/suspend", {{"reason", "keeper on leave"}}).status, 200);
  ASSERT_EQ(op_->post(base + "/resume", json::object()).status, 200);
  ASSERT_EQ(op_->request(http::verb::delete_, base + "/grants/" + uid).status, 200);
  ASSERT_EQ(op_->post(base + "/revoke", {{"reason", "department merged"}}).status, 200);

  const json h = history(id);
  EXPECT_EQ(h["seal_id"], id);
  const json& items = h["items"];
  ASSERT_EQ(items.size(), 7u) << h.dump();
  struct Want {
    const char *action, *from, *to, *reason;
  };
  const Want want[] = {{"made", nullptr, "made", ""},
                       {"activated", "made", "active", ""},
                       {"granted", "active", "active", ""},
                       {"suspended", "active", "suspended", "keeper on leave"},
                       {"resumed", "suspended", "active", ""},
                       {"grant_withdrawn", "active", "active", ""},
                       {"revoked", "active", "revoked", "department merged"}};
  std::string last_at;
  for (std::size_t i = 0; i < items.size(); ++i) {
    const json& e = items[i];
    SCOPED_TRACE(e.dump());
    EXPECT_EQ(e["seq"], static_cast<int>(i) + 1);
    EXPECT_EQ(e["action"], want[i].action);
    if (want[i].from) EXPECT_EQ(e["from_state"], want[i].from);
    else EXPECT_TRUE(e["from_state"].is_null());
    EXPECT_EQ(e["to_state"], want[i].to);
    EXPECT_EQ(e["reason"], want[i].reason);
    EXPECT_EQ(e["actor"], "histop");
    EXPECT_EQ(e["source"], "127.0.0.1");
    const std::string at = e["at"];
    EXPECT_GE(at, last_at);  // ISO 8601 UTC with milliseconds sorts as text
    last_at = at;
  }
  EXPECT_EQ(items[2]["user"]["id"], uid);
  EXPECT_EQ(items[2]["user"]["display_name"], "赵六");
  EXPECT_EQ(items[5]["user"]["id"], uid);
  EXPECT_FALSE(items[0].contains("user"));

  // Made and activated in one request: two events.
  const std::string both = make_seal("History 乙", true);
  EXPECT_EQ(actions(both), (std::vector<std::string>{"made", "activated"}));
}

TEST_F(SealHistoryTest, RefusedChangesAddNoEvent) {
  const std::string id = make_seal("History 丙", true);
  const std::string base = "/api/v1/seals/" + id;
  auto user = op_->post("/api/v1/seals/users", {{"display_name", "钱七"}});
  const std::string uid = user.j()["id"];
  ASSERT_EQ(op_->post(base + "/grants", {{"user_id", uid}}).status, 201);
  const std::size_t before = actions(id).size();
  ASSERT_EQ(before, 3u);

  auto dup = op_->post(base + "/grants", {{"user_id", uid}});
  EXPECT_EQ(dup.status, 409) << dup.body;
  EXPECT_EQ(op_->post(base + "/grants", {{"user_id", "user-000000000000"}}).status, 404);
  EXPECT_EQ(op_->request(http::verb::delete_, base + "/grants/user-000000000000").status, 404);
  EXPECT_EQ(op_->post(base + "/activate", json::object()).error_code(), "seal_state_invalid");
  EXPECT_EQ(op_->post(base + "/resume", json::object()).error_code(), "seal_state_invalid");
  EXPECT_EQ(op_->post(base + "/suspend", json::object()).error_code(), "missing_field");
  EXPECT_EQ(op_->post(base + "/suspend", {{"reason", std::string(501, 'x')}}).error_code(), "invalid_argument");
  EXPECT_EQ(actions(id).size(), before);

  ASSERT_EQ(op_->post(base + "/revoke", {{"reason", "lost"}}).status, 200);
  auto again = op_->post(base + "/revoke", {{"reason", "lost twice"}});
  EXPECT_EQ(again.status, 409);
  EXPECT_EQ(again.error_code(), "seal_state_invalid");
  EXPECT_EQ(op_->post(base + "/resume", json::object()).status, 409);
  EXPECT_EQ(op_->post(base + "/grants", {{"user_id", uid}}).status, 409);  // revoked: no new grants
  const json h = history(id);
  ASSERT_EQ(h["items"].size(), before + 1);
  EXPECT_EQ(h["items"].back()["action"], "revoked");
  EXPECT_EQ(h["items"].back()["reason"], "lost");
  // The refused revoke is on record in the audit log, not in the history.
  auto failed = server_->platform().db->query(
      "SELECT COUNT(*) FROM audit_log WHERE action = 'seal.revoke' AND target = ? AND result = 'failure'", {id});
  EXPECT_EQ(failed->at(0).int64(0), 1);

  auto missing = op_->get("/api/v1/seals/seal-0000000000000000/history");
  EXPECT_EQ(missing.status, 404);
  EXPECT_EQ(missing.error_code(), "not_found");
}

TEST_F(SealHistoryTest, ChangeWhoseEventCannotBeWrittenIsUndoneAsAWhole) {
  const std::string id = make_seal("History 丁", true);
  auto& db = *server_->platform().db;
  // A trigger refuses the "suspended" event: the suspension must not happen without its history entry.
  if (using_postgres()) {
    ASSERT_TRUE(db.exec("CREATE FUNCTION refuse_suspended_event() RETURNS trigger LANGUAGE plpgsql AS "
                        "$$ BEGIN IF NEW.action = 'suspended' THEN RAISE EXCEPTION 'event refused'; END IF; "
                        "RETURN NEW; END $$").ok());
    ASSERT_TRUE(db.exec("CREATE TRIGGER refuse_suspended BEFORE INSERT ON seal_events FOR EACH ROW "
                        "EXECUTE FUNCTION refuse_suspended_event()").ok());
  } else {
    ASSERT_TRUE(db.exec("CREATE TRIGGER refuse_suspended BEFORE INSERT ON seal_events WHEN NEW.action = 'suspended' "
                        "BEGIN SELECT RAISE(ABORT, 'event refused'); END").ok());
  }
  auto r = op_->post("/api/v1/seals/" + id + "/suspend", {{"reason", "should not stick"}});
  if (using_postgres()) {
    EXPECT_TRUE(db.exec("DROP TRIGGER refuse_suspended ON seal_events").ok());
    EXPECT_TRUE(db.exec("DROP FUNCTION refuse_suspended_event()").ok());
  } else {
    EXPECT_TRUE(db.exec("DROP TRIGGER refuse_suspended").ok());
  }
  EXPECT_EQ(r.status, 500) << r.body;
  EXPECT_EQ(r.error_code(), "storage_error");
  auto seal = op_->get("/api/v1/seals/" + id).j();
  EXPECT_EQ(seal["state"], "active");
  EXPECT_EQ(seal["state_reason"], "");
  EXPECT_EQ(actions(id), (std::vector<std::string>{"made", "activated"}));
  // With the trigger gone the same change goes through and is recorded.
  ASSERT_EQ(op_->post("/api/v1/seals/" + id + "/suspend", {{"reason", "now it sticks"}}).status, 200);
  EXPECT_EQ(actions(id), (std::vector<std::string>{"made", "activated", "suspended"}));
}

TEST_F(SealHistoryTest, RemovingASealUserWithdrawsItsGrantsOnRecord) {
  const std::string a = make_seal("History 戊", true);
  const std::string b = make_seal("History 己", true);
  auto user = op_->post("/api/v1/seals/users", {{"display_name", "孙八"}});
  const std::string uid = user.j()["id"];
  for (const auto& id : {a, b}) ASSERT_EQ(op_->post("/api/v1/seals/" + id + "/grants", {{"user_id", uid}}).status, 201);
  ASSERT_EQ(op_->request(http::verb::delete_, "/api/v1/seals/users/" + uid).status, 200);
  for (const auto& id : {a, b}) {
    const json h = history(id);
    ASSERT_EQ(h["items"].size(), 4u) << h.dump();
    const json& last = h["items"][3];
    EXPECT_EQ(last["action"], "grant_withdrawn");
    EXPECT_EQ(last["reason"], "seal user removed");
    EXPECT_EQ(last["user"]["display_name"], "孙八");
    EXPECT_EQ(last["from_state"], "active");
  }
  EXPECT_EQ(op_->request(http::verb::delete_, "/api/v1/seals/users/" + uid).status, 404);
}

// A seal restored from a backup taken before migration 12 has no events: its history starts with the same
// "made" event the migration writes, shown at once and stored with the next change.
TEST_F(SealHistoryTest, SealWithoutHistoryStartsWithItsMadeEvent) {
  const std::string id = make_seal("History 壬", true);
  ASSERT_TRUE(server_->platform().db->exec("DELETE FROM seal_events WHERE seal_id = ?", {id}).ok());
  json h = history(id);
  ASSERT_EQ(h["items"].size(), 1u) << h.dump();
  EXPECT_EQ(h["items"][0]["action"], "made");
  EXPECT_EQ(h["items"][0]["source"], "migration");
  EXPECT_EQ(h["items"][0]["actor"], "histop");
  const json made = h["items"][0];
  ASSERT_EQ(op_->post("/api/v1/seals/" + id + "/suspend", {{"reason", "after restore"}}).status, 200);
  h = history(id);
  ASSERT_EQ(h["items"].size(), 2u) << h.dump();
  EXPECT_EQ(h["items"][0], made);
  EXPECT_EQ(h["items"][1]["seq"], 2);
  EXPECT_EQ(h["items"][1]["action"], "suspended");
  EXPECT_EQ(h["items"][1]["from_state"], "active");
}

TEST_F(SealHistoryTest, OnlyOperatorsReadHistory) {
  const std::string id = make_seal("History 庚", false);
  auto r = sys_->get("/api/v1/seals/" + id + "/history");
  EXPECT_EQ(r.status, 403);
  EXPECT_EQ(r.error_code(), "forbidden");
  EXPECT_EQ(server_->client().get("/api/v1/seals/" + id + "/history").status, 401);
}

TEST_F(SealHistoryTest, CliPrintsTheHistoryAsTextAndJson) {
  const std::string data = " --data " + server_->data_dir().string();
  const std::string id = make_seal("History 辛", true);
  std::string out;
  ASSERT_EQ(run_command(kBin + " seal suspend " + id + " --reason 'audit check'" + data, &out), 0) << out;
  ASSERT_EQ(run_command(kBin + " seal history " + id + " --json" + data, &out), 0) << out;
  json h = json::parse(out.substr(out.find('{')));
  EXPECT_EQ(h["seal_id"], id);
  ASSERT_EQ(h["items"].size(), 3u) << out;
  EXPECT_EQ(h["items"][2]["action"], "suspended");
  EXPECT_EQ(h["items"][2]["actor"], "cli");
  EXPECT_EQ(h["items"][2]["source"], "cli");
  EXPECT_EQ(h["items"][2]["reason"], "audit check");
  EXPECT_EQ(h["items"][0]["actor"], "histop");
  ASSERT_EQ(run_command(kBin + " seal history " + id + data, &out), 0) << out;
  EXPECT_NE(out.find("suspended  active -> suspended  by cli  reason: audit check"), std::string::npos) << out;
  EXPECT_NE(out.find("made  - -> made  by histop"), std::string::npos) << out;
  EXPECT_EQ(run_command(kBin + " seal history seal-0000000000000000" + data, &out), 1) << out;
  EXPECT_NE(out.find("error: no seal seal-0000000000000000"), std::string::npos) << out;
}

// The migration itself, on a SQLite file of its own: a seal stored under migration 11 gets one "made" event
// with its creation time and maker when migration 12 runs.
TEST(SealHistoryMigration, SealsMadeBeforeTheHistoryGetOneMadeEvent) {
  const fs::path dir = make_temp_dir("seal-history-migration");
  store::DatabaseConfig cfg;
  cfg.sqlite_path = dir / "m.db";
  auto db = store::Database::open(cfg);
  ASSERT_TRUE(db.ok()) << db.error().to_string();
  const auto all = services::migrations();
  const auto upto11 = std::find_if(all.begin(), all.end(), [](const store::Migration& m) { return m.version > 11; });
  ASSERT_NE(upto11, all.end());
  ASSERT_EQ(upto11->version, 12);
  ASSERT_TRUE((*db)->migrate(std::span<const store::Migration>(all.begin(), upto11)).ok());
  ASSERT_TRUE((*db)->exec("INSERT INTO seals (id, name, type, owner, version, state, state_reason, docmdp, width_mm, "
                          "height_mm, valid_start, valid_end, created_by, created_at, updated_at, eseal, picture) "
                          "VALUES ('seal-old', 'old', 1, 'o', 4, 'suspended', 'r', 0, 40, 40, 0, 1, 'maker', "
                          "1700000000123, 1700000009999, x'30', x'89')")
                  .ok());
  ASSERT_TRUE((*db)->migrate(all).ok());
  EXPECT_EQ((*db)->schema_version().value_or(0), all.back().version);
  auto rows = (*db)->query("SELECT seq, ts, actor, source, action, from_state, to_state FROM seal_events "
                           "WHERE seal_id = 'seal-old'");
  ASSERT_TRUE(rows.ok()) << rows.error().to_string();
  ASSERT_EQ(rows->size(), 1u);
  const auto& r = rows->at(0);
  EXPECT_EQ(r.int64(0), 1);
  EXPECT_EQ(r.int64(1), 1700000000123);
  EXPECT_EQ(r.text(2), "maker");
  EXPECT_EQ(r.text(3), "migration");
  EXPECT_EQ(r.text(4), "made");
  EXPECT_EQ(r.text(5), "");
  EXPECT_EQ(r.text(6), "made");
  db->reset();
  fs::remove_all(dir);
}

}  // namespace
}  // namespace medsign::test
