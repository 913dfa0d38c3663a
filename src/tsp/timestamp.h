// RFC 3161 / GB/T 20520 time-stamp protocol messages: TimeStampReq, TSTInfo, TimeStampResp, and the
// PKIStatus / PKIFailureInfo values a rejection carries.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "asn1/oid.h"
#include "cms/algorithms.h"
#include "common/bytes.h"

namespace medsign::tsp {

enum class PkiStatus { granted = 0, granted_with_mods = 1, rejection = 2, waiting = 3 };

// PKIFailureInfo bit numbers (RFC 3161 §2.4.2).
enum class FailInfo {
  bad_alg = 0,
  bad_request = 2,
  bad_data_format = 5,
  time_not_available = 14,
  unaccepted_policy = 15,
  unaccepted_extension = 16,
  add_info_not_available = 17,
  system_failure = 25,
};
std::string_view fail_info_name(FailInfo f);

struct MessageImprint {
  cms::DigestAlgorithm algorithm = cms::DigestAlgorithm::sm3;
  Bytes hashed_message;
};

struct TimeStampRequest {
  int version = 1;
  MessageImprint imprint;
  std::optional<asn1::Oid> policy;
  std::optional<Bytes> nonce;  // INTEGER content octets (two's complement, as received)
  bool cert_req = false;
  std::vector<asn1::Oid> extensions;  // OIDs of request extensions (none are supported)
};

// A request the TSA must refuse, with the failInfo to answer.
struct RequestRejection {
  FailInfo fail_info;
  std::string text;
};

// Parses a DER TimeStampReq. A malformed request, an unknown hash algorithm or a hash of the wrong length
// gives the RequestRejection to send (badRequest / badDataFormat, badAlg, badDataFormat).
Result<TimeStampRequest> parse_request(ByteView der, RequestRejection* rejection);
Result<Bytes> encode_request(const TimeStampRequest& r);

struct Accuracy {
  int seconds = 0, millis = 0, micros = 0;
};

struct TstInfo {
  asn1::Oid policy;
  MessageImprint imprint;
  Bytes serial;           // INTEGER content octets, positive
  std::int64_t gen_time_ms = 0;
  std::optional<Accuracy> accuracy;
  bool ordering = false;
  std::optional<Bytes> nonce;
  Bytes tsa_name_der;     // DER of the TSA's Name (encoded as [0] directoryName); empty = absent
};
Result<Bytes> encode_tst_info(const TstInfo& t);
Result<TstInfo> parse_tst_info(ByteView der);

// TimeStampResp with status granted and the token (a ContentInfo DER).
Result<Bytes> encode_granted(ByteView token);
Result<Bytes> encode_rejection(FailInfo f, std::string_view text);

struct TimeStampResponse {
  PkiStatus status = PkiStatus::rejection;
  std::vector<std::string> status_text;
  std::optional<FailInfo> fail_info;
  std::optional<Bytes> token;
};
Result<TimeStampResponse> parse_response(ByteView der);

}  // namespace medsign::tsp
