// The GM/T 0033 STF_ functions of libmedsign-tsp on top of tsp/ and cms/ (include/medsign/stf.h).
#include "medsign/stf.h"

#include <cstdlib>
#include <cstring>
#include <new>
#include <string>

#include <openssl/rand.h>

#include "asn1/der_time.h"
#include "asn1/oids.h"
#include "pki/name.h"
#include "sdk/tsp/transport.h"
#include "tsp/timestamp_issuer.h"

namespace {
using namespace medsign;

constexpr SGD_UINT32 kMaxInData = 256u * 1024 * 1024;
constexpr SGD_UINT32 kMaxMessage = 16u * 1024 * 1024;

struct Handle {
  std::string url = "http://127.0.0.1:8080/tsa";
  int timeout_ms = 10000;
  std::string last_error;
};

SGD_UINT32 fail(void* h, SGD_UINT32 code, std::string why) {
  if (h) static_cast<Handle*>(h)->last_error = std::move(why);
  return code;
}

SGD_UINT32 ok(void* h) {
  if (h) static_cast<Handle*>(h)->last_error.clear();
  return STF_TS_OK;
}

// Copies a value out under the buffer rules of stf.h.
SGD_UINT32 put(void* h, ByteView v, bool text, SGD_UINT8* out, SGD_UINT32* len) {
  if (!len) return fail(h, STF_TS_INVALID_REQUEST, "length pointer is NULL");
  std::size_t need = v.size() + (text ? 1 : 0);
  if (need > 0xffffffffu) return fail(h, STF_TS_SYSTEM_FAILURE, "value too large");
  if (!out) {
    *len = static_cast<SGD_UINT32>(need);
    return ok(h);
  }
  if (*len < need) {
    *len = static_cast<SGD_UINT32>(need);
    return fail(h, STF_TS_NOT_ENOUGH_MEMORY, "buffer too small: " + std::to_string(need) + " bytes needed");
  }
  if (!v.empty()) std::memcpy(out, v.data(), v.size());
  if (text) out[v.size()] = 0;
  *len = static_cast<SGD_UINT32>(v.size());
  return ok(h);
}

Result<cms::DigestAlgorithm> hash_of(SGD_UINT32 id) {
  if (id == SGD_SM3) return cms::DigestAlgorithm::sm3;
  if (id == SGD_SHA256) return cms::DigestAlgorithm::sha256;
  return Error(Errc::invalid_argument, "unsupported hash algorithm id " + std::to_string(id));
}

SGD_UINT32 code_of(tsp::FailInfo f) {
  switch (f) {
    case tsp::FailInfo::bad_alg: return STF_TS_INVALID_ALG;
    case tsp::FailInfo::bad_request: return STF_TS_INVALID_REQUEST;
    case tsp::FailInfo::bad_data_format: return STF_TS_INVALID_DATAFORMAT;
    case tsp::FailInfo::time_not_available: return STF_TS_TIME_NOT_AVAILABLE;
    case tsp::FailInfo::unaccepted_policy: return STF_TS_UNACCEPTED_POLICY;
    case tsp::FailInfo::unaccepted_extension: return STF_TS_UNACCEPTED_EXTENSION;
    case tsp::FailInfo::add_info_not_available: return STF_TS_ADDINFO_NOT_AVAILBLE;
    case tsp::FailInfo::system_failure: return STF_TS_SYSTEM_FAILURE;
  }
  return STF_TS_SYSTEM_FAILURE;
}

// Whether a signature algorithm id fits the signer's key (0 = any).
bool signature_fits(SGD_UINT32 id, pki::KeyType key) {
  if (id == 0) return true;
  if (id == SGD_SM3_SM2) return key == pki::KeyType::sm2;
  if (id == SGD_SM3_RSA || id == SGD_SHA1_RSA || id == SGD_SHA256_RSA) return key == pki::KeyType::rsa;
  return false;
}

// A parsed response or bare token, with the token checked.
struct Parsed {
  int status = 0;
  Bytes token;
  tsp::TokenVerification v;
};

// STF_TS_OK, or the code to return. A rejection response gives the code of its failInfo.
SGD_UINT32 parse(void* h, const SGD_UINT8* data, SGD_UINT32 len, Parsed& out,
                 std::span<const pki::Certificate> extra = {}) {
  if (!data || len == 0) return fail(h, STF_TS_MALFORMAT, "no timestamp given");
  if (len > kMaxMessage) return fail(h, STF_TS_INDATA_TOOLONG, "timestamp too long");
  ByteView in(data, len);
  auto resp = tsp::parse_response(in);
  if (resp) {
    out.status = static_cast<int>(resp->status);
    if (!resp->token) {
      auto code = resp->fail_info ? code_of(*resp->fail_info) : STF_TS_SYSTEM_FAILURE;
      std::string why = "the TSA refused the request";
      for (auto& t : resp->status_text) why.append(": ").append(t);
      return fail(h, code, why);
    }
    out.token = std::move(*resp->token);
  } else {
    out.token.assign(in.begin(), in.end());
  }
  auto v = tsp::verify_token(out.token, extra);
  if (!v) return fail(h, STF_TS_MALFORMAT, "not a timestamp response or token: " + v.error().detail);
  out.v = std::move(*v);
  return STF_TS_OK;
}

std::string attribute(const pki::Name& n, const asn1::Oid& type) {
  auto* a = n.find(type);
  return a ? a->value : std::string();
}

std::string gen_time_text(std::int64_t ms) { return asn1::format_generalized_time(ms).value_or(""); }

std::string issuer_name(const Parsed& p) {
  if (p.v.signer) return attribute(p.v.signer->subject(), asn1::oid::kCommonName);
  auto n = pki::Name::parse_der(p.v.tst.tsa_name_der);
  return n ? attribute(*n, asn1::oid::kCommonName) : std::string();
}

template <typename F>
SGD_UINT32 guarded(void* h, F&& f) {
  try {
    return f();
  } catch (const std::bad_alloc&) {
    return fail(h, STF_TS_SYSTEM_FAILURE, "out of memory");
  } catch (...) {
    return fail(h, STF_TS_SYSTEM_FAILURE, "internal error");
  }
}
}  // namespace

