// The software key store of a data dir: private keys sealed under the data dir's key-encryption key.
//
//   <data>/keys/kek          32 random bytes, mode 0600 (created by `medsign init`)
//   <data>/keys/<name>.key   sealed PKCS#8 (key_seal.h), aad "medsign-key:<name>"
//   <data>/keys/<name>.pem   the key's certificate (or public key), when it has one
// Private keys exist in plaintext only in memory.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "crypto/soft/evp_key.h"

namespace medsign::crypto {

class SoftKeyStore {
 public:
  // Opens an existing store (reads the KEK).
  static Result<SoftKeyStore> open(const std::filesystem::path& data_dir);
  // Creates keys/ and a fresh KEK; refuses when a KEK already exists.
  static Result<SoftKeyStore> create(const std::filesystem::path& data_dir);

  Status put(const std::string& name, const EvpKey& key);
  Result<EvpKey> get(const std::string& name) const;
  bool contains(const std::string& name) const;
  Status put_certificate(const std::string& name, const std::string& pem);
  Result<std::string> certificate(const std::string& name) const;
  std::vector<std::string> names() const;

  // Seals arbitrary secrets (e.g. the TLS key file) with the same KEK.
  Result<Bytes> seal_blob(ByteView plaintext, std::string_view purpose) const;
  Result<SecretBytes> unseal_blob(ByteView sealed, std::string_view purpose) const;

  const std::filesystem::path& dir() const { return dir_; }

 private:
  std::filesystem::path dir_;
  SecretBytes kek_;
};

// Whole-file helpers that write atomically (temp file + fsync + rename) with the given mode.
Status write_file_atomic(const std::filesystem::path& path, ByteView data, int mode = 0600);
Result<Bytes> read_file(const std::filesystem::path& path);

}  // namespace medsign::crypto
