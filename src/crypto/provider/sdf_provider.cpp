// OpenSSL's raw RSA padding functions (deprecated in 3.0, still the only way to pad for a device that
// offers only the raw RSA operation).
#define OPENSSL_SUPPRESS_DEPRECATED
#include "crypto/provider/sdf_provider.h"

#include <dlfcn.h>
#include <openssl/evp.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

#include <cstddef>
#include <cstdio>
#include <cstring>
#include <mutex>

#include "crypto/algorithms/pk_internal.h"
#include "medsign/sdf.h"

namespace medsign::crypto::provider {
namespace {

// The function table of a loaded library. Required entries are resolved at load; optional ones on use.
#define MEDSIGN_SDF_REQUIRED(X)                                                         \
  X(SDF_OpenDevice) X(SDF_CloseDevice) X(SDF_OpenSession) X(SDF_CloseSession)           \
  X(SDF_GenerateRandom) X(SDF_GetPrivateKeyAccessRight) X(SDF_ReleasePrivateKeyAccessRight) \
  X(SDF_ExportSignPublicKey_ECC) X(SDF_InternalSign_ECC) X(SDF_ExternalVerify_ECC)     \
  X(SDF_HashInit) X(SDF_HashUpdate) X(SDF_HashFinal)
#define MEDSIGN_SDF_OPTIONAL(X)                                                                 \
  X(SDF_ExportSignPublicKey_RSA) X(SDF_InternalVerify_ECC) X(SDF_InternalEncrypt_ECC)           \
  X(SDF_ExternalEncrypt_ECC) X(SDF_InternalDecrypt_ECC) X(SDF_InternalPrivateKeyOperation_RSA) \
  X(SDF_InternalPublicKeyOperation_RSA) X(SDF_GenerateInternalKeyPair)

struct SdfLibrary {
  void* handle = nullptr;
  std::string path;
#define MEDSIGN_SDF_FIELD(name) decltype(&::name) name = nullptr;
  MEDSIGN_SDF_REQUIRED(MEDSIGN_SDF_FIELD)
  MEDSIGN_SDF_OPTIONAL(MEDSIGN_SDF_FIELD)
#undef MEDSIGN_SDF_FIELD
  void* device = nullptr;

