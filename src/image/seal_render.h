// Seal pictures: an organisation's round official seal, the oval (finance) seal, square seals and personal
// name seals, drawn with cairo using a CJK font found through fontconfig (Noto Serif CJK SC Bold by default,
// Debian package fonts-noto-cjk). The result is a transparent, antialiased RGBA raster at a given real size
// and resolution, ready for the picture info (SES_ESPictrueInfo: PNG + width/height in mm) of a seal.
//
// Rendering is deterministic: the same options give the same pixels (and the same PNG bytes).
#pragma once

#include <optional>
#include <string>

#include "common/error.h"
#include "image/raster.h"

namespace medsign::image {

enum class SealKind {
  round,      // 公章: ring, name along the upper arc, star, horizontal text, optional code along the lower arc
  oval,       // 财务专用章 and similar: outer ring + thin inner ring, name along the upper arc, text, code
  square,     // 2x2 (or 2..4 characters) in a bordered square, read in columns right to left
  name,       // personal name seal: square, 2..4 characters like `square`, thinner border
  name_rect,  // personal name seal, rectangular, the characters on one line left to right
};

std::optional<SealKind> parse_seal_kind(std::string_view s);  // "round", "oval", "square", "name", "name-rect"
std::string_view seal_kind_name(SealKind k);

struct SealOptions {
  SealKind kind = SealKind::round;
  std::string name;   // organisation (round/oval: upper arc) or the characters of square/name seals (UTF-8)
  std::string text;   // horizontal line (round: under the star; oval: centre), e.g. 合同专用章
  std::string code;   // optional, round/oval: along the lower arc (e.g. the 18-character unified code)
  double width_mm = 0;   // 0 = default for the kind (round 40, oval 45, square 25, name 18, name_rect 24)
  double height_mm = 0;  // 0 = default (round: = width; oval 30; square/name: = width; name_rect 10)
  int dpi = 400;                     // >= 300 for print quality; 72..1200 accepted
  double ring_width_mm = 0;          // 0 = default (round/oval 1.2, square 1.0, name 0.8)
  std::string font = "Noto Serif CJK SC:style=Bold";  // a fontconfig pattern
  std::string colour = "#E60012";    // #RRGGBB
  double text_angle_deg = 0;         // round/oval: angle the name spreads over; 0 = chosen from its length
  double char_spacing = 1.0;         // scales the gap between characters of the horizontal text and the code
  bool star = true;                  // round: five-pointed star in the middle (oval: default off, see below)
  bool worn = false;                 // a light worn-ink texture, as from a real stamp (deterministic)
};

struct SealPicture {
  Raster raster;
  double width_mm = 0;
  double height_mm = 0;
  int dpi = 0;
};

// Errors: invalid_argument (empty or too long name, size or dpi out of range, bad colour, characters the
// font cannot draw), font_missing (fontconfig finds no font matching `font`).
Result<SealPicture> render_seal(const SealOptions& opts);

// Parses "#RRGGBB" (or "RRGGBB").
Result<Rgb> parse_colour(std::string_view s);

// Splits UTF-8 into code points; invalid_argument on malformed UTF-8.
Result<std::u32string> utf8_to_u32(std::string_view s);

}  // namespace medsign::image
