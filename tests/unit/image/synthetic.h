// Synthetic scans for the image tests: strokes on paper lit unevenly, with sensor noise and dust specks,
// plus the ground-truth stroke mask. Deterministic (fixed seeds).
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <vector>

#include "image/raster.h"

namespace medsign::image::test {

struct SyntheticScan {
  Raster scan;
  std::vector<std::uint8_t> truth;                 // 1 where a stroke was drawn
  std::vector<std::pair<int, int>> speck_centres;  // dust specks, away from the strokes
};

inline std::uint32_t xorshift(std::uint32_t& s) {
  s ^= s << 13;
  s ^= s >> 17;
  s ^= s << 5;
  return s;
}

// A signature-like scan: a sine stroke, a loop and a slash, ink grey level `ink`, on paper whose
// brightness falls from 245 (right) to ~110 (bottom left), noise ±12, and 2x2 dark specks.
inline SyntheticScan make_signature_scan(int w, int h, int specks = 60) {
  SyntheticScan s{Raster(w, h), std::vector<std::uint8_t>(static_cast<std::size_t>(w) * h, 0), {}};
  std::uint32_t seed = 20261127;
  double sx = w / 2000.0, sy = h / 1000.0, th = std::max(2.0, 5 * std::min(sx, sy));
  for (int y = 0; y < h; ++y)
    for (int x = 0; x < w; ++x) {
      double wave = 500 * sy + 200 * sy * std::sin(x / (130.0 * sx));
      bool ink = (x > 200 * sx && x < 1800 * sx && std::abs(y - wave) < th) ||
                 std::abs(std::hypot((x - 700 * sx) / sx, (y - 450 * sy) / sy) - 150) < th / std::min(sx, sy) * 0.8 ||
                 (x > 1200 * sx && x < 1700 * sx && std::abs(y - (300 * sy + (x - 1200 * sx) * 0.6 * sy / sx)) < th * 0.8);
      s.truth[static_cast<std::size_t>(y) * w + x] = ink;
      double light = 150 + 95.0 * x / w - 40.0 * y / h;
      double v = (ink ? 45 : light) + (static_cast<double>(xorshift(seed) % 2401) / 100.0 - 12.0);
      std::uint8_t* p = s.scan.at(x, y);
      p[0] = static_cast<std::uint8_t>(std::clamp(v, 0.0, 255.0));
      p[1] = static_cast<std::uint8_t>(std::clamp(v * 0.98, 0.0, 255.0));
      p[2] = static_cast<std::uint8_t>(std::clamp(v * 0.95, 0.0, 255.0));
      p[3] = 255;
    }
  while (static_cast<int>(s.speck_centres.size()) < specks) {
    int x = 5 + static_cast<int>(xorshift(seed) % static_cast<std::uint32_t>(w - 10));
    int y = 5 + static_cast<int>(xorshift(seed) % static_cast<std::uint32_t>(h - 10));
    bool clear = true;
    for (int dy = -12; dy <= 12 && clear; ++dy)
      for (int dx = -12; dx <= 12 && clear; ++dx) {
        int xx = x + dx, yy = y + dy;
        if (xx >= 0 && yy >= 0 && xx < w && yy < h && s.truth[static_cast<std::size_t>(yy) * w + xx]) clear = false;
      }
    if (!clear) continue;
    for (int dy = 0; dy < 2; ++dy)
      for (int dx = 0; dx < 2; ++dx) {
        std::uint8_t* p = s.scan.at(x + dx, y + dy);
        p[0] = p[1] = p[2] = 30;
      }
    s.speck_centres.push_back({x, y});
  }
  return s;
}

}  // namespace medsign::image::test
