// The signing and verification service against a real server: REST with application credentials, the
// GM/T 0029 binary protocol over TCP (pipelined) and UDP, the signing log, application management; SM2
// and RSA results checked independently with the openssl CLI.
#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ip/udp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>
#include <gtest/gtest.h>

#include "common/clock.h"
#include "crypto/soft/keystore.h"
#include "harness.h"
#include "server/svs_socket_server.h"
#include "services/platform.h"
#include "svs/message.h"

namespace medsign::test {
namespace {
namespace fs = std::filesystem;
namespace asio = boost::asio;

class SvsTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    server_ = new TestServer();
    work_ = make_temp_dir("svs");
    auto c = services::dev_app_credentials(server_->platform());
    ASSERT_TRUE(c.ok()) << c.error().to_string();
    app_ = c->first;
    secret_ = c->second;
  }
  static void TearDownTestSuite() {
    delete server_;
    fs::remove_all(work_);
  }
  static int sh(const std::string& cmd, std::string* out = nullptr) {
    return run_command("cd " + work_.string() + " && " + cmd, out);
  }
  static void put(const std::string& name, ByteView b) {
    ASSERT_TRUE(crypto::write_file_atomic(work_ / name, b, 0644).ok());
  }
  static Response call(const std::string& path, const json& body, const std::string& app = app_,
                       const std::string& secret = secret_) {
    return server_->client().request(http::verb::post, path, body.dump(), "application/json",
                                     {{"Authorization", "Basic " + base64_encode(as_bytes(app + ":" + secret))}});
  }
  static std::string ca() { return (server_->data_dir() / "keys" / "dev-ca.pem").string(); }
  static std::int64_t log_rows() {
    auto r = server_->platform().db->query("SELECT COUNT(*) FROM svs_log");
    return r ? r->at(0).int64(0) : -1;
  }
  static TestServer* server_;
  static fs::path work_;
  static std::string app_, secret_;
};
TestServer* SvsTest::server_ = nullptr;
fs::path SvsTest::work_;
std::string SvsTest::app_, SvsTest::secret_;

const std::string kRecord = "出院小结 / discharge summary, patient 0042, 2026-11-27";

TEST_F(SvsTest, Sm2SignDataVerifiesHereAndWithOpenSsl) {
  auto s = call("/api/v1/svs/sign-data", {{"key", "1"}, {"data", base64_encode(as_bytes(kRecord))}});
  ASSERT_EQ(s.status, 200) << s.body;
  EXPECT_EQ(s.j()["algorithm"], "sm2-sm3");
  std::string sig = s.j()["signature"];
  auto v = call("/api/v1/svs/verify-data",
                {{"key", "sm2-sign"}, {"data", base64_encode(as_bytes(kRecord))}, {"signature", sig}});
  ASSERT_EQ(v.status, 200) << v.body;
  EXPECT_TRUE(v.j()["valid"].get<bool>()) << v.body;
  // One changed character: GM_INVALID_SIGNATURE.
  auto bad = call("/api/v1/svs/verify-data",
                  {{"key", "1"}, {"data", base64_encode(as_bytes(kRecord + "."))}, {"signature", sig}});
  ASSERT_EQ(bad.status, 200);
  EXPECT_FALSE(bad.j()["valid"].get<bool>());
  EXPECT_EQ(bad.j()["code_name"], "GM_INVALID_SIGNATURE");
  // OpenSSL checks the same signature with the certificate's key and the default SM2 ID.
  auto cert = call("/api/v1/svs/certificate", {{"key", "1"}});
  ASSERT_EQ(cert.status, 200) << cert.body;
  put("sm2.pem", as_bytes(cert.j()["pem"].get<std::string>()));
  put("record.txt", as_bytes(kRecord));
  put("sm2.sig", base64_decode(sig).value());
  std::string out;
  ASSERT_EQ(sh("openssl x509 -in sm2.pem -pubkey -noout > sm2.pub"), 0);
  EXPECT_EQ(sh("openssl pkeyutl -verify -pubin -inkey sm2.pub -rawin -digest sm3 -pkeyopt distid:1234567812345678 "
               "-in record.txt -sigfile sm2.sig",
               &out),
            0)
      << out;
  EXPECT_EQ(sh("openssl verify -CAfile " + ca() + " sm2.pem", &out), 0) << out;
}

