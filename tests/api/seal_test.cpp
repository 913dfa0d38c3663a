// Electronic seal objects over the API and the CLI: the demo seals of `medsign init`, making seals from a
// template or an uploaded PNG, the lifecycle with audit records and forbidden transitions, seal users and
// grants, and the exported SESeal checked by our decoder and its maker signature by `openssl pkeyutl`; an
// SES_Signature timestamped by the running TSA passes all six verification steps.
#include <fstream>

#include <gtest/gtest.h>

#include "common/clock.h"
#include "crypto/algorithms/hash.h"
#include "crypto/soft/keystore.h"
#include "harness.h"
#include "seal/sign.h"
#include "tsp/timestamp.h"

namespace medsign::test {
namespace {
namespace fs = std::filesystem;
const std::string kBin = MEDSIGN_BINARY;

class SealApiTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    server_ = new TestServer();
    work_ = make_temp_dir("seal");
    sys_ = new Client(server_->login("sysadmin"));
    op_ = new Client(server_->create_and_login(*sys_, "sealop", "operator"));
  }
  static void TearDownTestSuite() {
    delete op_;
    delete sys_;
    delete server_;
    fs::remove_all(work_);
  }
  static int sh(const std::string& cmd, std::string* out = nullptr) {
    return run_command("cd " + work_.string() + " && " + cmd, out);
  }
  static void put(const std::string& name, ByteView b) {
    ASSERT_TRUE(crypto::write_file_atomic(work_ / name, b, 0644).ok());
  }
  static std::int64_t audits(const std::string& action, const std::string& target) {
    auto r = server_->platform().db->query("SELECT COUNT(*) FROM audit_log WHERE action = ? AND target = ?",
                                           {action, target});
    return r->at(0).int64(0);
  }
  static json demo(const std::string& key) {
    auto r = op_->get("/api/v1/seals?state=active&owner=MedSign%20%E7%A4%BA%E8%8C%83%E5%8C%BB%E9%99%A2");
    EXPECT_EQ(r.status, 200) << r.body;
    const json body = r.j();
    for (const auto& s : body["items"])
      if (s["certificates"][0]["key_name"] == key) return s;
    ADD_FAILURE() << "no demo seal bound to " << key << ": " << r.body;
    return json::object();
  }
  static inline TestServer* server_ = nullptr;
  static inline fs::path work_;
  static inline Client* sys_ = nullptr;
  static inline Client* op_ = nullptr;
};

TEST_F(SealApiTest, InitCreatedActiveDemoSealsBoundToBothSigningKeys) {
  for (const char* key : {"sm2-sign", "rsa-sign"}) {
    json s = demo(key);
    EXPECT_EQ(s["state"], "active");
    EXPECT_EQ(s["type"], "organisation");
    EXPECT_EQ(s["version"], 4);
    EXPECT_EQ(s["certificates"][0]["server_held"], true);
  }
  auto pic = op_->get("/api/v1/seals/" + demo("sm2-sign")["id"].get<std::string>() + "/picture");
  EXPECT_EQ(pic.status, 200);
  EXPECT_EQ(pic.headers["Content-Type"], "image/png");
  EXPECT_EQ(pic.body.substr(1, 3), "PNG");
}

TEST_F(SealApiTest, OnlyOperatorsManageSeals) {
  auto r = sys_->get("/api/v1/seals");
  EXPECT_EQ(r.status, 403);
  EXPECT_EQ(r.error_code(), "forbidden");
  EXPECT_EQ(server_->client().get("/api/v1/seals").status, 401);
}

