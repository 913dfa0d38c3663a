// An 8-bit RGBA raster in memory: the currency between the codecs, the seal renderer and the cleanup.
#pragma once

#include <cstdint>
#include <vector>

namespace medsign::image {

// Straight (not premultiplied) RGBA, rows top to bottom, 4 bytes per pixel, no padding.
struct Raster {
  int width = 0;
  int height = 0;
  std::vector<std::uint8_t> rgba;

  Raster() = default;
  Raster(int w, int h) : width(w), height(h), rgba(static_cast<std::size_t>(w) * h * 4, 0) {}
  std::uint8_t* at(int x, int y) { return &rgba[(static_cast<std::size_t>(y) * width + x) * 4]; }
  const std::uint8_t* at(int x, int y) const { return &rgba[(static_cast<std::size_t>(y) * width + x) * 4]; }
  std::uint8_t alpha(int x, int y) const { return at(x, y)[3]; }
};

struct Rgb {
  std::uint8_t r = 0, g = 0, b = 0;
  bool operator==(const Rgb&) const = default;
};

}  // namespace medsign::image
