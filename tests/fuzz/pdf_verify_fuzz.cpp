// libFuzzer target: pdf::verify_pdf on arbitrary bytes, read from memory through qpdf. It must never crash
// and must answer every input with a report or pdf_malformed; the JSON and text reports of any report must
// be producible. Inputs are capped at 256 KiB to keep each run short.
#include <cstddef>
#include <cstdint>
#include <cstdlib>

#include <nlohmann/json.hpp>

#include "pdf/verify.h"

using namespace medsign;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size > (256u << 10)) return 0;
  pdf::VerifyOptions o;
  o.now_ms = 1'800'000'000'000;
  auto r = pdf::verify_pdf(ByteView(data, size), o);
  if (!r.ok()) {
    if (r.error().code != Errc::pdf_malformed) std::abort();
    return 0;
  }
  for (const auto& s : r->signatures)
    if (s.status != "valid" && s.status != "invalid" && s.status != "indeterminate") std::abort();
  (void)pdf::to_json(*r).dump();
  (void)pdf::to_text(*r);
  return 0;
}
