// The SVS_ functions of libmedsign-svs (include/medsign/svs.h): each builds a GM/T 0029 Annex A
// SVSRequest (svs/message.h), exchanges it through the handle's Client and unpacks the SVSRespond.
#include "medsign/svs.h"

#include <cstring>
#include <new>
#include <string>

#include "common/clock.h"
#include "sdk/svs/client.h"
#include "svs/message.h"

namespace {
using namespace medsign;
namespace wire = medsign::svs;
using medsign::sdk::svs::CallFailure;
using medsign::sdk::svs::Client;

thread_local std::string t_last_error;

int fail(int code, std::string why) {
  t_last_error = std::move(why);
  return code;
}

int ok() {
  t_last_error.clear();
  return GM_SUCCESS;
}

Bytes bytes(const unsigned char* p, unsigned int n) { return p && n ? Bytes(p, p + n) : Bytes{}; }

Bytes text(const char* s) { return s ? Bytes(s, s + std::strlen(s)) : Bytes{}; }

// Runs f, turning an allocation failure into SVS_ERROR_MEMORY (nothing else throws).
template <typename F>
int guarded(F&& f) {
  try {
    return f();
  } catch (const std::bad_alloc&) {
    return fail(SVS_ERROR_MEMORY, "out of memory");
  }
}

// Copies a result out under the buffer rules of svs.h.
int put(const std::optional<Bytes>& v, unsigned char* out, unsigned int* len, const char* what) {
  if (!v) return fail(SVS_ERROR_PROTOCOL, std::string("the server's answer has no ") + what);
  if (v->size() > 0xffffffffu) return fail(SVS_ERROR_TOO_LARGE, std::string(what) + " too large");
  auto need = static_cast<unsigned int>(v->size());
  if (!out) {
    *len = need;
    return ok();
  }
  if (*len < need) {
    *len = need;
    return fail(SVS_ERROR_BUFFER_TOO_SMALL,
                std::string(what) + ": the buffer holds " + std::to_string(*len) + " bytes, " + std::to_string(need) +
                    " are needed");
  }
  if (need) std::memcpy(out, v->data(), need);
  *len = need;
  return ok();
}

// Sends req and unpacks the answer: GM_SUCCESS with resp filled, or the failure's code.
int call(void* h, wire::Request& req, wire::Response& resp) {
  if (!h) return fail(SVS_ERROR_PARAM, "handle is NULL");
  auto& client = *static_cast<Client*>(h);
  req.time_ms = unix_millis();
  auto der = wire::encode_request(req);
  if (!der) return fail(SVS_ERROR_PARAM, der.error().detail);
  if (der->size() > wire::kMaxMessage) {
    return fail(SVS_ERROR_TOO_LARGE, "the request would be " + std::to_string(der->size()) + " bytes, more than " +
                                         std::to_string(wire::kMaxMessage));
  }
  Bytes answer;
  std::string why;
  switch (client.exchange(*der, answer, why)) {
    case CallFailure::none: break;
    case CallFailure::connect: return fail(SVS_ERROR_CONNECT, why);
    case CallFailure::timeout:
    case CallFailure::busy: return fail(SVS_ERROR_TIMEOUT, why);
    case CallFailure::protocol: return fail(SVS_ERROR_PROTOCOL, why);
    case CallFailure::tls: return fail(SVS_ERROR_TLS, why);
  }
  auto r = wire::decode_response(answer);
  if (!r) return fail(SVS_ERROR_PROTOCOL, "the server's answer does not decode: " + r.error().detail);
  if (r->resp_value != wire::kSuccess) {
    return fail(static_cast<int>(r->resp_value), std::string("the server answered ")
                                                     .append(wire::resp_code_name(r->resp_value))
                                                     .append(" to ")
                                                     .append(wire::req_type_name(req.type)));
  }
  if (r->type != req.type) {
    return fail(SVS_ERROR_PROTOCOL, std::string("the server answered ")
                                        .append(wire::req_type_name(r->type))
                                        .append(" to ")
                                        .append(wire::req_type_name(req.type)));
  }
  resp = std::move(r).value();
  return ok();
}

wire::Request make(wire::ReqType t) {
  wire::Request r;
  r.type = t;
  return r;
}

int set_data(wire::Request& r, const unsigned char* data, unsigned int len) {
  if (!data && len) return fail(SVS_ERROR_PARAM, "data is NULL with a length of " + std::to_string(len));
  r.in_data = bytes(data, len);
  r.in_data_len = len;
  return GM_SUCCESS;
}

int set_hash(wire::Request& r, const unsigned char* hash, unsigned int len) {
  if (!hash || !len) return fail(SVS_ERROR_PARAM, "no hash value given");
  r.hash_value = bytes(hash, len);
  r.hash_value_len = len;
  return GM_SUCCESS;
}

// type 1: certOrSN is a certificate; 2: a serial number.
int set_signer(wire::Request& r, int type, const unsigned char* cert_or_sn, unsigned int len) {
  if (type != SVS_CERT_TYPE_CERT && type != SVS_CERT_TYPE_SN) {
    return fail(SVS_ERROR_PARAM, "type must be 1 (certificate) or 2 (serial number)");
  }
  if (!cert_or_sn || !len) return fail(SVS_ERROR_PARAM, "no certificate or serial number given");
  r.cert_type = type;
  if (type == SVS_CERT_TYPE_CERT) {
    r.cert = bytes(cert_or_sn, len);
  } else {
    r.cert_sn = bytes(cert_or_sn, len);
  }
  return GM_SUCCESS;
}

void set_flags(wire::Request& r, int hash_flag, int original_text, int certificate_chain, int crl, int auth_attrs) {
  r.hash_flag = hash_flag != 0;
  r.original_text = original_text != 0;
  r.certificate_chain = certificate_chain != 0;
  r.crl = crl != 0;
  r.authentication_attributes = auth_attrs != 0;
}

// The *Init requests of the four families.
int init_call(wire::ReqType t, void* h, int method, const unsigned char* pub, unsigned int pub_len,
              const unsigned char* id, unsigned int id_len, const unsigned char* data, unsigned int len,
              unsigned char* hash, unsigned int* hash_len) {
  return guarded([&] {
    if (!hash_len) return fail(SVS_ERROR_PARAM, "hashLen is NULL");
    wire::Request r = make(t);
    r.sign_method = method;
    if (pub && pub_len) r.signer_public_key = bytes(pub, pub_len);
    if (id && id_len) {
      r.signer_id = bytes(id, id_len);
      r.signer_id_len = id_len;
    }
    if (int rc = set_data(r, data, len)) return rc;
    wire::Response resp;
    if (int rc = call(h, r, resp)) return rc;
    return put(resp.hash_value, hash, hash_len, "hashValue");
  });
}

// The *Update requests of the four families.
int update_call(wire::ReqType t, void* h, int method, const unsigned char* hash, unsigned int hash_len,
                const unsigned char* data, unsigned int len, unsigned char* out, unsigned int* out_len) {
  return guarded([&] {
    if (!out_len) return fail(SVS_ERROR_PARAM, "newHashLen is NULL");
    wire::Request r = make(t);
    r.sign_method = method;
    if (int rc = set_hash(r, hash, hash_len)) return rc;
    if (int rc = set_data(r, data, len)) return rc;
    wire::Response resp;
    if (int rc = call(h, r, resp)) return rc;
    return put(resp.hash_value, out, out_len, "hashValue");
  });
}

struct CodeText {
  int code;
  const char* text;
};
constexpr CodeText kCodes[] = {
    {GM_SUCCESS, "GM_SUCCESS: success"},
    {GM_ERROR_BASE, "GM_ERROR_BASE: request refused (no application registered for this address)"},
    {GM_ERROR_CERT_ID, "GM_ERROR_CERT_ID: bad certificate identifier"},
    {GM_ERROR_CERT_INFO_TYPE, "GM_ERROR_CERT_INFO_TYPE: bad certificate info type"},
    {GM_ERROR_SERVER_CONNECT, "GM_ERROR_SERVER_CONNECT: CRL/OCSP source unreachable"},
    {GM_ERROR_SIGN_METHOD, "GM_ERROR_SIGN_METHOD: signature method does not fit the key"},
    {GM_ERROR_KEY_INDEX, "GM_ERROR_KEY_INDEX: bad private-key index"},
    {GM_ERROR_KEY_VALUE, "GM_ERROR_KEY_VALUE: bad private-key access code"},
    {GM_ERROR_CERT, "GM_ERROR_CERT: certificate not trusted or not on the server"},
    {GM_ERROR_CERT_DECODE, "GM_ERROR_CERT_DECODE: certificate does not decode"},
    {GM_ERROR_CERT_INVALID_AF, "GM_ERROR_CERT_INVALID_AF: certificate expired"},
    {GM_ERROR_CERT_INVALID_BF, "GM_ERROR_CERT_INVALID_BF: certificate not yet valid"},
    {GM_ERROR_CERT_REMOVED, "GM_ERROR_CERT_REMOVED: certificate revoked"},
    {GM_INVALID_SIGNATURE, "GM_INVALID_SIGNATURE: signature invalid"},
    {GM_INVALID_DATA_FORMAT, "GM_INVALID_DATA_FORMAT: data format error"},
    {GM_SYSTEM_FAILURE, "GM_SYSTEM_FAILURE: internal error of the server"},
    {SVS_ERROR_PARAM, "SVS_ERROR_PARAM: bad argument"},
    {SVS_ERROR_CONNECT, "SVS_ERROR_CONNECT: no server could be reached"},
    {SVS_ERROR_TIMEOUT, "SVS_ERROR_TIMEOUT: no answer within the request timeout"},
    {SVS_ERROR_BUFFER_TOO_SMALL, "SVS_ERROR_BUFFER_TOO_SMALL: output buffer too small"},
    {SVS_ERROR_PROTOCOL, "SVS_ERROR_PROTOCOL: the server's answer is not a fitting SVSRespond"},
    {SVS_ERROR_MEMORY, "SVS_ERROR_MEMORY: out of memory"},
    {SVS_ERROR_TLS, "SVS_ERROR_TLS: TLS set-up or certificate check failed"},
    {SVS_ERROR_TOO_LARGE, "SVS_ERROR_TOO_LARGE: input too large for one message"},
};

}  // namespace