TEST_F(SvsTest, RsaSignDataIsPkcs1WithSha256) {
  auto s = call("/api/v1/svs/sign-data", {{"key", "2"}, {"data", base64_encode(as_bytes(kRecord))}});
  ASSERT_EQ(s.status, 200) << s.body;
  auto cert = call("/api/v1/svs/certificate", {{"key", "rsa-sign"}});
  put("rsa.pem", as_bytes(cert.j()["pem"].get<std::string>()));
  put("record2.txt", as_bytes(kRecord));
  put("rsa.sig", base64_decode(s.j()["signature"].get<std::string>()).value());
  std::string out;
  ASSERT_EQ(sh("openssl x509 -in rsa.pem -pubkey -noout > rsa.pub"), 0);
  EXPECT_EQ(sh("openssl dgst -sha256 -verify rsa.pub -signature rsa.sig record2.txt", &out), 0) << out;
  EXPECT_NE(out.find("Verified OK"), std::string::npos);
}

TEST_F(SvsTest, SignMessageGivesCmsThatVerifiesHereAndWithOpenSsl) {
  // SM2: GM/T 0010 SignedData, attached.
  auto s = call("/api/v1/svs/sign-message", {{"key", "1"}, {"data", base64_encode(as_bytes(kRecord))}});
  ASSERT_EQ(s.status, 200) << s.body;
  auto v = call("/api/v1/svs/verify-message", {{"signed_message", s.j()["signed_message"]}, {"return_content", true}});
  ASSERT_EQ(v.status, 200) << v.body;
  EXPECT_TRUE(v.j()["valid"].get<bool>()) << v.body;
  EXPECT_NE(v.j()["signer"]["subject"].get<std::string>().find("sm2-sign"), std::string::npos);
  EXPECT_TRUE(v.j().contains("signing_time"));
  EXPECT_EQ(base64_decode(v.j()["content"].get<std::string>()).value(), Bytes(kRecord.begin(), kRecord.end()));
  // RSA: RFC 5652, detached; openssl cms verifies it against the development CA.
  auto r = call("/api/v1/svs/sign-message",
                {{"key", "2"}, {"data", base64_encode(as_bytes(kRecord))}, {"detached", true}});
  ASSERT_EQ(r.status, 200) << r.body;
  put("msg.p7s", base64_decode(r.j()["signed_message"].get<std::string>()).value());
  put("content.txt", as_bytes(kRecord));
  std::string out;
  EXPECT_EQ(sh("openssl cms -verify -binary -inform DER -in msg.p7s -content content.txt -CAfile " + ca() +
                   " -purpose any -out /dev/null",
               &out),
            0)
      << out;
  // Detached verification with the wrong content fails with a reason.
  auto wrong = call("/api/v1/svs/verify-message",
                    {{"signed_message", r.j()["signed_message"]}, {"data", base64_encode(as_bytes("other"))}});
  ASSERT_EQ(wrong.status, 200);
  EXPECT_FALSE(wrong.j()["valid"].get<bool>());
  EXPECT_FALSE(wrong.j()["reason"].get<std::string>().empty());
}

TEST_F(SvsTest, CredentialsAddressesAndKeyPermissionsAreEnforced) {
  auto bad_secret = call("/api/v1/svs/hash", {{"data", "AA=="}}, app_, secret_ + "x");
  EXPECT_EQ(bad_secret.status, 401);
  auto unknown = call("/api/v1/svs/hash", {{"data", "AA=="}}, "app-0000000000000000", secret_);
  EXPECT_EQ(unknown.status, 401);
  auto none = server_->client().post("/api/v1/svs/hash", {{"data", "AA=="}});
  EXPECT_EQ(none.status, 401);
  // An application from another network, and one without keys.
  const services::Actor op{"test", services::Role::operator_, "test"};
  services::NewApp far;
  far.name = "far-away";
  far.allow = {"10.0.0.0/8"};
  far.keys = {1};
  auto f = server_->svs().add_app(far, op).value();
  auto r = call("/api/v1/svs/hash", {{"data", "AA=="}}, f.app.id, f.secret);
  EXPECT_EQ(r.status, 403) << r.body;
  services::NewApp nokeys;
  nokeys.name = "reader";
  auto n = server_->svs().add_app(nokeys, op).value();
  auto h = call("/api/v1/svs/hash", {{"algorithm", "sm3"}, {"data", base64_encode(as_bytes("abc"))}}, n.app.id, n.secret);
  ASSERT_EQ(h.status, 200) << h.body;
  EXPECT_EQ(hex_encode(base64_decode(h.j()["digest"].get<std::string>()).value()),
            "66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0");
  auto s = call("/api/v1/svs/sign-data", {{"key", "1"}, {"data", "AA=="}}, n.app.id, n.secret);
  EXPECT_EQ(s.status, 403) << s.body;
  // Disabled: refused.
  ASSERT_TRUE(server_->svs().set_app_enabled(n.app.id, false, op).ok());
  EXPECT_EQ(call("/api/v1/svs/hash", {{"data", "AA=="}}, n.app.id, n.secret).status, 401);
  // Bad input: specific errors.
  auto b64 = call("/api/v1/svs/sign-data", {{"key", "1"}, {"data", "***"}});
  EXPECT_EQ(b64.status, 400);
  EXPECT_EQ(b64.j()["error"]["code"], "invalid_argument");
  auto cms = call("/api/v1/svs/verify-message", {{"signed_message", base64_encode(as_bytes("not cms"))}});
  ASSERT_EQ(cms.status, 200);
  EXPECT_EQ(cms.j()["code_name"], "GM_INVALID_DATA_FORMAT");
}

