// TimeStampReq parsing and issuing: any input gets a TimeStampResp that parses, a granted one carries a token
// that verifies for the request's imprint and nonce, and the token template builds it.
#include <cstdint>

#include "services/tsa.h"
#include "tsp/timestamp_issuer.h"

namespace {
struct Tsa {
  medsign::tsp::TimestampUnit unit = medsign::services::make_ephemeral_tsa_unit("fuzz", medsign::crypto::KeyType::sm2).value();
  std::unique_ptr<medsign::tsp::TimestampIssuer> issuer;
  Tsa() {
    medsign::tsp::IssuerPolicy pol;
    pol.policy = medsign::asn1::Oid::from_string("1.2.3.4").value();
    pol.accepted_policies = {medsign::asn1::Oid::from_string("1.2.3.5").value()};
    issuer = std::make_unique<medsign::tsp::TimestampIssuer>(pol, nullptr);
    if (!issuer->prepare(unit).ok()) __builtin_trap();
  }
};
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static Tsa tsa;
  medsign::ByteView in(data, size);
  medsign::tsp::RequestRejection rej{medsign::tsp::FailInfo::bad_request, ""};
  auto req = medsign::tsp::parse_request(in, &rej);
  auto r = tsa.issuer->respond(tsa.unit, in, 1764246896123);
  auto resp = medsign::tsp::parse_response(r.response);
  if (!resp.ok()) __builtin_trap();
  if (r.granted) {
    if (!req.ok() || resp->status != medsign::tsp::PkiStatus::granted) __builtin_trap();
    std::vector<medsign::pki::Certificate> extra{tsa.unit.certificate};
    auto v = medsign::tsp::verify_token(r.token, extra, &req->imprint, req->nonce ? &*req->nonce : nullptr);
    if (!v.ok() || !v->ok) __builtin_trap();
  } else if (resp->status != medsign::tsp::PkiStatus::rejection || !resp->fail_info) {
    __builtin_trap();
  }
  return 0;
}
