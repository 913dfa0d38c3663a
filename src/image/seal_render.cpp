// Layout of the seal kinds. All geometry is in millimetres with the origin at the seal's centre and y down;
// the cairo transform maps it to pixels. Proportions follow common Chinese official seals (40 mm round seal:
// ring 1.2 mm, name characters about 6.4 mm tall, star about 13.6 mm across, horizontal text about 4 mm).
#include "image/seal_render.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <vector>

#include "image/seal_text.h"

namespace medsign::image {
namespace {
using detail::SealFont;
constexpr double kPi = 3.14159265358979323846;
constexpr double kMargin = 0.25;  // mm kept clear at the picture's edge so antialiasing is not clipped

double rad(double deg) { return deg * kPi / 180.0; }

struct Ellipse {
  double a, b;  // semi-axes (mm)
};

struct Placed {
  double x, y, rotation;  // centre of the character and rotation (radians) of its "up" from screen up
};

// Places n characters evenly by arc length on the ellipse (a cos t, b sin t), centred on parameter angle
// t_mid, over a parametric span. upright_out: characters' tops point away from the centre (upper arc);
// otherwise towards it (lower arc, reading left to right).
std::vector<Placed> place_on_ellipse(Ellipse e, double t_mid, double span, std::size_t n, bool upright_out) {
  std::vector<Placed> out;
  if (n == 0) return out;
  constexpr int kSteps = 2048;
  double t0 = t_mid - span / 2;
  std::vector<double> cum(kSteps + 1, 0.0);
  for (int i = 1; i <= kSteps; ++i) {
    double ta = t0 + span * (i - 1) / kSteps, tb = t0 + span * i / kSteps;
    cum[i] = cum[i - 1] + std::hypot(e.a * (std::cos(tb) - std::cos(ta)), e.b * (std::sin(tb) - std::sin(ta)));
  }
  double total = cum[kSteps];
  for (std::size_t k = 0; k < n; ++k) {
    double target = total * (static_cast<double>(k) + 0.5) / static_cast<double>(n);
    auto it = std::lower_bound(cum.begin(), cum.end(), target);
    int i = static_cast<int>(std::clamp<std::ptrdiff_t>(it - cum.begin(), 1, kSteps));
    double f = (target - cum[i - 1]) / std::max(1e-12, cum[i] - cum[i - 1]);
    double t = t0 + span * (i - 1 + f) / kSteps;
    double x = e.a * std::cos(t), y = e.b * std::sin(t);
    double normal = std::atan2(e.a * std::sin(t), e.b * std::cos(t));  // outward normal direction
    out.push_back({x, y, upright_out ? normal + kPi / 2 : normal - kPi / 2});
  }
  if (!upright_out) std::reverse(out.begin(), out.end());  // lower arc: read left to right
  return out;
}

// Arc length of the ellipse over a parametric span centred at t_mid.
double arc_length(Ellipse e, double t_mid, double span) {
  double len = 0;
  constexpr int kSteps = 512;
  for (int i = 0; i < kSteps; ++i) {
    double ta = t_mid - span / 2 + span * i / kSteps, tb = t_mid - span / 2 + span * (i + 1) / kSteps;
    len += std::hypot(e.a * (std::cos(tb) - std::cos(ta)), e.b * (std::sin(tb) - std::sin(ta)));
  }
  return len;
}

void draw_star(cairo_t* cr, double cx, double cy, double r) {
  double ri = r * std::sin(rad(18)) / std::sin(rad(126));  // inner radius of a regular pentagram (~0.382 r)
  for (int i = 0; i < 10; ++i) {
    double ang = rad(-90 + 36.0 * i);
    double rr = (i % 2 == 0) ? r : ri;
    double x = cx + rr * std::cos(ang), y = cy + rr * std::sin(ang);
    if (i == 0)
      cairo_move_to(cr, x, y);
    else
      cairo_line_to(cr, x, y);
  }
  cairo_close_path(cr);
  cairo_fill(cr);
}

void stroke_ellipse(cairo_t* cr, double a, double b, double width) {
  cairo_save(cr);
  cairo_scale(cr, a, b);
  cairo_new_sub_path(cr);
  cairo_arc(cr, 0, 0, 1, 0, 2 * kPi);
  cairo_restore(cr);
  cairo_set_line_width(cr, width);
  cairo_stroke(cr);
}

// Draws chars along an elliptical arc. size = em size; sx = horizontal squeeze.
void draw_arc_text(cairo_t* cr, const SealFont& font, const std::u32string& chars, const std::vector<Placed>& at,
                   double size, double sx) {
  detail::use_font(cr, font, size);
  for (std::size_t i = 0; i < chars.size(); ++i) {
    cairo_save(cr);
    cairo_translate(cr, at[i].x, at[i].y);
    cairo_rotate(cr, at[i].rotation);
    detail::draw_char_centred(cr, chars[i], sx);
    cairo_restore(cr);
  }
}

// One horizontal line centred at (0, y) whose width may not exceed max_width.
void draw_line_text(cairo_t* cr, const SealFont& font, const std::u32string& chars, double y, double size,
                    double spacing, double max_width) {
  if (chars.empty()) return;
  detail::use_font(cr, font, size);
  std::vector<double> adv;
  double natural = 0;
  for (auto c : chars) {
    adv.push_back(detail::char_advance(cr, c));
    natural += adv.back();
  }
  double gap = size * 0.08 * spacing;
  double total = natural + gap * static_cast<double>(chars.size() - 1);
  double sx = std::min(0.9, max_width / total);  // seal type is a little narrower than it is tall
  double x = -total * sx / 2;
  for (std::size_t i = 0; i < chars.size(); ++i) {
    cairo_save(cr);
    cairo_translate(cr, x + adv[i] * sx / 2, y);
    detail::draw_char_centred(cr, chars[i], sx);
    cairo_restore(cr);
    x += (adv[i] + gap) * sx;
  }
}

// Small white flecks as left by a real stamp; a fixed seed keeps the output reproducible.
void wear(cairo_t* cr, double w, double h) {
  std::uint32_t s = 0x5EA15EA1u;
  auto next = [&s] {
    s ^= s << 13;
    s ^= s >> 17;
    s ^= s << 5;
    return (s & 0xFFFFFF) / double(0x1000000);
  };
  cairo_save(cr);
  cairo_set_operator(cr, CAIRO_OPERATOR_DEST_OUT);
  int count = static_cast<int>(w * h * 0.35);
  for (int i = 0; i < count; ++i) {
    double x = (next() - 0.5) * w, y = (next() - 0.5) * h, r = 0.05 + next() * 0.22;
    cairo_set_source_rgba(cr, 0, 0, 0, 0.35 + next() * 0.6);
    cairo_new_sub_path(cr);
    cairo_arc(cr, x, y, r, 0, 2 * kPi);
    cairo_fill(cr);
  }
  cairo_restore(cr);
}

struct Ctx {
  cairo_t* cr;
  const SealFont& font;
  const SealOptions& o;
  double w, h, ring;
  std::u32string name, text, code;
};

// Round and oval seals share one layout on ellipses (a circle is an ellipse with a = b).
void draw_round_or_oval(Ctx& c, bool oval) {
  cairo_t* cr = c.cr;
  double a = c.w / 2 - kMargin, b = c.h / 2 - kMargin;
  double scale = std::min(c.w, c.h);  // the seal's small dimension drives type sizes
  stroke_ellipse(cr, a - c.ring / 2, b - c.ring / 2, c.ring);
  double inset = c.ring;  // from the outer edge to the inside of the rings
  if (oval) {
    double gap = std::max(0.4, c.ring * 0.5), thin = std::max(0.25, c.ring * 0.25);
    stroke_ellipse(cr, a - c.ring - gap - thin / 2, b - c.ring - gap - thin / 2, thin);
    inset += gap + thin;
  }
  // Code along the lower arc (small characters reading left to right).
  double code_h = scale * (oval ? 0.075 : 0.055);
  double code_inset = inset + scale * 0.0125 + code_h / 2;
  Ellipse code_e{a - code_inset, b - code_inset};
  double code_span = 0;
  if (!c.code.empty()) {
    detail::use_font(cr, c.font, code_h);
    double len = 0;
    for (auto ch : c.code) len += detail::char_advance(cr, ch) * 0.9 + code_h * 0.12 * c.o.char_spacing;
    code_span = std::min(rad(150), len / std::min(code_e.a, code_e.b));
    // convert the arc length to a parametric span on the ellipse (iterate: arc_length is monotonic in span)
    double lo = 0, hi = rad(150);
    for (int i = 0; i < 40; ++i) {
      double mid = (lo + hi) / 2;
      (arc_length(code_e, kPi / 2, mid) < len ? lo : hi) = mid;
    }
    code_span = lo;
    double pitch = len / static_cast<double>(c.code.size());
    double sx = std::min(1.0, arc_length(code_e, kPi / 2, code_span) / static_cast<double>(c.code.size()) / pitch);
    draw_arc_text(cr, c.font, c.code, place_on_ellipse(code_e, kPi / 2, code_span, c.code.size(), false), code_h,
                  0.9 * sx);
  }
  // Name along the upper arc, characters upright relative to the arc.
  std::size_t n = c.name.size();
  double name_h = scale * (oval ? 0.155 : 0.16);
  double max_span = rad(290) - (code_span > 0 ? code_span + rad(30) : 0);
  double span = c.o.text_angle_deg > 0 ? rad(c.o.text_angle_deg)
                                       : std::clamp(rad(20.0) * static_cast<double>(n), rad(60),
                                                    rad(oval ? 210 : 250));
  span = std::min(span, max_span);
  double name_gap = scale * (oval ? 0.045 : 0.02);  // the ellipse bends sharply at its ends: more room
  double name_inset = inset + name_gap + name_h / 2;
  Ellipse name_e{a - name_inset, b - name_inset};
  double pitch = arc_length(name_e, -kPi / 2, span) / static_cast<double>(n);
  double sx = std::min(0.75, pitch * 0.8 / name_h);
  if (sx < 0.5) {  // very long names: smaller characters rather than slivers
    name_h = pitch * 0.8 / 0.5;
    sx = 0.5;
    name_inset = inset + name_gap + name_h / 2;
    name_e = {a - name_inset, b - name_inset};
  }
  draw_arc_text(cr, c.font, c.name, place_on_ellipse(name_e, -kPi / 2, span, n, true), name_h, sx);
  // Star in the middle.
  double star_r = scale * 0.17;
  bool star = c.o.star && !oval;
  if (star) draw_star(cr, 0, 0, star_r);
  // Horizontal text: under the star (round) or across the middle (oval).
  if (!c.text.empty()) {
    double th = scale * (oval ? 0.14 : 0.10);
    double y = star ? star_r * std::cos(rad(36)) + scale * 0.035 + th / 2 : (oval ? b * 0.18 : 0.0);
    // the line must stay inside the arc texts' inner boundary (or the ring)
    double limit_a = (c.code.empty() ? a - inset - scale * 0.03 : code_e.a - code_h / 2 - scale * 0.02);
    double limit_b = (c.code.empty() ? b - inset - scale * 0.03 : code_e.b - code_h / 2 - scale * 0.02);
    double yy = std::min(0.98, (y + th / 2) / limit_b);
    double half = limit_a * std::sqrt(1 - yy * yy);
    draw_line_text(cr, c.font, c.text, y, th, c.o.char_spacing, 2 * half * 0.92);
  }
}

// Square and personal name seals: characters fill the cells of a grid read in columns right to left.
void draw_square(Ctx& c, bool personal) {
  cairo_t* cr = c.cr;
  double w = c.w - 2 * kMargin, h = c.h - 2 * kMargin;
  cairo_rectangle(cr, -w / 2 + c.ring / 2, -h / 2 + c.ring / 2, w - c.ring, h - c.ring);
  cairo_set_line_width(cr, c.ring);
  cairo_set_line_join(cr, CAIRO_LINE_JOIN_MITER);
  cairo_stroke(cr);
  double pad = std::min(w, h) * (personal ? 0.07 : 0.06);
  double iw = w - 2 * c.ring - 2 * pad, ih = h - 2 * c.ring - 2 * pad;
  double gap = std::min(w, h) * 0.05;
  detail::use_font(cr, c.font, ih);
  struct Cell {
    double x, y, w, h;
  };
  std::vector<Cell> cells;
  std::size_t n = c.name.size();
  double colw = (iw - gap) / 2, rowh = (ih - gap) / 2;
  double xr = iw / 2 - colw / 2, xl = -iw / 2 + colw / 2, yt = -ih / 2 + rowh / 2, yb = ih / 2 - rowh / 2;
  if (n == 1) cells = {{0, 0, iw, ih}};
  if (n == 2) cells = {{xr, 0, colw, ih}, {xl, 0, colw, ih}};
  if (n == 3) cells = {{xr, 0, colw, ih}, {xl, yt, colw, rowh}, {xl, yb, colw, rowh}};
  if (n == 4) cells = {{xr, yt, colw, rowh}, {xr, yb, colw, rowh}, {xl, yt, colw, rowh}, {xl, yb, colw, rowh}};
  for (std::size_t i = 0; i < n && i < cells.size(); ++i) {
    cairo_save(cr);
    cairo_translate(cr, cells[i].x, cells[i].y);
    detail::draw_char_filling(cr, c.name[i], cells[i].w, cells[i].h);
    cairo_restore(cr);
  }
}

void draw_name_rect(Ctx& c) {
  cairo_t* cr = c.cr;
  double w = c.w - 2 * kMargin, h = c.h - 2 * kMargin;
  cairo_rectangle(cr, -w / 2 + c.ring / 2, -h / 2 + c.ring / 2, w - c.ring, h - c.ring);
  cairo_set_line_width(cr, c.ring);
  cairo_stroke(cr);
  double pad = h * 0.12;
  double iw = w - 2 * c.ring - 2 * pad, ih = h - 2 * c.ring - 2 * pad;
  std::size_t n = c.name.size();
  double gap = ih * 0.12 * c.o.char_spacing;
  double cw = (iw - gap * static_cast<double>(n - 1)) / static_cast<double>(n);
  double chw = std::min(cw, ih * 1.1);  // keep characters from being stretched much wider than tall
  detail::use_font(cr, c.font, ih);
  for (std::size_t i = 0; i < n; ++i) {
    cairo_save(cr);
    cairo_translate(cr, -iw / 2 + cw / 2 + static_cast<double>(i) * (cw + gap), 0);
    detail::draw_char_filling(cr, c.name[i], chw, ih);
    cairo_restore(cr);
  }
}

struct Defaults {
  double w, h, ring;
  std::size_t max_name;
};

Defaults defaults_for(SealKind k) {
  switch (k) {
    case SealKind::round: return {40, 40, 1.2, 40};
    case SealKind::oval: return {45, 30, 1.2, 30};
    case SealKind::square: return {25, 25, 1.0, 4};
    case SealKind::name: return {18, 18, 0.8, 4};
    case SealKind::name_rect: return {24, 10, 0.7, 8};
  }
  return {40, 40, 1.2, 40};
}

Status check_chars(const SealFont& font, const std::u32string& s, const char* field) {
  for (auto ch : s) {
    if (ch == U' ' || ch == U'\u3000') continue;
    if (ch < 0x20 || !font.has_char(ch))
      return Error(Errc::invalid_argument, std::string(field) + ": the font has no glyph for '" + detail::utf8_of(ch) +
                                               "' (U+" + std::to_string(static_cast<std::uint32_t>(ch)) + ")");
  }
  return {};
}

}  // namespace

std::optional<SealKind> parse_seal_kind(std::string_view s) {
  if (s == "round") return SealKind::round;
  if (s == "oval") return SealKind::oval;
  if (s == "square") return SealKind::square;
  if (s == "name") return SealKind::name;
  if (s == "name-rect" || s == "name_rect") return SealKind::name_rect;
  return std::nullopt;
}

std::string_view seal_kind_name(SealKind k) {
  switch (k) {
    case SealKind::round: return "round";
    case SealKind::oval: return "oval";
    case SealKind::square: return "square";
    case SealKind::name: return "name";
    case SealKind::name_rect: return "name-rect";
  }
  return "round";
}

Result<Rgb> parse_colour(std::string_view s) {
  if (!s.empty() && s[0] == '#') s.remove_prefix(1);
  if (s.size() != 6) return Error(Errc::invalid_argument, "colour must be #RRGGBB");
  auto hex = [](char ch) -> int {
    if (ch >= '0' && ch <= '9') return ch - '0';
    if (ch >= 'a' && ch <= 'f') return ch - 'a' + 10;
    if (ch >= 'A' && ch <= 'F') return ch - 'A' + 10;
    return -1;
  };
  int v[6];
  for (int i = 0; i < 6; ++i)
    if ((v[i] = hex(s[i])) < 0) return Error(Errc::invalid_argument, "colour must be #RRGGBB");
  return Rgb{static_cast<std::uint8_t>(v[0] * 16 + v[1]), static_cast<std::uint8_t>(v[2] * 16 + v[3]),
             static_cast<std::uint8_t>(v[4] * 16 + v[5])};
}

Result<std::u32string> utf8_to_u32(std::string_view s) {
  std::u32string out;
  for (std::size_t i = 0; i < s.size();) {
    auto c = static_cast<unsigned char>(s[i]);
    int len = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 0;
    if (len == 0 || i + len > s.size()) return Error(Errc::invalid_argument, "text is not valid UTF-8");
    char32_t cp = len == 1 ? c : len == 2 ? (c & 0x1F) : len == 3 ? (c & 0x0F) : (c & 0x07);
    for (int k = 1; k < len; ++k) {
      auto cc = static_cast<unsigned char>(s[i + k]);
      if ((cc >> 6) != 2) return Error(Errc::invalid_argument, "text is not valid UTF-8");
      cp = (cp << 6) | (cc & 0x3F);
    }
    static constexpr char32_t kMin[5] = {0, 0, 0x80, 0x800, 0x10000};
    if (cp < kMin[len] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
      return Error(Errc::invalid_argument, "text is not valid UTF-8");
    out.push_back(cp);
    i += static_cast<std::size_t>(len);
  }
  return out;
}

Result<SealPicture> render_seal(const SealOptions& o) {
  Defaults d = defaults_for(o.kind);
  double w = o.width_mm > 0 ? o.width_mm : d.w;
  double h = o.height_mm > 0 ? o.height_mm : (o.kind == SealKind::round || o.width_mm <= 0 ? d.h : w * d.h / d.w);
  if (o.kind == SealKind::round) h = w;
  if (o.kind == SealKind::square || o.kind == SealKind::name) h = o.height_mm > 0 ? o.height_mm : w;
  double ring = o.ring_width_mm > 0 ? o.ring_width_mm : d.ring * std::min(w, h) / std::min(d.w, d.h);
  if (w < 5 || h < 5 || w > 120 || h > 120) return Error(Errc::invalid_argument, "seal size must be 5..120 mm");
  if (o.dpi < 72 || o.dpi > 1200) return Error(Errc::invalid_argument, "dpi must be 72..1200");
  if (ring < 0.1 || ring > std::min(w, h) / 6) return Error(Errc::invalid_argument, "ring width is out of range");
  if (o.text_angle_deg < 0 || o.text_angle_deg > 300)
    return Error(Errc::invalid_argument, "text angle must be 0 (automatic) or up to 300 degrees");
  if (o.char_spacing < 0.2 || o.char_spacing > 5) return Error(Errc::invalid_argument, "char spacing must be 0.2..5");
  MEDSIGN_ASSIGN(Rgb colour, parse_colour(o.colour));
  MEDSIGN_ASSIGN(std::u32string name, utf8_to_u32(o.name));
  MEDSIGN_ASSIGN(std::u32string text, utf8_to_u32(o.text));
  MEDSIGN_ASSIGN(std::u32string code, utf8_to_u32(o.code));
  if (name.empty()) return Error(Errc::missing_field, "name: the seal needs a name");
  if (name.size() > d.max_name)
    return Error(Errc::invalid_argument, "name: at most " + std::to_string(d.max_name) + " characters for a " +
                                             std::string(seal_kind_name(o.kind)) + " seal");
  bool arc = o.kind == SealKind::round || o.kind == SealKind::oval;
  if (!arc && (!text.empty() || !code.empty()))
    return Error(Errc::invalid_argument, "text and code apply to round and oval seals only");
  if (text.size() > 16) return Error(Errc::invalid_argument, "text: at most 16 characters");
  if (code.size() > 40) return Error(Errc::invalid_argument, "code: at most 40 characters");
  MEDSIGN_ASSIGN(auto font, SealFont::find(o.font));
  MEDSIGN_TRY(check_chars(*font, name, "name"));
  MEDSIGN_TRY(check_chars(*font, text, "text"));
  MEDSIGN_TRY(check_chars(*font, code, "code"));

  int pw = static_cast<int>(std::ceil(w * o.dpi / 25.4 - 1e-9)), ph = static_cast<int>(std::ceil(h * o.dpi / 25.4 - 1e-9));
  cairo_surface_t* surf = cairo_image_surface_create(CAIRO_FORMAT_ARGB32, pw, ph);
  if (cairo_surface_status(surf) != CAIRO_STATUS_SUCCESS) {
    cairo_surface_destroy(surf);
    return Error(Errc::internal, "cairo: cannot create the surface");
  }
  cairo_t* cr = cairo_create(surf);
  cairo_set_antialias(cr, CAIRO_ANTIALIAS_GRAY);
  cairo_scale(cr, pw / w, ph / h);
  cairo_translate(cr, w / 2, h / 2);
  cairo_set_source_rgb(cr, 1, 1, 1);  // coverage only; the colour is applied when converting below
  Ctx c{cr, *font, o, w, h, ring, std::move(name), std::move(text), std::move(code)};
  switch (o.kind) {
    case SealKind::round: draw_round_or_oval(c, false); break;
    case SealKind::oval: draw_round_or_oval(c, true); break;
    case SealKind::square: draw_square(c, false); break;
    case SealKind::name: draw_square(c, true); break;
    case SealKind::name_rect: draw_name_rect(c); break;
  }
  if (o.worn) wear(cr, w, h);
  cairo_destroy(cr);
  cairo_surface_flush(surf);

  SealPicture pic;
  pic.width_mm = w;
  pic.height_mm = h;
  pic.dpi = o.dpi;
  pic.raster = Raster(pw, ph);
  const unsigned char* data = cairo_image_surface_get_data(surf);
  int stride = cairo_image_surface_get_stride(surf);
  for (int y = 0; y < ph; ++y) {
    auto* row = reinterpret_cast<const std::uint32_t*>(data + static_cast<std::size_t>(y) * stride);
    for (int x = 0; x < pw; ++x) {
      auto a = static_cast<std::uint8_t>(row[x] >> 24);
      std::uint8_t* p = pic.raster.at(x, y);
      if (a) {
        p[0] = colour.r;
        p[1] = colour.g;
        p[2] = colour.b;
      }
      p[3] = a;
    }
  }
  cairo_surface_destroy(surf);
  return pic;
}

}  // namespace medsign::image
