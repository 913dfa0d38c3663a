#include "pdf/appearance.h"

#include <cmath>
#include <cstdio>

#include <zlib.h>

#include "image/codec.h"

namespace medsign::pdf {

std::string num(double v) {
  if (!std::isfinite(v)) v = 0;
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.4f", v);
  std::string s(buf);
  while (!s.empty() && s.back() == '0') s.pop_back();
  if (!s.empty() && s.back() == '.') s.pop_back();
  if (s.empty() || s == "-0") return std::string(1, '0');
  return s;
}

Result<std::string> flate(ByteView data) {
  uLongf len = compressBound(static_cast<uLong>(data.size()));
  std::string out(len, '\0');
  if (compress2(reinterpret_cast<Bytef*>(out.data()), &len, data.data(), static_cast<uLong>(data.size()), 6) != Z_OK)
    return Error(Errc::internal, "PDF: Flate compression failed");
  out.resize(len);
  return out;
}

Result<ImageObjects> make_image_objects(ByteView picture, int smask_object) {
  MEDSIGN_ASSIGN(image::Raster r, image::decode_image(picture));
  std::size_t n = static_cast<std::size_t>(r.width) * static_cast<std::size_t>(r.height);
  Bytes rgb(n * 3), alpha(n);
  for (std::size_t i = 0; i < n; ++i) {
    rgb[i * 3] = r.rgba[i * 4];
    rgb[i * 3 + 1] = r.rgba[i * 4 + 1];
    rgb[i * 3 + 2] = r.rgba[i * 4 + 2];
    alpha[i] = r.rgba[i * 4 + 3];
  }
  MEDSIGN_ASSIGN(std::string zrgb, flate(rgb));
  MEDSIGN_ASSIGN(std::string zalpha, flate(alpha));
  const std::string dims = "/Width " + std::to_string(r.width) + " /Height " + std::to_string(r.height);
  ImageObjects o;
  o.width = r.width;
  o.height = r.height;
  o.image = "<< /Type /XObject /Subtype /Image ";
  o.image.append(dims).append(" /ColorSpace /DeviceRGB /BitsPerComponent 8 /Filter /FlateDecode /SMask ");
  o.image.append(std::to_string(smask_object)).append(" 0 R /Length ").append(std::to_string(zrgb.size()));
  o.image.append(" >>\nstream\n").append(zrgb).append("\nendstream");
  o.smask = "<< /Type /XObject /Subtype /Image ";
  o.smask.append(dims).append(" /ColorSpace /DeviceGray /BitsPerComponent 8 /Filter /FlateDecode /Length ");
  o.smask.append(std::to_string(zalpha.size())).append(" >>\nstream\n").append(zalpha).append("\nendstream");
  return o;
}

std::string make_form_object(double w, double h, int image_object, int rotate) {
  std::string content = "q ";
  content.append(num(w)).append(" 0 0 ").append(num(h)).append(" 0 0 cm /Im0 Do Q");
  std::string matrix;
  switch (rotate) {
    case 90: matrix = " /Matrix [0 1 -1 0 0 0]"; break;
    case 180: matrix = " /Matrix [-1 0 0 -1 0 0]"; break;
    case 270: matrix = " /Matrix [0 -1 1 0 0 0]"; break;
    default: break;
  }
  std::string o = "<< /Type /XObject /Subtype /Form /BBox [0 0 ";
  o.append(num(w)).append(" ").append(num(h)).append("]").append(matrix);
  o.append(" /Resources << /XObject << /Im0 ").append(std::to_string(image_object)).append(" 0 R >> >> /Length ");
  o.append(std::to_string(content.size())).append(" >>\nstream\n").append(content).append("\nendstream");
  return o;
}

}  // namespace medsign::pdf
