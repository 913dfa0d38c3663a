// RFC 4180 CSV as written by spreadsheets: comma separated, fields optionally in double quotes with ""
// for a quote inside, CRLF or LF line ends, a UTF-8 byte-order mark tolerated at the start. Input must be
// UTF-8 (Chinese names). Errors are csv_malformed with the line number.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "common/error.h"

namespace medsign::image {

struct CsvLimits {
  std::size_t max_bytes = 8u << 20;
  std::size_t max_rows = 10000;
  std::size_t max_fields = 64;
  std::size_t max_field_bytes = 4096;
};

using CsvRow = std::vector<std::string>;

// Every record; blank lines are skipped.
Result<std::vector<CsvRow>> parse_csv(std::string_view text, const CsvLimits& limits = {});

// A CSV whose first record names the columns (trimmed, lower-cased, unique, non-empty).
struct CsvTable {
  std::vector<std::string> columns;
  std::vector<CsvRow> rows;  // each has exactly columns.size() fields (short rows are padded with "")
  // The field of `row` in column `name`, or "" when there is no such column.
  const std::string& field(const CsvRow& row, std::string_view name) const;
  bool has_column(std::string_view name) const;
};
Result<CsvTable> parse_csv_table(std::string_view text, const CsvLimits& limits = {});

}  // namespace medsign::image
