#include "services/seal_service.h"

#include <algorithm>

#include <openssl/rand.h>

#include "common/clock.h"
#include "common/logging.h"
#include "crypto/algorithms/pk.h"
#include "crypto/soft/dev_ca.h"
#include "image/codec.h"
#include "seal/sign.h"
#include "services/platform.h"

namespace medsign::services {
namespace {

constexpr const char* kMakerKey = "seal-maker";
constexpr std::int64_t kDefaultValidityMs = 3LL * 365 * 86400 * 1000;
constexpr const char* kSealColumns =
    "id, name, type, owner, version, state, state_reason, docmdp, width_mm, height_mm, valid_start, valid_end, "
    "created_by, created_at, updated_at";

std::string random_id(const char* prefix) {
  unsigned char b[8];
  if (RAND_bytes(b, sizeof b) != 1) std::fill(std::begin(b), std::end(b), 0);
  return std::string(prefix) + hex_encode(ByteView(b, sizeof b));
}

Result<pki::Certificate> first_certificate(const std::string& pem, const std::string& what) {
  auto certs = pki::Certificate::parse_pem(pem);
  if (!certs || certs->empty())
    return Error(Errc::invalid_argument, what + ": not a PEM certificate" + (certs ? "" : ": " + certs.error().detail));
  return certs->front();
}

Result<crypto::Signer> signer_of(const crypto::SoftKeyStore& keys, const std::string& name) {
  MEDSIGN_ASSIGN(crypto::EvpKey key, keys.get(name));
  MEDSIGN_ASSIGN(SecretBytes der, key.private_der());
  MEDSIGN_ASSIGN(crypto::KeyPair pair, crypto::KeyPair::from_pkcs8(der.view()));
  return crypto::Signer::create(crypto::SignatureAlg::sm2_sm3, pair);
}

SealRecord record_of(const store::Row& r) {
  SealRecord s;
  s.id = r.text(0);
  s.name = r.text(1);
  s.type = static_cast<int>(r.int64(2));
  s.owner = r.text(3);
  s.version = static_cast<int>(r.int64(4));
  s.state = parse_seal_state(r.text(5)).value_or(SealState::revoked);
  s.state_reason = r.text(6);
  s.docmdp = static_cast<DocMdp>(std::clamp<std::int64_t>(r.int64(7), 0, 3));
  s.width_mm = r.int64(8);
  s.height_mm = r.int64(9);
  s.valid_start_ms = r.int64(10);
  s.valid_end_ms = r.int64(11);
  s.created_by = r.text(12);
  s.created_at_ms = r.int64(13);
  s.updated_at_ms = r.int64(14);
  return s;
}

constexpr const char* kEventColumns =
    "seal_id, seq, ts, actor, source, action, from_state, to_state, reason, user_id, user_name";

SealEvent event_of(const std::string& seal_id, std::int64_t at_ms, const Actor& a, const char* action,
                   std::string_view from, std::string_view to) {
  SealEvent e;
  e.seal_id = seal_id;
  e.at_ms = at_ms;
  e.actor = a.name;
  e.source = a.source;
  e.action = action;
  e.from_state = std::string(from);
  e.to_state = std::string(to);
  return e;
}

// The "made" event of a seal whose history began after it was made (migration 12 writes the same one; a
// restored backup from before it has seals without any).
SealEvent made_before_history(const std::string& seal_id, const store::Row& created /* created_at, created_by */) {
  SealEvent e;
  e.seal_id = seal_id;
  e.seq = 1;
  e.at_ms = created.int64(0);
  e.actor = created.text(1);
  e.source = "migration";
  e.action = "made";
  e.to_state = "made";
  return e;
}

Status insert_event(store::Tx& tx, const SealEvent& e) {
  MEDSIGN_TRY(tx.exec(std::string("INSERT INTO seal_events (") + kEventColumns +
                          ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                      {e.seal_id, e.seq, e.at_ms, e.actor, e.source, e.action, e.from_state, e.to_state, e.reason,
                       e.user_id, e.user_name}));
  return {};
}

// Appends e to its seal's history with the next number; a seal without any history first gets its "made"
// event. REQUIRES: the seal's row was written earlier in tx (inserted, or locked by lock_seal), so no other
// writer numbers an event of this seal meanwhile.
Status add_event(store::Tx& tx, SealEvent e) {
  MEDSIGN_ASSIGN(store::Rows rows,
                 tx.query("SELECT COALESCE(MAX(seq), 0) + 1 FROM seal_events WHERE seal_id = ?", {e.seal_id}));
  e.seq = rows.empty() ? 1 : rows[0].int64(0);
  if (e.seq == 1 && e.action != "made") {
    MEDSIGN_ASSIGN(store::Rows created, tx.query("SELECT created_at, created_by FROM seals WHERE id = ?", {e.seal_id}));
    if (!created.empty()) {
      MEDSIGN_TRY(insert_event(tx, made_before_history(e.seal_id, created[0])));
      e.seq = 2;
    }
  }
  return insert_event(tx, e);
}

// Locks the seal's row for the rest of tx (a write that changes nothing) and returns its state name.
// Errors: not_found.
Result<std::string> lock_seal(store::Tx& tx, const std::string& seal_id) {
  MEDSIGN_ASSIGN(std::int64_t n, tx.exec("UPDATE seals SET updated_at = updated_at WHERE id = ?", {seal_id}));
  if (n == 0) return Error(Errc::not_found, "no seal " + seal_id.substr(0, 64));
  MEDSIGN_ASSIGN(store::Rows rows, tx.query("SELECT state FROM seals WHERE id = ?", {seal_id}));
  if (rows.empty()) return Error(Errc::not_found, "no seal " + seal_id.substr(0, 64));
  return rows[0].text(0);
}

Status check_text(const std::string& v, const char* field, std::size_t max, bool required) {
  if (required && v.empty()) return Error(Errc::missing_field, std::string(field) + " is required");
  if (v.size() > max) return Error(Errc::invalid_argument, std::string(field) + " is longer than " + std::to_string(max) + " bytes");
  return {};
}

}  // namespace

std::string_view seal_state_name(SealState s) {
  switch (s) {
    case SealState::made: return "made";
    case SealState::active: return "active";
    case SealState::suspended: return "suspended";
    case SealState::revoked: return "revoked";
  }
  return "?";
}

std::optional<SealState> parse_seal_state(std::string_view s) {
  for (auto st : {SealState::made, SealState::active, SealState::suspended, SealState::revoked})
    if (seal_state_name(st) == s) return st;
  return std::nullopt;
}

std::string_view docmdp_name(DocMdp d) {
  switch (d) {
    case DocMdp::none: return "none";
    case DocMdp::no_changes: return "no-changes";
    case DocMdp::form_fill: return "form-fill";
    case DocMdp::annotations: return "annotations";
  }
  return "?";
}

std::optional<DocMdp> parse_docmdp(std::string_view s) {
  for (auto d : {DocMdp::none, DocMdp::no_changes, DocMdp::form_fill, DocMdp::annotations})
    if (docmdp_name(d) == s) return d;
  return std::nullopt;
}

Status ensure_seal_maker_key(crypto::SoftKeyStore& keys) {
  if (keys.contains(kMakerKey)) return {};
  MEDSIGN_ASSIGN(crypto::EvpKey ca_key, keys.get("dev-ca"));
  MEDSIGN_ASSIGN(std::string ca_pem, keys.certificate("dev-ca"));
  MEDSIGN_ASSIGN(crypto::EvpKey key, crypto::EvpKey::generate(crypto::KeyType::sm2));
  crypto::CertSpec spec;
  spec.common_name = "MedSign seal maker";
  spec.profile = crypto::CertProfile::document_signing;
  spec.days = 3650;
  MEDSIGN_ASSIGN(std::string pem, crypto::issue_certificate(key, spec, ca_key, ca_pem));
  MEDSIGN_TRY(keys.put(kMakerKey, key));
  return keys.put_certificate(kMakerKey, pem + ca_pem);
}

Result<std::unique_ptr<SealService>> SealService::open(crypto::SoftKeyStore& keys, store::Database& db, AuditLog* audit) {
  MEDSIGN_TRY(ensure_seal_maker_key(keys));
  std::unique_ptr<SealService> s(new SealService(keys, db, audit));
  MEDSIGN_ASSIGN(std::string pem, keys.certificate(kMakerKey));
  MEDSIGN_ASSIGN(s->maker_cert_, first_certificate(pem, "seal-maker certificate"));
  return s;
}

void SealService::audit(const Actor& a, std::string action, std::string target, const Status& st,
                        std::string detail) const {
  if (!audit_) return;
  (void)audit_->record({a.name, std::string(role_name(a.role)), std::move(action), std::move(target),
                        st ? "success" : (st.error().code == Errc::forbidden || st.error().code == Errc::seal_not_granted
                                              ? "denied"
                                              : "failure"),
                        a.source, st ? std::move(detail) : st.error().detail});
}

Result<SealRecord> SealService::make(const NewSeal& spec, const Actor& actor, std::int64_t now_ms) {
  auto fail = [&](Error e) -> Error {
    audit(actor, "seal.make", spec.name, e, "");
    return e;
  };
  auto built = [&]() -> Result<SealRecord> {
    MEDSIGN_TRY(check_text(spec.name, "name", 200, true));
    MEDSIGN_TRY(check_text(spec.owner, "owner", 200, false));
    if (spec.type != 1 && spec.type != 2) return Error(Errc::invalid_argument, "type must be 1 (organisation) or 2 (personal)");
    if (spec.version != 2 && spec.version != 4) return Error(Errc::invalid_argument, "version must be 2 or 4");
    if (spec.cert_list_type != 1 && spec.cert_list_type != 2)
      return Error(Errc::invalid_argument, "cert_list_type must be 1 (certificates) or 2 (digests)");
    if (spec.cert_list_type == 2 && spec.version != 4)
      return Error(Errc::invalid_argument, "certificate digests exist only in version 4 seals");
    if (spec.render.has_value() == !spec.picture_png.empty())
      return Error(Errc::invalid_argument, "give either picture options or a PNG picture");
    if (spec.key_names.empty() && spec.certificates_pem.empty())
      return Error(Errc::missing_field, "a seal is bound to at least one signing certificate (key or certificate)");
    if (spec.key_names.size() + spec.certificates_pem.size() > 16)
      return Error(Errc::invalid_argument, "at most 16 signing certificates per seal");

    SealRecord rec;
    for (const auto& k : spec.key_names) {
      if (k == kMakerKey || k == "dev-ca" || k == "audit" || !keys_.contains(k))
        return Error(Errc::key_not_found, "no signing key '" + k + "' in the key store");
      auto pem = keys_.certificate(k);
      if (!pem) return Error(Errc::invalid_argument, "key '" + k + "' has no certificate");
      MEDSIGN_ASSIGN(pki::Certificate c, first_certificate(*pem, "certificate of key " + k));
      rec.certificates.push_back({k, std::move(c)});
    }
    for (std::size_t i = 0; i < spec.certificates_pem.size(); ++i) {
      MEDSIGN_ASSIGN(pki::Certificate c, first_certificate(spec.certificates_pem[i], "certificates[" + std::to_string(i) + "]"));
      rec.certificates.push_back({"", std::move(c)});
    }

    Bytes png;
    std::int64_t w = spec.width_mm, h = spec.height_mm;
    if (spec.render) {
      MEDSIGN_ASSIGN(image::SealPicture pic, image::render_seal(*spec.render));
      MEDSIGN_ASSIGN(png, image::encode_png(pic.raster, pic.dpi));
      if (w <= 0) w = std::max<std::int64_t>(1, static_cast<std::int64_t>(pic.width_mm + 0.5));
      if (h <= 0) h = std::max<std::int64_t>(1, static_cast<std::int64_t>(pic.height_mm + 0.5));
    } else {
      auto decoded = image::decode_png(spec.picture_png);
      if (!decoded) return decoded.error();
      png = spec.picture_png;
      if (w <= 0) w = 40;
      if (h <= 0) h = w;
    }
    if (w > 500 || h > 500) return Error(Errc::invalid_argument, "seal size must be at most 500 mm");

    std::int64_t start = spec.valid_start_ms > 0 ? spec.valid_start_ms : now_ms;
    std::int64_t end = spec.valid_end_ms;
    if (end <= 0) {
      end = start + kDefaultValidityMs;
      for (const auto& c : rec.certificates) end = std::min(end, c.certificate.not_after_ms());
    }
    start = start / 1000 * 1000;
    end = end / 1000 * 1000;
    if (end <= start) return Error(Errc::invalid_argument, "the seal's validity must end after it starts");

    rec.id = random_id("seal-");
    rec.name = spec.name;
    rec.type = spec.type;
    rec.owner = spec.owner;
    rec.version = spec.version;
    rec.docmdp = spec.docmdp;
    rec.width_mm = w;
    rec.height_mm = h;
    rec.valid_start_ms = start;
    rec.valid_end_ms = end;
    rec.created_by = actor.name;
    rec.created_at_ms = rec.updated_at_ms = now_ms;
    rec.picture = png;

    seal::SealInfo info;
    info.header.vid = "MedSign";
    info.es_id = rec.id;
    info.property.type = rec.type;
    info.property.name = rec.name;
    info.property.cert_list_type = spec.cert_list_type;
    for (const auto& c : rec.certificates) {
      if (spec.cert_list_type == 2) {
        MEDSIGN_ASSIGN(seal::CertDigest d, seal::cert_digest(c.certificate.der(), "sm3"));
        info.property.cert_digests.push_back(std::move(d));
      } else {
        info.property.certs.push_back(c.certificate.der());
      }
    }
    info.property.create_ms = now_ms / 1000 * 1000;
    info.property.valid_start_ms = start;
    info.property.valid_end_ms = end;
    info.picture = {"PNG", png, w, h};
    MEDSIGN_ASSIGN(crypto::Signer maker, signer_of(keys_, kMakerKey));
    MEDSIGN_ASSIGN(seal::Seal sealed, seal::make_seal(std::move(info), spec.version, maker_cert_, maker));
    rec.eseal = sealed.der;

    MEDSIGN_TRY(db_.transaction([&](store::Tx& tx) -> Status {
      MEDSIGN_TRY(tx.exec("INSERT INTO seals (id, name, type, owner, version, state, state_reason, docmdp, width_mm, "
                          "height_mm, valid_start, valid_end, created_by, created_at, updated_at, eseal, picture) "
                          "VALUES (?, ?, ?, ?, ?, 'made', '', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                          {rec.id, rec.name, std::int64_t{rec.type}, rec.owner, std::int64_t{rec.version},
                           std::int64_t{static_cast<int>(rec.docmdp)}, rec.width_mm, rec.height_mm, start, end,
                           rec.created_by, now_ms, now_ms, rec.eseal, rec.picture}));
      for (std::size_t i = 0; i < rec.certificates.size(); ++i) {
        const auto& c = rec.certificates[i];
        MEDSIGN_TRY(tx.exec("INSERT INTO seal_certs (seal_id, position, key_name, fingerprint, certificate) "
                            "VALUES (?, ?, ?, ?, ?)",
                            {rec.id, static_cast<std::int64_t>(i), c.key_name, c.certificate.fingerprint_sha256(),
                             c.certificate.der()}));
      }
      return add_event(tx, event_of(rec.id, now_ms, actor, "made", "", "made"));
    }));
    return rec;
  }();
  if (!built) return fail(built.error());
  std::string detail = "version " + std::to_string(built->version) + ", " +
                       std::to_string(built->certificates.size()) + " certificate(s), name " + built->name;
  audit(actor, "seal.make", built->id, Status{}, detail);
  if (spec.activate) return activate(built->id, actor);
  return built;
}

