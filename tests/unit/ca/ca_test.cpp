// The embedded CA against OpenSSL as the independent judge: certificates we issue (SM2 and RSA, root →
// intermediate → leaf) pass `openssl verify`, our CRLs pass `openssl crl -verify`, PKCS#10 requests go both
// ways with `openssl req -verify`, and our PKCS#7 / PKCS#12 exports are read by `openssl pkcs7` / `pkcs12`.
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>

#include <gtest/gtest.h>

#include "asn1/oids.h"
#include "ca/authority.h"
#include "ca/export.h"
#include "common/clock.h"
#include "pki/csr.h"

namespace medsign::ca {
namespace {
namespace fs = std::filesystem;
namespace id = asn1::oid;

class CaTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = fs::temp_directory_path() / ("medsign-ca-" + std::to_string(std::random_device{}()));
    fs::create_directories(dir_);
  }
  static void TearDownTestSuite() {
    if (!std::getenv("MEDSIGN_KEEP_TEST_FILES")) fs::remove_all(dir_);
  }
  static int run(const std::string& cmd) {
    return std::system(("cd " + dir_.string() + " && " + cmd + " >cmd.out 2>&1").c_str());
  }
  static std::string output() { return read("cmd.out"); }
  static std::string read(const std::string& name) {
    std::ifstream in(dir_ / name, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), {});
  }
  static void write(const std::string& name, std::string_view data) {
    std::ofstream out(dir_ / name, std::ios::binary);
    out.write(data.data(), static_cast<std::streamsize>(data.size()));
  }
  static void write(const std::string& name, ByteView data) { write(name, as_chars(data)); }

  static Bytes name(const char* text) { return name_from_text(text).value(); }
  static CaSettings settings(const std::string& ca) {
    return {"http://127.0.0.1:8080/crl/" + ca + ".crl", {asn1::Oid::from_string("1.2.3.4.5").value()}};
  }
  // A request for a fresh key of `alg`, signed with it.
  static std::pair<pki::CertificationRequest, crypto::KeyPair> request(crypto::KeyAlg alg, const char* subject,
                                                                       std::vector<pki::Extension> ext = {}) {
    auto key = crypto::KeyPair::generate(alg).value();
    auto signer = crypto::Signer::create(ca_signature_alg(alg), key).value();
    return {pki::build_csr(name(subject), ext, signer).value(), key};
  }

  static fs::path dir_;
};
fs::path CaTest::dir_;

TEST_F(CaTest, OurRequestsVerifyWithOpenSslAndTheirsWithUs) {
  for (auto alg : {crypto::KeyAlg::sm2, crypto::KeyAlg::rsa2048, crypto::KeyAlg::ecdsa_p256}) {
    SCOPED_TRACE(std::string(crypto::key_alg_name(alg)));
    auto [csr, key] = request(alg, "C=CN, O=医院, CN=张三");
    ASSERT_TRUE(csr.verify_signature().ok());
    write("ours.csr", csr.to_pem());
    EXPECT_EQ(run("openssl req -verify -noout -in ours.csr" +
                  std::string(alg == crypto::KeyAlg::sm2 ? " -vfyopt distid:1234567812345678" : "")),
              0)
        << output();
  }
  ASSERT_EQ(run("openssl genpkey -algorithm SM2 -out sm2.key && openssl req -new -key sm2.key -sm3 -sigopt "
                "distid:1234567812345678 -subj '/C=CN/CN=Device 1' -addext 'keyUsage=digitalSignature' -out sm2.csr"),
            0)
      << output();
  ASSERT_EQ(run("openssl req -new -newkey rsa:2048 -nodes -keyout rsa.key -subj '/CN=RSA Device' -out rsa.csr"), 0);
  for (const char* f : {"sm2.csr", "rsa.csr"}) {
    auto csr = pki::CertificationRequest::parse(as_bytes(read(f)));
    ASSERT_TRUE(csr.ok()) << f << ": " << csr.error().to_string();
    EXPECT_TRUE(csr->verify_signature().ok()) << f;
  }
  auto sm2 = pki::CertificationRequest::parse(as_bytes(read("sm2.csr"))).value();
  EXPECT_EQ(sm2.public_key().type, pki::KeyType::sm2);
  ASSERT_NE(sm2.find_requested_extension(id::kKeyUsage), nullptr);
  EXPECT_EQ(sm2.subject().to_string(), "C=CN, CN=Device 1");
}

