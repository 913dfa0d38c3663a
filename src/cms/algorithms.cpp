#include "cms/algorithms.h"

#include <memory>

#include <openssl/evp.h>
#include <openssl/x509.h>

#include "asn1/oids.h"
#include "crypto/sm2/sm2.h"

namespace medsign::cms {
namespace id = asn1::oid;

const asn1::Oid& digest_oid(DigestAlgorithm d) {
  switch (d) {
    case DigestAlgorithm::sm3: return id::kSm3;
    case DigestAlgorithm::sha256: return id::kSha256;
    case DigestAlgorithm::sha384: return id::kSha384;
    case DigestAlgorithm::sha512: return id::kSha512;
  }
  return id::kSha256;
}

Result<DigestAlgorithm> digest_from_oid(const asn1::Oid& o) {
  if (o == id::kSm3) return DigestAlgorithm::sm3;
  if (o == id::kSha256) return DigestAlgorithm::sha256;
  if (o == id::kSha384) return DigestAlgorithm::sha384;
  if (o == id::kSha512) return DigestAlgorithm::sha512;
  return Error(Errc::bad_encoding, "CMS: unsupported digest algorithm " + asn1::oid_name(o));
}

std::string_view digest_name(DigestAlgorithm d) {
  switch (d) {
    case DigestAlgorithm::sm3: return "sm3";
    case DigestAlgorithm::sha256: return "sha256";
    case DigestAlgorithm::sha384: return "sha384";
    case DigestAlgorithm::sha512: return "sha512";
  }
  return "?";
}

namespace {
const EVP_MD* evp_md(DigestAlgorithm d) {
  switch (d) {
    case DigestAlgorithm::sm3: return EVP_sm3();
    case DigestAlgorithm::sha256: return EVP_sha256();
    case DigestAlgorithm::sha384: return EVP_sha384();
    case DigestAlgorithm::sha512: return EVP_sha512();
  }
  return EVP_sha256();
}
}  // namespace

std::size_t digest_size(DigestAlgorithm d) { return static_cast<std::size_t>(EVP_MD_get_size(evp_md(d))); }

Bytes digest(DigestAlgorithm d, ByteView data) {
  Bytes out(digest_size(d));
  unsigned int len = 0;
  EVP_Digest(data.data(), data.size(), out.data(), &len, evp_md(d), nullptr);
  return out;
}

void write_signature_algorithm(asn1::Writer& w, SignatureAlgorithm s, DigestAlgorithm d) {
  w.add_sequence([&](asn1::Writer& a) {
    switch (s) {
      case SignatureAlgorithm::sm2: a.add_oid(id::kSm2Sign); break;
      case SignatureAlgorithm::rsa_pkcs1:
        a.add_oid(id::kRsaEncryption);
        a.add_null();
        break;
      case SignatureAlgorithm::ecdsa:
        a.add_oid(d == DigestAlgorithm::sha384   ? id::kEcdsaWithSha384
                  : d == DigestAlgorithm::sha512 ? id::kEcdsaWithSha512
                                                 : id::kEcdsaWithSha256);
        break;
    }
  });
}

Result<SignatureAlgorithm> signature_from_oid(const asn1::Oid& o, pki::KeyType key) {
  if (o == id::kSm2Sign || o == id::kSm3WithSm2) return SignatureAlgorithm::sm2;
  if (o == id::kEcPublicKey) return key == pki::KeyType::sm2 ? SignatureAlgorithm::sm2 : SignatureAlgorithm::ecdsa;
  if (o == id::kRsaEncryption || o == id::kSha256WithRsa || o == id::kSha384WithRsa || o == id::kSha512WithRsa)
    return SignatureAlgorithm::rsa_pkcs1;
  if (o == id::kEcdsaWithSha256 || o == id::kEcdsaWithSha384 || o == id::kEcdsaWithSha512)
    return key == pki::KeyType::sm2 ? SignatureAlgorithm::sm2 : SignatureAlgorithm::ecdsa;
  return Error(Errc::bad_encoding, "CMS: unsupported signature algorithm " + asn1::oid_name(o));
}

Status verify_signature(const pki::SubjectPublicKeyInfo& key, SignatureAlgorithm s, DigestAlgorithm d, ByteView data,
                        ByteView signature) {
  if (s == SignatureAlgorithm::sm2) {
    if (key.type != pki::KeyType::sm2) return Error(Errc::invalid_argument, "CMS: SM2 signature but the key is not SM2");
    MEDSIGN_ASSIGN(auto pub, crypto::sm2::PublicKey::decode(key.key));
    auto st = crypto::sm2::verify(pub, data, signature);
    if (!st) return Error(Errc::bad_signature, "CMS: the SM2 signature does not verify");
    return {};
  }
  bool rsa_key = key.type == pki::KeyType::rsa;
  if ((s == SignatureAlgorithm::rsa_pkcs1) != rsa_key)
    return Error(Errc::invalid_argument, "CMS: signature algorithm and key type disagree");
  const unsigned char* p = key.der.data();
  std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)> pkey(d2i_PUBKEY(nullptr, &p, static_cast<long>(key.der.size())),
                                                           EVP_PKEY_free);
  if (!pkey) return Error(Errc::bad_encoding, "CMS: unusable public key");
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(), EVP_MD_CTX_free);
  int rc = EVP_DigestVerifyInit(ctx.get(), nullptr, evp_md(d), nullptr, pkey.get());
  if (rc == 1) rc = EVP_DigestVerify(ctx.get(), signature.data(), signature.size(), data.data(), data.size());
  if (rc != 1) return Error(Errc::bad_signature, "CMS: the signature does not verify");
  return {};
}

}  // namespace medsign::cms