extern "C" {

STF_API SGD_UINT32 STF_InitEnvironment(void** phTSHandle) {
  if (!phTSHandle) return STF_TS_INVALID_REQUEST;
  return guarded(nullptr, [&]() -> SGD_UINT32 {
    auto* h = new Handle();
    if (const char* url = std::getenv("MEDSIGN_TSA_URL"); url && *url) h->url = url;
    *phTSHandle = h;
    return STF_TS_OK;
  });
}

STF_API SGD_UINT32 STF_ClearEnvironment(void* hTSHandle) {
  if (!hTSHandle) return STF_TS_INVALID_REQUEST;
  delete static_cast<Handle*>(hTSHandle);
  return STF_TS_OK;
}

STF_API SGD_UINT32 MSTF_SetServer(void* hTSHandle, const char* pszUrl, SGD_UINT32 uiTimeoutMs) {
  if (!hTSHandle || !pszUrl) return STF_TS_INVALID_REQUEST;
  return guarded(hTSHandle, [&]() -> SGD_UINT32 {
    auto* h = static_cast<Handle*>(hTSHandle);
    std::string url(pszUrl);
    if (url.rfind("http://", 0) != 0 && url.rfind("tcp://", 0) != 0)
      return fail(h, STF_TS_INVALID_REQUEST, "the URL must start with http:// or tcp://");
    h->url = url;
    h->timeout_ms = uiTimeoutMs ? static_cast<int>(std::min<SGD_UINT32>(uiTimeoutMs, 600000)) : 10000;
    return ok(h);
  });
}

STF_API const char* MSTF_GetLastErrorText(void* hTSHandle) {
  return hTSHandle ? static_cast<Handle*>(hTSHandle)->last_error.c_str() : "no handle";
}

STF_API SGD_UINT32 MSTF_Digest(SGD_UINT32 uiHashAlgID, const SGD_UINT8* pucData, SGD_UINT32 uiDataLength,
                               SGD_UINT8* pucDigest, SGD_UINT32* puiDigestLength) {
  if (!pucData && uiDataLength) return STF_TS_INVALID_REQUEST;
  return guarded(nullptr, [&]() -> SGD_UINT32 {
    auto alg = hash_of(uiHashAlgID);
    if (!alg) return STF_TS_INVALID_ALG;
    Bytes d = cms::digest(*alg, ByteView(pucData, uiDataLength));
    return put(nullptr, d, false, pucDigest, puiDigestLength);
  });
}

STF_API SGD_UINT32 STF_CreateTSRequest(void* hTSHandle, SGD_UINT8* pucInData, SGD_UINT32 uiInDataLength,
                                       SGD_UINT32 uiReqType, SGD_UINT8* pucTSExt, SGD_UINT32 uiTSExtLength,
                                       SGD_UINT32 uiHashAlgID, SGD_UINT8* pucTSRequest,
                                       SGD_UINT32* puiTSRequestLength) {
  if (!hTSHandle) return STF_TS_INVALID_REQUEST;
  return guarded(hTSHandle, [&]() -> SGD_UINT32 {
    if (!pucInData && uiInDataLength) return fail(hTSHandle, STF_TS_INVALID_REQUEST, "no input data");
    if (uiInDataLength > kMaxInData) return fail(hTSHandle, STF_TS_INDATA_TOOLONG, "input data longer than 256 MiB");
    if (uiReqType != STF_REQ_WITH_CERT && uiReqType != STF_REQ_WITHOUT_CERT)
      return fail(hTSHandle, STF_TS_INVALID_REQUEST, "uiReqType: 0 (with certificate) or 1 (without)");
    if (pucTSExt && uiTSExtLength)
      return fail(hTSHandle, STF_TS_UNACCEPTED_EXTENSION, "request extensions are not supported");
    auto alg = hash_of(uiHashAlgID);
    if (!alg) return fail(hTSHandle, STF_TS_INVALID_ALG, alg.error().detail);
    tsp::TimeStampRequest req;
    req.imprint = {*alg, cms::digest(*alg, ByteView(pucInData, uiInDataLength))};
    req.cert_req = uiReqType == STF_REQ_WITH_CERT;
    Bytes nonce(8);
    if (RAND_bytes(nonce.data(), static_cast<int>(nonce.size())) != 1)
      return fail(hTSHandle, STF_TS_SYSTEM_FAILURE, "no random nonce");
    nonce[0] = static_cast<std::uint8_t>((nonce[0] & 0x7f) | 0x01);  // positive, minimal
    req.nonce = nonce;
    auto der = tsp::encode_request(req);
    if (!der) return fail(hTSHandle, STF_TS_SYSTEM_FAILURE, der.error().detail);
    return put(hTSHandle, *der, false, pucTSRequest, puiTSRequestLength);
  });
}

STF_API SGD_UINT32 STF_CreateTSResponse(void* hTSHandle, SGD_UINT8* pucTSRequest, SGD_UINT32 uiTSRequestLength,
                                        SGD_UINT32 uiSignatureAlgID, SGD_UINT8* pucTSResponse,
                                        SGD_UINT32* puiTSResponseLength) {
  if (!hTSHandle) return STF_TS_INVALID_REQUEST;
  return guarded(hTSHandle, [&]() -> SGD_UINT32 {
    auto* h = static_cast<Handle*>(hTSHandle);
    if (!pucTSRequest || uiTSRequestLength == 0) return fail(h, STF_TS_INVALID_REQUEST, "no request");
    if (uiTSRequestLength > kMaxMessage) return fail(h, STF_TS_INDATA_TOOLONG, "request too long");
    ByteView request(pucTSRequest, uiTSRequestLength);
    tsp::RequestRejection rej{};
    if (!tsp::parse_request(request, &rej)) return fail(h, code_of(rej.fail_info), "malformed request: " + rej.text);
    std::string url = h->url;
    if (uiSignatureAlgID != 0) {
      if (!signature_fits(uiSignatureAlgID, pki::KeyType::sm2) && !signature_fits(uiSignatureAlgID, pki::KeyType::rsa))
        return fail(h, STF_TS_INVALID_ALG, "unsupported signature algorithm id " + std::to_string(uiSignatureAlgID));
      if (url.rfind("http://", 0) == 0 && url.size() > 4 && url.ends_with("/tsa") &&
          url.find('/', 7) == url.size() - 4)
        url.append(uiSignatureAlgID == SGD_SM3_SM2 ? "/sm2" : "/rsa");
    }
    auto resp = sdk::exchange(url, request, h->timeout_ms);
    if (!resp) return fail(h, STF_TS_SERVER_ERROR, resp.error().detail);
    Parsed p;
    SGD_UINT32 code = parse(h, resp->data(), static_cast<SGD_UINT32>(resp->size()), p);
    if (code == STF_TS_OK && p.v.signer && !signature_fits(uiSignatureAlgID, p.v.signer->key_type()))
      code = fail(h, STF_TS_INVALID_ALG, "the TSA signed with another algorithm than requested");
    SGD_UINT32 copied = put(h, *resp, false, pucTSResponse, puiTSResponseLength);
    if (copied != STF_TS_OK) return copied;
    if (code != STF_TS_OK) return code;  // last_error set by parse()
    return ok(h);
  });
}

STF_API SGD_UINT32 STF_VerifyTSValidity(void* hTSHandle, SGD_UINT8* pucTSResponse, SGD_UINT32 uiTSResponseLength,
                                        SGD_UINT32 uiHashAlgID, SGD_UINT32 uiSignatureAlgID, SGD_UINT8* pucTSCert,
                                        SGD_UINT32 uiTSCertLength) {
  if (!hTSHandle) return STF_TS_INVALID_REQUEST;
  return guarded(hTSHandle, [&]() -> SGD_UINT32 {
    std::vector<pki::Certificate> given;
    if (pucTSCert && uiTSCertLength) {
      auto c = pki::Certificate::parse(ByteView(pucTSCert, uiTSCertLength));
      if (!c) return fail(hTSHandle, STF_TS_INVALID_DATAFORMAT, "the TSA certificate is not a certificate");
      given.push_back(std::move(*c));
    }
    Parsed p;
    if (auto code = parse(hTSHandle, pucTSResponse, uiTSResponseLength, p, given); code != STF_TS_OK) return code;
    if (!p.v.ok) return fail(hTSHandle, STF_TS_INVALID_SIGNATURE, p.v.problem);
    if (!given.empty() && (!p.v.signer || p.v.signer->der() != given.front().der()))
      return fail(hTSHandle, STF_TS_INVALID_SIGNATURE, "the token is not signed by the given TSA certificate");
    if (uiHashAlgID != 0) {
      auto alg = hash_of(uiHashAlgID);
      if (!alg || *alg != p.v.tst.imprint.algorithm)
        return fail(hTSHandle, STF_TS_INVALID_ALG, "the token's imprint uses another hash algorithm");
    }
    if (!p.v.signer || !signature_fits(uiSignatureAlgID, p.v.signer->key_type()))
      return fail(hTSHandle, STF_TS_INVALID_ALG, "the token is signed with another algorithm");
    return ok(hTSHandle);
  });
}

STF_API SGD_UINT32 STF_GetTSInfo(void* hTSHandle, SGD_UINT8* pucTSResponse, SGD_UINT32 uiTSResponseLength,
                                 SGD_UINT8* pucIssuerName, SGD_UINT32* puiIssuerNameLength, SGD_UINT8* pucTime,
                                 SGD_UINT32* puiTimeLength) {
  if (!hTSHandle) return STF_TS_INVALID_REQUEST;
  return guarded(hTSHandle, [&]() -> SGD_UINT32 {
    Parsed p;
    if (auto code = parse(hTSHandle, pucTSResponse, uiTSResponseLength, p); code != STF_TS_OK) return code;
    std::string name = issuer_name(p), time = gen_time_text(p.v.tst.gen_time_ms);
    SGD_UINT32 a = put(hTSHandle, as_bytes(name), true, pucIssuerName, puiIssuerNameLength);
    SGD_UINT32 b = put(hTSHandle, as_bytes(time), true, pucTime, puiTimeLength);
    return a != STF_TS_OK ? a : b;
  });
}

STF_API SGD_UINT32 STF_GetTSDetail(void* hTSHandle, SGD_UINT8* pucTSResponse, SGD_UINT32 uiTSResponseLength,
                                   SGD_UINT32 uiItemNumber, SGD_UINT8* pucItemValue, SGD_UINT32* puiItemValueLength) {
  if (!hTSHandle) return STF_TS_INVALID_REQUEST;
  return guarded(hTSHandle, [&]() -> SGD_UINT32 {
    SGD_UINT32 item = uiItemNumber >= 0x201 && uiItemNumber <= 0x20C ? uiItemNumber - 0x200 : uiItemNumber;
    if (item < 1 || item > 12) return fail(hTSHandle, STF_TS_INVALID_ITEM, "item numbers: 1 to 12 or 0x201 to 0x20C");
    Parsed p;
    if (auto code = parse(hTSHandle, pucTSResponse, uiTSResponseLength, p); code != STF_TS_OK) return code;
    auto text = [&](const std::string& s) { return put(hTSHandle, as_bytes(s), true, pucItemValue, puiItemValueLength); };
    auto binary = [&](ByteView b) { return put(hTSHandle, b, false, pucItemValue, puiItemValueLength); };
    const auto& t = p.v.tst;
    pki::Name subject;
    if (p.v.signer) subject = p.v.signer->subject();
    switch (item) {
      case STF_TIME_OF_STAMP: return text(gen_time_text(t.gen_time_ms));
      case STF_CN_OF_TSSIGNER: return text(issuer_name(p));
      case STF_ORIGINAL_DATA: return binary(t.imprint.hashed_message);
      case STF_CERT_OF_TSSERVER:
        if (!p.v.signer) return fail(hTSHandle, STF_TS_INVALID_ITEM, "the token carries no TSA certificate");
        return binary(p.v.signer->der());
      case STF_CERTCHAIN_OF_TSSERVER: {
        auto sd = cms::parse_signed_data(p.token);
        Bytes all;
        if (p.v.signer) all = p.v.signer->der();
        if (sd)
          for (auto& c : sd->certificates)
            if (!p.v.signer || c.der() != p.v.signer->der()) all.insert(all.end(), c.der().begin(), c.der().end());
        return binary(all);
      }
      case STF_SOURCE_OF_TIME: {
        auto n = pki::Name::parse_der(t.tsa_name_der);
        return text(n ? n->to_string() : std::string());
      }
      case STF_TIME_PRECISION: {
        if (!t.accuracy) return text("");
        char buf[48];
        std::snprintf(buf, sizeof buf, "%d.%03d%03d", t.accuracy->seconds, t.accuracy->millis, t.accuracy->micros);
        std::string s(buf);
        while (s.size() > 5 && s.back() == '0') s.pop_back();  // "0.010000" -> "0.010"
        return text(s);
      }
      case STF_RESPONSE_TYPE: return text(std::to_string(p.status));
      case STF_SUBJECT_COUNTRY_OF_TSSIGNER: return text(attribute(subject, asn1::oid::kCountryName));
      case STF_SUBJECT_ORGNIZATION_OF_TSSIGNER: return text(attribute(subject, asn1::oid::kOrganizationName));
      case STF_SUBJECT_CITY_OF_TSSIGNER: return text(attribute(subject, asn1::oid::kLocalityName));
      default: return text(attribute(subject, asn1::oid::kEmailAddress));
    }
  });
}

}  // extern "C"
