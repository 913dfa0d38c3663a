// Administrator accounts: the four roles, passwords (Argon2id) and the certificate of each account's smart
// key. Every change is audited in the same transaction as the change itself.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "common/config.h"
#include "services/audit_log.h"
#include "services/roles.h"

namespace medsign::services {

struct Account {
  std::int64_t id = 0;
  std::string username, display_name;
  Role role = Role::operator_;
  bool locked = false;  // locked by an administrator (until unlocked)
  std::string lock_reason;
  std::int64_t locked_until = 0;  // automatic lock after failed logins (unix ms)
  int failed_logins = 0;
  bool must_change_password = true;
  std::string key_certificate;  // PEM of the smart key's certificate
  std::int64_t created_at = 0, last_login_at = 0;
  bool is_locked_now(std::int64_t now_ms) const { return locked || locked_until > now_ms; }
};

// Who performs an action; a null Actor means the offline CLI (`medsign admin`, recovery).
struct Actor {
  std::string name;
  Role role;
  std::string source;
};

struct NewAccount {
  std::string username, display_name;
  Role role = Role::operator_;
  std::string password;
  std::string key_certificate;
};

// Argon2id, encoded ($argon2id$v=19$m=19456,t=2,p=1$...).
Result<std::string> hash_password(std::string_view password);
bool verify_password(std::string_view password, const std::string& encoded);
// At least min_length characters with letters and digits.
Status check_password_policy(std::string_view password, int min_length);
// A random one-time password that satisfies the policy.
std::string generate_password();

class AccountService {
 public:
  AccountService(store::Database& db, AuditLog& audit, const SecuritySettings& sec);

  Result<Account> create(const Actor* actor, const NewAccount& a);
  Result<std::vector<Account>> list(const Actor* actor);
  Result<Account> get(std::int64_t id);
  Result<Account> find(const std::string& username);
  Status lock(const Actor* actor, std::int64_t id, const std::string& reason);
  Status unlock(const Actor* actor, std::int64_t id);
  // Sets a new one-time password (the account must change it at next login).
  Status reset_password(const Actor* actor, std::int64_t id, const std::string& new_password);
  Status set_role(const Actor* actor, std::int64_t id, Role role);
  Status set_key_certificate(const Actor* actor, std::int64_t id, const std::string& pem);
  Status change_own_password(const Actor& self, std::int64_t id, const std::string& old_pw, const std::string& new_pw);

  static Account from_row(const store::Row& r);
  static const char* columns();

 private:
  // Loads the target, checks the actor may manage it, runs fn and audits — all in one transaction.
  Status manage(const Actor* actor, std::int64_t id, const std::string& action, const std::string& detail,
                const std::function<Status(store::Tx&, const Account&)>& fn);
  store::Database& db_;
  AuditLog& audit_;
  const SecuritySettings& sec_;
};

}  // namespace medsign::services