extern "C" {

int SVS_Open(const char* servers, const SVS_Options* options, void** handle) {
  return guarded([&] {
    if (!handle) return fail(SVS_ERROR_PARAM, "handle pointer is NULL");
    *handle = nullptr;
    if (!servers) return fail(SVS_ERROR_PARAM, "servers is NULL");
    sdk::svs::ClientOptions o;
    if (options) {
      auto ms = [](unsigned int v, int def) { return v == 0 ? def : v > 0x7fffffffu ? 0x7fffffff : static_cast<int>(v); };
      o.connect_timeout_ms = ms(options->connect_timeout_ms, o.connect_timeout_ms);
      o.request_timeout_ms = ms(options->request_timeout_ms, o.request_timeout_ms);
      o.retry_after_ms = ms(options->retry_after_ms, o.retry_after_ms);
      if (options->pool_size) o.pool_size = options->pool_size;
      if (options->tls_ca_file) o.tls_ca_file = options->tls_ca_file;
      if (options->tls_server_name) o.tls_server_name = options->tls_server_name;
    }
    auto c = std::make_unique<Client>();
    std::string why;
    if (!c->init(servers, std::move(o), why)) {
      return fail(why.starts_with("TLS") ? SVS_ERROR_TLS : SVS_ERROR_PARAM, why);
    }
    *handle = c.release();
    return ok();
  });
}

int SVS_Close(void* handle) {
  if (!handle) return fail(SVS_ERROR_PARAM, "handle is NULL");
  delete static_cast<Client*>(handle);
  return ok();
}

const char* SVS_GetErrorString(int code) {
  for (const auto& c : kCodes) {
    if (c.code == code) return c.text;
  }
  return "unknown code";
}

const char* SVS_GetLastErrorText(void) { return t_last_error.c_str(); }

int SVS_ExportCert(void* h, const char* certId, unsigned char* cert, unsigned int* certLen) {
  return guarded([&] {
    if (!certId || !certLen) return fail(SVS_ERROR_PARAM, "certId or certLen is NULL");
    wire::Request r = make(wire::ReqType::export_cert);
    r.identification = text(certId);
    wire::Response resp;
    if (int rc = call(h, r, resp)) return rc;
    return put(resp.cert, cert, certLen, "cert");
  });
}

int SVS_ParseCert(void* h, int infoType, const unsigned char* cert, unsigned int certLen, unsigned char* info,
                  unsigned int* infoLen) {
  return guarded([&] {
    if (!cert || !certLen || !infoLen) return fail(SVS_ERROR_PARAM, "cert or infoLen missing");
    wire::Request r = make(wire::ReqType::parse_cert);
    r.info_type = infoType;
    r.cert = bytes(cert, certLen);
    wire::Response resp;
    if (int rc = call(h, r, resp)) return rc;
    return put(resp.info, info, infoLen, "info");
  });
}

int SVS_ValidateCert(void* h, const unsigned char* cert, unsigned int certLen, int ocsp, int* state) {
  return guarded([&] {
    if (!cert || !certLen || !state) return fail(SVS_ERROR_PARAM, "cert or state missing");
    wire::Request r = make(wire::ReqType::validate_cert);
    r.cert = bytes(cert, certLen);
    r.ocsp = ocsp != 0;
    wire::Response resp;
    if (int rc = call(h, r, resp)) return rc;
    if (!resp.state) return fail(SVS_ERROR_PROTOCOL, "the server's answer has no state");
    *state = static_cast<int>(*resp.state);
    return ok();
  });
}

int SVS_SignData(void* h, int method, unsigned int keyIndex, const char* keyPassword, const unsigned char* data,
                 unsigned int dataLen, unsigned char* signature, unsigned int* signatureLen) {
  return guarded([&] {
    if (!signatureLen) return fail(SVS_ERROR_PARAM, "signatureLen is NULL");
    wire::Request r = make(wire::ReqType::sign_data);
    r.sign_method = method;
    r.key_index = keyIndex;
    r.key_value = text(keyPassword);
    if (int rc = set_data(r, data, dataLen)) return rc;
    wire::Response resp;
    if (int rc = call(h, r, resp)) return rc;
    return put(resp.signature, signature, signatureLen, "signature");
  });
}

int SVS_VerifySignedData(void* h, int type, const unsigned char* certOrSN, unsigned int certOrSNLen,
                         const unsigned char* data, unsigned int dataLen, const unsigned char* signature,
                         unsigned int signatureLen, int verifyLevel) {
  return guarded([&] {
    if (!signature || !signatureLen) return fail(SVS_ERROR_PARAM, "no signature given");
    wire::Request r = make(wire::ReqType::verify_signed_data);
    if (int rc = set_signer(r, type, certOrSN, certOrSNLen)) return rc;
    if (int rc = set_data(r, data, dataLen)) return rc;
    r.signature = bytes(signature, signatureLen);
    r.verify_level = verifyLevel;
    wire::Response resp;
    return call(h, r, resp);
  });
}

int SVS_SignDataInit(void* h, int method, const unsigned char* signerPublicKey, unsigned int signerPublicKeyLen,
                     const unsigned char* signerId, unsigned int signerIdLen, const unsigned char* data,
                     unsigned int dataLen, unsigned char* hash, unsigned int* hashLen) {
  return init_call(wire::ReqType::sign_data_init, h, method, signerPublicKey, signerPublicKeyLen, signerId,
                   signerIdLen, data, dataLen, hash, hashLen);
}

int SVS_SignDataUpdate(void* h, int method, const unsigned char* hash, unsigned int hashLen,
                       const unsigned char* data, unsigned int dataLen, unsigned char* newHash,
                       unsigned int* newHashLen) {
  return update_call(wire::ReqType::sign_data_update, h, method, hash, hashLen, data, dataLen, newHash, newHashLen);
}

int SVS_SignDataFinal(void* h, int method, unsigned int keyIndex, const char* keyPassword, const unsigned char* hash,
                      unsigned int hashLen, unsigned char* signature, unsigned int* signatureLen) {
  return guarded([&] {
    if (!signatureLen) return fail(SVS_ERROR_PARAM, "signatureLen is NULL");
    wire::Request r = make(wire::ReqType::sign_data_final);
    r.sign_method = method;
    r.key_index = keyIndex;
    r.key_value = text(keyPassword);
    if (int rc = set_hash(r, hash, hashLen)) return rc;
    wire::Response resp;
    if (int rc = call(h, r, resp)) return rc;
    return put(resp.signature, signature, signatureLen, "signature");
  });
}

int SVS_VerifySignedDataInit(void* h, int method, const unsigned char* signerPublicKey,
                             unsigned int signerPublicKeyLen, const unsigned char* signerId, unsigned int signerIdLen,
                             const unsigned char* data, unsigned int dataLen, unsigned char* hash,
                             unsigned int* hashLen) {
  return init_call(wire::ReqType::verify_signed_data_init, h, method, signerPublicKey, signerPublicKeyLen, signerId,
                   signerIdLen, data, dataLen, hash, hashLen);
}

int SVS_VerifySignedDataUpdate(void* h, int method, const unsigned char* hash, unsigned int hashLen,
                               const unsigned char* data, unsigned int dataLen, unsigned char* newHash,
                               unsigned int* newHashLen) {
  return update_call(wire::ReqType::verify_signed_data_update, h, method, hash, hashLen, data, dataLen, newHash,
                     newHashLen);
}

int SVS_VerifySignedDataFinal(void* h, int method, int type, const unsigned char* certOrSN, unsigned int certOrSNLen,
                              const unsigned char* hash, unsigned int hashLen, const unsigned char* signature,
                              unsigned int signatureLen, int verifyLevel) {
  return guarded([&] {
    if (!signature || !signatureLen) return fail(SVS_ERROR_PARAM, "no signature given");
    wire::Request r = make(wire::ReqType::verify_signed_data_final);
    r.sign_method = method;
    if (int rc = set_signer(r, type, certOrSN, certOrSNLen)) return rc;
    if (int rc = set_hash(r, hash, hashLen)) return rc;
    r.signature = bytes(signature, signatureLen);
    r.verify_level = verifyLevel;
    wire::Response resp;
    return call(h, r, resp);
  });
}

int SVS_SignMessage(void* h, int method, unsigned int keyIndex, const char* keyPassword, const unsigned char* data,
                    unsigned int dataLen, unsigned char* signedMessage, unsigned int* signedMessageLen, int hashFlag,
                    int originalText, int certificateChain, int crl, int authenticationAttributes) {
  return guarded([&] {
    if (!signedMessageLen) return fail(SVS_ERROR_PARAM, "signedMessageLen is NULL");
    wire::Request r = make(wire::ReqType::sign_message);
    r.sign_method = method;
    r.key_index = keyIndex;
    r.key_value = text(keyPassword);
    if (int rc = set_data(r, data, dataLen)) return rc;
    set_flags(r, hashFlag, originalText, certificateChain, crl, authenticationAttributes);
    wire::Response resp;
    if (int rc = call(h, r, resp)) return rc;
    return put(resp.signed_message, signedMessage, signedMessageLen, "signedMessage");
  });
}

int SVS_VerifySignedMessage(void* h, const unsigned char* data, unsigned int dataLen,
                            const unsigned char* signedMessage, unsigned int signedMessageLen, int hashFlag,
                            int originalText, int certificateChain, int crl, int authenticationAttributes) {
  return guarded([&] {
    if (!signedMessage || !signedMessageLen) return fail(SVS_ERROR_PARAM, "no signed message given");
    wire::Request r = make(wire::ReqType::verify_signed_message);
    if (data && dataLen) {  // detached content; none for an attached message
      r.in_data = bytes(data, dataLen);
      r.in_data_len = dataLen;
    }
    r.signed_message = bytes(signedMessage, signedMessageLen);
    set_flags(r, hashFlag, originalText, certificateChain, crl, authenticationAttributes);
    wire::Response resp;
    return call(h, r, resp);
  });
}

int SVS_SignMessageInit(void* h, int method, const unsigned char* signerPublicKey, unsigned int signerPublicKeyLen,
                        const unsigned char* signerId, unsigned int signerIdLen, const unsigned char* data,
                        unsigned int dataLen, unsigned char* hash, unsigned int* hashLen) {
  return init_call(wire::ReqType::sign_message_init, h, method, signerPublicKey, signerPublicKeyLen, signerId,
                   signerIdLen, data, dataLen, hash, hashLen);
}

int SVS_SignMessageUpdate(void* h, int method, const unsigned char* hash, unsigned int hashLen,
                          const unsigned char* data, unsigned int dataLen, unsigned char* newHash,
                          unsigned int* newHashLen) {
  return update_call(wire::ReqType::sign_message_update, h, method, hash, hashLen, data, dataLen, newHash,
                     newHashLen);
}

int SVS_SignMessageFinal(void* h, int method, unsigned int keyIndex, const char* keyPassword,
                         const unsigned char* hash, unsigned int hashLen, unsigned char* signedMessage,
                         unsigned int* signedMessageLen) {
  return guarded([&] {
    if (!signedMessageLen) return fail(SVS_ERROR_PARAM, "signedMessageLen is NULL");
    wire::Request r = make(wire::ReqType::sign_message_final);
    r.sign_method = method;
    r.key_index = keyIndex;
    r.key_value = text(keyPassword);
    if (int rc = set_hash(r, hash, hashLen)) return rc;
    wire::Response resp;
    if (int rc = call(h, r, resp)) return rc;
    return put(resp.signed_message, signedMessage, signedMessageLen, "signedMessage");
  });
}

int SVS_VerifySignedMessageInit(void* h, int method, const unsigned char* signerPublicKey,
                                unsigned int signerPublicKeyLen, const unsigned char* signerId,
                                unsigned int signerIdLen, const unsigned char* data, unsigned int dataLen,
                                unsigned char* hash, unsigned int* hashLen) {
  return init_call(wire::ReqType::verify_signed_message_init, h, method, signerPublicKey, signerPublicKeyLen,
                   signerId, signerIdLen, data, dataLen, hash, hashLen);
}

int SVS_VerifySignedMessageUpdate(void* h, int method, const unsigned char* hash, unsigned int hashLen,
                                  const unsigned char* data, unsigned int dataLen, unsigned char* newHash,
                                  unsigned int* newHashLen) {
  return update_call(wire::ReqType::verify_signed_message_update, h, method, hash, hashLen, data, dataLen, newHash,
                     newHashLen);
}

int SVS_VerifySignedMessageFinal(void* h, int method, const unsigned char* hash, unsigned int hashLen,
                                 const unsigned char* signedMessage, unsigned int signedMessageLen) {
  return guarded([&] {
    if (!signedMessage || !signedMessageLen) return fail(SVS_ERROR_PARAM, "no signed message given");
    wire::Request r = make(wire::ReqType::verify_signed_message_final);
    r.sign_method = method;
    if (int rc = set_hash(r, hash, hashLen)) return rc;
    r.signed_message = bytes(signedMessage, signedMessageLen);
    wire::Response resp;
    return call(h, r, resp);
  });
}

}  // extern "C"
