// The crypto providers of a running node (crypto/provider/provider.h): the data dir's soft provider, always
// present, and the SDF library and PKCS#11 module named in the [providers] configuration section.
//
// Providers are opened lazily, on first use, and a provider that cannot be opened (library missing, token
// absent, PIN wrong) does not stop anything: status() lists it with the specific error and every call on it
// returns that error, and the next call tries again, so an operator can fix the library or PIN file without
// a restart. Private keys never leave a provider: this service generates keys, lists them, exports public
// keys and hands out sign functions that sign inside the provider.
//
// Sessions: GM/T 0018 sessions are used by one thread at a time. Listing, generation and export open a
// session per call; a sign function (for a TSA unit) holds one session behind a mutex for its whole life.
//
// Thread safety: every member may be called from any thread.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "cms/signed_data.h"
#include "common/config.h"
#include "crypto/provider/provider.h"
#include "services/accounts.h"
#include "services/audit_log.h"

namespace medsign::services {

struct ProviderStatus {
  std::string name;        // "soft", "sdf", "pkcs11"
  std::string library;     // sdf, pkcs11: the library path; soft: the key directory
  std::string token;       // pkcs11: the token label, or "slot N"
  bool reachable = false;  // a session opened
  std::string error_code;  // when not reachable: catalogue code and detail (e.g. "cannot load /opt/x.so: ...")
  std::string error;
  std::size_t key_count = 0;
  std::vector<std::string> algorithms;  // key algorithms generation accepts (key_alg_name)
  bool labels = true;                   // keys may carry labels (not in GM/T 0018)
  bool key_passwords = true;            // keys have their own access passwords (pkcs11: the token PIN instead)
};

struct ProviderKeyRequest {
  std::string algorithm;   // key_alg_name: sm2, ecdsa-p256, ecdsa-p384, rsa-2048, rsa-3072, rsa-4096
  std::uint32_t index = 0;  // 0: the lowest free index
  std::string label;        // soft, pkcs11 only
  std::string password;     // the key's access password (soft, sdf only); never stored in plaintext
};

class ProviderService {
 public:
  // audit may be null (no audit rows). REQUIRES: cfg.data_dir set (the soft provider's root).
  ProviderService(const Config& cfg, AuditLog* audit);
  ~ProviderService();

  // "soft", then "sdf" and "pkcs11" when configured.
  std::vector<std::string> names() const;
  std::vector<ProviderStatus> status();

  // Errors: not_found (no such provider configured), the provider's opening error.
  Result<std::vector<crypto::provider::KeyInfo>> keys(const std::string& provider);
  Result<crypto::provider::KeyInfo> key(const std::string& provider, std::uint32_t index);
  // Generates a key pair inside the provider; audited as provider.key_generate (success and failure).
  // Errors: invalid_argument (algorithm name, index, label, a password or label the provider cannot keep),
  // algorithm_unsupported, conflict (index or label taken).
  Result<crypto::provider::KeyInfo> generate(const std::string& provider, const ProviderKeyRequest& req, const Actor& by);
  // SubjectPublicKeyInfo DER / PEM ("PUBLIC KEY"). Errors: key_not_found.
  Result<Bytes> public_key_der(const std::string& provider, std::uint32_t index);
  Result<std::string> public_key_pem(const std::string& provider, std::uint32_t index);

  // A sign function over the key (message in, signature out; SM2 with Z of the default ID), holding one
  // session with the access right granted by password, guarded by a mutex; reopened once when the
  // device drops it. Errors: key_not_found, key_password_wrong, algorithm_unsupported.
  Result<cms::SignFunction> sign_function(const std::string& provider, std::uint32_t index,
                                          crypto::SignatureAlg alg, const std::string& password);

 private:
  Result<std::shared_ptr<crypto::provider::Provider>> open(const std::string& provider);
  Result<std::unique_ptr<crypto::provider::Session>> session(const std::string& provider);
  void audit(const Actor& by, const std::string& target, const Status& st, const std::string& detail);

  Config cfg_;
  AuditLog* audit_;
  std::mutex mu_;
  std::map<std::string, std::shared_ptr<crypto::provider::Provider>> open_;  // opened and healthy
};

}  // namespace medsign::services
