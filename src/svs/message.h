// GM/T 0029-2014 (GB/T 38629-2020) Annex A: the DER message protocol of a signing/verification server.
//
//   SVSRequest ::= SEQUENCE { version [20] EXPLICIT INTEGER DEFAULT 0, reqType [21] EXPLICIT INTEGER,
//                             request [reqType] <body>, reqTime [22] EXPLICIT Time }
//   SVSRespond ::= SEQUENCE { version [20] ..., respType [21] ..., respond [respType] <body>, respTime [22] }
//
// Each body is a SEQUENCE of context-tagged fields (STANDARDS.md §4.3 lists them per operation). The
// public descriptions disagree on two points, so the decoder accepts both readings:
//   - the body's [reqType] tag: with the constructed bit (0xA0|n, strict DER for an EXPLICIT tag) or
//     without it (0x80|n, as some implementations write it); both wrap the whole SEQUENCE;
//   - fields inside a body in definition order or in any order (each tag at most once).
// The encoder writes the strict form: 0xA0|n, fields in the definition order of STANDARDS.md §4.3,
// reqTime/respTime as UTCTime through 2049 (GeneralizedTime after, and accepted on input at any time),
// BOOLEAN flags only when TRUE (DEFAULT FALSE; an encoded FALSE is accepted on input).
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

#include "common/bytes.h"
#include "common/error.h"

namespace medsign::svs {

enum class ReqType : int {
  export_cert = 0,
  parse_cert = 1,
  validate_cert = 2,
  sign_data = 3,
  verify_signed_data = 4,
  sign_data_init = 5,
  sign_data_update = 6,
  sign_data_final = 7,
  verify_signed_data_init = 8,
  verify_signed_data_update = 9,
  verify_signed_data_final = 10,
  sign_message = 11,
  verify_signed_message = 12,
  sign_message_init = 13,
  sign_message_update = 14,
  sign_message_final = 15,
  verify_signed_message_init = 16,
  verify_signed_message_update = 17,
  verify_signed_message_final = 18,
};
inline constexpr int kReqTypeCount = 19;
// "exportCert", "signData", ... (the names of the standard); "" for an out-of-range value.
std::string_view req_type_name(ReqType t);
// The HTTP variant's path names ("ExportCert", "SignData", ...).
std::string_view req_type_http_name(ReqType t);
std::optional<ReqType> req_type_from_http_name(std::string_view name);

// Annex D response codes.
enum RespCode : std::uint32_t {
  kSuccess = 0,
  kErrorBase = 0x04000000,
  kErrorCertId = 0x04000001,
  kErrorCertInfoType = 0x04000002,
  kErrorServerConnect = 0x04000003,
  kErrorSignMethod = 0x04000004,
  kErrorKeyIndex = 0x04000005,
  kErrorKeyValue = 0x04000006,
  kErrorCert = 0x04000007,
  kErrorCertDecode = 0x04000008,
  kErrorCertInvalidAfter = 0x04000009,   // expired
  kErrorCertInvalidBefore = 0x0400000A,  // not yet valid
  kErrorCertRevoked = 0x0400000B,
  kInvalidSignature = 0x0400000C,
  kInvalidDataFormat = 0x0400000D,
  kSystemFailure = 0x0400000E,
};
std::string_view resp_code_name(std::uint32_t code);

// The fields of every request body, flattened: each operation uses a subset (see field_set()).
// Byte fields hold the value octets: for certificates the whole Certificate DER; for signatures the
// SM2Signature DER (SEQUENCE) or the raw RSA/ECDSA signature octets.
struct Request {
  int version = 0;
  ReqType type = ReqType::export_cert;
  std::int64_t time_ms = 0;  // reqTime

  std::optional<Bytes> identification;  // ExportCert: certificate identifier
  std::optional<std::int64_t> info_type;  // ParseCert: SGD_CERT_* item
  std::optional<Bytes> cert;
  std::optional<Bytes> cert_sn;
  bool ocsp = false;
  std::optional<std::int64_t> sign_method;  // SGD_SM3_SM2 0x00020201, SGD_SHA256_RSA 0x00010004, ...
  std::optional<std::int64_t> key_index;
  std::optional<Bytes> key_value;  // the key's access code (PIN)
  std::optional<std::int64_t> in_data_len;
  std::optional<Bytes> in_data;
  std::optional<std::int64_t> cert_type;  // VerifySigned*: 1 = certificate, 2 = certificate serial number
  std::optional<Bytes> signature;
  std::optional<std::int64_t> verify_level;  // 0 validity period, 1 + chain, 2 + CRL
  std::optional<Bytes> signer_public_key;    // *Init with an SM3 method: for the Z value
  std::optional<std::int64_t> signer_id_len;
  std::optional<Bytes> signer_id;
  std::optional<std::int64_t> hash_value_len;
  std::optional<Bytes> hash_value;
  std::optional<Bytes> signed_message;
  bool hash_flag = false;
  bool original_text = false;
  bool certificate_chain = false;
  bool crl = false;
  bool authentication_attributes = false;
};

// The optional result of a response ([1] EXPLICIT after respValue).
struct Response {
  int version = 0;
  ReqType type = ReqType::export_cert;
  std::int64_t time_ms = 0;
  std::uint32_t resp_value = kSuccess;
  // ExportCert: cert (Certificate DER); ParseCert: info; ValidateCert: state; SignData/SignDataFinal:
  // signature; *Init/*Update: hash_value; SignMessage/SignMessageFinal: signed_message.
  std::optional<Bytes> cert;
  std::optional<Bytes> info;
  std::optional<std::int64_t> state;
  std::optional<Bytes> signature;
  std::optional<Bytes> hash_value;
  std::optional<Bytes> signed_message;
};

// Limits: one message is at most kMaxMessage bytes.
inline constexpr std::size_t kMaxMessage = 64u << 20;

// Errors: bad_encoding naming the field ("SVS: signData: field [4] inData: DER: ..."), invalid_argument
// for an unknown request type, a body that does not match reqType, a missing required field, an unknown
// field tag, a duplicate field or an inDataLen/hashValueLen that disagrees with the data.
Result<Request> decode_request(ByteView der);
// The reqType of a message without decoding its body (for answering a request that does not decode with
// its own type); nullopt when the frame up to reqType is not readable or the type is unknown.
std::optional<ReqType> peek_request_type(ByteView der);
Result<Bytes> encode_request(const Request& r);
Result<Response> decode_response(ByteView der);
Result<Bytes> encode_response(const Response& r);

// A successful/failed response skeleton for a request (same type, time = now_ms).
Response make_response(const Request& req, std::uint32_t code, std::int64_t now_ms);

}  // namespace medsign::svs
