#include "crypto/provider/soft_provider.h"

#include <argon2.h>
#include <fcntl.h>
#include <openssl/evp.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <charconv>
#include <chrono>

#include "crypto/soft/key_seal.h"
#include "crypto/soft/keystore.h"

namespace medsign::crypto::provider {
namespace fs = std::filesystem;
namespace {
constexpr std::uint32_t kArgonT = 2, kArgonM = 19456, kArgonP = 1;
constexpr std::string_view kCheckAad = "medsign-provider-passphrase-check";

fs::path key_path(const fs::path& dir, std::uint32_t index) { return dir / (std::to_string(index) + ".key"); }

// Writes a new file; fails with conflict when it exists (link(2) never replaces).
Status create_exclusive(const fs::path& path, ByteView data) {
  fs::path tmp = path;
  tmp += ".tmp" + std::to_string(::getpid());
  MEDSIGN_TRY(write_file_atomic(tmp, data, 0600));
  int rc = ::link(tmp.c_str(), path.c_str());
  int err = errno;
  ::unlink(tmp.c_str());
  if (rc != 0) {
    if (err == EEXIST) return Error(Errc::conflict, "key index already in use");
    return Error(Errc::io_error, "cannot create " + path.string());
  }
  return {};
}

KeyInfo info_of(const ProviderKeyFile& f) {
  return KeyInfo{f.index, f.label, f.algorithm, f.created_unix, !f.password_hash.empty()};
}

using PkeyPtr = std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)>;
using CtxPtr = std::unique_ptr<EVP_PKEY_CTX, decltype(&EVP_PKEY_CTX_free)>;

Result<SecretBytes> rsa_raw(EVP_PKEY* key, bool priv, ByteView input) {
  std::size_t n = static_cast<std::size_t>(EVP_PKEY_get_size(key));
  if (input.size() != n) return Error(Errc::invalid_argument, "raw RSA input must be the modulus length");
  CtxPtr ctx(EVP_PKEY_CTX_new(key, nullptr), EVP_PKEY_CTX_free);
  if (!ctx) return Error(Errc::crypto_error, "EVP_PKEY_CTX_new");
  Bytes out(n);
  std::size_t len = n;
  int ok = priv ? (EVP_PKEY_decrypt_init(ctx.get()) == 1 && EVP_PKEY_CTX_set_rsa_padding(ctx.get(), RSA_NO_PADDING) == 1 &&
                   EVP_PKEY_decrypt(ctx.get(), out.data(), &len, input.data(), input.size()) == 1)
                : (EVP_PKEY_encrypt_init(ctx.get()) == 1 && EVP_PKEY_CTX_set_rsa_padding(ctx.get(), RSA_NO_PADDING) == 1 &&
                   EVP_PKEY_encrypt(ctx.get(), out.data(), &len, input.data(), input.size()) == 1);
  if (!ok) return Error(Errc::invalid_argument, "raw RSA input is not below the modulus");
  out.resize(len);
  return SecretBytes(std::move(out));
}
}  // namespace

Result<std::string> hash_key_password(std::string_view password) {
  Bytes salt = random_bytes(16);
  std::size_t len = argon2_encodedlen(kArgonT, kArgonM, kArgonP, 16, 32, Argon2_id);
  std::string out(len, '\0');
  int rc = argon2id_hash_encoded(kArgonT, kArgonM, kArgonP, password.data(), password.size(), salt.data(), 16, 32,
                                 out.data(), out.size());
  if (rc != ARGON2_OK) return Error(Errc::crypto_error, std::string("argon2: ") + argon2_error_message(rc));
  out.resize(std::char_traits<char>::length(out.c_str()));
  return out;
}

bool check_key_password(const std::string& encoded, std::string_view password) {
  return argon2id_verify(encoded.c_str(), password.data(), password.size()) == ARGON2_OK;
}

