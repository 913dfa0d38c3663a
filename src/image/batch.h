// Batch work for the console and the CLI: many seal pictures from one CSV, and the cleanup of a ZIP of
// uploaded photos. Each batch answers with a ZIP holding the PNGs and report.csv (file, status, detail) so
// one bad row or image never spoils the rest.
//
// Seal CSV columns (header line required, any order, case-insensitive):
//   name (required), type (round|oval|square|name|name-rect; default round), text, code, width_mm,
//   height_mm, dpi, colour, ring_mm, angle, file (output name; default NNN-<name>.png)
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "common/bytes.h"
#include "image/cleanup.h"
#include "image/codec.h"
#include "image/csv.h"
#include "image/seal_render.h"

namespace medsign::image {

struct ZipLimits {
  std::size_t max_zip_bytes = 256u << 20;
  std::size_t max_entries = 1000;
  std::size_t max_entry_bytes = 32u << 20;    // uncompressed, per entry
  std::size_t max_total_bytes = 512u << 20;   // uncompressed, all entries
};

struct ZipEntry {
  std::string name;
  Bytes data;
};

// Regular files of the archive (directories skipped). archive_malformed for a damaged archive, an
// encrypted entry, a name with ".." or an absolute path, or a limit exceeded (checked while inflating,
// not trusted from the directory).
Result<std::vector<ZipEntry>> read_zip(ByteView zip, const ZipLimits& limits = {});
// A deflated ZIP with UTF-8 names and a fixed timestamp (same entries → same bytes).
Result<Bytes> write_zip(const std::vector<ZipEntry>& entries);

struct BatchResult {
  Bytes zip;
  int ok = 0;
  int failed = 0;
};

// `defaults` supplies what a row leaves empty (dpi, font, colour...).
Result<BatchResult> render_seal_batch(std::string_view csv, const SealOptions& defaults = {});
// Every PNG/JPEG entry is cleaned into <stem>.png; other entries are reported and skipped.
Result<BatchResult> clean_zip_batch(ByteView zip, const CleanOptions& opts = {}, const DecodeLimits& image_limits = {},
                                    const ZipLimits& zip_limits = {});

// Options of one CSV row (exposed for tests and the API).
Result<SealOptions> seal_options_from_row(const CsvTable& t, const CsvRow& row, const SealOptions& defaults);

}  // namespace medsign::image