Result<SealRecord> SealService::get(const std::string& seal_id) const {
  MEDSIGN_ASSIGN(store::Rows rows, db_.query(std::string("SELECT ") + kSealColumns + ", eseal, picture FROM seals WHERE id = ?",
                                             {seal_id}));
  if (rows.empty()) return Error(Errc::not_found, "no seal " + seal_id.substr(0, 64));
  SealRecord s = record_of(rows[0]);
  s.eseal = rows[0].blob(15);
  s.picture = rows[0].blob(16);
  MEDSIGN_ASSIGN(store::Rows certs,
                 db_.query("SELECT key_name, certificate FROM seal_certs WHERE seal_id = ? ORDER BY position", {seal_id}));
  for (const auto& r : certs) {
    MEDSIGN_ASSIGN(pki::Certificate c, pki::Certificate::parse_der(r.blob(1)));
    s.certificates.push_back({r.text(0), std::move(c)});
  }
  return s;
}

Result<std::vector<SealRecord>> SealService::list(const SealQuery& q) const {
  std::string sql = std::string("SELECT ") + kSealColumns + " FROM seals WHERE 1 = 1";
  store::Params p;
  if (q.state) { sql += " AND state = ?"; p.push_back(std::string(seal_state_name(*q.state))); }
  if (!q.owner.empty()) { sql += " AND owner = ?"; p.push_back(q.owner); }
  if (q.type) { sql += " AND type = ?"; p.push_back(std::int64_t{*q.type}); }
  if (!q.name.empty()) { sql += " AND name LIKE ?"; p.push_back("%" + q.name + "%"); }
  sql += " ORDER BY created_at, id LIMIT 1000";
  MEDSIGN_ASSIGN(store::Rows rows, db_.query(sql, p));
  std::vector<SealRecord> out;
  for (const auto& r : rows) {
    SealRecord s = record_of(r);
    MEDSIGN_ASSIGN(store::Rows certs,
                   db_.query("SELECT key_name, certificate FROM seal_certs WHERE seal_id = ? ORDER BY position", {s.id}));
    for (const auto& c : certs) {
      if (auto cert = pki::Certificate::parse_der(c.blob(1))) s.certificates.push_back({c.text(0), std::move(*cert)});
    }
    out.push_back(std::move(s));
  }
  return out;
}

