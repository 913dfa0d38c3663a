// A MedSign data directory opened for use: configuration, database (migrated), key store and the services
// built on them. `medsign serve` and the offline CLI commands both start from Platform::open.
//
// Layout of a data dir:
//   medsign.toml                 configuration
//   medsign.db                   SQLite database (when backend = sqlite)
//   keys/                        key store (crypto/soft/keystore.h): kek, dev-ca, audit, sealed keys
//   tls/server-chain.pem         HTTPS certificate + development CA
//   tls/server-key.sealed        HTTPS private key, sealed under the KEK
//   bootstrap/<user>.key.pem     soft smart keys of the bootstrap accounts (encrypted PKCS#8, PIN = the
//                                one-time password)
//   bootstrap/first-start.sealed one-time passwords shown once by the first `medsign serve`
//   logs/medsign.log             JSON log
#pragma once

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "common/config.h"
#include "crypto/soft/evp_key.h"
#include "crypto/soft/keystore.h"
#include "services/accounts.h"
#include "services/audit_log.h"
#include "services/auth.h"

namespace medsign::services {

struct BootstrapCredential {
  std::string username, role, password;
  std::filesystem::path key_file;
};

struct SoftKeyBundle {
  std::string certificate_pem;
  std::string encrypted_key_pem;  // PKCS#8 encrypted with the PIN
};

class Platform {
 public:
  static Result<std::unique_ptr<Platform>> open(const std::filesystem::path& data_dir);

  Config cfg;
  std::unique_ptr<store::Database> db;
  crypto::SoftKeyStore keys;
  crypto::EvpKey audit_key;
  std::unique_ptr<AuditLog> audit;
  std::unique_ptr<AccountService> accounts;
  std::unique_ptr<AuthService> auth;

  // The public key that verifies audit checkpoints (from keys/audit.pem).
  Result<crypto::EvpKey> audit_verifier() const;
  // Generates a soft smart key for an administrator and certifies it with the development CA.
  Result<SoftKeyBundle> issue_soft_key(const std::string& username, crypto::KeyType type, const std::string& pin) const;
  // Checks that a smart-key certificate was issued by the development CA and is valid now.
  Status check_key_certificate(const std::string& pem) const;
};

store::DatabaseConfig database_config(const Config& cfg);

// Creates a data dir: config, KEK, development CA, TLS and audit keys, database, and the two bootstrap
// accounts (a system administrator and an audit administrator). Refuses a dir that is already initialised.
Result<std::vector<BootstrapCredential>> init_data_dir(const std::filesystem::path& data_dir);

// Registers the development signing keys (index 1 sm2-sign, 2 rsa-sign) and creates the development
// business application "dev-app" (loopback only, both keys); its credentials are kept sealed in
// bootstrap/dev-app.sealed for `medsign bench svs --data` and the examples.
Status init_dev_signing_service(Platform& p);
// (app id, secret) of the development application.
Result<std::pair<std::string, std::string>> dev_app_credentials(const Platform& p);
// The bootstrap credentials kept sealed for the first `serve`; returns them once and deletes the file.
Result<std::vector<BootstrapCredential>> take_first_start_credentials(const Platform& p);

}  // namespace medsign::services
