// A PDF opened for signing: what the incremental-update writer needs to know about it, read through qpdf
// (QPDF::processFile reads the cross-reference data and the objects asked for, never the whole file).
// Errors: pdf_malformed (corrupt, truncated, broken cross-references that qpdf cannot repair: we refuse
// rather than sign a repaired reading, since the appended revision must continue the file as it is),
// pdf_encrypted, io_error.
#pragma once

#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/bytes.h"
#include "pdf/tail_scan.h"

class QPDF;

namespace medsign::pdf {

struct Box {
  double llx = 0, lly = 0, urx = 0, ury = 0;
  double width() const { return urx - llx; }
  double height() const { return ury - lly; }
};

struct PageInfo {
  int object = 0, generation = 0;
  Box crop;          // the visible area (CropBox, else MediaBox), in default user space
  int rotate = 0;    // 0, 90, 180, 270 (clockwise when displayed)
};

// The DocMDP permission of the document's certification signature, if any (1, 2 or 3).
struct Certification {
  int permission = 2;
};

class Document {
 public:
  static Result<Document> open(const std::filesystem::path& path);
  Document(Document&&) noexcept;
  Document& operator=(Document&&) noexcept;
  ~Document();

  const std::filesystem::path& path() const { return path_; }
  std::uint64_t file_size() const { return file_size_; }
  const XrefTail& xref() const { return xref_; }
  const std::vector<PageInfo>& pages() const { return pages_; }
  int next_object_number() const { return size_; }  // trailer /Size
  std::optional<Certification> certification() const { return certification_; }
  int signature_count() const { return signature_count_; }
  // Field names (/T) already in use in the AcroForm.
  const std::vector<std::string>& field_names() const { return field_names_; }

  QPDF& qpdf() const { return *qpdf_; }

 private:
  Document() = default;
  std::filesystem::path path_;
  std::uint64_t file_size_ = 0;
  XrefTail xref_;
  std::vector<PageInfo> pages_;
  int size_ = 0;
  std::optional<Certification> certification_;
  int signature_count_ = 0;
  std::vector<std::string> field_names_;
  std::unique_ptr<QPDF> qpdf_;
};

}  // namespace medsign::pdf
