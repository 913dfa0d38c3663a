// TSA management and the issued-token log over the API: roles, audit records, checks on imported
// certificates, OpenSSL as the independent party (CSR verification, a third-party CA, ts -verify), and
// TSA units surviving a backup and restore.
#include <fstream>

#include <gtest/gtest.h>

#include "common/clock.h"
#include "crypto/soft/keystore.h"
#include "harness.h"
#include "services/backup.h"
#include "services/tsa_log.h"
#include "tsp/timestamp_issuer.h"

namespace medsign::test {
namespace {
namespace fs = std::filesystem;

class TsaAdminTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    server_ = new TestServer();
    work_ = make_temp_dir("tsadm");
    std::ofstream(work_ / "record.txt") << "discharge summary 2026-11-27\n";
    sys_ = new Client(server_->login("sysadmin"));
    auditadmin_ = new Client(server_->login("auditadmin"));
    op_ = new Client(server_->create_and_login(*sys_, "tsaop", "operator"));
    auditor_ = new Client(server_->create_and_login(*auditadmin_, "tsaaud", "auditor"));
  }
  static void TearDownTestSuite() {
    delete op_;
    delete auditor_;
    delete sys_;
    delete auditadmin_;
    delete server_;
    fs::remove_all(work_);
  }
  static int sh(const std::string& cmd, std::string* out = nullptr) {
    return run_command("cd " + work_.string() + " && " + cmd, out);
  }
  static Bytes file(const std::string& name) { return crypto::read_file(work_ / name).value(); }
  static std::string text(const std::string& name) {
    auto b = file(name);
    return std::string(b.begin(), b.end());
  }
  static void put(const std::string& name, std::string_view s) {
    ASSERT_TRUE(crypto::write_file_atomic(work_ / name, as_bytes(s), 0644).ok());
  }
  // Stamps record.txt at `path`; returns the token's TSTInfo.
  static tsp::TstInfo stamp(const std::string& path, const std::string& alg = "-sha256") {
    EXPECT_EQ(sh("openssl ts -query -data record.txt " + alg + " -cert -out q.tsq"), 0);
    Bytes q = file("q.tsq");
    auto r = server_->client().request(http::verb::post, path, std::string(q.begin(), q.end()),
                                       "application/timestamp-query");
    EXPECT_EQ(r.status, 200);
    put("r.tsr", r.body);
    auto resp = tsp::parse_response(as_bytes(r.body)).value();
    EXPECT_TRUE(resp.token.has_value()) << path;
    return tsp::verify_token(resp.token.value_or(Bytes{})).value().tst;
  }
  static std::size_t audit_count(const std::string& action, const std::string& result) {
    auto r = auditor_->get("/api/v1/audit?action=" + action + "&result=" + result);
    return r.j()["entries"].size();
  }
  static std::string ca() { return (server_->data_dir() / "keys" / "dev-ca.pem").string(); }
  static TestServer* server_;
  static fs::path work_;
  static Client *sys_, *auditadmin_, *op_, *auditor_;
};
TestServer* TsaAdminTest::server_ = nullptr;
fs::path TsaAdminTest::work_;
Client *TsaAdminTest::sys_, *TsaAdminTest::auditadmin_, *TsaAdminTest::op_, *TsaAdminTest::auditor_;

