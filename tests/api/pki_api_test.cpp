// Certificate trust over the API (/api/v1/pki): anchors, projects, policies and lists set up by an operator,
// verification with specific reasons, CRL upload turning a good answer into "revoked", CRL sources over HTTP
// (a test server) and LDAP (a throw-away slapd), a hanging source, roles and audit records.
#include <gtest/gtest.h>

#include <chrono>

#include "../unit/pki_policy/crl_test_server.h"
#include "../unit/pki_policy/policy_world.h"
#include "common/clock.h"
#include "harness.h"

namespace medsign::test {
namespace {
using pki::test::policy_world;

std::string pem_text(const std::string& name) {
  Bytes b = policy_world().pem(name);
  return std::string(b.begin(), b.end());
}

class PkiApiTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    (void)policy_world();
    server_ = new TestServer();
    sys_ = new Client(server_->login("sysadmin"));
    auditadmin_ = new Client(server_->login("auditadmin"));
    op_ = new Client(server_->create_and_login(*sys_, "pkiop", "operator"));
    auditor_ = new Client(server_->create_and_login(*auditadmin_, "pkiaud", "auditor"));
    // The trust configuration every test starts from.
    ASSERT_EQ(op_->request(http::verb::post, "/api/v1/pki/anchors", pem_text("root") + pem_text("sm2_root"),
                           "application/x-pem-file")
                  .status,
              201);
    ASSERT_EQ(op_->post("/api/v1/pki/intermediates", {{"certificate", pem_text("inter")}}).status, 201);
    auto p = op_->post("/api/v1/pki/projects", {{"name", "staff"},
                                                 {"anchors", {policy_world().fp("root"), policy_world().fp("sm2_root")}},
                                                 {"purpose", "document_signing"},
                                                 {"revocation", "crl_best_effort"}});
    ASSERT_EQ(p.status, 201) << p.body;
    auto pol = op_->post("/api/v1/pki/policies", {{"name", "default"}, {"projects", {"staff"}}});
    ASSERT_EQ(pol.status, 201) << pol.body;
  }
  static void TearDownTestSuite() {
    delete op_;
    delete auditor_;
    delete sys_;
    delete auditadmin_;
    delete server_;
  }
  static Response verify(const std::string& cert, const std::string& policy = "default") {
    return op_->post("/api/v1/pki/verify", {{"policy", policy}, {"certificate", pem_text(cert)}});
  }
  static std::size_t audit_count(const std::string& action, const std::string& result = "success") {
    auto r = auditor_->get("/api/v1/audit?action=" + action + "&result=" + result + "&page_size=200");
    return r.j()["entries"].size();
  }
  static TestServer* server_;
  static Client *sys_, *auditadmin_, *op_, *auditor_;
};
TestServer* PkiApiTest::server_ = nullptr;
Client *PkiApiTest::sys_, *PkiApiTest::auditadmin_, *PkiApiTest::op_, *PkiApiTest::auditor_;

