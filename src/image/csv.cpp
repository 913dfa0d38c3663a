#include "image/csv.h"

#include <algorithm>

namespace medsign::image {
namespace {

Error bad(std::size_t line, const std::string& what) {
  return Error(Errc::csv_malformed, "line " + std::to_string(line) + ": " + what);
}

// Validates UTF-8 (no overlong forms, no surrogates); returns the offset of the first bad byte or npos.
std::size_t bad_utf8_at(std::string_view s) {
  for (std::size_t i = 0; i < s.size();) {
    auto c = static_cast<unsigned char>(s[i]);
    std::size_t len = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 0;
    if (len == 0 || i + len > s.size()) return i;
    std::uint32_t cp = len == 1 ? c : len == 2 ? (c & 0x1F) : len == 3 ? (c & 0x0F) : (c & 0x07);
    for (std::size_t k = 1; k < len; ++k) {
      auto cc = static_cast<unsigned char>(s[i + k]);
      if ((cc >> 6) != 2) return i;
      cp = (cp << 6) | (cc & 0x3F);
    }
    static constexpr std::uint32_t kMin[5] = {0, 0, 0x80, 0x800, 0x10000};
    if (cp < kMin[len] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return i;
    i += len;
  }
  return std::string_view::npos;
}

std::string trim_lower(std::string s) {
  auto b = s.find_first_not_of(" \t"), e = s.find_last_not_of(" \t");
  s = b == std::string::npos ? std::string() : s.substr(b, e - b + 1);
  for (auto& ch : s)
    if (ch >= 'A' && ch <= 'Z') ch = static_cast<char>(ch - 'A' + 'a');
  return s;
}

}  // namespace

Result<std::vector<CsvRow>> parse_csv(std::string_view text, const CsvLimits& lim) {
  if (text.size() > lim.max_bytes)
    return Error(Errc::csv_malformed, "the file has " + std::to_string(text.size()) + " bytes; the limit is " +
                                          std::to_string(lim.max_bytes));
  if (text.starts_with("\xEF\xBB\xBF")) text.remove_prefix(3);
  if (auto at = bad_utf8_at(text); at != std::string_view::npos) {
    std::size_t line = 1 + static_cast<std::size_t>(std::count(text.begin(), text.begin() + static_cast<std::ptrdiff_t>(at), '\n'));
    return bad(line, "not valid UTF-8 (save the file as UTF-8)");
  }
  std::vector<CsvRow> rows;
  CsvRow row;
  std::string field;
  std::size_t line = 1, record_line = 1;
  std::size_t i = 0;
  bool row_has_content = false;
  auto end_field = [&]() -> Status {
    if (row.size() >= lim.max_fields) return bad(record_line, "more than " + std::to_string(lim.max_fields) + " fields");
    row.push_back(std::move(field));
    field.clear();
    return {};
  };
  auto end_row = [&]() -> Status {
    MEDSIGN_TRY(end_field());
    bool blank = row.size() == 1 && row[0].empty() && !row_has_content;
    if (!blank) {
      if (rows.size() >= lim.max_rows) return bad(record_line, "more than " + std::to_string(lim.max_rows) + " rows");
      rows.push_back(std::move(row));
    }
    row.clear();
    row_has_content = false;
    return {};
  };
  while (i < text.size()) {
    char c = text[i];
    if (field.empty() && c == '"') {  // quoted field
      row_has_content = true;
      ++i;
      std::size_t open_line = line;
      for (;;) {
        if (i >= text.size()) return bad(open_line, "a quoted field is not closed");
        char q = text[i];
        if (q == '"') {
          if (i + 1 < text.size() && text[i + 1] == '"') {
            field += '"';
            i += 2;
            continue;
          }
          ++i;
          break;
        }
        if (q == '\n') ++line;
        field += q;
        ++i;
        if (field.size() > lim.max_field_bytes)
          return bad(open_line, "a field is longer than " + std::to_string(lim.max_field_bytes) + " bytes");
      }
      // after the closing quote: a separator, a line end or the end of the text
      if (i < text.size() && text[i] != ',' && text[i] != '\n' && text[i] != '\r')
        return bad(line, "characters after the closing quote of a field");
      if (field.empty()) field = std::string();  // "" is an empty field
      continue;
    }
    if (c == ',') {
      MEDSIGN_TRY(end_field());
      row_has_content = true;
      ++i;
    } else if (c == '\r' || c == '\n') {
      if (c == '\r' && i + 1 < text.size() && text[i + 1] == '\n') ++i;
      ++i;
      MEDSIGN_TRY(end_row());
      ++line;
      record_line = line;
    } else if (c == '"') {
      return bad(line, "a quote inside an unquoted field (quote the whole field and double the quote)");
    } else {
      field += c;
      row_has_content = true;
      ++i;
      if (field.size() > lim.max_field_bytes)
        return bad(line, "a field is longer than " + std::to_string(lim.max_field_bytes) + " bytes");
    }
  }
  if (!field.empty() || !row.empty() || row_has_content) MEDSIGN_TRY(end_row());
  return rows;
}

const std::string& CsvTable::field(const CsvRow& row, std::string_view name) const {
  static const std::string kEmpty;
  for (std::size_t i = 0; i < columns.size(); ++i)
    if (columns[i] == name) return i < row.size() ? row[i] : kEmpty;
  return kEmpty;
}

bool CsvTable::has_column(std::string_view name) const {
  return std::find(columns.begin(), columns.end(), name) != columns.end();
}

Result<CsvTable> parse_csv_table(std::string_view text, const CsvLimits& lim) {
  MEDSIGN_ASSIGN(auto rows, parse_csv(text, lim));
  if (rows.empty()) return Error(Errc::csv_malformed, "the file is empty (a header line is required)");
  CsvTable t;
  for (auto& c : rows[0]) {
    std::string name = trim_lower(c);
    if (name.empty()) return bad(1, "an empty column name in the header");
    if (t.has_column(name)) return bad(1, "the column '" + name + "' appears twice");
    t.columns.push_back(std::move(name));
  }
  for (std::size_t r = 1; r < rows.size(); ++r) {
    if (rows[r].size() > t.columns.size())
      return bad(r + 1, "record " + std::to_string(r) + " has " + std::to_string(rows[r].size()) +
                            " fields; the header has " + std::to_string(t.columns.size()));
    rows[r].resize(t.columns.size());
    t.rows.push_back(std::move(rows[r]));
  }
  return t;
}

}  // namespace medsign::image
