#include "services/svs_protocol.h"

#include "asn1/der_time.h"
#include "asn1/oids.h"
#include "asn1/reader.h"
#include "common/clock.h"
#include "crypto/sm2/sm2.h"

namespace medsign::services {
namespace {

constexpr std::int64_t kSgdSm3Sm2 = 0x00020201, kSgdSm3Sm2Alt = 0x00020101, kSgdSha256Rsa = 0x00010004,
                       kSgdSm3Rsa = 0x00010001;

bool method_fits(std::int64_t method, crypto::SignatureAlg alg) {
  if (alg == crypto::SignatureAlg::sm2_sm3) return method == kSgdSm3Sm2 || method == kSgdSm3Sm2Alt;
  if (alg == crypto::SignatureAlg::rsa_pkcs1_sha256) return method == kSgdSha256Rsa;
  return false;
}

std::string str(const std::optional<Bytes>& b) { return b ? std::string(b->begin(), b->end()) : std::string(); }

std::string name_item(const pki::Name& n, const asn1::Oid& type) {
  auto v = n.values(type);
  std::string out;
  for (const auto& s : v) {
    if (!out.empty()) out += ',';
    out += s;
  }
  return out;
}

Result<std::shared_ptr<const pki::Certificate>> request_certificate(SvsService& svs, const svs::Request& req) {
  if (req.cert_type && *req.cert_type == 2) {
    std::string sn = req.cert_sn ? hex_encode(*req.cert_sn) : std::string();
    for (const auto& k : svs.keys()) {
      if (k.certificate.serial_hex() == sn) return std::make_shared<const pki::Certificate>(k.certificate);
    }
    return Error(Errc::not_found, "no certificate with serial number " + sn + " on this server");
  }
  if (!req.cert) return Error(Errc::missing_field, "cert");
  return svs.parse_certificate(*req.cert);
}

void finish(SvsService& svs, const Caller& c, const svs::Request& req, svs::Response resp, std::string key,
            ByteView data, std::string detail, SvsAnswer answer) {
  std::string result = resp.resp_value == svs::kSuccess ? "success" : std::string(svs::resp_code_name(resp.resp_value));
  auto shared = std::make_shared<svs::Response>(std::move(resp));
  svs.record(c, std::string("gmt0029.") + std::string(svs::req_type_name(req.type)), key, data, std::move(result),
             std::move(detail), [shared, answer = std::move(answer)](const Status& st) {
               if (!st) {
                 shared->resp_value = svs::kSystemFailure;
                 shared->signature.reset();
                 shared->signed_message.reset();
                 shared->cert.reset();
               }
               answer(std::move(*shared));
             });
}

Result<crypto::sm2::PublicKey> sm2_public_key(ByteView b) {
  if (b.size() == 64) return crypto::sm2::PublicKey::from_coordinates(b.subspan(0, 32), b.subspan(32));
  if (!b.empty() && b[0] == 0x30) {
    asn1::Reader outer(b);
    MEDSIGN_ASSIGN(asn1::Reader spki, outer.read_sequence());
    MEDSIGN_TRY(spki.read_any());
    MEDSIGN_ASSIGN(asn1::BitString bits, spki.read_bit_string());
    return crypto::sm2::PublicKey::decode(bits.bytes);
  }
  return crypto::sm2::PublicKey::decode(b);
}

bool is_sm2_method(std::int64_t m) { return m == kSgdSm3Sm2 || m == kSgdSm3Sm2Alt; }

}  // namespace

Result<svs::StateHash> method_hash(std::int64_t m) {
  if (m == kSgdSm3Sm2 || m == kSgdSm3Sm2Alt || m == kSgdSm3Rsa) return svs::StateHash::sm3;
  if (m == kSgdSha256Rsa) return svs::StateHash::sha256;
  return Error(Errc::invalid_argument, "signMethod " + std::to_string(m) + " is not supported");
}

Result<svs::HashState> start_hash(std::int64_t sign_method, std::optional<ByteView> signer_public_key,
                                  std::optional<ByteView> signer_id) {
  MEDSIGN_ASSIGN(svs::StateHash h, method_hash(sign_method));
  svs::HashState st(h);
  if (signer_public_key && !signer_public_key->empty() && is_sm2_method(sign_method)) {
    auto key = sm2_public_key(*signer_public_key);
    if (!key) return Error(Errc::invalid_argument, "signerPublicKey is not an SM2 public key: " + key.error().detail);
    std::string_view id = crypto::sm2::kDefaultId;
    if (signer_id && !signer_id->empty()) id = std::string_view(reinterpret_cast<const char*>(signer_id->data()), signer_id->size());
    MEDSIGN_ASSIGN(crypto::sm2::Bytes32 z, crypto::sm2::compute_z(*key, id));
    st.update(ByteView(z.data(), z.size()));
  }
  return st;
}

Result<Bytes> sm2_z(ByteView public_key, std::optional<ByteView> signer_id) {
  auto key = sm2_public_key(public_key);
  if (!key) return Error(Errc::invalid_argument, "not an SM2 public key: " + key.error().detail);
  std::string_view id = crypto::sm2::kDefaultId;
  if (signer_id && !signer_id->empty()) id = std::string_view(reinterpret_cast<const char*>(signer_id->data()), signer_id->size());
  MEDSIGN_ASSIGN(crypto::sm2::Bytes32 z, crypto::sm2::compute_z(*key, id));
  return Bytes(z.begin(), z.end());
}

Result<Bytes> final_digest(std::int64_t sign_method, ByteView hash_value) {
  MEDSIGN_ASSIGN(svs::StateHash h, method_hash(sign_method));
  if (hash_value.size() == 32) return Bytes(hash_value.begin(), hash_value.end());
  MEDSIGN_ASSIGN(svs::HashState st, svs::HashState::parse(hash_value));
  if (st.algorithm() != h) return Error(Errc::invalid_argument, "hashValue was started for another signMethod");
  return st.digest();
}

Result<Bytes> certificate_item(const pki::Certificate& cert, std::int64_t info_type) {
  namespace o = asn1::oid;
  auto ext = [&](const asn1::Oid& oid) -> Result<Bytes> {
    const auto* e = cert.find_extension(oid);
    if (!e) return Error(Errc::not_found, "the certificate has no " + asn1::oid_name(oid) + " extension");
    return e->value;
  };
  auto text = [](const std::string& s) -> Result<Bytes> { return Bytes(s.begin(), s.end()); };
  switch (info_type) {
    case 0x01: return text(std::to_string(cert.version()));
    case 0x02: return text(cert.serial_hex());
    case 0x05: return text(cert.issuer().to_string());
    case 0x06: return text(asn1::format_iso8601(cert.not_before_ms()) + "," + asn1::format_iso8601(cert.not_after_ms()));
    case 0x07: return text(cert.subject().to_string());
    case 0x08: return cert.public_key().der;
    case 0x11: return ext(o::kAuthorityKeyIdentifier);
    case 0x12: return ext(o::kSubjectKeyIdentifier);
    case 0x13: return ext(o::kKeyUsage);
    case 0x14: return ext(o::kPrivateKeyUsagePeriod);
    case 0x15: return ext(o::kCertificatePolicies);
    case 0x16: return ext(o::kPolicyMappings);
    case 0x17: return ext(o::kBasicConstraints);
    case 0x18: return ext(o::kPolicyConstraints);
    case 0x19: return ext(o::kExtKeyUsage);
    case 0x1A: return ext(o::kCrlDistributionPoints);
    case 0x21: return text(name_item(cert.issuer(), o::kCommonName));
    case 0x22: return text(name_item(cert.issuer(), o::kOrganizationName));
    case 0x23: return text(name_item(cert.issuer(), o::kOrganizationalUnitName));
    case 0x31: return text(name_item(cert.subject(), o::kCommonName));
    case 0x32: return text(name_item(cert.subject(), o::kOrganizationName));
    case 0x33: return text(name_item(cert.subject(), o::kOrganizationalUnitName));
    case 0x34: return text(name_item(cert.subject(), o::kEmailAddress));
    case 0x35: return text(asn1::format_iso8601(cert.not_before_ms()));
    case 0x36: return text(asn1::format_iso8601(cert.not_after_ms()));
    default: return Error(Errc::invalid_argument, "unknown certificate item " + std::to_string(info_type));
  }
}

void svs_handle(SvsService& svs, const svs::Request& req, const std::string& source, SvsAnswer answer) {
  const std::int64_t now = unix_millis();
  svs::Response resp = svs::make_response(req, svs::kSuccess, now);
  auto caller = svs.caller_for_address(source);
  if (!caller) {
    // No application to attribute the call to: answer without a log row (nothing was done).
    resp.resp_value = svs::kErrorBase;
    return answer(std::move(resp));
  }
  const Caller& c = *caller;
  auto fail = [&](const Error& e, std::uint32_t code, std::string key, ByteView data) {
    resp.resp_value = code;
    finish(svs, c, req, std::move(resp), std::move(key), data, e.detail, std::move(answer));
  };
  switch (req.type) {
    case svs::ReqType::export_cert: {
      auto cert = svs.export_certificate(str(req.identification));
      if (!cert) return fail(cert.error(), svs::kErrorCertId, str(req.identification), {});
      resp.cert = std::move(cert).value();
      return finish(svs, c, req, std::move(resp), str(req.identification), {}, "", std::move(answer));
    }
    case svs::ReqType::parse_cert: {
      auto cert = pki::Certificate::parse_der(*req.cert);
      if (!cert) return fail(cert.error(), svs::kErrorCertDecode, "", *req.cert);
      auto item = certificate_item(*cert, *req.info_type);
      if (!item) return fail(item.error(), svs::kErrorCertInfoType, cert->serial_hex(), *req.cert);
      resp.info = std::move(item).value();
      return finish(svs, c, req, std::move(resp), cert->serial_hex(), *req.cert, "", std::move(answer));
    }
    case svs::ReqType::validate_cert: {
      auto cert = pki::Certificate::parse_der(*req.cert);
      if (!cert) return fail(cert.error(), svs::kErrorCertDecode, "", *req.cert);
      SvsVerdict v = svs.check_certificate_for(&c, *cert, 2, now);
      if (v.ok || v.code == svs::kErrorCertRevoked) {
        resp.state = v.ok ? 0 : 1;
      } else {
        resp.resp_value = v.code;
      }
      return finish(svs, c, req, std::move(resp), cert->serial_hex(), *req.cert, v.reason, std::move(answer));
    }
    case svs::ReqType::sign_data: {
      std::string key = std::to_string(*req.key_index);
      auto k = svs.find_key(key);
      if (!k) return fail(k.error(), svs::kErrorKeyIndex, key, *req.in_data);
      if (!method_fits(*req.sign_method, (*k)->alg)) {
        return fail(Error(Errc::invalid_argument, "signMethod does not fit the key"), svs::kErrorSignMethod, key,
                    *req.in_data);
      }
      auto sig = svs.sign_data(c, key, *req.in_data, str(req.key_value));
      if (!sig) return fail(sig.error(), svs_code_for(sig.error()), key, *req.in_data);
      resp.signature = std::move(sig).value();
      return finish(svs, c, req, std::move(resp), key, *req.in_data, "", std::move(answer));
    }
    case svs::ReqType::verify_signed_data: {
      auto cert = request_certificate(svs, req);
      if (!cert) {
        return fail(cert.error(), cert.error().code == Errc::not_found ? svs::kErrorCert : svs::kErrorCertDecode, "",
                    *req.in_data);
      }
      SvsVerdict v = svs.verify_data(**cert, *req.in_data, *req.signature, static_cast<int>(*req.verify_level), now, &c);
      resp.resp_value = v.ok ? svs::kSuccess : v.code;
      return finish(svs, c, req, std::move(resp), (*cert)->serial_hex(), *req.in_data, v.reason, std::move(answer));
    }
    case svs::ReqType::sign_message: {
      std::string key = std::to_string(*req.key_index);
      auto k = svs.find_key(key);
      if (!k) return fail(k.error(), svs::kErrorKeyIndex, key, *req.in_data);
      if (!method_fits(*req.sign_method, (*k)->alg)) {
        return fail(Error(Errc::invalid_argument, "signMethod does not fit the key"), svs::kErrorSignMethod, key,
                    *req.in_data);
      }
      SignMessageOptions o;
      o.detached = !req.original_text;
      o.include_chain = req.certificate_chain;
      o.signed_attributes = req.authentication_attributes;
      if (req.hash_flag) o.content_digest = *req.in_data;  // inData is the content's digest
      auto p7 = svs.sign_message(c, key, *req.in_data, str(req.key_value), o, now);
      if (!p7) return fail(p7.error(), svs_code_for(p7.error()), key, *req.in_data);
      resp.signed_message = std::move(p7).value();
      return finish(svs, c, req, std::move(resp), key, *req.in_data, "", std::move(answer));
    }
    case svs::ReqType::verify_signed_message: {
      std::optional<ByteView> detached;
      if (req.in_data && !req.in_data->empty()) detached = ByteView(*req.in_data);
      auto v = svs.verify_message(*req.signed_message, detached, 1, now, &c);
      resp.resp_value = v.verdict.ok ? svs::kSuccess : v.verdict.code;
      return finish(svs, c, req, std::move(resp), v.signer ? v.signer->serial_hex() : std::string(),
                    *req.signed_message, v.verdict.reason, std::move(answer));
    }
    case svs::ReqType::sign_data_init:
    case svs::ReqType::verify_signed_data_init:
    case svs::ReqType::sign_message_init:
    case svs::ReqType::verify_signed_message_init: {
      bool data_family = req.type == svs::ReqType::sign_data_init || req.type == svs::ReqType::verify_signed_data_init;
      std::optional<ByteView> pub, id;
      if (data_family && req.signer_public_key) pub = ByteView(*req.signer_public_key);
      if (req.signer_id) id = ByteView(*req.signer_id);
      auto st = start_hash(*req.sign_method, pub, id);
      if (!st) {
        return fail(st.error(), method_hash(*req.sign_method) ? svs::kInvalidDataFormat : svs::kErrorSignMethod, "",
                    *req.in_data);
      }
      st->update(*req.in_data);
      resp.hash_value = st->encode();
      return finish(svs, c, req, std::move(resp), "", *req.in_data, "", std::move(answer));
    }
    case svs::ReqType::sign_data_update:
    case svs::ReqType::verify_signed_data_update:
    case svs::ReqType::sign_message_update:
    case svs::ReqType::verify_signed_message_update: {
      auto h = method_hash(*req.sign_method);
      if (!h) return fail(h.error(), svs::kErrorSignMethod, "", *req.in_data);
      auto st = svs::HashState::parse(*req.hash_value);
      if (!st) return fail(st.error(), svs::kInvalidDataFormat, "", *req.in_data);
      if (st->algorithm() != *h) {
        return fail(Error(Errc::invalid_argument, "hashValue was started for another signMethod"), svs::kErrorSignMethod,
                    "", *req.in_data);
      }
      st->update(*req.in_data);
      resp.hash_value = st->encode();
      return finish(svs, c, req, std::move(resp), "", *req.in_data, "", std::move(answer));
    }
    case svs::ReqType::sign_data_final:
    case svs::ReqType::sign_message_final: {
      std::string key = std::to_string(*req.key_index);
      auto k = svs.find_key(key);
      if (!k) return fail(k.error(), svs::kErrorKeyIndex, key, *req.hash_value);
      if (!method_fits(*req.sign_method, (*k)->alg)) {
        return fail(Error(Errc::invalid_argument, "signMethod does not fit the key"), svs::kErrorSignMethod, key,
                    *req.hash_value);
      }
      auto digest = final_digest(*req.sign_method, *req.hash_value);
      if (!digest) return fail(digest.error(), svs::kInvalidDataFormat, key, *req.hash_value);
      if (req.type == svs::ReqType::sign_data_final) {
        auto sig = svs.sign_digest(c, key, *digest, str(req.key_value));
        if (!sig) return fail(sig.error(), svs_code_for(sig.error()), key, *digest);
        resp.signature = std::move(sig).value();
      } else {
        SignMessageOptions o;
        o.content_digest = *digest;
        auto p7 = svs.sign_message(c, key, {}, str(req.key_value), o, now);
        if (!p7) return fail(p7.error(), svs_code_for(p7.error()), key, *digest);
        resp.signed_message = std::move(p7).value();
      }
      return finish(svs, c, req, std::move(resp), key, *digest, "", std::move(answer));
    }
    case svs::ReqType::verify_signed_data_final: {
      auto digest = final_digest(*req.sign_method, *req.hash_value);
      if (!digest) {
        return fail(digest.error(), method_hash(*req.sign_method) ? svs::kInvalidDataFormat : svs::kErrorSignMethod, "",
                    *req.hash_value);
      }
      auto cert = request_certificate(svs, req);
      if (!cert) {
        return fail(cert.error(), cert.error().code == Errc::not_found ? svs::kErrorCert : svs::kErrorCertDecode, "",
                    *digest);
      }
      bool sm2_cert = (*cert)->key_type() == pki::KeyType::sm2;
      if (sm2_cert != is_sm2_method(*req.sign_method)) {
        return fail(Error(Errc::invalid_argument, "signMethod does not fit the certificate's key"),
                    svs::kErrorSignMethod, (*cert)->serial_hex(), *digest);
      }
      SvsVerdict v = svs.verify_digest(**cert, *digest, *req.signature, static_cast<int>(*req.verify_level), now, &c);
      resp.resp_value = v.ok ? svs::kSuccess : v.code;
      return finish(svs, c, req, std::move(resp), (*cert)->serial_hex(), *digest, v.reason, std::move(answer));
    }
    case svs::ReqType::verify_signed_message_final: {
      auto digest = final_digest(*req.sign_method, *req.hash_value);
      if (!digest) {
        return fail(digest.error(), method_hash(*req.sign_method) ? svs::kInvalidDataFormat : svs::kErrorSignMethod, "",
                    *req.signed_message);
      }
      cms::ContentDigest cd;
      cd.algorithm = method_hash(*req.sign_method).value() == svs::StateHash::sm3 ? cms::DigestAlgorithm::sm3
                                                                                   : cms::DigestAlgorithm::sha256;
      cd.value = *digest;
      auto v = svs.verify_message_digest(*req.signed_message, cd, 1, now, &c);
      resp.resp_value = v.verdict.ok ? svs::kSuccess : v.verdict.code;
      return finish(svs, c, req, std::move(resp), v.signer ? v.signer->serial_hex() : std::string(),
                    *req.signed_message, v.verdict.reason, std::move(answer));
    }
  }
  return fail(Error(Errc::invalid_argument, "unknown request type"), svs::kInvalidDataFormat, "", {});
}

void svs_handle_der(SvsService& svs, ByteView der, const std::string& source, std::function<void(Bytes)> answer) {
  auto req = svs::decode_request(der);
  if (!req) {
    svs::Response r;
    r.resp_value = svs::kInvalidDataFormat;
    r.time_ms = unix_millis();
    // Answer with the type the message named, when it got that far.
    if (auto t = svs::peek_request_type(der)) r.type = *t;
    return answer(svs::encode_response(r).value_or(Bytes{}));
  }
  svs_handle(svs, *req, source, [answer = std::move(answer)](svs::Response r) {
    answer(svs::encode_response(r).value_or(Bytes{}));
  });
}

}  // namespace medsign::services
