// Names, serial numbers and profile names of the embedded CA (declared in ca/authority.h).
#include <string>
#include <vector>

#include "asn1/oids.h"
#include "asn1/writer.h"
#include "ca/authority.h"
#include "crypto/soft/key_seal.h"

namespace medsign::ca {
namespace id = asn1::oid;
using asn1::Tag;
using asn1::Writer;

Bytes random_serial() {
  Bytes s = crypto::random_bytes(16);
  s[0] = static_cast<std::uint8_t>((s[0] & 0x7f) | 0x01);
  return s;
}

std::string_view profile_name(Profile p) {
  switch (p) {
    case Profile::root_ca: return "root-ca";
    case Profile::intermediate_ca: return "intermediate-ca";
    case Profile::personal_signing: return "personal-signing";
    case Profile::personal_encryption: return "personal-encryption";
    case Profile::organization: return "organization";
    case Profile::device: return "device";
    case Profile::tablet: return "tablet";
    case Profile::tls_server: return "tls-server";
  }
  return "?";
}

Result<Profile> parse_profile(std::string_view s) {
  for (Profile p : {Profile::root_ca, Profile::intermediate_ca, Profile::personal_signing, Profile::personal_encryption,
                    Profile::organization, Profile::device, Profile::tablet, Profile::tls_server})
    if (profile_name(p) == s) return p;
  return Error(Errc::invalid_argument,
               "profile: personal-signing, personal-encryption, organization, device, tablet or tls-server");
}

std::vector<Profile> end_entity_profiles() {
  return {Profile::personal_signing, Profile::personal_encryption, Profile::organization, Profile::device,
          Profile::tablet, Profile::tls_server};
}

bool IdentityExtensions::empty() const {
  return id_card_number.empty() && passport_number.empty() && insurance_number.empty() && organization_code.empty() &&
         unified_social_credit_code.empty() && health_worker_id.empty();
}

Result<Bytes> name_from_text(std::string_view text) {
  std::vector<std::pair<std::string, std::string>> parts;
  std::string cur;
  bool escape = false;
  std::vector<std::string> rdns;
  for (char c : text) {
    if (escape) {
      cur.push_back(c);
      escape = false;
    } else if (c == '\\') {
      escape = true;
    } else if (c == ',') {
      rdns.push_back(cur);
      cur.clear();
    } else {
      cur.push_back(c);
    }
  }
  rdns.push_back(cur);
  auto trim = [](std::string s) {
    while (!s.empty() && s.front() == ' ') s.erase(s.begin());
    while (!s.empty() && s.back() == ' ') s.pop_back();
    return s;
  };
  Writer w;
  Status failed;
  w.add_sequence([&](Writer& seq) {
    for (const std::string& raw : rdns) {
      std::string rdn = trim(raw);
      if (rdn.empty()) continue;
      auto eq = rdn.find('=');
      if (eq == std::string::npos) {
        failed = Error(Errc::invalid_argument, "name: '" + rdn + "' is not TYPE=value");
        return;
      }
      std::string type = trim(rdn.substr(0, eq)), value = trim(rdn.substr(eq + 1));
      asn1::Oid oid;
      if (const asn1::OidEntry* e = asn1::find_oid_by_name(type)) {
        oid = e->oid;
      } else if (auto o = asn1::Oid::from_string(type)) {
        oid = *o;
      } else {
        failed = Error(Errc::invalid_argument, "name: unknown attribute type '" + type + "'");
        return;
      }
      if (value.empty() || value.size() > 256) {
        failed = Error(Errc::invalid_argument, "name: " + type + " needs a value of 1 to 256 characters");
        return;
      }
      Tag t = asn1::tag::kUtf8String;
      if (oid == id::kCountryName || oid == id::kSerialNumber || oid == id::kDnQualifier) t = asn1::tag::kPrintableString;
      if (oid == id::kEmailAddress || oid == id::kDomainComponent) t = asn1::tag::kIa5String;
      if (oid == id::kCountryName && value.size() != 2) {
        failed = Error(Errc::invalid_argument, "name: C must be a two-letter country code");
        return;
      }
      seq.add_set([&](Writer& set) {
        set.add_sequence([&](Writer& atv) {
          atv.add_oid(oid);
          atv.add_string(t, value);
        });
      });
    }
  });
  if (!failed) return failed.error();
  MEDSIGN_ASSIGN(Bytes der, std::move(w).finish());
  MEDSIGN_ASSIGN(pki::Name parsed, pki::Name::parse_der(der));
  if (parsed.empty()) return Error(Errc::invalid_argument, "name: empty");
  return der;
}

}  // namespace medsign::ca
