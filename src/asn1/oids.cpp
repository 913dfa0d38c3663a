#include "asn1/oids.h"

#include <algorithm>
#include <array>

namespace medsign::asn1 {
namespace {

constexpr OidEntry kTable[] = {
#define MEDSIGN_OID(ident, dotted, name, description) {oid::ident, name, description},
#include "asn1/oids.inc"
#undef MEDSIGN_OID
};

}  // namespace

std::span<const OidEntry> oid_table() { return kTable; }

const OidEntry* find_oid(const Oid& o) {
  for (const OidEntry& e : kTable) {
    if (e.oid == o) return &e;
  }
  return nullptr;
}

const OidEntry* find_oid_by_name(std::string_view name) {
  for (const OidEntry& e : kTable) {
    if (e.name == name) return &e;
  }
  return nullptr;
}

std::string oid_name(const Oid& o) {
  const OidEntry* e = find_oid(o);
  return e ? std::string(e->name) : o.to_string();
}

}  // namespace medsign::asn1
