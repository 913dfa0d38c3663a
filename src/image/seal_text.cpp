#include "image/seal_text.h"

#include <algorithm>
#include <map>
#include <mutex>

#include <cairo-ft.h>
#include <fontconfig/fontconfig.h>

namespace medsign::image::detail {
namespace {

std::string lower(std::string s) {
  for (auto& ch : s)
    if (ch >= 'A' && ch <= 'Z') ch = static_cast<char>(ch - 'A' + 'a');
  return s;
}

std::mutex g_mu;
std::map<std::string, std::shared_ptr<const SealFont>> g_cache;  // guarded by g_mu

}  // namespace

std::string utf8_of(char32_t c) {
  std::string s;
  if (c < 0x80) {
    s += static_cast<char>(c);
  } else if (c < 0x800) {
    s += static_cast<char>(0xC0 | (c >> 6));
    s += static_cast<char>(0x80 | (c & 0x3F));
  } else if (c < 0x10000) {
    s += static_cast<char>(0xE0 | (c >> 12));
    s += static_cast<char>(0x80 | ((c >> 6) & 0x3F));
    s += static_cast<char>(0x80 | (c & 0x3F));
  } else {
    s += static_cast<char>(0xF0 | (c >> 18));
    s += static_cast<char>(0x80 | ((c >> 12) & 0x3F));
    s += static_cast<char>(0x80 | ((c >> 6) & 0x3F));
    s += static_cast<char>(0x80 | (c & 0x3F));
  }
  return s;
}

Result<std::shared_ptr<const SealFont>> SealFont::find(const std::string& pattern) {
  std::lock_guard lk(g_mu);
  if (auto it = g_cache.find(pattern); it != g_cache.end()) return it->second;
  if (!FcInit()) return Error(Errc::font_missing, "fontconfig could not be initialised");
  FcPattern* pat = FcNameParse(reinterpret_cast<const FcChar8*>(pattern.c_str()));
  if (!pat) return Error(Errc::invalid_argument, "font: '" + pattern + "' is not a fontconfig pattern");
  FcChar8* want = nullptr;
  if (FcPatternGetString(pat, FC_FAMILY, 0, &want) != FcResultMatch) {
    FcPatternDestroy(pat);
    return Error(Errc::invalid_argument, "font: '" + pattern + "' names no family");
  }
  std::string wanted = reinterpret_cast<const char*>(want);
  FcConfigSubstitute(nullptr, pat, FcMatchPattern);
  FcDefaultSubstitute(pat);
  FcResult res = FcResultNoMatch;
  FcPattern* match = FcFontMatch(nullptr, pat, &res);
  FcPatternDestroy(pat);
  if (!match) return Error(Errc::font_missing, "no font matches '" + pattern + "'; install fonts-noto-cjk");
  // fontconfig always answers with *some* font; accept it only when one of its families is the one asked for.
  bool same = false;
  std::string got;
  FcChar8* fam = nullptr;
  for (int i = 0; FcPatternGetString(match, FC_FAMILY, i, &fam) == FcResultMatch; ++i) {
    std::string f = reinterpret_cast<const char*>(fam);
    if (i == 0) got = f;
    if (lower(f) == lower(wanted)) same = true;
  }
  if (!same) {
    FcPatternDestroy(match);
    return Error(Errc::font_missing, "font family '" + wanted + "' is not installed (fontconfig offers '" + got +
                                         "'); install fonts-noto-cjk");
  }
  auto font = std::shared_ptr<SealFont>(new SealFont());
  font->match_ = match;
  FcChar8* file = nullptr;
  if (FcPatternGetString(match, FC_FILE, 0, &file) == FcResultMatch) font->file_ = reinterpret_cast<const char*>(file);
  font->face_ = cairo_ft_font_face_create_for_pattern(match);
  if (!font->face_ || cairo_font_face_status(font->face_) != CAIRO_STATUS_SUCCESS)
    return Error(Errc::font_missing, "cairo cannot load the font " + font->file_);
  g_cache.emplace(pattern, font);
  return std::shared_ptr<const SealFont>(font);
}

SealFont::~SealFont() {
  if (face_) cairo_font_face_destroy(face_);
  if (match_) FcPatternDestroy(static_cast<FcPattern*>(match_));
}

bool SealFont::has_char(char32_t c) const {
  FcCharSet* cs = nullptr;
  if (FcPatternGetCharSet(static_cast<FcPattern*>(match_), FC_CHARSET, 0, &cs) != FcResultMatch) return true;
  return FcCharSetHasChar(cs, static_cast<FcChar32>(c)) == FcTrue;
}

void use_font(cairo_t* cr, const SealFont& font, double size) {
  cairo_set_font_face(cr, font.face());
  cairo_set_font_size(cr, size);
  cairo_font_options_t* fo = cairo_font_options_create();
  cairo_font_options_set_hint_style(fo, CAIRO_HINT_STYLE_NONE);
  cairo_font_options_set_hint_metrics(fo, CAIRO_HINT_METRICS_OFF);
  cairo_font_options_set_antialias(fo, CAIRO_ANTIALIAS_GRAY);
  cairo_set_font_options(cr, fo);
  cairo_font_options_destroy(fo);
}

double char_advance(cairo_t* cr, char32_t c) {
  cairo_text_extents_t ext;
  std::string s = utf8_of(c);
  cairo_text_extents(cr, s.c_str(), &ext);
  return ext.x_advance;
}

bool draw_char_centred(cairo_t* cr, char32_t c, double sx) {
  if (c == U' ' || c == U'\u3000') return false;
  std::string s = utf8_of(c);
  cairo_text_extents_t ext;
  cairo_text_extents(cr, s.c_str(), &ext);
  // The ideographic em box of CJK fonts spans 0.12 em below the baseline to 0.88 em above it.
  cairo_matrix_t fm;
  cairo_get_font_matrix(cr, &fm);
  double size = fm.yy;
  cairo_save(cr);
  cairo_scale(cr, sx, 1.0);
  cairo_move_to(cr, -ext.x_advance / 2, 0.38 * size);
  cairo_text_path(cr, s.c_str());
  cairo_fill(cr);
  cairo_restore(cr);
  return true;
}

void draw_char_filling(cairo_t* cr, char32_t c, double w, double h) {
  if (c == U' ' || c == U'\u3000') return;
  std::string s = utf8_of(c);
  cairo_text_extents_t ext;
  cairo_text_extents(cr, s.c_str(), &ext);
  if (ext.width <= 0 || ext.height <= 0) return;
  cairo_save(cr);
  // Fill the cell, but never stretch one direction more than 1.6 times the other (三 stays recognisable).
  double fx = w / ext.width, fy = h / ext.height;
  fx = std::min(fx, fy * 1.6);
  fy = std::min(fy, fx * 1.6);
  cairo_scale(cr, fx, fy);
  cairo_move_to(cr, -ext.x_bearing - ext.width / 2, -ext.y_bearing - ext.height / 2);
  cairo_text_path(cr, s.c_str());
  cairo_fill(cr);
  cairo_restore(cr);
}

}  // namespace medsign::image::detail