// ---- SoftProvider ----
Result<std::unique_ptr<SoftProvider>> SoftProvider::open(const SoftProviderOptions& opt) {
  auto store = std::make_shared<SoftStore>();
  fs::path keys = opt.root / "keys";
  store->dir = keys / "provider";
  std::error_code ec;
  if (opt.create) {
    fs::create_directories(store->dir, ec);
    fs::permissions(keys, fs::perms::owner_all, ec);
    fs::permissions(store->dir, fs::perms::owner_all, ec);
  }
  if (!opt.passphrase.empty()) {
    fs::path pf = store->dir / "passphrase";
    if (!fs::exists(pf)) {
      if (!opt.create && !fs::exists(store->dir))
        return Error(Errc::data_dir_missing, "soft provider: no key directory " + store->dir.string());
      fs::create_directories(store->dir, ec);
      Bytes salt = random_bytes(16);
      MEDSIGN_ASSIGN(SecretBytes kek, derive_passphrase_key(opt.passphrase, salt));
      MEDSIGN_ASSIGN(Bytes check, seal(kek.view(), as_bytes("medsign"), kCheckAad));
      std::string text = hex_encode(salt) + "\n" + base64_encode(check) + "\n";
      MEDSIGN_TRY(create_exclusive(pf, as_bytes(text)));
    }
    MEDSIGN_ASSIGN(Bytes text, read_file(pf));
    std::string_view t = as_chars(text);
    std::size_t nl = t.find('\n');
    if (nl == std::string_view::npos) return Error(Errc::config_invalid, "soft provider: malformed " + pf.string());
    auto salt = hex_decode(t.substr(0, nl));
    std::string_view rest = t.substr(nl + 1);
    while (!rest.empty() && rest.back() == '\n') rest.remove_suffix(1);
    auto check = base64_decode(rest);
    if (!salt || salt->size() != 16 || !check) return Error(Errc::config_invalid, "soft provider: malformed " + pf.string());
    MEDSIGN_ASSIGN(SecretBytes kek, derive_passphrase_key(opt.passphrase, *salt));
    if (!unseal(kek.view(), *check, kCheckAad)) return Error(Errc::key_password_wrong, "soft provider: the passphrase is wrong");
    store->kek = std::move(kek);
  } else {
    fs::path kf = keys / "kek";
    if (!fs::exists(kf)) {
      if (!opt.create) return Error(Errc::data_dir_missing, "soft provider: no master key file " + kf.string());
      Bytes kek = random_bytes(kKekSize);
      MEDSIGN_TRY(create_exclusive(kf, kek));
      secure_wipe(kek.data(), kek.size());
    }
    struct stat st {};
    if (::stat(kf.c_str(), &st) != 0) return Error(Errc::io_error, "cannot stat " + kf.string());
    if ((st.st_mode & 077) != 0) return Error(Errc::config_invalid, kf.string() + " must be mode 0600");
    MEDSIGN_ASSIGN(Bytes kek, read_file(kf));
    if (kek.size() != kKekSize) return Error(Errc::config_invalid, kf.string() + " is not 32 bytes");
    store->kek = SecretBytes(std::move(kek));
  }
  auto p = std::unique_ptr<SoftProvider>(new SoftProvider());
  p->root_ = opt.root;
  p->store_ = std::move(store);
  return p;
}

Result<std::unique_ptr<Session>> SoftProvider::open_session() {
  return std::unique_ptr<Session>(new SoftSession(store_));
}

Result<std::unique_ptr<SoftSession>> SoftProvider::open_soft_session() {
  return std::make_unique<SoftSession>(store_);
}

std::vector<KeyAlg> SoftProvider::key_algorithms() const {
  return {KeyAlg::sm2, KeyAlg::ecdsa_p256, KeyAlg::ecdsa_p384, KeyAlg::rsa2048, KeyAlg::rsa3072, KeyAlg::rsa4096};
}

// ---- SoftSession ----
Result<ProviderKeyFile> SoftSession::load(std::uint32_t index) const {
  if (index == 0 || index > kMaxKeyIndex)
    return Error(Errc::key_not_found, "key index " + std::to_string(index) + " is outside 1.." + std::to_string(kMaxKeyIndex));
  fs::path p = key_path(store_->dir, index);
  std::error_code ec;
  if (!fs::exists(p, ec)) return Error(Errc::key_not_found, "no key at index " + std::to_string(index));
  MEDSIGN_ASSIGN(Bytes text, read_file(p));
  auto f = parse_key_file(as_chars(text));
  if (!f) return Error(Errc::bad_encoding, p.string() + ": " + f.error().detail);
  if (f->index != index) return Error(Errc::bad_encoding, p.string() + ": index does not match the file name");
  return f;
}