  ~SdfLibrary() {
    if (device && SDF_CloseDevice) SDF_CloseDevice(device);
    if (handle) dlclose(handle);
  }
};

template <typename F>
Result<F> need(F f, std::string_view name, const std::string& path) {
  if (f == nullptr)
    return Error(Errc::provider_symbol_missing, path + " has no " + std::string(name));
  return f;
}
#define SDF_NEED(lib, name) MEDSIGN_ASSIGN(auto name, need(lib->name, #name, lib->path))

constexpr const char* kSdrNames[] = {
    "SDR_OK",           "SDR_UNKNOWERR",   "SDR_NOTSUPPORT",  "SDR_COMMFAIL",   "SDR_HARDFAIL",
    "SDR_OPENDEVICE",   "SDR_OPENSESSION", "SDR_PARDENY",     "SDR_KEYNOTEXIST", "SDR_ALGNOTSUPPORT",
    "SDR_ALGMODNOTSUPPORT", "SDR_PKOPERR", "SDR_SKOPERR",     "SDR_SIGNERR",    "SDR_VERIFYERR",
    "SDR_SYMOPERR",     "SDR_STEPERR",     "SDR_FILESIZEERR", "SDR_FILENOEXIST", "SDR_FILEOFSERR",
    "SDR_KEYTYPEERR",   "SDR_KEYERR",      "SDR_ENCDATAERR",  "SDR_RANDERR",    "SDR_PRKRERR",
    "SDR_MACERR",       "SDR_FILEEXSITS",  "SDR_FILEWERR",    "SDR_NOBUFFER",   "SDR_INARGERR",
    "SDR_OUTARGERR"};

// 32-byte big-endian value right-aligned in a 64-byte field; the upper half must be zero.
Result<Bytes> field32(const unsigned char (&f)[ECCref_MAX_LEN], std::string_view what) {
  for (int i = 0; i < ECCref_MAX_LEN - 32; ++i)
    if (f[i] != 0) return Error(Errc::bad_encoding, std::string(what) + " wider than 256 bits");
  return Bytes(f + ECCref_MAX_LEN - 32, f + ECCref_MAX_LEN);
}
void put32(unsigned char (&f)[ECCref_MAX_LEN], ByteView v) {
  std::memset(f, 0, sizeof f);
  std::memcpy(f + ECCref_MAX_LEN - 32, v.data(), 32);
}

Result<Bytes> spki_from_eccref(const ECCrefPublicKey& k) {
  if (k.bits != 256) return Error(Errc::algorithm_unsupported, "ECC key of " + std::to_string(k.bits) + " bits (SM2 has 256)");
  MEDSIGN_ASSIGN(Bytes x, field32(k.x, "x"));
  MEDSIGN_ASSIGN(Bytes y, field32(k.y, "y"));
  Bytes point{0x04};
  point.insert(point.end(), x.begin(), x.end());
  point.insert(point.end(), y.begin(), y.end());
  MEDSIGN_TRY(sm2::PublicKey::decode(point));
  return spki_from_ec_point(KeyAlg::sm2, point);
}

Result<ECCrefPublicKey> eccref_from_spki(ByteView spki) {
  MEDSIGN_ASSIGN(KeyAlg k, key_alg_of_spki(spki));
  if (k != KeyAlg::sm2) return Error(Errc::algorithm_unsupported, "SDF ECC functions take SM2 keys only");
  MEDSIGN_ASSIGN(Bytes point, ec_point_of_spki(spki));
  if (point.size() != 65) return Error(Errc::bad_encoding, "SM2 point is not uncompressed");
  ECCrefPublicKey out{};
  out.bits = 256;
  put32(out.x, ByteView(point).subspan(1, 32));
  put32(out.y, ByteView(point).subspan(33, 32));
  return out;
}

Result<Bytes> spki_from_rsaref(const RSArefPublicKey& k) {
  if (k.bits < 1024 || k.bits > RSAref_MAX_BITS || k.bits % 8 != 0)
    return Error(Errc::bad_encoding, "RSA key of " + std::to_string(k.bits) + " bits");
  std::size_t n = k.bits / 8;
  return spki_from_rsa(ByteView(k.m + RSAref_MAX_LEN - n, n), ByteView(k.e, RSAref_MAX_LEN));
}

struct CipherBuffer {
  std::vector<unsigned char> mem;
  ECCCipher* get() { return reinterpret_cast<ECCCipher*>(mem.data()); }
};

CipherBuffer ecc_cipher_from(const sm2::Ciphertext& ct) {
  CipherBuffer b;
  ECCCipher head{};
  put32(head.x, ct.x1);
  put32(head.y, ct.y1);
  std::memcpy(head.M, ct.c3.data(), 32);
  head.L = static_cast<unsigned int>(ct.c2.size());
  const auto* hp = reinterpret_cast<const unsigned char*>(&head);
  b.mem.assign(hp, hp + offsetof(ECCCipher, C));
  b.mem.insert(b.mem.end(), ct.c2.begin(), ct.c2.end());
  b.mem.resize(ECCCipher_SIZE(ct.c2.size()), 0);
  return b;
}

Result<sm2::Ciphertext> ciphertext_from(const ECCCipher* c, std::size_t max_len) {
  if (c->L == 0 || c->L > max_len) return Error(Errc::bad_encoding, "ECCCipher length " + std::to_string(c->L));
  sm2::Ciphertext ct;
  MEDSIGN_ASSIGN(Bytes x, field32(c->x, "C1.x"));
  MEDSIGN_ASSIGN(Bytes y, field32(c->y, "C1.y"));
  std::memcpy(ct.x1.data(), x.data(), 32);
  std::memcpy(ct.y1.data(), y.data(), 32);
  std::memcpy(ct.c3.data(), c->M, 32);
  ct.c2.assign(c->C, c->C + c->L);
  return ct;
}

Result<ECCSignature> ecc_signature_from_der(ByteView der) {
  MEDSIGN_ASSIGN(Bytes rs, raw_signature_from_der(der, 32));
  ECCSignature sig{};
  put32(sig.r, ByteView(rs).first(32));
  put32(sig.s, ByteView(rs).subspan(32));
  return sig;
}

unsigned int sgd_hash(HashAlg h) { return h == HashAlg::sm3 ? SGD_SM3 : h == HashAlg::sha256 ? SGD_SHA256 : 0; }

class SdfSession : public Session {
 public:
  SdfSession(std::shared_ptr<SdfLibrary> lib, void* h) : lib_(std::move(lib)), h_(h) {}
  ~SdfSession() override { lib_->SDF_CloseSession(h_); }

