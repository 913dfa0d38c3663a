// PNG and JPEG decoding with limits, and deterministic PNG encoding.
//
// Decoders take untrusted bytes (uploads from phones and scanners). Before any pixel is decoded the header's
// dimensions are checked against DecodeLimits, so a small file can never make us allocate or inflate more
// than the limits allow. Errors: image_malformed (not PNG/JPEG, corrupt data), image_truncated (the data
// ends early), image_too_large (a limit is exceeded). Never crashes, whatever the input.
#pragma once

#include <string_view>

#include "common/bytes.h"
#include "image/raster.h"

namespace medsign::image {

struct DecodeLimits {
  int max_width = 8000;
  int max_height = 8000;
  std::int64_t max_pixels = 40'000'000;      // width * height
  std::size_t max_input_bytes = 32u << 20;   // encoded file size
};

enum class ImageFormat { unknown, png, jpeg };

// Recognises PNG and JPEG by their signatures.
ImageFormat sniff_format(ByteView data);
std::string_view format_name(ImageFormat f);  // "PNG", "JPG" (the SES_ESPictrueInfo type strings), "unknown"

// Decodes a PNG or JPEG (any bit depth, palette, gray, alpha; baseline or progressive JPEG) into RGBA.
Result<Raster> decode_image(ByteView data, const DecodeLimits& limits = {});
Result<Raster> decode_png(ByteView data, const DecodeLimits& limits = {});
Result<Raster> decode_jpeg(ByteView data, const DecodeLimits& limits = {});

// 8-bit RGBA PNG. The same raster always gives the same bytes (no time or text chunks).
// dpi > 0 records the resolution in a pHYs chunk so viewers know the physical size.
Result<Bytes> encode_png(const Raster& img, int dpi = 0);

}  // namespace medsign::image
