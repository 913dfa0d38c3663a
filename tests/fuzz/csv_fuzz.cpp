// Batch CSV text → parser and table builder. Parsed tables are written back with full quoting and must
// parse to the same rows.
#include <cstdint>
#include <string>
#include <string_view>

#include "image/csv.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  medsign::image::CsvLimits lim;
  lim.max_rows = 200;
  auto rows = medsign::image::parse_csv(text, lim);
  (void)medsign::image::parse_csv_table(text, lim);
  if (!rows.ok()) return 0;
  std::string out;
  for (auto& row : *rows) {
    for (std::size_t i = 0; i < row.size(); ++i) {
      if (i) out += ',';
      out += '"';
      for (char c : row[i]) {
        if (c == '"') out += '"';
        out += c;
      }
      out += '"';
    }
    out += '\n';
  }
  auto again = medsign::image::parse_csv(out, lim);
  if (!again.ok()) __builtin_trap();
  // Rows made only of empty fields are kept when quoted, so compare row by row where the original had content.
  if (again->size() != rows->size()) __builtin_trap();
  for (std::size_t r = 0; r < rows->size(); ++r)
    if ((*again)[r] != (*rows)[r]) __builtin_trap();
  return 0;
}
