// Seal structures on arbitrary bytes: SESeal and SES_Signature in both layouts (GM/T 0031-2014, GB/T
// 38540-2020). Whatever decodes must re-encode and decode again to the same fields, and verification must
// answer (never crash) on it.
#include <cstdint>
#include <cstdlib>

#include "seal/sign.h"

namespace {
using namespace medsign;

void check_seal(const seal::Seal& s) {
  auto again = seal::encode_seal(s);
  if (again.ok()) {
    auto d = seal::decode_seal(*again);
    // Re-encoding a decoded seal gives a structure of the same layout (strings may be normalised).
    if (d.ok() && d->version != s.version) std::abort();
  }
  (void)seal::verify_seal(s, 1'700'000'000'000);
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  ByteView in(data, size);
  (void)seal::detect_seal_version(in);
  (void)seal::detect_signature_version(in);
  if (auto s = seal::decode_seal(in); s.ok()) check_seal(*s);
  if (auto sig = seal::decode_signature(in); sig.ok()) {
    check_seal(sig->eseal);
    (void)seal::encode_signature(*sig);
    seal::SignatureCheck c;
    c.now_ms = 1'700'000'000'000;
    c.document_hash = Bytes(32, 0);
    (void)seal::verify_signature(*sig, c);
  }
  return 0;
}
