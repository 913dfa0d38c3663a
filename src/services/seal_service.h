// Electronic seal objects (GM/T 0031-2014 / GB/T 38540-2020) kept by the server: making a seal (picture,
// bound signing certificates, validity, maker signature), its lifecycle, the registry of seal users and the
// grants of who may use which seal. Tables seals, seal_certs, seal_users, seal_grants (migration 11).
//
// Seal maker: the SM2 key "seal-maker" of the key store with a certificate from the development CA
// (created by `medsign init`, or on first use in an older data dir). Every seal structure is signed with
// it, whatever the algorithm of the bound signing certificates (the standards require an SM2 maker).
//
// Bound certificates: a key of the key store by name ("sm2-sign", "rsa-sign"; the seal can then sign on
// the server), or an uploaded certificate of a key the user holds (the seal is then only exported; the
// server cannot sign with it).
//
// Lifecycle: made → active ⇄ suspended → revoked. Suspend and revoke take a reason; revoked is final;
// only active seals sign. Every state change (and every make, user and grant change) is audited.
//
// State history (table seal_events, migration 12): every make, state change, grant and withdrawn grant of a
// seal adds one event, written in the same transaction as the change itself, so a refused or failed change
// adds none. Events are numbered 1, 2, ... per seal; a writer first updates the seal's row, which serialises
// writers of one seal on both backends. Seals made before migration 12 start with one "made" event taken from
// their creation (source "migration"); so do seals restored from an older backup (history() shows it, the next
// change stores it).
//
// Authorisation to use a seal (for_signing): an account of role operator or sysadmin may use any active
// seal; any other account only when a registered seal user with that account name holds a grant on it.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "crypto/soft/keystore.h"
#include "image/seal_render.h"
#include "services/accounts.h"
#include "services/audit_log.h"
#include "services/seal_material.h"
#include "store/database.h"

namespace medsign::services {

class Platform;

enum class SealState { made, active, suspended, revoked };
std::string_view seal_state_name(SealState s);  // "made", "active", "suspended", "revoked"
std::optional<SealState> parse_seal_state(std::string_view s);
std::string_view docmdp_name(DocMdp d);  // "none", "no-changes", "form-fill", "annotations"
std::optional<DocMdp> parse_docmdp(std::string_view s);

struct SealCertificate {
  std::string key_name;  // key store name; empty = held by the user
  pki::Certificate certificate;
};

struct SealRecord {
  std::string id;  // esID
  std::string name;
  int type = 1;    // 1 organisation, 2 personal
  std::string owner;  // organisation or person the seal belongs to
  int version = 4;
  SealState state = SealState::made;
  std::string state_reason;
  DocMdp docmdp = DocMdp::none;
  std::int64_t width_mm = 40, height_mm = 40;
  std::int64_t valid_start_ms = 0, valid_end_ms = 0;
  std::int64_t created_at_ms = 0, updated_at_ms = 0;
  std::string created_by;
  std::vector<SealCertificate> certificates;
  Bytes eseal;    // DER SESeal
  Bytes picture;  // PNG
};

struct NewSeal {
  std::string name;
  int type = 1;
  std::string owner;
  int version = 4;  // 2 or 4
  // The picture: rendered from options, or an uploaded PNG (exactly one).
  std::optional<image::SealOptions> render;
  Bytes picture_png;
  std::int64_t width_mm = 0, height_mm = 0;  // 0 = from the rendered picture (40 for an upload)
  std::vector<std::string> key_names;         // server-held keys
  std::vector<std::string> certificates_pem;  // user-held keys
  std::int64_t valid_start_ms = 0;            // 0 = now
  std::int64_t valid_end_ms = 0;              // 0 = start + 3 years, capped at the earliest certificate end
  DocMdp docmdp = DocMdp::none;
  int cert_list_type = 1;  // 1 certificates, 2 SM3 digests (v4 only)
  bool activate = false;   // made → active at once
};

struct SealQuery {
  std::optional<SealState> state;
  std::string owner;  // exact
  std::optional<int> type;
  std::string name;   // substring
};

struct SealUser {
  std::string id;        // "user-" + 12 hex
  std::string username;  // account name; empty for a named person without an account
  std::string display_name;
  std::optional<pki::Certificate> certificate;
  std::int64_t created_at_ms = 0;
};

struct NewSealUser {
  std::string username;
  std::string display_name;
  std::string certificate_pem;  // optional
};

struct SealGrant {
  std::string seal_id, user_id, granted_by;
  std::int64_t granted_at_ms = 0;
};

// One entry of a seal's history.
struct SealEvent {
  std::string seal_id;
  std::int64_t seq = 0;    // 1, 2, ... in the order the changes were made
  std::int64_t at_ms = 0;
  std::string actor;       // account name ("cli" for the offline CLI)
  std::string source;      // client address, "cli", or "migration" for the event of a seal made before history
  std::string action;      // made, activated, suspended, resumed, revoked, granted, grant_withdrawn
  std::string from_state;  // "" for made; for grant events the seal's (unchanged) state
  std::string to_state;
  std::string reason;      // suspend and revoke; "seal user removed" when a grant went with its user
  std::string user_id, user_name;  // grant events: the seal user and the name it had then
};

class SealService {
 public:
  // Opens over the platform's database and key store; creates the seal-maker key when missing.
  static Result<std::unique_ptr<SealService>> open(crypto::SoftKeyStore& keys, store::Database& db, AuditLog* audit);

