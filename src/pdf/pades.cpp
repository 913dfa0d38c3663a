#include "pdf/pades.h"

#include <openssl/rand.h>

#include "asn1/oids.h"
#include "tsp/timestamp.h"
#include "tsp/timestamp_issuer.h"

namespace medsign::pdf {
namespace id = asn1::oid;

cms::DigestAlgorithm pades_digest(const pki::Certificate& c) {
  return c.key_type() == pki::KeyType::sm2 ? cms::DigestAlgorithm::sm3 : cms::DigestAlgorithm::sha256;
}

std::size_t placeholder_size(const PadesSigner& s, bool with_timestamp) {
  std::size_t n = s.certificate.der().size() + 2048;
  for (auto& c : s.chain) n += c.size();
  if (with_timestamp) n += 8192;
  return n;
}

Result<Bytes> make_pades_cms(const PadesSigner& s, ByteView content_digest, const TimestampFunction* timestamp,
                             ByteView ses_signature) {
  const bool sm2 = s.certificate.key_type() == pki::KeyType::sm2;
  const cms::DigestAlgorithm d = pades_digest(s.certificate);
  if (content_digest.size() != cms::digest_size(d))
    return Error(Errc::invalid_argument, "the document digest's size does not match the signer's digest algorithm");
  cms::SignRequest req;
  req.flavor = sm2 ? cms::Flavor::gmt0010 : cms::Flavor::rfc5652;
  req.detached = true;
  req.content_digest = Bytes(content_digest.begin(), content_digest.end());
  req.extra_certificates = s.chain;
  MEDSIGN_ASSIGN(Bytes ess, tsp::ess_cert_id_v2(s.certificate, sm2 ? cms::DigestAlgorithm::sm3 : cms::DigestAlgorithm::sha256));

  // The signature value is made once: the second sign() (with the timestamp) must carry the same one.
  auto cached = std::make_shared<std::pair<Bytes, Bytes>>();
  cms::SignerSpec spec;
  spec.certificate = s.certificate;
  spec.digest = d;
  spec.signature = sm2 ? cms::SignatureAlgorithm::sm2
                       : (s.certificate.key_type() == pki::KeyType::rsa ? cms::SignatureAlgorithm::rsa_pkcs1
                                                                        : cms::SignatureAlgorithm::ecdsa);
  spec.signed_attributes = true;
  spec.extra_signed_attributes = {{id::kSigningCertificateV2, {ess}}};
  auto sign = s.sign;
  spec.sign = [sign, cached](ByteView tbs) -> Result<Bytes> {
    if (!cached->second.empty() && ByteView(cached->first).size() == tbs.size() &&
        std::equal(tbs.begin(), tbs.end(), cached->first.begin()))
      return cached->second;
    MEDSIGN_ASSIGN(Bytes sig, sign(tbs));
    *cached = {Bytes(tbs.begin(), tbs.end()), sig};
    return sig;
  };
  if (!ses_signature.empty())
    spec.unsigned_attributes = {{kSesSignatureAttr, {Bytes(ses_signature.begin(), ses_signature.end())}}};
  MEDSIGN_ASSIGN(Bytes der, cms::sign(req, std::span<const cms::SignerSpec>(&spec, 1)));
  if (!timestamp) return der;

  tsp::TimeStampRequest tr;
  tr.imprint.algorithm = d;
  tr.imprint.hashed_message = cms::digest(d, cached->second);
  Bytes nonce(8);
  RAND_bytes(nonce.data(), static_cast<int>(nonce.size()));
  nonce[0] &= 0x7f;
  if (nonce[0] == 0) nonce[0] = 1;
  tr.nonce = nonce;
  tr.cert_req = true;
  MEDSIGN_ASSIGN(Bytes tsq, tsp::encode_request(tr));
  MEDSIGN_ASSIGN(Bytes token, (*timestamp)(tsq));
  spec.unsigned_attributes.push_back({id::kTimeStampToken, {token}});
  return cms::sign(req, std::span<const cms::SignerSpec>(&spec, 1));
}

}  // namespace medsign::pdf