TEST_F(SvsTest, EveryBusinessCallIsLoggedOnceAndOperatorsCanReadTheLog) {
  server_->svs();  // the log writer commits before answering
  auto before = log_rows();
  for (int i = 0; i < 5; ++i) {
    ASSERT_EQ(call("/api/v1/svs/sign-data", {{"key", "1"}, {"data", base64_encode(as_bytes(std::to_string(i)))}}).status,
              200);
  }
  ASSERT_EQ(call("/api/v1/svs/sign-data", {{"key", "9"}, {"data", "AA=="}}).status, 404);
  EXPECT_EQ(log_rows(), before + 6);
  Client admin = server_->login("sysadmin");
  Client op = server_->create_and_login(admin, "svsop", "operator");
  auto log = op.get("/api/v1/svs/log?operation=sign_data&result=failure");
  ASSERT_EQ(log.status, 200) << log.body;
  ASSERT_FALSE(log.j()["entries"].empty());
  EXPECT_EQ(log.j()["entries"][0]["key"], "9");
  EXPECT_EQ(log.j()["entries"][0]["app"], app_);
  // Operators register applications through the API; the secret is shown once and works.
  auto created = op.post("/api/v1/svs/apps", {{"name", "EMR"}, {"keys", {1}}});
  ASSERT_EQ(created.status, 201) << created.body;
  std::string id = created.j()["id"], secret = created.j()["secret"];
  EXPECT_EQ(call("/api/v1/svs/sign-data", {{"key", "1"}, {"data", "AA=="}}, id, secret).status, 200);
  auto listed = op.get("/api/v1/svs/apps/" + id);
  EXPECT_FALSE(listed.j().contains("secret"));
  auto audit = server_->platform().db->query("SELECT COUNT(*) FROM audit_log WHERE action = 'svs.app_create' AND target = ?",
                                             {id});
  EXPECT_EQ(audit->at(0).int64(0), 1);
  // An auditor may read the log but not manage applications.
  Client aa = server_->login("auditadmin");
  Client aud = server_->create_and_login(aa, "svsaud", "auditor");
  EXPECT_EQ(aud.get("/api/v1/svs/log").status, 200);
  EXPECT_EQ(aud.post("/api/v1/svs/apps", {{"name", "x"}}).status, 403);
}