  Result<SealRecord> make(const NewSeal& spec, const Actor& actor, std::int64_t now_ms);
  Result<SealRecord> get(const std::string& seal_id) const;
  Result<std::vector<SealRecord>> list(const SealQuery& q) const;  // without eseal/picture bytes

  // Errors: not_found, seal_state_invalid (with from/to), missing_field (reason).
  Result<SealRecord> activate(const std::string& seal_id, const Actor& actor);
  Result<SealRecord> suspend(const std::string& seal_id, const std::string& reason, const Actor& actor);
  Result<SealRecord> resume(const std::string& seal_id, const Actor& actor);
  Result<SealRecord> revoke(const std::string& seal_id, const std::string& reason, const Actor& actor);

  Result<SealUser> add_user(const NewSealUser& u, const Actor& actor, std::int64_t now_ms);
  Result<std::vector<SealUser>> users() const;
  Result<SealUser> user(const std::string& user_id) const;
  // Removes the user and its grants.
  Status remove_user(const std::string& user_id, const Actor& actor);
  Result<SealGrant> grant(const std::string& seal_id, const std::string& user_id, const Actor& actor, std::int64_t now_ms);
  Status ungrant(const std::string& seal_id, const std::string& user_id, const Actor& actor);
  // Grants of one seal ("" = every grant).
  Result<std::vector<SealGrant>> grants(const std::string& seal_id) const;

  // The seal's history, oldest first. Errors: not_found.
  Result<std::vector<SealEvent>> history(const std::string& seal_id) const;

  // What a document signer needs, after checking: the seal is active, now_ms is within its validity, the
  // actor may use it (see the header comment), it has a server-held key (else invalid_argument "seal ...
  // has no server-held key"). Errors: not_found, seal_state_invalid, seal_not_yet_valid, seal_expired,
  // seal_not_granted.
  Result<SealMaterial> for_signing(const std::string& seal_id, const Actor& actor, std::int64_t now_ms) const;

  // The maker certificate (what verifies every seal made here).
  const pki::Certificate& maker_certificate() const { return maker_cert_; }

 private:
  SealService(crypto::SoftKeyStore& keys, store::Database& db, AuditLog* audit) : keys_(keys), db_(db), audit_(audit) {}
  Result<SealRecord> transition(const std::string& seal_id, std::initializer_list<SealState> from, SealState to,
                                const std::string& reason, const char* action, const char* event,
                                const Actor& actor);
  void audit(const Actor& a, std::string action, std::string target, const Status& st, std::string detail) const;

  crypto::SoftKeyStore& keys_;
  store::Database& db_;
  AuditLog* audit_;
  pki::Certificate maker_cert_;
};

// Creates the "seal-maker" SM2 key with a development-CA certificate when the store has none.
Status ensure_seal_maker_key(crypto::SoftKeyStore& keys);

// `medsign init`: the seal-maker key and two active demo official seals (round seal of the hospital name),
// one bound to "sm2-sign", one to "rsa-sign".
Status init_demo_seals(Platform& p, const std::string& hospital_name = "MedSign 示范医院");

// The JSON view of a seal (REST answers and `medsign seal ... --json`); services/seal_json.cpp.
nlohmann::json to_json(const SealCertificate& c);
nlohmann::json to_json(const SealRecord& s);
nlohmann::json to_json(const SealEvent& e);

}  // namespace medsign::services
