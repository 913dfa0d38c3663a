// Internal to the seal renderer: the seal font (found through fontconfig) and drawing single characters.
#pragma once

#include <memory>
#include <string>

#include <cairo.h>

#include "common/error.h"

namespace medsign::image::detail {

// A font face for cairo plus the set of characters it covers. Shared and cached per fontconfig pattern.
class SealFont {
 public:
  // font_missing when fontconfig offers no font of the requested family (it would silently substitute).
  static Result<std::shared_ptr<const SealFont>> find(const std::string& pattern);
  ~SealFont();
  SealFont(const SealFont&) = delete;
  SealFont& operator=(const SealFont&) = delete;

  cairo_font_face_t* face() const { return face_; }
  bool has_char(char32_t c) const;
  const std::string& file() const { return file_; }

 private:
  SealFont() = default;
  cairo_font_face_t* face_ = nullptr;
  void* match_ = nullptr;  // FcPattern*
  std::string file_;
};

// Selects the font at em size `size` (in user units) with outlines unhinted, so any transform renders alike.
void use_font(cairo_t* cr, const SealFont& font, double size);

// Draws c (em size set by use_font) so that the centre of its ideographic em box is at the origin; the
// glyph is scaled horizontally by sx. Returns false for a space (nothing drawn).
bool draw_char_centred(cairo_t* cr, char32_t c, double sx);

// Draws c scaled (non-uniformly) so that its ink box fills w x h centred at the origin.
void draw_char_filling(cairo_t* cr, char32_t c, double w, double h);

// The horizontal advance of c in user units (at the current font size), before any sx scaling.
double char_advance(cairo_t* cr, char32_t c);

std::string utf8_of(char32_t c);

}  // namespace medsign::image::detail
