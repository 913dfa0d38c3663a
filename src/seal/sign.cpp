#include "seal/sign.h"

#include <algorithm>

#include "asn1/der_time.h"
#include "asn1/oids.h"
#include "cms/algorithms.h"
#include "crypto/algorithms/hash.h"
#include "pki/validation.h"
#include "tsp/timestamp_issuer.h"

namespace medsign::seal {
namespace oid = asn1::oid;

Result<crypto::SignatureAlg> signature_alg_from_oid(const asn1::Oid& o) {
  if (o == oid::kSm3WithSm2) return crypto::SignatureAlg::sm2_sm3;
  if (o == oid::kSha256WithRsa) return crypto::SignatureAlg::rsa_pkcs1_sha256;
  if (o == oid::kEcdsaWithSha256) return crypto::SignatureAlg::ecdsa_p256_sha256;
  return Error(Errc::invalid_argument, "signature algorithm " + asn1::oid_name(o) +
                                           " is not supported for seals (sm3WithSM2, sha256WithRSAEncryption, "
                                           "ecdsa-with-SHA256)");
}

Result<asn1::Oid> oid_of_signature_alg(crypto::SignatureAlg alg) {
  switch (alg) {
    case crypto::SignatureAlg::sm2_sm3: return oid::kSm3WithSm2;
    case crypto::SignatureAlg::rsa_pkcs1_sha256: return oid::kSha256WithRsa;
    case crypto::SignatureAlg::ecdsa_p256_sha256: return oid::kEcdsaWithSha256;
    default: break;
  }
  return Error(Errc::invalid_argument, "signature scheme " + std::string(crypto::signature_alg_name(alg)) +
                                           " is not supported for seals");
}

namespace {

Result<crypto::HashAlg> digest_label(std::string type) {
  std::transform(type.begin(), type.end(), type.begin(), [](unsigned char c) { return std::tolower(c); });
  type.erase(std::remove(type.begin(), type.end(), '-'), type.end());
  if (type == "sm3") return crypto::HashAlg::sm3;
  if (type == "sha256") return crypto::HashAlg::sha256;
  return Error(Errc::invalid_argument, "certificate digest type '" + type.substr(0, 32) + "' is not sm3 or sha256");
}

Status check_key_match(const pki::Certificate& cert, const crypto::Signer& signer, const char* who) {
  if (cert.public_key().der != signer.public_key_der())
    return Error(Errc::invalid_argument, std::string("the ") + who + " key does not match the " + who + " certificate");
  return {};
}

Status check_certificate(const pki::Certificate& cert, std::int64_t at_ms, const CertificateCheck& check, Errc code,
                         const char* who) {
  if (at_ms < cert.not_before_ms())
    return Error(code, std::string(who) + " certificate " + cert.subject().to_string() + " is not yet valid");
  if (at_ms > cert.not_after_ms())
    return Error(code, std::string(who) + " certificate " + cert.subject().to_string() + " has expired");
  if (check.policy && check.crls) {
    auto v = pki::validate(cert, at_ms, *check.policy, *check.crls);
    if (!v.ok)
      return Error(code, std::string(who) + " certificate: " + std::string(pki::to_string(v.reason)) + ": " + v.detail);
  }
  return {};
}

}  // namespace

Result<CertDigest> cert_digest(ByteView cert_der, const std::string& type) {
  MEDSIGN_ASSIGN(crypto::HashAlg h, digest_label(type));
  return CertDigest{type, crypto::hash(h, cert_der)};
}

Result<Seal> make_seal(SealInfo info, int version, const pki::Certificate& maker_cert, const crypto::Signer& maker) {
  if (version != kVersion2014 && version != kVersion38540)
    return Error(Errc::invalid_argument, "seal version must be 2 (GM/T 0031-2014) or 4 (GB/T 38540-2020)");
  MEDSIGN_TRY(check_key_match(maker_cert, maker, "seal maker"));
  if (info.property.valid_end_ms <= info.property.valid_start_ms)
    return Error(Errc::invalid_argument, "the seal's validEnd must be after validStart");
  if (info.property.certs.empty() && info.property.cert_digests.empty())
    return Error(Errc::invalid_argument, "a seal lists at least one signing certificate");
  if (version == kVersion2014) {
    info.property.cert_list_type = 1;
    if (info.property.certs.empty())
      return Error(Errc::invalid_argument, "GM/T 0031-2014 seals list certificates, not digests");
  }
  if (info.header.id.empty()) info.header.id = "ES";
  info.header.version = version == kVersion2014 ? 2 : 4;
  Seal s;
  s.version = version;
  s.info = std::move(info);
  s.maker_cert = maker_cert.der();
  MEDSIGN_ASSIGN(s.sign_alg, oid_of_signature_alg(maker.algorithm()));
  MEDSIGN_ASSIGN(s.info_der, encode_seal_info(s));
  MEDSIGN_ASSIGN(Bytes tbs, maker_tbs(version, s.info_der, s.maker_cert, s.sign_alg));
  MEDSIGN_ASSIGN(s.signature, maker.sign(tbs));
  MEDSIGN_ASSIGN(s.der, encode_seal(s));
  return s;
}

Result<SealReport> verify_seal(const Seal& seal, std::int64_t at_ms, const CertificateCheck& check) {
  auto maker = pki::Certificate::parse_der(seal.maker_cert);
  if (!maker) return Error(Errc::seal_maker_certificate_invalid, "seal maker certificate: " + maker.error().detail);
  MEDSIGN_ASSIGN(crypto::SignatureAlg alg, signature_alg_from_oid(seal.sign_alg));
  auto verifier = crypto::Verifier::create(alg, maker->public_key().der);
  if (!verifier)
    return Error(Errc::seal_maker_certificate_invalid, "seal maker key: " + verifier.error().detail);
  Bytes info = seal.info_der;
  if (info.empty()) {
    MEDSIGN_ASSIGN(info, encode_seal_info(seal));
  }
  MEDSIGN_ASSIGN(Bytes tbs, maker_tbs(seal.version, info, seal.maker_cert, seal.sign_alg));
  SealReport report{MakerReading::sequence, *maker};
  if (!verifier->verify(tbs, seal.signature)) {
    if (seal.version != kVersion38540 || !verifier->verify(info, seal.signature))
      return Error(Errc::seal_maker_signature_invalid, "seal " + seal.info.es_id + ": the maker signature does not verify");
    report.reading = MakerReading::seal_info_only;
  }
  if (at_ms < seal.info.property.valid_start_ms)
    return Error(Errc::seal_not_yet_valid, "seal " + seal.info.es_id + " is valid from " +
                                               asn1::format_iso8601(seal.info.property.valid_start_ms));
  if (at_ms > seal.info.property.valid_end_ms)
    return Error(Errc::seal_expired, "seal " + seal.info.es_id + " was valid until " +
                                         asn1::format_iso8601(seal.info.property.valid_end_ms));
  MEDSIGN_TRY(check_certificate(*maker, at_ms, check, Errc::seal_maker_certificate_invalid, "seal maker"));
  return report;
}

bool seal_lists_certificate(const Seal& seal, ByteView cert_der) {
  const Property& p = seal.info.property;
  if (p.cert_list_type != 2) {
    return std::any_of(p.certs.begin(), p.certs.end(),
                       [&](const Bytes& c) { return std::equal(c.begin(), c.end(), cert_der.begin(), cert_der.end()); });
  }
  for (const auto& d : p.cert_digests) {
    auto h = digest_label(d.type);
    if (h && ct_equal(crypto::hash(*h, cert_der), d.value)) return true;
  }
  return false;
}

Result<Signature> sign_with_seal(const Seal& seal, const SignatureRequest& req, const pki::Certificate& signer_cert,
                                 const crypto::Signer& signer) {
  if (seal.der.empty()) return Error(Errc::invalid_argument, "the seal has no DER encoding");
  MEDSIGN_TRY(check_key_match(signer_cert, signer, "signer"));
  if (!seal_lists_certificate(seal, signer_cert.der()))
    return Error(Errc::seal_signer_not_listed, "seal " + seal.info.es_id + " does not list " +
                                                   signer_cert.subject().to_string());
  for (unsigned char c : req.property_info)
    if (c > 0x7f) return Error(Errc::invalid_argument, "propertyInfo must be ASCII (IA5String)");
  Signature s;
  s.version = seal.version;
  s.tbs_version = seal.version;
  s.eseal = seal;
  s.time_ms = req.time_ms;
  s.data_hash.assign(req.data_hash.begin(), req.data_hash.end());
  s.property_info = req.property_info;
  s.cert = signer_cert.der();
  MEDSIGN_ASSIGN(s.sign_alg, oid_of_signature_alg(signer.algorithm()));
  if (seal.version == kVersion38540) s.ext_datas = req.ext_datas;
  MEDSIGN_ASSIGN(s.tbs_der, encode_tbs(s));
  MEDSIGN_ASSIGN(s.signature, signer.sign(s.tbs_der));
  MEDSIGN_ASSIGN(s.der, encode_signature(s));
  return s;
}

Status attach_timestamp(Signature& s, ByteView token) {
  if (s.version != kVersion38540) return Error(Errc::invalid_argument, "GM/T 0031-2014 signatures carry no timeStamp");
  if (token.empty()) return Error(Errc::invalid_argument, "empty timestamp token");
  s.timestamp = Bytes(token.begin(), token.end());
  s.timestamp_untagged = false;
  MEDSIGN_ASSIGN(s.der, encode_signature(s));
  return {};
}

namespace {

// Step (6): the token (CMS signature, TSTInfo, ESS signing certificate, EKU timeStamping of its signer)
// and its imprint over the signature value. Returns genTime.
Result<std::int64_t> check_timestamp(const Signature& s) {
  auto fail = [](const std::string& d) { return Error(Errc::seal_timestamp_invalid, d); };
  auto v = tsp::verify_token(*s.timestamp);
  if (!v) return fail("timeStamp: " + v.error().detail);
  if (!v->ok) return fail("timeStamp: " + v->problem);
  Bytes expect = cms::digest(v->tst.imprint.algorithm, s.signature);
  if (!ct_equal(expect, v->tst.imprint.hashed_message))
    return fail("timeStamp: the token's message imprint is not the hash of the signature value");
  return v->tst.gen_time_ms;
}

}  // namespace

Result<SignatureReport> verify_signature(const Signature& s, const SignatureCheck& check) {
  SignatureReport report;
  // (1) the signature over TBS_Sign with the signer's certificate.
  auto signer = pki::Certificate::parse_der(s.cert);
  if (!signer) return Error(Errc::seal_signature_malformed, "SES_Signature: cert: " + signer.error().detail);
  MEDSIGN_ASSIGN(crypto::SignatureAlg alg, signature_alg_from_oid(s.sign_alg));
  auto verifier = crypto::Verifier::create(alg, signer->public_key().der);
  if (!verifier) return Error(Errc::seal_signer_certificate_invalid, "signer key: " + verifier.error().detail);
  Bytes tbs = s.tbs_der;
  if (tbs.empty()) {
    MEDSIGN_ASSIGN(tbs, encode_tbs(s));
  }
  if (!verifier->verify(tbs, s.signature))
    return Error(Errc::bad_signature, "SES_Signature: the signature over TBS_Sign does not verify");
  report.signer = *signer;
  // (2) the signer is listed by the seal.
  if (!seal_lists_certificate(s.eseal, s.cert))
    return Error(Errc::seal_signer_not_listed, "seal " + s.eseal.info.es_id + " does not list " +
                                                   signer->subject().to_string());
  // (6) first, since a verified timestamp gives the time for (3) and (4).
  report.time_ms = s.time_ms.value_or(check.now_ms);
  if (s.timestamp) {
    MEDSIGN_ASSIGN(report.time_ms, check_timestamp(s));
    report.time_from_timestamp = true;
  }
  // (3) the seal at the signing time.
  MEDSIGN_ASSIGN(SealReport seal_report, verify_seal(s.eseal, report.time_ms, check.certificates));
  report.maker_reading = seal_report.reading;
  // (4) the signer certificate at the signing time.
  MEDSIGN_TRY(check_certificate(*signer, report.time_ms, check.certificates, Errc::seal_signer_certificate_invalid,
                                "signer"));
  // (5) the document hash.
  if (check.document_hash) {
    if (!ct_equal(*check.document_hash, s.data_hash))
      return Error(Errc::seal_data_hash_mismatch, "the document hash differs from dataHash");
    report.hash_checked = true;
  }
  return report;
}

}  // namespace medsign::seal
