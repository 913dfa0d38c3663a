// ca::CertificateAuthority — the embedded CA: a CA certificate with its private key, issuing end-entity
// and intermediate certificates under named profiles (docs/CA.md) and signing CRLs.
//
// The private key lives in memory only; callers persist it sealed (services/ca_service.h seals it with the
// data dir's key-encryption key). Certificates are built with asn1::Writer and signed with crypto::Signer:
// SM2 keys sign sm3WithSM2 (default ID), RSA keys sha256WithRSAEncryption, ECDSA keys ecdsa-with-SHA256/384.
// Serial numbers are 16 random octets made positive (at least 121 bits of entropy). A CertificateAuthority is a value;
// its methods are const and safe to call concurrently.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "asn1/oid.h"
#include "common/bytes.h"
#include "common/error.h"
#include "crypto/algorithms/pk.h"
#include "pki/certificate.h"
#include "pki/crl.h"
#include "pki/csr.h"

namespace medsign::ca {

// Certificate profiles (docs/CA.md has the table of key usages and extensions).
enum class Profile {
  root_ca,
  intermediate_ca,
  personal_signing,     // a person's signing certificate (one half of the personal pair)
  personal_encryption,  // a person's encryption certificate (the other half)
  organization,         // a hospital, department or other organisation (e.g. for electronic seals)
  device,               // a server, application or medical device (SM2 or RSA)
  tablet,               // a handwriting-signature tablet
  tls_server,           // an HTTPS server
};
// "root-ca", "intermediate-ca", "personal-signing", "personal-encryption", "organization", "device", "tablet",
// "tls-server".
std::string_view profile_name(Profile p);
Result<Profile> parse_profile(std::string_view s);
// The end-entity profiles, in the order above.
std::vector<Profile> end_entity_profiles();

// Chinese identity extensions (STANDARDS.md §8.1) added when requested (non-critical). Empty = absent.
struct IdentityExtensions {
  std::string id_card_number;              // GM/T 0015 IdentifyCode, residenterCardNumber [0] IMPLICIT PrintableString
  std::string passport_number;             // GM/T 0015 IdentifyCode, passportNumber [2] IMPLICIT PrintableString
  std::string insurance_number;            // GM/T 0015 InsuranceNumber, PrintableString
  std::string organization_code;           // GM/T 0015 OrganizationCode, PrintableString
  std::string unified_social_credit_code;  // GM/T 0015-2023 1.2.156.10260.4.4, PrintableString
  std::string health_worker_id;            // 2.16.156.10011.1.4 (WS/T 500 health-worker number), UTF8String
  bool empty() const;
};

struct IssueOptions {
  Profile profile = Profile::personal_signing;
  int days = 365;                           // validity from now_ms
  std::int64_t now_ms = 0;                  // notBefore; 0 = the current time
  std::vector<std::string> dns_names;       // subjectAltName (tls_server requires one)
  std::vector<std::string> ip_addresses;    // subjectAltName iPAddress (dotted IPv4 / IPv6 text)
  std::vector<std::string> emails;          // subjectAltName rfc822Name
  IdentityExtensions identity;
  // Copy these requested extensions from the PKCS#10 (only the identity extensions of §8.1 are honoured;
  // every other extension is set by the profile).
  bool copy_requested_identity = true;
};

// Settings of a CA that end up in what it issues.
struct CaSettings {
  std::string crl_url;                   // cRLDistributionPoints of certificates this CA issues ("" = none)
  std::vector<asn1::Oid> policies;       // certificatePolicies of end-entity certificates ("" = none)
};

struct Revocation {
  Bytes serial;                 // INTEGER contents, as in pki::Certificate::serial()
  std::int64_t revoked_ms = 0;
  pki::CrlReason reason = pki::CrlReason::unspecified;
};

class CertificateAuthority {
 public:
  // An existing CA. Errors: invalid_argument when the key does not belong to the certificate or the
  // certificate is not a CA (basicConstraints cA, keyCertSign).
  static Result<CertificateAuthority> load(pki::Certificate cert, crypto::KeyPair key, CaSettings settings);
  // A new self-signed root CA with a fresh key.
  static Result<CertificateAuthority> create_root(ByteView subject_der, crypto::KeyAlg alg, int days,
                                                  CaSettings settings, std::int64_t now_ms = 0);
  // A new intermediate CA with a fresh key, certified by this CA (pathLenConstraint 0).
  Result<CertificateAuthority> create_intermediate(ByteView subject_der, crypto::KeyAlg alg, int days,
                                                   CaSettings settings, std::int64_t now_ms = 0) const;

  // Issues from a PKCS#10 request after checking its signature (proof of possession) and that its key
  // suits the profile. Errors: bad_signature, invalid_argument (profile, key type, validity, names).
  Result<pki::Certificate> issue(const pki::CertificationRequest& csr, const IssueOptions& o) const;
  // Issues for a public key (SubjectPublicKeyInfo DER) without a request (keys generated here).
  Result<pki::Certificate> issue_for_key(ByteView subject_der, ByteView spki_der, const IssueOptions& o) const;

  // A v2 CRL with cRLNumber and authorityKeyIdentifier, entries with reasonCode (omitted for unspecified).
  Result<pki::Crl> build_crl(const std::vector<Revocation>& revoked, std::int64_t crl_number, std::int64_t this_update_ms,
                             std::int64_t next_update_ms) const;

  const pki::Certificate& certificate() const { return cert_; }
  const crypto::KeyPair& key() const { return key_; }
  const CaSettings& settings() const { return settings_; }

 private:
  CertificateAuthority(pki::Certificate cert, crypto::KeyPair key, crypto::Signer signer, CaSettings settings)
      : cert_(std::move(cert)), key_(std::move(key)), signer_(std::move(signer)), settings_(std::move(settings)) {}

  pki::Certificate cert_;
  crypto::KeyPair key_;
  crypto::Signer signer_;
  CaSettings settings_;
};

// The signature scheme a CA key of this algorithm signs with.
crypto::SignatureAlg ca_signature_alg(crypto::KeyAlg alg);

// A Name from text "C=CN, O=Hospital, CN=Zhang San" (RDNs in the order written; short names of the OID
// table or dotted OIDs; "\," escapes a comma). C, serialNumber and dnQualifier are PrintableString,
// emailAddress IA5String, everything else UTF8String. Errors: invalid_argument naming the attribute.
Result<Bytes> name_from_text(std::string_view text);

// 16 random octets, the first one in 0x01..0x7f: positive, 121+ bits of entropy, never a leading zero.
Bytes random_serial();

}  // namespace medsign::ca