TEST_F(SvsTest, AnApplicationsNamedPolicyDecidesCertificateChecks) {
  auto& pol = server_->pki();
  const services::PkiActor pa{"test", "operator", "test"};
  auto ca = crypto::read_file(server_->data_dir() / "keys" / "dev-ca.pem").value();
  auto anchors = pol.add_certificates("anchor", ca, pa);
  ASSERT_TRUE(anchors.ok()) << anchors.error().to_string();
  services::PkiProject trusted;
  trusted.name = "devca";
  trusted.anchors = {anchors->front().fingerprint};
  trusted.revocation = pki::RevocationMode::off;
  ASSERT_TRUE(pol.put_project(trusted, true, pa).ok());
  services::PkiProject strict = trusted;
  strict.name = "devca-blacklist";
  strict.list_mode = services::ListMode::blacklist;
  ASSERT_TRUE(pol.put_project(strict, true, pa).ok());
  auto sm2_cert = server_->svs().find_key("1").value()->certificate;
  ASSERT_TRUE(pol.add_to_list("devca-blacklist", sm2_cert.der(), pa).ok());
  ASSERT_TRUE(pol.put_policy({"hospital", "", {"devca"}, services::CrlFailure::project}, true, pa).ok());
  ASSERT_TRUE(pol.put_policy({"strict", "", {"devca-blacklist"}, services::CrlFailure::project}, true, pa).ok());

  const services::Actor op{"test", services::Role::operator_, "test"};
  auto app_with = [&](const std::string& policy) {
    services::NewApp a;
    a.name = "policy-" + policy;
    a.keys = {1};
    a.policy = policy;
    return server_->svs().add_app(a, op).value();
  };
  auto sig = call("/api/v1/svs/sign-data", {{"key", "1"}, {"data", base64_encode(as_bytes(kRecord))}});
  json body = {{"key", "1"}, {"data", base64_encode(as_bytes(kRecord))}, {"signature", sig.j()["signature"]}};
  auto h = app_with("hospital");
  auto ok = call("/api/v1/svs/verify-data", body, h.app.id, h.secret);
  EXPECT_TRUE(ok.j()["valid"].get<bool>()) << ok.body;
  auto s = app_with("strict");
  auto refused = call("/api/v1/svs/verify-data", body, s.app.id, s.secret);
  EXPECT_FALSE(refused.j()["valid"].get<bool>()) << refused.body;
  EXPECT_EQ(refused.j()["code_name"], "GM_ERROR_CERT");
  EXPECT_NE(refused.j()["reason"].get<std::string>().find("black"), std::string::npos) << refused.body;
  auto m = app_with("missing");
  auto none = call("/api/v1/svs/verify-data", body, m.app.id, m.secret);
  EXPECT_FALSE(none.j()["valid"].get<bool>());
  EXPECT_NE(none.j()["reason"].get<std::string>().find("missing"), std::string::npos) << none.body;
  // Level 0 checks the validity period only, whatever the policy.
  body["verify_level"] = 0;
  EXPECT_TRUE(call("/api/v1/svs/verify-data", body, s.app.id, s.secret).j()["valid"].get<bool>());
}

// ---- GM/T 0029 binary protocol ----

Bytes encode(const svs::Request& r) { return svs::encode_request(r).value(); }

svs::Request sign_request(const std::string& data) {
  svs::Request r;
  r.type = svs::ReqType::sign_data;
  r.time_ms = 1795000000000;
  r.sign_method = 0x00020201;
  r.key_index = 1;
  r.key_value = Bytes{};
  r.in_data = Bytes(data.begin(), data.end());
  r.in_data_len = static_cast<std::int64_t>(data.size());
  return r;
}

// Reads n DER messages from the socket.
std::vector<svs::Response> read_answers(asio::ip::tcp::socket& s, std::size_t n) {
  std::vector<svs::Response> out;
  Bytes buf;
  while (out.size() < n) {
    auto size = server::der_message_size(buf, 1u << 24);
    if (size.ok() && size->has_value() && buf.size() >= **size) {
      out.push_back(svs::decode_response(ByteView(buf.data(), **size)).value());
      buf.erase(buf.begin(), buf.begin() + static_cast<std::ptrdiff_t>(**size));
      continue;
    }
    std::uint8_t tmp[4096];
    boost::system::error_code ec;
    std::size_t got = s.read_some(asio::buffer(tmp), ec);
    if (ec) break;
    buf.insert(buf.end(), tmp, tmp + got);
  }
  return out;
}

