// JSON views of the PKI policy objects and of validation results (API and CLI).
#include <nlohmann/json.hpp>

#include "common/clock.h"
#include "services/pki_policy.h"

namespace medsign::services {
namespace {
nlohmann::json time_or_null(std::int64_t ms) { return ms > 0 ? nlohmann::json(iso8601_millis(ms)) : nlohmann::json(); }

nlohmann::json cert_summary(const pki::Certificate& c) {
  return {{"subject", c.subject().to_string()},
          {"issuer", c.issuer().to_string()},
          {"serial", c.serial_hex()},
          {"algorithm", pki::key_type_name(c.key_type())},
          {"not_before", iso8601_millis(c.not_before_ms())},
          {"not_after", iso8601_millis(c.not_after_ms())},
          {"sha256", c.fingerprint_sha256()}};
}
}  // namespace

nlohmann::json to_json(const PkiCertificateInfo& c) {
  nlohmann::json j = cert_summary(*c.cert);
  j["fingerprint"] = c.fingerprint;
  j["kind"] = c.kind;
  j["added_at"] = time_or_null(c.added_at);
  j["added_by"] = c.added_by;
  j["pem"] = c.cert->to_pem();
  return j;
}

nlohmann::json to_json(const PkiProject& p) {
  return {{"name", p.name},
          {"description", p.description},
          {"anchors", p.anchors},
          {"purpose", pki::purpose_name(p.purpose)},
          {"revocation", pki::revocation_mode_name(p.revocation)},
          {"crl_grace_ms", p.crl_grace_ms},
          {"list_mode", list_mode_name(p.list_mode)},
          {"list", p.list},
          {"max_path_length", p.max_path_length}};
}

nlohmann::json to_json(const PkiPolicy& p) {
  return {{"name", p.name},
          {"description", p.description},
          {"projects", p.projects},
          {"crl_failure", crl_failure_name(p.crl_failure)}};
}

nlohmann::json to_json(const CrlSource& s) {
  return {{"id", s.id},
          {"ca_fingerprint", s.ca_fingerprint},
          {"url", s.url},
          {"interval_s", s.interval_s},
          {"timeout_ms", s.timeout_ms},
          {"enabled", s.enabled},
          {"last_fetch_at", time_or_null(s.last_fetch_at)},
          {"last_status", s.last_status},
          {"last_error", s.last_error},
          {"next_fetch_at", time_or_null(s.next_fetch_at)},
          {"crl_next_update", time_or_null(s.crl_next_update)}};
}

nlohmann::json to_json(const StoredCrlInfo& c) {
  return {{"ca_fingerprint", c.ca_fingerprint},
          {"issuer", c.issuer},
          {"this_update", time_or_null(c.this_update)},
          {"next_update", time_or_null(c.next_update)},
          {"crl_number", c.crl_number},
          {"revoked", c.revoked},
          {"source", c.source},
          {"stored_at", time_or_null(c.stored_at)}};
}

nlohmann::json to_json(const pki::ValidationResult& r) {
  nlohmann::json chain = nlohmann::json::array();
  for (auto& c : r.chain)
    if (c) chain.push_back(cert_summary(*c));
  nlohmann::json j = {{"valid", r.ok},
                      {"reason", pki::to_string(r.reason)},
                      {"detail", r.detail},
                      {"project", r.project},
                      {"chain", chain}};
  if (r.revocation) {
    nlohmann::json rev = {{"serial", r.revocation->serial_hex},
                          {"revocation_time", iso8601_millis(r.revocation->revocation_ms)},
                          {"reason", r.revocation->reason ? nlohmann::json(pki::crl_reason_name(*r.revocation->reason))
                                                          : nlohmann::json()}};
    if (r.revocation->invalidity_ms) rev["invalidity_date"] = iso8601_millis(*r.revocation->invalidity_ms);
    j["revocation"] = rev;
  }
  return j;
}

}  // namespace medsign::services
