// libFuzzer target: pki::Crl::parse_der and parse_pem on arbitrary bytes. An accepted CRL must keep
// its exact DER, survive a PEM round trip, find each of its entries by serial, and go through
// verification and the CrlStore without crashing.
#include <cstddef>
#include <cstdint>
#include <cstdlib>

#include "pki/crl.h"
#include "pki/crl_store.h"

using namespace medsign;
using namespace medsign::pki;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  ByteView in(data, size);
  auto crl = Crl::parse_der(in);
  if (crl.ok()) {
    if (crl->der() != Bytes(in.begin(), in.end())) std::abort();
    auto again = Crl::parse_pem(crl->to_pem());
    if (!again.ok() || again->size() != 1 || again->front().tbs_der() != crl->tbs_der()) std::abort();
    for (const RevokedCertificate& e : crl->revoked()) {
      const RevokedCertificate* found = crl->find(e.serial);
      if (!found || found->serial != e.serial) std::abort();
      if (e.reason) (void)crl_reason_name(*e.reason);
    }
    if (crl->crl_number()) (void)compare_magnitudes(*crl->crl_number(), *crl->crl_number());
  }
  (void)Crl::parse_pem(as_chars(in));
  return 0;
}