Result<SealRecord> SealService::transition(const std::string& seal_id, std::initializer_list<SealState> from,
                                           SealState to, const std::string& reason, const char* action,
                                           const char* event, const Actor& actor) {
  auto run = [&]() -> Status {
    if (reason.size() > 500) return Error(Errc::invalid_argument, "reason is longer than 500 bytes");
    return db_.transaction([&](store::Tx& tx) -> Status {
      const std::int64_t now = unix_millis();
      MEDSIGN_ASSIGN(std::string current, lock_seal(tx, seal_id));
      auto cur = parse_seal_state(current);
      if (!cur || std::find(from.begin(), from.end(), *cur) == from.end())
        return Error(Errc::seal_state_invalid, "seal " + seal_id + " is " + current + "; it cannot become " +
                                                   std::string(seal_state_name(to)) +
                                                   (current == "revoked" ? " (revocation is final)" : ""));
      MEDSIGN_TRY(tx.exec("UPDATE seals SET state = ?, state_reason = ?, updated_at = ? WHERE id = ?",
                          {std::string(seal_state_name(to)), reason, now, seal_id}));
      SealEvent e = event_of(seal_id, now, actor, event, current, seal_state_name(to));
      e.reason = reason;
      return add_event(tx, std::move(e));
    });
  };
  Status st = run();
  audit(actor, action, seal_id.substr(0, 64), st, reason.empty() ? std::string(seal_state_name(to)) : "reason: " + reason);
  if (!st) return st.error();
  return get(seal_id);
}