  Result<KeyInfo> generate_key(KeyAlg alg, const KeyGenOptions& opt) override {
    if (!opt.label.empty()) return Error(Errc::invalid_argument, "GM/T 0018 keys have no labels; use the index");
    if (alg != KeyAlg::sm2 && alg != KeyAlg::rsa2048)
      return Error(Errc::algorithm_unsupported, "the sdf provider generates sm2 and rsa-2048 keys only, not " +
                                                    std::string(key_alg_name(alg)));
    if (lib_->SDF_GenerateInternalKeyPair == nullptr)
      return Error(Errc::algorithm_unsupported,
                   lib_->path + " has no SDF_GenerateInternalKeyPair: create keys with the device's management tool");
    std::uint32_t index = opt.index;
    if (index == 0) {
      for (std::uint32_t i = 1; i <= kSdfProbeLimit && index == 0; ++i)
        if (!key_info(i).ok()) index = i;
      if (index == 0) return Error(Errc::conflict, "no free key index up to " + std::to_string(kSdfProbeLimit));
    }
    std::string pw = opt.password;
    int rc = lib_->SDF_GenerateInternalKeyPair(h_, index, alg == KeyAlg::sm2 ? SGD_SM2 : SGD_RSA,
                                               alg == KeyAlg::sm2 ? 256 : 2048,
                                               reinterpret_cast<unsigned char*>(pw.data()),
                                               static_cast<unsigned int>(pw.size()));
    secure_wipe(pw.data(), pw.size());
    if (rc == SDR_FILEEXSITS) return Error(Errc::conflict, "key index " + std::to_string(index) + " is in use");
    if (rc != SDR_OK) return sdr_error("SDF_GenerateInternalKeyPair", rc);
    return KeyInfo{index, {}, alg, 0, !opt.password.empty()};
  }

  Result<std::vector<KeyInfo>> list_keys() override {
    std::vector<KeyInfo> out;
    for (std::uint32_t i = 1; i <= kSdfProbeLimit; ++i) {
      auto k = key_info(i);
      if (k) out.push_back(*k);
      else if (k.error().code != Errc::key_not_found) return k.error();
    }
    return out;
  }

  Result<KeyInfo> key_info(std::uint32_t index) override {
    MEDSIGN_ASSIGN(Bytes spki, export_public_key(index));
    MEDSIGN_ASSIGN(KeyAlg alg, key_alg_of_spki(spki));
    return KeyInfo{index, {}, alg, 0, false};
  }

