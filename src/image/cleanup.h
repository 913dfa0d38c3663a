// Cleanup of an uploaded photo or scan of a handwritten signature or a stamped seal, into a transparent
// picture fit for a seal or a signature appearance.
//
// Pipeline (ink): grey level → background estimate (block percentiles, smoothed and interpolated, so uneven
// lighting and shadows divide out) → Sauvola adaptive threshold over integral images (O(1) per pixel,
// whatever the window) → connected components (8-neighbour) with small specks removed → crop to the
// content plus a margin → recolour, with alpha taken from the ink strength so edges stay smooth.
// Pipeline (stamp): red-hue strength in HSV (saturation of pixels whose hue is red) replaces the grey level,
// so black printed text, lines and the paper drop out; then the same components, crop and recolour.
#pragma once

#include <optional>
#include <string>

#include "common/error.h"
#include "image/raster.h"

namespace medsign::image {

enum class CleanMode { ink, stamp };

struct CleanOptions {
  CleanMode mode = CleanMode::ink;
  std::string colour;     // "black", "blue", "red" or #RRGGBB; "" = black for ink, seal red for stamps
  int window = 0;         // Sauvola window in pixels; 0 = automatic (about 1/10 of the shorter side)
  double k = 0.2;         // Sauvola sensitivity (0.05..0.8)
  int min_speck_px = 0;   // connected components smaller than this are removed; 0 = automatic
  int margin_px = -1;     // margin kept around the content when cropping; -1 = automatic
  bool crop = true;
};

struct CleanResult {
  Raster image;               // straight RGBA, transparent background
  int crop_x = 0, crop_y = 0; // where the output's top-left corner was in the input
  int components = 0;         // connected ink components kept
  int specks_removed = 0;     // components dropped as specks
};

// invalid_argument for bad options or an image with no ink at all (a blank page).
Result<CleanResult> clean_scan(const Raster& in, const CleanOptions& opts = {});

std::optional<CleanMode> parse_clean_mode(std::string_view s);  // "ink", "stamp"
// Named ink colours: black #1A1A1A, blue #1F3A93, red #E60012; or #RRGGBB.
Result<Rgb> parse_ink_colour(std::string_view s);

}  // namespace medsign::image
