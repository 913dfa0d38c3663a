// Base64, Base64url, hex, URL-query and dotted-OID decoders: round trips must be exact.
#include <cstdint>
#include <string_view>

#include "asn1/oid.h"
#include "common/bytes.h"
#include "server/http_types.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view s(reinterpret_cast<const char*>(data), size);
  if (auto b = medsign::base64_decode(s); b.ok()) {
    auto again = medsign::base64_decode(medsign::base64_encode(*b));
    if (!again.ok() || *again != *b) __builtin_trap();
  }
  if (auto b = medsign::base64url_decode(s); b.ok()) {
    if (medsign::base64url_decode(medsign::base64url_encode(*b)).value() != *b) __builtin_trap();
  }
  if (auto b = medsign::hex_decode(s); b.ok()) {
    if (medsign::hex_decode(medsign::hex_encode(*b)).value() != *b) __builtin_trap();
  }
  (void)medsign::server::parse_query(s);
  if (auto oid = medsign::asn1::Oid::from_string(s); oid.ok()) {
    if (oid->to_string() != s) __builtin_trap();
  }
  medsign::Bytes raw(data, data + size);
  if (medsign::base64_decode(medsign::base64_encode(raw)).value() != raw) __builtin_trap();
  return 0;
}