Result<SealRecord> SealService::activate(const std::string& seal_id, const Actor& actor) {
  return transition(seal_id, {SealState::made}, SealState::active, "", "seal.activate", "activated", actor);
}

Result<SealRecord> SealService::suspend(const std::string& seal_id, const std::string& reason, const Actor& actor) {
  if (reason.empty()) return Error(Errc::missing_field, "reason is required to suspend a seal");
  return transition(seal_id, {SealState::active}, SealState::suspended, reason, "seal.suspend", "suspended",
                    actor);
}

Result<SealRecord> SealService::resume(const std::string& seal_id, const Actor& actor) {
  return transition(seal_id, {SealState::suspended}, SealState::active, "", "seal.resume", "resumed", actor);
}

Result<SealRecord> SealService::revoke(const std::string& seal_id, const std::string& reason, const Actor& actor) {
  if (reason.empty()) return Error(Errc::missing_field, "reason is required to revoke a seal");
  return transition(seal_id, {SealState::made, SealState::active, SealState::suspended}, SealState::revoked, reason,
                    "seal.revoke", "revoked", actor);
}

Result<SealUser> SealService::add_user(const NewSealUser& u, const Actor& actor, std::int64_t now_ms) {
  auto run = [&]() -> Result<SealUser> {
    MEDSIGN_TRY(check_text(u.username, "username", 64, false));
    MEDSIGN_TRY(check_text(u.display_name, "display_name", 200, u.username.empty()));
    SealUser out;
    out.id = random_id("user-");
    out.username = u.username;
    out.display_name = u.display_name.empty() ? u.username : u.display_name;
    out.created_at_ms = now_ms;
    if (!u.username.empty()) {
      MEDSIGN_ASSIGN(store::Rows acc, db_.query("SELECT 1 FROM accounts WHERE username = ?", {u.username}));
      if (acc.empty()) return Error(Errc::not_found, "no account " + u.username);
      MEDSIGN_ASSIGN(store::Rows dup, db_.query("SELECT id FROM seal_users WHERE username = ?", {u.username}));
      if (!dup.empty()) return Error(Errc::conflict, "account " + u.username + " is already seal user " + dup[0].text(0));
    }
    Bytes der;
    if (!u.certificate_pem.empty()) {
      MEDSIGN_ASSIGN(pki::Certificate c, first_certificate(u.certificate_pem, "certificate"));
      der = c.der();
      out.certificate = std::move(c);
    }
    MEDSIGN_TRY(db_.exec("INSERT INTO seal_users (id, username, display_name, certificate, fingerprint, created_at) "
                         "VALUES (?, ?, ?, ?, ?, ?)",
                         {out.id, out.username, out.display_name, der,
                          out.certificate ? out.certificate->fingerprint_sha256() : std::string(), now_ms}));
    return out;
  }();
  audit(actor, "seal.user_add", run ? run->id : u.username.substr(0, 64), run ? Status{} : Status(run.error()),
        run ? "name " + run->display_name : "");
  return run;
}

