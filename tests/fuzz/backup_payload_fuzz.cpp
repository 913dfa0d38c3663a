// The decrypted payload of a backup archive (JSON: files, tables, versions) → checked content; a payload
// that passes must name only safe relative paths and well-formed tables.
#include <cstdint>

#include "services/backup.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  auto c = medsign::services::parse_backup_payload(medsign::ByteView(data, size));
  if (c.ok()) {
    if (!c->files.contains("medsign.toml")) __builtin_trap();
    for (auto& [rel, b] : c->files)
      if (rel.empty() || rel.front() == '/' || rel.find("..") != std::string::npos) __builtin_trap();
    if (!c->tables.is_object()) __builtin_trap();
  }
  return 0;
}
