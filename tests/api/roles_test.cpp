// The full role × action matrix over the API: every role tries every administrative action; allowed ones
// succeed, the others get 403 and are recorded in the audit log.
#include <gtest/gtest.h>

#include <set>

#include "harness.h"

namespace medsign::test {
namespace {

struct Case {
  std::string name;
  http::verb method;
  std::string target;
  json body;
  std::set<std::string> allowed;  // roles
};

TEST(RoleMatrix, EveryRoleGetsExactlyItsPermissions) {
  TestServer server;
  auto sys = server.login("sysadmin");
  auto aud_admin = server.login("auditadmin");
  auto op = server.create_and_login(sys, "op1", "operator");
  auto auditor = server.create_and_login(aud_admin, "aud1", "auditor");
  std::map<std::string, Client*> clients = {
      {"sysadmin", &sys}, {"operator", &op}, {"audit_admin", &aud_admin}, {"auditor", &auditor}};

  auto ids = server.platform().accounts->list(nullptr);
  ASSERT_TRUE(ids.ok());
  std::map<std::string, std::int64_t> id_of;
  for (auto& a : *ids) id_of[a.username] = a.id;
  // Spare accounts to act on, so no case locks out a client of the test.
  ASSERT_EQ(sys.post("/api/v1/accounts", {{"username", "op2"}, {"role", "operator"}}).status, 201);
  ASSERT_EQ(aud_admin.post("/api/v1/accounts", {{"username", "aud2"}, {"role", "auditor"}}).status, 201);
  auto ids2 = server.platform().accounts->list(nullptr);
  for (auto& a : *ids2) id_of[a.username] = a.id;
  std::string op2 = std::to_string(id_of["op2"]), aud2 = std::to_string(id_of["aud2"]);
  auto settings = sys.get("/api/v1/system/settings");
  ASSERT_EQ(settings.status, 200);

  int n = 0;
  std::vector<Case> cases = {
      {"list accounts", http::verb::get, "/api/v1/accounts", nullptr, {"sysadmin", "audit_admin"}},
      {"create operator", http::verb::post, "/api/v1/accounts", json{{"role", "operator"}}, {"sysadmin"}},
      {"create auditor", http::verb::post, "/api/v1/accounts", json{{"role", "auditor"}}, {"audit_admin"}},
      {"create sysadmin", http::verb::post, "/api/v1/accounts", json{{"role", "sysadmin"}}, {"sysadmin"}},
      {"create audit admin", http::verb::post, "/api/v1/accounts", json{{"role", "audit_admin"}}, {"audit_admin"}},
      {"lock operator", http::verb::post, "/api/v1/accounts/" + op2 + "/lock", json::object(), {"sysadmin"}},
      {"unlock operator", http::verb::post, "/api/v1/accounts/" + op2 + "/unlock", json::object(), {"sysadmin"}},
      {"reset operator", http::verb::post, "/api/v1/accounts/" + op2 + "/reset-password", json::object(), {"sysadmin"}},
      {"lock auditor", http::verb::post, "/api/v1/accounts/" + aud2 + "/lock", json::object(), {"audit_admin"}},
      {"unlock auditor", http::verb::post, "/api/v1/accounts/" + aud2 + "/unlock", json::object(), {"audit_admin"}},
      {"reset auditor", http::verb::post, "/api/v1/accounts/" + aud2 + "/reset-password", json::object(), {"audit_admin"}},
      {"operator to sysadmin", http::verb::put, "/api/v1/accounts/" + op2 + "/role", json{{"role", "operator"}}, {"sysadmin"}},
      {"auditor role", http::verb::put, "/api/v1/accounts/" + aud2 + "/role", json{{"role", "auditor"}}, {"audit_admin"}},
      {"system status", http::verb::get, "/api/v1/system/status", nullptr, {"sysadmin", "operator", "audit_admin", "auditor"}},
      {"time status", http::verb::get, "/api/v1/time/status", nullptr, {"sysadmin", "operator", "audit_admin", "auditor"}},
      {"permissions", http::verb::get, "/api/v1/system/permissions", nullptr, {"sysadmin", "operator", "audit_admin", "auditor"}},
      {"read config", http::verb::get, "/api/v1/system/config", nullptr, {"sysadmin"}},
      {"export settings", http::verb::get, "/api/v1/system/settings", nullptr, {"sysadmin"}},
      {"import settings", http::verb::put, "/api/v1/system/settings", settings.body, {"sysadmin"}},
      {"backup", http::verb::post, "/api/v1/system/backup", json{{"passphrase", "backup-pass-1"}}, {"sysadmin"}},
      {"list keys", http::verb::get, "/api/v1/keys", nullptr, {"operator"}},
      {"read audit", http::verb::get, "/api/v1/audit", nullptr, {"auditor", "audit_admin"}},
      {"export audit", http::verb::get, "/api/v1/audit/export", nullptr, {"auditor", "audit_admin"}},
      {"verify audit", http::verb::get, "/api/v1/audit/verify", nullptr, {"auditor", "audit_admin"}},
      {"review audit", http::verb::post, "/api/v1/audit/{seq}/review", json{{"note", "ok"}}, {"auditor"}},
  };
  for (auto& c : cases) {
    for (auto& [role, client] : clients) {
      SCOPED_TRACE(c.name + " as " + role);
      std::string target = c.target;
      json body = c.body;
      if (c.name.starts_with("create")) body["username"] = "u" + std::to_string(++n);
      if (target.find("{seq}") != std::string::npos) {
        auto seq = server.platform().audit->record({"test", "system", "test.event", "x", "success", "test", ""});
        target.replace(target.find("{seq}"), 5, std::to_string(*seq));
      }
      Response r;
      if (c.method == http::verb::get) r = client->get(target);
      else if (body.is_string()) r = client->request(c.method, target, body.get<std::string>(), "application/toml");
      else r = client->request(c.method, target, body.is_null() ? "" : body.dump());
      bool expect_ok = c.allowed.count(role) > 0;
      if (expect_ok) {
        EXPECT_GE(r.status, 200) << r.body;
        EXPECT_LT(r.status, 300) << r.body;
      } else {
        EXPECT_EQ(r.status, 403) << r.body;
        EXPECT_EQ(r.error_code(), "forbidden") << r.body;
      }
    }
  }
  // Denials were audited, and nobody can remove audit entries: no route exists for it.
  auto denied = server.platform().db->query("SELECT COUNT(*) FROM audit_log WHERE result = 'denied'");
  ASSERT_TRUE(denied.ok());
  EXPECT_GE((*denied)[0].int64(0), 40);
  for (auto& [role, client] : clients) {
    auto del = client->request(http::verb::delete_, "/api/v1/audit/1");
    EXPECT_TRUE(del.status == 404 || del.status == 405) << role;
    auto put = client->request(http::verb::put, "/api/v1/audit/1", "{}");
    EXPECT_TRUE(put.status == 404 || put.status == 405) << role;
  }
}

TEST(RoleMatrix, AdministratorsCannotActOnTheirOwnAccount) {
  TestServer server;
  auto sys = server.login("sysadmin");
  auto me = server.platform().accounts->find("sysadmin");
  auto r = sys.post("/api/v1/accounts/" + std::to_string(me->id) + "/reset-password", json::object());
  EXPECT_EQ(r.status, 403);
}

}  // namespace
}  // namespace medsign::test
