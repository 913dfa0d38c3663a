// PNG/JPEG decoding of untrusted uploads: round trips, and specific errors for malformed, truncated and
// oversized input. JPEG files are made with libjpeg itself.
#include <csetjmp>
#include <cstdio>

#include <jpeglib.h>

#include <gtest/gtest.h>

#include "image/codec.h"

namespace medsign::image {
namespace {

Raster gradient(int w, int h) {
  Raster r(w, h);
  for (int y = 0; y < h; ++y)
    for (int x = 0; x < w; ++x) {
      auto* p = r.at(x, y);
      p[0] = static_cast<std::uint8_t>(x * 255 / w);
      p[1] = static_cast<std::uint8_t>(y * 255 / h);
      p[2] = 128;
      p[3] = static_cast<std::uint8_t>((x + y) % 256);
    }
  return r;
}

Bytes make_jpeg(int w, int h, bool progressive = false) {
  jpeg_compress_struct c;
  jpeg_error_mgr err;
  c.err = jpeg_std_error(&err);
  jpeg_create_compress(&c);
  unsigned char* buf = nullptr;
  unsigned long size = 0;
  jpeg_mem_dest(&c, &buf, &size);
  c.image_width = static_cast<JDIMENSION>(w);
  c.image_height = static_cast<JDIMENSION>(h);
  c.input_components = 3;
  c.in_color_space = JCS_RGB;
  jpeg_set_defaults(&c);
  jpeg_set_quality(&c, 90, TRUE);
  if (progressive) jpeg_simple_progression(&c);
  jpeg_start_compress(&c, TRUE);
  std::vector<unsigned char> row(static_cast<std::size_t>(w) * 3);
  while (c.next_scanline < c.image_height) {
    for (int x = 0; x < w; ++x) {
      row[x * 3] = static_cast<unsigned char>(200);
      row[x * 3 + 1] = static_cast<unsigned char>(x * 255 / w);
      row[x * 3 + 2] = static_cast<unsigned char>(c.next_scanline * 255 / c.image_height);
    }
    JSAMPROW rp = row.data();
    jpeg_write_scanlines(&c, &rp, 1);
  }
  jpeg_finish_compress(&c);
  Bytes out(buf, buf + size);
  jpeg_destroy_compress(&c);
  free(buf);
  return out;
}

TEST(ImageCodec, PngRoundTripKeepsEveryPixelAndIsDeterministic) {
  Raster r = gradient(37, 23);
  auto png = encode_png(r, 300);
  ASSERT_TRUE(png.ok());
  EXPECT_EQ(sniff_format(*png), ImageFormat::png);
  auto back = decode_image(*png);
  ASSERT_TRUE(back.ok()) << back.error().to_string();
  EXPECT_EQ(back->width, 37);
  EXPECT_EQ(back->height, 23);
  EXPECT_EQ(back->rgba, r.rgba);
  EXPECT_EQ(encode_png(r, 300).value(), *png);
}

TEST(ImageCodec, JpegBaselineAndProgressiveDecode) {
  for (bool progressive : {false, true}) {
    auto jpg = make_jpeg(64, 48, progressive);
    EXPECT_EQ(sniff_format(jpg), ImageFormat::jpeg);
    auto img = decode_image(jpg);
    ASSERT_TRUE(img.ok()) << img.error().to_string();
    EXPECT_EQ(img->width, 64);
    EXPECT_EQ(img->height, 48);
    EXPECT_NEAR(img->at(10, 10)[0], 200, 6);
    EXPECT_EQ(img->at(10, 10)[3], 255);
  }
}

TEST(ImageCodec, UnknownAndEmptyInputIsMalformed) {
  EXPECT_EQ(decode_image(Bytes{}).error().code, Errc::image_malformed);
  EXPECT_EQ(decode_image(to_bytes("GIF89a......")).error().code, Errc::image_malformed);
  EXPECT_EQ(decode_png(to_bytes("\x89PNG\r\n\x1a\nxxxxxxxxxxxxxxxxxxxxxxxxxxxxx")).error().code, Errc::image_malformed);
}

TEST(ImageCodec, TruncatedPngAndJpegAreReportedAsTruncated) {
  auto png = encode_png(gradient(200, 100)).value();
  for (std::size_t cut : {std::size_t{20}, png.size() / 2, png.size() - 13}) {
    Bytes part(png.begin(), png.begin() + static_cast<std::ptrdiff_t>(cut));
    auto r = decode_image(part);
    ASSERT_FALSE(r.ok()) << cut;
    EXPECT_EQ(r.error().code, Errc::image_truncated) << cut << " " << r.error().to_string();
  }
  auto jpg = make_jpeg(120, 90);
  Bytes half(jpg.begin(), jpg.begin() + static_cast<std::ptrdiff_t>(jpg.size() / 2));
  auto r = decode_image(half);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, Errc::image_truncated) << r.error().to_string();
}

TEST(ImageCodec, CorruptDataIsMalformed) {
  auto png = encode_png(gradient(50, 50)).value();
  Bytes bad = png;
  for (std::size_t i = 45; i < 70 && i < bad.size(); ++i) bad[i] ^= 0x5A;  // inside IDAT
  auto r = decode_image(bad);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, Errc::image_malformed) << r.error().to_string();

  Bytes jpg = {0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x02, 0xFF, 0x99, 0x12, 0x34};
  auto j = decode_image(jpg);
  ASSERT_FALSE(j.ok());
  EXPECT_TRUE(j.error().code == Errc::image_malformed || j.error().code == Errc::image_truncated);
}

TEST(ImageCodec, OversizedDimensionsAreRejectedBeforeDecoding) {
  auto png = encode_png(gradient(4, 4)).value();
  // Patch IHDR to claim 100000 x 100000 pixels (the CRC no longer matches: the size check comes first).
  Bytes big = png;
  big[16] = 0x00, big[17] = 0x01, big[18] = 0x86, big[19] = 0xA0;
  big[20] = 0x00, big[21] = 0x01, big[22] = 0x86, big[23] = 0xA0;
  EXPECT_EQ(decode_image(big).error().code, Errc::image_too_large);

  DecodeLimits small;
  small.max_pixels = 1000;
  EXPECT_EQ(decode_image(make_jpeg(100, 100), small).error().code, Errc::image_too_large);
  EXPECT_EQ(decode_image(encode_png(gradient(100, 100)).value(), small).error().code, Errc::image_too_large);
  small = {};
  small.max_input_bytes = 100;
  EXPECT_EQ(decode_image(make_jpeg(100, 100), small).error().code, Errc::image_too_large);
}

}  // namespace
}  // namespace medsign::image