namespace {
Result<SealUser> user_of(const store::Row& r) {
  SealUser u{r.text(0), r.text(1), r.text(2), std::nullopt, r.int64(4)};
  Bytes der = r.blob(3);
  if (!der.empty()) {
    MEDSIGN_ASSIGN(u.certificate, pki::Certificate::parse_der(der));
  }
  return u;
}
}  // namespace

Result<std::vector<SealUser>> SealService::users() const {
  MEDSIGN_ASSIGN(store::Rows rows,
                 db_.query("SELECT id, username, display_name, certificate, created_at FROM seal_users ORDER BY created_at, id"));
  std::vector<SealUser> out;
  for (const auto& r : rows) {
    MEDSIGN_ASSIGN(SealUser u, user_of(r));
    out.push_back(std::move(u));
  }
  return out;
}

Result<SealUser> SealService::user(const std::string& user_id) const {
  MEDSIGN_ASSIGN(store::Rows rows, db_.query("SELECT id, username, display_name, certificate, created_at FROM seal_users "
                                             "WHERE id = ?", {user_id}));
  if (rows.empty()) return Error(Errc::not_found, "no seal user " + user_id.substr(0, 64));
  return user_of(rows[0]);
}

Status SealService::remove_user(const std::string& user_id, const Actor& actor) {
  Status st = db_.transaction([&](store::Tx& tx) -> Status {
    MEDSIGN_ASSIGN(std::int64_t n, tx.exec("UPDATE seal_users SET display_name = display_name WHERE id = ?", {user_id}));
    if (n == 0) return Error(Errc::not_found, "no seal user " + user_id.substr(0, 64));
    MEDSIGN_ASSIGN(store::Rows user, tx.query("SELECT display_name FROM seal_users WHERE id = ?", {user_id}));
    const std::string name = user.empty() ? std::string() : user[0].text(0);
    // Every grant that goes with the user is a withdrawn grant in its seal's history.
    MEDSIGN_ASSIGN(store::Rows held, tx.query("SELECT seal_id FROM seal_grants WHERE user_id = ? ORDER BY seal_id", {user_id}));
    const std::int64_t now = unix_millis();
    for (const auto& r : held) {
      const std::string seal_id = r.text(0);
      auto state = lock_seal(tx, seal_id);
      if (!state && state.error().code != Errc::not_found) return state.error();
      if (!state) continue;  // a grant of a seal that is gone has no history to join
      SealEvent e = event_of(seal_id, now, actor, "grant_withdrawn", *state, *state);
      e.reason = "seal user removed";
      e.user_id = user_id;
      e.user_name = name;
      MEDSIGN_TRY(add_event(tx, std::move(e)));
    }
    MEDSIGN_TRY(tx.exec("DELETE FROM seal_grants WHERE user_id = ?", {user_id}));
    MEDSIGN_TRY(tx.exec("DELETE FROM seal_users WHERE id = ?", {user_id}));
    return {};
  });
  audit(actor, "seal.user_remove", user_id.substr(0, 64), st, "");
  return st;
}