TEST_F(SealApiTest, LifecycleIsAuditedAndRevocationIsFinal) {
  auto made = op_->post("/api/v1/seals", {{"name", "病案专用章"},
                                          {"owner", "MedSign 示范医院"},
                                          {"version", 2},
                                          {"keys", {"sm2-sign"}},
                                          {"docmdp", "no-changes"},
                                          {"template", {{"kind", "round"}, {"text", "病案专用章"}, {"dpi", 150}}}});
  ASSERT_EQ(made.status, 201) << made.body;
  const std::string id = made.j()["id"];
  EXPECT_EQ(made.j()["state"], "made");
  EXPECT_EQ(made.j()["docmdp"], "no-changes");
  const std::string base = "/api/v1/seals/" + id;
  EXPECT_EQ(op_->post(base + "/activate", json::object()).j()["state"], "active");
  auto no_reason = op_->post(base + "/suspend", json::object());
  EXPECT_EQ(no_reason.status, 400);
  EXPECT_EQ(no_reason.error_code(), "missing_field");
  EXPECT_EQ(op_->post(base + "/suspend", {{"reason", "stamp lost"}}).j()["state"], "suspended");
  EXPECT_EQ(op_->post(base + "/resume", json::object()).j()["state"], "active");
  auto revoked = op_->post(base + "/revoke", {{"reason", "department merged"}});
  EXPECT_EQ(revoked.j()["state"], "revoked");
  EXPECT_EQ(revoked.j()["state_reason"], "department merged");
  auto resume = op_->post(base + "/resume", json::object());
  EXPECT_EQ(resume.status, 409);
  EXPECT_EQ(resume.error_code(), "seal_state_invalid");
  for (const char* a : {"seal.make", "seal.activate", "seal.suspend", "seal.revoke"}) EXPECT_EQ(audits(a, id), 1) << a;
  EXPECT_EQ(audits("seal.resume", id), 2);  // one success, one failure
  auto failed = server_->platform().db->query(
      "SELECT result, actor FROM audit_log WHERE action = 'seal.resume' AND target = ? ORDER BY seq DESC", {id});
  EXPECT_EQ(failed->at(0).text(0), "failure");
  EXPECT_EQ(failed->at(0).text(1), "sealop");
  auto list = op_->get("/api/v1/seals?state=revoked");
  bool found = false;
  const json listed = list.j();
  for (const auto& s : listed["items"]) found |= s["id"] == id;
  EXPECT_TRUE(found);
  EXPECT_EQ(op_->get("/api/v1/seals/seal-nope").status, 404);
}

TEST_F(SealApiTest, UploadedPictureAndUserHeldCertificateAndBadInput) {
  auto pic = op_->get("/api/v1/seals/" + demo("rsa-sign")["id"].get<std::string>() + "/picture");
  std::string pem = server_->platform().keys.certificate("sm2-sign").value();
  auto made = op_->post("/api/v1/seals", {{"name", "李四"},
                                          {"type", "personal"},
                                          {"owner", "李四"},
                                          {"certificates", {pem}},
                                          {"cert_list_type", 2},
                                          {"width_mm", 20},
                                          {"picture_png", base64_encode(as_bytes(pic.body))}});
  ASSERT_EQ(made.status, 201) << made.body;
  EXPECT_EQ(made.j()["certificates"][0]["server_held"], false);
  EXPECT_EQ(made.j()["width_mm"], 20);
  auto personal = op_->get("/api/v1/seals?type=personal&owner=%E6%9D%8E%E5%9B%9B");
  ASSERT_EQ(personal.j()["items"].size(), 1u);
  auto der = op_->get("/api/v1/seals/" + made.j()["id"].get<std::string>() + "/eseal");
  auto seal = seal::decode_seal(as_bytes(der.body));
  ASSERT_TRUE(seal.ok()) << seal.error().to_string();
  EXPECT_EQ(seal->info.property.cert_list_type, 2);
  EXPECT_EQ(seal->info.picture.data, to_bytes(pic.body));

  auto bad_png = op_->post("/api/v1/seals", {{"name", "x"}, {"keys", {"sm2-sign"}}, {"picture_png", "AAAA"}});
  EXPECT_EQ(bad_png.error_code(), "image_malformed");
  auto no_key = op_->post("/api/v1/seals", {{"name", "x"}, {"keys", {"nope"}}, {"template", json::object()}});
  EXPECT_EQ(no_key.error_code(), "key_not_found");
  auto both = op_->post("/api/v1/seals", {{"name", "x"}, {"keys", {"sm2-sign"}}});
  EXPECT_EQ(both.error_code(), "invalid_argument");
  EXPECT_EQ(audits("seal.make", "x"), 3);
}