TEST_F(CaTest, TamperedAndMalformedRequestsGetSpecificErrors) {
  auto [csr, key] = request(crypto::KeyAlg::sm2, "CN=Alice");
  Bytes der = csr.der();
  der[der.size() - 5] ^= 1;  // inside the signature
  auto bad = pki::CertificationRequest::parse_der(der);
  ASSERT_TRUE(bad.ok());
  EXPECT_EQ(bad->verify_signature().error().code, Errc::bad_signature);
  // A request whose subject was changed after signing.
  Bytes swapped = csr.der();
  auto pos = std::search(swapped.begin(), swapped.end(), std::begin("Alice"), std::begin("Alice") + 5);
  ASSERT_NE(pos, swapped.end());
  *pos = 'B';
  EXPECT_EQ(pki::CertificationRequest::parse_der(swapped)->verify_signature().error().code, Errc::bad_signature);
  for (std::size_t n : {std::size_t{0}, std::size_t{1}, csr.der().size() / 2, csr.der().size() - 1}) {
    auto r = pki::CertificationRequest::parse_der(ByteView(csr.der()).first(n));
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().code, Errc::bad_encoding);
  }
  Bytes trailing = csr.der();
  trailing.push_back(0);
  EXPECT_EQ(pki::CertificationRequest::parse_der(trailing).error().code, Errc::bad_encoding);
  EXPECT_EQ(pki::CertificationRequest::parse(as_bytes("-----BEGIN CERTIFICATE-----\nMAA=\n-----END CERTIFICATE-----\n"))
                .error()
                .code,
            Errc::bad_encoding);
}

TEST_F(CaTest, Sm2AndRsaChainsPassOpenSslVerify) {
  const std::int64_t now = unix_millis();
  for (auto alg : {crypto::KeyAlg::sm2, crypto::KeyAlg::rsa2048}) {
    SCOPED_TRACE(std::string(crypto::key_alg_name(alg)));
    auto root = CertificateAuthority::create_root(name("C=CN, O=Hospital, CN=Hospital Root CA"), alg, 3650,
                                                  settings("root"), now)
                    .value();
    auto inter = root.create_intermediate(name("C=CN, O=Hospital, CN=Hospital Issuing CA"), alg, 1825,
                                          settings("issuing"), now)
                     .value();
    EXPECT_TRUE(inter.certificate().verify_signature(root.certificate()).ok());
    write("root.pem", root.certificate().to_pem());
    write("inter.pem", inter.certificate().to_pem());
    for (Profile p : end_entity_profiles()) {
      SCOPED_TRACE(std::string(profile_name(p)));
      auto [csr, key] = request(alg, "C=CN, O=Hospital, CN=Subject");
      IssueOptions o;
      o.profile = p;
      o.now_ms = now;
      if (p == Profile::tls_server) o.dns_names = {"sign.hospital.example"};
      if (p == Profile::personal_signing) o.identity.id_card_number = "11010519491231002X";
      if (p == Profile::personal_signing) o.identity.health_worker_id = "D-2024-0042";
      auto cert = inter.issue(csr, o);
      ASSERT_TRUE(cert.ok()) << cert.error().to_string();
      write("leaf.pem", cert->to_pem());
      if (alg == crypto::KeyAlg::sm2) {
        // OpenSSL 3.0 applies -vfyopt distid only to the first certificate it checks (openssl/openssl#23471),
        // and without it uses an empty SM2 ID; so each link is checked on its own with the GM/T 0009 ID.
        EXPECT_EQ(run("openssl verify -vfyopt distid:1234567812345678 -partial_chain -CAfile inter.pem leaf.pem"), 0)
            << output();
        EXPECT_EQ(run("openssl verify -vfyopt distid:1234567812345678 -CAfile root.pem inter.pem"), 0) << output();
      } else {
        EXPECT_EQ(run("openssl verify -CAfile root.pem -untrusted inter.pem leaf.pem"), 0) << output();
      }
      EXPECT_TRUE(cert->unknown_critical_extensions().empty());
      EXPECT_GE(cert->serial().size(), 8u);
      EXPECT_LE(cert->serial().size(), 20u);
      EXPECT_LT(cert->serial()[0], 0x80);
      ASSERT_TRUE(cert->crl_distribution_points());
      EXPECT_EQ(pki::distribution_point_uris(*cert->crl_distribution_points()).front(),
                "http://127.0.0.1:8080/crl/issuing.crl");
      EXPECT_EQ(cert->authority_key_identifier()->key_id, inter.certificate().subject_key_identifier());
      if (p == Profile::personal_signing) {
        auto idc = cert->identity(id::kGmIdentifyCode);
        ASSERT_TRUE(idc);
        EXPECT_EQ(idc->value, "11010519491231002X");
        EXPECT_EQ(idc->kind, "residentIdCard");
        ASSERT_NE(cert->find_extension(id::kHealthWorkerNumber), nullptr);
        EXPECT_TRUE(cert->key_usage()->has(pki::KeyUsageBit::non_repudiation));
      }
      if (p == Profile::personal_encryption) {
        EXPECT_TRUE(cert->key_usage()->has(pki::KeyUsageBit::key_encipherment));
        EXPECT_FALSE(cert->key_usage()->has(pki::KeyUsageBit::digital_signature));
      }
    }
  }
}

