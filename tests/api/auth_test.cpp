// Two-factor login, sessions, CSRF, heartbeat and lockout against a real server.
#include <gtest/gtest.h>

#include "harness.h"

namespace medsign::test {
namespace {

class AuthTest : public ::testing::Test {
 protected:
  void SetUp() override { server_ = std::make_unique<TestServer>(); }
  void TearDown() override { server_.reset(); }

  json challenge(Client& c, const std::string& user) {
    auto r = c.post("/api/v1/auth/challenge", {{"username", user}});
    EXPECT_EQ(r.status, 200) << r.body;
    return r.j();
  }
  Response login(Client& c, const std::string& user, const std::string& pw, const json& ch, const std::string& sig) {
    return c.post("/api/v1/auth/login",
                  {{"username", user}, {"password", pw}, {"challenge_id", ch["challenge_id"]}, {"signature", sig}});
  }
  std::int64_t audit_count(const std::string& action, const std::string& result) {
    auto rows = server_->platform().db->query("SELECT COUNT(*) FROM audit_log WHERE action = ? AND result = ?",
                                              {action, result});
    return rows.ok() && !rows->empty() ? (*rows)[0].int64(0) : -1;
  }
  std::unique_ptr<TestServer> server_;
};

TEST_F(AuthTest, PasswordAndKeySignatureTogetherLogIn) {
  auto c = server_->client();
  auto ch = challenge(c, "sysadmin");
  auto r = login(c, "sysadmin", server_->password("sysadmin"), ch, server_->sign("sysadmin", ch["to_sign"]));
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.j()["role"], "sysadmin");
  EXPECT_TRUE(r.j()["must_change_password"].get<bool>());
  EXPECT_FALSE(c.cookie().empty());
  EXPECT_EQ(audit_count("auth.login", "success"), 1);
}

TEST_F(AuthTest, UnknownAccountsGetAChallengeButCannotLogIn) {
  auto c = server_->client();
  auto ch = challenge(c, "nobody");
  EXPECT_NE(ch["to_sign"].get<std::string>().find("|nobody|"), std::string::npos);
  auto r = login(c, "nobody", "Whatever-123", ch, server_->sign("sysadmin", ch["to_sign"]));
  EXPECT_EQ(r.status, 401);
  EXPECT_EQ(r.error_code(), "invalid_credentials");
}

TEST_F(AuthTest, PasswordAloneFails) {
  auto c = server_->client();
  auto ch = challenge(c, "sysadmin");
  auto r = login(c, "sysadmin", server_->password("sysadmin"), ch, base64_encode(as_bytes("not a signature")));
  EXPECT_EQ(r.status, 401);
  EXPECT_EQ(r.error_code(), "challenge_invalid");
  EXPECT_TRUE(c.cookie().empty());
}

TEST_F(AuthTest, KeyAloneFails) {
  auto c = server_->client();
  auto ch = challenge(c, "sysadmin");
  auto r = login(c, "sysadmin", "wrong-password-1", ch, server_->sign("sysadmin", ch["to_sign"]));
  EXPECT_EQ(r.status, 401);
  EXPECT_EQ(r.error_code(), "invalid_credentials");
  EXPECT_EQ(audit_count("auth.login", "failure"), 1);
}

TEST_F(AuthTest, SignatureByAnotherAccountsKeyFails) {
  auto c = server_->client();
  auto ch = challenge(c, "sysadmin");
  auto r = login(c, "sysadmin", server_->password("sysadmin"), ch, server_->sign("auditadmin", ch["to_sign"]));
  EXPECT_EQ(r.status, 401);
  EXPECT_EQ(r.error_code(), "challenge_invalid");
}

TEST_F(AuthTest, ReplayedChallengeIsRefused) {
  auto c = server_->client();
  auto ch = challenge(c, "sysadmin");
  std::string sig = server_->sign("sysadmin", ch["to_sign"]);
  ASSERT_EQ(login(c, "sysadmin", server_->password("sysadmin"), ch, sig).status, 200);
  auto other = server_->client();
  auto again = login(other, "sysadmin", server_->password("sysadmin"), ch, sig);
  EXPECT_EQ(again.status, 401);
  EXPECT_EQ(again.error_code(), "challenge_replayed");
}

TEST_F(AuthTest, ChallengeOfOneAccountCannotLogInAnother) {
  auto c = server_->client();
  auto ch = challenge(c, "auditadmin");
  auto r = login(c, "sysadmin", server_->password("sysadmin"), ch, server_->sign("sysadmin", ch["to_sign"]));
  EXPECT_EQ(r.error_code(), "challenge_replayed");
}

TEST_F(AuthTest, RepeatedFailuresLockTheAccount) {
  auto c = server_->client();
  int threshold = server_->platform().cfg.security.lockout_threshold;
  for (int i = 0; i < threshold; ++i) {
    auto ch = challenge(c, "sysadmin");
    EXPECT_EQ(login(c, "sysadmin", "wrong-password-1", ch, server_->sign("sysadmin", ch["to_sign"])).status, 401);
  }
  auto ch = challenge(c, "sysadmin");
  auto r = login(c, "sysadmin", server_->password("sysadmin"), ch, server_->sign("sysadmin", ch["to_sign"]));
  EXPECT_EQ(r.status, 403);
  EXPECT_EQ(r.error_code(), "account_locked");
}

TEST_F(AuthTest, OneTimePasswordMustBeChangedBeforeWork) {
  auto c = server_->client();
  auto ch = challenge(c, "sysadmin");
  auto r = login(c, "sysadmin", server_->password("sysadmin"), ch, server_->sign("sysadmin", ch["to_sign"]));
  ASSERT_EQ(r.status, 200);
  c.csrf = r.j()["csrf_token"];
  auto blocked = c.get("/api/v1/accounts");
  EXPECT_EQ(blocked.status, 403);
  auto weak = c.post("/api/v1/auth/password", {{"old_password", server_->password("sysadmin")}, {"new_password", "short"}});
  EXPECT_EQ(weak.error_code(), "password_policy");
  auto ok = c.post("/api/v1/auth/password",
                   {{"old_password", server_->password("sysadmin")}, {"new_password", "NewPassw0rd-2026"}});
  ASSERT_EQ(ok.status, 200) << ok.body;
  EXPECT_EQ(c.get("/api/v1/accounts").status, 200);
}

TEST_F(AuthTest, MissingOrForgedCsrfTokenIsRefusedAndAudited) {
  auto c = server_->login("sysadmin");
  std::string good = c.csrf;
  c.csrf.clear();
  auto none = c.post("/api/v1/accounts", {{"username", "x1"}, {"role", "operator"}});
  EXPECT_EQ(none.status, 403);
  EXPECT_EQ(none.error_code(), "csrf_failed");
  c.csrf = good.substr(0, good.size() - 1) + (good.back() == 'A' ? "B" : "A");
  auto forged = c.post("/api/v1/accounts", {{"username", "x1"}, {"role", "operator"}});
  EXPECT_EQ(forged.error_code(), "csrf_failed");
  EXPECT_EQ(audit_count("security.csrf_rejected", "denied"), 2);
  c.csrf = good;
  EXPECT_EQ(c.post("/api/v1/accounts", {{"username", "x1"}, {"role", "operator"}}).status, 201);
}

TEST_F(AuthTest, BadOrEndedSessionCookiesAreRefused) {
  auto c = server_->client();
  c.set_cookie("medsign_session=bogus-token");
  auto r = c.get("/api/v1/auth/me");
  EXPECT_EQ(r.status, 401);
  EXPECT_EQ(r.error_code(), "session_expired");
  EXPECT_EQ(audit_count("security.session_rejected", "denied"), 1);
  auto none = server_->client().get("/api/v1/auth/me");
  EXPECT_EQ(none.error_code(), "unauthenticated");
  auto s = server_->login("auditadmin");
  ASSERT_EQ(s.get("/api/v1/auth/me").status, 200);
  ASSERT_EQ(s.post("/api/v1/auth/logout", json::object()).status, 200);
  auto old = server_->client();
  old.set_cookie(s.cookie().empty() ? "" : s.cookie());
  EXPECT_EQ(s.get("/api/v1/auth/me").status, 401);
}

TEST_F(AuthTest, IdleSessionExpires) {
  auto c = server_->login("auditadmin");
  server_->platform().cfg.security.session_idle_timeout_s = 1;
  std::this_thread::sleep_for(std::chrono::milliseconds(2100));
  auto r = c.get("/api/v1/auth/me");
  EXPECT_EQ(r.status, 401);
  EXPECT_EQ(r.error_code(), "session_expired");
  server_->platform().cfg.security.session_idle_timeout_s = 900;
}

TEST_F(AuthTest, HeartbeatKeepsSessionAndMissingItEndsIt) {
  auto& sec = server_->platform().cfg.security;
  auto c = server_->login("auditadmin");
  sec.heartbeat_interval_s = 1;
  sec.heartbeat_grace_s = 1;
  for (int i = 0; i < 3; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(900));
    auto ch = c.post("/api/v1/auth/heartbeat/challenge", json::object());
    ASSERT_EQ(ch.status, 200) << ch.body;
    auto hb = c.post("/api/v1/auth/heartbeat",
                     {{"challenge_id", ch.j()["challenge_id"]}, {"signature", server_->sign("auditadmin", ch.j()["to_sign"])}});
    ASSERT_EQ(hb.status, 200) << hb.body;
  }
  EXPECT_EQ(c.get("/api/v1/auth/me").status, 200);
  std::this_thread::sleep_for(std::chrono::milliseconds(2300));  // the key "was pulled out"
  auto gone = c.get("/api/v1/auth/me");
  EXPECT_EQ(gone.status, 401);
  EXPECT_EQ(gone.error_code(), "key_absent");
  EXPECT_EQ(c.get("/api/v1/auth/me").error_code(), "session_expired");
  sec.heartbeat_interval_s = 30;
  sec.heartbeat_grace_s = 15;
}

TEST_F(AuthTest, WrongHeartbeatSignatureEndsSession) {
  auto c = server_->login("auditadmin");
  auto ch = c.post("/api/v1/auth/heartbeat/challenge", json::object());
  ASSERT_EQ(ch.status, 200);
  auto hb = c.post("/api/v1/auth/heartbeat",
                   {{"challenge_id", ch.j()["challenge_id"]}, {"signature", server_->sign("sysadmin", ch.j()["to_sign"])}});
  EXPECT_EQ(hb.status, 401);
  EXPECT_EQ(hb.error_code(), "challenge_invalid");
  EXPECT_EQ(c.get("/api/v1/auth/me").status, 401);
}

}  // namespace
}  // namespace medsign::test
