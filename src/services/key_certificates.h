// Certificates of the keys the platform holds in its key store (crypto/soft/keystore.h): PKCS#10 requests
// for them, import of a CA-issued certificate with its chain, and the expiry summary of every certificate
// the platform depends on (key-store keys, TSA units, the embedded CA, trust anchors).
//
// Import checks, shared with the TSA unit import (services/tsa_admin.h): the certificate certifies the key
// (the error names both SPKI SHA-256 fingerprints), it is valid now, it has no unknown critical extension,
// the given chain links certificate by certificate, and the leaf's issuer is in the given chain, among the
// known issuers (imported CA certificates, the embedded CA, trust anchors) or the development CA. What the
// key is for is checked separately: TSA units need timestamping (RFC 3161 §2.3); any other key needs the
// keyUsage its current certificate grants for signing (digitalSignature or nonRepudiation) and for
// decryption (keyEncipherment), and must not be a CA certificate. The replaced certificate is kept in
// keys/retired/<name>-<serial>.pem.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "crypto/soft/keystore.h"
#include "pki/certificate.h"

namespace medsign::services {

class ProviderService;

// Hex SHA-256 of a SubjectPublicKeyInfo DER: how errors and the console name a key.
std::string spki_sha256_hex(ByteView spki);

struct KeyCertificateCheck {
  std::string key_label;  // "key 'sm2-sign'", "TSA unit 'default'": used in error messages
  Bytes key_spki;         // SubjectPublicKeyInfo DER of the key
  std::int64_t now_ms = 0;
  std::vector<pki::Certificate> known_issuers;  // besides the given chain
  std::optional<pki::Certificate> dev_ca;       // the development CA (its certificate is not stored with the chain)
};

// `certs`: the leaf, then optionally its chain. Returns the PEM to store for the key: the leaf and the given
// chain, or the leaf and its issuer when no chain was given (the leaf alone when the development CA issued
// it). Errors: invalid_argument naming the failed check ("not for the key", "not valid yet", "has expired",
// "unknown critical extension", "does not link", "issuer is unknown").
Result<std::string> check_key_certificate(const std::vector<pki::Certificate>& certs, const KeyCertificateCheck& c);

// PKCS#10 request (PEM) for a key-store key, with the subject of its current certificate (else
// "O=MedSign, CN=<name>"). TSA units ("tsa-<unit>") get the TSA request (timestamping EKU).
// Errors: key_not_found, crypto_error.
Result<std::string> key_csr_pem(const crypto::SoftKeyStore& keys, const std::string& name,
                                ProviderService* providers = nullptr);

// Installs a certificate (PEM: the leaf, optionally followed by its chain) for a key-store key after the
// checks above; TSA units go through import_unit_certificate. The development CA's key is refused.
// dry_run: check only and store nothing (TSA units: only parse; their checks run on the import itself).
// Errors: key_not_found, bad_encoding (no PEM certificate), invalid_argument (a failed check).
Result<pki::Certificate> import_key_certificate(crypto::SoftKeyStore& keys, const std::string& name,
                                                const std::string& pem, std::int64_t now_ms,
                                                const std::vector<pki::Certificate>& known_issuers,
                                                ProviderService* providers = nullptr, bool dry_run = false);

// The HTTPS server's key, shown as key "tls": sealed under the KEK at server.tls_key, its certificate chain
// at server.tls_cert. A new certificate takes effect when the server restarts (the TLS context is made once).
inline constexpr const char* kTlsKeyName = "tls";
struct TlsServerFiles {
  std::filesystem::path chain, sealed_key;
};
Result<std::string> tls_chain_pem(const TlsServerFiles& f);
Result<std::string> tls_csr_pem(const crypto::SoftKeyStore& keys, const TlsServerFiles& f);
// The checks above, and: digitalSignature when keyUsage is present, serverAuth when extendedKeyUsage is.
// The previous chain is kept in keys/retired/tls-<ms>.pem.
Result<pki::Certificate> import_tls_certificate(const crypto::SoftKeyStore& keys, const TlsServerFiles& f,
                                                const std::string& pem, std::int64_t now_ms,
                                                const std::vector<pki::Certificate>& known_issuers, bool dry_run = false);

// One certificate near or past its notAfter.
struct ExpiryItem {
  std::string kind;  // "key", "tsa_unit", "ca", "ca_issued", "trust_anchor", "provider_key"
  std::string name;  // key name, unit, CA name, serial, or fingerprint
  std::string subject;
  std::int64_t not_after_ms = 0;
  std::int64_t days_left = 0;  // negative: expired that many days ago
};

struct ExpiryCandidate {
  std::string kind, name;
  pki::Certificate certificate;
};

// Days (floor) from now_ms to notAfter.
std::int64_t days_left(std::int64_t not_after_ms, std::int64_t now_ms);

// The certificates of `candidates` and of the key store's keys (TSA units as "tsa_unit", the rest as "key";
// only the leaf of each) whose notAfter is less than warn_days away or past, soonest first.
std::vector<ExpiryItem> expiring_certificates(const crypto::SoftKeyStore& keys,
                                              const std::vector<ExpiryCandidate>& candidates, std::int64_t now_ms,
                                              int warn_days = 30);

}  // namespace medsign::services
