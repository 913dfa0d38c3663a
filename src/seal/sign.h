// Making and verifying electronic seals (SESeal, signed by the seal maker) and electronic signatures
// (SES_Signature over a document hash, signed by a person whose certificate the seal lists).
//
// Signature algorithms: SM2 with SM3 (1.2.156.10197.1.501, default ID 1234567812345678) as the standards
// require; RSA PKCS#1 v1.5 with SHA-256 and ECDSA P-256 with SHA-256 are also accepted for signers whose
// certificate is not SM2. Signature values are the DER signature in the BIT STRING.
//
// Maker signature input: we sign DER SEQUENCE { SES_SealInfo, cert, signAlgID } in both versions (the
// 2014 text, and how ofdrw reads GB/T 38540). Verification also accepts, for v4 seals only, a maker
// signature over DER(SES_SealInfo) alone (how another public verifier reads GB/T 38540); the report says
// which reading verified.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "crypto/algorithms/pk.h"
#include "pki/certificate.h"
#include "pki/crl_store.h"
#include "pki/trust.h"
#include "seal/seal.h"

namespace medsign::seal {

// sm3WithSM2 ↔ sm2_sm3, sha256WithRSAEncryption ↔ rsa_pkcs1_sha256, ecdsa-with-SHA256 ↔ ecdsa_p256_sha256.
// Errors: invalid_argument for any other.
Result<crypto::SignatureAlg> signature_alg_from_oid(const asn1::Oid& oid);
Result<asn1::Oid> oid_of_signature_alg(crypto::SignatureAlg alg);

// A certificate digest entry for certListType 2 ("sm3" or "sha256"; invalid_argument otherwise).
Result<CertDigest> cert_digest(ByteView cert_der, const std::string& type = "sm3");

// Builds the SESeal for `info` in the layout of `version` (2 or 4) and signs it with the maker's key.
// Errors: invalid_argument when maker does not hold maker_cert's key, the version is unknown, the
// validity is empty, or the certificate list is empty; whatever encoding reports.
Result<Seal> make_seal(SealInfo info, int version, const pki::Certificate& maker_cert, const crypto::Signer& maker);

enum class MakerReading { sequence, seal_info_only };

// How certificates are checked beyond their own validity period: through a verification policy when one
// is given (chain to a trust anchor, revocation per the policy), otherwise not at all.
struct CertificateCheck {
  const pki::VerificationPolicy* policy = nullptr;
  const pki::CrlStore* crls = nullptr;  // REQUIRES: set when policy is
};

struct SealReport {
  MakerReading reading = MakerReading::sequence;
  pki::Certificate maker;
};

// §5 step (3): maker signature, maker certificate (parse, validity at at_ms, the policy when given), and
// validStart <= at_ms <= validEnd. Errors: seal_maker_signature_invalid, seal_maker_certificate_invalid,
// seal_not_yet_valid, seal_expired, algorithm errors as invalid_argument.
Result<SealReport> verify_seal(const Seal& seal, std::int64_t at_ms, const CertificateCheck& check = {});

// Signer certificate is in the seal's certList: byte-equal, or a digest match for certListType 2.
bool seal_lists_certificate(const Seal& seal, ByteView cert_der);

struct SignatureRequest {
  ByteView data_hash;          // hash of the protected document data (e.g. SM3 of the PDF ByteRange)
  std::string property_info;   // free-form, IA5 (ASCII)
  std::int64_t time_ms = 0;    // signing time
  std::vector<ExtData> ext_datas;  // v4 only
};

// Signs a document hash with the seal: SES_Signature in the seal's version. `seal` must carry its DER
// (decode_seal or make_seal). Errors: invalid_argument (the signer does not hold signer_cert's key, a
// non-ASCII property_info), seal_signer_not_listed when the seal does not list signer_cert.
Result<Signature> sign_with_seal(const Seal& seal, const SignatureRequest& req, const pki::Certificate& signer_cert,
                                 const crypto::Signer& signer);

// Adds an RFC 3161 token (ContentInfo DER) over the signature value and re-encodes s.der (v4 only).
Status attach_timestamp(Signature& s, ByteView token);
// The digest a timestamp over this signature must carry: the signature value (BIT STRING contents).
inline ByteView timestamp_subject(const Signature& s) { return s.signature; }

struct SignatureCheck {
  std::optional<Bytes> document_hash;  // recomputed document hash; nullopt skips step (5)
  std::int64_t now_ms = 0;             // used when the signature carries no time
  CertificateCheck certificates;       // for the maker and the signer certificate
};

struct SignatureReport {
  std::int64_t time_ms = 0;            // the signing time used for the checks
  bool time_from_timestamp = false;    // from a verified timestamp token, else timeInfo (claimed) or now
  MakerReading maker_reading = MakerReading::sequence;
  pki::Certificate signer;
  bool hash_checked = false;
};

// §5 verification steps (1)–(6); the first failing step is the error: seal_signature_malformed /
// bad_signature (1), seal_signer_not_listed (2), verify_seal's errors (3), seal_signer_certificate_invalid
// (4), seal_data_hash_mismatch (5), seal_timestamp_invalid (6). A timestamp, when present, is checked
// before (3) and (4), since its time is the one they use.
Result<SignatureReport> verify_signature(const Signature& s, const SignatureCheck& check);

}  // namespace medsign::seal