  Result<Bytes> export_public_key(std::uint32_t index) override {
    ECCrefPublicKey ecc{};
    int rc = lib_->SDF_ExportSignPublicKey_ECC(h_, index, &ecc);
    if (rc == SDR_OK) return spki_from_eccref(ecc);
    if (rc != SDR_KEYTYPEERR && rc != SDR_KEYNOTEXIST && rc != SDR_ALGNOTSUPPORT)
      return sdr_error("SDF_ExportSignPublicKey_ECC", rc);
    if (lib_->SDF_ExportSignPublicKey_RSA != nullptr) {
      RSArefPublicKey rsa{};
      int rc2 = lib_->SDF_ExportSignPublicKey_RSA(h_, index, &rsa);
      if (rc2 == SDR_OK) return spki_from_rsaref(rsa);
      if (rc2 != SDR_KEYTYPEERR && rc2 != SDR_KEYNOTEXIST && rc2 != SDR_ALGNOTSUPPORT)
        return sdr_error("SDF_ExportSignPublicKey_RSA", rc2);
      if (rc == SDR_KEYNOTEXIST || rc2 == SDR_KEYNOTEXIST) rc = SDR_KEYNOTEXIST;
    }
    return sdr_error("SDF_ExportSignPublicKey_ECC", rc);
  }

  Status get_private_key_access_right(std::uint32_t index, std::string_view password) override {
    std::string pw(password);
    int rc = lib_->SDF_GetPrivateKeyAccessRight(h_, index, reinterpret_cast<unsigned char*>(pw.data()),
                                                static_cast<unsigned int>(pw.size()));
    secure_wipe(pw.data(), pw.size());
    if (rc == SDR_PARDENY || rc == SDR_PRKRERR) {
      Error e = sdr_error("SDF_GetPrivateKeyAccessRight", rc);
      e.code = Errc::key_password_wrong;
      return e;
    }
    if (rc != SDR_OK) return sdr_error("SDF_GetPrivateKeyAccessRight", rc);
    return {};
  }

  Status release_private_key_access_right(std::uint32_t index) override {
    int rc = lib_->SDF_ReleasePrivateKeyAccessRight(h_, index);
    if (rc != SDR_OK) return sdr_error("SDF_ReleasePrivateKeyAccessRight", rc);
    return {};
  }

  Result<Bytes> sign_digest(std::uint32_t index, SignatureAlg alg, ByteView digest) override {
    if (digest.size() != hash_size(signature_hash(alg)))
      return Error(Errc::invalid_argument, "digest of " + std::to_string(digest.size()) + " bytes for " +
                                               std::string(signature_alg_name(alg)));
    MEDSIGN_ASSIGN(Bytes spki, export_public_key(index));
    MEDSIGN_ASSIGN(KeyAlg k, key_alg_of_spki(spki));
    if (!signature_fits(alg, k))
      return Error(Errc::algorithm_unsupported, std::string(signature_alg_name(alg)) + " does not fit a " +
                                                    std::string(key_alg_name(k)) + " key");
    if (alg == SignatureAlg::sm2_sm3) {
      ECCSignature sig{};
      Bytes e(digest.begin(), digest.end());
      int rc = lib_->SDF_InternalSign_ECC(h_, index, e.data(), 32, &sig);
      if (rc != SDR_OK) return sdr_error("SDF_InternalSign_ECC", rc);
      MEDSIGN_ASSIGN(Bytes r, field32(sig.r, "r"));
      MEDSIGN_ASSIGN(Bytes s, field32(sig.s, "s"));
      r.insert(r.end(), s.begin(), s.end());
      return der_signature_from_raw(r);
    }
    if (!is_rsa(k)) return Error(Errc::algorithm_unsupported, "GM/T 0018 ECC functions sign with SM2 only");
    SDF_NEED(lib_, SDF_InternalPrivateKeyOperation_RSA);
    const unsigned char* p = spki.data();
    std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)> pk(d2i_PUBKEY(nullptr, &p, static_cast<long>(spki.size())), EVP_PKEY_free);
    const RSA* rsa = pk ? EVP_PKEY_get0_RSA(pk.get()) : nullptr;
    if (rsa == nullptr) return Error(Errc::bad_encoding, "RSA public key does not parse");
    const std::size_t klen = static_cast<std::size_t>(RSA_size(rsa));
    Bytes em(klen);
    HashAlg h = signature_hash(alg);
    bool pss = alg == SignatureAlg::rsa_pss_sha256 || alg == SignatureAlg::rsa_pss_sha384 || alg == SignatureAlg::rsa_pss_sha512;
    if (pss) {
      if (RSA_padding_add_PKCS1_PSS_mgf1(const_cast<RSA*>(rsa), em.data(), digest.data(), evp_md(h), evp_md(h),
                                         static_cast<int>(hash_size(h))) != 1)
        return Error(Errc::crypto_error, "PSS encoding failed");
    } else {
      Bytes t(digest_info_prefix(h).begin(), digest_info_prefix(h).end());
      t.insert(t.end(), digest.begin(), digest.end());
      if (RSA_padding_add_PKCS1_type_1(em.data(), static_cast<int>(klen), t.data(), static_cast<int>(t.size())) != 1)
        return Error(Errc::crypto_error, "PKCS#1 v1.5 encoding failed");
    }
    Bytes out(klen);
    unsigned int out_len = static_cast<unsigned int>(out.size());
    int rc = SDF_InternalPrivateKeyOperation_RSA(h_, index, em.data(), static_cast<unsigned int>(em.size()), out.data(), &out_len);
    if (rc != SDR_OK) return sdr_error("SDF_InternalPrivateKeyOperation_RSA", rc);
    if (out_len != klen) return Error(Errc::provider_device_error, "SDF_InternalPrivateKeyOperation_RSA returned a short result");
    return out;
  }

