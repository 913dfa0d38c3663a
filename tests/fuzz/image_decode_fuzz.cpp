// Untrusted uploads → PNG/JPEG decoders with small limits (so the fuzzer explores parsing, not big
// allocations). A decoded image must re-encode and decode to the same pixels.
#include <cstdint>

#include "image/codec.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  medsign::image::DecodeLimits lim;
  lim.max_width = 1024;
  lim.max_height = 1024;
  lim.max_pixels = 1 << 18;
  auto img = medsign::image::decode_image({data, size}, lim);
  if (img.ok()) {
    auto png = medsign::image::encode_png(*img);
    if (!png.ok()) __builtin_trap();
    auto back = medsign::image::decode_png(*png, lim);
    if (!back.ok() || back->rgba != img->rgba) __builtin_trap();
  }
  return 0;
}
