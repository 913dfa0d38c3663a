// libFuzzer target: pki::CertificationRequest::parse_der and parse (PEM) on arbitrary bytes. An accepted
// request must keep its exact DER, survive a PEM round trip, find each requested extension by OID, and go
// through signature verification without crashing.
#include <cstddef>
#include <cstdint>
#include <cstdlib>

#include "pki/csr.h"

using namespace medsign;
using namespace medsign::pki;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  ByteView in(data, size);
  auto csr = CertificationRequest::parse_der(in);
  if (csr.ok()) {
    if (csr->der() != Bytes(in.begin(), in.end())) std::abort();
    auto again = CertificationRequest::parse_pem(csr->to_pem());
    if (!again.ok() || again->info_der() != csr->info_der()) std::abort();
    for (const Extension& e : csr->requested_extensions())
      if (csr->find_requested_extension(e.oid) == nullptr) std::abort();
    (void)csr->verify_signature();
    (void)csr->subject().to_string();
  }
  (void)CertificationRequest::parse(in);
  return 0;
}
