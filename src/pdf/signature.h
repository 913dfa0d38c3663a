// Signing a PDF as an incremental update (ISO 32000-1 §7.5.6, §12.8; PAdES, ETSI EN 319 142-1):
//   prepare — copies the original bytes unchanged and appends a revision holding the seal appearance, the
//             signature field and widget, the updated page(s) and catalog, and a signature dictionary whose
//             /Contents is a zero-filled placeholder; patches /ByteRange and digests the two ranges,
//             streamed from the written file;
//   embed   — puts a DER CMS into the placeholder of a prepared file.
// sign_file does both around a function that makes the CMS. The input is never modified: output goes to a
// temporary file in the output's directory, fsynced, then renamed.
#pragma once

#include <array>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>

#include "cms/algorithms.h"
#include "pdf/appearance.h"
#include "pdf/placement.h"

namespace medsign::pdf {

// DocMDP permission of a certification signature: 0 = approval signature, 1 no changes, 2 form filling and
// signing, 3 also annotations.
struct SignatureInfo {
  std::string name, reason, location, contact_info;  // UTF-8
  std::int64_t time_ms = 0;                           // claimed signing time, into /M (0 = now)
  int docmdp = 0;
};

struct PrepareOptions {
  std::optional<SealImage> seal;  // nullopt: an invisible signature
  Placement placement;
  SignatureInfo info;
  std::size_t contents_bytes = 16384;  // placeholder capacity for the DER CMS (hex takes twice as much)
  cms::DigestAlgorithm digest = cms::DigestAlgorithm::sha256;
};

struct Prepared {
  std::array<std::uint64_t, 4> byte_range{};
  std::size_t contents_bytes = 0;
  cms::DigestAlgorithm algorithm = cms::DigestAlgorithm::sha256;
  Bytes digest;                                  // over the two byte ranges
  std::vector<WidgetPlace> widgets;              // where the seal went
  std::string field_name;
  int pages = 0;                                 // pages in the document
};

// Errors: those of Document::open, placement errors, pdf_changes_forbidden (an earlier certification with
// P=1, or a certification requested on a document already signed or certified), io_error.
Result<Prepared> prepare(const std::filesystem::path& in, const std::filesystem::path& out, const PrepareOptions& o);

// Reads the placeholder of a prepared file (fails unless it is still empty) and writes `out` with `cms_der`
// in it. Errors: pdf_malformed (no placeholder, or already filled), pdf_placeholder_too_small.
Status embed(const std::filesystem::path& prepared, ByteView cms_der, const std::filesystem::path& out);

// Reads the placeholder of a prepared file and recomputes its digest (what prepare returned).
Result<Prepared> inspect_prepared(const std::filesystem::path& prepared, cms::DigestAlgorithm algorithm);

using CmsMaker = std::function<Result<Bytes>(const Prepared&)>;
Result<Prepared> sign_file(const std::filesystem::path& in, const std::filesystem::path& out, const PrepareOptions& o,
                           const CmsMaker& make_cms);

// A PDF text string: literal when ASCII, else UTF-16BE with BOM as a hex string.
std::string text_string(std::string_view utf8);
// "D:YYYYMMDDHHmmSS+00'00'" (UTC).
std::string pdf_date(std::int64_t unix_ms);

}  // namespace medsign::pdf