TEST_F(CaTest, ProfilesRefuseUnsuitableRequests) {
  auto root = CertificateAuthority::create_root(name("CN=Root"), crypto::KeyAlg::sm2, 365, settings("root")).value();
  auto [ec_csr, k1] = request(crypto::KeyAlg::ecdsa_p256, "CN=Device");
  IssueOptions o;
  o.profile = Profile::device;
  EXPECT_EQ(root.issue(ec_csr, o).error().code, Errc::invalid_argument);
  o.profile = Profile::tls_server;
  EXPECT_EQ(root.issue(ec_csr, o).error().code, Errc::invalid_argument);  // no DNS name
  o.profile = Profile::personal_signing;
  o.identity.id_card_number = "not printable ✗";
  EXPECT_EQ(root.issue(ec_csr, o).error().code, Errc::invalid_argument);
  EXPECT_EQ(name_from_text("CN").error().code, Errc::invalid_argument);
  EXPECT_EQ(name_from_text("XX=1").error().code, Errc::invalid_argument);
  EXPECT_EQ(name_from_text("C=China").error().code, Errc::invalid_argument);
  EXPECT_EQ(parse_profile("admin").error().code, Errc::invalid_argument);
}

TEST_F(CaTest, IdentityExtensionsRequestedInTheCsrAreCopied) {
  auto root = CertificateAuthority::create_root(name("CN=Root"), crypto::KeyAlg::sm2, 365, settings("root")).value();
  asn1::Writer w;
  w.add_element(asn1::Tag::context(0, false), as_bytes("110105194912310021"));
  pki::Extension idc{id::kGmIdentifyCode, false, std::move(w).finish().value()};
  pki::Extension ku{id::kKeyUsage, true, {0x03, 0x02, 0x01, 0x06}};  // keyCertSign: must be ignored
  auto [csr, key] = request(crypto::KeyAlg::sm2, "CN=Patient", {idc, ku});
  auto cert = root.issue(csr, {}).value();
  EXPECT_EQ(cert.identity(id::kGmIdentifyCode)->value, "110105194912310021");
  EXPECT_FALSE(cert.key_usage()->has(pki::KeyUsageBit::key_cert_sign));
}

