// Signature verification of signed structures: SM2 through crypto/sm2, RSA and ECDSA through OpenSSL EVP.
#include <openssl/evp.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

#include <memory>

#include "asn1/oids.h"
#include "asn1/reader.h"
#include "crypto/sm2/sm2.h"
#include "pki/certificate.h"
#include "pki/signature.h"

namespace medsign::pki {
namespace {

namespace id = asn1::oid;

struct PkeyFree {
  void operator()(EVP_PKEY* p) const { EVP_PKEY_free(p); }
};
struct MdCtxFree {
  void operator()(EVP_MD_CTX* p) const { EVP_MD_CTX_free(p); }
};

Error bad_sig(std::string what) { return Error(Errc::bad_signature, "signature: " + std::move(what)); }
Error unsupported(std::string what) {
  return Error(Errc::invalid_argument, "signature: unsupported algorithm " + std::move(what));
}

const EVP_MD* md_for_hash_oid(const asn1::Oid& o) {
  if (o == id::kSha256) return EVP_sha256();
  if (o == id::kSha384) return EVP_sha384();
  if (o == id::kSha512) return EVP_sha512();
  return nullptr;
}

// AlgorithmIdentifier for a hash inside RSASSA-PSS-params: parameters absent or NULL.
Result<const EVP_MD*> read_pss_hash(asn1::Reader& r) {
  MEDSIGN_ASSIGN(asn1::Reader alg, r.read_sequence());
  MEDSIGN_ASSIGN(asn1::Oid o, alg.read_oid());
  if (!alg.empty()) MEDSIGN_TRY(alg.read_null());
  MEDSIGN_TRY(alg.expect_end());
  const EVP_MD* md = md_for_hash_oid(o);
  if (!md) return unsupported("RSASSA-PSS with hash " + asn1::oid_name(o));
  return md;
}

struct PssParams {
  const EVP_MD* md = nullptr;
  const EVP_MD* mgf1_md = nullptr;
  int salt_len = 20;
};

// RSASSA-PSS-params (RFC 4055): defaults (SHA-1) are refused as weak.
Result<PssParams> parse_pss_params(ByteView params_der) {
  if (params_der.empty()) return unsupported("RSASSA-PSS with default (SHA-1) parameters");
  asn1::Reader top(params_der);
  MEDSIGN_ASSIGN(asn1::Reader seq, top.read_sequence());
  MEDSIGN_TRY(top.expect_end());
  PssParams p;
  MEDSIGN_ASSIGN(auto hash, seq.read_optional_explicit(0));
  if (!hash) return unsupported("RSASSA-PSS with default (SHA-1) hash");
  MEDSIGN_ASSIGN(p.md, read_pss_hash(*hash));
  MEDSIGN_ASSIGN(auto mgf, seq.read_optional_explicit(1));
  if (!mgf) return unsupported("RSASSA-PSS with default (MGF1-SHA-1) mask");
  MEDSIGN_ASSIGN(asn1::Reader mgf_alg, mgf->read_sequence());
  MEDSIGN_ASSIGN(asn1::Oid mgf_oid, mgf_alg.read_oid());
  if (mgf_oid != id::kMgf1) return unsupported("RSASSA-PSS mask " + asn1::oid_name(mgf_oid));
  MEDSIGN_ASSIGN(p.mgf1_md, read_pss_hash(mgf_alg));
  MEDSIGN_ASSIGN(auto salt, seq.read_optional_explicit(2));
  if (salt) {
    MEDSIGN_ASSIGN(std::int64_t s, salt->read_int64());
    if (s < 0 || s > 1024) return bad_sig("RSASSA-PSS salt length out of range");
    p.salt_len = static_cast<int>(s);
  }
  MEDSIGN_ASSIGN(auto trailer, seq.read_optional_explicit(3));
  if (trailer) {
    MEDSIGN_ASSIGN(std::int64_t t, trailer->read_int64());
    if (t != 1) return bad_sig("RSASSA-PSS trailer field other than 1");
  }
  MEDSIGN_TRY(seq.expect_end());
  return p;
}

Status verify_evp(const SubjectPublicKeyInfo& key, const EVP_MD* md, const PssParams* pss, ByteView tbs,
                  ByteView sig) {
  const unsigned char* p = key.der.data();
  std::unique_ptr<EVP_PKEY, PkeyFree> pkey(d2i_PUBKEY(nullptr, &p, static_cast<long>(key.der.size())));
  if (!pkey) return bad_sig("issuer public key not usable by OpenSSL");
  std::unique_ptr<EVP_MD_CTX, MdCtxFree> ctx(EVP_MD_CTX_new());
  EVP_PKEY_CTX* pctx = nullptr;
  if (!ctx || EVP_DigestVerifyInit(ctx.get(), &pctx, md, nullptr, pkey.get()) != 1) {
    return bad_sig("cannot initialise verification");
  }
  if (pss) {
    if (EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING) != 1 ||
        EVP_PKEY_CTX_set_rsa_mgf1_md(pctx, pss->mgf1_md) != 1 ||
        EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, pss->salt_len) != 1) {
      return bad_sig("cannot set RSASSA-PSS parameters");
    }
  }
  const int rc = EVP_DigestVerify(ctx.get(), sig.data(), sig.size(), tbs.data(), tbs.size());
  if (rc != 1) return bad_sig("does not verify");
  return {};
}

}  // namespace

