// libmedsign-svs operations against a real MedSign server, through the C API of the shared library only:
// SM2 and RSA signatures checked with the openssl CLI, attached and detached messages (openssl cms),
// certificates, the Init/Update/Final families, the codes for bad input and small buffers, the example
// program and the library's exported symbols.
#include <algorithm>
#include <cctype>

#include "common/clock.h"
#include "crypto/soft/keystore.h"
#include "svs_sdk_fixture.h"

namespace medsign::test::svs_sdk {
namespace {

class SvsSdkTest : public SvsSdkFixture {};

TEST_F(SvsSdkTest, Sm2SignDataVerifiesOnTheServerAndWithOpenSsl) {
  Buf sig = sign_data(SGD_SM3_SM2, 1, kRecord);
  ASSERT_GT(sig.size(), 60u);
  EXPECT_EQ(sig[0], 0x30);  // DER SM2Signature
  Buf cert = export_cert("1");
  EXPECT_EQ(SVS_VerifySignedData(h_, SVS_CERT_TYPE_CERT, cert.data(), len(cert), u8(kRecord), len(kRecord),
                                 sig.data(), len(sig), SVS_VERIFY_CHAIN),
            GM_SUCCESS)
      << SVS_GetLastErrorText();
  // By serial number: the server finds its own key's certificate.
  std::string serial_hex = parse(SGD_CERT_SERIAL, cert);
  Buf serial;
  for (std::size_t i = 0; i + 1 < serial_hex.size(); i += 2) {
    serial.push_back(static_cast<unsigned char>(std::stoi(serial_hex.substr(i, 2), nullptr, 16)));
  }
  EXPECT_EQ(SVS_VerifySignedData(h_, SVS_CERT_TYPE_SN, serial.data(), len(serial), u8(kRecord), len(kRecord),
                                 sig.data(), len(sig), SVS_VERIFY_CHAIN),
            GM_SUCCESS)
      << SVS_GetLastErrorText();
  // Other data: GM_INVALID_SIGNATURE, with its name.
  std::string other = kRecord + ".";
  int rc = SVS_VerifySignedData(h_, SVS_CERT_TYPE_CERT, cert.data(), len(cert), u8(other), len(other), sig.data(),
                                len(sig), SVS_VERIFY_CHAIN);
  EXPECT_EQ(rc, GM_INVALID_SIGNATURE);
  EXPECT_STREQ(SVS_GetErrorString(rc), "GM_INVALID_SIGNATURE: signature invalid");
  EXPECT_NE(std::string(SVS_GetLastErrorText()).find("GM_INVALID_SIGNATURE"), std::string::npos);
  // OpenSSL verifies the same signature with the certificate's key and the default SM2 ID.
  put("sm2.der", cert);
  put("sm2.sig", sig);
  put("record.txt", Buf(kRecord.begin(), kRecord.end()));
  std::string out;
  ASSERT_EQ(sh("openssl x509 -inform DER -in sm2.der -pubkey -noout > sm2.pub", &out), 0) << out;
  EXPECT_EQ(sh("openssl pkeyutl -verify -pubin -inkey sm2.pub -rawin -digest sm3 -pkeyopt distid:1234567812345678 "
               "-in record.txt -sigfile sm2.sig",
               &out),
            0)
      << out;
}

TEST_F(SvsSdkTest, RsaSignDataIsPkcs1Sha256AndVerifies) {
  Buf sig = sign_data(SGD_SHA256_RSA, 2, kRecord);
  EXPECT_EQ(sig.size(), 256u);
  Buf cert = export_cert("2");
  EXPECT_EQ(SVS_VerifySignedData(h_, SVS_CERT_TYPE_CERT, cert.data(), len(cert), u8(kRecord), len(kRecord),
                                 sig.data(), len(sig), SVS_VERIFY_CHAIN),
            GM_SUCCESS)
      << SVS_GetLastErrorText();
  sig[10] ^= 1;
  EXPECT_EQ(SVS_VerifySignedData(h_, SVS_CERT_TYPE_CERT, cert.data(), len(cert), u8(kRecord), len(kRecord),
                                 sig.data(), len(sig), SVS_VERIFY_CHAIN),
            GM_INVALID_SIGNATURE);
  sig[10] ^= 1;
  put("rsa.der", cert);
  put("rsa.sig", sig);
  put("record2.txt", Buf(kRecord.begin(), kRecord.end()));
  std::string out;
  ASSERT_EQ(sh("openssl x509 -inform DER -in rsa.der -pubkey -noout > rsa.pub", &out), 0) << out;
  EXPECT_EQ(sh("openssl dgst -sha256 -verify rsa.pub -signature rsa.sig record2.txt", &out), 0) << out;
  // An SM2 method with the RSA key: GM_ERROR_SIGN_METHOD.
  unsigned n = len(sig);
  EXPECT_EQ(SVS_SignData(h_, SGD_SM3_SM2, 2, nullptr, u8(kRecord), len(kRecord), sig.data(), &n),
            GM_ERROR_SIGN_METHOD);
}

TEST_F(SvsSdkTest, SignMessageAttachedAndDetachedVerify) {
  // SM2, attached (originalText), with the chain and signed attributes: GM/T 0010 SignedData.
  Buf p7(16384);
  unsigned n = len(p7);
  ASSERT_EQ(SVS_SignMessage(h_, SGD_SM3_SM2, 1, "", u8(kRecord), len(kRecord), p7.data(), &n, 0, 1, 1, 0, 1),
            GM_SUCCESS)
      << SVS_GetLastErrorText();
  p7.resize(n);
  const Buf record(kRecord.begin(), kRecord.end());
  EXPECT_NE(std::search(p7.begin(), p7.end(), record.begin(), record.end()), p7.end()) << "content not attached";
  EXPECT_EQ(SVS_VerifySignedMessage(h_, nullptr, 0, p7.data(), len(p7), 0, 1, 1, 0, 1), GM_SUCCESS)
      << SVS_GetLastErrorText();
  // RSA, detached: verifies with the content, not with other content; openssl cms agrees.
  Buf d(16384);
  n = len(d);
  ASSERT_EQ(SVS_SignMessage(h_, SGD_SHA256_RSA, 2, nullptr, u8(kRecord), len(kRecord), d.data(), &n, 0, 0, 1, 0, 1),
            GM_SUCCESS)
      << SVS_GetLastErrorText();
  d.resize(n);
  EXPECT_EQ(std::search(d.begin(), d.end(), record.begin(), record.end()), d.end()) << "content attached";
  EXPECT_EQ(SVS_VerifySignedMessage(h_, u8(kRecord), len(kRecord), d.data(), len(d), 0, 0, 1, 0, 1), GM_SUCCESS)
      << SVS_GetLastErrorText();
  std::string other = "another report";
  EXPECT_EQ(SVS_VerifySignedMessage(h_, u8(other), len(other), d.data(), len(d), 0, 0, 1, 0, 1), GM_INVALID_SIGNATURE)
      << SVS_GetLastErrorText();
  put("msg.p7s", d);
  put("content.txt", Buf(kRecord.begin(), kRecord.end()));
  std::string out;
  EXPECT_EQ(sh("openssl cms -verify -binary -inform DER -in msg.p7s -content content.txt -CAfile " + ca() +
                   " -purpose any -out /dev/null",
               &out),
            0)
      << out;
  // Not CMS at all: GM_INVALID_DATA_FORMAT.
  EXPECT_EQ(SVS_VerifySignedMessage(h_, nullptr, 0, u8(other), len(other), 0, 0, 0, 0, 0), GM_INVALID_DATA_FORMAT);
}

TEST_F(SvsSdkTest, ExportParseAndValidateCertificates) {
  Buf cert = export_cert("1");
  put("exported.der", cert);
  std::string out;
  ASSERT_EQ(sh("openssl x509 -inform DER -in exported.der -noout -subject -serial", &out), 0) << out;
  EXPECT_NE(parse(SGD_CERT_SUBJECT_CN, cert).find("sm2-sign"), std::string::npos);
  EXPECT_NE(out.find(parse(SGD_CERT_SUBJECT_CN, cert)), std::string::npos) << out;
  std::string serial = parse(SGD_CERT_SERIAL, cert);
  for (auto& ch : serial) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
  EXPECT_NE(out.find("serial=" + serial), std::string::npos) << out;
  EXPECT_EQ(parse(SGD_CERT_VERSION, cert), "3");
  // By key name too.
  EXPECT_EQ(export_cert("sm2-sign"), cert);
  // ValidateCert includes revocation: with the server's own anchors and no CRL it fails closed.
  int state = -1;
  EXPECT_EQ(SVS_ValidateCert(h_, cert.data(), len(cert), 0, &state), GM_ERROR_SERVER_CONNECT);
  EXPECT_NE(std::string(SVS_GetLastErrorText()).find("GM_ERROR_SERVER_CONNECT"), std::string::npos);
  // The calling application's named policy (development CA trusted, revocation not consulted): good.
  auto& pol = server_->pki();
  const services::PkiActor pa{"test", "operator", "test"};
  auto ca_pem = crypto::read_file(server_->data_dir() / "keys" / "dev-ca.pem").value();
  auto anchors = pol.add_certificates("anchor", ca_pem, pa);
  ASSERT_TRUE(anchors.ok()) << anchors.error().to_string();
  services::PkiProject project;
  project.name = "sdk-devca";
  project.anchors = {anchors->front().fingerprint};
  project.revocation = pki::RevocationMode::off;
  ASSERT_TRUE(pol.put_project(project, true, pa).ok());
  ASSERT_TRUE(pol.put_policy({"sdk-norev", "", {"sdk-devca"}, services::CrlFailure::project}, true, pa).ok());
  const services::Actor op{"test", services::Role::operator_, "test"};
  auto dev = services::dev_app_credentials(server_->platform()).value();
  services::NewApp spec;
  spec.name = "dev-app";
  spec.keys = {1, 2, 3, 4};
  spec.policy = "sdk-norev";
  ASSERT_TRUE(server_->svs().update_app(dev.first, spec, op).ok());
  state = -1;
  EXPECT_EQ(SVS_ValidateCert(h_, cert.data(), len(cert), 0, &state), GM_SUCCESS) << SVS_GetLastErrorText();
  EXPECT_EQ(state, SVS_CERT_STATE_GOOD);
  spec.policy.clear();
  ASSERT_TRUE(server_->svs().update_app(dev.first, spec, op).ok());
  // Unknown item, unknown key, not a certificate.
  Buf info(64);
  unsigned n = len(info);
  EXPECT_EQ(SVS_ParseCert(h_, 0x7f, cert.data(), len(cert), info.data(), &n), GM_ERROR_CERT_INFO_TYPE);
  n = len(cert);
  Buf out_cert(8192);
  n = len(out_cert);
  EXPECT_EQ(SVS_ExportCert(h_, "99", out_cert.data(), &n), GM_ERROR_CERT_ID);
  Buf junk = {0x30, 0x03, 0x02, 0x01, 0x01};
  n = len(info);
  int rc = SVS_ParseCert(h_, SGD_CERT_SUBJECT, junk.data(), len(junk), info.data(), &n);
  EXPECT_TRUE(rc == GM_ERROR_CERT_DECODE || rc == GM_INVALID_DATA_FORMAT) << SVS_GetErrorString(rc);
}

TEST_F(SvsSdkTest, WrongKeyIndexAndBadArgumentsHaveSpecificCodes) {
  Buf sig(512);
  unsigned n = len(sig);
  EXPECT_EQ(SVS_SignData(h_, SGD_SM3_SM2, 77, nullptr, u8(kRecord), len(kRecord), sig.data(), &n), GM_ERROR_KEY_INDEX);
  EXPECT_STREQ(SVS_GetErrorString(GM_ERROR_KEY_INDEX), "GM_ERROR_KEY_INDEX: bad private-key index");
  EXPECT_EQ(SVS_SignData(nullptr, SGD_SM3_SM2, 1, nullptr, u8(kRecord), len(kRecord), sig.data(), &n), SVS_ERROR_PARAM);
  EXPECT_EQ(SVS_SignData(h_, SGD_SM3_SM2, 1, nullptr, u8(kRecord), len(kRecord), sig.data(), nullptr), SVS_ERROR_PARAM);
  EXPECT_EQ(SVS_SignData(h_, SGD_SM3_SM2, 1, nullptr, nullptr, 5, sig.data(), &n), SVS_ERROR_PARAM);
  EXPECT_EQ(SVS_SignDataUpdate(h_, SGD_SM3_SM2, nullptr, 0, u8(kRecord), len(kRecord), sig.data(), &n), SVS_ERROR_PARAM);
  EXPECT_EQ(SVS_VerifySignedData(h_, 3, sig.data(), 4, u8(kRecord), len(kRecord), sig.data(), 4, 1), SVS_ERROR_PARAM);
  // A running hash that is not one: the server's GM_INVALID_DATA_FORMAT.
  unsigned char junk[50] = {0x7f};
  n = len(sig);
  EXPECT_EQ(SVS_SignDataUpdate(h_, SGD_SM3_SM2, junk, sizeof junk, u8(kRecord), len(kRecord), sig.data(), &n),
            GM_INVALID_DATA_FORMAT)
      << SVS_GetErrorString(SVS_SignDataUpdate(h_, SGD_SM3_SM2, junk, sizeof junk, u8(kRecord), len(kRecord), sig.data(), &n));
  void* h = nullptr;
  EXPECT_EQ(SVS_Open("", nullptr, &h), SVS_ERROR_PARAM);
  EXPECT_EQ(SVS_Open("127.0.0.1:notaport", nullptr, &h), SVS_ERROR_PARAM);
  EXPECT_EQ(SVS_Open("::1:6029", nullptr, &h), SVS_ERROR_PARAM);
  EXPECT_EQ(h, nullptr);
  SVS_Options tls{};
  tls.tls_ca_file = "/nonexistent/ca.pem";
  EXPECT_EQ(SVS_Open("127.0.0.1:6029", &tls, &h), SVS_ERROR_TLS);
  EXPECT_EQ(SVS_Close(nullptr), SVS_ERROR_PARAM);
  EXPECT_STREQ(SVS_GetErrorString(12345), "unknown code");
}

TEST_F(SvsSdkTest, BufferTooSmallGivesTheLengthNeeded) {
  // NULL buffer: the length needed, success.
  unsigned need = 0;
  ASSERT_EQ(SVS_ExportCert(h_, "1", nullptr, &need), GM_SUCCESS);
  ASSERT_GT(need, 300u);
  Buf small(16);
  unsigned n = len(small);
  EXPECT_EQ(SVS_ExportCert(h_, "1", small.data(), &n), SVS_ERROR_BUFFER_TOO_SMALL);
  EXPECT_EQ(n, need);
  EXPECT_NE(std::string(SVS_GetLastErrorText()).find("needed"), std::string::npos);
  Buf exact(need);
  n = need;
  EXPECT_EQ(SVS_ExportCert(h_, "1", exact.data(), &n), GM_SUCCESS);
  EXPECT_EQ(n, need);
  EXPECT_EQ(exact[0], 0x30);
  // A signature into 8 bytes.
  n = 8;
  EXPECT_EQ(SVS_SignData(h_, SGD_SHA256_RSA, 2, nullptr, u8(kRecord), len(kRecord), small.data(), &n),
            SVS_ERROR_BUFFER_TOO_SMALL);
  EXPECT_EQ(n, 256u);
}


// The Init/Update/Final families: the running hash travels in hashValue; the result equals the one-shot
// operation's (the one-shot verify accepts the multi-part signature and the other way round).
TEST_F(SvsSdkTest, MultiPartSignAndVerifyMatchTheOneShotOperations) {
  const std::string parts[] = {"part one of a long record, ", std::string(5000, 'x'), ", the end"};
  const std::string whole = parts[0] + parts[1] + parts[2];
  Buf cert = export_cert("1");
  std::string pub = parse(SGD_CERT_DER_PUBLIC_KEY, cert);
  using Init = int (*)(void*, int, const unsigned char*, unsigned, const unsigned char*, unsigned,
                       const unsigned char*, unsigned, unsigned char*, unsigned*);
  using Update = int (*)(void*, int, const unsigned char*, unsigned, const unsigned char*, unsigned, unsigned char*,
                         unsigned*);
  // Runs Init over parts[0] and Update over the others; the final hashValue.
  auto run = [&](Init init, Update update, int method, const std::string& key) {
    Buf hash(512);
    unsigned n = len(hash);
    EXPECT_EQ(init(h_, method, key.empty() ? nullptr : u8(key), len(key), nullptr, 0, u8(parts[0]), len(parts[0]),
                   hash.data(), &n),
              GM_SUCCESS)
        << SVS_GetLastErrorText();
    hash.resize(n);
    for (int i = 1; i < 3; ++i) {
      Buf next(512);
      n = len(next);
      EXPECT_EQ(update(h_, method, hash.data(), len(hash), u8(parts[i]), len(parts[i]), next.data(), &n), GM_SUCCESS)
          << SVS_GetLastErrorText();
      next.resize(n);
      hash = next;
    }
    return hash;
  };

  // SM2 data: Z of the signer's key first (signerPublicKey).
  Buf hash = run(SVS_SignDataInit, SVS_SignDataUpdate, SGD_SM3_SM2, pub);
  Buf sig(256);
  unsigned n = len(sig);
  ASSERT_EQ(SVS_SignDataFinal(h_, SGD_SM3_SM2, 1, nullptr, hash.data(), len(hash), sig.data(), &n), GM_SUCCESS)
      << SVS_GetLastErrorText();
  sig.resize(n);
  EXPECT_EQ(SVS_VerifySignedData(h_, SVS_CERT_TYPE_CERT, cert.data(), len(cert), u8(whole), len(whole), sig.data(),
                                 len(sig), SVS_VERIFY_CHAIN),
            GM_SUCCESS)
      << SVS_GetLastErrorText();
  Buf one_shot = sign_data(SGD_SM3_SM2, 1, whole);
  Buf vhash = run(SVS_VerifySignedDataInit, SVS_VerifySignedDataUpdate, SGD_SM3_SM2, pub);
  EXPECT_EQ(SVS_VerifySignedDataFinal(h_, SGD_SM3_SM2, SVS_CERT_TYPE_CERT, cert.data(), len(cert), vhash.data(),
                                      len(vhash), one_shot.data(), len(one_shot), SVS_VERIFY_CHAIN),
            GM_SUCCESS)
      << SVS_GetLastErrorText();
  Buf wrong = sign_data(SGD_SM3_SM2, 1, "other");
  EXPECT_EQ(SVS_VerifySignedDataFinal(h_, SGD_SM3_SM2, SVS_CERT_TYPE_CERT, cert.data(), len(cert), vhash.data(),
                                      len(vhash), wrong.data(), len(wrong), SVS_VERIFY_CHAIN),
            GM_INVALID_SIGNATURE);

  // RSA data (SHA-256).
  Buf rcert = export_cert("2");
  Buf rhash = run(SVS_SignDataInit, SVS_SignDataUpdate, SGD_SHA256_RSA, "");
  Buf rsig(512);
  n = len(rsig);
  ASSERT_EQ(SVS_SignDataFinal(h_, SGD_SHA256_RSA, 2, nullptr, rhash.data(), len(rhash), rsig.data(), &n), GM_SUCCESS)
      << SVS_GetLastErrorText();
  rsig.resize(n);
  EXPECT_EQ(SVS_VerifySignedData(h_, SVS_CERT_TYPE_CERT, rcert.data(), len(rcert), u8(whole), len(whole), rsig.data(),
                                 len(rsig), SVS_VERIFY_CHAIN),
            GM_SUCCESS)
      << SVS_GetLastErrorText();

  // Messages: the content hash only; Final gives a detached SignedData.
  Buf mhash = run(SVS_SignMessageInit, SVS_SignMessageUpdate, SGD_SM3_SM2, "");
  Buf p7(16384);
  n = len(p7);
  ASSERT_EQ(SVS_SignMessageFinal(h_, SGD_SM3_SM2, 1, nullptr, mhash.data(), len(mhash), p7.data(), &n), GM_SUCCESS)
      << SVS_GetLastErrorText();
  p7.resize(n);
  EXPECT_EQ(SVS_VerifySignedMessage(h_, u8(whole), len(whole), p7.data(), len(p7), 0, 0, 0, 0, 0), GM_SUCCESS)
      << SVS_GetLastErrorText();
  Buf vmhash = run(SVS_VerifySignedMessageInit, SVS_VerifySignedMessageUpdate, SGD_SM3_SM2, "");
  EXPECT_EQ(SVS_VerifySignedMessageFinal(h_, SGD_SM3_SM2, vmhash.data(), len(vmhash), p7.data(), len(p7)), GM_SUCCESS)
      << SVS_GetLastErrorText();
  Buf other = run(SVS_VerifySignedMessageInit, SVS_VerifySignedMessageUpdate, SGD_SM3_SM2, "");
  other.back() ^= 1;  // a different running hash: not this message's digest
  EXPECT_NE(SVS_VerifySignedMessageFinal(h_, SGD_SM3_SM2, other.data(), len(other), p7.data(), len(p7)), GM_SUCCESS);
}


TEST_F(SvsSdkTest, ExampleProgramSignsAndVerifiesHello) {
  std::string out;
  int rc = run_command(std::string(SVS_EXAMPLE) + " " + addr(server_->svs_tcp_port()), &out);
  EXPECT_EQ(rc, 0) << out;
  EXPECT_NE(out.find("verified: the signature of \"hello\" is valid"), std::string::npos) << out;
  // Against nothing: exit status 1 and the reason.
  SilentListener closed(true);
  rc = run_command(std::string(SVS_EXAMPLE) + " " + addr(closed.port()), &out);
  EXPECT_NE(rc, 0);
  EXPECT_NE(out.find("SVS_ERROR_CONNECT"), std::string::npos) << out;
}

TEST(SvsSdkLibrary, ExportsOnlyTheSvsFunctions) {
  std::string out;
  ASSERT_EQ(run_command(std::string("nm -D --defined-only ") + MEDSIGN_SVS_LIB, &out), 0) << out;
  std::istringstream in(out);
  std::string line;
  int svs = 0;
  while (std::getline(in, line)) {
    auto name = line.substr(line.rfind(' ') + 1);
    if (name.rfind("SVS_", 0) == 0) {
      ++svs;
    } else {
      ADD_FAILURE() << "exported: " << line;
    }
  }
  EXPECT_EQ(svs, 23);  // Open, Close, GetErrorString, GetLastErrorText and the 19 operations
  ASSERT_EQ(run_command(std::string("ldd ") + MEDSIGN_SVS_LIB, &out), 0) << out;
  for (const char* lib : {"libspdlog", "libfmt", "libsqlite", "libpq", "libboost"}) {
    EXPECT_EQ(out.find(lib), std::string::npos) << lib << " in\n" << out;
  }
}


}  // namespace
}  // namespace medsign::test::svs_sdk
