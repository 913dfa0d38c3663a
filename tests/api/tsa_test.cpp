// The timestamp authority over HTTP, checked with OpenSSL's `ts` tool as an independent verifier.
#include <fstream>
#include <set>

#include <gtest/gtest.h>

#include "crypto/soft/keystore.h"
#include "harness.h"
#include "tsp/timestamp_issuer.h"

namespace medsign::test {
namespace {
namespace fs = std::filesystem;

class TsaTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    server_ = new TestServer();
    work_ = make_temp_dir("tsa");
    std::ofstream(work_ / "record.txt") << "检验报告 / lab report 2026-11-27 patient 0042\n";
  }
  static void TearDownTestSuite() {
    delete server_;
    fs::remove_all(work_);
  }
  static int sh(const std::string& cmd, std::string* out = nullptr) {
    return run_command("cd " + work_.string() + " && " + cmd, out);
  }
  static Bytes file(const std::string& name) { return crypto::read_file(work_ / name).value(); }
  static void put(const std::string& name, ByteView b) {
    ASSERT_TRUE(crypto::write_file_atomic(work_ / name, b, 0644).ok());
  }
  // POSTs a query file to a TSA path and stores the reply.
  static Response stamp(const std::string& path, const std::string& query, const std::string& reply) {
    Bytes q = file(query);
    auto r = server_->client().request(http::verb::post, path, std::string(q.begin(), q.end()),
                                       "application/timestamp-query");
    put(reply, as_bytes(r.body));
    return r;
  }
  static std::string ca() { return (server_->data_dir() / "keys" / "dev-ca.pem").string(); }
  static TestServer* server_;
  static fs::path work_;
};
TestServer* TsaTest::server_ = nullptr;
fs::path TsaTest::work_;

TEST_F(TsaTest, OpenSslVerifiesRsaAndEcdsaTokensWithAndWithoutCertificates) {
  for (const char* unit : {"rsa", "ecdsa"}) {
    SCOPED_TRACE(unit);
    ASSERT_EQ(sh("openssl ts -query -data record.txt -sha256 -cert -out q.tsq"), 0);
    auto r = stamp(std::string("/tsa/") + unit, "q.tsq", "r.tsr");
    ASSERT_EQ(r.status, 200) << r.body;
    EXPECT_EQ(r.headers["Content-Type"], "application/timestamp-reply");
    std::string out;
    EXPECT_EQ(sh("openssl ts -verify -queryfile q.tsq -in r.tsr -CAfile " + ca(), &out), 0) << out;
    EXPECT_NE(out.find("Verification: OK"), std::string::npos) << out;
    // Without -cert the token carries no certificate: the verifier is given the TSA certificate.
    ASSERT_EQ(sh("openssl ts -query -data record.txt -sha256 -out q2.tsq"), 0);
    ASSERT_EQ(stamp(std::string("/tsa/") + unit, "q2.tsq", "r2.tsr").status, 200);
    auto chain = server_->tsa().chain_pem(unit).value();
    put("tsa.pem", as_bytes(chain));
    EXPECT_EQ(sh("openssl ts -verify -queryfile q2.tsq -in r2.tsr -CAfile " + ca() + " -untrusted tsa.pem", &out), 0)
        << out;
    // A token for other data does not verify.
    std::ofstream(work_ / "other.txt") << "something else\n";
    EXPECT_NE(sh("openssl ts -verify -data other.txt -in r.tsr -CAfile " + ca(), &out), 0) << out;
  }
}

TEST_F(TsaTest, Sm2TokensParseWithOpenSslAndVerifyHereAndWithPkeyutl) {
  std::string out;
  ASSERT_EQ(sh("openssl ts -query -data record.txt -sm3 -cert -out q.tsq"), 0);
  auto r = stamp("/tsa", "q.tsq", "r.tsr");  // the default unit is sm2
  ASSERT_EQ(r.status, 200);
  ASSERT_EQ(sh("openssl ts -reply -in r.tsr -text", &out), 0) << out;
  EXPECT_NE(out.find("Status: Granted."), std::string::npos) << out;
  EXPECT_NE(out.find("Hash Algorithm: sm3"), std::string::npos) << out;
  EXPECT_NE(out.find("Nonce: 0x"), std::string::npos) << out;
  EXPECT_NE(out.find("TSA: DirName:"), std::string::npos) << out;

  auto resp = tsp::parse_response(file("r.tsr")).value();
  ASSERT_TRUE(resp.token.has_value());
  auto req = tsp::parse_request(file("q.tsq"), nullptr).value();
  auto v = tsp::verify_token(*resp.token, {}, &req.imprint, &*req.nonce).value();
  EXPECT_TRUE(v.ok) << v.problem;
  EXPECT_EQ(v.tst.imprint.algorithm, cms::DigestAlgorithm::sm3);
  EXPECT_LT(std::llabs(v.tst.gen_time_ms - std::chrono::duration_cast<std::chrono::milliseconds>(
                                               std::chrono::system_clock::now().time_since_epoch())
                                               .count()),
            10000);
  ASSERT_TRUE(v.signer.has_value());
  EXPECT_EQ(v.signer->key_type(), pki::KeyType::sm2);
  // Independently: SM2 over the signed attributes with the distinguishing ID.
  auto sd = cms::parse_signed_data(*resp.token).value();
  put("attrs.der", sd.signers[0].signed_attributes_der);
  put("sig.bin", sd.signers[0].signature);
  put("tsa.pem", as_bytes(v.signer->to_pem()));
  ASSERT_EQ(sh("openssl x509 -in tsa.pem -pubkey -noout > tsa.pub"), 0);
  EXPECT_EQ(sh("openssl pkeyutl -verify -pubin -inkey tsa.pub -rawin -digest sm3 -pkeyopt distid:1234567812345678 "
               "-in attrs.der -sigfile sig.bin",
               &out),
            0)
      << out;
  // The imprint of other data is refused by our verifier.
  tsp::MessageImprint other{cms::DigestAlgorithm::sm3, Bytes(32, 0x11)};
  EXPECT_FALSE(tsp::verify_token(*resp.token, {}, &other).value().ok);
}

