// Where a seal goes: absolute (page and lower-left corner in PDF points, origin at the visible page's
// lower-left, before rotation), viewer (page and the seal's top-left corner in points on the page as a viewer
// displays it: origin top-left, /Rotate applied — what a user picks by clicking), or keyword (the text found
// on the page through poppler; the seal is centred on it, moved by an offset).
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "pdf/document.h"

namespace medsign::pdf {

enum class PlacementMode { absolute, viewer, keyword };
enum class Occurrence { first, last, all };

struct Placement {
  PlacementMode mode = PlacementMode::absolute;
  int page = 1;           // 1-based; keyword mode: 0 searches every page
  double x = 0, y = 0;    // absolute / viewer, see above
  std::string keyword;    // UTF-8
  Occurrence occurrence = Occurrence::first;
  double dx = 0, dy = 0;  // keyword: offset of the seal's centre from the text's centre (right, up), points
};

// One widget to place: its page (0-based) and the annotation /Rect in default user space. `rotate` is the
// page's /Rotate, so the appearance can be turned to look upright.
struct WidgetPlace {
  int page_index = 0;
  Box rect;
  int rotate = 0;
};

// width/height: the seal's displayed size in points. Errors: pdf_page_out_of_range, pdf_keyword_not_found,
// invalid_argument (empty keyword, negative size).
Result<std::vector<WidgetPlace>> resolve_placement(const Document& doc, const Placement& p, double width, double height);

// A rectangle on the displayed page (top-left origin, rotation applied) to default user space.
Box viewer_to_user(const PageInfo& page, double left, double top, double right, double bottom);

}  // namespace medsign::pdf