TEST_F(PkiApiTest, VerifiesThenCrlUploadRevokesThenBlacklistRefuses) {
  auto good = verify("leaf2");
  ASSERT_EQ(good.status, 200) << good.body;
  EXPECT_EQ(good.j()["valid"], true);
  EXPECT_EQ(good.j()["reason"], "ok");
  EXPECT_EQ(good.j()["project"], "staff");
  ASSERT_EQ(good.j()["chain"].size(), 3u);
  EXPECT_EQ(good.j()["chain"][2]["sha256"], policy_world().fp("root"));
  EXPECT_EQ(verify("sm2_leaf").j()["valid"], true);

  const Bytes crl = policy_world().inter_crl.der();
  auto up = op_->request(http::verb::post, "/api/v1/pki/crls", std::string(crl.begin(), crl.end()), "application/pkix-crl");
  ASSERT_EQ(up.status, 201) << up.body;
  EXPECT_EQ(up.j()["revoked"], 1);
  EXPECT_EQ(up.j()["ca_fingerprint"], policy_world().fp("inter"));
  auto revoked = verify("leaf2");
  ASSERT_EQ(revoked.status, 200);
  EXPECT_EQ(revoked.j()["valid"], false);
  EXPECT_EQ(revoked.j()["reason"], "revoked");
  EXPECT_EQ(revoked.j()["revocation"]["reason"], "keyCompromise");
  EXPECT_TRUE(revoked.j()["revocation"]["revocation_time"].is_string());
  EXPECT_EQ(op_->get("/api/v1/pki/crls").j()["items"].size(), 1u);

  // Black-list mode for the project, then the leaf on the list.
  auto proj = op_->get("/api/v1/pki/projects/staff").j();
  proj["list_mode"] = "blacklist";
  ASSERT_EQ(op_->put("/api/v1/pki/projects/staff", proj).status, 200);
  EXPECT_EQ(verify("leaf").j()["valid"], true);
  auto listed = op_->post("/api/v1/pki/projects/staff/list", {{"certificate", pem_text("leaf")}});
  ASSERT_EQ(listed.status, 201) << listed.body;
  EXPECT_EQ(listed.j()["fingerprint"], policy_world().fp("leaf"));
  auto black = verify("leaf");
  EXPECT_EQ(black.j()["valid"], false);
  EXPECT_EQ(black.j()["reason"], "blacklisted");
  ASSERT_EQ(op_->request(http::verb::delete_, "/api/v1/pki/projects/staff/list/" + policy_world().fp("leaf")).status, 200);
  EXPECT_EQ(verify("leaf").j()["valid"], true);
  proj["list_mode"] = "none";
  ASSERT_EQ(op_->put("/api/v1/pki/projects/staff", proj).status, 200);

  EXPECT_GE(audit_count("pki.crl_store"), 1u);
  EXPECT_GE(audit_count("pki.list_add"), 1u);
  EXPECT_GE(audit_count("pki.project_update"), 2u);
  auto entries = auditor_->get("/api/v1/audit?action=pki.list_add").j()["entries"];
  ASSERT_FALSE(entries.empty());
  EXPECT_EQ(entries[0]["actor"], "pkiop");
}

TEST_F(PkiApiTest, SpecificErrorsForBadInput) {
  EXPECT_EQ(verify("leaf", "nope").status, 404);
  auto garbage = op_->post("/api/v1/pki/verify", {{"policy", "default"}, {"certificate", "bm90IGEgY2VydA=="}});
  EXPECT_EQ(garbage.status, 400);
  EXPECT_EQ(garbage.error_code(), "bad_encoding");
  EXPECT_EQ(verify("stray_leaf").j()["reason"], "unknown_issuer");
  EXPECT_EQ(verify("enc").j()["reason"], "wrong_usage");
  // A CRL naming the issuing CA but signed by another key: refused.
  auto& w = policy_world();
  const auto key = pki::test::sm2_key_from_file(w.pki.path("sm2_root.key"));
  const std::int64_t now = unix_millis() / 1000 * 1000;
  auto forged = pki::test::build_sm2_crl(w.cert("inter").subject().der(), key, now, now + 86400000, {}, false, 99999);
  auto r = op_->post("/api/v1/pki/crls", {{"crl", forged.to_pem()}});
  EXPECT_EQ(r.status, 400) << r.body;
  EXPECT_EQ(r.error_code(), "bad_signature");
  EXPECT_GE(audit_count("pki.crl_upload", "failure"), 1u);
  auto not_ca = op_->post("/api/v1/pki/anchors", {{"certificate", pem_text("leaf")}});
  EXPECT_EQ(not_ca.status, 400);
  auto bad_source = op_->post("/api/v1/pki/crl-sources", {{"ca_fingerprint", w.fp("inter")}, {"url", "ftp://x/y"}});
  EXPECT_EQ(bad_source.status, 400);
  EXPECT_EQ(op_->post("/api/v1/pki/crl-sources/999/fetch", json::object()).status, 404);
}

