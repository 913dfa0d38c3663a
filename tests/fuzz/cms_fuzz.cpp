// CMS SignedData parsing (both flavours) and signature checking on arbitrary bytes.
#include <cstdint>

#include "cms/signed_data.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  auto sd = medsign::cms::parse_signed_data(medsign::ByteView(data, size));
  if (sd.ok()) {
    std::uint8_t detached[] = {'x'};
    (void)medsign::cms::verify_signatures(*sd, medsign::ByteView(detached, 1));
  }
  return 0;
}
