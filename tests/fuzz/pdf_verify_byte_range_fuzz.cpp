// libFuzzer target: the verifier's own small parsers (pdf/verify_byte_range.h) on arbitrary bytes. The
// first 32 bytes give a ByteRange; the rest is the file. An accepted ByteRange must frame a hexadecimal
// string inside the file, which must then decode, and revision ends must be ordered and inside the file.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>

#include "pdf/verify_byte_range.h"

using namespace medsign;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 32) return 0;
  std::int64_t br[4];
  std::memcpy(br, data, sizeof br);
  for (auto& v : br) v %= static_cast<std::int64_t>(size) + 2;  // mostly near the file
  ByteView file(data + 32, size - 32);
  auto gap = pdf::check_byte_range(br, file);
  if (gap.ok()) {
    if (gap->begin < 0 || gap->end > static_cast<std::int64_t>(file.size()) || gap->end - gap->begin < 2) std::abort();
    auto hex = pdf::decode_hex_string(file.subspan(static_cast<std::size_t>(gap->begin),
                                                   static_cast<std::size_t>(gap->end - gap->begin)));
    if (!hex.ok()) std::abort();
    if (auto n = pdf::der_element_length(*hex); n.ok() && *n > hex->size()) std::abort();
    (void)pdf::digest_byte_ranges(crypto::HashAlg::sha256, br, file);
  }
  (void)pdf::decode_hex_string(file);
  if (auto n = pdf::der_element_length(file); n.ok() && *n > file.size()) std::abort();
  auto ends = pdf::revision_ends(file);
  std::int64_t last = 0;
  for (auto e : ends) {
    if (e <= last || e > static_cast<std::int64_t>(file.size())) std::abort();
    last = e;
  }
  (void)pdf::revision_at(ends, file, br[0]);
  return 0;
}
