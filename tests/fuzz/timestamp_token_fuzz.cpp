// Timestamp token verification and TimeStampResp parsing on arbitrary bytes: errors, never a crash.
#include <cstdint>

#include "tsp/timestamp_issuer.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  medsign::ByteView in(data, size);
  auto v = medsign::tsp::verify_token(in);
  if (v.ok() && v->ok && v->tst.serial.empty()) __builtin_trap();
  auto r = medsign::tsp::parse_response(in);
  if (r.ok() && r->token) (void)medsign::tsp::verify_token(*r->token);
  auto t = medsign::tsp::parse_tst_info(in);
  if (t.ok()) (void)medsign::tsp::encode_tst_info(*t);
  return 0;
}