TEST_F(TsaAdminTest, TokenLogSearchesShowsDetailsAndDownloadsAgain) {
  auto t1 = stamp("/tsa/ecdsa");
  auto t2 = stamp("/tsa/ecdsa");
  auto t3 = stamp("/tsa", "-sm3");
  std::string serial = hex_encode(t1.serial), imprint = hex_encode(t1.imprint.hashed_message);

  auto r = op_->get("/api/v1/tsa/tokens?serial=" + serial);
  ASSERT_EQ(r.status, 200) << r.body;
  ASSERT_EQ(r.j()["items"].size(), 1u);
  EXPECT_EQ(r.j()["items"][0]["unit"], "ecdsa");
  EXPECT_EQ(r.j()["items"][0]["requester"], "127.0.0.1");
  // Serial in upper case with 0x, as people paste it.
  std::string upper = serial;
  for (auto& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  EXPECT_EQ(op_->get("/api/v1/tsa/tokens?serial=0x" + upper).j()["total"], 1);
  EXPECT_GE(op_->get("/api/v1/tsa/tokens?imprint=" + imprint).j()["total"].get<int>(), 2);
  EXPECT_GE(op_->get("/api/v1/tsa/tokens?requester=127.0.0.1&unit=ecdsa").j()["total"].get<int>(), 2);
  EXPECT_EQ(op_->get("/api/v1/tsa/tokens?imprint=" + imprint + "&unit=sm2").j()["total"], 0);
  EXPECT_EQ(op_->get("/api/v1/tsa/tokens?from=2099-01-01T00:00:00Z").j()["total"], 0);
  std::string from = iso8601_millis(t1.gen_time_ms), to = iso8601_millis(t3.gen_time_ms);
  auto range = op_->get("/api/v1/tsa/tokens?from=" + from + "&to=" + to);
  EXPECT_EQ(range.j()["total"], 3) << range.body;
  auto page = op_->get("/api/v1/tsa/tokens?from=" + from + "&page_size=2&page=2");
  EXPECT_EQ(page.j()["items"].size(), 1u);
  EXPECT_EQ(page.j()["items"][0]["serial"], serial);  // newest first
  EXPECT_EQ(op_->get("/api/v1/tsa/tokens?serial=xyz").error_code(), "invalid_argument");
  EXPECT_EQ(op_->get("/api/v1/tsa/tokens?page_size=0").status, 400);
  EXPECT_EQ(op_->get("/api/v1/tsa/tokens?from=yesterday").status, 400);

  auto d = auditor_->get("/api/v1/tsa/tokens/" + hex_encode(t2.serial));
  ASSERT_EQ(d.status, 200) << d.body;
  auto tok = d.j()["token"];
  EXPECT_EQ(tok["serial"], hex_encode(t2.serial));
  EXPECT_EQ(tok["imprint"], imprint);
  EXPECT_EQ(tok["hash_algorithm"], "sha256");
  EXPECT_EQ(tok["nonce"], hex_encode(*t2.nonce));
  EXPECT_EQ(tok["gen_time_ms"], t2.gen_time_ms);
  EXPECT_FALSE(tok["policy"].get<std::string>().empty());
  EXPECT_NE(tok["tsa"].get<std::string>().find("MedSign TSA ecdsa"), std::string::npos) << d.body;
  EXPECT_NE(tok["signer"]["subject"].get<std::string>().find("MedSign TSA ecdsa"), std::string::npos);
  EXPECT_TRUE(tok["signature_valid"].get<bool>());

  // Downloaded again, the reply verifies with OpenSSL like the original.
  auto dl = op_->get("/api/v1/tsa/tokens/" + hex_encode(t3.serial) + "/token");
  ASSERT_EQ(dl.status, 200);
  EXPECT_EQ(dl.headers["Content-Type"], "application/timestamp-reply");
  put("dl.tsr", dl.body);
  std::string out;
  EXPECT_EQ(sh("openssl ts -reply -in dl.tsr -text", &out), 0) << out;
  EXPECT_NE(out.find("Status: Granted."), std::string::npos);
  dl = op_->get("/api/v1/tsa/tokens/" + serial + "/token");
  put("dl.tsr", dl.body);
  EXPECT_EQ(sh("openssl ts -verify -data record.txt -in dl.tsr -CAfile " + ca(), &out), 0) << out;
  auto raw = op_->get("/api/v1/tsa/tokens/" + serial + "/token?format=token");
  EXPECT_EQ(raw.headers["Content-Type"].rfind("application/pkcs7-mime", 0), 0u);
  auto logged = services::find_token(*server_->platform().db, serial).value();
  EXPECT_EQ(Bytes(raw.body.begin(), raw.body.end()), logged.second);
  EXPECT_EQ(op_->get("/api/v1/tsa/tokens/00ff/token").status, 404);
  EXPECT_EQ(op_->get("/api/v1/tsa/tokens/" + serial + "/token?format=zip").status, 400);

  // Operators and the audit side (read_audit) read the log; system administrators do not, audited.
  std::size_t denied = audit_count("access.denied", "denied");
  EXPECT_EQ(sys_->get("/api/v1/tsa/tokens").status, 403);
  EXPECT_EQ(sys_->get("/api/v1/tsa/tokens/" + serial + "/token").status, 403);
  EXPECT_EQ(auditadmin_->get("/api/v1/tsa/tokens/" + serial).status, 200);
  EXPECT_EQ(server_->client().get("/api/v1/tsa/tokens").status, 401);
  EXPECT_EQ(audit_count("access.denied", "denied"), denied + 2);
}

TEST_F(TsaAdminTest, KeyGenerationCsrAndCertificateImportFromAThirdPartyCa) {
  std::size_t generated = audit_count("tsa.key_generate", "success");
  auto g = op_->post("/api/v1/tsa/units", {{"name", "lab"}, {"algorithm", "ecdsa"}});
  ASSERT_EQ(g.status, 201) << g.body;
  EXPECT_EQ(g.j()["certificate"]["algorithm"], "ecdsa-p256");
  EXPECT_EQ(audit_count("tsa.key_generate", "success"), generated + 1);
  // The running TSA serves the new unit at once.
  auto units = op_->get("/api/v1/tsa/units").j()["units"];
  bool listed = false;
  for (auto& u : units) listed = listed || u["name"] == "lab";
  EXPECT_TRUE(listed);
  EXPECT_NE(stamp("/tsa/lab").serial.size(), 0u);

  EXPECT_EQ(op_->post("/api/v1/tsa/units", {{"name", "Bad Name"}}).status, 400);
  EXPECT_EQ(op_->post("/api/v1/tsa/units", {{"name", "x"}, {"algorithm", "dsa"}}).status, 400);
  EXPECT_EQ(sys_->post("/api/v1/tsa/units", {{"name", "x"}}).status, 403);
  EXPECT_EQ(auditor_->get("/api/v1/tsa/units/lab/csr").status, 403);
  EXPECT_EQ(op_->get("/api/v1/tsa/units/nope/csr").status, 404);

  auto csr = op_->get("/api/v1/tsa/units/lab/csr");
  ASSERT_EQ(csr.status, 200) << csr.body;
  EXPECT_EQ(csr.headers["Content-Type"], "application/pkcs10");
  put("lab.csr", csr.body);
  std::string out;
  ASSERT_EQ(sh("openssl req -in lab.csr -verify -noout -text", &out), 0) << out;
  EXPECT_NE(out.find("Time Stamping"), std::string::npos) << out;
  EXPECT_NE(out.find("CN = MedSign TSA lab"), std::string::npos) << out;
  // An SM2 unit's CSR carries an SM2 signature with the default ID.
  auto sm2csr = op_->get("/api/v1/tsa/units/sm2/csr");
  put("sm2.csr", sm2csr.body);
  EXPECT_EQ(sh("openssl req -in sm2.csr -verify -noout -vfyopt distid:1234567812345678", &out), 0) << out;
  EXPECT_GE(audit_count("tsa.csr_export", "success"), 2u);
  put("rsa.csr", op_->get("/api/v1/tsa/units/rsa/csr").body);

  // A hospital CA outside MedSign certifies the key.
  ASSERT_EQ(sh("openssl ecparam -name prime256v1 -genkey -noout -out hca.key && "
               "openssl req -x509 -new -key hca.key -subj '/CN=Hospital Test CA' -days 30 "
               "-addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign,cRLSign -out hca.pem && "
               "echo 'extendedKeyUsage=critical,timeStamping' > ts.ext && "
               "echo 'extendedKeyUsage=timeStamping' > weak.ext && "
               "openssl x509 -req -in lab.csr -CA hca.pem -CAkey hca.key -CAcreateserial -days 30 -extfile ts.ext -out lab.pem && "
               "openssl x509 -req -in lab.csr -CA hca.pem -CAkey hca.key -CAcreateserial -days 30 -extfile weak.ext -out weak.pem && "
               "openssl x509 -req -in rsa.csr -CA hca.pem -CAkey hca.key -CAcreateserial -days 30 -extfile ts.ext -out other.pem",
               &out),
            0)
      << out;
  auto import_cert = [&](const std::string& pem) {
    return op_->request(http::verb::put, "/api/v1/tsa/units/lab/certificate", pem, "application/x-pem-file");
  };
  std::size_t failures = audit_count("tsa.certificate_import", "failure");
  auto unknown = import_cert(text("lab.pem"));
  EXPECT_EQ(unknown.status, 400);
  EXPECT_NE(unknown.body.find("issuer is unknown"), std::string::npos) << unknown.body;
  EXPECT_NE(import_cert(text("weak.pem")).body.find("critical extendedKeyUsage"), std::string::npos);
  EXPECT_NE(import_cert(text("other.pem")).body.find("not for the key"), std::string::npos);
  EXPECT_EQ(import_cert("not a certificate").status, 400);
  EXPECT_EQ(audit_count("tsa.certificate_import", "failure"), failures + 4);

  // The CA certificate: not-a-CA refused, then imported, listed for auditors, exported as PEM.
  EXPECT_EQ(op_->request(http::verb::post, "/api/v1/tsa/ca-certificates", text("lab.pem"), "application/x-pem-file").status,
            400);
  auto ca_imp = op_->post("/api/v1/tsa/ca-certificates", {{"certificate", text("hca.pem")}});
  ASSERT_EQ(ca_imp.status, 201) << ca_imp.body;
  EXPECT_EQ(auditor_->post("/api/v1/tsa/ca-certificates", {{"certificate", text("hca.pem")}}).status, 403);
  auto cas = auditor_->get("/api/v1/tsa/ca-certificates");
  ASSERT_EQ(cas.status, 200);
  ASSERT_EQ(cas.j()["certificates"].size(), 1u);
  EXPECT_EQ(cas.j()["certificates"][0]["subject"], "CN=Hospital Test CA");
  EXPECT_EQ(audit_count("tsa.ca_certificate_import", "success"), 1u);

  auto ok = import_cert(text("lab.pem"));
  ASSERT_EQ(ok.status, 200) << ok.body;
  EXPECT_EQ(ok.j()["certificate"]["issuer"], "CN=Hospital Test CA");
  EXPECT_EQ(audit_count("tsa.certificate_import", "success"), 1u);
  // Tokens of the unit now carry the new certificate and chain to the hospital CA.
  stamp("/tsa/lab");
  ASSERT_EQ(sh("openssl ts -verify -queryfile q.tsq -in r.tsr -CAfile hca.pem", &out), 0) << out;
  EXPECT_NE(sh("openssl ts -verify -queryfile q.tsq -in r.tsr -CAfile " + ca(), &out), 0);
  auto chain = server_->tsa().chain_pem("lab").value();
  EXPECT_NE(chain.find(cas.j()["certificates"][0]["pem"].get<std::string>()), std::string::npos);
  // The replaced development certificate is kept for old tokens.
  EXPECT_FALSE(fs::is_empty(server_->data_dir() / "keys" / "tsa-retired"));
}

TEST_F(TsaAdminTest, TsaUnitsKeysAndTokenLogSurviveBackupAndRestore) {
  ASSERT_EQ(op_->post("/api/v1/tsa/units", {{"name", "bak"}, {"algorithm", "sm2"}}).status, 201);
  auto before = stamp("/tsa/bak", "-sm3");
  auto original_cert = server_->tsa().unit("bak")->certificate.der();
  auto archive = work_ / "tsa.msbak";
  ASSERT_TRUE(services::write_backup(server_->platform(), archive, "backup-pass-1", "test").ok());
  auto dir = make_temp_dir("tsadm-restore");
  fs::remove_all(dir);
  prepare_database_env();
  auto sum = services::restore_backup(archive, dir, "backup-pass-1");
  ASSERT_TRUE(sum.ok()) << sum.error().to_string();
  auto p = services::Platform::open(dir).value();
  auto tsa = services::TsaService::open(p->cfg.tsa, p->keys, *p->db, [] { return std::optional<std::string>(); });
  ASSERT_TRUE(tsa.ok()) << tsa.error().to_string();
  ASSERT_NE((*tsa)->unit("bak"), nullptr);
  EXPECT_EQ((*tsa)->unit("bak")->certificate.der(), original_cert);
  tsp::TimeStampRequest req;
  req.imprint.algorithm = cms::DigestAlgorithm::sm3;
  req.imprint.hashed_message.assign(32, 7);
  req.nonce = Bytes{1, 2, 3};
  req.cert_req = true;
  for (const char* unit : {"bak", "sm2", "rsa"}) {
    auto r = (*tsa)->issue(unit, tsp::encode_request(req).value(), "restore-test");
    ASSERT_TRUE(r.ok());
    ASSERT_TRUE(r->granted) << unit;
    auto v = tsp::verify_token(r->token, {}, &req.imprint).value();
    EXPECT_TRUE(v.ok) << unit << ": " << v.problem;
  }
  // The log came along, and the new token joined it.
  auto old = services::find_token(*p->db, hex_encode(before.serial));
  ASSERT_TRUE(old.ok());
  EXPECT_EQ(old->first.unit, "bak");
  services::TokenQuery q;
  q.requester = "restore-test";
  EXPECT_EQ(services::search_tokens(*p->db, q)->total, 3);
  tsa->reset();
  p.reset();
  fs::remove_all(dir);
}

}  // namespace
}  // namespace medsign::test
