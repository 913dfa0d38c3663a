// Issuing X.509 certificates with OpenSSL for the development CA that `medsign init` creates: the HTTPS
// server certificate and the certificates of administrators' smart keys. (The embedded CA for hospital
// certificates, with SM2-signed certificates, lives in pki/.) The CA key is ECDSA P-256 so that TLS clients
// accept the chain; subject keys may be SM2, ECDSA or RSA.
#pragma once

#include <string>
#include <vector>

#include "crypto/soft/evp_key.h"

namespace medsign::crypto {

enum class CertProfile { root_ca, tls_server, admin_key, audit_key, timestamping, document_signing };

struct CertSpec {
  std::string common_name;
  std::string organization = "MedSign";
  std::vector<std::string> dns_names;     // subjectAltName dNSName (tls_server)
  std::vector<std::string> ip_addresses;  // subjectAltName iPAddress (tls_server)
  int days = 825;
  CertProfile profile = CertProfile::admin_key;
};

// Issues a certificate for subject's public key. With issuer_cert_pem empty the certificate is self-signed
// by issuer_key (which must then be subject). Returns the certificate as PEM.
Result<std::string> issue_certificate(const EvpKey& subject, const CertSpec& spec, const EvpKey& issuer_key,
                                      const std::string& issuer_cert_pem);

struct CertificateInfo {
  std::string subject, issuer, serial_hex, not_before, not_after;  // times ISO 8601
  std::int64_t not_after_ms = 0;
  std::string fingerprint_sha256;  // hex of the DER
};
Result<CertificateInfo> certificate_info(const std::string& pem);
// Checks that cert_pem was issued by ca_pem (signature) and is within its validity.
Status verify_issued_by(const std::string& cert_pem, const std::string& ca_pem);

}  // namespace medsign::crypto
