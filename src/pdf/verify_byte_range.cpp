#include "pdf/verify_byte_range.h"

#include <string>

namespace medsign::pdf {
namespace {

bool is_hex(std::uint8_t c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}
int hex_value(std::uint8_t c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return c - 'A' + 10;
}
// PDF white space (ISO 32000-1 Table 1).
bool is_space(std::uint8_t c) { return c == 0 || c == 9 || c == 10 || c == 12 || c == 13 || c == 32; }

Error bad(std::string detail) { return Error(Errc::pdf_malformed, std::move(detail)); }

}  // namespace

Result<ContentsGap> check_byte_range(std::span<const std::int64_t> br, ByteView file) {
  const auto size = static_cast<std::int64_t>(file.size());
  if (br.size() != 4)
    return bad("ByteRange has " + std::to_string(br.size()) + " numbers; exactly two ranges (four numbers) are supported");
  for (std::int64_t v : br)
    if (v < 0) return bad("ByteRange holds a negative number");
  const std::int64_t a = br[0], b = br[1], c = br[2], d = br[3];
  if (a != 0) return bad("ByteRange does not start at the beginning of the file");
  if (b == 0 || d == 0) return bad("ByteRange has an empty range");
  if (b > size) return bad("ByteRange: the first range ends beyond the end of the file");
  if (c < b) return bad("ByteRange: the ranges overlap or are out of order");
  if (c == b) return bad("ByteRange: no gap is left for the signature's Contents");
  if (c > size || d > size - c) return bad("ByteRange: the second range ends beyond the end of the file");
  // The gap must be exactly the hexadecimal string of /Contents.
  if (file[static_cast<std::size_t>(b)] != '<' || file[static_cast<std::size_t>(c - 1)] != '>' || c - b < 2)
    return bad("ByteRange: the gap between the ranges is not exactly the Contents hexadecimal string");
  for (std::int64_t i = b + 1; i < c - 1; ++i) {
    const std::uint8_t ch = file[static_cast<std::size_t>(i)];
    if (!is_hex(ch) && !is_space(ch))
      return bad("ByteRange: the gap between the ranges is not exactly the Contents hexadecimal string");
  }
  return ContentsGap{b, c};
}

Result<Bytes> decode_hex_string(ByteView text) {
  if (text.size() < 2 || text.front() != '<' || text.back() != '>') return bad("Contents: not a hexadecimal string");
  Bytes out;
  out.reserve((text.size() - 2) / 2);
  int high = -1;
  for (std::size_t i = 1; i + 1 < text.size(); ++i) {
    const std::uint8_t ch = text[i];
    if (is_space(ch)) continue;
    if (!is_hex(ch)) return bad("Contents: a character other than a hexadecimal digit at offset " + std::to_string(i));
    if (high < 0) {
      high = hex_value(ch);
    } else {
      out.push_back(static_cast<std::uint8_t>(high << 4 | hex_value(ch)));
      high = -1;
    }
  }
  if (high >= 0) out.push_back(static_cast<std::uint8_t>(high << 4));
  return out;
}

Result<std::size_t> der_element_length(ByteView der) {
  if (der.size() < 2) return Error(Errc::bad_encoding, "DER: too short for a header");
  std::size_t pos = 1;
  if ((der[0] & 0x1f) == 0x1f) {  // high tag number
    while (pos < der.size() && (der[pos] & 0x80)) {
      if (++pos > 5) return Error(Errc::bad_encoding, "DER: tag number too long");
    }
    ++pos;
  }
  if (pos >= der.size()) return Error(Errc::bad_encoding, "DER: truncated header");
  const std::uint8_t first = der[pos++];
  std::size_t len = 0;
  if (first < 0x80) {
    len = first;
  } else {
    const std::size_t n = first & 0x7f;
    if (n == 0) return Error(Errc::bad_encoding, "DER: indefinite length");
    if (n > 4) return Error(Errc::bad_encoding, "DER: length too long");
    if (pos + n > der.size()) return Error(Errc::bad_encoding, "DER: truncated length");
    for (std::size_t i = 0; i < n; ++i) len = len << 8 | der[pos++];
  }
  if (len > der.size() - pos) return Error(Errc::bad_encoding, "DER: the element is longer than the Contents");
  return pos + len;
}

Bytes digest_byte_ranges(crypto::HashAlg alg, std::span<const std::int64_t> br, ByteView file) {
  crypto::Hasher h(alg);
  constexpr std::size_t kChunk = 1 << 16;
  for (std::size_t r = 0; r + 1 < br.size(); r += 2) {
    auto off = static_cast<std::size_t>(br[r]);
    auto left = static_cast<std::size_t>(br[r + 1]);
    while (left > 0) {
      const std::size_t n = left < kChunk ? left : kChunk;
      h.update(file.subspan(off, n));
      off += n;
      left -= n;
    }
  }
  return h.finish();
}

std::vector<std::int64_t> revision_ends(ByteView file) {
  static constexpr std::uint8_t kMarker[] = {'%', '%', 'E', 'O', 'F'};
  std::vector<std::int64_t> ends;
  if (file.size() < sizeof kMarker) return ends;
  for (std::size_t i = 0; i + sizeof kMarker <= file.size(); ++i) {
    if (file[i] != '%' || file[i + 1] != '%' || file[i + 2] != 'E' || file[i + 3] != 'O' || file[i + 4] != 'F') continue;
    std::size_t e = i + sizeof kMarker;
    if (e < file.size() && file[e] == '\r') ++e;
    if (e < file.size() && file[e] == '\n') ++e;
    ends.push_back(static_cast<std::int64_t>(e));
    i = e - 1;
  }
  return ends;
}

int revision_at(std::span<const std::int64_t> ends, ByteView file, std::int64_t offset) {
  for (std::size_t i = 0; i < ends.size(); ++i) {
    std::int64_t marker_end = ends[i];
    while (marker_end > 0 && marker_end <= static_cast<std::int64_t>(file.size()) &&
           (file[static_cast<std::size_t>(marker_end - 1)] == '\n' || file[static_cast<std::size_t>(marker_end - 1)] == '\r'))
      --marker_end;
    if (offset >= marker_end && offset <= ends[i]) return static_cast<int>(i + 1);
  }
  return 0;
}

}  // namespace medsign::pdf
