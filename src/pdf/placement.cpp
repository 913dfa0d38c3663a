#include "pdf/placement.h"

#include <algorithm>
#include <memory>

#include <poppler/cpp/poppler-document.h>
#include <poppler/cpp/poppler-page.h>

namespace medsign::pdf {
namespace {

struct Point {
  double x, y;
};

// A point on the displayed page to user space (ISO 32000-1 §8.3.2.3 with /Rotate clockwise).
Point to_user(const PageInfo& p, double vx, double vy) {
  const Box& c = p.crop;
  switch (p.rotate) {
    case 90: return {c.llx + vy, c.lly + vx};
    case 180: return {c.urx - vx, c.lly + vy};
    case 270: return {c.urx - vy, c.ury - vx};
    default: return {c.llx + vx, c.ury - vy};
  }
}

Result<const PageInfo*> page_at(const Document& doc, int page) {
  if (page < 1 || page > static_cast<int>(doc.pages().size()))
    return Error(Errc::pdf_page_out_of_range, "page " + std::to_string(page) + " is outside the document (1.." +
                                                  std::to_string(doc.pages().size()) + ")");
  return &doc.pages()[static_cast<std::size_t>(page - 1)];
}

}  // namespace

Box viewer_to_user(const PageInfo& page, double left, double top, double right, double bottom) {
  Point a = to_user(page, left, top), b = to_user(page, right, bottom);
  return {std::min(a.x, b.x), std::min(a.y, b.y), std::max(a.x, b.x), std::max(a.y, b.y)};
}

Result<std::vector<WidgetPlace>> resolve_placement(const Document& doc, const Placement& p, double w, double h) {
  if (!(w > 0) || !(h > 0) || w > 14400 || h > 14400) return Error(Errc::invalid_argument, "the seal size is out of range");
  std::vector<WidgetPlace> out;
  if (p.mode == PlacementMode::absolute) {
    MEDSIGN_ASSIGN(const PageInfo* pg, page_at(doc, p.page));
    bool turned = pg->rotate == 90 || pg->rotate == 270;
    double rw = turned ? h : w, rh = turned ? w : h;
    out.push_back({p.page - 1, {pg->crop.llx + p.x, pg->crop.lly + p.y, pg->crop.llx + p.x + rw, pg->crop.lly + p.y + rh},
                   pg->rotate});
    return out;
  }
  if (p.mode == PlacementMode::viewer) {
    MEDSIGN_ASSIGN(const PageInfo* pg, page_at(doc, p.page));
    out.push_back({p.page - 1, viewer_to_user(*pg, p.x, p.y, p.x + w, p.y + h), pg->rotate});
    return out;
  }
  if (p.keyword.empty()) return Error(Errc::invalid_argument, "the keyword is empty");
  if (p.page != 0) MEDSIGN_TRY(page_at(doc, p.page));
  std::unique_ptr<poppler::document> pd(poppler::document::load_from_file(doc.path().string()));
  if (!pd) return Error(Errc::pdf_malformed, "PDF: the text layer cannot be read");
  const poppler::ustring needle = poppler::ustring::from_utf8(p.keyword.c_str(), static_cast<int>(p.keyword.size()));
  int first = p.page == 0 ? 1 : p.page, last = p.page == 0 ? static_cast<int>(doc.pages().size()) : p.page;
  last = std::min(last, pd->pages());
  for (int n = first; n <= last; ++n) {
    std::unique_ptr<poppler::page> page(pd->create_page(n - 1));
    if (!page) continue;
    const PageInfo& pg = doc.pages()[static_cast<std::size_t>(n - 1)];
    poppler::rectf r;
    auto dir = poppler::page::search_from_top;
    int guard = 0;
    while (page->search(needle, r, dir, poppler::case_sensitive) && ++guard <= 1000) {
      dir = poppler::page::search_next_result;
      double cx = r.x() + r.width() / 2 + p.dx, cy = r.y() + r.height() / 2 - p.dy;
      out.push_back({n - 1, viewer_to_user(pg, cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2), pg.rotate});
      if (p.occurrence == Occurrence::first) return out;
    }
  }
  if (out.empty()) return Error(Errc::pdf_keyword_not_found, "the keyword \"" + p.keyword + "\" was not found");
  if (p.occurrence == Occurrence::last) return std::vector<WidgetPlace>{out.back()};
  return out;
}

}  // namespace medsign::pdf
