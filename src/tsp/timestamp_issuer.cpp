#include "tsp/timestamp_issuer.h"

#include <algorithm>

#include "asn1/oids.h"
#include "asn1/reader.h"
#include "asn1/writer.h"

#include <openssl/evp.h>

namespace medsign::tsp {
namespace id = asn1::oid;

TimestampIssuer::TimestampIssuer(IssuerPolicy policy, std::function<std::optional<std::string>()> clock_problem)
    : policy_(std::move(policy)), clock_problem_(std::move(clock_problem)) {}

Bytes TimestampIssuer::next_serial(std::int64_t now_ms) {
  std::uint32_t n = counter_.fetch_add(1, std::memory_order_relaxed);
  Bytes s(12);
  s[0] = static_cast<std::uint8_t>((policy_.node_id >> 8) & 0x7f) | 0x01;  // positive, never a leading zero
  s[1] = static_cast<std::uint8_t>(policy_.node_id);
  auto ms = static_cast<std::uint64_t>(now_ms);
  for (int i = 0; i < 6; ++i) s[2 + i] = static_cast<std::uint8_t>(ms >> (8 * (5 - i)));
  for (int i = 0; i < 4; ++i) s[8 + i] = static_cast<std::uint8_t>(n >> (8 * (3 - i)));
  return s;
}

Result<Bytes> ess_cert_id_v2(const pki::Certificate& cert, cms::DigestAlgorithm hash) {
  asn1::Writer w;
  w.add_sequence([&](asn1::Writer& scv2) {
    scv2.add_sequence([&](asn1::Writer& certs) {
      certs.add_sequence([&](asn1::Writer& e) {
        if (hash != cms::DigestAlgorithm::sha256)
          e.add_sequence([&](asn1::Writer& a) { a.add_oid(cms::digest_oid(hash)); });
        e.add_octet_string(cms::digest(hash, cert.der()));
        e.add_sequence([&](asn1::Writer& is) {
          is.add_sequence([&](asn1::Writer& gns) {
            gns.add_constructed(asn1::Tag::context(4, true), [&](asn1::Writer& dn) { dn.add_raw(cert.issuer().der()); });
          });
          is.add_integer_bytes(cert.serial());
        });
      });
    });
  });
  return std::move(w).finish();
}

IssueResult TimestampIssuer::respond(const TimestampUnit& unit, ByteView request_der, std::int64_t now_ms) {
  IssueResult out;
  auto reject = [&](FailInfo f, const std::string& text) {
    out.granted = false;
    out.fail_info = f;
    auto r = encode_rejection(f, text);
    out.response = r ? std::move(*r) : Bytes{};
    return out;
  };
  RequestRejection rej{FailInfo::bad_request, ""};
  auto req = parse_request(request_der, &rej);
  if (!req) return reject(rej.fail_info, rej.text);
  if (std::find(policy_.accepted_hashes.begin(), policy_.accepted_hashes.end(), req->imprint.algorithm) ==
      policy_.accepted_hashes.end())
    return reject(FailInfo::bad_alg, "hash algorithm not accepted: " + std::string(cms::digest_name(req->imprint.algorithm)));
  if (!req->extensions.empty())
    return reject(FailInfo::unaccepted_extension, "request extensions are not supported: " + asn1::oid_name(req->extensions[0]));
  asn1::Oid policy = policy_.policy;
  if (req->policy && *req->policy != policy_.policy) {
    if (std::find(policy_.accepted_policies.begin(), policy_.accepted_policies.end(), *req->policy) ==
        policy_.accepted_policies.end())
      return reject(FailInfo::unaccepted_policy, "policy not supported: " + req->policy->to_string());
    policy = *req->policy;
  }
  if (clock_problem_) {
    if (auto problem = clock_problem_()) return reject(FailInfo::time_not_available, *problem);
  }
  TstInfo t;
  t.policy = policy;
  t.imprint = req->imprint;
  t.serial = next_serial(now_ms);
  t.gen_time_ms = now_ms;
  t.accuracy = policy_.accuracy;
  t.ordering = policy_.ordering;
  t.nonce = req->nonce;
  if (policy_.include_tsa_name) t.tsa_name_der = unit.certificate.subject().der();
  auto built = unit.token_template ? unit.token_template->build(unit, t, req->cert_req)
                                   : build_response(unit, t, req->cert_req);
  if (!built) return reject(FailInfo::system_failure, "cannot build the token: " + built.error().detail);
  out.granted = true;
  out.token.assign(built->token().begin(), built->token().end());
  out.response = std::move(built->response);
  out.tst = std::move(t);
  return out;
}

Status TimestampIssuer::prepare(TimestampUnit& unit) const {
  MEDSIGN_ASSIGN(unit.token_template, TokenTemplate::make(unit, policy_));
  return {};
}

Result<BuiltToken> build_response(const TimestampUnit& unit, const TstInfo& t, bool cert_req) {
  MEDSIGN_ASSIGN(Bytes tst_der, encode_tst_info(t));
  MEDSIGN_ASSIGN(Bytes ess, ess_cert_id_v2(unit.certificate, unit.digest));
  cms::SignerSpec signer{unit.certificate, unit.digest, unit.signature, unit.sign, true, std::nullopt,
                         {{id::kSigningCertificateV2, {ess}}}, {}};
  cms::SignRequest sr;
  sr.flavor = unit.flavor;
  sr.content_type = id::kCmsTstInfo;
  sr.content = tst_der;
  sr.include_signer_certificates = cert_req;
  if (cert_req) sr.extra_certificates = unit.chain;
  MEDSIGN_ASSIGN(Bytes token, cms::sign(sr, {&signer, 1}));
  MEDSIGN_ASSIGN(Bytes resp, encode_granted(token));
  BuiltToken b;
  b.token_size = token.size();
  b.token_offset = resp.size() - token.size();
  b.response = std::move(resp);
  return b;
}

Result<TokenVerification> verify_token(ByteView token, std::span<const pki::Certificate> extra,
                                       const MessageImprint* expected_imprint, const Bytes* expected_nonce) {
  MEDSIGN_ASSIGN(auto sd, cms::parse_signed_data(token));
  TokenVerification v;
  auto fail = [&](std::string why) {
    v.ok = false;
    v.problem = std::move(why);
    return v;
  };
  if (sd.content_type != id::kCmsTstInfo) return fail("the token's content is not TSTInfo");
  if (!sd.content) return fail("the token carries no TSTInfo");
  MEDSIGN_ASSIGN(v.tst, parse_tst_info(*sd.content));
  if (sd.signers.size() != 1) return fail("a token has exactly one signer");
  MEDSIGN_ASSIGN(auto checks, cms::verify_signatures(sd, std::nullopt, extra));
  if (checks[0].certificate) v.signer = checks[0].certificate;
  if (!checks[0].ok) return fail(checks[0].problem);
  const pki::Certificate& cert = *checks[0].certificate;
  auto eku = cert.extended_key_usage();
  auto eku_ext = cert.find_extension(id::kExtKeyUsage);
  if (!eku || std::find(eku->begin(), eku->end(), id::kKpTimeStamping) == eku->end() || !eku_ext || !eku_ext->critical)
    return fail("the signer's certificate lacks the critical extended key usage timeStamping");
  // ESS: the signed attributes must name this certificate.
  bool ess_ok = false;
  for (auto& a : sd.signers[0].signed_attributes) {
    if (a.type != id::kSigningCertificateV2 && a.type != id::kSigningCertificate) continue;
    asn1::Reader r(a.values[0]);
    auto scv = r.read_sequence();
    if (!scv) break;
    auto certs = scv->read_sequence();
    if (!certs) break;
    auto first = certs->read_sequence();
    if (!first) break;
    if (a.type == id::kSigningCertificate) {
      auto hash = first->read_octet_string();  // ESSCertID (v1) holds a SHA-1 hash
      Bytes sha1(20);
      unsigned int n = 0;
      EVP_Digest(cert.der().data(), cert.der().size(), sha1.data(), &n, EVP_sha1(), nullptr);
      ess_ok = hash && Bytes(hash->begin(), hash->end()) == sha1;
      break;
    }
    cms::DigestAlgorithm h = cms::DigestAlgorithm::sha256;  // the DEFAULT of ESSCertIDv2
    if (first->peek(asn1::tag::kSequence)) {
      auto alg = first->read_sequence();
      if (!alg) break;
      auto oid = alg->read_oid();
      if (!oid) break;
      auto d = cms::digest_from_oid(*oid);
      if (!d) break;
      h = *d;
    }
    auto hash = first->read_octet_string();
    ess_ok = hash && ct_equal(*hash, cms::digest(h, cert.der()));
    break;
  }
  if (!ess_ok) return fail("the signing-certificate attribute does not identify the signer's certificate");
  if (expected_imprint && (expected_imprint->algorithm != v.tst.imprint.algorithm ||
                           expected_imprint->hashed_message != v.tst.imprint.hashed_message))
    return fail("the token is for other data (message imprint differs)");
  if (expected_nonce && (!v.tst.nonce || *v.tst.nonce != *expected_nonce)) return fail("the nonce differs");
  v.ok = true;
  return v;
}

}  // namespace medsign::tsp
