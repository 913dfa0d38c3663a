// CMS parsing (SignedData and EnvelopedData, both flavours) and signature checking on arbitrary bytes.
#include <cstdint>

#include "cms/enveloped_data.h"
#include "cms/signed_data.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  medsign::ByteView in(data, size);
  auto sd = medsign::cms::parse_signed_data(in);
  if (sd.ok()) {
    std::uint8_t detached[] = {'x'};
    (void)medsign::cms::verify_signatures(*sd, medsign::ByteView(detached, 1));
  }
  auto env = medsign::cms::parse_enveloped_data(in);
  if (env.ok() && !env->recipients.empty() && env->encrypted_content.size() % 16 != 0) {
    // A ciphertext that is not a whole number of blocks must not be accepted by decryption either.
    (void)env->recipients.front();
  }
  return 0;
}
