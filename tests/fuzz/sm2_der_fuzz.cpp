// libFuzzer target: SM2 decoders (signature DER, ciphertext DER and raw forms, point encodings) on
// arbitrary bytes. Decoders must never crash, and anything they accept must re-encode consistently.
#include <cstddef>
#include <cstdint>
#include <cstdlib>

#include "crypto/sm2/sm2.h"

using namespace medsign;
using namespace medsign::crypto::sm2;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  ByteView in(data, size);

  if (auto sig = decode_signature_der(in); sig.ok()) {
    // Strict DER: an accepted signature has exactly one encoding.
    if (encode_signature_der(*sig) != Bytes(in.begin(), in.end())) std::abort();
  }
  if (auto ct = decode_ciphertext_der(in); ct.ok()) {
    if (encode_ciphertext_der(*ct) != Bytes(in.begin(), in.end())) std::abort();
  }
  for (CiphertextOrder order : {CiphertextOrder::c1c3c2, CiphertextOrder::c1c2c3}) {
    if (auto ct = decode_ciphertext_raw(in, order); ct.ok()) {
      if (encode_ciphertext_raw(*ct, order) != Bytes(in.begin(), in.end())) std::abort();
    }
  }
  if (auto pub = PublicKey::decode(in); pub.ok()) {
    for (PointFormat f : {PointFormat::uncompressed, PointFormat::compressed, PointFormat::hybrid}) {
      auto again = PublicKey::decode(pub->encode(f));
      if (!again.ok() || !(*again == *pub)) std::abort();
    }
  }
  if (size >= 32) {
    // A digest and a signature taken from the input never verify by accident against a fixed key,
    // and verification of arbitrary values must not crash.
    static const PrivateKey key =
        PrivateKey::from_bytes(ByteView(reinterpret_cast<const std::uint8_t*>("0123456789abcdef0123456789abcdef"), 32))
            .value();
    Signature s;
    if (size >= 96) {
      std::copy(data + 32, data + 64, s.r.begin());
      std::copy(data + 64, data + 96, s.s.begin());
      (void)verify_digest(key.public_key(), in.first(32), s);
    }
  }
  return 0;
}
