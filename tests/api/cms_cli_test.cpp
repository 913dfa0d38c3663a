// `medsign cms sign|verify|encrypt|decrypt|sign-envelope|open-envelope` against the openssl CLI: what our CLI
// signs (RSA, ECDSA), `openssl cms -verify` accepts; what `openssl cms -sign` makes, our CLI verifies (with
// --ca trust anchors); `openssl cms -decrypt` opens our RSA envelopes and we open `openssl cms -encrypt` output.
#include <fstream>

#include <gtest/gtest.h>

#include "harness.h"

namespace medsign::test {
namespace {
namespace fs = std::filesystem;

const std::string kBin = MEDSIGN_BINARY;

class CmsCliTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    work_ = make_temp_dir("cmscli");
    std::ofstream(work_ / "record.txt") << "出院小结 / discharge summary 2026-11-27\n";
    std::string out;
    ASSERT_EQ(sh("openssl req -x509 -newkey rsa:2048 -nodes -keyout rsa.key -out rsa.pem -subj '/CN=RSA Doctor' "
                 "-days 30 2>&1 && openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout ec.key "
                 "-out ec.pem -subj '/CN=EC Doctor' -days 30 2>&1 && openssl genpkey -algorithm SM2 -out sm2.key && "
                 "openssl req -x509 -key sm2.key -sm3 -sigopt distid:1234567812345678 -out sm2.pem -subj '/CN=SM2 "
                 "Doctor' -days 30 && openssl genpkey -algorithm SM2 -out sm2b.key && openssl req -x509 -key sm2b.key "
                 "-sm3 -sigopt distid:1234567812345678 -out sm2b.pem -subj '/CN=SM2 Nurse' -days 30",
                 &out),
              0)
        << out;
  }
  static void TearDownTestSuite() {
    std::error_code ec;
    fs::remove_all(work_, ec);
  }
  static int sh(const std::string& cmd, std::string* out = nullptr) {
    return run_command("cd " + work_.string() + " && " + cmd, out);
  }
  static fs::path work_;
};
fs::path CmsCliTest::work_;

TEST_F(CmsCliTest, OpenSslVerifiesWhatOurCliSigns) {
  std::string out;
  for (std::string k : {"rsa", "ec"}) {
    SCOPED_TRACE(k);
    ASSERT_EQ(sh(kBin + " cms sign --in record.txt --out " + k + ".p7s --cert " + k + ".pem --key " + k + ".key", &out), 0)
        << out;
    EXPECT_EQ(sh("openssl cms -verify -binary -inform DER -in " + k + ".p7s -CAfile " + k + ".pem -out v.txt", &out), 0)
        << out;
    EXPECT_EQ(sh("cmp v.txt record.txt", &out), 0);
    ASSERT_EQ(sh(kBin + " cms sign --detached --pem --in record.txt --out " + k + ".d.pem --cert " + k + ".pem --key " + k +
                     ".key",
                 &out),
              0)
        << out;
    EXPECT_EQ(sh("openssl cms -verify -binary -inform PEM -in " + k + ".d.pem -content record.txt -CAfile " + k +
                     ".pem -out /dev/null",
                 &out),
              0)
        << out;
    // And our own verify, with the certificate as trust anchor.
    EXPECT_EQ(sh(kBin + " cms verify --in " + k + ".d.pem --content record.txt --ca " + k + ".pem", &out), 0) << out;
    EXPECT_NE(out.find("trusted"), std::string::npos) << out;
  }
  // A key that does not belong to the certificate.
  EXPECT_EQ(sh(kBin + " cms sign --in record.txt --out x.p7s --cert rsa.pem --key ec.key", &out), 1);
  EXPECT_NE(out.find("does not belong"), std::string::npos) << out;
}

