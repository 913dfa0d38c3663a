// The OBJECT IDENTIFIERs MedSign knows by name, and a table mapping each to a short name (used in JSON
// and logs) and a description. Sources: STANDARDS.md §2 (GM/T 0006, GM/T 0010) and §8 (GM/T 0015,
// health sector), RFC 5280, RFC 5652, RFC 8017, RFC 5480, PKCS#9.
//
// Constants are constexpr and safe to use during static initialisation.
#pragma once

#include <span>
#include <string>
#include <string_view>

#include "asn1/oid.h"

namespace medsign::asn1 {
namespace oid {
#define MEDSIGN_OID(ident, dotted, name, description) inline constexpr Oid ident = Oid::literal(dotted);
#include "asn1/oids.inc"
#undef MEDSIGN_OID
}  // namespace oid

struct OidEntry {
  Oid oid;
  std::string_view name;         // short, stable, unique; e.g. "sm3WithSM2", "CN", "keyUsage"
  std::string_view description;  // English, for documentation
};

// Every named OID, in the order of oids.inc.
std::span<const OidEntry> oid_table();
// The entry for `o`, or nullptr when it is not in the table.
const OidEntry* find_oid(const Oid& o);
// The entry with this short name (exact, case-sensitive), or nullptr.
const OidEntry* find_oid_by_name(std::string_view name);
// The short name of `o`, or its dotted text when it has none.
std::string oid_name(const Oid& o);

}  // namespace medsign::asn1