Result<KeyInfo> SoftSession::generate_key(KeyAlg alg, const KeyGenOptions& opt) {
  MEDSIGN_TRY(check_label(opt.label));
  if (opt.index > kMaxKeyIndex) return Error(Errc::invalid_argument, "key index outside 1.." + std::to_string(kMaxKeyIndex));
  if (!opt.label.empty() && find_key(opt.label).ok())
    return Error(Errc::conflict, "a key labelled '" + opt.label + "' exists");
  MEDSIGN_ASSIGN(KeyPair kp, KeyPair::generate(alg));
  ProviderKeyFile f;
  f.label = opt.label;
  f.algorithm = alg;
  f.created_unix = std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
  if (!opt.password.empty()) {
    MEDSIGN_ASSIGN(f.password_hash, hash_key_password(opt.password));
  }
  f.spki = kp.public_key_der();
  MEDSIGN_ASSIGN(SecretBytes der, kp.pkcs8());
  std::error_code ec;
  fs::create_directories(store_->dir, ec);
  std::set<std::uint32_t> taken;  // skip known indexes without a write attempt each
  if (opt.index == 0)
    for (auto& e : fs::directory_iterator(store_->dir, ec)) {
      std::string stem = e.path().stem().string();
      std::uint32_t idx = 0;
      auto [p, err] = std::from_chars(stem.data(), stem.data() + stem.size(), idx);
      if (e.path().extension() == ".key" && err == std::errc() && p == stem.data() + stem.size()) taken.insert(idx);
    }
  for (std::uint32_t i = opt.index ? opt.index : 1; i <= kMaxKeyIndex; ++i) {
    if (taken.count(i)) continue;
    f.index = i;
    MEDSIGN_ASSIGN(f.sealed, seal(store_->kek.view(), der.view(), key_file_aad(f)));
    std::string text = encode_key_file(f);
    Status st = create_exclusive(key_path(store_->dir, i), as_bytes(text));
    if (st.ok()) return info_of(f);
    if (st.error().code != Errc::conflict || opt.index != 0) {
      if (st.error().code == Errc::conflict) return Error(Errc::conflict, "key index " + std::to_string(i) + " is in use");
      return st.error();
    }
  }
  return Error(Errc::conflict, "every key index is in use");
}

Result<std::vector<KeyInfo>> SoftSession::list_keys() {
  std::vector<KeyInfo> out;
  std::error_code ec;
  if (!fs::exists(store_->dir, ec)) return out;
  for (auto& e : fs::directory_iterator(store_->dir, ec)) {
    if (e.path().extension() != ".key") continue;
    std::uint32_t idx = 0;
    auto stem = e.path().stem().string();
    auto [p, err] = std::from_chars(stem.data(), stem.data() + stem.size(), idx);
    if (err != std::errc() || p != stem.data() + stem.size()) continue;
    auto f = load(idx);
    if (f) out.push_back(info_of(*f));
  }
  std::sort(out.begin(), out.end(), [](const KeyInfo& a, const KeyInfo& b) { return a.index < b.index; });
  return out;
}

Result<KeyInfo> SoftSession::key_info(std::uint32_t index) {
  MEDSIGN_ASSIGN(auto f, load(index));
  return info_of(f);
}

Result<Bytes> SoftSession::export_public_key(std::uint32_t index) {
  MEDSIGN_ASSIGN(auto f, load(index));
  return f.spki;
}

Status SoftSession::get_private_key_access_right(std::uint32_t index, std::string_view password) {
  MEDSIGN_ASSIGN(auto f, load(index));
  if (!f.password_hash.empty() && !check_key_password(f.password_hash, password))
    return Error(Errc::key_password_wrong, "wrong access password for key " + std::to_string(index));
  granted_.insert(index);
  return {};
}

