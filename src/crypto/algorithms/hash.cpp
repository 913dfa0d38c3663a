#include "crypto/algorithms/hash.h"

#include <cstdlib>

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "crypto/sm2/hash.h"

namespace medsign::crypto {
namespace {

// Fetched once: EVP_sha256() and friends make OpenSSL 3 look the implementation up again on every
// EVP_DigestInit (a locked method-store search that costs as much as hashing a certificate).
const EVP_MD* fetch(const char* name) {
  const EVP_MD* m = EVP_MD_fetch(nullptr, name, nullptr);
  if (m == nullptr) std::abort();
  return m;
}

const EVP_MD* md_of(HashAlg alg) {
  static const EVP_MD* const sm3 = fetch("SM3"), *const sha256 = fetch("SHA2-256"), *const sha384 = fetch("SHA2-384"),
                            *const sha512 = fetch("SHA2-512");
  switch (alg) {
    case HashAlg::sm3: return sm3;
    case HashAlg::sha256: return sha256;
    case HashAlg::sha384: return sha384;
    case HashAlg::sha512: return sha512;
  }
  return nullptr;
}

}  // namespace

std::string_view hash_name(HashAlg alg) {
  switch (alg) {
    case HashAlg::sm3: return "sm3";
    case HashAlg::sha256: return "sha256";
    case HashAlg::sha384: return "sha384";
    case HashAlg::sha512: return "sha512";
  }
  return "?";
}

Result<HashAlg> parse_hash(std::string_view name) {
  for (HashAlg a : {HashAlg::sm3, HashAlg::sha256, HashAlg::sha384, HashAlg::sha512}) {
    if (hash_name(a) == name) return a;
  }
  return Error(Errc::invalid_argument, "unknown hash algorithm: " + std::string(name));
}

std::size_t hash_size(HashAlg alg) {
  switch (alg) {
    case HashAlg::sm3:
    case HashAlg::sha256: return 32;
    case HashAlg::sha384: return 48;
    case HashAlg::sha512: return 64;
  }
  return 0;
}

Bytes hash(HashAlg alg, ByteView data) {
  Bytes out(hash_size(alg));
  unsigned int len = 0;
  if (EVP_Digest(data.data(), data.size(), out.data(), &len, md_of(alg), nullptr) != 1) std::abort();
  return out;
}

struct Hasher::Ctx {
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  ~Ctx() { EVP_MD_CTX_free(ctx); }
};

Hasher::Hasher(HashAlg alg) : alg_(alg), ctx_(std::make_unique<Ctx>()) {
  if (!ctx_->ctx || EVP_DigestInit_ex(ctx_->ctx, md_of(alg), nullptr) != 1) std::abort();
}
Hasher::Hasher(Hasher&&) noexcept = default;
Hasher& Hasher::operator=(Hasher&&) noexcept = default;
Hasher::~Hasher() = default;

void Hasher::update(ByteView data) {
  if (!data.empty() && EVP_DigestUpdate(ctx_->ctx, data.data(), data.size()) != 1) std::abort();
}

Bytes Hasher::finish() {
  Bytes out(hash_size(alg_));
  unsigned int len = 0;
  if (EVP_DigestFinal_ex(ctx_->ctx, out.data(), &len) != 1) std::abort();
  if (EVP_DigestInit_ex(ctx_->ctx, md_of(alg_), nullptr) != 1) std::abort();
  return out;
}

Bytes hmac(HashAlg alg, ByteView key, ByteView data) {
  Bytes out(hash_size(alg));
  unsigned int len = 0;
  static const std::uint8_t kEmpty = 0;
  if (HMAC(md_of(alg), key.empty() ? &kEmpty : key.data(), static_cast<int>(key.size()), data.data(),
           data.size(), out.data(), &len) == nullptr)
    std::abort();
  return out;
}

Status hmac_verify(HashAlg alg, ByteView key, ByteView data, ByteView tag) {
  Bytes want = hmac(alg, key, data);
  if (tag.size() != want.size() || !ct_equal(want, tag)) return Error(Errc::bad_signature, "HMAC mismatch");
  return {};
}

SecretBytes kdf_sm3(ByteView z, std::size_t len) {
  SecretBytes out{Bytes(len)};
  if (len > 0) (void)sm2::detail::kdf(z, out.bytes().data(), len);
  return out;
}

}  // namespace medsign::crypto