TEST_F(SvsTest, BinaryProtocolAnswersPipelinedRequestsInOrder) {
  asio::io_context ioc;
  asio::ip::tcp::socket s(ioc);
  s.connect({asio::ip::make_address("127.0.0.1"), static_cast<unsigned short>(server_->svs_tcp_port())});
  svs::Request exp;
  exp.type = svs::ReqType::export_cert;
  exp.time_ms = 1795000000000;
  exp.identification = Bytes{'1'};
  // 40 requests in one write: export, then sign requests of distinct data.
  Bytes batch = encode(exp);
  for (int i = 0; i < 40; ++i) {
    Bytes m = encode(sign_request("record " + std::to_string(i)));
    batch.insert(batch.end(), m.begin(), m.end());
  }
  asio::write(s, asio::buffer(batch));
  auto answers = read_answers(s, 41);
  ASSERT_EQ(answers.size(), 41u);
  ASSERT_EQ(answers[0].type, svs::ReqType::export_cert);
  ASSERT_EQ(answers[0].resp_value, svs::kSuccess);
  auto cert = pki::Certificate::parse_der(*answers[0].cert).value();
  // Each signature verifies for its own data: answers are in request order.
  for (int i = 0; i < 40; ++i) {
    const auto& a = answers[static_cast<std::size_t>(i + 1)];
    ASSERT_EQ(a.type, svs::ReqType::sign_data);
    ASSERT_EQ(a.resp_value, svs::kSuccess) << svs::resp_code_name(a.resp_value);
    std::string d = "record " + std::to_string(i);
    EXPECT_TRUE(server_->svs().verify_data(cert, as_bytes(d), *a.signature, 1, unix_millis()).ok) << i;
  }
  // VerifySignedData by serial number, and with a tampered signature.
  svs::Request v;
  v.type = svs::ReqType::verify_signed_data;
  v.time_ms = 1795000000000;
  v.cert_type = 2;
  v.cert_sn = cert.serial();
  v.in_data = Bytes{'r', 'e', 'c', 'o', 'r', 'd', ' ', '3'};
  v.in_data_len = 8;
  v.signature = answers[4].signature;
  v.verify_level = 1;
  svs::Request v_bad = v;
  v_bad.in_data = Bytes{'r', 'e', 'c', 'o', 'r', 'd', ' ', '4'};
  svs::Request wrong_method = sign_request("x");
  wrong_method.sign_method = 0x00010004;
  svs::Request bad_key = sign_request("x");
  bad_key.key_index = 77;
  Bytes more = encode(v);
  for (const auto& r : {v_bad, wrong_method, bad_key}) {
    Bytes m = encode(r);
    more.insert(more.end(), m.begin(), m.end());
  }
  asio::write(s, asio::buffer(more));
  auto res = read_answers(s, 4);
  ASSERT_EQ(res.size(), 4u);
  EXPECT_EQ(res[0].resp_value, svs::kSuccess);
  EXPECT_EQ(res[1].resp_value, svs::kInvalidSignature);
  EXPECT_EQ(res[2].resp_value, svs::kErrorSignMethod);
  EXPECT_EQ(res[3].resp_value, svs::kErrorKeyIndex);
  // A message that decodes as DER but not as SVSRequest: GM_INVALID_DATA_FORMAT, the connection stays.
  Bytes junk = {0x30, 0x03, 0x02, 0x01, 0x05};
  Bytes then = encode(exp);
  junk.insert(junk.end(), then.begin(), then.end());
  asio::write(s, asio::buffer(junk));
  auto res2 = read_answers(s, 2);
  ASSERT_EQ(res2.size(), 2u);
  EXPECT_EQ(res2[0].resp_value, svs::kInvalidDataFormat);
  EXPECT_EQ(res2[1].resp_value, svs::kSuccess);
  // Garbage that is not a message at all: the connection is closed.
  Bytes garbage = {'G', 'E', 'T', ' ', '/'};
  asio::write(s, asio::buffer(garbage));
  std::uint8_t tmp[16];
  boost::system::error_code ec;
  s.read_some(asio::buffer(tmp), ec);
  EXPECT_TRUE(ec) << "the server kept a connection that sent garbage";
}

TEST_F(SvsTest, BinaryProtocolOverUdp) {
  asio::io_context ioc;
  asio::ip::udp::socket s(ioc, asio::ip::udp::v4());
  asio::ip::udp::endpoint to(asio::ip::make_address("127.0.0.1"), static_cast<unsigned short>(server_->svs_udp_port()));
  Bytes q = encode(sign_request("udp record"));
  s.send_to(asio::buffer(q), to);
  std::uint8_t buf[2048];
  asio::ip::udp::endpoint from;
  std::size_t n = s.receive_from(asio::buffer(buf), from);
  auto r = svs::decode_response(ByteView(buf, n));
  ASSERT_TRUE(r.ok()) << r.error().to_string();
  EXPECT_EQ(r->type, svs::ReqType::sign_data);
  EXPECT_EQ(r->resp_value, svs::kSuccess);
  EXPECT_TRUE(r->signature.has_value());
}