Status SoftSession::release_private_key_access_right(std::uint32_t index) {
  granted_.erase(index);
  return {};
}

Result<SecretBytes> SoftSession::unseal_private(const ProviderKeyFile& f) const {
  if (!f.password_hash.empty() && !granted_.count(f.index))
    return Error(Errc::key_access_denied, "key " + std::to_string(f.index) + " needs its access password first");
  auto der = unseal(store_->kek.view(), f.sealed, key_file_aad(f));
  if (!der) return Error(Errc::crypto_error, "key " + std::to_string(f.index) + " does not unseal: " + der.error().detail);
  return der;
}

Result<Bytes> SoftSession::sign_digest(std::uint32_t index, SignatureAlg alg, ByteView digest) {
  MEDSIGN_ASSIGN(auto f, load(index));
  if (!signature_fits(alg, f.algorithm))
    return Error(Errc::algorithm_unsupported, std::string(signature_alg_name(alg)) + " does not fit key " +
                                                  std::to_string(index) + " (" + std::string(key_alg_name(f.algorithm)) + ")");
  MEDSIGN_ASSIGN(SecretBytes der, unseal_private(f));
  MEDSIGN_ASSIGN(KeyPair kp, KeyPair::from_pkcs8(der.view()));
  MEDSIGN_ASSIGN(Signer s, Signer::create(alg, kp));
  return s.sign_digest(digest);
}

Result<SecretBytes> SoftSession::decrypt(std::uint32_t index, EncryptionAlg alg, ByteView ciphertext) {
  MEDSIGN_ASSIGN(auto f, load(index));
  if (!encryption_fits(alg, f.algorithm))
    return Error(Errc::algorithm_unsupported, std::string(encryption_alg_name(alg)) + " does not fit key " +
                                                  std::to_string(index) + " (" + std::string(key_alg_name(f.algorithm)) + ")");
  MEDSIGN_ASSIGN(SecretBytes der, unseal_private(f));
  MEDSIGN_ASSIGN(KeyPair kp, KeyPair::from_pkcs8(der.view()));
  MEDSIGN_ASSIGN(Decryptor d, Decryptor::create(alg, kp));
  return d.decrypt(ciphertext);
}

Result<Bytes> SoftSession::random(std::size_t n) { return random_bytes(n); }

Result<SecretBytes> SoftSession::rsa_private_raw(std::uint32_t index, ByteView input) {
  MEDSIGN_ASSIGN(auto f, load(index));
  if (f.algorithm != KeyAlg::rsa2048 && f.algorithm != KeyAlg::rsa3072 && f.algorithm != KeyAlg::rsa4096)
    return Error(Errc::algorithm_unsupported, "key " + std::to_string(index) + " is not an RSA key");
  MEDSIGN_ASSIGN(SecretBytes der, unseal_private(f));
  const unsigned char* p = der.bytes().data();
  PkeyPtr key(d2i_AutoPrivateKey(nullptr, &p, static_cast<long>(der.size())), EVP_PKEY_free);
  if (!key) return Error(Errc::crypto_error, "sealed key does not parse");
  return rsa_raw(key.get(), true, input);
}

Result<Bytes> SoftSession::rsa_public_raw(std::uint32_t index, ByteView input) {
  MEDSIGN_ASSIGN(auto f, load(index));
  if (f.algorithm != KeyAlg::rsa2048 && f.algorithm != KeyAlg::rsa3072 && f.algorithm != KeyAlg::rsa4096)
    return Error(Errc::algorithm_unsupported, "key " + std::to_string(index) + " is not an RSA key");
  const unsigned char* p = f.spki.data();
  PkeyPtr key(d2i_PUBKEY(nullptr, &p, static_cast<long>(f.spki.size())), EVP_PKEY_free);
  if (!key) return Error(Errc::bad_encoding, "public key does not parse");
  MEDSIGN_ASSIGN(SecretBytes out, rsa_raw(key.get(), false, input));
  return out.bytes();
}

}  // namespace medsign::crypto::provider