Result<SealGrant> SealService::grant(const std::string& seal_id, const std::string& user_id, const Actor& actor,
                                     std::int64_t now_ms) {
  auto run = [&]() -> Result<SealGrant> {
    SealGrant g{seal_id, user_id, actor.name, now_ms};
    MEDSIGN_TRY(db_.transaction([&](store::Tx& tx) -> Status {
      MEDSIGN_ASSIGN(std::string state, lock_seal(tx, seal_id));
      if (state == "revoked") return Error(Errc::seal_state_invalid, "seal " + seal_id + " is revoked");
      MEDSIGN_ASSIGN(std::int64_t n, tx.exec("UPDATE seal_users SET display_name = display_name WHERE id = ?", {user_id}));
      if (n == 0) return Error(Errc::not_found, "no seal user " + user_id.substr(0, 64));
      MEDSIGN_ASSIGN(store::Rows user, tx.query("SELECT display_name FROM seal_users WHERE id = ?", {user_id}));
      MEDSIGN_TRY(tx.exec("INSERT INTO seal_grants (seal_id, user_id, granted_by, granted_at) VALUES (?, ?, ?, ?)",
                          {seal_id, user_id, actor.name, now_ms}));
      SealEvent e = event_of(seal_id, now_ms, actor, "granted", state, state);
      e.user_id = user_id;
      e.user_name = user.empty() ? std::string() : user[0].text(0);
      return add_event(tx, std::move(e));
    }));
    return g;
  }();
  audit(actor, "seal.grant", seal_id.substr(0, 64), run ? Status{} : Status(run.error()), "user " + user_id.substr(0, 64));
  return run;
}