TEST_F(CmsCliTest, OurCliVerifiesWhatOpenSslSigns) {
  std::string out;
  for (std::string k : {"rsa", "ec"}) {
    SCOPED_TRACE(k);
    ASSERT_EQ(sh("openssl cms -sign -binary -nodetach -in record.txt -signer " + k + ".pem -inkey " + k +
                     ".key -outform DER -out o.p7s",
                 &out),
              0)
        << out;
    EXPECT_EQ(sh(kBin + " cms verify --in o.p7s --ca " + k + ".pem --out got.txt", &out), 0) << out;
    EXPECT_EQ(sh("cmp got.txt record.txt", &out), 0);
    ASSERT_EQ(sh("openssl cms -sign -binary -in record.txt -signer " + k + ".pem -inkey " + k +
                     ".key -outform DER -out d.p7s",
                 &out),
              0)
        << out;
    EXPECT_EQ(sh(kBin + " cms verify --in d.p7s --content record.txt --ca " + k + ".pem", &out), 0) << out;
    // Other content, or an anchor that did not issue the signer: refused with the reason.
    EXPECT_EQ(sh("echo other > other.txt && " + kBin + " cms verify --in d.p7s --content other.txt", &out), 1) << out;
    EXPECT_NE(out.find("FAILED"), std::string::npos) << out;
    std::string other = k == "rsa" ? "ec.pem" : "rsa.pem";
    EXPECT_EQ(sh(kBin + " cms verify --in d.p7s --content record.txt --ca " + other, &out), 1) << out;
    EXPECT_NE(out.find("unknown_issuer"), std::string::npos) << out;
  }
  // --policy needs the named policy of a data directory.
  EXPECT_NE(sh(kBin + " cms verify --in d.p7s --content record.txt --policy nosuch --data nodata", &out), 0);
  EXPECT_NE(out.find("error:"), std::string::npos) << out;
}

TEST_F(CmsCliTest, EnvelopesGoBothWaysWithOpenSsl) {
  std::string out;
  ASSERT_EQ(sh(kBin + " cms encrypt --in record.txt --out env.der --cert rsa.pem", &out), 0) << out;
  EXPECT_EQ(sh("openssl cms -decrypt -binary -inform DER -in env.der -recip rsa.pem -inkey rsa.key -out plain.txt", &out), 0)
      << out;
  EXPECT_EQ(sh("cmp plain.txt record.txt", &out), 0);
  ASSERT_EQ(sh("openssl cms -encrypt -binary -aes-256-cbc -in record.txt -outform DER -out o.env rsa.pem", &out), 0) << out;
  EXPECT_EQ(sh(kBin + " cms decrypt --in o.env --out mine.txt --cert rsa.pem --key rsa.key", &out), 0) << out;
  EXPECT_EQ(sh("cmp mine.txt record.txt", &out), 0);
  ASSERT_EQ(sh("openssl cms -encrypt -binary -aes-128-cbc -recip rsa.pem -keyopt rsa_padding_mode:oaep -in record.txt "
               "-out o.pem -outform PEM",
               &out),
            0)
      << out;
  EXPECT_EQ(sh(kBin + " cms decrypt --in o.pem --out mine2.txt --cert rsa.pem --key rsa.key", &out), 0) << out;
  EXPECT_EQ(sh("cmp mine2.txt record.txt", &out), 0);
  // The wrong recipient.
  EXPECT_EQ(sh(kBin + " cms decrypt --in o.env --out x.txt --cert ec.pem --key ec.key", &out), 1) << out;
  // SM2/SM4 (GM/T 0010) both ways through our CLI.
  ASSERT_EQ(sh(kBin + " cms encrypt --in record.txt --out sm2.env --cert sm2.pem", &out), 0) << out;
  EXPECT_EQ(sh(kBin + " cms decrypt --in sm2.env --out sm2.txt --cert sm2.pem --key sm2.key", &out), 0) << out;
  EXPECT_EQ(sh("cmp sm2.txt record.txt", &out), 0);
}

TEST_F(CmsCliTest, Sm2SignatureAndSignedEnvelopeRoundTrip) {
  std::string out;
  ASSERT_EQ(sh(kBin + " cms sign --in record.txt --out sm2.p7s --cert sm2.pem --key sm2.key", &out), 0) << out;
  EXPECT_EQ(sh(kBin + " cms verify --in sm2.p7s --ca sm2.pem", &out), 0) << out;
  EXPECT_EQ(sh("openssl asn1parse -inform DER -in sm2.p7s | head -3", &out), 0);
  EXPECT_NE(out.find("1.2.156.10197.6.1.4.2.2"), std::string::npos) << out;  // GM/T 0010 signedData
  ASSERT_EQ(sh(kBin + " cms sign-envelope --in record.txt --out se.der --cert sm2.pem --key sm2.key --to sm2b.pem", &out),
            0)
      << out;
  EXPECT_EQ(sh(kBin + " cms open-envelope --in se.der --out se.txt --cert sm2b.pem --key sm2b.key", &out), 0) << out;
  EXPECT_EQ(sh("cmp se.txt record.txt", &out), 0);
  EXPECT_EQ(sh(kBin + " cms open-envelope --in se.der --out x.txt --cert sm2.pem --key sm2.key", &out), 1) << out;
}

}  // namespace
}  // namespace medsign::test
