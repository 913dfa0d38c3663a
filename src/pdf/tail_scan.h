// The few things about a PDF file that we read with our own code rather than through qpdf: where the last
// cross-reference section starts and which kind it is (what an incremental update must continue), and the
// signature placeholder of a prepared file (its /ByteRange and /Contents). Both take untrusted bytes, never
// read outside them, and fail with pdf_malformed naming what is missing; both are fuzzed.
#pragma once

#include <array>
#include <cstdint>

#include "common/bytes.h"

namespace medsign::pdf {

enum class XrefKind { table, stream };

struct XrefTail {
  std::uint64_t startxref = 0;  // offset of the last cross-reference section
  XrefKind kind = XrefKind::table;
};

// `tail`: the last bytes of the file (at most 2048 are looked at), whose first byte is at `tail_offset`.
// Finds the last "startxref <offset>". `at_offset`: up to 32 bytes read at that offset, which tell the kind
// ("xref" → table; "N G obj" → stream).
Result<std::uint64_t> find_startxref(ByteView tail);
Result<XrefKind> xref_kind_at(ByteView at_offset);

// The signature placeholder of a prepared (not yet embedded) revision.
struct Placeholder {
  std::array<std::uint64_t, 4> byte_range{};  // [0, '<' offset, after '>' offset, rest]
  std::uint64_t contents_offset = 0;          // offset of '<'
  std::uint64_t contents_hex_chars = 0;       // hex digits between '<' and '>'
};

// Looks in `tail` (the last bytes of a file of `file_size` bytes, whose first byte is at `tail_offset`) for the
// last "/ByteRange [a b c d]" and checks it against the file: a = 0, the range [b, c) is exactly "<" + hex
// zeros + ">" (checked by the caller through `contents_ok` being read from the file), c + d = file size.
Result<Placeholder> find_placeholder(ByteView tail, std::uint64_t tail_offset, std::uint64_t file_size);

// Checks that `contents` (the bytes [b, c) of the file) are "<" hex zeros ">".
bool placeholder_is_empty(ByteView contents);

}  // namespace medsign::pdf
