#include "services/accounts.h"

#include <argon2.h>

#include <cstring>

#include "common/clock.h"
#include "crypto/soft/key_seal.h"

namespace medsign::services {
namespace {
constexpr std::uint32_t kArgonT = 2, kArgonM = 19456, kArgonP = 1;

AuditEvent event(const Actor* a, std::string action, std::string target, std::string result, std::string detail) {
  return AuditEvent{a ? a->name : "cli", a ? std::string(role_name(a->role)) : "offline", std::move(action),
                    std::move(target), std::move(result), a ? a->source : "cli", std::move(detail)};
}
}  // namespace

Result<std::string> hash_password(std::string_view password) {
  Bytes salt = crypto::random_bytes(16);
  std::size_t len = argon2_encodedlen(kArgonT, kArgonM, kArgonP, 16, 32, Argon2_id);
  std::string out(len, '\0');
  int rc = argon2id_hash_encoded(kArgonT, kArgonM, kArgonP, password.data(), password.size(), salt.data(), 16, 32,
                                 out.data(), len);
  if (rc != ARGON2_OK) return Error(Errc::crypto_error, std::string("argon2: ") + argon2_error_message(rc));
  out.resize(std::strlen(out.c_str()));
  return out;
}

bool verify_password(std::string_view password, const std::string& encoded) {
  return argon2id_verify(encoded.c_str(), password.data(), password.size()) == ARGON2_OK;
}

Status check_password_policy(std::string_view pw, int min_length) {
  if (static_cast<int>(pw.size()) < min_length)
    return Error(Errc::password_policy, "the password needs at least " + std::to_string(min_length) + " characters");
  bool letter = false, digit = false;
  for (unsigned char c : pw) {
    letter = letter || std::isalpha(c);
    digit = digit || std::isdigit(c);
  }
  if (!letter || !digit) return Error(Errc::password_policy, "the password needs both letters and digits");
  return {};
}

std::string generate_password() {
  static constexpr char kAlphabet[] = "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789";
  for (;;) {
    Bytes r = crypto::random_bytes(16);
    std::string pw;
    for (auto b : r) pw += kAlphabet[b % (sizeof kAlphabet - 1)];
    if (check_password_policy(pw, 10).ok()) return pw;
  }
}

const char* AccountService::columns() {
  return "id, username, display_name, role, locked, lock_reason, locked_until, failed_logins, must_change_password, "
         "key_certificate, created_at, last_login_at";
}

Account AccountService::from_row(const store::Row& r) {
  Account a;
  a.id = r.int64(0);
  a.username = r.text(1);
  a.display_name = r.text(2);
  a.role = parse_role(r.text(3)).value_or(Role::operator_);
  a.locked = r.int64(4) != 0;
  a.lock_reason = r.text(5);
  a.locked_until = r.int64(6);
  a.failed_logins = static_cast<int>(r.int64(7));
  a.must_change_password = r.int64(8) != 0;
  a.key_certificate = r.text(9);
  a.created_at = r.int64(10);
  a.last_login_at = r.int64(11);
  return a;
}

AccountService::AccountService(store::Database& db, AuditLog& audit, const SecuritySettings& sec)
    : db_(db), audit_(audit), sec_(sec) {}

Result<Account> AccountService::create(const Actor* actor, const NewAccount& n) {
  auto deny = [&](Error e) -> Error {
    (void)audit_.record(event(actor, "account.create", n.username, "denied", e.detail));
    return e;
  };
  if (actor && !may_manage(actor->role, n.role))
    return deny(Error(Errc::forbidden, std::string(role_name(actor->role)) + " may not create " +
                                           std::string(role_name(n.role)) + " accounts"));
  if (n.username.empty() || n.username.size() > 64 ||
      n.username.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-") !=
          std::string::npos)
    return Error(Errc::invalid_argument, "username: 1-64 characters of letters, digits, '.', '_' or '-'");
  if (n.key_certificate.find("-----BEGIN CERTIFICATE-----") == std::string::npos)
    return Error(Errc::invalid_argument, "key_certificate: a PEM certificate of the account's smart key is required");
  MEDSIGN_TRY(check_password_policy(n.password, sec_.password_min_length));
  MEDSIGN_ASSIGN(std::string hash, hash_password(n.password));
  Account out;
  MEDSIGN_TRY(db_.transaction([&](store::Tx& tx) -> Status {
    std::int64_t now = unix_millis();
    MEDSIGN_ASSIGN(auto rows,
                   tx.query("INSERT INTO accounts (username, display_name, role, password_hash, must_change_password, "
                            "key_certificate, created_at, updated_at) VALUES (?, ?, ?, ?, 1, ?, ?, ?) RETURNING id",
                            {n.username, n.display_name.empty() ? n.username : n.display_name,
                             std::string(role_name(n.role)), hash, n.key_certificate, now, now}));
    MEDSIGN_ASSIGN(auto acc, tx.query(std::string("SELECT ") + columns() + " FROM accounts WHERE id = ?",
                                      {rows.at(0).int64(0)}));
    out = from_row(acc.at(0));
    MEDSIGN_TRY(audit_.record_in(tx, event(actor, "account.create", n.username, "success",
                                           "role=" + std::string(role_name(n.role)))));
    return {};
  }));
  return out;
}

Result<std::vector<Account>> AccountService::list(const Actor* actor) {
  MEDSIGN_ASSIGN(auto rows, db_.query(std::string("SELECT ") + columns() + " FROM accounts ORDER BY id"));
  std::vector<Account> out;
  for (auto& r : rows) {
    Account a = from_row(r);
    if (!actor || may_manage(actor->role, a.role)) out.push_back(std::move(a));
  }
  return out;
}

Result<Account> AccountService::get(std::int64_t id) {
  MEDSIGN_ASSIGN(auto rows, db_.query(std::string("SELECT ") + columns() + " FROM accounts WHERE id = ?", {id}));
  if (rows.empty()) return Error(Errc::not_found, "no account " + std::to_string(id));
  return from_row(rows[0]);
}

Result<Account> AccountService::find(const std::string& username) {
  MEDSIGN_ASSIGN(auto rows,
                 db_.query(std::string("SELECT ") + columns() + " FROM accounts WHERE username = ?", {username}));
  if (rows.empty()) return Error(Errc::not_found, "no account named " + username);
  return from_row(rows[0]);
}

Status AccountService::manage(const Actor* actor, std::int64_t id, const std::string& action,
                              const std::string& detail, const std::function<Status(store::Tx&, const Account&)>& fn) {
  auto st = db_.transaction([&](store::Tx& tx) -> Status {
    MEDSIGN_ASSIGN(auto rows, tx.query(std::string("SELECT ") + columns() + " FROM accounts WHERE id = ?", {id}));
    if (rows.empty()) return Error(Errc::not_found, "no account " + std::to_string(id));
    Account target = from_row(rows[0]);
    if (actor && !may_manage(actor->role, target.role))
      return Error(Errc::forbidden, std::string(role_name(actor->role)) + " may not manage " +
                                        std::string(role_name(target.role)) + " accounts");
    if (actor && actor->name == target.username && action != "account.set_key")
      return Error(Errc::forbidden, "administrators cannot lock, unlock, reset or re-role their own account");
    MEDSIGN_TRY(fn(tx, target));
    MEDSIGN_TRY(tx.exec("UPDATE accounts SET updated_at = ? WHERE id = ?", {unix_millis(), id}));
    MEDSIGN_TRY(audit_.record_in(tx, event(actor, action, target.username, "success", detail)));
    return {};
  });
  if (!st.ok() && st.error().code == Errc::forbidden)
    (void)audit_.record(event(actor, action, "account " + std::to_string(id), "denied", st.error().detail));
  return st;
}

Status AccountService::lock(const Actor* actor, std::int64_t id, const std::string& reason) {
  return manage(actor, id, "account.lock", reason, [&](store::Tx& tx, const Account&) -> Status {
    return tx.exec("UPDATE accounts SET locked = 1, lock_reason = ? WHERE id = ?", {reason, id}).ok()
               ? Status{}
               : Status(Errc::storage_error, "lock failed");
  });
}

Status AccountService::unlock(const Actor* actor, std::int64_t id) {
  return manage(actor, id, "account.unlock", "", [&](store::Tx& tx, const Account&) -> Status {
    MEDSIGN_TRY(tx.exec("UPDATE accounts SET locked = 0, lock_reason = '', locked_until = 0, failed_logins = 0 "
                        "WHERE id = ?",
                        {id}));
    return {};
  });
}

Status AccountService::reset_password(const Actor* actor, std::int64_t id, const std::string& pw) {
  MEDSIGN_TRY(check_password_policy(pw, sec_.password_min_length));
  MEDSIGN_ASSIGN(std::string hash, hash_password(pw));
  return manage(actor, id, "account.reset_password", "", [&](store::Tx& tx, const Account&) -> Status {
    MEDSIGN_TRY(tx.exec("UPDATE accounts SET password_hash = ?, must_change_password = 1, failed_logins = 0, "
                        "locked_until = 0 WHERE id = ?",
                        {hash, id}));
    MEDSIGN_TRY(tx.exec("UPDATE sessions SET ended_at = ?, end_reason = 'password reset' WHERE account_id = ? AND "
                        "ended_at = 0",
                        {unix_millis(), id}));
    return {};
  });
}

Status AccountService::set_role(const Actor* actor, std::int64_t id, Role role) {
  if (actor && !may_manage(actor->role, role))
    return Error(Errc::forbidden, std::string(role_name(actor->role)) + " may not grant the role " +
                                      std::string(role_name(role)));
  return manage(actor, id, "account.set_role", "role=" + std::string(role_name(role)),
                [&](store::Tx& tx, const Account&) -> Status {
                  MEDSIGN_TRY(tx.exec("UPDATE accounts SET role = ? WHERE id = ?", {std::string(role_name(role)), id}));
                  MEDSIGN_TRY(tx.exec("UPDATE sessions SET ended_at = ?, end_reason = 'role changed' WHERE "
                                      "account_id = ? AND ended_at = 0",
                                      {unix_millis(), id}));
                  return {};
                });
}

Status AccountService::set_key_certificate(const Actor* actor, std::int64_t id, const std::string& pem) {
  if (pem.find("-----BEGIN CERTIFICATE-----") == std::string::npos)
    return Error(Errc::invalid_argument, "a PEM certificate is required");
  return manage(actor, id, "account.set_key", "", [&](store::Tx& tx, const Account&) -> Status {
    MEDSIGN_TRY(tx.exec("UPDATE accounts SET key_certificate = ? WHERE id = ?", {pem, id}));
    return {};
  });
}

Status AccountService::change_own_password(const Actor& self, std::int64_t id, const std::string& old_pw,
                                           const std::string& new_pw) {
  MEDSIGN_TRY(check_password_policy(new_pw, sec_.password_min_length));
  if (old_pw == new_pw) return Error(Errc::password_policy, "the new password must differ from the old one");
  MEDSIGN_ASSIGN(auto rows, db_.query("SELECT password_hash, username FROM accounts WHERE id = ?", {id}));
  if (rows.empty()) return Error(Errc::not_found, "no such account");
  if (!verify_password(old_pw, rows[0].text(0))) {
    (void)audit_.record(event(&self, "account.change_password", rows[0].text(1), "failure", "wrong current password"));
    return Error(Errc::invalid_credentials, "the current password is wrong");
  }
  MEDSIGN_ASSIGN(std::string hash, hash_password(new_pw));
  return db_.transaction([&](store::Tx& tx) -> Status {
    MEDSIGN_TRY(tx.exec("UPDATE accounts SET password_hash = ?, must_change_password = 0, updated_at = ? WHERE id = ?",
                        {hash, unix_millis(), id}));
    MEDSIGN_TRY(audit_.record_in(tx, event(&self, "account.change_password", rows[0].text(1), "success", "")));
    return {};
  });
}

}  // namespace medsign::services
