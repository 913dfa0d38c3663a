// Previews of seal pictures for the web console: render a seal from JSON options, and clean an uploaded
// photo or scan of a signature or stamp. Operators only (operate_business). Nothing is stored, so nothing
// is audited beyond denials; the seal objects that keep a picture are audited where they are made.
#include "image/cleanup.h"
#include "image/codec.h"
#include "image/seal_render.h"
#include "server/api.h"

namespace medsign::server::api {
namespace {
using services::Permission;

constexpr int kMaxPreviewDpi = 600;  // previews stay small; print-resolution files come from the CLI or batch

HttpResponse png_response(const Bytes& png) {
  auto res = text_response(200, std::string(png.begin(), png.end()), "image/png");
  res.set(http::field::cache_control, "no-store");
  return res;
}

Status get_string(const nlohmann::json& j, const char* key, std::string& out, std::size_t max_len) {
  if (!j.contains(key) || j[key].is_null()) return {};
  if (!j[key].is_string()) return Error(Errc::invalid_argument, std::string(key) + " must be a string");
  out = j[key].get<std::string>();
  if (out.size() > max_len)
    return Error(Errc::invalid_argument, std::string(key) + " is longer than " + std::to_string(max_len) + " bytes");
  return {};
}

template <typename T>
Status get_number(const nlohmann::json& j, const char* key, T& out) {
  if (!j.contains(key) || j[key].is_null()) return {};
  if (!j[key].is_number()) return Error(Errc::invalid_argument, std::string(key) + " must be a number");
  out = j[key].get<T>();
  return {};
}

Status get_bool(const nlohmann::json& j, const char* key, bool& out) {
  if (!j.contains(key) || j[key].is_null()) return {};
  if (!j[key].is_boolean()) return Error(Errc::invalid_argument, std::string(key) + " must be true or false");
  out = j[key].get<bool>();
  return {};
}

Result<image::SealOptions> seal_options(const nlohmann::json& j) {
  if (!j.is_object()) return Error(Errc::bad_request, "the body must be a JSON object");
  image::SealOptions o;
  std::string kind;
  MEDSIGN_TRY(get_string(j, "kind", kind, 16));
  if (kind.empty()) return Error(Errc::missing_field, "kind: round, oval, square, name or name-rect");
  auto k = image::parse_seal_kind(kind);
  if (!k) return Error(Errc::invalid_argument, "kind: '" + kind + "' is not round, oval, square, name or name-rect");
  o.kind = *k;
  o.star = o.kind == image::SealKind::round;
  MEDSIGN_TRY(get_string(j, "name", o.name, 400));
  MEDSIGN_TRY(get_string(j, "text", o.text, 200));
  MEDSIGN_TRY(get_string(j, "code", o.code, 200));
  MEDSIGN_TRY(get_string(j, "font", o.font, 200));
  MEDSIGN_TRY(get_string(j, "colour", o.colour, 16));
  MEDSIGN_TRY(get_number(j, "width_mm", o.width_mm));
  MEDSIGN_TRY(get_number(j, "height_mm", o.height_mm));
  MEDSIGN_TRY(get_number(j, "ring_width_mm", o.ring_width_mm));
  MEDSIGN_TRY(get_number(j, "text_angle_deg", o.text_angle_deg));
  MEDSIGN_TRY(get_number(j, "char_spacing", o.char_spacing));
  double dpi = o.dpi;
  MEDSIGN_TRY(get_number(j, "dpi", dpi));
  if (dpi < 72 || dpi > kMaxPreviewDpi)
    return Error(Errc::invalid_argument, "dpi must be 72.." + std::to_string(kMaxPreviewDpi) + " for a preview");
  o.dpi = static_cast<int>(dpi);
  MEDSIGN_TRY(get_bool(j, "star", o.star));
  MEDSIGN_TRY(get_bool(j, "worn", o.worn));
  return o;
}

Result<image::CleanOptions> clean_options(const RequestContext& ctx) {
  image::CleanOptions o;
  auto mode = image::parse_clean_mode(ctx.query_or("mode", "ink"));
  if (!mode) return Error(Errc::invalid_argument, "mode must be ink or stamp");
  o.mode = *mode;
  o.colour = ctx.query_or("colour", "");
  std::string crop = ctx.query_or("crop", "true");
  if (crop != "true" && crop != "false") return Error(Errc::invalid_argument, "crop must be true or false");
  o.crop = crop == "true";
  std::string k = ctx.query_or("k", "");
  if (!k.empty()) {
    char* end = nullptr;
    o.k = std::strtod(k.c_str(), &end);
    if (end != k.c_str() + k.size()) return Error(Errc::invalid_argument, "k must be a number");
  }
  return o;
}
}  // namespace

void register_seal_images(Router& r, ApiContext& api) {
  r.add(http::verb::post, "/api/v1/seal-images/render", [&](RequestContext& ctx) {
    auto a = authorize(api, ctx, Permission::operate_business);
    if (!a) return error_response(a.error(), ctx.request_id);
    auto j = parse_json_body(ctx);
    if (!j) return error_response(j.error(), ctx.request_id);
    auto o = seal_options(*j);
    if (!o) return error_response(o.error(), ctx.request_id);
    auto pic = image::render_seal(*o);
    if (!pic) return error_response(pic.error(), ctx.request_id);
    auto png = image::encode_png(pic->raster, pic->dpi);
    if (!png) return error_response(png.error(), ctx.request_id);
    auto res = png_response(*png);
    res.set("X-Seal-Width-Mm", std::to_string(pic->width_mm));
    res.set("X-Seal-Height-Mm", std::to_string(pic->height_mm));
    return res;
  });

  r.add(http::verb::post, "/api/v1/seal-images/clean", [&](RequestContext& ctx) {
    auto a = authorize(api, ctx, Permission::operate_business);
    if (!a) return error_response(a.error(), ctx.request_id);
    std::string type = ctx.header("Content-Type");
    if (type.rfind("image/png", 0) != 0 && type.rfind("image/jpeg", 0) != 0 &&
        type.rfind("application/octet-stream", 0) != 0)
      return error_response(Error(Errc::unsupported_media_type, "send the image as image/png or image/jpeg"),
                            ctx.request_id);
    auto o = clean_options(ctx);
    if (!o) return error_response(o.error(), ctx.request_id);
    auto img = image::decode_image(as_bytes(ctx.req.body()));
    if (!img) return error_response(img.error(), ctx.request_id);
    auto cleaned = image::clean_scan(*img, *o);
    if (!cleaned) return error_response(cleaned.error(), ctx.request_id);
    auto png = image::encode_png(cleaned->image);
    if (!png) return error_response(png.error(), ctx.request_id);
    auto res = png_response(*png);
    res.set("X-Specks-Removed", std::to_string(cleaned->specks_removed));
    return res;
  });
}

}  // namespace medsign::server::api
