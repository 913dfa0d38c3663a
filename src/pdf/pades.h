// The CMS that goes into a PDF signature (PAdES baseline, ETSI EN 319 142-1 §6.3): detached SignedData over
// the ByteRange digest with the signed attributes contentType, messageDigest and signing-certificate-v2 (no
// signingTime: the claimed time is the signature dictionary's /M), the certificate chain, and for B-T an
// RFC 3161 timestamp token over the signature value as the unsigned attribute id-aa-timeStampToken.
// SM2 signers produce GM/T 0010 SignedData with SM3; RSA and ECDSA RFC 5652 with SHA-256.
#pragma once

#include <functional>
#include <optional>
#include <vector>

#include "asn1/oid.h"
#include "cms/signed_data.h"

namespace medsign::pdf {

struct PadesSigner {
  pki::Certificate certificate;
  std::vector<Bytes> chain;  // issuer certificates (DER), nearest first
  cms::SignFunction sign;    // the conventions of cms::SignFunction
};

// Given a DER TimeStampReq, returns the timestamp token (ContentInfo DER), e.g. from our TSA.
using TimestampFunction = std::function<Result<Bytes>(ByteView request_der)>;

// The unsigned signer attribute that carries a DER SES_Signature in a PDF CMS. There is no standard OID for it
// and the project has no registered arc, so it lives under the UUID arc of ITU-T X.667 (2.25.<UUID>, a UUID
// generated for this purpose); asn1::Oid::literal cannot hold a 128-bit arc, hence a run-time constant.
inline const asn1::Oid kSesSignatureAttr =
    asn1::Oid::from_string("2.25.58802075625140647595587104471878303401").value();

// The digest algorithm a signer's key implies (SM2 → SM3, else SHA-256).
cms::DigestAlgorithm pades_digest(const pki::Certificate& c);

// `content_digest`: the ByteRange digest under pades_digest(certificate). `ses_signature`, when not empty, is a
// DER SES_Signature (GB/T 38540 / GM/T 0031) over the same digest, carried as the unsigned attribute
// kSesSignatureAttr (docs/PDF.md "SES_Signature"): generic readers ignore it, our verifier checks it.
Result<Bytes> make_pades_cms(const PadesSigner& s, ByteView content_digest, const TimestampFunction* timestamp,
                             ByteView ses_signature = {});

// The placeholder size that fits this signer's CMS (chain, signature and, when `with_timestamp`, a token with
// its own certificates), with margin.
std::size_t placeholder_size(const PadesSigner& s, bool with_timestamp);

}  // namespace medsign::pdf
