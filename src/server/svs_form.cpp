// GM/T 0029 Annex B/C: the HTTP form variant of the signing server protocol. POST /ExportCert, /SignData,
// /VerifySignedData, /SignMessage, /VerifySignedMessage, ... with an application/x-www-form-urlencoded body
// whose binary fields are Base64; the answer is form-encoded the same way (respValue in decimal, then the
// result field: cert, info, state, signature, hashValue or signedMessage). The caller is identified by its
// address like the binary protocol. Fields are checked by the message codec (the request is encoded as an
// SVSRequest and decoded again), so both transports accept and refuse exactly the same requests.
#include "common/clock.h"
#include "server/api.h"
#include "services/svs_protocol.h"

namespace medsign::server {
namespace {

Result<std::int64_t> form_int(const std::string& v, const char* name) {
  try {
    std::size_t used = 0;
    long long n = std::stoll(v, &used, 0);  // decimal or 0x...
    if (used != v.size()) throw std::invalid_argument(name);
    return static_cast<std::int64_t>(n);
  } catch (const std::exception&) {
    return Error(Errc::invalid_argument, std::string(name).append(" must be a number"));
  }
}

Result<bool> form_bool(const std::string& v, const char* name) {
  if (v == "TRUE" || v == "true" || v == "1") return true;
  if (v == "FALSE" || v == "false" || v == "0" || v.empty()) return false;
  return Error(Errc::invalid_argument, std::string(name).append(" must be TRUE or FALSE"));
}

Result<svs::Request> form_request(svs::ReqType type, const std::map<std::string, std::string>& f) {
  svs::Request r;
  r.type = type;
  r.time_ms = unix_millis();
  for (const auto& field : f) {
    const std::string& k = field.first;
    const std::string& v = field.second;
    auto b64 = [&](std::optional<Bytes>& out) -> Status {
      auto b = base64_decode(v);
      if (!b) return Error(Errc::invalid_argument, k + " is not Base64");
      out = std::move(b).value();
      return {};
    };
    auto num = [&](std::optional<std::int64_t>& out) -> Status {
      MEDSIGN_ASSIGN(std::int64_t n, form_int(v, k.c_str()));
      out = n;
      return {};
    };
    auto flag = [&](bool& out) -> Status {
      MEDSIGN_ASSIGN(out, form_bool(v, k.c_str()));
      return {};
    };
    Status st;
    if (k == "identification") r.identification = Bytes(v.begin(), v.end());
    else if (k == "keyValue") r.key_value = Bytes(v.begin(), v.end());
    else if (k == "cert") st = b64(r.cert);
    else if (k == "certSN") st = b64(r.cert_sn);
    else if (k == "inData") st = b64(r.in_data);
    else if (k == "signature") st = b64(r.signature);
    else if (k == "signedMessage") st = b64(r.signed_message);
    else if (k == "hashValue") st = b64(r.hash_value);
    else if (k == "signerPublicKey") st = b64(r.signer_public_key);
    else if (k == "signerID") st = b64(r.signer_id);
    else if (k == "infoType") st = num(r.info_type);
    else if (k == "signMethod") st = num(r.sign_method);
    else if (k == "keyIndex") st = num(r.key_index);
    else if (k == "inDataLen") st = num(r.in_data_len);
    else if (k == "type") st = num(r.cert_type);
    else if (k == "verifyLevel") st = num(r.verify_level);
    else if (k == "hashValueLen") st = num(r.hash_value_len);
    else if (k == "signerIDLen") st = num(r.signer_id_len);
    else if (k == "ocsp") st = flag(r.ocsp);
    else if (k == "hashFlag") st = flag(r.hash_flag);
    else if (k == "originalText") st = flag(r.original_text);
    else if (k == "certificateChain") st = flag(r.certificate_chain);
    else if (k == "crl") st = flag(r.crl);
    else if (k == "authenticationAttributes") st = flag(r.authentication_attributes);
    else return Error(Errc::invalid_argument, "unknown field " + k);
    if (!st) return st.error();
  }
  // Lengths the caller may leave out are implied by the data.
  if (r.in_data && !r.in_data_len) r.in_data_len = static_cast<std::int64_t>(r.in_data->size());
  if (r.hash_value && !r.hash_value_len) r.hash_value_len = static_cast<std::int64_t>(r.hash_value->size());
  if (r.signer_id && !r.signer_id_len) r.signer_id_len = static_cast<std::int64_t>(r.signer_id->size());
  MEDSIGN_ASSIGN(Bytes der, svs::encode_request(r));
  return svs::decode_request(der);
}

std::string form_answer(const svs::Response& r) {
  std::string out = "respValue=";
  out.append(std::to_string(r.resp_value));
  auto add = [&](const char* name, const std::optional<Bytes>& v) {
    if (!v) return;
    std::string b = base64_encode(*v);
    std::string enc;
    for (char c : b) {
      if (c == '+') enc += "%2B";
      else if (c == '/') enc += "%2F";
      else if (c == '=') enc += "%3D";
      else enc += c;
    }
    out.append("&").append(name).append("=").append(enc);
  };
  add("cert", r.cert);
  add("info", r.info);
  add("signature", r.signature);
  add("hashValue", r.hash_value);
  add("signedMessage", r.signed_message);
  if (r.state) out.append("&state=").append(std::to_string(*r.state));
  return out;
}

HttpResponse form_response(const std::string& body) {
  HttpResponse res{http::status::ok, 11};
  res.set(http::field::content_type, "application/x-www-form-urlencoded");
  res.set(http::field::cache_control, "no-store");
  res.body() = body;
  res.prepare_payload();
  return res;
}

void handle_form(services::SvsService& svs, svs::ReqType type, RequestContext& ctx, AsyncDone done) {
  auto ct = ctx.header("Content-Type");
  if (!ct.empty() && ct.rfind("application/x-www-form-urlencoded", 0) != 0) {
    return done(error_response(Error(Errc::unsupported_media_type, "expected application/x-www-form-urlencoded"),
                               ctx.request_id));
  }
  auto fields = parse_query(ctx.req.body());
  svs::Response bad;
  bad.type = type;
  bad.resp_value = svs::kInvalidDataFormat;
  if (!fields) return done(form_response(form_answer(bad)));
  auto req = form_request(type, *fields);
  if (!req) return done(form_response(form_answer(bad)));
  services::svs_handle(svs, *req, ctx.remote_addr, [done = std::move(done)](svs::Response r) {
    done(form_response(form_answer(r)));
  });
}

// Vendor extensions /envelopeEnc (cert, inData -> envelopedData) and /envelopeDec (keyIndex, keyValue,
// envelopedData -> outData): digital envelopes with the same form conventions, logged like the others.
void handle_envelope(services::SvsService& svs, bool encrypt, RequestContext& ctx, AsyncDone done) {
  auto fields = parse_query(ctx.req.body());
  auto answer = [done](std::uint32_t code, const char* name, const Bytes* value) {
    std::string out = "respValue=" + std::to_string(code);
    if (value) {
      std::string enc;
      for (char c : base64_encode(*value)) {
        if (c == '+') enc += "%2B";
        else if (c == '/') enc += "%2F";
        else if (c == '=') enc += "%3D";
        else enc += c;
      }
      out.append("&").append(name).append("=").append(enc);
    }
    done(form_response(out));
  };
  auto caller = svs.caller_for_address(ctx.remote_addr);
  if (!caller) return answer(svs::kErrorBase, "", nullptr);
  if (!fields) return answer(svs::kInvalidDataFormat, "", nullptr);
  auto get = [&](const char* k) -> Result<Bytes> {
    auto it = fields->find(k);
    if (it == fields->end()) return Error(Errc::missing_field, k);
    auto b = base64_decode(it->second);
    if (!b) return Error(Errc::invalid_argument, std::string(k) + " is not Base64");
    return std::move(b).value();
  };
  std::uint32_t code = svs::kSuccess;
  std::string key, detail;
  Bytes logged, result;
  if (encrypt) {
    auto cert_der = get("cert");
    auto data = get("inData");
    if (!cert_der || !data) {
      code = svs::kInvalidDataFormat;
      detail = (!cert_der ? cert_der.error() : data.error()).detail;
    } else {
      logged = *data;
      auto cert = pki::Certificate::parse_der(*cert_der);
      if (!cert) {
        code = svs::kErrorCertDecode;
        detail = cert.error().detail;
      } else {
        key = cert->serial_hex();
        auto env = svs.envelope_encrypt(*data, std::span<const pki::Certificate>(&*cert, 1));
        if (env) result = std::move(env).value();
        else {
          code = svs::kErrorCert;
          detail = env.error().detail;
        }
      }
    }
  } else {
    auto env = get("envelopedData");
    key = fields->count("keyIndex") ? fields->at("keyIndex") : std::string();
    std::string pw = fields->count("keyValue") ? fields->at("keyValue") : std::string();
    if (!env || key.empty()) {
      code = svs::kInvalidDataFormat;
      detail = !env ? env.error().detail : "keyIndex missing";
    } else {
      logged = *env;
      auto plain = svs.envelope_decrypt(*caller, key, *env, pw);
      if (plain) result = Bytes(plain->view().begin(), plain->view().end());
      else {
        code = plain.error().code == Errc::decrypt_failed || plain.error().code == Errc::bad_encoding
                   ? svs::kInvalidDataFormat
               : plain.error().code == Errc::not_found && !svs.find_key(key) ? svs::kErrorKeyIndex
               : plain.error().code == Errc::not_found ? svs::kErrorCert
                                                        : services::svs_code_for(plain.error());
        detail = plain.error().detail;
      }
    }
  }
  std::string result_name = code == svs::kSuccess ? "success" : std::string(svs::resp_code_name(code));
  auto out = std::make_shared<Bytes>(std::move(result));
  const char* field = encrypt ? "envelopedData" : "outData";
  svs.record(*caller, encrypt ? "gmt0029.envelopeEnc" : "gmt0029.envelopeDec", key, logged, result_name, detail,
             [answer, out, code, field](const Status& st) {
               if (!st) return answer(svs::kSystemFailure, "", nullptr);
               answer(code, field, code == svs::kSuccess ? out.get() : nullptr);
             });
}

}  // namespace

namespace api {

// Async routes: each answer is written once the call's log row has committed (no access-log line: svs_log
// has them).
void register_svs_forms(Router& r, ApiContext& api) {
  auto unavailable = [](RequestContext& ctx) {
    return error_response(Error(Errc::unavailable, "the signing service is not enabled on this node"), ctx.request_id);
  };
  for (int i = 0; i < svs::kReqTypeCount; ++i) {
    auto type = static_cast<svs::ReqType>(i);
    std::string path = "/";
    path.append(svs::req_type_http_name(type));
    r.add_async(http::verb::post, path, [&api, type, unavailable](RequestContext& ctx, AsyncDone done) {
      if (!api.svs) return done(unavailable(ctx));
      handle_form(*api.svs, type, ctx, std::move(done));
    }, AsyncRouteOptions{false});
  }
  for (bool enc : {true, false}) {
    const char* path = enc ? "/envelopeEnc" : "/envelopeDec";
    r.add_async(http::verb::post, path, [&api, enc, unavailable](RequestContext& ctx, AsyncDone done) {
      if (!api.svs) return done(unavailable(ctx));
      handle_envelope(*api.svs, enc, ctx, std::move(done));
    }, AsyncRouteOptions{false});
  }
}

}  // namespace api
}  // namespace medsign::server
