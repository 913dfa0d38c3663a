// Seal pictures checked pixel by pixel: real size from mm and dpi, transparent background, everything red
// inside the ring, the star at the centre, the name in the upper half, deterministic output, and the
// specific errors for bad options and missing fonts.
#include <cmath>

#include <gtest/gtest.h>

#include "image/codec.h"
#include "image/seal_render.h"

namespace medsign::image {
namespace {

SealOptions official() {
  SealOptions o;
  o.name = "北京市朝阳区第一人民医院";
  o.text = "电子病历专用章";
  o.code = "91110105MA01ABCD2X";
  o.dpi = 300;
  return o;
}

TEST(SealRender, RoundSealSizeFollowsMillimetresAndDpi) {
  auto p = render_seal(official());
  ASSERT_TRUE(p.ok()) << p.error().to_string();
  EXPECT_EQ(p->raster.width, 473);  // 40 mm at 300 dpi = 472.4 px, rounded up
  EXPECT_EQ(p->raster.height, 473);
  EXPECT_DOUBLE_EQ(p->width_mm, 40);
  auto o = official();
  o.width_mm = 42;
  o.dpi = 600;
  auto q = render_seal(o).value();
  EXPECT_EQ(q.raster.width, 993);  // 42 mm at 600 dpi = 992.1 px
  EXPECT_EQ(q.raster.height, 993);
}

TEST(SealRender, RoundSealIsRedOnTransparentAndStaysInsideTheRing) {
  auto p = render_seal(official()).value();
  const Raster& r = p.raster;
  double c = (r.width - 1) / 2.0, radius = r.width / 2.0;
  for (auto [x, y] : {std::pair{0, 0}, {r.width - 1, 0}, {0, r.height - 1}, {r.width - 1, r.height - 1}})
    EXPECT_EQ(r.alpha(x, y), 0) << x << "," << y;
  std::size_t inked = 0;
  for (int y = 0; y < r.height; ++y)
    for (int x = 0; x < r.width; ++x) {
      if (!r.alpha(x, y)) continue;
      ++inked;
      EXPECT_LE(std::hypot(x - c, y - c), radius) << x << "," << y;
      const auto* px = r.at(x, y);
      ASSERT_EQ(px[0], 0xE6);
      ASSERT_EQ(px[1], 0x00);
      ASSERT_EQ(px[2], 0x12);
    }
  EXPECT_GT(inked, static_cast<std::size_t>(r.width * r.height / 20));
  // The ring: opaque at its centre line on all four sides; paper inside it (between ring and text).
  int ring_px = static_cast<int>(std::lround((0.25 + 0.6) * 300 / 25.4));
  EXPECT_EQ(r.alpha(static_cast<int>(c), ring_px), 255);
  EXPECT_EQ(r.alpha(static_cast<int>(c), r.height - 1 - ring_px), 255);
  EXPECT_EQ(r.alpha(ring_px, static_cast<int>(c)), 255);
  EXPECT_EQ(r.alpha(r.width - 1 - ring_px, static_cast<int>(c)), 255);
  // Outside the ring: transparent (a 1 px band just beyond the outer radius).
  int outside = 0;
  for (int a = 0; a < 360; a += 3) {
    int x = static_cast<int>(std::lround(c + (radius - 1) * std::cos(a * M_PI / 180)));
    int y = static_cast<int>(std::lround(c + (radius - 1) * std::sin(a * M_PI / 180)));
    outside += r.alpha(x, y) == 0;
  }
  EXPECT_EQ(outside, 120);
}

TEST(SealRender, StarSitsAtTheCentre) {
  auto p = render_seal(official()).value();
  int c = p.raster.width / 2;
  EXPECT_EQ(p.raster.alpha(c, c), 255);
  // The star is solid a few pixels around its centre, and there is paper between its points.
  EXPECT_EQ(p.raster.alpha(c, c - 20), 255);
  auto o = official();
  o.star = false;
  o.text.clear();
  auto q = render_seal(o).value();
  EXPECT_EQ(q.raster.alpha(c, c), 0);
}

TEST(SealRender, NameOccupiesTheUpperHalfOnly) {
  auto o = official();
  o.name = "人民医院";  // a short name spreads over 80 degrees of the upper arc
  o.text.clear();
  o.code.clear();
  o.star = false;
  auto p = render_seal(o).value();
  const Raster& r = p.raster;
  double c = (r.width - 1) / 2.0;
  double inner = r.width / 2.0 - (0.25 + 1.2 + 0.3) * 300 / 25.4;  // inside the ring
  std::size_t upper = 0, lower = 0;
  for (int y = 0; y < r.height; ++y)
    for (int x = 0; x < r.width; ++x)
      if (r.alpha(x, y) && std::hypot(x - c, y - c) < inner) (y < c ? upper : lower) += 1;
  EXPECT_GT(upper, 1000u);
  EXPECT_EQ(lower, 0u);
}

TEST(SealRender, SameOptionsGiveTheSameBytes) {
  for (auto kind : {SealKind::round, SealKind::oval, SealKind::square, SealKind::name, SealKind::name_rect}) {
    SealOptions o = official();
    o.kind = kind;
    if (kind != SealKind::round && kind != SealKind::oval) {
      o.name = kind == SealKind::name_rect ? "王小明" : "张三之印";
      o.text.clear();
      o.code.clear();
    }
    o.worn = kind == SealKind::round;
    auto a = encode_png(render_seal(o).value().raster, 300).value();
    auto b = encode_png(render_seal(o).value().raster, 300).value();
    EXPECT_EQ(a, b) << seal_kind_name(kind);
  }
}

TEST(SealRender, OvalSquareAndNameSealsHaveTheirShapes) {
  SealOptions ov = official();
  ov.kind = SealKind::oval;
  ov.text = "财务专用章";
  auto oval = render_seal(ov).value();
  EXPECT_EQ(oval.raster.width, 532);   // 45 mm
  EXPECT_EQ(oval.raster.height, 355);  // 30 mm
  EXPECT_EQ(oval.raster.alpha(0, 0), 0);
  EXPECT_EQ(oval.raster.alpha(oval.raster.width / 2, oval.raster.height / 2 - 2), 0);  // no star in the oval

  SealOptions sq;
  sq.kind = SealKind::square;
  sq.name = "张三之印";
  sq.dpi = 300;
  auto s = render_seal(sq).value();
  EXPECT_EQ(s.raster.width, 296);  // 25 mm
  // The border runs along every edge; each quadrant of the 2x2 grid holds a character.
  int b = static_cast<int>(std::lround((0.25 + 0.5) * 300 / 25.4));
  EXPECT_EQ(s.raster.alpha(s.raster.width / 2, b), 255);
  EXPECT_EQ(s.raster.alpha(b, s.raster.height / 2), 255);
  int w = s.raster.width, h = s.raster.height;
  for (auto [qx, qy] : {std::pair{0, 0}, {1, 0}, {0, 1}, {1, 1}}) {
    int ink = 0;
    for (int y = h / 5 + qy * h * 3 / 10; y < h / 5 + qy * h * 3 / 10 + h / 5; ++y)
      for (int x = w / 5 + qx * w * 3 / 10; x < w / 5 + qx * w * 3 / 10 + w / 5; ++x) ink += s.raster.alpha(x, y) > 128;
    EXPECT_GT(ink, 100) << qx << "," << qy;
  }

  SealOptions nr;
  nr.kind = SealKind::name_rect;
  nr.name = "王小明";
  nr.dpi = 300;
  auto rect = render_seal(nr).value();
  EXPECT_EQ(rect.raster.width, 284);   // 24 mm
  EXPECT_EQ(rect.raster.height, 119);  // 10 mm
}

TEST(SealRender, BadOptionsGiveSpecificErrors) {
  auto o = official();
  o.name.clear();
  EXPECT_EQ(render_seal(o).error().code, Errc::missing_field);
  o = official();
  o.colour = "red";
  EXPECT_EQ(render_seal(o).error().code, Errc::invalid_argument);
  o = official();
  o.dpi = 50;
  EXPECT_EQ(render_seal(o).error().code, Errc::invalid_argument);
  o = official();
  o.name = "\xE5\x8C";  // cut UTF-8
  EXPECT_EQ(render_seal(o).error().code, Errc::invalid_argument);
  o = official();
  o.kind = SealKind::square;
  o.name = "一二三四五";
  EXPECT_EQ(render_seal(o).error().code, Errc::invalid_argument);
  o = official();
  o.name = "医院\xF0\x9F\x98\x80";  // an emoji the seal font does not have
  auto r = render_seal(o);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, Errc::invalid_argument);
  EXPECT_NE(r.error().detail.find("no glyph"), std::string::npos);
}

TEST(SealRender, MissingFontIsReportedNotSubstituted) {
  auto o = official();
  o.font = "No Such Seal Font Family:style=Bold";
  auto r = render_seal(o);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, Errc::font_missing);
  EXPECT_NE(r.error().detail.find("fonts-noto-cjk"), std::string::npos);
}

}  // namespace
}  // namespace medsign::image
