// Console login with two factors — the password and a signature by the account's smart key over a fresh
// server challenge — and sessions kept alive by a key-presence heartbeat.
//
// A challenge is single-use, bound to one account and one purpose ("login" or "heartbeat" of one session),
// and expires after security.challenge_ttl_s. The client signs the exact bytes of `to_sign` (see
// Challenge) with its key (crypto/soft/evp_key.h conventions). A session ends when it is idle longer than
// session_idle_timeout_s, older than session_max_lifetime_s, or when no heartbeat arrived within
// heartbeat_interval_s + heartbeat_grace_s ("the key was pulled out").
#pragma once

#include <string>

#include "services/accounts.h"

namespace medsign::services {

struct Challenge {
  std::string id;
  std::string to_sign;  // text the key signs: "medsign-<purpose>|<id>|<username>|<nonce base64>"
  std::int64_t expires_at = 0;
};

struct Session {
  std::string id;  // SHA-256 (hex) of the token; the token itself is never stored
  std::int64_t account_id = 0;
  std::string username;
  Role role = Role::operator_;
  std::string csrf_token;
  bool must_change_password = false;
  std::int64_t created_at = 0, last_seen_at = 0, last_heartbeat_at = 0;
  Actor actor(const std::string& source) const { return Actor{username, role, source}; }
};

struct LoginResult {
  std::string token;  // goes into the session cookie
  Session session;
};

class AuthService {
 public:
  AuthService(store::Database& db, AuditLog& audit, AccountService& accounts, const SecuritySettings& sec);

  Result<Challenge> login_challenge(const std::string& username, const std::string& source);
  Result<LoginResult> login(const std::string& username, const std::string& password, const std::string& challenge_id,
                            ByteView signature, const std::string& source);
  Result<Challenge> heartbeat_challenge(const Session& s);
  Status heartbeat(const Session& s, const std::string& challenge_id, ByteView signature, const std::string& source);
  // Resolves a session token and applies the idle, lifetime and heartbeat rules (ending the session and
  // auditing when one is broken). touch: update last_seen_at.
  Result<Session> authenticate(const std::string& token, const std::string& source, bool touch = true);
  Status logout(const Session& s, const std::string& source);

 private:
  Result<Challenge> new_challenge(const Account& a, const std::string& purpose, const std::string& session_id);
  // Consumes the challenge (single use) and checks the signature with the account's key certificate.
  Status check_challenge(const Account& a, const std::string& purpose, const std::string& session_id,
                         const std::string& challenge_id, ByteView signature);
  Status end_session(const std::string& id, const std::string& reason);
  store::Database& db_;
  AuditLog& audit_;
  AccountService& accounts_;
  const SecuritySettings& sec_;
};

}  // namespace medsign::services
