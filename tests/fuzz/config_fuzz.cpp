// TOML text → strict configuration parser and validation.
#include <cstdint>
#include <string_view>

#include "common/config.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  auto cfg = medsign::parse_config(text, "fuzz.toml");
  if (cfg.ok()) {
    (void)medsign::validate_config(*cfg);
    auto again = medsign::parse_config(medsign::config_to_toml(*cfg), "roundtrip");
    if (!again.ok()) __builtin_trap();
  }
  return 0;
}