  Status verify(std::uint32_t index, SignatureAlg alg, ByteView message, ByteView signature) override {
    if (alg != SignatureAlg::sm2_sm3 || lib_->SDF_InternalVerify_ECC == nullptr)
      return Session::verify(index, alg, message, signature);
    MEDSIGN_ASSIGN(Bytes spki, export_public_key(index));
    MEDSIGN_ASSIGN(KeyAlg k, key_alg_of_spki(spki));
    if (k != KeyAlg::sm2) return Error(Errc::algorithm_unsupported, "sm2-sm3 does not fit a " + std::string(key_alg_name(k)) + " key");
    auto sig = ecc_signature_from_der(signature);
    if (!sig) return Error(Errc::bad_signature, "malformed signature");
    MEDSIGN_ASSIGN(Bytes e, signing_digest(alg, spki, message));
    int rc = lib_->SDF_InternalVerify_ECC(h_, index, e.data(), 32, &*sig);
    if (rc != SDR_OK) return sdr_error("SDF_InternalVerify_ECC", rc);
    return {};
  }

  Status external_verify(SignatureAlg alg, ByteView spki, ByteView message, ByteView signature) override {
    if (alg != SignatureAlg::sm2_sm3) return Session::external_verify(alg, spki, message, signature);
    MEDSIGN_ASSIGN(ECCrefPublicKey pub, eccref_from_spki(spki));
    auto sig = ecc_signature_from_der(signature);
    if (!sig) return Error(Errc::bad_signature, "malformed signature");
    MEDSIGN_ASSIGN(Bytes e, signing_digest(alg, spki, message));
    int rc = lib_->SDF_ExternalVerify_ECC(h_, SGD_SM2_1, &pub, e.data(), 32, &*sig);
    if (rc != SDR_OK) return sdr_error("SDF_ExternalVerify_ECC", rc);
    return {};
  }

  Result<Bytes> encrypt(std::uint32_t index, EncryptionAlg alg, ByteView plaintext) override {
    if (alg != EncryptionAlg::sm2) return Session::encrypt(index, alg, plaintext);
    SDF_NEED(lib_, SDF_InternalEncrypt_ECC);
    if (plaintext.empty() || plaintext.size() > (1u << 20))
      return Error(Errc::invalid_argument, "SM2 plaintext of " + std::to_string(plaintext.size()) + " bytes");
    CipherBuffer out;
    out.mem.assign(ECCCipher_SIZE(plaintext.size()), 0);
    Bytes in(plaintext.begin(), plaintext.end());
    int rc = SDF_InternalEncrypt_ECC(h_, index, SGD_SM2_3, in.data(), static_cast<unsigned int>(in.size()), out.get());
    if (rc != SDR_OK) return sdr_error("SDF_InternalEncrypt_ECC", rc);
    MEDSIGN_ASSIGN(sm2::Ciphertext ct, ciphertext_from(out.get(), plaintext.size()));
    return sm2::encode_ciphertext_der(ct);
  }

