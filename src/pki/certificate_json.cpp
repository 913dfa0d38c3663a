// Certificate::to_json — the API view of a certificate.
#include <nlohmann/json.hpp>

#include "asn1/der_time.h"
#include "asn1/oids.h"
#include "pki/certificate.h"

namespace medsign::pki {
namespace {

using nlohmann::json;

json oid_json(const asn1::Oid& o) { return json{{"oid", o.to_string()}, {"name", asn1::oid_name(o)}}; }

json name_json(const Name& n) {
  json rdns = json::array();
  for (const auto& rdn : n.rdns()) {
    json attrs = json::array();
    for (const auto& a : rdn) {
      attrs.push_back({{"oid", a.type.to_string()},
                       {"name", a.short_name()},
                       {"value", a.value},
                       {"tag", a.value_tag.to_string()},
                       {"raw", hex_encode(a.raw)}});
    }
    rdns.push_back(std::move(attrs));
  }
  return json{{"dn", n.to_string()}, {"rdns", std::move(rdns)}, {"der", hex_encode(n.der())}};
}

json general_name_json(const GeneralName& g) {
  json j{{"type", g.type_name()}, {"value", g.value}};
  if (g.type == GeneralName::Type::other_name) j["type_id"] = oid_json(g.type_id);
  return j;
}

json general_names_json(const std::vector<GeneralName>& names) {
  json out = json::array();
  for (const auto& g : names) out.push_back(general_name_json(g));
  return out;
}

json time_json(std::int64_t ms) { return json{{"ms", ms}, {"iso", asn1::format_iso8601(ms)}}; }

// The typed view of one extension, or null when it is not one MedSign decodes.
json decoded_json(const Certificate& c, const Extension& e) {
  namespace id = asn1::oid;
  if (e.oid == id::kBasicConstraints && c.basic_constraints()) {
    json j{{"ca", c.basic_constraints()->ca}};
    if (c.basic_constraints()->path_len) j["path_len"] = *c.basic_constraints()->path_len;
    return j;
  }
  if (e.oid == id::kKeyUsage && c.key_usage()) return c.key_usage()->names();
  if (e.oid == id::kExtKeyUsage && c.extended_key_usage()) {
    json out = json::array();
    for (const auto& o : *c.extended_key_usage()) out.push_back(oid_json(o));
    return out;
  }
  if (e.oid == id::kSubjectKeyIdentifier && c.subject_key_identifier()) return hex_encode(*c.subject_key_identifier());
  if (e.oid == id::kAuthorityKeyIdentifier && c.authority_key_identifier()) {
    const auto& a = *c.authority_key_identifier();
    json j = json::object();
    if (a.key_id) j["key_id"] = hex_encode(*a.key_id);
    if (!a.issuer.empty()) j["issuer"] = general_names_json(a.issuer);
    if (a.serial) j["serial"] = hex_encode(*a.serial);
    return j;
  }
  if (e.oid == id::kSubjectAltName && c.subject_alt_names()) return general_names_json(*c.subject_alt_names());
  if (e.oid == id::kCrlDistributionPoints && c.crl_distribution_points()) {
    json out = json::array();
    for (const auto& p : *c.crl_distribution_points()) {
      json j{{"full_name", general_names_json(p.full_name)}};
      if (p.relative_name) j["relative_name"] = *p.relative_name;
      if (p.reasons) j["reasons"] = *p.reasons;
      if (!p.crl_issuer.empty()) j["crl_issuer"] = general_names_json(p.crl_issuer);
      out.push_back(std::move(j));
    }
    return out;
  }
  if (e.oid == id::kAuthorityInfoAccess && c.authority_info_access()) {
    json out = json::array();
    for (const auto& a : *c.authority_info_access()) {
      out.push_back({{"method", oid_json(a.method)}, {"location", general_name_json(a.location)}});
    }
    return out;
  }
  if (e.oid == id::kCertificatePolicies && c.certificate_policies()) {
    json out = json::array();
    for (const auto& p : *c.certificate_policies()) {
      json j = oid_json(p.policy);
      if (!p.cps_uris.empty()) j["cps"] = p.cps_uris;
      if (!p.user_notices.empty()) j["user_notices"] = p.user_notices;
      out.push_back(std::move(j));
    }
    return out;
  }
  if (is_identity_extension(e.oid)) {
    if (auto v = c.identity(e.oid)) {
      json j{{"value", v->value}};
      if (!v->kind.empty()) j["kind"] = v->kind;
      return j;
    }
  }
  return nullptr;
}

}  // namespace

nlohmann::json Certificate::to_json() const {
  json j;
  j["version"] = version_;
  j["serial"] = serial_hex();
  j["signature_algorithm"] = oid_json(signature_algorithm_.oid);
  j["issuer"] = name_json(issuer_);
  j["subject"] = name_json(subject_);
  j["validity"] = {{"not_before", time_json(not_before_ms_)}, {"not_after", time_json(not_after_ms_)}};
  json pk{{"algorithm", oid_json(spki_.algorithm.oid)},
          {"type", key_type_name(spki_.type)},
          {"bits", spki_.bits},
          {"key", hex_encode(spki_.key)}};
  if (!spki_.curve.empty()) pk["curve"] = oid_json(spki_.curve);
  j["public_key"] = std::move(pk);
  if (issuer_uid_) j["issuer_unique_id"] = hex_encode(*issuer_uid_);
  if (subject_uid_) j["subject_unique_id"] = hex_encode(*subject_uid_);
  json exts = json::array();
  for (const Extension& e : extensions_) {
    json x = oid_json(e.oid);
    x["critical"] = e.critical;
    x["value"] = hex_encode(e.value);
    json d = decoded_json(*this, e);
    if (!d.is_null()) x["decoded"] = std::move(d);
    exts.push_back(std::move(x));
  }
  j["extensions"] = std::move(exts);
  json unknown = json::array();
  for (const auto& o : unknown_critical_) unknown.push_back(oid_json(o));
  j["unknown_critical_extensions"] = std::move(unknown);
  j["self_issued"] = is_self_issued();
  j["fingerprints"] = {{"sha256", fingerprint_sha256()}, {"sm3", fingerprint_sm3()}};
  return j;
}

}  // namespace medsign::pki