TEST_F(TsaTest, SerialNumbersAreUniqueAndEveryTokenIsLogged) {
  ASSERT_EQ(sh("openssl ts -query -data record.txt -sha256 -out q.tsq"), 0);
  std::set<std::string> serials;
  for (int i = 0; i < 20; ++i) {
    auto r = stamp("/tsa/ecdsa", "q.tsq", "r.tsr");
    ASSERT_EQ(r.status, 200);
    auto resp = tsp::parse_response(file("r.tsr")).value();
    ASSERT_TRUE(resp.token.has_value());
    const Bytes token = resp.token.value();
    auto tst = tsp::verify_token(token, {}).value().tst;
    EXPECT_GE(tst.serial.size(), 8u);
    serials.insert(hex_encode(tst.serial));
    auto logged = server_->platform().db->query("SELECT unit, imprint, requester, token FROM tsa_tokens WHERE serial = ?",
                                                {hex_encode(tst.serial)});
    ASSERT_TRUE(logged.ok());
    ASSERT_EQ(logged->size(), 1u);
    EXPECT_EQ((*logged)[0].text(0), "ecdsa");
    EXPECT_EQ((*logged)[0].text(1), hex_encode(tst.imprint.hashed_message));
    EXPECT_EQ((*logged)[0].blob(3), token);
  }
  EXPECT_EQ(serials.size(), 20u);
}

TEST_F(TsaTest, RejectionsCarryTheRightFailureInfo) {
  auto failinfo = [&](const std::string& path) {
    auto resp = tsp::parse_response(file("r.tsr"));
    EXPECT_TRUE(resp.ok()) << path;
    EXPECT_EQ(resp->status, tsp::PkiStatus::rejection);
    EXPECT_FALSE(resp->token.has_value());
    return resp->fail_info.value_or(tsp::FailInfo::system_failure);
  };
  ASSERT_EQ(sh("openssl ts -query -data record.txt -md5 -out md5.tsq"), 0);
  ASSERT_EQ(stamp("/tsa/rsa", "md5.tsq", "r.tsr").status, 200);
  EXPECT_EQ(failinfo("md5"), tsp::FailInfo::bad_alg);

  ASSERT_EQ(sh("openssl ts -query -data record.txt -sha256 -tspolicy 1.2.3.4.5 -out pol.tsq"), 0);
  ASSERT_EQ(stamp("/tsa/rsa", "pol.tsq", "r.tsr").status, 200);
  EXPECT_EQ(failinfo("policy"), tsp::FailInfo::unaccepted_policy);

  tsp::TimeStampRequest wrong_len{1, {cms::DigestAlgorithm::sha256, Bytes(20, 1)}, std::nullopt, std::nullopt, false, {}};
  put("len.tsq", tsp::encode_request(wrong_len).value());
  ASSERT_EQ(stamp("/tsa/rsa", "len.tsq", "r.tsr").status, 200);
  EXPECT_EQ(failinfo("length"), tsp::FailInfo::bad_data_format);

  put("junk.tsq", as_bytes("definitely not DER"));
  ASSERT_EQ(stamp("/tsa/rsa", "junk.tsq", "r.tsr").status, 200);
  EXPECT_EQ(failinfo("junk"), tsp::FailInfo::bad_request);

  ASSERT_EQ(sh("openssl ts -query -data record.txt -sha256 -out ok.tsq"), 0);
  server_->set_clock_problem("clock offset 5000 ms exceeds the configured accuracy of 1000 ms");
  ASSERT_EQ(stamp("/tsa/rsa", "ok.tsq", "r.tsr").status, 200);
  EXPECT_EQ(failinfo("clock"), tsp::FailInfo::time_not_available);
  auto resp = tsp::parse_response(file("r.tsr")).value();
  ASSERT_FALSE(resp.status_text.empty());
  EXPECT_NE(resp.status_text[0].find("exceeds"), std::string::npos);
  server_->set_clock_problem(std::nullopt);
  ASSERT_EQ(stamp("/tsa/rsa", "ok.tsq", "r.tsr").status, 200);
  EXPECT_EQ(tsp::parse_response(file("r.tsr")).value().status, tsp::PkiStatus::granted);
}

TEST_F(TsaTest, TransportErrorsUseTheCatalogue) {
  auto c = server_->client();
  auto wrong_type = c.request(http::verb::post, "/tsa", "x", "application/json");
  EXPECT_EQ(wrong_type.status, 415);
  auto unknown = c.request(http::verb::post, "/tsa/nope", "x", "application/timestamp-query");
  EXPECT_EQ(unknown.status, 404);
  EXPECT_EQ(unknown.error_code(), "not_found");
}

}  // namespace
}  // namespace medsign::test