  Result<SecretBytes> decrypt(std::uint32_t index, EncryptionAlg alg, ByteView ciphertext) override {
    if (alg == EncryptionAlg::sm2) {
      SDF_NEED(lib_, SDF_InternalDecrypt_ECC);
      auto ct = sm2::decode_ciphertext_der(ciphertext);
      if (!ct) return Error(Errc::decrypt_failed, "malformed SM2 ciphertext");
      CipherBuffer in = ecc_cipher_from(*ct);
      SecretBytes out(Bytes(ct->c2.size()));
      unsigned int len = static_cast<unsigned int>(out.size());
      int rc = SDF_InternalDecrypt_ECC(h_, index, SGD_SM2_3, in.get(), out.bytes().data(), &len);
      if (rc != SDR_OK) return sdr_error("SDF_InternalDecrypt_ECC", rc);
      if (len > out.size()) return Error(Errc::provider_device_error, "SDF_InternalDecrypt_ECC overran its output");
      out.bytes().resize(len);
      return out;
    }
    SDF_NEED(lib_, SDF_InternalPrivateKeyOperation_RSA);
    MEDSIGN_ASSIGN(Bytes spki, export_public_key(index));
    MEDSIGN_ASSIGN(KeyAlg k, key_alg_of_spki(spki));
    if (!is_rsa(k)) return Error(Errc::algorithm_unsupported, std::string(encryption_alg_name(alg)) + " needs an RSA key");
    std::size_t klen = k == KeyAlg::rsa2048 ? 256 : k == KeyAlg::rsa3072 ? 384 : 512;
    if (ciphertext.size() != klen) return Error(Errc::decrypt_failed, "RSA ciphertext is not the modulus length");
    SecretBytes em{Bytes(klen)};
    unsigned int em_len = static_cast<unsigned int>(klen);
    Bytes in(ciphertext.begin(), ciphertext.end());
    int rc = SDF_InternalPrivateKeyOperation_RSA(h_, index, in.data(), static_cast<unsigned int>(in.size()), em.bytes().data(), &em_len);
    if (rc == SDR_INARGERR || rc == SDR_SKOPERR) return Error(Errc::decrypt_failed, "ciphertext is not below the modulus");
    if (rc != SDR_OK) return sdr_error("SDF_InternalPrivateKeyOperation_RSA", rc);
    if (em_len != klen) return Error(Errc::provider_device_error, "SDF_InternalPrivateKeyOperation_RSA returned a short result");
    SecretBytes out{Bytes(klen)};
    int n = alg == EncryptionAlg::rsa_oaep_sha256
                ? RSA_padding_check_PKCS1_OAEP_mgf1(out.bytes().data(), static_cast<int>(klen), em.bytes().data(),
                                                    static_cast<int>(klen), static_cast<int>(klen), nullptr, 0,
                                                    EVP_sha256(), EVP_sha256())
                : RSA_padding_check_PKCS1_type_2(out.bytes().data(), static_cast<int>(klen), em.bytes().data(),
                                                 static_cast<int>(klen), static_cast<int>(klen));
    if (n < 0) return Error(Errc::decrypt_failed, "RSA padding does not check");
    out.bytes().resize(static_cast<std::size_t>(n));
    return out;
  }

