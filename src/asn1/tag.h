// ASN.1 identifiers (class, constructed bit, tag number) and the universal tags DER uses.
#pragma once

#include <cstdint>
#include <string>

namespace medsign::asn1 {

enum class TagClass : std::uint8_t { universal = 0, application = 1, context = 2, private_use = 3 };

struct Tag {
  TagClass cls = TagClass::universal;
  bool constructed = false;
  std::uint32_t number = 0;

  constexpr bool operator==(const Tag&) const = default;
  static constexpr Tag universal(std::uint32_t n, bool cons = false) { return {TagClass::universal, cons, n}; }
  // [n] with the constructed bit: true for EXPLICIT tags and IMPLICIT tags over constructed types.
  static constexpr Tag context(std::uint32_t n, bool cons) { return {TagClass::context, cons, n}; }
  // The same class and number with the constructed bit set/cleared.
  constexpr Tag as_constructed(bool cons) const { return {cls, cons, number}; }
  // "SEQUENCE", "INTEGER", "[0] constructed", "[APPLICATION 3] primitive", ...
  std::string to_string() const;
};

namespace tag {
inline constexpr Tag kBoolean = Tag::universal(1);
inline constexpr Tag kInteger = Tag::universal(2);
inline constexpr Tag kBitString = Tag::universal(3);
inline constexpr Tag kOctetString = Tag::universal(4);
inline constexpr Tag kNull = Tag::universal(5);
inline constexpr Tag kOid = Tag::universal(6);
inline constexpr Tag kEnumerated = Tag::universal(10);
inline constexpr Tag kUtf8String = Tag::universal(12);
inline constexpr Tag kSequence = Tag::universal(16, true);
inline constexpr Tag kSet = Tag::universal(17, true);
inline constexpr Tag kNumericString = Tag::universal(18);
inline constexpr Tag kPrintableString = Tag::universal(19);
inline constexpr Tag kT61String = Tag::universal(20);
inline constexpr Tag kIa5String = Tag::universal(22);
inline constexpr Tag kUtcTime = Tag::universal(23);
inline constexpr Tag kGeneralizedTime = Tag::universal(24);
inline constexpr Tag kVisibleString = Tag::universal(26);
inline constexpr Tag kUniversalString = Tag::universal(28);
inline constexpr Tag kBmpString = Tag::universal(30);
}  // namespace tag

}  // namespace medsign::asn1