TEST_F(PkiApiTest, WritesAreOperatorOnly) {
  for (Client* c : {auditor_, sys_}) {
    auto r = c->post("/api/v1/pki/policies", {{"name", "x"}, {"projects", {"staff"}}});
    EXPECT_EQ(r.status, 403) << r.body;
    EXPECT_EQ(c->get("/api/v1/pki/anchors").status, 403);
  }
  EXPECT_EQ(server_->client().get("/api/v1/pki/policies").status, 401);
  EXPECT_EQ(op_->get("/api/v1/pki/anchors").j()["items"].size(), 2u);
}

TEST_F(PkiApiTest, CrlSourceOverHttpFetchNowRecordsStatus) {
  pki::test::CrlTestServer crl_server;
  crl_server.set(pki::test::CrlTestServer::Mode::serve, policy_world().inter_crl.der());
  auto add = op_->post("/api/v1/pki/crl-sources", {{"ca_fingerprint", policy_world().fp("inter")},
                                                   {"url", crl_server.url()},
                                                   {"interval_s", 3600},
                                                   {"timeout_ms", 2000}});
  ASSERT_EQ(add.status, 201) << add.body;
  const std::string id = std::to_string(add.j()["id"].get<int>());
  EXPECT_EQ(add.j()["last_status"], "never");
  auto f = op_->post("/api/v1/pki/crl-sources/" + id + "/fetch", json::object());
  ASSERT_EQ(f.status, 200) << f.body;
  EXPECT_EQ(f.j()["last_status"], "ok");
  EXPECT_TRUE(f.j()["crl_next_update"].is_string());
  EXPECT_EQ(crl_server.requests(), 1);
  EXPECT_EQ(verify("leaf2").j()["reason"], "revoked");
  auto list = op_->get("/api/v1/pki/crl-sources").j()["items"];
  EXPECT_GE(list.size(), 1u);
  ASSERT_EQ(op_->request(http::verb::delete_, "/api/v1/pki/crl-sources/" + id).status, 200);
}

TEST_F(PkiApiTest, HangingCrlSourceAnswersWithATimeoutWithinItsBound) {
  pki::test::CrlTestServer crl_server;
  crl_server.set(pki::test::CrlTestServer::Mode::hang);
  auto add = op_->post("/api/v1/pki/crl-sources", {{"ca_fingerprint", policy_world().fp("inter")},
                                                   {"url", crl_server.url()},
                                                   {"timeout_ms", 500}});
  ASSERT_EQ(add.status, 201) << add.body;
  const std::string id = std::to_string(add.j()["id"].get<int>());
  const auto t0 = std::chrono::steady_clock::now();
  auto f = op_->post("/api/v1/pki/crl-sources/" + id + "/fetch", json::object());
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - t0).count();
  EXPECT_EQ(f.status, 504) << f.body;
  EXPECT_EQ(f.error_code(), "crl_fetch_timeout");
  EXPECT_LT(ms, 2500);
  auto s = op_->get("/api/v1/pki/crl-sources/" + id).j();
  EXPECT_EQ(s["last_status"], "error");
  EXPECT_NE(s["last_error"].get<std::string>().find("crl_fetch_timeout"), std::string::npos);
  EXPECT_GE(audit_count("pki.crl_fetch", "failure"), 1u);
  ASSERT_EQ(op_->request(http::verb::delete_, "/api/v1/pki/crl-sources/" + id).status, 200);
}

