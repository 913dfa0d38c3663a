// Certificate parsing of the committed fixtures (tests/data/pki/README.md), cross-checked with openssl.
#include <gtest/gtest.h>

#include <iomanip>
#include <nlohmann/json.hpp>

#include "asn1/oids.h"
#include "pki/certificate.h"
#include "pki_test_util.h"

namespace medsign::pki {
namespace {

using namespace test;
namespace id = asn1::oid;

Certificate load(const std::string& name) {
  auto c = Certificate::parse_der(read_bytes(data_dir() / name));
  EXPECT_TRUE(c.ok()) << name << ": " << (c.ok() ? "" : c.error().to_string());
  return std::move(c).value();
}

std::string openssl_field(const std::string& file, const std::string& args) {
  return capture("openssl x509 -in " + (data_dir() / file).string() + " -noout " + args);
}

TEST(CertificateFixture, Sm2DoctorFieldsMatchOpenssl) {
  Certificate c = load("sm2_doctor.der");
  EXPECT_EQ(c.version(), 3);
  EXPECT_EQ(c.serial_hex(), "00a1b2c3d4e5f60718");
  EXPECT_EQ("serial=" + c.serial_hex().substr(2), "serial=" + [] {
    std::string s = openssl_field("sm2_doctor.pem", "-serial").substr(7);
    for (auto& ch : s) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
    return s;
  }());
  EXPECT_EQ(c.signature_algorithm().oid, id::kSm3WithSm2);
  EXPECT_EQ(c.signature_algorithm().name(), "sm3WithSM2");
  EXPECT_EQ("subject=" + c.subject().to_string(),
            openssl_field("sm2_doctor.pem", "-subject -nameopt utf8,sep_comma_plus_space"));
  EXPECT_EQ("issuer=" + c.issuer().to_string(),
            openssl_field("sm2_doctor.pem", "-issuer -nameopt utf8,sep_comma_plus_space"));
  EXPECT_EQ(c.subject_attribute(id::kCommonName).value(), "张医生");
  EXPECT_EQ(c.subject_attribute(id::kOrganizationalUnitName).value(), "心内科");
  EXPECT_EQ(c.subject_attribute(id::kSerialNumber).value(), "440101199001011234");
  EXPECT_FALSE(c.subject_attribute(id::kEmailAddress).has_value());
  ASSERT_EQ(c.subject().rdns().size(), 7u);
  EXPECT_EQ(c.subject().rdns()[5][0].value_tag, asn1::tag::kUtf8String);
  EXPECT_EQ(c.subject().rdns()[0][0].value_tag, asn1::tag::kPrintableString);

  EXPECT_EQ(c.not_before_ms(), openssl_date_ms(openssl_field("sm2_doctor.pem", "-startdate").substr(10)));
  EXPECT_EQ(c.not_after_ms(), openssl_date_ms(openssl_field("sm2_doctor.pem", "-enddate").substr(9)));

  EXPECT_EQ(c.key_type(), KeyType::sm2);
  EXPECT_EQ(c.public_key().algorithm.oid, id::kEcPublicKey);
  EXPECT_EQ(c.public_key().curve, id::kSm2);
  EXPECT_EQ(c.public_key().bits, 256u);
  ASSERT_EQ(c.public_key().key.size(), 65u);
  EXPECT_EQ(c.public_key().key[0], 0x04);
  EXPECT_FALSE(c.issuer_unique_id().has_value());
}

TEST(CertificateFixture, Sm2DoctorExtensionsAreDecoded) {
  Certificate c = load("sm2_doctor.der");
  EXPECT_EQ(c.extensions().size(), 13u);
  EXPECT_TRUE(c.unknown_critical_extensions().empty());
  ASSERT_TRUE(c.basic_constraints());
  EXPECT_FALSE(c.basic_constraints()->ca);
  ASSERT_TRUE(c.key_usage());
  EXPECT_TRUE(c.key_usage()->has(KeyUsageBit::digital_signature));
  EXPECT_TRUE(c.key_usage()->has(KeyUsageBit::non_repudiation));
  EXPECT_FALSE(c.key_usage()->has(KeyUsageBit::key_cert_sign));
  EXPECT_TRUE(c.find_extension(id::kKeyUsage)->critical);
  EXPECT_EQ(*c.extended_key_usage(),
            (std::vector<asn1::Oid>{id::kKpClientAuth, id::kKpEmailProtection, id::kKpMsDocumentSigning}));

  Certificate root = load("sm2_root.der");
  ASSERT_TRUE(c.authority_key_identifier() && c.authority_key_identifier()->key_id);
  EXPECT_EQ(*c.authority_key_identifier()->key_id, *root.subject_key_identifier());
  EXPECT_EQ(c.subject_key_identifier()->size(), 20u);

  const auto& san = *c.subject_alt_names();
  ASSERT_EQ(san.size(), 7u);
  EXPECT_EQ(san[0].type_name(), "email");
  EXPECT_EQ(san[0].value, "zhang.yisheng@example.cn");
  EXPECT_EQ(san[1].type_name(), "dns");
  EXPECT_EQ(san[1].value, "doctor.example.cn");
  EXPECT_EQ(san[2].type_name(), "uri");
  EXPECT_EQ(san[2].value, "https://his.example.cn/staff/1234");
  EXPECT_EQ(san[3].value, "192.0.2.10");
  EXPECT_EQ(san[4].type_name(), "ip");
  EXPECT_EQ(san[4].value, "2001:db8::1");
  EXPECT_EQ(san[5].type_name(), "otherName");
  EXPECT_EQ(san[5].type_id, id::kMsUpn);
  EXPECT_EQ(san[5].value, "zhang@example.cn");
  EXPECT_EQ(san[6].type_name(), "dirName");
  EXPECT_EQ(san[6].value, "C=CN, O=Example Hospital, CN=Zhang");

  EXPECT_EQ(distribution_point_uris(*c.crl_distribution_points()),
            (std::vector<std::string>{"http://crl.example.cn/sm2root.crl",
                                      "ldap://ldap.example.cn/cn=sm2root%2Co=test?certificateRevocationList;binary"}));
  const auto& aia = *c.authority_info_access();
  ASSERT_EQ(aia.size(), 2u);
  EXPECT_EQ(aia[0].method, id::kAdOcsp);
  EXPECT_EQ(aia[0].location.value, "http://ocsp.example.cn/");
  EXPECT_EQ(aia[1].method, id::kAdCaIssuers);
  const auto& pol = *c.certificate_policies();
  ASSERT_EQ(pol.size(), 1u);
  EXPECT_EQ(pol[0].policy.to_string(), "1.2.156.112559.1.1.4.1");
  EXPECT_EQ(pol[0].cps_uris, std::vector<std::string>{"http://ca.example.cn/cps"});

  auto idc = c.identity(id::kGmIdentifyCode);
  ASSERT_TRUE(idc);
  EXPECT_EQ(idc->kind, "residentIdCard");
  EXPECT_EQ(idc->value, "440101199001011234");
  EXPECT_EQ(c.identity(id::kGmInsuranceNumber)->value, "SI-4401-0099");
  EXPECT_EQ(c.identity(id::kGmUnifiedSocialCreditCode)->value, "12440100455353177X");
  EXPECT_EQ(c.identity(id::kHealthWorkerNumber)->value, "医师-110440100001234");
  EXPECT_FALSE(c.identity(id::kGmTaxationNumber).has_value());

  // GM/T 0029 "by OID": subject items first, then extensions.
  EXPECT_EQ(c.info_by_oid(id::kCommonName).value(), "张医生");
  EXPECT_EQ(c.info_by_oid(id::kGmIdentifyCode).value(), "440101199001011234");
  EXPECT_EQ(c.info_by_oid(id::kBasicConstraints).value(), "3000");
  EXPECT_FALSE(c.info_by_oid(id::kGmTaxationNumber).has_value());
}

TEST(CertificateFixture, Sm2SignatureVerifiesAgainstIssuer) {
  Certificate root = load("sm2_root.der");
  Certificate doctor = load("sm2_doctor.der");
  EXPECT_TRUE(root.verify_signature(root).ok());
  auto st = doctor.verify_signature(root);
  EXPECT_TRUE(st.ok()) << st.error().to_string();
  auto wrong = doctor.verify_signature(doctor);
  ASSERT_FALSE(wrong.ok());
  EXPECT_EQ(wrong.error().code, Errc::bad_signature);
  EXPECT_TRUE(root.is_self_issued());
  EXPECT_FALSE(doctor.is_self_issued());
  EXPECT_EQ(doctor.issuer(), root.subject());
  EXPECT_EQ(root.basic_constraints()->path_len, 1);
  EXPECT_TRUE(root.key_usage()->has(KeyUsageBit::key_cert_sign));
  EXPECT_TRUE(root.key_usage()->has(KeyUsageBit::crl_sign));
}

TEST(CertificateFixture, PemChainAndRoundTrip) {
  auto chain = Certificate::parse_pem(read_text(data_dir() / "sm2_chain.pem"));
  ASSERT_TRUE(chain.ok()) << chain.error().to_string();
  ASSERT_EQ(chain->size(), 2u);
  EXPECT_EQ((*chain)[0].der(), read_bytes(data_dir() / "sm2_doctor.der"));
  EXPECT_EQ((*chain)[1].der(), read_bytes(data_dir() / "sm2_root.der"));
  EXPECT_EQ((*chain)[0].to_pem(), read_text(data_dir() / "sm2_doctor.pem"));
  auto any = Certificate::parse(to_bytes(read_text(data_dir() / "sm2_root.pem")));
  ASSERT_TRUE(any.ok());
  EXPECT_EQ(any->der(), (*chain)[1].der());
  EXPECT_FALSE(Certificate::parse_pem("no pem here").ok());
  EXPECT_FALSE(Certificate::parse_pem("-----BEGIN CERTIFICATE-----\nAAAA\n").ok());
  EXPECT_FALSE(Certificate::parse_pem("-----BEGIN CERTIFICATE-----\n!!!\n-----END CERTIFICATE-----\n").ok());
}

TEST(CertificateFixture, UnknownCriticalExtensionsAreListed) {
  Certificate c = load("rsa_unknown_critical.der");
  ASSERT_EQ(c.unknown_critical_extensions().size(), 2u);
  EXPECT_EQ(c.unknown_critical_extensions()[0].to_string(), "1.2.3.4.5");
  EXPECT_EQ(c.unknown_critical_extensions()[1], id::kNameConstraints);
  EXPECT_EQ(c.find_extension(asn1::Oid::from_string("1.2.3.4.5").value())->value, (Bytes{0x05, 0x00}));
  EXPECT_EQ(c.key_type(), KeyType::rsa);
  EXPECT_EQ(c.public_key().bits, 2048u);
  EXPECT_TRUE(c.verify_signature(c).ok());
}

TEST(CertificateFixture, P384DeviceUsesGeneralizedTime) {
  Certificate c = load("p384_device.der");
  EXPECT_EQ(c.key_type(), KeyType::ecdsa_p384);
  EXPECT_EQ(c.public_key().bits, 384u);
  EXPECT_EQ(c.signature_algorithm().oid, id::kEcdsaWithSha384);
  EXPECT_GT(c.not_after_ms(), 2524608000000);  // after 2050-01-01
  EXPECT_EQ(c.not_after_ms(), openssl_date_ms(openssl_field("p384_device.pem", "-enddate").substr(9)));
  EXPECT_EQ(*c.extended_key_usage(), std::vector<asn1::Oid>{id::kKpTimeStamping});
  EXPECT_TRUE(c.verify_signature(c).ok());
  EXPECT_EQ(c.fingerprint_sha256(),
            [] {
              std::string s = openssl_field("p384_device.pem", "-fingerprint -sha256");
              s = s.substr(s.find('=') + 1);
              std::string out;
              for (char ch : s) {
                if (ch != ':') out += static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
              }
              return out;
            }());
}

TEST(CertificateFixture, JsonViewCarriesEveryField) {
  Certificate c = load("sm2_doctor.der");
  nlohmann::json j = c.to_json();
  EXPECT_EQ(j["version"], 3);
  EXPECT_EQ(j["serial"], "00a1b2c3d4e5f60718");
  EXPECT_EQ(j["signature_algorithm"]["name"], "sm3WithSM2");
  EXPECT_EQ(j["signature_algorithm"]["oid"], "1.2.156.10197.1.501");
  EXPECT_EQ(j["subject"]["dn"], c.subject().to_string());
  EXPECT_EQ(j["subject"]["rdns"][5][0]["name"], "CN");
  EXPECT_EQ(j["subject"]["rdns"][5][0]["oid"], "2.5.4.3");
  EXPECT_EQ(j["subject"]["rdns"][5][0]["value"], "张医生");
  EXPECT_EQ(j["subject"]["rdns"][5][0]["tag"], "UTF8String");
  EXPECT_EQ(j["subject"]["rdns"][5][0]["raw"], hex_encode(c.subject().rdns()[5][0].raw));
  EXPECT_EQ(j["subject"]["der"], hex_encode(c.subject().der()));
  EXPECT_EQ(j["issuer"]["dn"], c.issuer().to_string());
  EXPECT_EQ(j["validity"]["not_before"]["ms"], c.not_before_ms());
  EXPECT_EQ(j["validity"]["not_after"]["iso"].get<std::string>().back(), 'Z');
  EXPECT_EQ(j["public_key"]["type"], "sm2");
  EXPECT_EQ(j["public_key"]["bits"], 256);
  EXPECT_EQ(j["public_key"]["algorithm"]["name"], "ecPublicKey");
  EXPECT_EQ(j["public_key"]["curve"]["name"], "sm2");
  EXPECT_EQ(j["public_key"]["key"], hex_encode(c.public_key().key));
  EXPECT_FALSE(j.contains("issuer_unique_id"));
  EXPECT_EQ(j["self_issued"], false);
  EXPECT_EQ(j["fingerprints"]["sha256"], c.fingerprint_sha256());
  EXPECT_EQ(j["fingerprints"]["sm3"].get<std::string>().size(), 64u);
  EXPECT_TRUE(j["unknown_critical_extensions"].empty());

  std::map<std::string, nlohmann::json> ext;
  for (const auto& e : j["extensions"]) ext[e["name"]] = e;
  EXPECT_EQ(ext["basicConstraints"]["decoded"]["ca"], false);
  EXPECT_EQ(ext["keyUsage"]["critical"], true);
  EXPECT_EQ(ext["keyUsage"]["decoded"], (nlohmann::json{"digitalSignature", "nonRepudiation"}));
  EXPECT_EQ(ext["extendedKeyUsage"]["decoded"][2]["name"], "msDocumentSigning");
  EXPECT_EQ(ext["subjectKeyIdentifier"]["decoded"], hex_encode(*c.subject_key_identifier()));
  EXPECT_EQ(ext["authorityKeyIdentifier"]["decoded"]["key_id"], hex_encode(*c.authority_key_identifier()->key_id));
  EXPECT_EQ(ext["subjectAltName"]["decoded"][5]["type"], "otherName");
  EXPECT_EQ(ext["subjectAltName"]["decoded"][5]["type_id"]["name"], "msUPN");
  EXPECT_EQ(ext["subjectAltName"]["decoded"][4]["value"], "2001:db8::1");
  EXPECT_EQ(ext["cRLDistributionPoints"]["decoded"][1]["full_name"][0]["value"].get<std::string>().rfind("ldap://", 0),
            0u);
  EXPECT_EQ(ext["authorityInfoAccess"]["decoded"][0]["method"]["name"], "ocsp");
  EXPECT_EQ(ext["certificatePolicies"]["decoded"][0]["cps"][0], "http://ca.example.cn/cps");
  EXPECT_EQ(ext["identifyCode"]["decoded"]["kind"], "residentIdCard");
  EXPECT_EQ(ext["identifyCode"]["decoded"]["value"], "440101199001011234");
  EXPECT_EQ(ext["identifyCode"]["oid"], "1.2.156.10260.4.1.1");
  EXPECT_EQ(ext["healthWorkerNumber"]["decoded"]["value"], "医师-110440100001234");
  EXPECT_EQ(ext["unifiedSocialCreditCode"]["value"], hex_encode(c.find_extension(id::kGmUnifiedSocialCreditCode)->value));

  nlohmann::json u = load("rsa_unknown_critical.der").to_json();
  EXPECT_EQ(u["unknown_critical_extensions"][0]["oid"], "1.2.3.4.5");
  EXPECT_EQ(u["unknown_critical_extensions"][1]["name"], "nameConstraints");
  for (const auto& e : u["extensions"]) {
    if (e["oid"] == "1.2.3.4.5") {
      EXPECT_FALSE(e.contains("decoded"));
    }
  }
  EXPECT_EQ(u["self_issued"], true);
}

}  // namespace
}  // namespace medsign::pki
