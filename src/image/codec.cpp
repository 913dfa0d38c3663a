#include "image/codec.h"

#include <csetjmp>
#include <cstdio>
#include <cstring>
#include <string>

#include <jpeglib.h>
// jerror.h after jpeglib.h
#include <jerror.h>
#include <png.h>

namespace medsign::image {
namespace {

constexpr std::uint8_t kPngSig[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};

std::uint32_t be32(const std::uint8_t* p) {
  return (std::uint32_t(p[0]) << 24) | (std::uint32_t(p[1]) << 16) | (std::uint32_t(p[2]) << 8) | p[3];
}

Status check_dimensions(std::int64_t w, std::int64_t h, const DecodeLimits& lim, const char* what) {
  if (w <= 0 || h <= 0) return Error(Errc::image_malformed, std::string(what) + ": zero width or height");
  if (w > lim.max_width || h > lim.max_height || w * h > lim.max_pixels)
    return Error(Errc::image_too_large, std::string(what) + " is " + std::to_string(w) + "x" + std::to_string(h) +
                                            " pixels; the limit is " + std::to_string(lim.max_width) + "x" +
                                            std::to_string(lim.max_height) + " and " +
                                            std::to_string(lim.max_pixels) + " pixels");
  return {};
}

Status check_input(ByteView data, const DecodeLimits& lim) {
  if (data.size() > lim.max_input_bytes)
    return Error(Errc::image_too_large, "the file has " + std::to_string(data.size()) + " bytes; the limit is " +
                                            std::to_string(lim.max_input_bytes));
  return {};
}

// --- JPEG: libjpeg reports fatal errors through error_exit, which must not return; we longjmp back. ---
struct JpegErr {
  jpeg_error_mgr mgr;
  std::jmp_buf jump;
  char message[JMSG_LENGTH_MAX];
  bool truncated;
  bool corrupt;
  bool too_many_scans;
};

void jpeg_fatal(j_common_ptr c) {
  auto* e = reinterpret_cast<JpegErr*>(c->err);
  (*c->err->format_message)(c, e->message);
  std::longjmp(e->jump, 1);
}

// Warnings (level -1) mean damaged data: libjpeg would otherwise fill the rest with grey and succeed.
void jpeg_message(j_common_ptr c, int level) {
  if (level >= 0) return;  // trace messages
  auto* e = reinterpret_cast<JpegErr*>(c->err);
  if (c->err->msg_code == JWRN_JPEG_EOF) {
    e->truncated = true;
  } else if (!e->corrupt) {
    e->corrupt = true;
    (*c->err->format_message)(c, e->message);
  }
}

constexpr int kMaxJpegScans = 256;  // progressive files with thousands of tiny scans burn CPU for nothing

struct JpegProgress {
  jpeg_progress_mgr mgr;
  JpegErr* err;
};

void jpeg_progress(j_common_ptr c) {
  if (c->is_decompressor) {
    auto* d = reinterpret_cast<j_decompress_ptr>(c);
    if (d->input_scan_number > kMaxJpegScans) {
      reinterpret_cast<JpegProgress*>(c->progress)->err->too_many_scans = true;
      std::snprintf(reinterpret_cast<JpegErr*>(c->err)->message, JMSG_LENGTH_MAX, "more than %d scans", kMaxJpegScans);
      std::longjmp(reinterpret_cast<JpegErr*>(c->err)->jump, 1);
    }
  }
}

// No C++ object with a destructor is created between setjmp and the last libjpeg call except `out`, whose
// storage lives in this frame (longjmp returns to this frame, so nothing is skipped).
Result<Raster> decode_jpeg_impl(ByteView data, const DecodeLimits& lim, Raster& out) {
  jpeg_decompress_struct cinfo;
  JpegErr err{};
  JpegProgress progress{};
  cinfo.err = jpeg_std_error(&err.mgr);
  err.mgr.error_exit = jpeg_fatal;
  err.mgr.emit_message = jpeg_message;
  progress.mgr.progress_monitor = jpeg_progress;
  progress.err = &err;
  if (setjmp(err.jump)) {
    jpeg_destroy_decompress(&cinfo);
    if (err.too_many_scans) return Error(Errc::image_too_large, std::string("JPEG: ") + err.message);
    std::string msg = err.message;
    bool eof = err.truncated || msg.find("end of") != std::string::npos || msg.find("EOF") != std::string::npos;
    return Error(eof ? Errc::image_truncated : Errc::image_malformed, "JPEG: " + msg);
  }
  jpeg_create_decompress(&cinfo);
  cinfo.progress = &progress.mgr;
  cinfo.mem->max_memory_to_use = 512L << 20;
  jpeg_mem_src(&cinfo, data.data(), static_cast<unsigned long>(data.size()));
  if (jpeg_read_header(&cinfo, TRUE) != JPEG_HEADER_OK) {
    jpeg_destroy_decompress(&cinfo);
    return Error(Errc::image_truncated, "JPEG: no image header");
  }
  if (auto st = check_dimensions(cinfo.image_width, cinfo.image_height, lim, "JPEG"); !st) {
    jpeg_destroy_decompress(&cinfo);
    return st.error();
  }
  cinfo.out_color_space = JCS_EXT_RGBA;
  jpeg_start_decompress(&cinfo);
  out = Raster(static_cast<int>(cinfo.output_width), static_cast<int>(cinfo.output_height));
  while (cinfo.output_scanline < cinfo.output_height) {
    JSAMPROW row = out.rgba.data() + static_cast<std::size_t>(cinfo.output_scanline) * out.width * 4;
    if (jpeg_read_scanlines(&cinfo, &row, 1) != 1) break;
  }
  bool complete = cinfo.output_scanline == cinfo.output_height;
  if (complete) jpeg_finish_decompress(&cinfo);
  jpeg_destroy_decompress(&cinfo);
  if (err.truncated || !complete) return Error(Errc::image_truncated, "JPEG: the data ends before the last scan line");
  if (err.corrupt) return Error(Errc::image_malformed, std::string("JPEG: corrupt data: ") + err.message);
  return std::move(out);
}

// --- PNG writing: libpng's error callback longjmps to png_jmpbuf. ---
struct PngSink {
  Bytes* out;
};
void png_write_cb(png_structp p, png_bytep d, png_size_t n) {
  auto* s = static_cast<PngSink*>(png_get_io_ptr(p));
  s->out->insert(s->out->end(), d, d + n);
}
void png_flush_cb(png_structp) {}

}  // namespace

ImageFormat sniff_format(ByteView d) {
  if (d.size() >= 8 && std::memcmp(d.data(), kPngSig, 8) == 0) return ImageFormat::png;
  if (d.size() >= 3 && d[0] == 0xFF && d[1] == 0xD8 && d[2] == 0xFF) return ImageFormat::jpeg;
  return ImageFormat::unknown;
}

std::string_view format_name(ImageFormat f) {
  switch (f) {
    case ImageFormat::png: return "PNG";
    case ImageFormat::jpeg: return "JPG";
    default: return "unknown";
  }
}

Result<Raster> decode_image(ByteView data, const DecodeLimits& limits) {
  switch (sniff_format(data)) {
    case ImageFormat::png: return decode_png(data, limits);
    case ImageFormat::jpeg: return decode_jpeg(data, limits);
    default:
      if (data.empty()) return Error(Errc::image_malformed, "the image is empty");
      return Error(Errc::image_malformed, "not a PNG or JPEG file (unknown signature)");
  }
}

Result<Raster> decode_png(ByteView data, const DecodeLimits& lim) {
  MEDSIGN_TRY(check_input(data, lim));
  if (data.size() < 8 || std::memcmp(data.data(), kPngSig, 8) != 0)
    return Error(Errc::image_malformed, "PNG: bad signature");
  // IHDR must be the first chunk; read the dimensions ourselves before libpng allocates anything.
  if (data.size() < 8 + 8 + 13 + 4) return Error(Errc::image_truncated, "PNG: the file ends inside the header");
  if (be32(&data[8]) != 13 || std::memcmp(&data[12], "IHDR", 4) != 0)
    return Error(Errc::image_malformed, "PNG: the first chunk is not a valid IHDR");
  MEDSIGN_TRY(check_dimensions(be32(&data[16]), be32(&data[20]), lim, "PNG"));

  png_image img;
  std::memset(&img, 0, sizeof img);
  img.version = PNG_IMAGE_VERSION;
  if (!png_image_begin_read_from_memory(&img, data.data(), data.size())) {
    std::string msg = img.message;
    png_image_free(&img);
    bool eof = msg.find("end of data") != std::string::npos || msg.find("truncated") != std::string::npos;
    return Error(eof ? Errc::image_truncated : Errc::image_malformed, "PNG: " + msg);
  }
  MEDSIGN_TRY(check_dimensions(img.width, img.height, lim, "PNG"));
  img.format = PNG_FORMAT_RGBA;
  Raster out(static_cast<int>(img.width), static_cast<int>(img.height));
  if (!png_image_finish_read(&img, nullptr, out.rgba.data(), 0, nullptr)) {
    std::string msg = img.message;
    png_image_free(&img);
    bool eof = msg.find("end of data") != std::string::npos || msg.find("truncated") != std::string::npos ||
               msg.find("Not enough image data") != std::string::npos;
    return Error(eof ? Errc::image_truncated : Errc::image_malformed, "PNG: " + msg);
  }
  png_image_free(&img);
  return out;
}

Result<Raster> decode_jpeg(ByteView data, const DecodeLimits& lim) {
  MEDSIGN_TRY(check_input(data, lim));
  if (data.size() < 3 || data[0] != 0xFF || data[1] != 0xD8)
    return Error(Errc::image_malformed, "JPEG: bad signature");
  Raster out;
  return decode_jpeg_impl(data, lim, out);
}

Result<Bytes> encode_png(const Raster& img, int dpi) {
  if (img.width <= 0 || img.height <= 0 ||
      img.rgba.size() != static_cast<std::size_t>(img.width) * img.height * 4)
    return Error(Errc::invalid_argument, "encode_png: empty or inconsistent raster");
  Bytes out;
  PngSink sink{&out};
  png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, nullptr, nullptr, nullptr);
  if (!png) return Error(Errc::internal, "PNG: out of memory");
  png_infop info = png_create_info_struct(png);
  if (!info || setjmp(png_jmpbuf(png))) {
    png_destroy_write_struct(&png, info ? &info : nullptr);
    return Error(Errc::internal, "PNG: encoding failed");
  }
  png_set_write_fn(png, &sink, png_write_cb, png_flush_cb);
  png_set_IHDR(png, info, static_cast<png_uint_32>(img.width), static_cast<png_uint_32>(img.height), 8,
               PNG_COLOR_TYPE_RGB_ALPHA, PNG_INTERLACE_NONE, PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
  if (dpi > 0) {
    auto ppm = static_cast<png_uint_32>(dpi / 0.0254 + 0.5);
    png_set_pHYs(png, info, ppm, ppm, PNG_RESOLUTION_METER);
  }
  png_set_compression_level(png, 6);
  png_write_info(png, info);
  for (int y = 0; y < img.height; ++y)
    png_write_row(png, const_cast<png_bytep>(img.rgba.data() + static_cast<std::size_t>(y) * img.width * 4));
  png_write_end(png, info);
  png_destroy_write_struct(&png, &info);
  return out;
}

}  // namespace medsign::image
