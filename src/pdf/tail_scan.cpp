#include "pdf/tail_scan.h"

#include <algorithm>
#include <string_view>

namespace medsign::pdf {
namespace {

bool is_space(std::uint8_t c) { return c == ' ' || c == '\r' || c == '\n' || c == '\t' || c == '\f' || c == 0; }
bool is_digit(std::uint8_t c) { return c >= '0' && c <= '9'; }

// Reads an unsigned decimal at b[i] (after skipping white space); at most 15 digits.
bool read_number(ByteView b, std::size_t& i, std::uint64_t& out) {
  while (i < b.size() && is_space(b[i])) ++i;
  std::size_t start = i;
  std::uint64_t v = 0;
  while (i < b.size() && is_digit(b[i]) && i - start < 15) v = v * 10 + (b[i++] - '0');
  if (i == start || (i < b.size() && is_digit(b[i]))) return false;
  out = v;
  return true;
}

std::size_t rfind(ByteView b, std::string_view needle) {
  std::string_view s(reinterpret_cast<const char*>(b.data()), b.size());
  return s.rfind(needle);
}

}  // namespace

Result<std::uint64_t> find_startxref(ByteView tail) {
  if (tail.size() > 2048) tail = tail.subspan(tail.size() - 2048);
  std::size_t at = rfind(tail, "startxref");
  if (at == std::string_view::npos) return Error(Errc::pdf_malformed, "PDF: no startxref at the end of the file (truncated?)");
  std::size_t i = at + 9;
  std::uint64_t off = 0;
  if (!read_number(tail, i, off)) return Error(Errc::pdf_malformed, "PDF: startxref is not followed by an offset");
  if (rfind(tail.subspan(i), "%%EOF") == std::string_view::npos)
    return Error(Errc::pdf_malformed, "PDF: the file does not end with %%EOF (truncated?)");
  return off;
}

Result<XrefKind> xref_kind_at(ByteView b) {
  std::size_t i = 0;
  while (i < b.size() && is_space(b[i])) ++i;
  b = b.subspan(i);
  if (b.size() >= 4 && std::equal(b.begin(), b.begin() + 4, "xref")) return XrefKind::table;
  std::size_t j = 0;
  std::uint64_t num = 0, gen = 0;
  if (read_number(b, j, num) && read_number(b, j, gen)) {
    while (j < b.size() && is_space(b[j])) ++j;
    if (b.size() - j >= 3 && std::equal(b.begin() + j, b.begin() + j + 3, "obj")) return XrefKind::stream;
  }
  return Error(Errc::pdf_malformed, "PDF: startxref does not point at a cross-reference section");
}

Result<Placeholder> find_placeholder(ByteView tail, std::uint64_t tail_offset, std::uint64_t file_size) {
  std::size_t at = rfind(tail, "/ByteRange");
  if (at == std::string_view::npos) return Error(Errc::pdf_malformed, "PDF: no /ByteRange in the last revision");
  std::size_t i = at + 10;
  while (i < tail.size() && is_space(tail[i])) ++i;
  if (i >= tail.size() || tail[i] != '[') return Error(Errc::pdf_malformed, "PDF: /ByteRange is not an array");
  ++i;
  Placeholder p;
  for (auto& v : p.byte_range)
    if (!read_number(tail, i, v)) return Error(Errc::pdf_malformed, "PDF: /ByteRange does not hold four numbers");
  while (i < tail.size() && is_space(tail[i])) ++i;
  if (i >= tail.size() || tail[i] != ']') return Error(Errc::pdf_malformed, "PDF: /ByteRange does not hold four numbers");
  auto& r = p.byte_range;
  if (r[0] != 0 || r[1] >= r[2] || r[2] > file_size || r[3] != file_size - r[2] || r[2] - r[1] < 2)
    return Error(Errc::pdf_malformed, "PDF: /ByteRange does not describe this file");
  p.contents_offset = r[1];
  p.contents_hex_chars = r[2] - r[1] - 2;
  (void)tail_offset;
  return p;
}

bool placeholder_is_empty(ByteView c) {
  if (c.size() < 2 || c.front() != '<' || c.back() != '>') return false;
  return std::all_of(c.begin() + 1, c.end() - 1, [](std::uint8_t x) { return x == '0'; });
}

}  // namespace medsign::pdf
