// The byte-level checks of a PDF signature that need no PDF parser: the /ByteRange against the file, the
// hexadecimal /Contents string it leaves out, and the revision boundaries (%%EOF markers) of incremental
// updates. Every function takes untrusted bytes and returns a specific error (pdf_malformed with a detail
// naming the rule broken); none reads outside `file`.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "common/bytes.h"
#include "common/error.h"
#include "crypto/algorithms/hash.h"

namespace medsign::pdf {

// The hexadecimal string "<...>" of the signature's /Contents, as offsets into the file: [begin, end),
// begin at '<', end one past '>'.
struct ContentsGap {
  std::int64_t begin = 0, end = 0;
};

// Checks a /ByteRange [a b c d] against a file of `file.size()` bytes (ISO 32000-1 §12.8.1, ETSI EN 319 142-1
// §5.1): exactly two ranges, the first starting at 0, both non-empty, ordered, the second inside the file,
// and the gap between them exactly one hexadecimal string (only hex digits and white space between '<' and
// '>'). Errors: pdf_malformed, with a detail that starts with "ByteRange".
Result<ContentsGap> check_byte_range(std::span<const std::int64_t> byte_range, ByteView file);

// Decodes a PDF hexadecimal string "<...>" (white space ignored; an odd final digit counts as followed by
// 0, ISO 32000-1 §7.3.4.3). Errors: pdf_malformed.
Result<Bytes> decode_hex_string(ByteView text);

// The length of the DER element at the start of `der` (the CMS inside a zero-padded /Contents). Errors:
// bad_encoding when the header is malformed, indefinite or longer than the input.
Result<std::size_t> der_element_length(ByteView der);

// The digest of the two ranges of a checked ByteRange, streamed from the file.
// REQUIRES: check_byte_range(byte_range, file) succeeded.
Bytes digest_byte_ranges(crypto::HashAlg alg, std::span<const std::int64_t> byte_range, ByteView file);

// Offsets one past each "%%EOF" marker and the end-of-line after it, in file order: the end of each
// revision (an incremental update adds one). A linearised file counts its first-page marker too.
std::vector<std::int64_t> revision_ends(ByteView file);

// The 1-based revision whose end is `offset` (allowing the marker's end-of-line to be left out), or 0 when
// `offset` is not the end of a revision.
int revision_at(std::span<const std::int64_t> ends, ByteView file, std::int64_t offset);

}  // namespace medsign::pdf