TEST_F(PkiApiTest, CrlSourceOverLdapFromSlapd) {
  pki::test::SlapdServer slapd;
  if (!slapd.available()) GTEST_SKIP() << "LDAP test skipped: " << slapd.why();
  const std::string url = slapd.put_crl("NHC Issuing CA", policy_world().inter_crl_der_file);
  auto add = op_->post("/api/v1/pki/crl-sources",
                       {{"ca_fingerprint", policy_world().fp("inter")}, {"url", url}, {"timeout_ms", 3000}});
  ASSERT_EQ(add.status, 201) << add.body;
  const std::string id = std::to_string(add.j()["id"].get<int>());
  auto f = op_->post("/api/v1/pki/crl-sources/" + id + "/fetch", json::object());
  ASSERT_EQ(f.status, 200) << f.body;
  EXPECT_EQ(f.j()["last_status"], "ok");
  EXPECT_EQ(verify("leaf2").j()["reason"], "revoked");
  ASSERT_EQ(op_->request(http::verb::delete_, "/api/v1/pki/crl-sources/" + id).status, 200);
}

TEST_F(PkiApiTest, CliVerifiesOfflineAndUnderAPolicyAndEditsTheConfiguration) {
  auto& w = policy_world();
  const std::string bin = MEDSIGN_BINARY, data = server_->data_dir().string();
  std::string out;
  // Offline: anchors, intermediates and the CRL as files.
  EXPECT_EQ(run_command(bin + " cert verify --in " + w.pki.path("leaf.pem") + " --ca " + w.pki.path("root.pem") +
                            " --untrusted " + w.pki.path("inter.pem"), &out), 0) << out;
  EXPECT_NE(out.find("OK: ok"), std::string::npos) << out;
  EXPECT_EQ(run_command(bin + " cert verify --in " + w.pki.path("leaf2.pem") + " --ca " + w.pki.path("root.pem") +
                            " --untrusted " + w.pki.path("inter.pem") + " --crl " + w.inter_crl_der_file + " --json", &out), 1);
  EXPECT_NE(out.find("\"revoked\""), std::string::npos) << out;
  EXPECT_NE(out.find("keyCompromise"), std::string::npos) << out;
  EXPECT_EQ(run_command(bin + " cert verify --in " + w.pki.path("leaf.pem") + " --ca " + w.pki.path("sm2_root.pem") +
                            " --untrusted " + w.pki.path("inter.pem") + " --crl " + w.inter_crl_der_file, &out), 1);
  EXPECT_NE(out.find("unknown_issuer"), std::string::npos) << out;  // the leaf's root is not an anchor
  EXPECT_EQ(run_command(bin + " cert verify --in " + w.pki.path("leaf.pem") + " --ca " + w.pki.path("sm2_root.pem") +
                            " --crl " + w.inter_crl_der_file, &out), 1);
  EXPECT_NE(out.find("no --ca or --untrusted certificate named"), std::string::npos) << out;
  // Under a policy of the server's data directory.
  EXPECT_EQ(run_command(bin + " cert verify --in " + w.pki.path("sm2_leaf.pem") + " --policy default --data " + data, &out), 0)
      << out;
  EXPECT_EQ(run_command(bin + " cert verify --in " + w.pki.path("stray_leaf.pem") + " --policy default --data " + data, &out), 1);
  EXPECT_NE(out.find("unknown_issuer"), std::string::npos) << out;
  // Offline edits, audited with actor cli.
  EXPECT_EQ(run_command(bin + " pki --data " + data + " policy create cli-policy --project staff --crl-failure fail_closed", &out), 0)
      << out;
  EXPECT_EQ(run_command(bin + " pki --data " + data + " policy list", &out), 0);
  EXPECT_NE(out.find("cli-policy"), std::string::npos) << out;
  EXPECT_EQ(run_command(bin + " pki --data " + data + " policy remove cli-policy", &out), 0) << out;
  EXPECT_NE(run_command(bin + " pki --data " + data + " project remove staff", &out), 0);  // a policy uses it
  auto entries = auditor_->get("/api/v1/audit?action=pki.policy_create").j()["entries"];
  bool by_cli = false;
  for (auto& e : entries) by_cli = by_cli || e["actor"] == "cli";
  EXPECT_TRUE(by_cli);
}

}  // namespace
}  // namespace medsign::test
