// The seal's look on the page: the picture (PNG with transparency) as an RGB image XObject with an SMask
// for its alpha channel, both Flate-compressed, and the form XObject a widget shows.
#pragma once

#include <string>

#include "common/bytes.h"

namespace medsign::pdf {

struct SealImage {
  Bytes png;               // the seal picture (PNG or JPEG; transparency kept)
  double width_mm = 40;
  double height_mm = 40;
};

inline double mm_to_points(double mm) { return mm * 72.0 / 25.4; }

// The two image streams, each a complete "<< ... >>\nstream\n...\nendstream" object body. Errors:
// image_malformed / image_truncated / image_too_large from the decoder.
struct ImageObjects {
  std::string image;  // refers to the SMask as `smask_object` 0 R
  std::string smask;
  int width = 0, height = 0;
};
Result<ImageObjects> make_image_objects(ByteView picture, int smask_object);

// A form XObject body of `width` x `height` points painting image `image_object` over its whole box,
// turned counter-clockwise by `rotate` degrees so it looks upright on a page displayed with that /Rotate.
std::string make_form_object(double width, double height, int image_object, int rotate);

// zlib (Flate) compression.
Result<std::string> flate(ByteView data);

// A PDF number without exponent, at most 4 decimals.
std::string num(double v);

}  // namespace medsign::pdf
