// The JSON view of seals shared by the REST API and the CLI.
#include <nlohmann/json.hpp>

#include "common/clock.h"
#include "services/seal_service.h"

namespace medsign::services {

nlohmann::json to_json(const SealCertificate& c) {
  return {{"key_name", c.key_name},
          {"server_held", !c.key_name.empty()},
          {"subject", c.certificate.subject().to_string()},
          {"issuer", c.certificate.issuer().to_string()},
          {"serial", c.certificate.serial_hex()},
          {"algorithm", pki::key_type_name(c.certificate.key_type())},
          {"not_after", iso8601_millis(c.certificate.not_after_ms())},
          {"sha256", c.certificate.fingerprint_sha256()}};
}

nlohmann::json to_json(const SealRecord& s) {
  auto certs = nlohmann::json::array();
  for (const auto& c : s.certificates) certs.push_back(to_json(c));
  return {{"id", s.id},
          {"name", s.name},
          {"type", s.type == 1 ? "organisation" : "personal"},
          {"owner", s.owner},
          {"version", s.version},
          {"state", seal_state_name(s.state)},
          {"state_reason", s.state_reason},
          {"docmdp", docmdp_name(s.docmdp)},
          {"width_mm", s.width_mm},
          {"height_mm", s.height_mm},
          {"valid_start", iso8601_millis(s.valid_start_ms)},
          {"valid_end", iso8601_millis(s.valid_end_ms)},
          {"created_by", s.created_by},
          {"created_at", iso8601_millis(s.created_at_ms)},
          {"updated_at", iso8601_millis(s.updated_at_ms)},
          {"certificates", certs}};
}

nlohmann::json to_json(const SealEvent& e) {
  nlohmann::json j = {{"seq", e.seq},
                      {"at", iso8601_millis(e.at_ms)},
                      {"actor", e.actor},
                      {"source", e.source},
                      {"action", e.action},
                      {"from_state", e.from_state.empty() ? nlohmann::json(nullptr) : nlohmann::json(e.from_state)},
                      {"to_state", e.to_state},
                      {"reason", e.reason}};
  if (!e.user_id.empty()) j["user"] = {{"id", e.user_id}, {"display_name", e.user_name}};
  return j;
}

}  // namespace medsign::services
