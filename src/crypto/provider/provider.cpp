#include "crypto/provider/provider.h"

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/evp.h>

#include "crypto/algorithms/pk_internal.h"

namespace medsign::crypto::provider {

std::string_view provider_kind_name(ProviderKind k) {
  switch (k) {
    case ProviderKind::soft: return "soft";
    case ProviderKind::sdf: return "sdf";
    case ProviderKind::pkcs11: return "pkcs11";
  }
  return "soft";
}

Result<ProviderKind> parse_provider_kind(std::string_view s) {
  if (s == "soft") return ProviderKind::soft;
  if (s == "sdf") return ProviderKind::sdf;
  if (s == "pkcs11") return ProviderKind::pkcs11;
  return Error(Errc::invalid_argument, "unknown provider '" + std::string(s) + "' (soft, sdf or pkcs11)");
}

bool Provider::supports(KeyAlg a) const {
  for (KeyAlg k : key_algorithms())
    if (k == a) return true;
  return false;
}

Result<KeyInfo> Session::find_key(std::string_view label) {
  MEDSIGN_ASSIGN(auto keys, list_keys());
  for (auto& k : keys)
    if (k.label == label) return k;
  return Error(Errc::key_not_found, "no key labelled '" + std::string(label) + "'");
}

Result<Bytes> Session::sign(std::uint32_t index, SignatureAlg alg, ByteView message) {
  MEDSIGN_ASSIGN(Bytes spki, export_public_key(index));
  MEDSIGN_ASSIGN(Bytes digest, signing_digest(alg, spki, message));
  return sign_digest(index, alg, digest);
}

Status Session::verify(std::uint32_t index, SignatureAlg alg, ByteView message, ByteView signature) {
  MEDSIGN_ASSIGN(Bytes spki, export_public_key(index));
  return external_verify(alg, spki, message, signature);
}

Status Session::external_verify(SignatureAlg alg, ByteView spki, ByteView message, ByteView signature) {
  MEDSIGN_ASSIGN(KeyAlg k, key_alg_of_spki(spki));
  if (!signature_fits(alg, k))
    return Error(Errc::algorithm_unsupported, std::string(signature_alg_name(alg)) + " does not fit a " +
                                                  std::string(key_alg_name(k)) + " key");
  MEDSIGN_ASSIGN(Verifier v, Verifier::create(alg, spki));
  return v.verify(message, signature);
}

Result<Bytes> Session::encrypt(std::uint32_t index, EncryptionAlg alg, ByteView plaintext) {
  MEDSIGN_ASSIGN(Bytes spki, export_public_key(index));
  MEDSIGN_ASSIGN(KeyAlg k, key_alg_of_spki(spki));
  if (!encryption_fits(alg, k))
    return Error(Errc::algorithm_unsupported, std::string(encryption_alg_name(alg)) + " does not fit a " +
                                                  std::string(key_alg_name(k)) + " key");
  MEDSIGN_ASSIGN(Encryptor e, Encryptor::create(alg, spki));
  return e.encrypt(plaintext);
}

Result<Bytes> Session::hash(HashAlg alg, ByteView data) { return crypto::hash(alg, data); }

// ---- ProviderSigner ----
Result<ProviderSigner> ProviderSigner::create(Provider& provider, std::uint32_t index, SignatureAlg alg,
                                              std::string_view password) {
  MEDSIGN_ASSIGN(auto session, provider.open_session());
  ProviderSigner s;
  s.session_ = std::shared_ptr<Session>(std::move(session));
  s.index_ = index;
  s.alg_ = alg;
  MEDSIGN_ASSIGN(s.spki_, s.session_->export_public_key(index));
  MEDSIGN_ASSIGN(KeyAlg k, key_alg_of_spki(s.spki_));
  if (!signature_fits(alg, k))
    return Error(Errc::algorithm_unsupported, std::string(signature_alg_name(alg)) + " does not fit a " +
                                                  std::string(key_alg_name(k)) + " key");
  if (!password.empty()) MEDSIGN_TRY(s.session_->get_private_key_access_right(index, password));
  return s;
}

Result<Bytes> ProviderSigner::sign(ByteView message) const {
  MEDSIGN_ASSIGN(Bytes digest, signing_digest(alg_, spki_, message));
  return session_->sign_digest(index_, alg_, digest);
}

Result<Bytes> ProviderSigner::sign_digest(ByteView digest) const { return session_->sign_digest(index_, alg_, digest); }

// ---- helpers ----
Result<KeyAlg> key_alg_of_spki(ByteView spki) {
  MEDSIGN_ASSIGN(EvpPtr p, parse_spki(spki));
  return classify_pkey(p.get());
}

bool signature_fits(SignatureAlg s, KeyAlg k) {
  switch (s) {
    case SignatureAlg::sm2_sm3: return k == KeyAlg::sm2;
    case SignatureAlg::ecdsa_p256_sha256: return k == KeyAlg::ecdsa_p256;
    case SignatureAlg::ecdsa_p384_sha384: return k == KeyAlg::ecdsa_p384;
    default: return is_rsa(k);
  }
}

bool encryption_fits(EncryptionAlg e, KeyAlg k) { return e == EncryptionAlg::sm2 ? k == KeyAlg::sm2 : is_rsa(k); }

Result<Bytes> signing_digest(SignatureAlg alg, ByteView spki, ByteView message) {
  if (alg == SignatureAlg::sm2_sm3) {
    MEDSIGN_ASSIGN(EvpPtr p, parse_spki(spki));
    MEDSIGN_ASSIGN(sm2::PublicKey pub, sm2_public_of(p.get()));
    MEDSIGN_ASSIGN(sm2::Bytes32 e, sm2::digest_e(pub, message));
    return Bytes(e.begin(), e.end());
  }
  return crypto::hash(signature_hash(alg), message);
}

ByteView digest_info_prefix(HashAlg h) {
  static const std::uint8_t k256[] = {0x30, 0x31, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01,
                                      0x65, 0x03, 0x04, 0x02, 0x01, 0x05, 0x00, 0x04, 0x20};
  static const std::uint8_t k384[] = {0x30, 0x41, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01,
                                      0x65, 0x03, 0x04, 0x02, 0x02, 0x05, 0x00, 0x04, 0x30};
  static const std::uint8_t k512[] = {0x30, 0x51, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01,
                                      0x65, 0x03, 0x04, 0x02, 0x03, 0x05, 0x00, 0x04, 0x40};
  // SM3 (OID 1.2.156.10197.1.401) as GM/T 0010 uses it with RSA.
  static const std::uint8_t ksm3[] = {0x30, 0x30, 0x30, 0x0c, 0x06, 0x08, 0x2a, 0x81, 0x1c,
                                      0xcf, 0x55, 0x01, 0x83, 0x11, 0x05, 0x00, 0x04, 0x20};
  switch (h) {
    case HashAlg::sha256: return k256;
    case HashAlg::sha384: return k384;
    case HashAlg::sha512: return k512;
    case HashAlg::sm3: return ksm3;
  }
  return k256;
}

namespace {
void put_len(Bytes& out, std::size_t n) {
  if (n < 0x80) {
    out.push_back(static_cast<std::uint8_t>(n));
  } else if (n < 0x100) {
    out.push_back(0x81);
    out.push_back(static_cast<std::uint8_t>(n));
  } else {
    out.push_back(0x82);
    out.push_back(static_cast<std::uint8_t>(n >> 8));
    out.push_back(static_cast<std::uint8_t>(n));
  }
}
Bytes tlv(std::uint8_t tag, ByteView content) {
  Bytes out{tag};
  put_len(out, content.size());
  out.insert(out.end(), content.begin(), content.end());
  return out;
}
Bytes der_uint(ByteView mag) {
  std::size_t i = 0;
  while (i + 1 < mag.size() && mag[i] == 0) ++i;
  Bytes v;
  if (mag.empty() || (mag[i] & 0x80)) v.push_back(0);
  v.insert(v.end(), mag.begin() + static_cast<std::ptrdiff_t>(i), mag.end());
  if (v.empty()) v.push_back(0);
  return tlv(0x02, v);
}
Bytes concat(std::initializer_list<ByteView> parts) {
  Bytes out;
  for (auto p : parts) out.insert(out.end(), p.begin(), p.end());
  return out;
}
}  // namespace

Bytes spki_from_ec_point(KeyAlg alg, ByteView point) {
  static const std::uint8_t kEcPublicKey[] = {0x06, 0x07, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01};
  static const std::uint8_t kSm2Curve[] = {0x06, 0x08, 0x2a, 0x81, 0x1c, 0xcf, 0x55, 0x01, 0x82, 0x2d};
  static const std::uint8_t kP256[] = {0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07};
  static const std::uint8_t kP384[] = {0x06, 0x05, 0x2b, 0x81, 0x04, 0x00, 0x22};
  ByteView curve = alg == KeyAlg::sm2 ? ByteView(kSm2Curve) : alg == KeyAlg::ecdsa_p256 ? ByteView(kP256) : ByteView(kP384);
  Bytes algid = tlv(0x30, concat({kEcPublicKey, curve}));
  Bytes bits{0x00};
  bits.insert(bits.end(), point.begin(), point.end());
  return tlv(0x30, concat({algid, tlv(0x03, bits)}));
}

Bytes spki_from_rsa(ByteView modulus, ByteView exponent) {
  static const std::uint8_t kRsaAlgId[] = {0x30, 0x0d, 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7,
                                           0x0d, 0x01, 0x01, 0x01, 0x05, 0x00};
  Bytes key = tlv(0x30, concat({der_uint(modulus), der_uint(exponent)}));
  Bytes bits{0x00};
  bits.insert(bits.end(), key.begin(), key.end());
  return tlv(0x30, concat({kRsaAlgId, tlv(0x03, bits)}));
}

Result<Bytes> der_signature_from_raw(ByteView rs) {
  if (rs.empty() || rs.size() % 2 != 0 || rs.size() > 132)
    return Error(Errc::bad_encoding, "raw signature of " + std::to_string(rs.size()) + " bytes");
  std::size_t w = rs.size() / 2;
  return tlv(0x30, concat({der_uint(rs.first(w)), der_uint(rs.subspan(w))}));
}

Result<Bytes> raw_signature_from_der(ByteView der, std::size_t width) {
  const unsigned char* p = der.data();
  ECDSA_SIG* sig = d2i_ECDSA_SIG(nullptr, &p, static_cast<long>(der.size()));
  if (sig == nullptr || p != der.data() + der.size()) {
    ECDSA_SIG_free(sig);
    return Error(Errc::bad_encoding, "malformed DER signature");
  }
  const BIGNUM *r = nullptr, *s = nullptr;
  ECDSA_SIG_get0(sig, &r, &s);
  Bytes out(2 * width);
  bool ok = BN_bn2binpad(r, out.data(), static_cast<int>(width)) > 0 &&
            BN_bn2binpad(s, out.data() + width, static_cast<int>(width)) > 0;
  ECDSA_SIG_free(sig);
  if (!ok) return Error(Errc::bad_encoding, "signature integer too large");
  return out;
}

Result<Bytes> ec_point_of_spki(ByteView spki) {
  MEDSIGN_ASSIGN(EvpPtr p, parse_spki(spki));
  std::uint8_t buf[200];
  std::size_t len = 0;
  if (EVP_PKEY_get_octet_string_param(p.get(), OSSL_PKEY_PARAM_ENCODED_PUBLIC_KEY, buf, sizeof buf, &len) != 1)
    return Error(Errc::invalid_argument, "not an EC public key");
  return Bytes(buf, buf + len);
}

Result<RsaPublic> rsa_public_of_spki(ByteView spki) {
  MEDSIGN_ASSIGN(EvpPtr p, parse_spki(spki));
  BIGNUM *n = nullptr, *e = nullptr;
  if (EVP_PKEY_get_bn_param(p.get(), OSSL_PKEY_PARAM_RSA_N, &n) != 1 ||
      EVP_PKEY_get_bn_param(p.get(), OSSL_PKEY_PARAM_RSA_E, &e) != 1) {
    BN_free(n);
    BN_free(e);
    return Error(Errc::invalid_argument, "not an RSA public key");
  }
  RsaPublic out;
  out.n.resize(static_cast<std::size_t>(BN_num_bytes(n)));
  out.e.resize(static_cast<std::size_t>(BN_num_bytes(e)));
  BN_bn2bin(n, out.n.data());
  BN_bn2bin(e, out.e.data());
  BN_free(n);
  BN_free(e);
  return out;
}

}  // namespace medsign::crypto::provider