  Result<Bytes> hash(HashAlg alg, ByteView data) override {
    unsigned int id = sgd_hash(alg);
    if (id == 0) return Error(Errc::algorithm_unsupported, "GM/T 0018 hashes are SM3 and SHA-256, not " + std::string(hash_name(alg)));
    int rc = lib_->SDF_HashInit(h_, id, nullptr, nullptr, 0);
    if (rc != SDR_OK) return sdr_error("SDF_HashInit", rc);
    std::size_t off = 0;
    do {
      std::size_t n = std::min<std::size_t>(data.size() - off, 1 << 16);
      Bytes chunk(data.begin() + static_cast<std::ptrdiff_t>(off), data.begin() + static_cast<std::ptrdiff_t>(off + n));
      rc = lib_->SDF_HashUpdate(h_, chunk.data(), static_cast<unsigned int>(n));
      if (rc != SDR_OK) return sdr_error("SDF_HashUpdate", rc);
      off += n;
    } while (off < data.size());
    Bytes out(64);
    unsigned int len = static_cast<unsigned int>(out.size());
    rc = lib_->SDF_HashFinal(h_, out.data(), &len);
    if (rc != SDR_OK) return sdr_error("SDF_HashFinal", rc);
    if (len != hash_size(alg)) return Error(Errc::provider_device_error, "SDF_HashFinal returned " + std::to_string(len) + " bytes");
    out.resize(len);
    return out;
  }

  Result<Bytes> random(std::size_t n) override {
    if (n > (1u << 20)) return Error(Errc::invalid_argument, "at most 1 MiB of random bytes at once");
    Bytes out(n);
    if (n == 0) return out;
    int rc = lib_->SDF_GenerateRandom(h_, static_cast<unsigned int>(n), out.data());
    if (rc != SDR_OK) return sdr_error("SDF_GenerateRandom", rc);
    return out;
  }

 private:
  std::shared_ptr<SdfLibrary> lib_;
  void* h_;
};

class SdfProvider : public Provider {
 public:
  explicit SdfProvider(std::shared_ptr<SdfLibrary> lib) : lib_(std::move(lib)) {}
  ProviderKind kind() const override { return ProviderKind::sdf; }
  std::string description() const override { return "sdf " + lib_->path; }
  Result<std::unique_ptr<Session>> open_session() override {
    void* h = nullptr;
    int rc = lib_->SDF_OpenSession(lib_->device, &h);
    if (rc != SDR_OK) return sdr_error("SDF_OpenSession", rc);
    return std::unique_ptr<Session>(new SdfSession(lib_, h));
  }
  std::vector<KeyAlg> key_algorithms() const override { return {KeyAlg::sm2, KeyAlg::rsa2048}; }

 private:
  std::shared_ptr<SdfLibrary> lib_;
};

}  // namespace

std::string sdr_name(int code) {
  const unsigned u = static_cast<unsigned>(code);
  if (u == 0) return kSdrNames[0];
  if (u > SDR_BASE && u - SDR_BASE < std::size(kSdrNames)) return kSdrNames[u - SDR_BASE];
  char buf[24];
  std::snprintf(buf, sizeof buf, "SDR_0x%08X", u);
  return buf;
}

Error sdr_error(std::string_view function, int code) {
  char hex[16];
  std::snprintf(hex, sizeof hex, "0x%08X", static_cast<unsigned>(code));
  std::string detail(function);
  detail.append(": ").append(sdr_name(code)).append(" (").append(hex).append(")");
  switch (code) {
    case SDR_KEYNOTEXIST: return Error(Errc::key_not_found, detail);
    case SDR_PARDENY:
    case SDR_PRKRERR: return Error(Errc::key_access_denied, detail);
    case SDR_NOTSUPPORT:
    case SDR_ALGNOTSUPPORT:
    case SDR_ALGMODNOTSUPPORT:
    case SDR_KEYTYPEERR: return Error(Errc::algorithm_unsupported, detail);
    case SDR_VERIFYERR: return Error(Errc::bad_signature, detail);
    case SDR_ENCDATAERR: return Error(Errc::decrypt_failed, detail);
    case SDR_INARGERR: return Error(Errc::invalid_argument, detail);
    default: return Error(Errc::provider_device_error, detail);
  }
}