TEST_F(SealApiTest, UsersAndGrants) {
  auto user = op_->post("/api/v1/seals/users", {{"username", "sealop"}, {"display_name", "Seal operator"}});
  ASSERT_EQ(user.status, 201) << user.body;
  const std::string uid = user.j()["id"];
  auto person = op_->post("/api/v1/seals/users", {{"display_name", "王五 (no account)"}});
  ASSERT_EQ(person.status, 201) << person.body;
  EXPECT_EQ(op_->post("/api/v1/seals/users", {{"username", "ghost"}}).status, 404);
  const std::string sid = demo("sm2-sign")["id"];
  auto g = op_->post("/api/v1/seals/" + sid + "/grants", {{"user_id", uid}});
  ASSERT_EQ(g.status, 201) << g.body;
  EXPECT_EQ(op_->post("/api/v1/seals/" + sid + "/grants", {{"user_id", uid}}).status, 409);
  auto grants = op_->get("/api/v1/seals/" + sid + "/grants");
  ASSERT_EQ(grants.j()["items"].size(), 1u);
  EXPECT_EQ(grants.j()["items"][0]["granted_by"], "sealop");
  EXPECT_EQ(audits("seal.grant", sid), 2);
  EXPECT_EQ(op_->request(http::verb::delete_, "/api/v1/seals/" + sid + "/grants/" + uid).status, 200);
  EXPECT_EQ(op_->request(http::verb::delete_, "/api/v1/seals/" + sid + "/grants/" + uid).status, 404);
  EXPECT_EQ(op_->get("/api/v1/seals/users").j()["items"].size(), 2u);
  EXPECT_EQ(op_->request(http::verb::delete_, "/api/v1/seals/users/" + person.j()["id"].get<std::string>()).status, 200);
  EXPECT_EQ(op_->get("/api/v1/seals/users/" + uid).j()["username"], "sealop");
}

TEST_F(SealApiTest, ExportedSealMakerSignatureVerifiesWithOpenssl) {
  const std::string sid = demo("rsa-sign")["id"];
  auto der = op_->get("/api/v1/seals/" + sid + "/eseal");
  ASSERT_EQ(der.status, 200);
  auto seal = seal::decode_seal(as_bytes(der.body));
  ASSERT_TRUE(seal.ok()) << seal.error().to_string();
  EXPECT_EQ(seal->info.es_id, sid);
  ASSERT_TRUE(seal::verify_seal(*seal, unix_millis()).ok());
  put("maker.der", seal->maker_cert);
  put("tbs.der", seal::maker_tbs(seal->version, seal->info_der, seal->maker_cert, seal->sign_alg).value());
  put("sig.der", seal->signature);
  std::string out;
  ASSERT_EQ(sh("openssl x509 -inform DER -in maker.der -pubkey -noout > maker.pub", &out), 0) << out;
  const std::string verify = "openssl pkeyutl -verify -pubin -inkey maker.pub -rawin -in tbs.der -sigfile sig.der "
                             "-digest sm3 -pkeyopt distid:1234567812345678";
  EXPECT_EQ(sh(verify, &out), 0) << out;
  EXPECT_NE(out.find("Signature Verified Successfully"), std::string::npos) << out;
  // The same check fails on a changed structure.
  Bytes tbs = seal::maker_tbs(seal->version, seal->info_der, seal->maker_cert, seal->sign_alg).value();
  tbs[tbs.size() / 2] ^= 1;
  put("tbs.der", tbs);
  EXPECT_NE(sh(verify, &out), 0) << out;
}