Status SealService::ungrant(const std::string& seal_id, const std::string& user_id, const Actor& actor) {
  Status st = db_.transaction([&](store::Tx& tx) -> Status {
    MEDSIGN_ASSIGN(std::string state, lock_seal(tx, seal_id));
    MEDSIGN_ASSIGN(store::Rows user, tx.query("SELECT display_name FROM seal_users WHERE id = ?", {user_id}));
    MEDSIGN_ASSIGN(std::int64_t n, tx.exec("DELETE FROM seal_grants WHERE seal_id = ? AND user_id = ?", {seal_id, user_id}));
    if (n == 0)
      return Error(Errc::not_found, "user " + user_id.substr(0, 64) + " holds no grant on " + seal_id.substr(0, 64));
    SealEvent e = event_of(seal_id, unix_millis(), actor, "grant_withdrawn", state, state);
    e.user_id = user_id;
    e.user_name = user.empty() ? std::string() : user[0].text(0);
    return add_event(tx, std::move(e));
  });
  audit(actor, "seal.ungrant", seal_id.substr(0, 64), st, "user " + user_id.substr(0, 64));
  return st;
}

Result<std::vector<SealEvent>> SealService::history(const std::string& seal_id) const {
  MEDSIGN_ASSIGN(store::Rows seal, db_.query("SELECT created_at, created_by FROM seals WHERE id = ?", {seal_id}));
  if (seal.empty()) return Error(Errc::not_found, "no seal " + seal_id.substr(0, 64));
  MEDSIGN_ASSIGN(store::Rows rows, db_.query(std::string("SELECT ") + kEventColumns +
                                                 " FROM seal_events WHERE seal_id = ? ORDER BY seq",
                                             {seal_id}));
  std::vector<SealEvent> out;
  out.reserve(rows.size());
  for (const auto& r : rows)
    out.push_back({r.text(0), r.int64(1), r.int64(2), r.text(3), r.text(4), r.text(5), r.text(6), r.text(7), r.text(8),
                   r.text(9), r.text(10)});
  if (out.empty()) out.push_back(made_before_history(seal_id, seal[0]));  // what the next change will store
  return out;
}