TEST_F(CaTest, CrlsPassOpenSslCrlVerifyAndCarryReasons) {
  for (auto alg : {crypto::KeyAlg::sm2, crypto::KeyAlg::rsa2048}) {
    SCOPED_TRACE(std::string(crypto::key_alg_name(alg)));
    auto root = CertificateAuthority::create_root(name("CN=CRL Root"), alg, 365, settings("root")).value();
    auto [csr, key] = request(alg, "CN=Revoked");
    auto cert = root.issue(csr, {}).value();
    const std::int64_t now = unix_millis() / 1000 * 1000;
    std::vector<Revocation> revoked{{cert.serial(), now - 60'000, pki::CrlReason::key_compromise},
                                    {random_serial(), now - 120'000, pki::CrlReason::unspecified}};
    auto crl = root.build_crl(revoked, 7, now, now + 86'400'000);
    ASSERT_TRUE(crl.ok()) << crl.error().to_string();
    EXPECT_TRUE(crl->verify(root.certificate()).ok());
    EXPECT_TRUE(crl->usable());
    ASSERT_TRUE(crl->crl_number());
    EXPECT_EQ(*crl->crl_number(), Bytes{7});
    const pki::RevokedCertificate* e = crl->find(cert.serial());
    ASSERT_NE(e, nullptr);
    EXPECT_EQ(e->reason, pki::CrlReason::key_compromise);
    EXPECT_EQ(e->revocation_ms, now - 60'000);
    write("root.pem", root.certificate().to_pem());
    write("ca.crl", crl->to_pem());
    EXPECT_EQ(run("openssl crl -in ca.crl -noout -text"), 0) << output();
    EXPECT_NE(output().find("Key Compromise"), std::string::npos) << output();
    if (alg == crypto::KeyAlg::sm2) {
      // `openssl crl -verify` of OpenSSL 3.0 has no way to set the SM2 ID and uses an empty one; the signature
      // (GM/T 0009 default ID) is checked independently with pkeyutl over the exact tbsCertList.
      write("tbs.bin", crl->tbs_der());
      write("sig.bin", crl->signature());
      ASSERT_EQ(run("openssl x509 -in root.pem -pubkey -noout -out root.pub"), 0);
      EXPECT_EQ(run("openssl pkeyutl -verify -pubin -inkey root.pub -rawin -digest sm3 -pkeyopt "
                    "distid:1234567812345678 -in tbs.bin -sigfile sig.bin"),
                0)
          << output();
    } else {
      EXPECT_EQ(run("openssl crl -in ca.crl -CAfile root.pem -noout -verify"), 0) << output();
      EXPECT_NE(output().find("verify OK"), std::string::npos) << output();
      write("leaf.pem", cert.to_pem());
      EXPECT_NE(run("openssl verify -crl_check -CAfile root.pem -CRLfile ca.crl leaf.pem"), 0);
      EXPECT_NE(output().find("revoked"), std::string::npos) << output();
    }
  }
}

TEST_F(CaTest, Pkcs7AndPkcs12ExportsAreReadByOpenSsl) {
  for (auto alg : {crypto::KeyAlg::rsa2048, crypto::KeyAlg::ecdsa_p256, crypto::KeyAlg::sm2}) {
    SCOPED_TRACE(std::string(crypto::key_alg_name(alg)));
    auto root = CertificateAuthority::create_root(name("CN=Export Root"), alg, 365, settings("root")).value();
    auto inter = root.create_intermediate(name("CN=Export Issuing"), alg, 365, settings("issuing")).value();
    auto key = crypto::KeyPair::generate(alg).value();
    IssueOptions o;
    o.profile = Profile::device;
    if (alg == crypto::KeyAlg::ecdsa_p256) o.profile = Profile::personal_signing;
    auto cert = inter.issue_for_key(name("CN=Exported"), key.public_key_der(), o).value();
    std::vector<pki::Certificate> chain{cert, inter.certificate(), root.certificate()};

    auto p7 = pkcs7_certs_only(chain);
    ASSERT_TRUE(p7.ok()) << p7.error().to_string();
    write("chain.p7b", *p7);
    EXPECT_EQ(run("openssl pkcs7 -inform DER -in chain.p7b -print_certs -noout"), 0) << output();
    EXPECT_NE(output().find("Export Issuing"), std::string::npos) << output();
    auto back = certificates_of_pkcs7(*p7);
    ASSERT_TRUE(back.ok()) << back.error().to_string();
    EXPECT_EQ(back->size(), 3u);

    auto p12 = pkcs12(key.pkcs8().value().view(), chain, "correct horse", "exported");
    ASSERT_TRUE(p12.ok()) << p12.error().to_string();
    write("key.p12", *p12);
    EXPECT_EQ(run("openssl pkcs12 -info -noout -in key.p12 -passin pass:'correct horse'"), 0) << output();
    EXPECT_NE(run("openssl pkcs12 -info -noout -in key.p12 -passin pass:wrong-password"), 0);
    EXPECT_EQ(run("openssl pkcs12 -in key.p12 -passin pass:'correct horse' -nodes -nocerts -out back.key"), 0) << output();
    EXPECT_EQ(run("openssl pkey -in back.key -pubout -outform DER -out back.pub"), 0) << output();
    EXPECT_EQ(read("back.pub"), std::string(as_chars(key.public_key_der())));
    EXPECT_EQ(pkcs12(key.pkcs8().value().view(), chain, "short", "").error().code, Errc::invalid_argument);
  }
}

}  // namespace
}  // namespace medsign::ca
