// The parts of a PDF we read with our own code: the startxref scanner, the cross-reference kind check and
// the signature placeholder locator (pdf/tail_scan.h). Any input: a result or pdf_malformed, never a crash
// or a read outside the input.
#include <cstddef>
#include <cstdint>

#include "pdf/tail_scan.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  medsign::ByteView in(data, size);
  (void)medsign::pdf::find_startxref(in);
  (void)medsign::pdf::xref_kind_at(in);
  auto p = medsign::pdf::find_placeholder(in, 0, size);
  if (p.ok()) {
    auto& r = p.value().byte_range;
    if (r[2] > size || r[1] >= r[2]) __builtin_trap();
    (void)medsign::pdf::placeholder_is_empty(in.subspan(r[1], r[2] - r[1]));
  }
  (void)medsign::pdf::placeholder_is_empty(in);
  return 0;
}