Status Certificate::verify_signature(const Certificate& issuer) const { return verify_signature(issuer.public_key()); }

Status verify_signed_data(const AlgorithmIdentifier& algorithm, const SubjectPublicKeyInfo& key, ByteView tbs,
                          ByteView signature) {
  const asn1::Oid& alg = algorithm.oid;
  const ByteView params = algorithm.parameters;
  const bool null_or_absent = params.empty() || (params.size() == 2 && params[0] == 0x05 && params[1] == 0x00);

  if (alg == id::kSm3WithSm2) {
    if (key.type != KeyType::sm2) return bad_sig("sm3WithSM2 needs an SM2 issuer key");
    auto pub = crypto::sm2::PublicKey::decode(key.key);
    if (!pub) return bad_sig("issuer SM2 key: " + pub.error().detail);
    auto st = crypto::sm2::verify(*pub, tbs, signature);
    if (!st) return bad_sig(st.error().detail);
    return {};
  }
  if (alg == id::kSha256WithRsa || alg == id::kSha384WithRsa || alg == id::kSha512WithRsa) {
    if (key.type != KeyType::rsa) return bad_sig(algorithm.name() + " needs an RSA issuer key");
    if (!null_or_absent) return bad_sig("RSA signature algorithm with parameters");
    const EVP_MD* md = alg == id::kSha256WithRsa ? EVP_sha256() : alg == id::kSha384WithRsa ? EVP_sha384() : EVP_sha512();
    return verify_evp(key, md, nullptr, tbs, signature);
  }
  if (alg == id::kRsassaPss) {
    if (key.type != KeyType::rsa) return bad_sig("RSASSA-PSS needs an RSA issuer key");
    MEDSIGN_ASSIGN(PssParams pss, parse_pss_params(params));
    return verify_evp(key, pss.md, &pss, tbs, signature);
  }
  if (alg == id::kEcdsaWithSha256 || alg == id::kEcdsaWithSha384 || alg == id::kEcdsaWithSha512) {
    if (key.type != KeyType::ecdsa_p256 && key.type != KeyType::ecdsa_p384 && key.type != KeyType::ecdsa_p521) {
      return bad_sig(algorithm.name() + " needs an ECDSA issuer key");
    }
    if (!params.empty()) return bad_sig("ECDSA signature algorithm with parameters");
    const EVP_MD* md = alg == id::kEcdsaWithSha256 ? EVP_sha256() : alg == id::kEcdsaWithSha384 ? EVP_sha384() : EVP_sha512();
    return verify_evp(key, md, nullptr, tbs, signature);
  }
  return unsupported(algorithm.name());
}

Status Certificate::verify_signature(const SubjectPublicKeyInfo& key) const {
  return verify_signed_data(signature_algorithm_, key, tbs_der_, signature_);
}

}  // namespace medsign::pki
