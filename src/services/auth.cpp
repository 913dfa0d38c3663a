#include "services/auth.h"

#include "common/clock.h"
#include "crypto/soft/key_seal.h"

namespace medsign::services {
namespace {
std::string token_hash(const std::string& token) { return hex_encode(crypto::sha256(as_bytes(token))); }

std::string to_sign(const std::string& purpose, const std::string& id, const std::string& username, ByteView nonce) {
  return "medsign-" + purpose + "|" + id + "|" + username + "|" + base64_encode(nonce);
}
}  // namespace

AuthService::AuthService(store::Database& db, AuditLog& audit, AccountService& accounts, const SecuritySettings& sec)
    : db_(db), audit_(audit), accounts_(accounts), sec_(sec) {}

Result<Challenge> AuthService::new_challenge(const Account& a, const std::string& purpose,
                                             const std::string& session_id) {
  Bytes nonce = crypto::random_bytes(32);
  Challenge c;
  c.id = base64url_encode(crypto::random_bytes(18));
  c.expires_at = unix_millis() + static_cast<std::int64_t>(sec_.challenge_ttl_s) * 1000;
  c.to_sign = to_sign(purpose, c.id, a.username, nonce);
  MEDSIGN_TRY(db_.exec("DELETE FROM auth_challenges WHERE expires_at < ?", {unix_millis() - 3600 * 1000}));
  MEDSIGN_TRY(db_.exec("INSERT INTO auth_challenges (id, account_id, purpose, session_id, nonce, expires_at) "
                       "VALUES (?, ?, ?, ?, ?, ?)",
                       {c.id, a.id, purpose, session_id, nonce, c.expires_at}));
  return c;
}

Result<Challenge> AuthService::login_challenge(const std::string& username, const std::string& source) {
  auto a = accounts_.find(username);
  if (!a) {
    // Answer exactly as for a real account, so the challenge does not reveal which names exist.
    (void)audit_.record({username, "anonymous", "auth.challenge", username, "failure", source, "unknown account"});
    Challenge c;
    c.id = base64url_encode(crypto::random_bytes(18));
    c.expires_at = unix_millis() + static_cast<std::int64_t>(sec_.challenge_ttl_s) * 1000;
    c.to_sign = to_sign("login", c.id, username, crypto::random_bytes(32));
    return c;
  }
  return new_challenge(*a, "login", "");
}

Status AuthService::check_challenge(const Account& a, const std::string& purpose, const std::string& session_id,
                                    const std::string& challenge_id, ByteView signature) {
  Bytes nonce;
  MEDSIGN_TRY(db_.transaction([&](store::Tx& tx) -> Status {
    MEDSIGN_ASSIGN(auto rows, tx.query("UPDATE auth_challenges SET used = 1 WHERE id = ? AND used = 0 AND "
                                       "account_id = ? AND purpose = ? AND session_id = ? AND expires_at >= ? "
                                       "RETURNING nonce",
                                       {challenge_id, a.id, purpose, session_id, unix_millis()}));
    if (rows.empty()) return Error(Errc::challenge_replayed, "the challenge is unknown, expired or already used");
    nonce = rows[0].blob(0);
    return {};
  }));
  auto key = crypto::EvpKey::from_pem(a.key_certificate);
  if (!key) return Error(Errc::challenge_invalid, "the account has no usable key certificate");
  if (!key->verify(as_bytes(to_sign(purpose, challenge_id, a.username, nonce)), signature).ok())
    return Error(Errc::challenge_invalid, "the challenge signature does not verify with the account's key");
  return {};
}

Result<LoginResult> AuthService::login(const std::string& username, const std::string& password,
                                       const std::string& challenge_id, ByteView signature,
                                       const std::string& source) {
  auto fail = [&](const Error& e, const std::string& detail) -> Error {
    (void)audit_.record({username, "anonymous", "auth.login", username, "failure", source, detail});
    return e;
  };
  auto acc = accounts_.find(username);
  if (!acc) return fail(Error(Errc::invalid_credentials, "user name or password is wrong"), "unknown account");
  Account a = *acc;
  std::int64_t now = unix_millis();
  if (a.is_locked_now(now)) return fail(Error(Errc::account_locked, "the account is locked"), "account locked");
  MEDSIGN_ASSIGN(auto pw_rows, db_.query("SELECT password_hash FROM accounts WHERE id = ?", {a.id}));
  bool password_ok = !pw_rows.empty() && verify_password(password, pw_rows[0].text(0));
  Status key_ok = check_challenge(a, "login", "", challenge_id, signature);
  if (!password_ok || !key_ok.ok()) {
    Error e = !password_ok ? Error(Errc::invalid_credentials, "user name or password is wrong") : key_ok.error();
    int failures = a.failed_logins + 1;
    bool lock = failures >= sec_.lockout_threshold;
    std::int64_t until = lock ? (sec_.lockout_minutes > 0 ? now + sec_.lockout_minutes * 60000LL : 0) : 0;
    MEDSIGN_TRY(db_.transaction([&](store::Tx& tx) -> Status {
      MEDSIGN_TRY(tx.exec("UPDATE accounts SET failed_logins = ? WHERE id = ?", {failures, a.id}));
      if (lock) {
        if (sec_.lockout_minutes > 0)
          MEDSIGN_TRY(tx.exec("UPDATE accounts SET locked_until = ? WHERE id = ?", {until, a.id}));
        else
          MEDSIGN_TRY(tx.exec("UPDATE accounts SET locked = 1, lock_reason = 'too many failed logins' WHERE id = ?",
                              {a.id}));
      }
      MEDSIGN_TRY(audit_.record_in(tx, {username, std::string(role_name(a.role)), "auth.login", username, "failure",
                                        source, std::string(e.code_name()) + (lock ? "; account locked" : "")}));
      return {};
    }));
    return e;
  }
  LoginResult out;
  out.token = base64url_encode(crypto::random_bytes(32));
  Session& s = out.session;
  s.id = token_hash(out.token);
  s.account_id = a.id;
  s.username = a.username;
  s.role = a.role;
  s.csrf_token = base64url_encode(crypto::random_bytes(24));
  s.must_change_password = a.must_change_password;
  s.created_at = s.last_seen_at = s.last_heartbeat_at = now;
  MEDSIGN_TRY(db_.transaction([&](store::Tx& tx) -> Status {
    MEDSIGN_TRY(tx.exec("INSERT INTO sessions (id, account_id, csrf_token, source, created_at, last_seen_at, "
                        "last_heartbeat_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
                        {s.id, a.id, s.csrf_token, source, now, now, now}));
    MEDSIGN_TRY(tx.exec("UPDATE accounts SET failed_logins = 0, locked_until = 0, last_login_at = ? WHERE id = ?",
                        {now, a.id}));
    MEDSIGN_TRY(audit_.record_in(
        tx, {username, std::string(role_name(a.role)), "auth.login", username, "success", source, "password+key"}));
    return {};
  }));
  return out;
}

Result<Challenge> AuthService::heartbeat_challenge(const Session& s) {
  MEDSIGN_ASSIGN(Account a, accounts_.get(s.account_id));
  return new_challenge(a, "heartbeat", s.id);
}

Status AuthService::heartbeat(const Session& s, const std::string& challenge_id, ByteView signature,
                              const std::string& source) {
  MEDSIGN_ASSIGN(Account a, accounts_.get(s.account_id));
  auto st = check_challenge(a, "heartbeat", s.id, challenge_id, signature);
  if (!st.ok()) {
    (void)end_session(s.id, "heartbeat signature invalid");
    (void)audit_.record({s.username, std::string(role_name(s.role)), "auth.heartbeat", s.username, "failure", source,
                         std::string(st.error().code_name()) + "; session ended"});
    return st;
  }
  MEDSIGN_TRY(db_.exec("UPDATE sessions SET last_heartbeat_at = ? WHERE id = ? AND ended_at = 0", {unix_millis(), s.id}));
  return {};
}

Status AuthService::end_session(const std::string& id, const std::string& reason) {
  MEDSIGN_TRY(db_.exec("UPDATE sessions SET ended_at = ?, end_reason = ? WHERE id = ? AND ended_at = 0",
                       {unix_millis(), reason, id}));
  return {};
}

Result<Session> AuthService::authenticate(const std::string& token, const std::string& source, bool touch) {
  if (token.empty() || token.size() > 128) return Error(Errc::unauthenticated, "no session; log in first");
  std::string id = token_hash(token);
  MEDSIGN_ASSIGN(auto rows, db_.query("SELECT s.account_id, s.csrf_token, s.created_at, s.last_seen_at, "
                                      "s.last_heartbeat_at, s.ended_at, a.username, a.role, a.locked, "
                                      "a.must_change_password, a.locked_until FROM sessions s JOIN accounts a ON "
                                      "a.id = s.account_id WHERE s.id = ?",
                                      {id}));
  if (rows.empty()) {
    (void)audit_.record({"anonymous", "anonymous", "security.session_rejected", "session", "denied", source,
                         "unknown session token"});
    return Error(Errc::session_expired, "the session is unknown; log in again");
  }
  auto& r = rows[0];
  Session s;
  s.id = id;
  s.account_id = r.int64(0);
  s.csrf_token = r.text(1);
  s.created_at = r.int64(2);
  s.last_seen_at = r.int64(3);
  s.last_heartbeat_at = r.int64(4);
  s.username = r.text(6);
  s.role = parse_role(r.text(7)).value_or(Role::operator_);
  s.must_change_password = r.int64(9) != 0;
  if (r.int64(5) != 0) return Error(Errc::session_expired, "the session has ended; log in again");
  std::int64_t now = unix_millis();
  auto end = [&](Errc code, const std::string& reason) -> Error {
    (void)end_session(id, reason);
    (void)audit_.record({s.username, std::string(role_name(s.role)), "auth.session_end", s.username, "success", source,
                         reason});
    return Error(code, "the session has ended: " + reason);
  };
  if (r.int64(8) != 0 || r.int64(10) > now) return end(Errc::account_locked, "account locked");
  if (now - s.last_seen_at > sec_.session_idle_timeout_s * 1000LL) return end(Errc::session_expired, "idle timeout");
  if (now - s.created_at > sec_.session_max_lifetime_s * 1000LL) return end(Errc::session_expired, "maximum lifetime");
  if (now - s.last_heartbeat_at > (sec_.heartbeat_interval_s + sec_.heartbeat_grace_s) * 1000LL)
    return end(Errc::key_absent, "smart key heartbeat missed");
  if (touch) MEDSIGN_TRY(db_.exec("UPDATE sessions SET last_seen_at = ? WHERE id = ?", {now, id}));
  return s;
}

Status AuthService::logout(const Session& s, const std::string& source) {
  MEDSIGN_TRY(end_session(s.id, "logout"));
  return audit_.record({s.username, std::string(role_name(s.role)), "auth.logout", s.username, "success", source, ""})
                 .ok()
             ? Status{}
             : Status(Errc::storage_error, "audit failed");
}

}  // namespace medsign::services
