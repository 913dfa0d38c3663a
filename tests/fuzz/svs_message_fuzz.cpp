// GM/T 0029 SVSRequest/SVSRespond decoding: any input either fails with an error or decodes to a message
// whose canonical encoding decodes to the same canonical encoding again. The same bytes as an
// Init/Update/Final intermediate hash state (hashValue): rejected, or re-encoded to exactly themselves.
#include <cstdint>

#include "svs/hash_state.h"
#include "svs/message.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  medsign::ByteView in(data, size);
  if (auto req = medsign::svs::decode_request(in); req.ok()) {
    auto der = medsign::svs::encode_request(req.value());
    if (der.ok()) {
      auto again = medsign::svs::decode_request(der.value());
      if (!again.ok()) __builtin_trap();
      auto der2 = medsign::svs::encode_request(again.value());
      if (!der2.ok() || der2.value() != der.value()) __builtin_trap();
    }
  }
  if (auto resp = medsign::svs::decode_response(in); resp.ok()) {
    auto der = medsign::svs::encode_response(resp.value());
    if (!der.ok()) __builtin_trap();
    auto again = medsign::svs::decode_response(der.value());
    if (!again.ok() || again->resp_value != resp->resp_value) __builtin_trap();
  }
  if (auto st = medsign::svs::HashState::parse(in); st.ok()) {
    if (st->encode() != medsign::Bytes(in.begin(), in.end())) __builtin_trap();
    st->update(in);
    if (st->digest().size() != 32) __builtin_trap();
  }
  return 0;
}
