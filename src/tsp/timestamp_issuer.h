// TimestampIssuer: turns a TimeStampReq into a TimeStampResp signed by one TSA unit (RFC 3161, GB/T 20520).
// Tokens are CMS SignedData over TSTInfo with the signingCertificateV2 (ESSCertIDv2) attribute; SM2 units
// sign with SM2/SM3, in the PKCS#7 content types that OpenSSL and most Chinese verifiers read.
#pragma once

#include <atomic>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "cms/signed_data.h"
#include "tsp/timestamp.h"
#include "tsp/token_template.h"

namespace medsign::tsp {

struct TimestampUnit {
  std::string name;
  pki::Certificate certificate;      // critical EKU timeStamping
  std::vector<Bytes> chain;          // CA certificates (DER) sent with certReq
  cms::SignatureAlgorithm signature = cms::SignatureAlgorithm::sm2;
  cms::DigestAlgorithm digest = cms::DigestAlgorithm::sm3;  // for the signature and ESSCertIDv2
  cms::SignFunction sign;
  cms::Flavor flavor = cms::Flavor::rfc5652;
  // Set by TimestampIssuer::prepare(): tokens are then assembled from it instead of by cms::sign.
  std::shared_ptr<const TokenTemplate> token_template;
};

struct IssuerPolicy {
  asn1::Oid policy;                          // default policy of the tokens
  std::vector<asn1::Oid> accepted_policies;  // others a request may ask for (besides `policy`)
  std::vector<cms::DigestAlgorithm> accepted_hashes = {cms::DigestAlgorithm::sm3, cms::DigestAlgorithm::sha256,
                                                       cms::DigestAlgorithm::sha384, cms::DigestAlgorithm::sha512};
  Accuracy accuracy{0, 10, 0};
  bool ordering = false;
  bool include_tsa_name = true;
  std::uint16_t node_id = 0;  // leading bits of every serial: unique across nodes sharing a database
};

struct IssueResult {
  Bytes response;                 // TimeStampResp DER, always present
  bool granted = false;
  std::optional<FailInfo> fail_info;
  std::optional<TstInfo> tst;     // when granted
  Bytes token;                    // when granted
};

class TimestampIssuer {
 public:
  // clock_problem: returns why trusted time is not available now (nullopt when it is).
  TimestampIssuer(IssuerPolicy policy, std::function<std::optional<std::string>()> clock_problem);

  IssueResult respond(const TimestampUnit& unit, ByteView request_der, std::int64_t now_ms);
  // Precomputes the unit's token template under this issuer's policy.
  Status prepare(TimestampUnit& unit) const;
  // 12-byte positive serial: node id (2) | unix ms (6) | per-process counter (4).
  Bytes next_serial(std::int64_t now_ms);
  const IssuerPolicy& policy() const { return policy_; }

 private:
  IssuerPolicy policy_;
  std::function<std::optional<std::string>()> clock_problem_;
  std::atomic<std::uint32_t> counter_{0};
};

// The granted TimeStampResp for a TSTInfo, assembled with the generic encoders (cms::sign); the reference
// the token template is checked against.
Result<BuiltToken> build_response(const TimestampUnit& unit, const TstInfo& t, bool cert_req);

// The signingCertificateV2 attribute value (ESSCertIDv2 with issuerSerial) for a certificate.
Result<Bytes> ess_cert_id_v2(const pki::Certificate& cert, cms::DigestAlgorithm hash);

struct TokenVerification {
  bool ok = false;
  std::string problem;
  TstInfo tst;
  std::optional<pki::Certificate> signer;
};
// Checks a token: CMS signature, eContentType TSTInfo, the ESS signing-certificate hash, EKU timeStamping
// of the signer, and (when given) the expected imprint and nonce. `extra` supplies the TSA certificate when
// the token carries none. Whether the TSA certificate is trusted is for the caller's pki policy.
Result<TokenVerification> verify_token(ByteView token, std::span<const pki::Certificate> extra = {},
                                       const MessageImprint* expected_imprint = nullptr,
                                       const Bytes* expected_nonce = nullptr);

}  // namespace medsign::tsp
