// The soft provider: keys generated in this process and kept sealed on disk.
//
//   <root>/keys/kek                       32-byte key-encryption key, mode 0600 (the data dir's master key)
//   <root>/keys/provider/<index>.key      one key (key_file.h): public key, label, sealed PKCS#8
//   <root>/keys/provider/passphrase       only in passphrase mode: scrypt salt and a check blob
//
// With a passphrase the KEK is scrypt(passphrase, salt) instead of keys/kek. Private keys are unsealed
// into SecretBytes for one operation and wiped afterwards; they never leave the provider.
#pragma once

#include <filesystem>
#include <set>

#include "crypto/provider/key_file.h"
#include "crypto/provider/provider.h"

namespace medsign::crypto::provider {

struct SoftProviderOptions {
  std::filesystem::path root;   // the data dir (or a softsdf device dir)
  std::string passphrase;       // empty: use <root>/keys/kek
  bool create = false;          // create keys/kek (or the passphrase file) when missing
};

// The opened store: key directory and KEK, shared by a provider and its sessions.
struct SoftStore {
  std::filesystem::path dir;
  SecretBytes kek;
};

class SoftSession : public Session {
 public:
  explicit SoftSession(std::shared_ptr<const SoftStore> store) : store_(std::move(store)) {}
  Result<KeyInfo> generate_key(KeyAlg alg, const KeyGenOptions& opt) override;
  Result<std::vector<KeyInfo>> list_keys() override;
  Result<KeyInfo> key_info(std::uint32_t index) override;
  Result<Bytes> export_public_key(std::uint32_t index) override;
  Status get_private_key_access_right(std::uint32_t index, std::string_view password) override;
  Status release_private_key_access_right(std::uint32_t index) override;
  Result<Bytes> sign_digest(std::uint32_t index, SignatureAlg alg, ByteView digest) override;
  Result<SecretBytes> decrypt(std::uint32_t index, EncryptionAlg alg, ByteView ciphertext) override;
  Result<Bytes> random(std::size_t n) override;

  // Raw RSA (no padding) with the private or public key, for GM/T 0018's
  // SDF_Internal{Private,Public}KeyOperation_RSA. input: exactly the modulus length, below the modulus.
  Result<SecretBytes> rsa_private_raw(std::uint32_t index, ByteView input);
  Result<Bytes> rsa_public_raw(std::uint32_t index, ByteView input);

 private:
  Result<ProviderKeyFile> load(std::uint32_t index) const;
  // The private key after the access-right check. Errors: key_access_denied.
  Result<SecretBytes> unseal_private(const ProviderKeyFile& f) const;
  std::shared_ptr<const SoftStore> store_;
  std::set<std::uint32_t> granted_;
};

class SoftProvider : public Provider {
 public:
  // Errors: data_dir_missing (no keys/kek and !create), config_invalid (kek not 32 bytes or readable by
  // others), key_password_wrong (the passphrase does not open this store).
  static Result<std::unique_ptr<SoftProvider>> open(const SoftProviderOptions& opt);

  ProviderKind kind() const override { return ProviderKind::soft; }
  std::string description() const override { return "soft " + root_.string(); }
  Result<std::unique_ptr<Session>> open_session() override;
  std::vector<KeyAlg> key_algorithms() const override;
  Result<std::unique_ptr<SoftSession>> open_soft_session();

  const std::filesystem::path& key_dir() const { return store_->dir; }

 private:
  std::filesystem::path root_;
  std::shared_ptr<const SoftStore> store_;
};

// Argon2id (t=2, m=19 MiB, p=1) of a key access password, in the encoded $argon2id$ form.
Result<std::string> hash_key_password(std::string_view password);
bool check_key_password(const std::string& encoded, std::string_view password);

}  // namespace medsign::crypto::provider
