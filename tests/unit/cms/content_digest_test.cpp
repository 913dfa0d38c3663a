// Signing a digest computed elsewhere (SignRequest::content_digest) and verifying against a digest
// (verify_signatures with ContentDigest): what a PDF signer and verifier need, since the signed bytes are the
// ByteRange of a file streamed from disk. `openssl cms -verify` checks the RSA result independently.
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>

#include <gtest/gtest.h>

#include "cms/signed_data.h"
#include "crypto/soft/evp_key.h"

namespace medsign::cms {
namespace {
namespace fs = std::filesystem;

class ContentDigestTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = fs::temp_directory_path() / ("medsign-cms-digest-" + std::to_string(std::random_device{}()));
    fs::create_directories(dir_);
    run("openssl req -x509 -newkey rsa:2048 -nodes -keyout rsa.key -out rsa.pem -subj '/CN=RSA Signer' -days 30");
    run("openssl genpkey -algorithm SM2 -out sm2.key");
    run("openssl req -x509 -key sm2.key -sm3 -sigopt distid:1234567812345678 -out sm2.pem -subj '/CN=SM2 Signer' -days 30");
  }
  static void TearDownTestSuite() { fs::remove_all(dir_); }
  static int run(const std::string& cmd) {
    std::string c = "cd ";
    c.append(dir_.string()).append(" && ").append(cmd).append(" >/dev/null 2>&1");
    return std::system(c.c_str());
  }
  static std::string read(const std::string& name) {
    std::ifstream in(dir_ / name, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), {});
  }
  static void write(const std::string& name, ByteView b) {
    std::ofstream(dir_ / name, std::ios::binary).write(reinterpret_cast<const char*>(b.data()), static_cast<std::streamsize>(b.size()));
  }
  static SignerSpec signer(const std::string& base, bool sm2) {
    auto key = crypto::EvpKey::from_pem(read(base + ".key")).value();
    SignerSpec s;
    s.certificate = pki::Certificate::parse(as_bytes(read(base + ".pem"))).value();
    s.digest = sm2 ? DigestAlgorithm::sm3 : DigestAlgorithm::sha256;
    s.signature = sm2 ? SignatureAlgorithm::sm2 : SignatureAlgorithm::rsa_pkcs1;
    s.sign = [key](ByteView tbs) { return key.sign(tbs); };
    return s;
  }
  static inline fs::path dir_;
};

const std::string kDocument = "%PDF-1.7 the signed ranges of a document";

TEST_F(ContentDigestTest, RsaSignatureOverPrecomputedDigestVerifiesWithOpensslAndBothVerifiers) {
  SignerSpec s = signer("rsa", false);
  SignRequest req;
  req.detached = true;
  req.content_digest = digest(DigestAlgorithm::sha256, as_bytes(kDocument));
  auto der = sign(req, std::span<const SignerSpec>(&s, 1));
  ASSERT_TRUE(der) << der.error().detail;
  write("sig.der", *der);
  write("content.bin", as_bytes(kDocument));
  EXPECT_EQ(run("openssl cms -verify -binary -inform DER -in sig.der -content content.bin -noverify -out /dev/null"), 0);
  auto sd = parse_signed_data(*der).value();
  auto by_content = verify_signatures(sd, as_bytes(kDocument)).value();
  ASSERT_EQ(by_content.size(), 1u);
  EXPECT_TRUE(by_content[0].ok) << by_content[0].problem;
  auto by_digest = verify_signatures(sd, ContentDigest{DigestAlgorithm::sha256, *req.content_digest}).value();
  EXPECT_TRUE(by_digest[0].ok) << by_digest[0].problem;
}

TEST_F(ContentDigestTest, Sm2GmtSignatureOverPrecomputedDigestVerifiesByDigest) {
  SignerSpec s = signer("sm2", true);
  SignRequest req;
  req.flavor = Flavor::gmt0010;
  req.detached = true;
  req.content_digest = digest(DigestAlgorithm::sm3, as_bytes(kDocument));
  auto der = sign(req, std::span<const SignerSpec>(&s, 1));
  ASSERT_TRUE(der) << der.error().detail;
  auto sd = parse_signed_data(*der).value();
  EXPECT_EQ(sd.flavor, Flavor::gmt0010);
  auto v = verify_signatures(sd, ContentDigest{DigestAlgorithm::sm3, *req.content_digest}).value();
  EXPECT_TRUE(v[0].ok) << v[0].problem;
  EXPECT_TRUE(verify_signatures(sd, as_bytes(kDocument)).value()[0].ok);
}

TEST_F(ContentDigestTest, AlteredDigestOrOtherAlgorithmIsReportedNotAccepted) {
  SignerSpec s = signer("rsa", false);
  SignRequest req;
  req.detached = true;
  req.content_digest = digest(DigestAlgorithm::sha256, as_bytes(kDocument));
  auto sd = parse_signed_data(sign(req, std::span<const SignerSpec>(&s, 1)).value()).value();
  Bytes other = digest(DigestAlgorithm::sha256, as_bytes(std::string("changed")));
  auto v = verify_signatures(sd, ContentDigest{DigestAlgorithm::sha256, other}).value();
  EXPECT_FALSE(v[0].ok);
  EXPECT_NE(v[0].problem.find("messageDigest"), std::string::npos);
  auto sm3 = verify_signatures(sd, ContentDigest{DigestAlgorithm::sm3, digest(DigestAlgorithm::sm3, as_bytes(kDocument))}).value();
  EXPECT_FALSE(sm3[0].ok);
  auto wrong_size = verify_signatures(sd, ContentDigest{DigestAlgorithm::sha256, Bytes(5)});
  ASSERT_FALSE(wrong_size);
  EXPECT_EQ(wrong_size.error().code, Errc::invalid_argument);
}

TEST_F(ContentDigestTest, DigestSigningNeedsDetachedContentAndMatchingSize) {
  SignerSpec s = signer("rsa", false);
  SignRequest req;
  req.content_digest = Bytes(32, 1);
  auto attached = sign(req, std::span<const SignerSpec>(&s, 1));
  ASSERT_FALSE(attached);
  EXPECT_EQ(attached.error().code, Errc::invalid_argument);
  req.detached = true;
  req.content_digest = Bytes(20, 1);
  auto short_digest = sign(req, std::span<const SignerSpec>(&s, 1));
  ASSERT_FALSE(short_digest);
  EXPECT_EQ(short_digest.error().code, Errc::invalid_argument);
}

}  // namespace
}  // namespace medsign::cms
