// The precomputed shape of one TSA unit's tokens. Everything in a TimeStampResp around TSTInfo is constant
// for a unit except the messageDigest attribute and the signature; TSTInfo itself varies only in policy,
// imprint, serial, genTime and nonce. The template keeps the constant DER (computed once with the generic
// encoders) and writes a response in one pass into a buffer of the exact size: the same bytes as
// encode_granted(cms::sign(...)) for the same inputs (tests/unit/tsp/token_template_test.cpp).
#pragma once

#include <memory>

#include "tsp/timestamp.h"

namespace medsign::tsp {

struct TimestampUnit;
struct IssuerPolicy;

// A token and the TimeStampResp around it (the token is response[token_offset, +token_size]).
struct BuiltToken {
  Bytes response;
  std::size_t token_offset = 0, token_size = 0;
  ByteView token() const { return ByteView(response.data() + token_offset, token_size); }
};

class TokenTemplate {
 public:
  // Precomputes the constant parts for a unit under a policy (accuracy, ordering, TSA name).
  static Result<std::shared_ptr<const TokenTemplate>> make(const TimestampUnit& unit, const IssuerPolicy& policy);

  // The TSTInfo DER for t (t.accuracy, t.ordering and t.tsa_name_der are the template's).
  Result<Bytes> encode_tst_info(const TstInfo& t) const;
  // Signs with the unit's sign function and assembles the granted TimeStampResp.
  Result<BuiltToken> build(const TimestampUnit& unit, const TstInfo& t, bool cert_req) const;

 private:
  TokenTemplate() = default;
  Bytes tst_tail_;          // accuracy, ordering (before the nonce)
  Bytes tsa_name_;          // [0] GeneralName (after the nonce), may be empty
  Bytes default_policy_;    // OID DER of the default policy
  asn1::Oid default_policy_oid_;
  Bytes attrs_;             // signed attributes as a SET (what is signed), messageDigest zeroed
  std::size_t digest_at_ = 0, digest_len_ = 0;
  cms::DigestAlgorithm digest_ = cms::DigestAlgorithm::sm3;
  Bytes content_info_oid_;  // OID DER of SignedData (flavour)
  Bytes sd_head_;           // version and digestAlgorithms
  Bytes econtent_oid_;      // OID DER of id-ct-TSTInfo
  Bytes certs_;             // [0] certificates when the request asks for them
  Bytes si_head_;           // version, issuerAndSerialNumber, digestAlgorithm
  Bytes sig_alg_;           // signatureAlgorithm
};

}  // namespace medsign::tsp