// Annex B/C: the same operations as HTTP forms with Base64 fields.
std::map<std::string, std::string> form_fields(const std::string& body) {
  std::map<std::string, std::string> out;
  std::size_t pos = 0;
  while (pos <= body.size()) {
    auto amp = body.find('&', pos);
    std::string part = body.substr(pos, amp == std::string::npos ? std::string::npos : amp - pos);
    auto eq = part.find('=');
    std::string v = part.substr(eq + 1);
    for (auto [from, to] : {std::pair{"%2B", "+"}, std::pair{"%2F", "/"}, std::pair{"%3D", "="}}) {
      for (auto p = v.find(from); p != std::string::npos; p = v.find(from)) v.replace(p, 3, to);
    }
    out[part.substr(0, eq)] = v;
    if (amp == std::string::npos) break;
    pos = amp + 1;
  }
  return out;
}

std::string url_b64(const std::string& b64) {
  std::string out;
  for (char c : b64) out += c == '+' ? "%2B" : c == '/' ? "%2F" : c == '=' ? "%3D" : std::string(1, c);
  return out;
}

TEST_F(SvsTest, HttpFormVariantSignsAndVerifies) {
  std::string data = url_b64(base64_encode(as_bytes(kRecord)));
  auto s = server_->client().request(http::verb::post, "/SignData",
                                     "signMethod=131585&keyIndex=1&keyValue=&inData=" + data,
                                     "application/x-www-form-urlencoded");
  ASSERT_EQ(s.status, 200) << s.body;
  auto f = form_fields(s.body);
  ASSERT_EQ(f["respValue"], "0") << s.body;
  ASSERT_FALSE(f["signature"].empty());
  auto c = server_->client().request(http::verb::post, "/ExportCert", "identification=1",
                                     "application/x-www-form-urlencoded");
  auto cf = form_fields(c.body);
  ASSERT_EQ(cf["respValue"], "0") << c.body;
  std::string common = "type=1&cert=" + url_b64(cf["cert"]) + "&inData=" + data + "&verifyLevel=1&signature=";
  auto v = server_->client().request(http::verb::post, "/VerifySignedData", common + url_b64(f["signature"]),
                                     "application/x-www-form-urlencoded");
  EXPECT_EQ(form_fields(v.body)["respValue"], "0") << v.body;
  Bytes sig = base64_decode(f["signature"]).value();
  sig[sig.size() - 3] ^= 1;
  auto bad = server_->client().request(http::verb::post, "/VerifySignedData", common + url_b64(base64_encode(sig)),
                                       "application/x-www-form-urlencoded");
  EXPECT_EQ(form_fields(bad.body)["respValue"], std::to_string(svs::kInvalidSignature)) << bad.body;
  // A missing field: GM_INVALID_DATA_FORMAT.
  auto missing = server_->client().request(http::verb::post, "/SignData", "keyIndex=1",
                                           "application/x-www-form-urlencoded");
  EXPECT_EQ(form_fields(missing.body)["respValue"], std::to_string(svs::kInvalidDataFormat)) << missing.body;
}

TEST_F(SvsTest, CliRegistersApplicationsAndPrintsJson) {
  fs::path dir = work_ / "data";
  prepare_database_env();  // a fresh, empty database for this data dir (PostgreSQL)
  std::string out;
  ASSERT_EQ(run_command(std::string(MEDSIGN_BINARY) + " init --data " + dir.string(), &out), 0) << out;
  ASSERT_EQ(run_command(std::string(MEDSIGN_BINARY) + " app add HIS --key 1 --allow 192.168.10.0/24 --json --data " +
                            dir.string(),
                        &out),
            0)
      << out;
  auto j = json::parse(out);
  EXPECT_EQ(j["name"], "HIS");
  EXPECT_TRUE(j["id"].get<std::string>().starts_with("app-"));
  EXPECT_GE(j["secret"].get<std::string>().size(), 30u);
  EXPECT_EQ(j["allow"][0], "192.168.10.0/24");
  ASSERT_EQ(run_command(std::string(MEDSIGN_BINARY) + " app list --json --data " + dir.string(), &out), 0) << out;
  EXPECT_EQ(json::parse(out).size(), 2u);  // dev-app and HIS
  EXPECT_EQ(out.find("secret"), std::string::npos);
  EXPECT_NE(run_command(std::string(MEDSIGN_BINARY) + " app add X --allow 300.1.1.1 --data " + dir.string(), &out), 0);
  EXPECT_NE(out.find("300.1.1.1"), std::string::npos) << out;
}

}  // namespace
}  // namespace medsign::test