Result<std::vector<SealGrant>> SealService::grants(const std::string& seal_id) const {
  std::string sql = "SELECT seal_id, user_id, granted_by, granted_at FROM seal_grants";
  store::Params p;
  if (!seal_id.empty()) {
    sql += " WHERE seal_id = ?";
    p.push_back(seal_id);
  }
  sql += " ORDER BY granted_at, user_id";
  MEDSIGN_ASSIGN(store::Rows rows, db_.query(sql, p));
  std::vector<SealGrant> out;
  for (const auto& r : rows) out.push_back({r.text(0), r.text(1), r.text(2), r.int64(3)});
  return out;
}

Result<SealMaterial> SealService::for_signing(const std::string& seal_id, const Actor& actor, std::int64_t now_ms) const {
  MEDSIGN_ASSIGN(SealRecord s, get(seal_id));
  if (s.state != SealState::active)
    return Error(Errc::seal_state_invalid, "seal " + seal_id + " is " + std::string(seal_state_name(s.state)) +
                                               "; only active seals sign");
  if (now_ms < s.valid_start_ms) return Error(Errc::seal_not_yet_valid, "seal " + seal_id + " is not yet valid");
  if (now_ms > s.valid_end_ms) return Error(Errc::seal_expired, "seal " + seal_id + " has expired");
  if (actor.role != Role::operator_ && actor.role != Role::sysadmin) {
    MEDSIGN_ASSIGN(store::Rows rows, db_.query("SELECT 1 FROM seal_grants g JOIN seal_users u ON u.id = g.user_id "
                                               "WHERE g.seal_id = ? AND u.username = ? AND u.username <> ''",
                                               {seal_id, actor.name}));
    if (rows.empty()) {
      Error e(Errc::seal_not_granted, actor.name + " holds no grant on seal " + seal_id);
      audit(actor, "seal.use", seal_id, e, "");
      return e;
    }
  }
  auto held = std::find_if(s.certificates.begin(), s.certificates.end(),
                           [](const SealCertificate& c) { return !c.key_name.empty(); });
  if (held == s.certificates.end())
    return Error(Errc::invalid_argument, "seal " + seal_id + " has no server-held key");
  SealMaterial m;
  m.seal_id = s.id;
  m.name = s.name;
  m.type = s.type;
  m.picture = s.picture;
  m.picture_type = "PNG";
  m.width_mm = static_cast<double>(s.width_mm);
  m.height_mm = static_cast<double>(s.height_mm);
  m.key_name = held->key_name;
  m.certificate = held->certificate;
  MEDSIGN_ASSIGN(std::string pem, keys_.certificate(held->key_name));
  MEDSIGN_ASSIGN(auto certs, pki::Certificate::parse_pem(pem));
  for (std::size_t i = 1; i < certs.size(); ++i) m.chain.push_back(certs[i].der());
  m.eseal = s.eseal;
  m.eseal_version = s.version;
  m.docmdp = s.docmdp;
  return m;
}

Status init_demo_seals(Platform& p, const std::string& hospital_name) {
  MEDSIGN_ASSIGN(auto svc, SealService::open(p.keys, *p.db, p.audit.get()));
  const Actor init{"cli", Role::operator_, "cli"};
  const std::int64_t now = std::chrono::duration_cast<std::chrono::milliseconds>(
                               std::chrono::system_clock::now().time_since_epoch()).count();
  for (const char* key : {"sm2-sign", "rsa-sign"}) {
    NewSeal spec;
    spec.name = hospital_name;
    spec.name.append(std::string(key) == "sm2-sign" ? "公章" : "公章（RSA）");
    spec.owner = hospital_name;
    spec.type = 1;
    spec.version = 4;
    image::SealOptions o;
    o.kind = image::SealKind::round;
    o.name = hospital_name;
    o.dpi = 300;
    spec.render = o;
    spec.key_names = {key};
    spec.activate = true;
    auto made = svc->make(spec, init, now);
    if (!made && made.error().code == Errc::font_missing) {
      // A data dir stays usable without CJK fonts; seals can be made later from an uploaded picture.
      log::warn("demo seals not made: no seal font", {{"error", made.error().to_string()}});
      return {};
    }
    if (!made) return made.error();
  }
  return {};
}

}  // namespace medsign::services
