// Cleanup of scanned signatures and stamps on synthetic scans whose ground truth is known.
#include <cmath>

#include <gtest/gtest.h>

#include "image/cleanup.h"
#include "synthetic.h"

namespace medsign::image {
namespace {

double iou(const CleanResult& r, const test::SyntheticScan& s) {
  std::size_t inter = 0, uni = 0;
  int w = s.scan.width, h = s.scan.height;
  for (int y = 0; y < h; ++y)
    for (int x = 0; x < w; ++x) {
      int ox = x - r.crop_x, oy = y - r.crop_y;
      bool a = ox >= 0 && oy >= 0 && ox < r.image.width && oy < r.image.height && r.image.alpha(ox, oy) >= 128;
      bool t = s.truth[static_cast<std::size_t>(y) * w + x];
      inter += a && t;
      uni += a || t;
    }
  return uni ? static_cast<double>(inter) / static_cast<double>(uni) : 0;
}

TEST(ImageCleanup, SignatureOnUnevenlyLitNoisyPaperIsRecoveredAndSpecksGo) {
  auto s = test::make_signature_scan(1000, 500, 60);
  auto r = clean_scan(s.scan);
  ASSERT_TRUE(r.ok()) << r.error().to_string();
  EXPECT_GE(iou(*r, s), 0.9);
  EXPECT_GE(r->specks_removed, 60);
  for (auto [x, y] : s.speck_centres) {
    int ox = x - r->crop_x, oy = y - r->crop_y;
    if (ox >= 0 && oy >= 0 && ox < r->image.width && oy < r->image.height) {
      EXPECT_EQ(r->image.alpha(ox, oy), 0);
    }
  }
  // Cropped to the strokes plus a small margin (strokes span x 100..900, y ~90..360 at this size).
  EXPECT_LT(r->image.width, 860);
  EXPECT_LT(r->image.height, 330);
  // Black ink, transparent paper, soft edges: some pixels are partly transparent.
  std::size_t partial = 0;
  for (int y = 0; y < r->image.height; ++y)
    for (int x = 0; x < r->image.width; ++x) {
      auto a = r->image.alpha(x, y);
      if (a > 0 && a < 255) ++partial;
      if (a > 0) {
        ASSERT_EQ(r->image.at(x, y)[0], 0x1A);
      }
    }
  EXPECT_GT(partial, 0u);
}

TEST(ImageCleanup, BlueRecolouringAndNoCrop) {
  auto s = test::make_signature_scan(400, 200, 10);
  CleanOptions o;
  o.colour = "blue";
  o.crop = false;
  auto r = clean_scan(s.scan, o).value();
  EXPECT_EQ(r.image.width, 400);
  EXPECT_EQ(r.crop_x, 0);
  bool found = false;
  for (int y = 0; y < r.image.height && !found; ++y)
    for (int x = 0; x < r.image.width && !found; ++x)
      if (r.image.alpha(x, y) == 255) {
        EXPECT_EQ(r.image.at(x, y)[2], 0x93);
        found = true;
      }
  EXPECT_TRUE(found);
}

TEST(ImageCleanup, StampModeKeepsTheRedSealAndDropsBlackText) {
  int w = 400, h = 300;
  Raster scan(w, h);
  std::vector<std::uint8_t> red(static_cast<std::size_t>(w) * h, 0);
  for (int y = 0; y < h; ++y)
    for (int x = 0; x < w; ++x) {
      auto* p = scan.at(x, y);
      double paper = 235 - 50.0 * y / h;
      bool ring = std::abs(std::hypot(x - 200, y - 150) - 100) < 6;
      bool text = (y % 40) < 6 && x > 30 && x < 370;  // printed black lines across the page and the seal
      p[3] = 255;
      if (ring && !text) {
        red[static_cast<std::size_t>(y) * w + x] = 1;
        p[0] = 210, p[1] = 40, p[2] = 50;
      } else if (text) {
        p[0] = p[1] = p[2] = 30;
      } else {
        p[0] = p[1] = p[2] = static_cast<std::uint8_t>(paper);
      }
    }
  CleanOptions o;
  o.mode = CleanMode::stamp;
  auto r = clean_scan(scan, o).value();
  std::size_t kept = 0, total = 0, text_kept = 0;
  for (int y = 0; y < h; ++y)
    for (int x = 0; x < w; ++x) {
      int ox = x - r.crop_x, oy = y - r.crop_y;
      bool a = ox >= 0 && oy >= 0 && ox < r.image.width && oy < r.image.height && r.image.alpha(ox, oy) >= 128;
      if (red[static_cast<std::size_t>(y) * w + x]) {
        ++total;
        kept += a;
      } else if ((y % 40) < 6 && x > 30 && x < 370 && std::abs(std::hypot(x - 200, y - 150) - 100) > 9) {
        text_kept += a;
      }
    }
  EXPECT_GT(static_cast<double>(kept) / static_cast<double>(total), 0.95);
  EXPECT_EQ(text_kept, 0u);
  EXPECT_LE(r.image.width, 2 * 106 + 20);  // cropped to the ring
}

TEST(ImageCleanup, BlankPageAndBadOptionsAreRejected) {
  Raster blank(100, 100);
  for (std::size_t i = 0; i < blank.rgba.size(); ++i) blank.rgba[i] = 240;
  EXPECT_EQ(clean_scan(blank).error().code, Errc::invalid_argument);
  EXPECT_EQ(clean_scan(Raster(4, 4)).error().code, Errc::invalid_argument);
  auto s = test::make_signature_scan(200, 100, 0);
  CleanOptions o;
  o.colour = "purple";
  EXPECT_EQ(clean_scan(s.scan, o).error().code, Errc::invalid_argument);
  o = {};
  o.k = 2;
  EXPECT_EQ(clean_scan(s.scan, o).error().code, Errc::invalid_argument);
}

}  // namespace
}  // namespace medsign::image
