#include "pki/name.h"

#include "asn1/der_string.h"
#include "asn1/oids.h"

namespace medsign::pki {

std::string NameAttribute::short_name() const { return asn1::oid_name(type); }

Result<Name> Name::parse(asn1::Reader& r) {
  asn1::Reader probe = r;
  MEDSIGN_ASSIGN(asn1::Element whole, probe.read_element(asn1::tag::kSequence));
  MEDSIGN_ASSIGN(asn1::Reader seq, probe.enter(whole));
  Name name;
  while (!seq.empty()) {
    MEDSIGN_ASSIGN(asn1::Reader set, seq.read_set());
    if (set.empty()) return Error(Errc::bad_encoding, "DER: empty RDN at offset " + std::to_string(set.offset()));
    RelativeDistinguishedName rdn;
    while (!set.empty()) {
      MEDSIGN_ASSIGN(asn1::Element atv_el, set.read_element(asn1::tag::kSequence));
      MEDSIGN_ASSIGN(asn1::Reader atv, set.enter(atv_el));
      NameAttribute a;
      MEDSIGN_ASSIGN(a.type, atv.read_oid());
      MEDSIGN_ASSIGN(asn1::Element v, atv.read_any());
      MEDSIGN_TRY(atv.expect_end());
      a.value_tag = v.tag;
      if (asn1::is_string_tag(v.tag)) {
        auto s = asn1::decode_string(v.tag, v.content);
        if (!s) {
          return Error(Errc::bad_encoding, "DER: " + s.error().detail + " in " + asn1::oid_name(a.type) +
                                               " at offset " + std::to_string(v.offset));
        }
        a.value = std::move(s).value();
      } else {
        a.value = hex_encode(v.raw);
      }
      a.raw.assign(atv_el.raw.begin(), atv_el.raw.end());
      rdn.push_back(std::move(a));
    }
    name.rdns_.push_back(std::move(rdn));
  }
  name.der_.assign(whole.raw.begin(), whole.raw.end());
  r = probe;
  return name;
}

Result<Name> Name::parse_der(ByteView der) {
  asn1::Reader r(der);
  MEDSIGN_ASSIGN(Name n, parse(r));
  MEDSIGN_TRY(r.expect_end());
  return n;
}

const NameAttribute* Name::find(const asn1::Oid& type) const {
  for (const auto& rdn : rdns_) {
    for (const auto& a : rdn) {
      if (a.type == type) return &a;
    }
  }
  return nullptr;
}

std::vector<std::string> Name::values(const asn1::Oid& type) const {
  std::vector<std::string> out;
  for (const auto& rdn : rdns_) {
    for (const auto& a : rdn) {
      if (a.type == type) out.push_back(a.value);
    }
  }
  return out;
}

namespace {
std::string escape_value(const std::string& v) {
  std::string out;
  for (std::size_t i = 0; i < v.size(); ++i) {
    const char c = v[i];
    const bool special = c == ',' || c == '+' || c == '"' || c == '\\' || c == '<' || c == '>' || c == ';' ||
                         (i == 0 && (c == '#' || c == ' ')) || (i + 1 == v.size() && c == ' ');
    if (special) out += '\\';
    out += c;
  }
  return out;
}
}  // namespace

std::string Name::to_string() const {
  std::string out;
  for (const auto& rdn : rdns_) {
    if (!out.empty()) out += ", ";
    bool first = true;
    for (const auto& a : rdn) {
      if (!first) out += " + ";
      first = false;
      out += a.short_name() + "=" + escape_value(a.value);
    }
  }
  return out;
}

}  // namespace medsign::pki
