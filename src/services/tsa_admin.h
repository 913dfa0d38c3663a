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
#include "services/accounts.h"
#include "tsp/timestamp_issuer.h"

namespace medsign::services {

class ProviderService;

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
// A unit whose key is in a crypto provider is signed for by that provider (providers required then).
Result<std::string> unit_csr_pem(const crypto::SoftKeyStore& keys, const std::string& unit,
                                 ProviderService* providers = nullptr);

// Installs a certificate (PEM: the certificate, optionally followed by its CA chain) for a unit after
// checking: it certifies the unit's key, extendedKeyUsage is critical and only timeStamping, no unknown
// critical extension, valid at now_ms, and its issuer is in the chain, among the imported CA certificates
// or the development CA (signature checked). invalid_argument names the failed check.
// For a unit whose key is in a crypto provider, "certifies the unit's key" compares with the public key
// the provider exports (providers required then). known_issuers: further CA certificates the issuer may be
// among (the embedded CA, trust anchors). The checks besides the EKU are services/key_certificates.h's.
Result<pki::Certificate> import_unit_certificate(crypto::SoftKeyStore& keys, const std::string& unit,
                                                 const std::string& pem, std::int64_t now_ms,
                                                 ProviderService* providers = nullptr,
                                                 const std::vector<pki::Certificate>& known_issuers = {});

// The unit's certificate followed by its chain, as PEM (what TsaService::chain_pem gives for a running
// service).
Result<std::string> unit_chain_pem(const crypto::SoftKeyStore& keys, const std::string& unit);

// Third-party CA certificates. Import requires basicConstraints cA; importing the same one twice is a
// no-op.
Result<std::vector<pki::Certificate>> ca_certificates(const crypto::SoftKeyStore& keys);
Result<pki::Certificate> import_ca_certificate(crypto::SoftKeyStore& keys, const std::string& pem);

// ---- units whose key is in a crypto provider (services/providers.h) ----
// keys/tsa-<unit>.ref holds the reference (provider, key index, the key's access password) sealed under the
// KEK (never plaintext on disk); the certificate stays in keys/tsa-<unit>.pem as for soft-store units. A
// unit has either keys/tsa-<unit>.key or keys/tsa-<unit>.ref: generating one kind removes the other.
struct UnitKeyRef {
  std::string provider;  // "soft", "sdf", "pkcs11"
  std::uint32_t index = 0;
  std::string password;  // the key's access password (soft, sdf); empty for pkcs11 (the token PIN logs in)
  ~UnitKeyRef() { secure_wipe(password.data(), password.size()); }
};

struct ProviderUnitKey {
  std::string provider;
  std::uint32_t index = 0;  // 0: the lowest free index (new keys only)
  std::string password;     // access password of the key (soft, sdf)
  bool existing = false;    // use the key already at index (its algorithm must be `type`) instead of a new one
  ~ProviderUnitKey() { secure_wipe(password.data(), password.size()); }
};

bool unit_in_provider(const crypto::SoftKeyStore& keys, const std::string& unit);
// Errors: key_not_found (no such unit in a provider), decrypt_failed (the file was altered).
Result<UnitKeyRef> read_unit_key_ref(const crypto::SoftKeyStore& keys, const std::string& unit);

// As generate_unit_key, with the key made inside (or taken from) a provider; the access password is
// checked by granting it before anything is written. Key generation is audited by ProviderService.
// Errors: the provider's (not_found, key_password_wrong, algorithm_unsupported, conflict, ...).
Result<pki::Certificate> generate_unit_key(crypto::SoftKeyStore& keys, ProviderService& providers,
                                           const std::string& unit, crypto::KeyType type,
                                           const ProviderUnitKey& where, const Actor& by);

// The unit as TsaService runs it: certificate and chain as for soft units, signing inside the provider
// through one mutex-guarded session. Errors: the provider's, or invalid_argument when the certificate is not
// for the provider's key.
Result<tsp::TimestampUnit> load_provider_unit(const crypto::SoftKeyStore& keys, const std::string& unit,
                                              ProviderService& providers);

}  // namespace medsign::services