TEST_F(SealApiTest, SignatureTimestampedByOurTsaPassesAllSteps) {
  auto der = op_->get("/api/v1/seals/" + demo("sm2-sign")["id"].get<std::string>() + "/eseal");
  auto seal = seal::decode_seal(as_bytes(der.body)).value();
  auto& keys = server_->platform().keys;
  auto key = keys.get("sm2-sign").value();
  auto pair = crypto::KeyPair::from_pkcs8(key.private_der().value().view()).value();
  auto signer = crypto::Signer::create(crypto::SignatureAlg::sm2_sm3, pair).value();
  auto cert = pki::Certificate::parse_pem(keys.certificate("sm2-sign").value()).value().front();
  Bytes doc_hash = crypto::hash(crypto::HashAlg::sm3, as_bytes("discharge summary"));
  auto sig = seal::sign_with_seal(seal, {doc_hash, "/Doc_0/Signs/Sign_0/Signature.xml", unix_millis(), {}}, cert, signer);
  ASSERT_TRUE(sig.ok()) << sig.error().to_string();
  tsp::TimeStampRequest req;
  req.imprint = {cms::DigestAlgorithm::sm3, crypto::hash(crypto::HashAlg::sm3, sig->signature)};
  req.cert_req = true;
  Bytes q = tsp::encode_request(req).value();
  auto r = server_->client().request(http::verb::post, "/tsa", std::string(q.begin(), q.end()),
                                     "application/timestamp-query");
  ASSERT_EQ(r.status, 200);
  auto resp = tsp::parse_response(as_bytes(r.body)).value();
  ASSERT_TRUE(resp.token.has_value());
  ASSERT_TRUE(seal::attach_timestamp(*sig, *resp.token).ok());
  auto decoded = seal::decode_signature(sig->der).value();
  seal::SignatureCheck check;
  check.document_hash = doc_hash;
  auto report = seal::verify_signature(decoded, check);
  ASSERT_TRUE(report.ok()) << report.error().to_string();
  EXPECT_TRUE(report->time_from_timestamp);
  EXPECT_TRUE(report->hash_checked);
  // A token over something else fails step (6).
  req.imprint.hashed_message = crypto::hash(crypto::HashAlg::sm3, as_bytes("other"));
  q = tsp::encode_request(req).value();
  r = server_->client().request(http::verb::post, "/tsa", std::string(q.begin(), q.end()), "application/timestamp-query");
  ASSERT_TRUE(seal::attach_timestamp(decoded, *tsp::parse_response(as_bytes(r.body))->token).ok());
  EXPECT_EQ(seal::verify_signature(decoded, check).error().code, Errc::seal_timestamp_invalid);
}

TEST_F(SealApiTest, CliMakesListsAndRefusesToResumeARevokedSeal) {
  const std::string data = " --data " + server_->data_dir().string();
  std::string out;
  ASSERT_EQ(sh(kBin + " seal make 'CLI 章' --owner 'CLI 医院' --key sm2-sign --dpi 150 --activate --json" + data, &out), 0)
      << out;
  json made = json::parse(out.substr(out.find('{')));
  const std::string id = made["id"];
  EXPECT_EQ(made["state"], "active");
  ASSERT_EQ(sh(kBin + " seal list --state active --owner 'CLI 医院' --json" + data, &out), 0) << out;
  json list = json::parse(out.substr(out.find('[')));
  ASSERT_EQ(list.size(), 1u);
  EXPECT_EQ(list[0]["id"], id);
  ASSERT_EQ(sh(kBin + " seal show " + id + " --json" + data, &out), 0) << out;
  EXPECT_EQ(sh(kBin + " seal export " + id + " --out cli.esl" + data, &out), 0) << out;
  auto esl = crypto::read_file(work_ / "cli.esl").value();
  EXPECT_EQ(seal::decode_seal(esl)->info.es_id, id);
  EXPECT_EQ(sh(kBin + " seal revoke " + id + " --reason 'test over'" + data, &out), 0) << out;
  EXPECT_EQ(sh(kBin + " seal resume " + id + data, &out), 1) << out;
  EXPECT_NE(out.find("revocation is final"), std::string::npos) << out;
  EXPECT_EQ(audits("seal.revoke", id), 1);
  auto actor = server_->platform().db->query("SELECT actor FROM audit_log WHERE action = 'seal.make' AND target = ?", {id});
  EXPECT_EQ(actor->at(0).text(0), "cli");
}

}  // namespace
}  // namespace medsign::test
