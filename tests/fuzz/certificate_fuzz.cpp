// libFuzzer target: pki::Certificate::parse_der and parse_pem on arbitrary bytes. An accepted
// certificate must produce JSON, survive a PEM round trip unchanged, and keep its exact DER.
#include <cstddef>
#include <cstdint>
#include <cstdlib>

#include <nlohmann/json.hpp>

#include "asn1/oids.h"
#include "pki/certificate.h"

using namespace medsign;
using namespace medsign::pki;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  ByteView in(data, size);
  auto cert = Certificate::parse_der(in);
  if (cert.ok()) {
    if (cert->der() != Bytes(in.begin(), in.end())) std::abort();
    (void)cert->to_json().dump();
    auto again = Certificate::parse_pem(cert->to_pem());
    if (!again.ok() || again->size() != 1 || again->front().der() != cert->der()) std::abort();
    if (again->front().tbs_der() != cert->tbs_der()) std::abort();
    (void)cert->verify_signature(*cert);
    (void)cert->info_by_oid(asn1::oid::kGmIdentifyCode);
    (void)cert->info_by_oid(asn1::oid::kCommonName);
  }
  (void)Certificate::parse_pem(as_chars(in));
  return 0;
}
