// libmedsign-softsdf.so: the GM/T 0018-2012 SDF functions of include/medsign/sdf.h over the soft provider,
// so programs written for a crypto card run without one.
//
// Device: the directory named by MEDSIGN_SOFTSDF_DIR (created with a fresh keys/kek on first open); with
// MEDSIGN_SOFTSDF_PASSPHRASE set, the key-encryption key comes from that passphrase instead. Key indexes
// 1..65535 are the soft provider's keys (<dir>/keys/provider/<index>.key). Only SDF_* symbols are exported.
#include <cstddef>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <new>

#include "crypto/provider/soft_provider.h"
// The SDF_ declarations are the library's interface: default visibility (everything else is hidden).
#pragma GCC visibility push(default)
#include "medsign/sdf.h"
#pragma GCC visibility pop

namespace {
using namespace medsign;
using namespace medsign::crypto;
using namespace medsign::crypto::provider;

struct Device {
  std::unique_ptr<SoftProvider> provider;
};
struct SdfSession {
  Device* device = nullptr;
  std::unique_ptr<SoftSession> session;
  std::unique_ptr<Hasher> hasher;
};

constexpr unsigned int kMaxData = 1u << 20;

int sdr_of(const Error& e) {
  switch (e.code) {
    case Errc::key_not_found: return SDR_KEYNOTEXIST;
    case Errc::key_password_wrong: return SDR_PRKRERR;
    case Errc::key_access_denied: return SDR_PARDENY;
    case Errc::algorithm_unsupported: return SDR_KEYTYPEERR;
    case Errc::decrypt_failed: return SDR_ENCDATAERR;
    case Errc::bad_signature: return SDR_VERIFYERR;
    case Errc::invalid_argument:
    case Errc::bad_encoding: return SDR_INARGERR;
    case Errc::conflict: return SDR_FILEEXSITS;
    default: return SDR_UNKNOWERR;
  }
}

// Runs fn, turning exceptions (allocation failure) into SDR codes: nothing unwinds into C callers.
template <typename F>
int guarded(F&& fn) noexcept {
  try {
    return fn();
  } catch (const std::bad_alloc&) {
    return SDR_NOBUFFER;
  } catch (...) {
    return SDR_UNKNOWERR;
  }
}

SdfSession* sess(void* h) { return static_cast<SdfSession*>(h); }

void put32(unsigned char (&f)[ECCref_MAX_LEN], ByteView v) {
  std::memset(f, 0, sizeof f);
  std::memcpy(f + ECCref_MAX_LEN - 32, v.data(), 32);
}
bool get32(const unsigned char (&f)[ECCref_MAX_LEN], Bytes& out) {
  for (int i = 0; i < ECCref_MAX_LEN - 32; ++i)
    if (f[i] != 0) return false;
  out.assign(f + ECCref_MAX_LEN - 32, f + ECCref_MAX_LEN);
  return true;
}

int eccref_from_spki(ByteView spki, ECCrefPublicKey* out) {
  auto alg = key_alg_of_spki(spki);
  if (!alg) return SDR_KEYERR;
  if (*alg != KeyAlg::sm2) return SDR_KEYTYPEERR;
  auto point = ec_point_of_spki(spki);
  if (!point || point->size() != 65) return SDR_KEYERR;
  std::memset(out, 0, sizeof *out);
  out->bits = 256;
  put32(out->x, ByteView(*point).subspan(1, 32));
  put32(out->y, ByteView(*point).subspan(33, 32));
  return SDR_OK;
}

int spki_from_eccref(const ECCrefPublicKey* k, Bytes& spki) {
  Bytes x, y;
  if (k == nullptr || k->bits != 256 || !get32(k->x, x) || !get32(k->y, y)) return SDR_INARGERR;
  auto pub = sm2::PublicKey::from_coordinates(x, y);
  if (!pub) return SDR_KEYERR;
  spki = spki_from_ec_point(KeyAlg::sm2, pub->encode());
  return SDR_OK;
}

int signature_to_der(const ECCSignature* sig, Bytes& der) {
  Bytes r, s;
  if (sig == nullptr || !get32(sig->r, r) || !get32(sig->s, s)) return SDR_VERIFYERR;
  r.insert(r.end(), s.begin(), s.end());
  auto d = der_signature_from_raw(r);
  if (!d) return SDR_VERIFYERR;
  der = std::move(*d);
  return SDR_OK;
}

// Writes an SM2Cipher DER as an ECCCipher. REQUIRES: out has room for ECCCipher_SIZE(plaintext length).
int cipher_from_der(ByteView der, ECCCipher* out) {
  auto ct = sm2::decode_ciphertext_der(der);
  if (!ct) return SDR_PKOPERR;
  ECCCipher head{};
  put32(head.x, ct->x1);
  put32(head.y, ct->y1);
  std::memcpy(head.M, ct->c3.data(), 32);
  head.L = static_cast<unsigned int>(ct->c2.size());
  auto* dst = reinterpret_cast<unsigned char*>(out);
  std::memcpy(dst, &head, offsetof(ECCCipher, C));
  std::copy(ct->c2.begin(), ct->c2.end(), dst + offsetof(ECCCipher, C));
  return SDR_OK;
}

int verify_with(ByteView spki, const unsigned char* e, unsigned int len, const ECCSignature* sig) {
  if (e == nullptr || len != 32) return SDR_INARGERR;
  Bytes der;
  if (int rc = signature_to_der(sig, der)) return rc;
  auto v = Verifier::create(SignatureAlg::sm2_sm3, spki);
  if (!v) return SDR_KEYERR;
  return v->verify_digest(ByteView(e, 32), der).ok() ? SDR_OK : SDR_VERIFYERR;
}

int encrypt_with(ByteView spki, const unsigned char* data, unsigned int len, ECCCipher* out) {
  if (data == nullptr || out == nullptr || len == 0 || len > kMaxData) return SDR_INARGERR;
  auto enc = Encryptor::create(EncryptionAlg::sm2, spki);
  if (!enc) return SDR_KEYERR;
  auto der = enc->encrypt(ByteView(data, len));
  if (!der) return SDR_PKOPERR;
  return cipher_from_der(*der, out);
}

}  // namespace

