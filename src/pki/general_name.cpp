#include "pki/general_name.h"

#include <cstdio>

#include "asn1/der_string.h"
#include "pki/name.h"

namespace medsign::pki {
namespace {

using asn1::Tag;

std::string ip_text(ByteView b) {
  char buf[64];
  std::string out;
  if (b.size() == 4 || b.size() == 8) {
    std::snprintf(buf, sizeof buf, "%u.%u.%u.%u", b[0], b[1], b[2], b[3]);
    out = buf;
    if (b.size() == 8) {
      int bits = 0;
      for (std::size_t i = 4; i < 8; ++i) bits += __builtin_popcount(b[i]);
      out += '/';
      out += std::to_string(bits);
    }
    return out;
  }
  // IPv6: RFC 5952 — lower-case hex, the longest run (>= 2) of zero groups replaced by "::".
  std::uint16_t g[8];
  for (int i = 0; i < 8; ++i) g[i] = static_cast<std::uint16_t>((b[2 * i] << 8) | b[2 * i + 1]);
  int best = -1, best_len = 0;
  for (int i = 0; i < 8;) {
    int j = i;
    while (j < 8 && g[j] == 0) ++j;
    if (j - i > best_len && j - i >= 2) best = i, best_len = j - i;
    i = j == i ? i + 1 : j;
  }
  for (int i = 0; i < 8; ++i) {
    if (i == best) {
      out += "::";
      i += best_len - 1;
      continue;
    }
    if (!out.empty() && out.back() != ':') out += ':';
    std::snprintf(buf, sizeof buf, "%x", g[i]);
    out += buf;
  }
  if (b.size() == 32) {
    int bits = 0;
    for (std::size_t i = 16; i < 32; ++i) bits += __builtin_popcount(b[i]);
    out += '/';
    out += std::to_string(bits);
  }
  return out;
}

}  // namespace

std::string_view GeneralName::type_name() const {
  switch (type) {
    case Type::other_name: return "otherName";
    case Type::email: return "email";
    case Type::dns: return "dns";
    case Type::x400_address: return "x400Address";
    case Type::directory_name: return "dirName";
    case Type::edi_party_name: return "ediPartyName";
    case Type::uri: return "uri";
    case Type::ip_address: return "ip";
    case Type::registered_id: return "registeredID";
  }
  return "unknown";
}

Result<GeneralName> read_general_name(asn1::Reader& r) {
  asn1::Reader probe = r;
  MEDSIGN_ASSIGN(asn1::Element e, probe.read_any());
  const auto fail = [&](std::string_view what) {
    return Error(Errc::bad_encoding, "DER: " + std::string(what) + " at offset " + std::to_string(e.offset));
  };
  if (e.tag.cls != asn1::TagClass::context || e.tag.number > 8) return fail("unknown GeneralName " + e.tag.to_string());
  GeneralName gn;
  gn.type = static_cast<GeneralName::Type>(e.tag.number);
  const bool must_construct = e.tag.number == 0 || e.tag.number == 3 || e.tag.number == 4 || e.tag.number == 5;
  if (e.tag.constructed != must_construct) return fail("GeneralName " + e.tag.to_string() + " has the wrong form");
  switch (gn.type) {
    case GeneralName::Type::email:
    case GeneralName::Type::dns:
    case GeneralName::Type::uri: {
      auto s = asn1::decode_string(asn1::tag::kIa5String, e.content);
      if (!s) return fail("GeneralName " + std::string(gn.type_name()) + " is not IA5String");
      gn.value = std::move(s).value();
      break;
    }
    case GeneralName::Type::ip_address:
      if (e.content.size() != 4 && e.content.size() != 8 && e.content.size() != 16 && e.content.size() != 32) {
        return fail("iPAddress of " + std::to_string(e.content.size()) + " bytes");
      }
      gn.value = ip_text(e.content);
      break;
    case GeneralName::Type::directory_name: {
      MEDSIGN_ASSIGN(asn1::Reader inner, probe.enter(e));
      MEDSIGN_ASSIGN(Name n, Name::parse(inner));
      MEDSIGN_TRY(inner.expect_end());
      gn.value = n.to_string();
      break;
    }
    case GeneralName::Type::other_name: {
      MEDSIGN_ASSIGN(asn1::Reader inner, probe.enter(e));
      MEDSIGN_ASSIGN(gn.type_id, inner.read_oid());
      MEDSIGN_ASSIGN(asn1::Reader val, inner.read_explicit(0));
      MEDSIGN_TRY(inner.expect_end());
      MEDSIGN_ASSIGN(asn1::Element v, val.read_any());
      MEDSIGN_TRY(val.expect_end());
      auto s = asn1::is_string_tag(v.tag) ? asn1::decode_string(v.tag, v.content) : Result<std::string>(Errc::bad_encoding);
      gn.value = s.ok() ? std::move(s).value() : hex_encode(v.raw);
      break;
    }
    case GeneralName::Type::registered_id: {
      auto o = asn1::Oid::from_der(e.content);
      if (!o) return fail("bad registeredID");
      gn.type_id = *o;
      gn.value = o->to_string();
      break;
    }
    case GeneralName::Type::x400_address:
    case GeneralName::Type::edi_party_name:
      gn.value = hex_encode(e.content);
      break;
  }
  gn.raw.assign(e.raw.begin(), e.raw.end());
  r = probe;
  return gn;
}

Result<std::vector<GeneralName>> read_general_names(asn1::Reader& seq) {
  std::vector<GeneralName> out;
  if (seq.empty()) return Error(Errc::bad_encoding, "DER: empty GeneralNames at offset " + std::to_string(seq.offset()));
  while (!seq.empty()) {
    MEDSIGN_ASSIGN(GeneralName g, read_general_name(seq));
    out.push_back(std::move(g));
  }
  return out;
}

}  // namespace medsign::pki
