#include "svs/message.h"

#include <array>
#include <span>
#include <string>

#include "asn1/reader.h"
#include "asn1/writer.h"

namespace medsign::svs {
namespace {

using asn1::Reader;
using asn1::Tag;
using asn1::Writer;

constexpr std::array<std::string_view, kReqTypeCount> kNames = {
    "exportCert",          "parseCert",              "validateCert",           "signData",
    "verifySignedData",    "signDataInit",           "signDataUpdate",         "signDataFinal",
    "verifySignedDataInit", "verifySignedDataUpdate", "verifySignedDataFinal", "signMessage",
    "verifySignedMessage", "signMessageInit",        "signMessageUpdate",      "signMessageFinal",
    "verifySignedMessageInit", "verifySignedMessageUpdate", "verifySignedMessageFinal"};
constexpr std::array<std::string_view, kReqTypeCount> kHttpNames = {
    "ExportCert",          "ParseCert",              "ValidateCert",           "SignData",
    "VerifySignedData",    "SignDataInit",           "SignDataUpdate",         "SignDataFinal",
    "VerifySignedDataInit", "VerifySignedDataUpdate", "VerifySignedDataFinal", "SignMessage",
    "VerifySignedMessage", "SignMessageInit",        "SignMessageUpdate",      "SignMessageFinal",
    "VerifySignedMessageInit", "VerifySignedMessageUpdate", "VerifySignedMessageFinal"};

// How a field is encoded.
enum class Kind {
  e_int,    // [n] EXPLICIT INTEGER
  e_oct,    // [n] EXPLICIT OCTET STRING
  e_bool,   // [n] EXPLICIT BOOLEAN
  i_cert,   // [n] IMPLICIT Certificate (constructed)
  i_oct,    // [n] IMPLICIT OCTET STRING
  i_int,    // [n] IMPLICIT INTEGER
  i_bool,   // [n] IMPLICIT BOOLEAN DEFAULT FALSE
  i_sig,    // [n] IMPLICIT SM2Signature (constructed) or signature octets (primitive)
};

enum class F {
  identification, info_type, cert, cert_sn, ocsp, sign_method, key_index, key_value, in_data_len, in_data,
  cert_type, signature, verify_level, signer_public_key, signer_id_len, signer_id, hash_value_len, hash_value,
  signed_message, hash_flag, original_text, certificate_chain, crl, authentication_attributes
};

struct Field {
  F id;
  std::uint32_t tag;
  Kind kind;
  bool required;
  std::string_view name;
};

using Schema = std::span<const Field>;

constexpr Field kExportCert[] = {{F::identification, 0, Kind::e_oct, true, "identification"}};
constexpr Field kParseCert[] = {{F::info_type, 0, Kind::e_int, true, "infoType"},
                                {F::cert, 1, Kind::i_cert, true, "cert"}};
constexpr Field kValidateCert[] = {{F::cert, 0, Kind::i_cert, true, "cert"},
                                   {F::ocsp, 1, Kind::e_bool, false, "ocsp"}};
constexpr Field kSignData[] = {{F::sign_method, 0, Kind::e_int, true, "signMethod"},
                               {F::key_index, 1, Kind::e_int, true, "keyIndex"},
                               {F::key_value, 2, Kind::e_oct, true, "keyValue"},
                               {F::in_data_len, 3, Kind::e_int, true, "inDataLen"},
                               {F::in_data, 4, Kind::e_oct, true, "inData"}};
constexpr Field kVerifySignedData[] = {{F::cert_type, 2, Kind::e_int, true, "type"},
                                       {F::cert, 0, Kind::i_cert, false, "cert"},
                                       {F::cert_sn, 1, Kind::i_oct, false, "certSN"},
                                       {F::in_data_len, 3, Kind::e_int, true, "inDataLen"},
                                       {F::in_data, 4, Kind::e_oct, true, "inData"},
                                       {F::signature, 5, Kind::i_sig, true, "signature"},
                                       {F::verify_level, 6, Kind::e_int, true, "verifyLevel"}};
constexpr Field kInit[] = {{F::sign_method, 3, Kind::e_int, true, "signMethod"},
                           {F::signer_public_key, 0, Kind::i_oct, false, "signerPublicKey"},
                           {F::signer_id_len, 1, Kind::i_int, false, "signerIDLen"},
                           {F::signer_id, 2, Kind::i_oct, false, "signerID"},
                           {F::in_data_len, 4, Kind::e_int, true, "inDataLen"},
                           {F::in_data, 5, Kind::e_oct, true, "inData"}};
constexpr Field kUpdate[] = {{F::sign_method, 0, Kind::e_int, true, "signMethod"},
                             {F::hash_value_len, 1, Kind::e_int, true, "hashValueLen"},
                             {F::hash_value, 2, Kind::e_oct, true, "hashValue"},
                             {F::in_data_len, 3, Kind::e_int, true, "inDataLen"},
                             {F::in_data, 4, Kind::e_oct, true, "inData"}};
constexpr Field kSignFinal[] = {{F::sign_method, 0, Kind::e_int, true, "signMethod"},
                                {F::key_index, 1, Kind::e_int, true, "keyIndex"},
                                {F::key_value, 2, Kind::e_oct, true, "keyValue"},
                                {F::hash_value_len, 3, Kind::e_int, true, "hashValueLen"},
                                {F::hash_value, 4, Kind::e_oct, true, "hashValue"}};
constexpr Field kVerifySignedDataFinal[] = {{F::sign_method, 2, Kind::e_int, true, "signMethod"},
                                            {F::cert_type, 3, Kind::e_int, true, "type"},
                                            {F::cert, 0, Kind::i_cert, false, "cert"},
                                            {F::cert_sn, 1, Kind::i_oct, false, "certSN"},
                                            {F::hash_value_len, 4, Kind::e_int, true, "hashValueLen"},
                                            {F::hash_value, 6, Kind::e_oct, true, "hashValue"},
                                            {F::signature, 5, Kind::i_sig, true, "signature"},
                                            {F::verify_level, 8, Kind::e_int, true, "verifyLevel"}};
#define MEDSIGN_SVS_FLAGS                                                     \
  {F::hash_flag, 0, Kind::i_bool, false, "hashFlag"},                         \
      {F::original_text, 1, Kind::i_bool, false, "originalText"},             \
      {F::certificate_chain, 2, Kind::i_bool, false, "certificateChain"},     \
      {F::crl, 3, Kind::i_bool, false, "crl"},                                \
  {                                                                           \
    F::authentication_attributes, 4, Kind::i_bool, false, "authenticationAttributes" \
  }
constexpr Field kSignMessage[] = {{F::sign_method, 5, Kind::e_int, true, "signMethod"},
                                  {F::key_index, 6, Kind::e_int, true, "keyIndex"},
                                  {F::key_value, 7, Kind::e_oct, true, "keyValue"},
                                  {F::in_data_len, 8, Kind::e_int, true, "inDataLen"},
                                  {F::in_data, 9, Kind::e_oct, true, "inData"},
                                  MEDSIGN_SVS_FLAGS};
constexpr Field kVerifySignedMessage[] = {{F::in_data_len, 5, Kind::e_int, false, "inDataLen"},
                                          {F::in_data, 6, Kind::e_oct, false, "inData"},
                                          {F::signed_message, 7, Kind::e_oct, true, "signedMessage"},
                                          MEDSIGN_SVS_FLAGS};
#undef MEDSIGN_SVS_FLAGS
constexpr Field kVerifySignedMessageFinal[] = {{F::sign_method, 0, Kind::e_int, true, "signMethod"},
                                               {F::hash_value_len, 1, Kind::e_int, true, "hashValueLen"},
                                               {F::hash_value, 2, Kind::e_oct, true, "hashValue"},
                                               {F::signed_message, 3, Kind::e_oct, true, "signedMessage"}};

Schema schema(ReqType t) {
  switch (t) {
    case ReqType::export_cert: return kExportCert;
    case ReqType::parse_cert: return kParseCert;
    case ReqType::validate_cert: return kValidateCert;
    case ReqType::sign_data: return kSignData;
    case ReqType::verify_signed_data: return kVerifySignedData;
    case ReqType::sign_data_init:
    case ReqType::verify_signed_data_init:
    case ReqType::sign_message_init:
    case ReqType::verify_signed_message_init: return kInit;
    case ReqType::sign_data_update:
    case ReqType::verify_signed_data_update:
    case ReqType::sign_message_update:
    case ReqType::verify_signed_message_update: return kUpdate;
    case ReqType::sign_data_final:
    case ReqType::sign_message_final: return kSignFinal;
    case ReqType::verify_signed_data_final: return kVerifySignedDataFinal;
    case ReqType::sign_message: return kSignMessage;
    case ReqType::verify_signed_message: return kVerifySignedMessage;
    case ReqType::verify_signed_message_final: return kVerifySignedMessageFinal;
  }
  return {};
}

// Pointers to the Request member a field id names (exactly one is non-null).
struct Slot {
  std::optional<Bytes>* bytes = nullptr;
  std::optional<std::int64_t>* integer = nullptr;
  bool* flag = nullptr;
};

template <typename R>
Slot slot_of(R& r, F id) {
  switch (id) {
    case F::identification: return {&r.identification};
    case F::info_type: return {nullptr, &r.info_type};
    case F::cert: return {&r.cert};
    case F::cert_sn: return {&r.cert_sn};
    case F::ocsp: return {nullptr, nullptr, &r.ocsp};
    case F::sign_method: return {nullptr, &r.sign_method};
    case F::key_index: return {nullptr, &r.key_index};
    case F::key_value: return {&r.key_value};
    case F::in_data_len: return {nullptr, &r.in_data_len};
    case F::in_data: return {&r.in_data};
    case F::cert_type: return {nullptr, &r.cert_type};
    case F::signature: return {&r.signature};
    case F::verify_level: return {nullptr, &r.verify_level};
    case F::signer_public_key: return {&r.signer_public_key};
    case F::signer_id_len: return {nullptr, &r.signer_id_len};
    case F::signer_id: return {&r.signer_id};
    case F::hash_value_len: return {nullptr, &r.hash_value_len};
    case F::hash_value: return {&r.hash_value};
    case F::signed_message: return {&r.signed_message};
    case F::hash_flag: return {nullptr, nullptr, &r.hash_flag};
    case F::original_text: return {nullptr, nullptr, &r.original_text};
    case F::certificate_chain: return {nullptr, nullptr, &r.certificate_chain};
    case F::crl: return {nullptr, nullptr, &r.crl};
    case F::authentication_attributes: return {nullptr, nullptr, &r.authentication_attributes};
  }
  return {};
}

Bytes to_bytes(ByteView v) { return Bytes(v.begin(), v.end()); }

// A SEQUENCE TLV around `content` (to turn an IMPLICIT constructed Certificate/SM2Signature back into
// its own DER).
Bytes as_sequence(ByteView content) {
  Writer w;
  w.add_element(asn1::tag::kSequence, content);
  auto r = std::move(w).finish();
  return r ? std::move(r).value() : Bytes{};
}

Error field_error(ReqType t, const Field& f, const Error& e) {
  std::string m = "SVS: ";
  m.append(req_type_name(t)).append(": field [").append(std::to_string(f.tag)).append("] ");
  m.append(f.name).append(": ").append(e.detail.empty() ? std::string(error_info(e.code).message) : e.detail);
  return Error(Errc::bad_encoding, m);
}

Error request_error(ReqType t, std::string_view what) {
  std::string m = "SVS: ";
  m.append(req_type_name(t)).append(": ").append(what);
  return Error(Errc::invalid_argument, m);
}

Status read_field(Reader& body, const Field& f, const asn1::Element& el, Slot s) {
  switch (f.kind) {
    case Kind::e_int: {
      MEDSIGN_ASSIGN(Reader in, body.enter(el));
      MEDSIGN_ASSIGN(std::int64_t v, in.read_int64());
      MEDSIGN_TRY(in.expect_end());
      *s.integer = v;
      return {};
    }
    case Kind::e_oct: {
      MEDSIGN_ASSIGN(Reader in, body.enter(el));
      MEDSIGN_ASSIGN(ByteView v, in.read_octet_string());
      MEDSIGN_TRY(in.expect_end());
      *s.bytes = to_bytes(v);
      return {};
    }
    case Kind::e_bool: {
      MEDSIGN_ASSIGN(Reader in, body.enter(el));
      MEDSIGN_ASSIGN(bool v, in.read_boolean());
      MEDSIGN_TRY(in.expect_end());
      *s.flag = v;
      return {};
    }
    case Kind::i_cert:
      if (!el.tag.constructed) return Error(Errc::bad_encoding, "expected a constructed Certificate");
      *s.bytes = as_sequence(el.content);
      return {};
    case Kind::i_oct:
      if (el.tag.constructed) return Error(Errc::bad_encoding, "expected a primitive OCTET STRING");
      *s.bytes = to_bytes(el.content);
      return {};
    case Kind::i_int: {
      Reader in(el.raw);
      MEDSIGN_ASSIGN(std::int64_t v, in.read_int64(Tag::context(f.tag, false)));
      *s.integer = v;
      return {};
    }
    case Kind::i_bool: {
      Reader in(el.raw);
      MEDSIGN_ASSIGN(bool v, in.read_boolean(Tag::context(f.tag, false)));
      *s.flag = v;
      return {};
    }
    case Kind::i_sig:
      *s.bytes = el.tag.constructed ? as_sequence(el.content) : to_bytes(el.content);
      return {};
  }
  return Error(Errc::internal, "unknown field kind");
}

Status check_length(ReqType t, const std::optional<std::int64_t>& len, const std::optional<Bytes>& data,
                    std::string_view what) {
  if (len && data && (*len < 0 || static_cast<std::uint64_t>(*len) != data->size())) {
    std::string m(what);
    m.append("Len is ").append(std::to_string(*len)).append(" but ").append(what).append(" has ");
    m.append(std::to_string(data->size())).append(" bytes");
    return request_error(t, m);
  }
  return {};
}

Status decode_body(Reader& seq, Request& r) {
  Schema fields = schema(r.type);
  std::uint64_t seen = 0;
  while (!seq.empty()) {
    MEDSIGN_ASSIGN(asn1::Element el, seq.read_any());
    const Field* f = nullptr;
    if (el.tag.cls == asn1::TagClass::context) {
      for (const Field& cand : fields) {
        if (cand.tag == el.tag.number) f = &cand;
      }
    }
    if (f == nullptr) {
      return request_error(r.type, "unknown field " + el.tag.to_string());
    }
    if (seen & (1ull << f->tag)) {
      std::string m = "duplicate field [";
      m.append(std::to_string(f->tag)).append("] ").append(f->name);
      return request_error(r.type, m);
    }
    seen |= 1ull << f->tag;
    if (auto st = read_field(seq, *f, el, slot_of(r, f->id)); !st) return field_error(r.type, *f, st.error());
  }
  for (const Field& f : fields) {
    if (f.required && !(seen & (1ull << f.tag))) {
      std::string m = "missing field [";
      m.append(std::to_string(f.tag)).append("] ").append(f.name);
      return Error(Errc::missing_field, std::string("SVS: ").append(req_type_name(r.type)).append(": ").append(m));
    }
  }
  MEDSIGN_TRY(check_length(r.type, r.in_data_len, r.in_data, "inData"));
  MEDSIGN_TRY(check_length(r.type, r.hash_value_len, r.hash_value, "hashValue"));
  MEDSIGN_TRY(check_length(r.type, r.signer_id_len, r.signer_id, "signerID"));
  if (r.type == ReqType::verify_signed_data || r.type == ReqType::verify_signed_data_final) {
    if (*r.cert_type == 1 && !r.cert) return request_error(r.type, "type 1 (certificate) without cert");
    if (*r.cert_type == 2 && !r.cert_sn) return request_error(r.type, "type 2 (serial number) without certSN");
    if (*r.cert_type != 1 && *r.cert_type != 2) return request_error(r.type, "type must be 1 or 2");
  }
  return {};
}

// Writes one field when the request carries it.
void write_field(Writer& w, const Field& f, const Request& r) {
  Slot s = slot_of(const_cast<Request&>(r), f.id);
  switch (f.kind) {
    case Kind::e_int:
      if (*s.integer) w.add_explicit(f.tag, [&](Writer& x) { x.add_int64(**s.integer); });
      return;
    case Kind::e_oct:
      if (*s.bytes) w.add_explicit(f.tag, [&](Writer& x) { x.add_octet_string(**s.bytes); });
      return;
    case Kind::e_bool:
      if (*s.flag) w.add_explicit(f.tag, [&](Writer& x) { x.add_boolean(true); });
      return;
    case Kind::i_cert:
    case Kind::i_sig: {
      if (!*s.bytes) return;
      auto seq = asn1::parse_single(**s.bytes, asn1::tag::kSequence);
      if (seq) {
        w.add_element(Tag::context(f.tag, true), seq.value().content);
      } else if (f.kind == Kind::i_sig) {
        w.add_element(Tag::context(f.tag, false), **s.bytes);
      } else {
        w.fail(Error(Errc::invalid_argument, std::string("SVS: field ").append(f.name).append(" is not DER")));
      }
      return;
    }
    case Kind::i_oct:
      if (*s.bytes) w.add_element(Tag::context(f.tag, false), **s.bytes);
      return;
    case Kind::i_int:
      if (*s.integer) w.add_int64(**s.integer, Tag::context(f.tag, false));
      return;
    case Kind::i_bool:
      if (*s.flag) w.add_boolean(true, Tag::context(f.tag, false));
      return;
  }
}

// The SVSRequest/SVSRespond frame: version, type, body reader, time.
struct Frame {
  int version = 0;
  ReqType type = ReqType::export_cert;
  Reader body{ByteView{}};
  std::int64_t time_ms = 0;
};

Result<Frame> decode_frame(ByteView der, std::string_view what) {
  if (der.size() > kMaxMessage) return Error(Errc::body_too_large, std::string("SVS: ").append(what).append(" too large"));
  Reader outer(der);
  MEDSIGN_ASSIGN(Reader seq, outer.read_sequence());
  MEDSIGN_TRY(outer.expect_end());
  Frame f;
  MEDSIGN_ASSIGN(std::optional<Reader> ver, seq.read_optional_explicit(20));
  if (ver) {
    MEDSIGN_ASSIGN(std::int64_t v, ver->read_int64());
    MEDSIGN_TRY(ver->expect_end());
    if (v != 0) return Error(Errc::invalid_argument, "SVS: unsupported version " + std::to_string(v));
  }
  MEDSIGN_ASSIGN(Reader type_r, seq.read_explicit(21));
  MEDSIGN_ASSIGN(std::int64_t type, type_r.read_int64());
  MEDSIGN_TRY(type_r.expect_end());
  if (type < 0 || type >= kReqTypeCount) {
    return Error(Errc::invalid_argument, std::string("SVS: unknown ").append(what).append(" type ") + std::to_string(type));
  }
  f.type = static_cast<ReqType>(type);
  // The body: [type] wrapping a SEQUENCE, with or without the constructed bit.
  MEDSIGN_ASSIGN(asn1::Element body, seq.read_any());
  if (body.tag.cls != asn1::TagClass::context || body.tag.number != static_cast<std::uint32_t>(type)) {
    std::string m = "SVS: ";
    m.append(req_type_name(f.type)).append(": expected body [").append(std::to_string(type)).append("], found ");
    m.append(body.tag.to_string());
    return Error(Errc::invalid_argument, m);
  }
  Reader wrapped(body.content, body.offset);
  MEDSIGN_ASSIGN(Reader inner, wrapped.read_sequence());
  MEDSIGN_TRY(wrapped.expect_end());
  f.body = inner;
  MEDSIGN_ASSIGN(Reader time_r, seq.read_explicit(22));
  MEDSIGN_ASSIGN(f.time_ms, time_r.read_time());
  MEDSIGN_TRY(time_r.expect_end());
  MEDSIGN_TRY(seq.expect_end());
  return f;
}

template <typename Body>
Result<Bytes> encode_frame(ReqType type, std::int64_t time_ms, Body&& body) {
  Writer w;
  w.add_sequence([&](Writer& s) {
    // version DEFAULT 0: omitted.
    s.add_explicit(21, [&](Writer& x) { x.add_int64(static_cast<int>(type)); });
    s.add_explicit(static_cast<std::uint32_t>(type), [&](Writer& x) { x.add_sequence(body); });
    s.add_explicit(22, [&](Writer& x) { x.add_x509_time(time_ms - time_ms % 1000); });
  });
  return std::move(w).finish();
}

enum class Result1 { none, cert, info, state, signature, hash_value, signed_message };

Result1 result_kind(ReqType t) {
  switch (t) {
    case ReqType::export_cert: return Result1::cert;
    case ReqType::parse_cert: return Result1::info;
    case ReqType::validate_cert: return Result1::state;
    case ReqType::sign_data:
    case ReqType::sign_data_final: return Result1::signature;
    case ReqType::sign_data_init:
    case ReqType::sign_data_update:
    case ReqType::verify_signed_data_init:
    case ReqType::verify_signed_data_update:
    case ReqType::sign_message_init:
    case ReqType::sign_message_update:
    case ReqType::verify_signed_message_init:
    case ReqType::verify_signed_message_update: return Result1::hash_value;
    case ReqType::sign_message:
    case ReqType::sign_message_final: return Result1::signed_message;
    default: return Result1::none;
  }
}

}  // namespace

std::string_view req_type_name(ReqType t) {
  auto i = static_cast<int>(t);
  return i >= 0 && i < kReqTypeCount ? kNames[static_cast<std::size_t>(i)] : std::string_view{};
}
std::string_view req_type_http_name(ReqType t) {
  auto i = static_cast<int>(t);
  return i >= 0 && i < kReqTypeCount ? kHttpNames[static_cast<std::size_t>(i)] : std::string_view{};
}
std::optional<ReqType> req_type_from_http_name(std::string_view name) {
  for (std::size_t i = 0; i < kHttpNames.size(); ++i) {
    if (kHttpNames[i] == name) return static_cast<ReqType>(i);
  }
  return std::nullopt;
}

std::string_view resp_code_name(std::uint32_t code) {
  switch (code) {
    case kSuccess: return "GM_SUCCESS";
    case kErrorBase: return "GM_ERROR_BASE";
    case kErrorCertId: return "GM_ERROR_CERT_ID";
    case kErrorCertInfoType: return "GM_ERROR_CERT_INFO_TYPE";
    case kErrorServerConnect: return "GM_ERROR_SERVER_CONNECT";
    case kErrorSignMethod: return "GM_ERROR_SIGN_METHOD";
    case kErrorKeyIndex: return "GM_ERROR_KEY_INDEX";
    case kErrorKeyValue: return "GM_ERROR_KEY_VALUE";
    case kErrorCert: return "GM_ERROR_CERT";
    case kErrorCertDecode: return "GM_ERROR_CERT_DECODE";
    case kErrorCertInvalidAfter: return "GM_ERROR_CERT_INVALID_AF";
    case kErrorCertInvalidBefore: return "GM_ERROR_CERT_INVALID_BF";
    case kErrorCertRevoked: return "GM_ERROR_CERT_REMOVED";
    case kInvalidSignature: return "GM_INVALID_SIGNATURE";
    case kInvalidDataFormat: return "GM_INVALID_DATA_FORMAT";
    case kSystemFailure: return "GM_SYSTEM_FAILURE";
    default: return "";
  }
}

Result<Request> decode_request(ByteView der) {
  MEDSIGN_ASSIGN(Frame f, decode_frame(der, "request"));
  Request r;
  r.type = f.type;
  r.time_ms = f.time_ms;
  MEDSIGN_TRY(decode_body(f.body, r));
  return r;
}

std::optional<ReqType> peek_request_type(ByteView der) {
  Reader outer(der);
  auto seq = outer.read_sequence();
  if (!seq) return std::nullopt;
  auto ver = seq->read_optional_explicit(20);
  if (!ver) return std::nullopt;
  auto type_r = seq->read_explicit(21);
  if (!type_r) return std::nullopt;
  auto type = type_r->read_int64();
  if (!type || *type < 0 || *type >= kReqTypeCount) return std::nullopt;
  return static_cast<ReqType>(*type);
}

Result<Bytes> encode_request(const Request& r) {
  if (req_type_name(r.type).empty()) return Error(Errc::invalid_argument, "SVS: unknown request type");
  for (const Field& f : schema(r.type)) {
    Slot s = slot_of(const_cast<Request&>(r), f.id);
    bool present = s.bytes ? s.bytes->has_value() : s.integer ? s.integer->has_value() : true;
    if (f.required && !present) {
      return Error(Errc::missing_field,
                   std::string("SVS: ").append(req_type_name(r.type)).append(": missing field ").append(f.name));
    }
  }
  return encode_frame(r.type, r.time_ms, [&](Writer& body) {
    for (const Field& f : schema(r.type)) write_field(body, f, r);
  });
}

Result<Response> decode_response(ByteView der) {
  MEDSIGN_ASSIGN(Frame f, decode_frame(der, "response"));
  Response r;
  r.type = f.type;
  r.time_ms = f.time_ms;
  Reader& b = f.body;
  MEDSIGN_ASSIGN(Reader rv, b.read_explicit(0));
  MEDSIGN_ASSIGN(std::int64_t code, rv.read_int64());
  MEDSIGN_TRY(rv.expect_end());
  if (code < 0 || code > 0xFFFFFFFFll) return Error(Errc::bad_encoding, "SVS: respValue out of range");
  r.resp_value = static_cast<std::uint32_t>(code);
  MEDSIGN_ASSIGN(std::optional<Reader> res, b.read_optional_explicit(1));
  MEDSIGN_TRY(b.expect_end());
  if (!res) return r;
  switch (result_kind(r.type)) {
    case Result1::none:
      return Error(Errc::bad_encoding, std::string("SVS: ").append(req_type_name(r.type)).append(" response has a result"));
    case Result1::cert: {
      MEDSIGN_ASSIGN(asn1::Element c, res->read_element(asn1::tag::kSequence));
      r.cert = to_bytes(c.raw);
      break;
    }
    case Result1::info: {
      MEDSIGN_ASSIGN(ByteView v, res->read_octet_string());
      r.info = to_bytes(v);
      break;
    }
    case Result1::state: {
      MEDSIGN_ASSIGN(std::int64_t v, res->read_int64());
      r.state = v;
      break;
    }
    case Result1::signature: {
      MEDSIGN_ASSIGN(asn1::Element e, res->read_any());
      if (e.tag == asn1::tag::kSequence) {
        r.signature = to_bytes(e.raw);
      } else if (e.tag == asn1::tag::kOctetString) {
        r.signature = to_bytes(e.content);
      } else {
        return Error(Errc::bad_encoding, "SVS: signature result is neither SM2Signature nor OCTET STRING");
      }
      break;
    }
    case Result1::hash_value: {
      MEDSIGN_ASSIGN(ByteView v, res->read_octet_string());
      r.hash_value = to_bytes(v);
      break;
    }
    case Result1::signed_message: {
      MEDSIGN_ASSIGN(ByteView v, res->read_octet_string());
      r.signed_message = to_bytes(v);
      break;
    }
  }
  MEDSIGN_TRY(res->expect_end());
  return r;
}

Result<Bytes> encode_response(const Response& r) {
  if (req_type_name(r.type).empty()) return Error(Errc::invalid_argument, "SVS: unknown response type");
  return encode_frame(r.type, r.time_ms, [&](Writer& body) {
    body.add_explicit(0, [&](Writer& x) { x.add_int64(r.resp_value); });
    auto put_oct = [&](const std::optional<Bytes>& v) {
      if (v) body.add_explicit(1, [&](Writer& x) { x.add_octet_string(*v); });
    };
    switch (result_kind(r.type)) {
      case Result1::none: break;
      case Result1::cert:
        if (r.cert) body.add_explicit(1, [&](Writer& x) { x.add_raw(*r.cert); });
        break;
      case Result1::info: put_oct(r.info); break;
      case Result1::state:
        if (r.state) body.add_explicit(1, [&](Writer& x) { x.add_int64(*r.state); });
        break;
      case Result1::signature:
        if (r.signature) {
          if (asn1::parse_single(*r.signature, asn1::tag::kSequence)) {
            body.add_explicit(1, [&](Writer& x) { x.add_raw(*r.signature); });
          } else {
            put_oct(r.signature);
          }
        }
        break;
      case Result1::hash_value: put_oct(r.hash_value); break;
      case Result1::signed_message: put_oct(r.signed_message); break;
    }
  });
}

Response make_response(const Request& req, std::uint32_t code, std::int64_t now_ms) {
  Response r;
  r.type = req.type;
  r.time_ms = now_ms;
  r.resp_value = code;
  return r;
}

}  // namespace medsign::svs