extern "C" {

int SDF_OpenDevice(void** phDeviceHandle) {
  return guarded([&] {
    if (phDeviceHandle == nullptr) return SDR_INARGERR;
    const char* dir = std::getenv("MEDSIGN_SOFTSDF_DIR");
    if (dir == nullptr || *dir == '\0') return SDR_OPENDEVICE;
    const char* pass = std::getenv("MEDSIGN_SOFTSDF_PASSPHRASE");
    auto p = SoftProvider::open({dir, pass ? pass : "", true});
    if (!p) return p.error().code == Errc::key_password_wrong ? SDR_PARDENY : SDR_OPENDEVICE;
    *phDeviceHandle = new Device{std::move(*p)};
    return SDR_OK;
  });
}

int SDF_CloseDevice(void* hDeviceHandle) {
  delete static_cast<Device*>(hDeviceHandle);
  return SDR_OK;
}

int SDF_OpenSession(void* hDeviceHandle, void** phSessionHandle) {
  return guarded([&] {
    if (hDeviceHandle == nullptr || phSessionHandle == nullptr) return SDR_INARGERR;
    auto* d = static_cast<Device*>(hDeviceHandle);
    auto s = d->provider->open_soft_session();
    if (!s) return SDR_OPENSESSION;
    *phSessionHandle = new SdfSession{d, std::move(*s), nullptr};
    return SDR_OK;
  });
}

int SDF_CloseSession(void* hSessionHandle) {
  delete sess(hSessionHandle);
  return SDR_OK;
}

int SDF_GetDeviceInfo(void* hSessionHandle, DEVICEINFO* info) {
  if (hSessionHandle == nullptr || info == nullptr) return SDR_INARGERR;
  std::memset(info, 0, sizeof *info);
  std::memcpy(info->IssuerName, "MedSign", 7);
  std::memcpy(info->DeviceName, "softsdf", 7);
  std::memcpy(info->DeviceSerial, "2026010100100001", 16);
  info->DeviceVersion = 1;
  info->StandardVersion = 1;
  info->AsymAlgAbility[0] = SGD_SM2_1 | SGD_SM2_3 | SGD_RSA;
  info->AsymAlgAbility[1] = 256 | 2048;
  info->SymAlgAbility = 0;
  info->HashAlgAbility = SGD_SM3 | SGD_SHA256;
  info->BufferSize = kMaxData;
  return SDR_OK;
}

int SDF_GenerateRandom(void* hSessionHandle, unsigned int uiLength, unsigned char* pucRandom) {
  return guarded([&] {
    if (hSessionHandle == nullptr || (pucRandom == nullptr && uiLength) || uiLength > kMaxData) return SDR_INARGERR;
    auto r = sess(hSessionHandle)->session->random(uiLength);
    if (!r) return SDR_RANDERR;
    std::copy(r->begin(), r->end(), pucRandom);
    return SDR_OK;
  });
}

int SDF_GetPrivateKeyAccessRight(void* hSessionHandle, unsigned int uiKeyIndex, unsigned char* pucPassword,
                                 unsigned int uiPwdLength) {
  return guarded([&] {
    if (hSessionHandle == nullptr || (pucPassword == nullptr && uiPwdLength) || uiPwdLength > 1024) return SDR_INARGERR;
    std::string_view pw(reinterpret_cast<const char*>(pucPassword), uiPwdLength);
    auto st = sess(hSessionHandle)->session->get_private_key_access_right(uiKeyIndex, pw);
    return st ? SDR_OK : sdr_of(st.error());
  });
}

int SDF_ReleasePrivateKeyAccessRight(void* hSessionHandle, unsigned int uiKeyIndex) {
  if (hSessionHandle == nullptr) return SDR_INARGERR;
  (void)sess(hSessionHandle)->session->release_private_key_access_right(uiKeyIndex);
  return SDR_OK;
}

static int export_ecc(void* h, unsigned int index, ECCrefPublicKey* out) {
  return guarded([&] {
    if (h == nullptr || out == nullptr) return SDR_INARGERR;
    auto spki = sess(h)->session->export_public_key(index);
    if (!spki) return sdr_of(spki.error());
    return eccref_from_spki(*spki, out);
  });
}

int SDF_ExportSignPublicKey_ECC(void* h, unsigned int uiKeyIndex, ECCrefPublicKey* pucPublicKey) {
  return export_ecc(h, uiKeyIndex, pucPublicKey);
}
int SDF_ExportEncPublicKey_ECC(void* h, unsigned int uiKeyIndex, ECCrefPublicKey* pucPublicKey) {
  return export_ecc(h, uiKeyIndex, pucPublicKey);
}

static int export_rsa(void* h, unsigned int index, RSArefPublicKey* out) {
  return guarded([&] {
    if (h == nullptr || out == nullptr) return SDR_INARGERR;
    auto spki = sess(h)->session->export_public_key(index);
    if (!spki) return sdr_of(spki.error());
    auto rsa = rsa_public_of_spki(*spki);
    if (!rsa) return SDR_KEYTYPEERR;
    if (rsa->n.size() > RSAref_MAX_LEN || rsa->e.size() > RSAref_MAX_LEN) return SDR_KEYTYPEERR;
    std::memset(out, 0, sizeof *out);
    out->bits = static_cast<unsigned int>(rsa->n.size() * 8);
    std::copy(rsa->n.begin(), rsa->n.end(), out->m + RSAref_MAX_LEN - rsa->n.size());
    std::copy(rsa->e.begin(), rsa->e.end(), out->e + RSAref_MAX_LEN - rsa->e.size());
    return SDR_OK;
  });
}

int SDF_ExportSignPublicKey_RSA(void* h, unsigned int uiKeyIndex, RSArefPublicKey* pucPublicKey) {
  return export_rsa(h, uiKeyIndex, pucPublicKey);
}
int SDF_ExportEncPublicKey_RSA(void* h, unsigned int uiKeyIndex, RSArefPublicKey* pucPublicKey) {
  return export_rsa(h, uiKeyIndex, pucPublicKey);
}

int SDF_GenerateKeyPair_ECC(void* h, unsigned int uiAlgID, unsigned int uiKeyBits, ECCrefPublicKey* pub,
                            ECCrefPrivateKey* priv) {
  return guarded([&] {
    if (h == nullptr || pub == nullptr || priv == nullptr) return SDR_INARGERR;
    if ((uiAlgID & 0xFFFFFF00u) != (SGD_SM2 & 0xFFFF0000u) && uiAlgID != SGD_SM2 && uiAlgID != SGD_SM2_1 &&
        uiAlgID != SGD_SM2_2 && uiAlgID != SGD_SM2_3)
      return SDR_ALGNOTSUPPORT;
    if (uiKeyBits != 256) return SDR_INARGERR;
    auto k = sm2::generate_key();
    if (!k) return SDR_RANDERR;
    std::memset(pub, 0, sizeof *pub);
    std::memset(priv, 0, sizeof *priv);
    pub->bits = priv->bits = 256;
    put32(pub->x, k->public_key().x());
    put32(pub->y, k->public_key().y());
    SecretBytes d = k->to_bytes();
    put32(priv->K, d.view());
    return SDR_OK;
  });
}

int SDF_GenerateInternalKeyPair(void* h, unsigned int uiKeyIndex, unsigned int uiAlgID, unsigned int uiKeyBits,
                                unsigned char* pucPassword, unsigned int uiPwdLength) {
  return guarded([&] {
    if (h == nullptr || uiKeyIndex == 0 || (pucPassword == nullptr && uiPwdLength) || uiPwdLength > 1024)
      return SDR_INARGERR;
    KeyAlg alg;
    if (uiAlgID == SGD_SM2 || uiAlgID == SGD_SM2_1 || uiAlgID == SGD_SM2_3) {
      if (uiKeyBits != 256) return SDR_INARGERR;
      alg = KeyAlg::sm2;
    } else if (uiAlgID == SGD_RSA) {
      if (uiKeyBits != 2048) return SDR_INARGERR;  // RSAref_MAX_BITS
      alg = KeyAlg::rsa2048;
    } else {
      return SDR_ALGNOTSUPPORT;
    }
    KeyGenOptions opt;
    opt.index = uiKeyIndex;
    opt.password.assign(reinterpret_cast<const char*>(pucPassword), uiPwdLength);
    auto r = sess(h)->session->generate_key(alg, opt);
    secure_wipe(opt.password.data(), opt.password.size());
    return r ? SDR_OK : sdr_of(r.error());
  });
}

int SDF_InternalSign_ECC(void* h, unsigned int uiISKIndex, unsigned char* pucData, unsigned int uiDataLength,
                         ECCSignature* pucSignature) {
  return guarded([&] {
    if (h == nullptr || pucData == nullptr || pucSignature == nullptr || uiDataLength != 32) return SDR_INARGERR;
    auto der = sess(h)->session->sign_digest(uiISKIndex, SignatureAlg::sm2_sm3, ByteView(pucData, 32));
    if (!der) return der.error().code == Errc::crypto_error ? SDR_SIGNERR : sdr_of(der.error());
    auto rs = raw_signature_from_der(*der, 32);
    if (!rs) return SDR_SIGNERR;
    std::memset(pucSignature, 0, sizeof *pucSignature);
    put32(pucSignature->r, ByteView(*rs).first(32));
    put32(pucSignature->s, ByteView(*rs).subspan(32));
    return SDR_OK;
  });
}

int SDF_InternalVerify_ECC(void* h, unsigned int uiIPKIndex, unsigned char* pucData, unsigned int uiDataLength,
                           ECCSignature* pucSignature) {
  return guarded([&] {
    if (h == nullptr) return SDR_INARGERR;
    auto spki = sess(h)->session->export_public_key(uiIPKIndex);
    if (!spki) return sdr_of(spki.error());
    return verify_with(*spki, pucData, uiDataLength, pucSignature);
  });
}

int SDF_ExternalVerify_ECC(void* h, unsigned int uiAlgID, ECCrefPublicKey* pucPublicKey, unsigned char* pucDataInput,
                           unsigned int uiInputLength, ECCSignature* pucSignature) {
  return guarded([&] {
    if (h == nullptr) return SDR_INARGERR;
    if (uiAlgID != SGD_SM2_1 && uiAlgID != SGD_SM2) return SDR_ALGNOTSUPPORT;
    Bytes spki;
    if (int rc = spki_from_eccref(pucPublicKey, spki)) return rc;
    return verify_with(spki, pucDataInput, uiInputLength, pucSignature);
  });
}

int SDF_ExternalEncrypt_ECC(void* h, unsigned int uiAlgID, ECCrefPublicKey* pucPublicKey, unsigned char* pucData,
                            unsigned int uiDataLength, ECCCipher* pucEncData) {
  return guarded([&] {
    if (h == nullptr) return SDR_INARGERR;
    if (uiAlgID != SGD_SM2_3 && uiAlgID != SGD_SM2) return SDR_ALGNOTSUPPORT;
    Bytes spki;
    if (int rc = spki_from_eccref(pucPublicKey, spki)) return rc;
    return encrypt_with(spki, pucData, uiDataLength, pucEncData);
  });
}

int SDF_InternalEncrypt_ECC(void* h, unsigned int uiIPKIndex, unsigned int uiAlgID, unsigned char* pucData,
                            unsigned int uiDataLength, ECCCipher* pucEncData) {
  return guarded([&] {
    if (h == nullptr) return SDR_INARGERR;
    if (uiAlgID != SGD_SM2_3 && uiAlgID != SGD_SM2) return SDR_ALGNOTSUPPORT;
    auto spki = sess(h)->session->export_public_key(uiIPKIndex);
    if (!spki) return sdr_of(spki.error());
    auto alg = key_alg_of_spki(*spki);
    if (!alg || *alg != KeyAlg::sm2) return SDR_KEYTYPEERR;
    return encrypt_with(*spki, pucData, uiDataLength, pucEncData);
  });
}

int SDF_InternalDecrypt_ECC(void* h, unsigned int uiISKIndex, unsigned int uiAlgID, ECCCipher* pucEncData,
                            unsigned char* pucData, unsigned int* puiDataLength) {
  return guarded([&] {
    if (h == nullptr || pucEncData == nullptr || pucData == nullptr || puiDataLength == nullptr) return SDR_INARGERR;
    if (uiAlgID != SGD_SM2_3 && uiAlgID != SGD_SM2) return SDR_ALGNOTSUPPORT;
    if (pucEncData->L == 0 || pucEncData->L > kMaxData) return SDR_INARGERR;
    sm2::Ciphertext ct;
    Bytes x, y;
    if (!get32(pucEncData->x, x) || !get32(pucEncData->y, y)) return SDR_ENCDATAERR;
    std::copy(x.begin(), x.end(), ct.x1.begin());
    std::copy(y.begin(), y.end(), ct.y1.begin());
    std::memcpy(ct.c3.data(), pucEncData->M, 32);
    const unsigned char* c = reinterpret_cast<const unsigned char*>(pucEncData) + offsetof(ECCCipher, C);
    ct.c2.assign(c, c + pucEncData->L);
    auto pt = sess(h)->session->decrypt(uiISKIndex, EncryptionAlg::sm2, sm2::encode_ciphertext_der(ct));
    if (!pt) return sdr_of(pt.error());
    std::copy(pt->bytes().begin(), pt->bytes().end(), pucData);
    *puiDataLength = static_cast<unsigned int>(pt->size());
    return SDR_OK;
  });
}

int SDF_InternalPrivateKeyOperation_RSA(void* h, unsigned int uiKeyIndex, unsigned char* pucDataInput,
                                        unsigned int uiInputLength, unsigned char* pucDataOutput,
                                        unsigned int* puiOutputLength) {
  return guarded([&] {
    if (h == nullptr || pucDataInput == nullptr || pucDataOutput == nullptr || puiOutputLength == nullptr ||
        uiInputLength > 512)
      return SDR_INARGERR;
    auto out = sess(h)->session->rsa_private_raw(uiKeyIndex, ByteView(pucDataInput, uiInputLength));
    if (!out) return out.error().code == Errc::crypto_error ? SDR_SKOPERR : sdr_of(out.error());
    std::copy(out->bytes().begin(), out->bytes().end(), pucDataOutput);
    *puiOutputLength = static_cast<unsigned int>(out->size());
    return SDR_OK;
  });
}

int SDF_InternalPublicKeyOperation_RSA(void* h, unsigned int uiKeyIndex, unsigned char* pucDataInput,
                                       unsigned int uiInputLength, unsigned char* pucDataOutput,
                                       unsigned int* puiOutputLength) {
  return guarded([&] {
    if (h == nullptr || pucDataInput == nullptr || pucDataOutput == nullptr || puiOutputLength == nullptr ||
        uiInputLength > 512)
      return SDR_INARGERR;
    auto out = sess(h)->session->rsa_public_raw(uiKeyIndex, ByteView(pucDataInput, uiInputLength));
    if (!out) return out.error().code == Errc::crypto_error ? SDR_PKOPERR : sdr_of(out.error());
    std::copy(out->begin(), out->end(), pucDataOutput);
    *puiOutputLength = static_cast<unsigned int>(out->size());
    return SDR_OK;
  });
}

int SDF_HashInit(void* h, unsigned int uiAlgID, ECCrefPublicKey* pucPublicKey, unsigned char* pucID,
                 unsigned int uiIDLength) {
  return guarded([&] {
    if (h == nullptr) return SDR_INARGERR;
    HashAlg alg;
    if (uiAlgID == SGD_SM3) alg = HashAlg::sm3;
    else if (uiAlgID == SGD_SHA256) alg = HashAlg::sha256;
    else return SDR_ALGNOTSUPPORT;
    auto hasher = std::make_unique<Hasher>(alg);
    if (pucPublicKey != nullptr) {
      // With a public key and an ID, SM3 starts with the SM2 Z value (GM/T 0018 §6.6).
      if (alg != HashAlg::sm3 || (pucID == nullptr && uiIDLength) || uiIDLength > sm2::kMaxIdLength) return SDR_INARGERR;
      Bytes x, y;
      if (pucPublicKey->bits != 256 || !get32(pucPublicKey->x, x) || !get32(pucPublicKey->y, y)) return SDR_INARGERR;
      auto pub = sm2::PublicKey::from_coordinates(x, y);
      if (!pub) return SDR_KEYERR;
      auto z = sm2::compute_z(*pub, std::string_view(reinterpret_cast<const char*>(pucID), uiIDLength));
      if (!z) return SDR_INARGERR;
      hasher->update(ByteView(z->data(), z->size()));
    }
    sess(h)->hasher = std::move(hasher);
    return SDR_OK;
  });
}

int SDF_HashUpdate(void* h, unsigned char* pucData, unsigned int uiDataLength) {
  return guarded([&] {
    if (h == nullptr || (pucData == nullptr && uiDataLength)) return SDR_INARGERR;
    if (!sess(h)->hasher) return SDR_STEPERR;
    sess(h)->hasher->update(ByteView(pucData, uiDataLength));
    return SDR_OK;
  });
}

int SDF_HashFinal(void* h, unsigned char* pucHash, unsigned int* puiHashLength) {
  return guarded([&] {
    if (h == nullptr || pucHash == nullptr || puiHashLength == nullptr) return SDR_INARGERR;
    if (!sess(h)->hasher) return SDR_STEPERR;
    Bytes d = sess(h)->hasher->finish();
    sess(h)->hasher.reset();
    std::copy(d.begin(), d.end(), pucHash);
    *puiHashLength = static_cast<unsigned int>(d.size());
    return SDR_OK;
  });
}

}  // extern "C"
