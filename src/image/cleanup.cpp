#include "image/cleanup.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <numeric>
#include <optional>
#include <vector>

#include "image/seal_render.h"

namespace medsign::image {
namespace {

// Grey level of each pixel, transparent pixels composited on white.
std::vector<float> grey_of(const Raster& in) {
  std::vector<float> g(static_cast<std::size_t>(in.width) * in.height);
  for (std::size_t i = 0; i < g.size(); ++i) {
    const std::uint8_t* p = &in.rgba[i * 4];
    float a = p[3] / 255.0f;
    float l = 0.299f * p[0] + 0.587f * p[1] + 0.114f * p[2];
    g[i] = l * a + 255.0f * (1 - a);
  }
  return g;
}

// Paper brightness under uneven lighting: the 90th percentile of each block (ink is dark and rarely fills
// 90% of a block), max-filtered over neighbouring blocks to cover ink-heavy blocks, smoothed, then
// bilinearly interpolated per pixel.
std::vector<float> background_of(const std::vector<float>& g, int w, int h) {
  int bs = std::max(8, std::min(w, h) / 16);
  int gw = (w + bs - 1) / bs, gh = (h + bs - 1) / bs;
  std::vector<float> blk(static_cast<std::size_t>(gw) * gh);
  std::vector<int> hist(256);
  for (int by = 0; by < gh; ++by)
    for (int bx = 0; bx < gw; ++bx) {
      std::fill(hist.begin(), hist.end(), 0);
      int n = 0;
      for (int y = by * bs; y < std::min(h, (by + 1) * bs); ++y)
        for (int x = bx * bs; x < std::min(w, (bx + 1) * bs); ++x) {
          ++hist[std::clamp(static_cast<int>(g[static_cast<std::size_t>(y) * w + x]), 0, 255)];
          ++n;
        }
      int want = n * 9 / 10, acc = 0, v = 0;
      for (; v < 255 && acc + hist[v] <= want; ++v) acc += hist[v];
      blk[static_cast<std::size_t>(by) * gw + bx] = static_cast<float>(v);
    }
  auto filter = [&](bool use_max) {
    std::vector<float> out(blk.size());
    for (int by = 0; by < gh; ++by)
      for (int bx = 0; bx < gw; ++bx) {
        float m = use_max ? 0.f : 0.f;
        int cnt = 0;
        for (int dy = -1; dy <= 1; ++dy)
          for (int dx = -1; dx <= 1; ++dx) {
            int yy = by + dy, xx = bx + dx;
            if (yy < 0 || xx < 0 || yy >= gh || xx >= gw) continue;
            float v = blk[static_cast<std::size_t>(yy) * gw + xx];
            m = use_max ? std::max(m, v) : m + v;
            ++cnt;
          }
        out[static_cast<std::size_t>(by) * gw + bx] = use_max ? m : m / static_cast<float>(cnt);
      }
    blk.swap(out);
  };
  filter(true);
  filter(false);
  std::vector<float> bg(g.size());
  for (int y = 0; y < h; ++y) {
    float fy = std::clamp((y + 0.5f) / bs - 0.5f, 0.f, static_cast<float>(gh - 1));
    int y0 = static_cast<int>(fy), y1 = std::min(gh - 1, y0 + 1);
    float ty = fy - y0;
    for (int x = 0; x < w; ++x) {
      float fx = std::clamp((x + 0.5f) / bs - 0.5f, 0.f, static_cast<float>(gw - 1));
      int x0 = static_cast<int>(fx), x1 = std::min(gw - 1, x0 + 1);
      float tx = fx - x0;
      auto B = [&](int xx, int yy) { return blk[static_cast<std::size_t>(yy) * gw + xx]; };
      float v = (B(x0, y0) * (1 - tx) + B(x1, y0) * tx) * (1 - ty) + (B(x0, y1) * (1 - tx) + B(x1, y1) * tx) * ty;
      bg[static_cast<std::size_t>(y) * w + x] = std::max(v, 16.f);
    }
  }
  return bg;
}

// Sauvola: ink where v < m * (1 + k (s / 128 - 1)), with local mean m and deviation s over a window,
// both read from integral images of v and v².
std::vector<std::uint8_t> sauvola(const std::vector<float>& v, int w, int h, int win, double k) {
  std::size_t W = static_cast<std::size_t>(w) + 1;
  std::vector<double> s1(W * (h + 1), 0.0), s2(W * (h + 1), 0.0);
  for (int y = 0; y < h; ++y) {
    double r1 = 0, r2 = 0;
    for (int x = 0; x < w; ++x) {
      double p = v[static_cast<std::size_t>(y) * w + x];
      r1 += p;
      r2 += p * p;
      s1[(y + 1) * W + x + 1] = s1[y * W + x + 1] + r1;
      s2[(y + 1) * W + x + 1] = s2[y * W + x + 1] + r2;
    }
  }
  std::vector<std::uint8_t> mask(v.size(), 0);
  int r = win / 2;
  for (int y = 0; y < h; ++y) {
    int y0 = std::max(0, y - r), y1 = std::min(h, y + r + 1);
    for (int x = 0; x < w; ++x) {
      int x0 = std::max(0, x - r), x1 = std::min(w, x + r + 1);
      double n = static_cast<double>(y1 - y0) * (x1 - x0);
      double a = s1[y1 * W + x1] - s1[y0 * W + x1] - s1[y1 * W + x0] + s1[y0 * W + x0];
      double b = s2[y1 * W + x1] - s2[y0 * W + x1] - s2[y1 * W + x0] + s2[y0 * W + x0];
      double m = a / n, sd = std::sqrt(std::max(0.0, b / n - m * m));
      double t = m * (1 + k * (sd / 128.0 - 1));
      mask[static_cast<std::size_t>(y) * w + x] = v[static_cast<std::size_t>(y) * w + x] < t;
    }
  }
  return mask;
}

// Labels 8-connected components of mask; removes those smaller than min_area. Returns {kept, removed}.
std::pair<int, int> remove_specks(std::vector<std::uint8_t>& mask, int w, int h, int min_area) {
  std::vector<int> label(mask.size(), -1);
  std::vector<int> stack;
  std::vector<std::size_t> members;
  int kept = 0, removed = 0;
  for (std::size_t start = 0; start < mask.size(); ++start) {
    if (!mask[start] || label[start] >= 0) continue;
    members.clear();
    stack.push_back(static_cast<int>(start));
    label[start] = 1;
    while (!stack.empty()) {
      std::size_t i = static_cast<std::size_t>(stack.back());
      stack.pop_back();
      members.push_back(i);
      int x = static_cast<int>(i % w), y = static_cast<int>(i / w);
      for (int dy = -1; dy <= 1; ++dy)
        for (int dx = -1; dx <= 1; ++dx) {
          int xx = x + dx, yy = y + dy;
          if (xx < 0 || yy < 0 || xx >= w || yy >= h) continue;
          std::size_t j = static_cast<std::size_t>(yy) * w + xx;
          if (mask[j] && label[j] < 0) {
            label[j] = 1;
            stack.push_back(static_cast<int>(j));
          }
        }
    }
    if (static_cast<int>(members.size()) < min_area) {
      for (auto i : members) mask[i] = 0;
      ++removed;
    } else {
      ++kept;
    }
  }
  return {kept, removed};
}

float smoothstep(float lo, float hi, float v) {
  float t = std::clamp((v - lo) / std::max(1e-3f, hi - lo), 0.f, 1.f);
  return t * t * (3 - 2 * t);
}

// Strength of red ink: the HSV saturation of pixels with a red hue and enough value, 0..255.
std::vector<float> red_strength(const Raster& in) {
  std::vector<float> s(static_cast<std::size_t>(in.width) * in.height);
  for (std::size_t i = 0; i < s.size(); ++i) {
    const std::uint8_t* p = &in.rgba[i * 4];
    float r = p[0], g = p[1], b = p[2];
    float mx = std::max({r, g, b}), mn = std::min({r, g, b});
    float sat = mx > 0 ? (mx - mn) / mx : 0;
    float hue = 0;  // degrees
    if (mx > mn) {
      if (mx == r)
        hue = 60 * std::fmod((g - b) / (mx - mn) + 6.f, 6.f);
      else if (mx == g)
        hue = 60 * ((b - r) / (mx - mn) + 2);
      else
        hue = 60 * ((r - g) / (mx - mn) + 4);
    }
    bool red = (hue >= 330 || hue <= 25) && mx >= 60;
    s[i] = red ? sat * 255.f * (p[3] / 255.f) : 0.f;
  }
  return s;
}

}  // namespace

std::optional<CleanMode> parse_clean_mode(std::string_view s) {
  if (s == "ink" || s == "signature") return CleanMode::ink;
  if (s == "stamp" || s == "seal") return CleanMode::stamp;
  return std::nullopt;
}

Result<Rgb> parse_ink_colour(std::string_view s) {
  if (s == "black") return Rgb{0x1A, 0x1A, 0x1A};
  if (s == "blue") return Rgb{0x1F, 0x3A, 0x93};
  if (s == "red") return Rgb{0xE6, 0x00, 0x12};
  return parse_colour(s);
}

Result<CleanResult> clean_scan(const Raster& in, const CleanOptions& o) {
  int w = in.width, h = in.height;
  if (w < 8 || h < 8) return Error(Errc::invalid_argument, "the image is too small to clean (under 8x8 pixels)");
  if (o.k < 0.05 || o.k > 0.8) return Error(Errc::invalid_argument, "k must be 0.05..0.8");
  if (o.window < 0 || o.window > 2001) return Error(Errc::invalid_argument, "window must be 0..2001 pixels");
  MEDSIGN_ASSIGN(Rgb colour, parse_ink_colour(o.colour.empty() ? (o.mode == CleanMode::ink ? "black" : "red")
                                                               : std::string_view(o.colour)));
  std::size_t n = static_cast<std::size_t>(w) * h;
  // strength: 0 = paper, 255 = full ink; mask: binarised ink.
  std::vector<float> strength(n);
  std::vector<std::uint8_t> mask;
  float lo = 0, hi = 0;
  if (o.mode == CleanMode::ink) {
    auto g = grey_of(in);
    auto bg = background_of(g, w, h);
    for (std::size_t i = 0; i < n; ++i) g[i] = std::min(255.f, g[i] / bg[i] * 255.f);  // flattened
    int win = o.window > 0 ? o.window : std::clamp(std::min(w, h) / 10, 15, 151);
    mask = sauvola(g, w, h, win | 1, o.k);
    for (std::size_t i = 0; i < n; ++i) {
      strength[i] = 255.f - g[i];
      if (strength[i] < 40.f) mask[i] = 0;  // too faint to be ink: paper texture and noise
    }
    lo = 25.f;
  } else {
    strength = red_strength(in);
    mask.assign(n, 0);
    for (std::size_t i = 0; i < n; ++i) mask[i] = strength[i] > 70.f;
    lo = 35.f;
  }
  int min_area = o.min_speck_px > 0 ? o.min_speck_px : std::max(8, static_cast<int>(n / 30000));
  auto [kept, removed] = remove_specks(mask, w, h, min_area);
  if (kept == 0) return Error(Errc::invalid_argument, "no ink found in the image");
  // Full-ink level: the median strength of the kept ink.
  std::vector<float> ink;
  for (std::size_t i = 0; i < n; ++i)
    if (mask[i]) ink.push_back(strength[i]);
  std::nth_element(ink.begin(), ink.begin() + static_cast<std::ptrdiff_t>(ink.size() / 2), ink.end());
  hi = std::max(lo + 20.f, ink[ink.size() / 2] * 0.85f);
  // Alpha from strength inside the mask grown by one pixel (soft edges), zero elsewhere.
  std::vector<std::uint8_t> alpha(n, 0);
  int x0 = w, y0 = h, x1 = -1, y1 = -1;
  for (int y = 0; y < h; ++y)
    for (int x = 0; x < w; ++x) {
      bool near = false;
      for (int dy = -1; dy <= 1 && !near; ++dy)
        for (int dx = -1; dx <= 1 && !near; ++dx) {
          int xx = x + dx, yy = y + dy;
          near = xx >= 0 && yy >= 0 && xx < w && yy < h && mask[static_cast<std::size_t>(yy) * w + xx];
        }
      if (!near) continue;
      std::size_t i = static_cast<std::size_t>(y) * w + x;
      float a = smoothstep(lo, hi, strength[i]);
      if (mask[i]) a = std::max(a, 0.5f);  // a binarised ink pixel is never fainter than half
      alpha[i] = static_cast<std::uint8_t>(std::lround(a * 255.f));
      if (alpha[i]) {
        x0 = std::min(x0, x);
        y0 = std::min(y0, y);
        x1 = std::max(x1, x);
        y1 = std::max(y1, y);
      }
    }
  CleanResult r;
  r.components = kept;
  r.specks_removed = removed;
  if (!o.crop) {
    x0 = 0, y0 = 0, x1 = w - 1, y1 = h - 1;
  } else {
    int margin = o.margin_px >= 0 ? o.margin_px : std::max(4, std::max(x1 - x0, y1 - y0) / 50);
    x0 = std::max(0, x0 - margin);
    y0 = std::max(0, y0 - margin);
    x1 = std::min(w - 1, x1 + margin);
    y1 = std::min(h - 1, y1 + margin);
  }
  r.crop_x = x0;
  r.crop_y = y0;
  r.image = Raster(x1 - x0 + 1, y1 - y0 + 1);
  for (int y = y0; y <= y1; ++y)
    for (int x = x0; x <= x1; ++x) {
      std::uint8_t a = alpha[static_cast<std::size_t>(y) * w + x];
      if (!a) continue;
      std::uint8_t* p = r.image.at(x - x0, y - y0);
      p[0] = colour.r;
      p[1] = colour.g;
      p[2] = colour.b;
      p[3] = a;
    }
  return r;
}

}  // namespace medsign::image