Result<Bytes> spki_from_ecc_public_bytes(ByteView b) {
  if (b.size() != sizeof(ECCrefPublicKey)) return Error(Errc::bad_encoding, "ECCrefPublicKey is " + std::to_string(sizeof(ECCrefPublicKey)) + " bytes");
  ECCrefPublicKey k;
  std::memcpy(&k, b.data(), sizeof k);
  return spki_from_eccref(k);
}

Result<Bytes> spki_from_rsa_public_bytes(ByteView b) {
  if (b.size() != sizeof(RSArefPublicKey)) return Error(Errc::bad_encoding, "RSArefPublicKey is " + std::to_string(sizeof(RSArefPublicKey)) + " bytes");
  RSArefPublicKey k;
  std::memcpy(&k, b.data(), sizeof k);
  MEDSIGN_ASSIGN(Bytes spki, spki_from_rsaref(k));
  MEDSIGN_TRY(key_alg_of_spki(spki));
  return spki;
}

Result<Bytes> der_signature_from_ecc_bytes(ByteView b) {
  if (b.size() != sizeof(ECCSignature)) return Error(Errc::bad_encoding, "ECCSignature is " + std::to_string(sizeof(ECCSignature)) + " bytes");
  ECCSignature sig;
  std::memcpy(&sig, b.data(), sizeof sig);
  MEDSIGN_ASSIGN(Bytes r, field32(sig.r, "r"));
  MEDSIGN_ASSIGN(Bytes s, field32(sig.s, "s"));
  r.insert(r.end(), s.begin(), s.end());
  return der_signature_from_raw(r);
}

Result<Bytes> sm2_ciphertext_der_from_ecc_bytes(ByteView b) {
  if (b.size() < sizeof(ECCCipher)) return Error(Errc::bad_encoding, "ECCCipher shorter than its header");
  CipherBuffer buf;
  buf.mem.assign(b.begin(), b.end());
  MEDSIGN_ASSIGN(sm2::Ciphertext ct, ciphertext_from(buf.get(), b.size() - offsetof(ECCCipher, C)));
  return sm2::encode_ciphertext_der(ct);
}

Result<std::unique_ptr<Provider>> open_sdf_provider(const std::string& path) {
  if (path.empty()) return Error(Errc::provider_library_missing, "no SDF library path given");
  auto lib = std::make_shared<SdfLibrary>();
  lib->path = path;
  // RTLD_NODELETE: vendor libraries stay mapped for the life of the process (many do not survive being
  // unloaded and loaded again, and their static state stays reachable).
  lib->handle = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL | RTLD_NODELETE);
  if (lib->handle == nullptr) {
    const char* why = dlerror();
    return Error(Errc::provider_library_missing, "cannot load " + path + ": " + (why ? why : "unknown reason"));
  }
#define MEDSIGN_SDF_RESOLVE_REQUIRED(name)                                                   \
  lib->name = reinterpret_cast<decltype(&::name)>(dlsym(lib->handle, #name));               \
  if (lib->name == nullptr) return Error(Errc::provider_symbol_missing, path + " has no " #name);
#define MEDSIGN_SDF_RESOLVE_OPTIONAL(name) lib->name = reinterpret_cast<decltype(&::name)>(dlsym(lib->handle, #name));
  MEDSIGN_SDF_REQUIRED(MEDSIGN_SDF_RESOLVE_REQUIRED)
  MEDSIGN_SDF_OPTIONAL(MEDSIGN_SDF_RESOLVE_OPTIONAL)
#undef MEDSIGN_SDF_RESOLVE_REQUIRED
#undef MEDSIGN_SDF_RESOLVE_OPTIONAL
  int rc = lib->SDF_OpenDevice(&lib->device);
  if (rc != SDR_OK) {
    lib->device = nullptr;
    return sdr_error("SDF_OpenDevice", rc);
  }
  return std::unique_ptr<Provider>(new SdfProvider(std::move(lib)));
}

}  // namespace medsign::crypto::provider
