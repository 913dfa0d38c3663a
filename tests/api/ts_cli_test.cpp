// `medsign ts query|verify|parse` against a running TSA, and the offline `medsign tsa` commands.
#include <fstream>

#include <gtest/gtest.h>

#include "harness.h"

namespace medsign::test {
namespace {
namespace fs = std::filesystem;

const std::string kBin = MEDSIGN_BINARY;

class TsCliTest : public ::testing::Test {
 protected:
  void SetUp() override {
    work_ = make_temp_dir("tscli");
    std::ofstream(work_ / "record.txt") << "radiology report 0042\n";
    std::ofstream(work_ / "other.txt") << "something else\n";
  }
  void TearDown() override {
    std::error_code ec;
    fs::remove_all(work_, ec);
  }
  int sh(const std::string& cmd, std::string* out = nullptr) {
    return run_command("cd " + work_.string() + " && " + cmd, out);
  }
  fs::path work_;
};

TEST_F(TsCliTest, QueryVerifyAndParseAgainstARunningTsa) {
  TestServer server;
  std::string url = "http://127.0.0.1:" + std::to_string(server.port()) + "/tsa";
  std::string ca = (server.data_dir() / "keys" / "dev-ca.pem").string(), out;
  ASSERT_EQ(sh(kBin + " ts query --in record.txt --alg sm3 --url " + url + " --out r.tsr --request-out q.tsq", &out), 0)
      << out;
  EXPECT_NE(out.find("granted: serial "), std::string::npos) << out;
  EXPECT_EQ(sh("openssl ts -reply -in r.tsr -text", &out), 0) << out;
  EXPECT_EQ(sh(kBin + " ts verify --in r.tsr --data record.txt --ca " + ca, &out), 0) << out;
  EXPECT_NE(out.find("Verification: OK"), std::string::npos);
  EXPECT_EQ(sh(kBin + " ts verify --in r.tsr --data other.txt --ca " + ca, &out), 1) << out;
  EXPECT_NE(out.find("Verification: FAILED: the token is for other data"), std::string::npos) << out;
  // A CA that did not certify the TSA.
  ASSERT_EQ(sh("openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout x.key -subj /CN=X "
               "-days 2 -out x.pem 2>&1",
               &out),
            0)
      << out;
  EXPECT_EQ(sh(kBin + " ts verify --in r.tsr --data record.txt --ca x.pem", &out), 1) << out;
  EXPECT_NE(out.find("does not chain"), std::string::npos) << out;

  EXPECT_EQ(sh(kBin + " ts parse --in r.tsr", &out), 0) << out;
  EXPECT_NE(out.find("Hash algorithm: sm3"), std::string::npos) << out;
  EXPECT_NE(out.find("Signer: C=CN, O=MedSign, CN=MedSign TSA sm2 (sm2)"), std::string::npos) << out;
  EXPECT_NE(out.find("Signature: valid"), std::string::npos) << out;
  EXPECT_EQ(sh(kBin + " ts parse --json --in r.tsr", &out), 0) << out;
  EXPECT_NE(out.find("\"signature_valid\": true"), std::string::npos) << out;

  // An RSA unit, no certificate in the token, a digest instead of the file; OpenSSL agrees.
  ASSERT_EQ(sh("openssl dgst -sha256 -r record.txt | cut -d' ' -f1 > d.hex"), 0);
  ASSERT_EQ(sh(kBin + " ts query --digest $(cat d.hex) --alg sha256 --no-cert --url " + url + "/rsa --out rsa.tsr " +
                   "--request-out rsa.tsq",
               &out),
            0)
      << out;
  ASSERT_EQ(sh(kBin + " tsa chain --unit rsa --data " + server.data_dir().string() + " --out chain.pem", &out), 0) << out;
  EXPECT_EQ(sh("openssl ts -verify -queryfile rsa.tsq -in rsa.tsr -CAfile " + ca + " -untrusted chain.pem", &out), 0)
      << out;
  EXPECT_EQ(sh(kBin + " ts verify --in rsa.tsr --digest $(cat d.hex) --cert chain.pem --ca " + ca, &out), 0) << out;

  // Refusals and bad input.
  EXPECT_EQ(sh(kBin + " ts query --in record.txt --alg sha256 --policy 1.2.3.4.5 --url " + url, &out), 1) << out;
  EXPECT_NE(out.find("rejected"), std::string::npos) << out;
  EXPECT_EQ(sh(kBin + " ts query --in record.txt --url http://127.0.0.1:1/tsa --timeout-ms 2000", &out), 1) << out;
  EXPECT_EQ(sh(kBin + " ts query --in record.txt", &out), 1) << out;
  EXPECT_EQ(sh(kBin + " ts parse --in record.txt", &out), 1) << out;
  EXPECT_EQ(sh("head -c 300 r.tsr > cut.tsr && " + kBin + " ts verify --in cut.tsr", &out), 1) << out;
}

TEST_F(TsCliTest, TsaCommandsManageUnitsOffline) {
  prepare_database_env();
  std::string data = " --data " + (work_ / "d").string(), out;
  ASSERT_EQ(sh(kBin + " init" + data, &out), 0) << out;
  ASSERT_EQ(sh(kBin + " tsa units" + data, &out), 0) << out;
  EXPECT_NE(out.find("sm2\tsm2\tC=CN, O=MedSign, CN=MedSign TSA sm2"), std::string::npos) << out;
  EXPECT_NE(out.find("(default)"), std::string::npos) << out;
  EXPECT_NE(out.find("rsa\trsa"), std::string::npos) << out;
  ASSERT_EQ(sh(kBin + " tsa chain --unit ecdsa" + data, &out), 0) << out;
  EXPECT_EQ(out.find("-----BEGIN CERTIFICATE-----"), 0u) << out;
  EXPECT_NE(out.find("-----BEGIN CERTIFICATE-----", 10), std::string::npos) << out;  // the unit, then its CA
  EXPECT_NE(sh(kBin + " tsa chain --unit nope" + data, &out), 0);

  ASSERT_EQ(sh(kBin + " tsa keygen --unit ward --alg ecdsa" + data, &out), 0) << out;
  ASSERT_EQ(sh(kBin + " tsa units" + data, &out), 0);
  EXPECT_NE(out.find("ward\tecdsa-p256"), std::string::npos) << out;
  EXPECT_EQ(sh(kBin + " tsa keygen --unit ward --alg dsa" + data, &out), 1);
  ASSERT_EQ(sh(kBin + " tsa csr --unit ward --out ward.csr" + data, &out), 0) << out;
  ASSERT_EQ(sh("openssl req -in ward.csr -verify -noout", &out), 0) << out;
  ASSERT_EQ(sh("openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout ca.key "
               "-subj '/CN=Ward CA' -days 5 -addext basicConstraints=critical,CA:TRUE -out ca.pem 2>&1 && "
               "echo 'extendedKeyUsage=critical,timeStamping' > ts.ext && "
               "openssl x509 -req -in ward.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 5 -extfile ts.ext "
               "-out ward.pem 2>&1",
               &out),
            0)
      << out;
  EXPECT_EQ(sh(kBin + " tsa import-cert --unit ward ward.pem" + data, &out), 1) << out;
  EXPECT_NE(out.find("issuer is unknown"), std::string::npos) << out;
  ASSERT_EQ(sh(kBin + " tsa ca-import ca.pem" + data, &out), 0) << out;
  ASSERT_EQ(sh(kBin + " tsa import-cert --unit ward ward.pem" + data, &out), 0) << out;
  ASSERT_EQ(sh(kBin + " tsa chain --unit ward --out ward-chain.pem" + data, &out), 0) << out;
  EXPECT_EQ(sh("openssl verify -CAfile ca.pem ward-chain.pem", &out), 0) << out;
  ASSERT_EQ(sh(kBin + " tsa ca-export" + data, &out), 0) << out;
  EXPECT_NE(out.find("BEGIN CERTIFICATE"), std::string::npos);
  ASSERT_EQ(sh(kBin + " audit verify" + data, &out), 0) << out;
}

}  // namespace
}  // namespace medsign::test
