// Management of TSA units in the soft key store (keys/tsa-<unit>.key / .pem): key generation, PKCS#10
// requests, certificate import with the RFC 3161 checks, and the third-party CA certificates a unit's
// certificate may chain to (keys/ca/<sha256-prefix>.pem). A running TsaService picks changes up through
// TsaService::reload. Replaced unit certificates are kept in keys/tsa-retired/ so that old tokens can
// still be checked. All of keys/ travels in the whole-system backup (services/backup.h).
#pragma once

#include <string>
#include <vector>

#include "crypto/soft/keystore.h"
#include "pki/certificate.h"

namespace medsign::services {

// Unit names: 1..32 of [a-z0-9_-], starting with a letter or digit.
Status check_unit_name(const std::string& unit);
// "sm2", "ecdsa" / "ecdsa-p256", "rsa" / "rsa-2048".
Result<crypto::KeyType> parse_tsa_algorithm(const std::string& s);

std::vector<std::string> tsa_unit_names(const crypto::SoftKeyStore& keys);

// Generates a new key for a new or existing unit and certifies it with the development CA, so the unit
// can issue at once; export a CSR and import the production certificate afterwards. Returns the new
// certificate. The previous certificate, if any, moves to keys/tsa-retired/.
Result<pki::Certificate> generate_unit_key(crypto::SoftKeyStore& keys, const std::string& unit, crypto::KeyType type);

// PKCS#10 CertificationRequest (PEM) for the unit's key, with the subject of its current certificate and
// a requested critical extendedKeyUsage timeStamping. SM2 keys sign with SM3 and the default ID.
Result<std::string> unit_csr_pem(const crypto::SoftKeyStore& keys, const std::string& unit);

// Installs a certificate (PEM: the certificate, optionally followed by its CA chain) for a unit after
// checking: it certifies the unit's key, extendedKeyUsage is critical and only timeStamping, no unknown
// critical extension, valid at now_ms, and its issuer is in the chain, among the imported CA certificates
// or the development CA (signature checked). invalid_argument names the failed check.
Result<pki::Certificate> import_unit_certificate(crypto::SoftKeyStore& keys, const std::string& unit,
                                                 const std::string& pem, std::int64_t now_ms);

// The unit's certificate followed by its chain, as PEM (what TsaService::chain_pem gives for a running
// service).
Result<std::string> unit_chain_pem(const crypto::SoftKeyStore& keys, const std::string& unit);

// Third-party CA certificates. Import requires basicConstraints cA; importing the same one twice is a
// no-op.
Result<std::vector<pki::Certificate>> ca_certificates(const crypto::SoftKeyStore& keys);
Result<pki::Certificate> import_ca_certificate(crypto::SoftKeyStore& keys, const std::string& pem);

}  // namespace medsign::services
