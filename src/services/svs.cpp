#include "services/svs.h"

#include <arpa/inet.h>

#include <algorithm>
#include <charconv>
#include <cstring>

#include "common/clock.h"
#include "crypto/algorithms/hash.h"
#include "crypto/soft/dev_ca.h"
#include "crypto/soft/key_seal.h"
#include "pki/validation.h"
#include "svs/message.h"

namespace medsign::services {
namespace {

constexpr const char* kLogInsert =
    "INSERT INTO svs_log(ts, app_id, operation, key_name, data_sm3, result, detail, source) "
    "VALUES (?, ?, ?, ?, ?, ?, ?, ?)";

std::string join(const std::vector<std::string>& v) {
  std::string out;
  for (const auto& s : v) {
    if (!out.empty()) out += ',';
    out += s;
  }
  return out;
}

std::vector<std::string> split(const std::string& s) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (start <= s.size()) {
    std::size_t end = s.find(',', start);
    if (end == std::string::npos) end = s.size();
    std::string part = s.substr(start, end - start);
    if (!part.empty()) out.push_back(part);
    start = end + 1;
  }
  return out;
}

std::optional<int> parse_int(std::string_view s) {
  int v = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || p != s.data() + s.size()) return std::nullopt;
  return v;
}

crypto::SignatureAlg alg_for(crypto::KeyAlg a) {
  switch (a) {
    case crypto::KeyAlg::sm2: return crypto::SignatureAlg::sm2_sm3;
    case crypto::KeyAlg::ecdsa_p256: return crypto::SignatureAlg::ecdsa_p256_sha256;
    case crypto::KeyAlg::ecdsa_p384: return crypto::SignatureAlg::ecdsa_p384_sha384;
    default: return crypto::SignatureAlg::rsa_pkcs1_sha256;  // GM/T 0029 "PKCS1" mode
  }
}

cms::SignatureAlgorithm cms_alg(crypto::SignatureAlg a) {
  switch (a) {
    case crypto::SignatureAlg::sm2_sm3: return cms::SignatureAlgorithm::sm2;
    case crypto::SignatureAlg::ecdsa_p256_sha256:
    case crypto::SignatureAlg::ecdsa_p384_sha384: return cms::SignatureAlgorithm::ecdsa;
    default: return cms::SignatureAlgorithm::rsa_pkcs1;
  }
}

cms::DigestAlgorithm cms_digest(crypto::SignatureAlg a) {
  switch (crypto::signature_hash(a)) {
    case crypto::HashAlg::sm3: return cms::DigestAlgorithm::sm3;
    case crypto::HashAlg::sha384: return cms::DigestAlgorithm::sha384;
    case crypto::HashAlg::sha512: return cms::DigestAlgorithm::sha512;
    default: return cms::DigestAlgorithm::sha256;
  }
}

// The signature scheme for verifying with a certificate's key.
Result<crypto::SignatureAlg> verify_alg(const pki::Certificate& cert) {
  switch (cert.key_type()) {
    case pki::KeyType::sm2: return crypto::SignatureAlg::sm2_sm3;
    case pki::KeyType::rsa: return crypto::SignatureAlg::rsa_pkcs1_sha256;
    case pki::KeyType::ecdsa_p256: return crypto::SignatureAlg::ecdsa_p256_sha256;
    case pki::KeyType::ecdsa_p384: return crypto::SignatureAlg::ecdsa_p384_sha384;
    default: return Error(Errc::invalid_argument, "the certificate's key type cannot verify signatures here");
  }
}

Status done(const Result<std::int64_t>& r) {
  if (!r) return r.error();
  return {};
}

SvsVerdict bad(std::uint32_t code, std::string reason) { return {false, code, std::move(reason)}; }

std::string random_hex(std::size_t n) { return hex_encode(crypto::random_bytes(n)); }

}  // namespace

// ---------------------------------------------------------------------------------------------- Cidr

std::optional<std::array<std::uint8_t, 16>> parse_ip(std::string_view text) {
  std::array<std::uint8_t, 16> a{};
  std::string s(text);
  if (s.size() > 2 && s.front() == '[' && s.back() == ']') s = s.substr(1, s.size() - 2);
  in_addr v4{};
  if (inet_pton(AF_INET, s.c_str(), &v4) == 1) {
    a[10] = a[11] = 0xff;
    std::memcpy(a.data() + 12, &v4, 4);
    return a;
  }
  in6_addr v6{};
  if (inet_pton(AF_INET6, s.c_str(), &v6) == 1) {
    std::memcpy(a.data(), &v6, 16);
    return a;
  }
  return std::nullopt;
}

Result<Cidr> Cidr::parse(std::string_view text) {
  std::string_view addr = text, len;
  if (auto slash = text.find('/'); slash != std::string_view::npos) {
    addr = text.substr(0, slash);
    len = text.substr(slash + 1);
  }
  auto a = parse_ip(addr);
  if (!a) return Error(Errc::invalid_argument, "'" + std::string(text) + "' is not an address or address/prefix");
  bool v4 = addr.find(':') == std::string_view::npos;
  Cidr c;
  c.addr = *a;
  c.prefix = 128;
  if (!len.empty()) {
    auto p = parse_int(len);
    int max = v4 ? 32 : 128;
    if (!p || *p < 0 || *p > max) {
      return Error(Errc::invalid_argument, "'" + std::string(text) + "': prefix length must be 0.." + std::to_string(max));
    }
    c.prefix = v4 ? *p + 96 : *p;
  }
  // Clear host bits so that to_string() shows the network.
  for (int bit = c.prefix; bit < 128; ++bit) c.addr[static_cast<std::size_t>(bit / 8)] &= static_cast<std::uint8_t>(~(0x80 >> (bit % 8)));
  return c;
}

bool Cidr::contains(const std::array<std::uint8_t, 16>& a) const {
  for (int bit = 0; bit < prefix; ++bit) {
    std::size_t i = static_cast<std::size_t>(bit / 8);
    std::uint8_t m = static_cast<std::uint8_t>(0x80 >> (bit % 8));
    if ((a[i] & m) != (addr[i] & m)) return false;
  }
  return true;
}

std::string Cidr::to_string() const {
  char buf[INET6_ADDRSTRLEN] = {};
  bool v4 = std::all_of(addr.begin(), addr.begin() + 10, [](std::uint8_t b) { return b == 0; }) && addr[10] == 0xff &&
            addr[11] == 0xff && prefix >= 96;
  if (v4) {
    inet_ntop(AF_INET, addr.data() + 12, buf, sizeof buf);
    return std::string(buf) + "/" + std::to_string(prefix - 96);
  }
  inet_ntop(AF_INET6, addr.data(), buf, sizeof buf);
  return std::string(buf) + "/" + std::to_string(prefix);
}

// ------------------------------------------------------------------------------------------- codes

std::uint32_t svs_code_for(const Error& e) {
  switch (e.code) {
    case Errc::not_found: return svs::kErrorKeyIndex;
    case Errc::invalid_credentials: return svs::kErrorKeyValue;
    case Errc::forbidden: return svs::kErrorKeyIndex;
    case Errc::bad_encoding:
    case Errc::invalid_argument:
    case Errc::missing_field: return svs::kInvalidDataFormat;
    case Errc::bad_signature: return svs::kInvalidSignature;
    default: return svs::kSystemFailure;
  }
}

// ------------------------------------------------------------------------------------------ service

SvsService::~SvsService() = default;

Result<std::unique_ptr<SvsService>> SvsService::open(const crypto::SoftKeyStore& keys, store::Database& db,
                                                     AuditLog* audit) {
  std::unique_ptr<SvsService> s(new SvsService(db, audit));
  // The MAC key for application secrets, sealed under the KEK.
  const auto mac_path = keys.dir() / "svs-mac.sealed";
  if (std::filesystem::exists(mac_path)) {
    MEDSIGN_ASSIGN(Bytes sealed, crypto::read_file(mac_path));
    MEDSIGN_ASSIGN(s->mac_key_, keys.unseal_blob(sealed, "svs-mac"));
  } else {
    Bytes k = crypto::random_bytes(32);
    MEDSIGN_ASSIGN(Bytes sealed, keys.seal_blob(k, "svs-mac"));
    MEDSIGN_TRY(crypto::write_file_atomic(mac_path, sealed));
    s->mac_key_ = SecretBytes(std::move(k));
  }
  MEDSIGN_TRY(s->load_keys(keys));
  MEDSIGN_TRY(s->load_apps());
  store::GroupCommitWriter::Options o;
  o.busy_rows = 32;  // under load, wait (≤ 1 ms) for a batch as large as the last one
  o.busy_linger = std::chrono::microseconds(1000);
  s->log_ = std::make_unique<store::GroupCommitWriter>(db, kLogInsert, o);
  return s;
}

Bytes SvsService::mac(std::string_view purpose, std::string_view value) const {
  std::string msg(purpose);
  msg += '\0';
  msg += value;
  return crypto::hmac(crypto::HashAlg::sm3, mac_key_.view(), as_bytes(msg));
}

void SvsService::audit(const Actor& a, std::string action, std::string target, std::string result, std::string detail) {
  if (!audit_) return;
  (void)audit_->record({a.name, std::string(role_name(a.role)), std::move(action), std::move(target), std::move(result),
                        a.source, std::move(detail)});
}

Status SvsService::load_keys(const crypto::SoftKeyStore& keys) {
  MEDSIGN_ASSIGN(store::Rows rows, db_.query("SELECT key_index, key_name, access_hash FROM svs_keys ORDER BY key_index"));
  std::map<int, std::shared_ptr<const LoadedKey>> loaded;
  std::vector<pki::Certificate> anchors;
  if (auto ca = keys.certificate("dev-ca")) {
    if (auto c = pki::Certificate::parse_pem(*ca); c && !c->empty()) anchors.push_back(c->front());
  }
  for (const auto& r : rows) {
    LoadedKey k;
    k.info.index = static_cast<int>(r.int64(0));
    k.info.name = r.text(1);
    k.access_hash = r.blob(2);
    k.info.has_access_code = !k.access_hash.empty();
    MEDSIGN_ASSIGN(crypto::EvpKey key, keys.get(k.info.name));
    MEDSIGN_ASSIGN(std::string pem, keys.certificate(k.info.name));
    MEDSIGN_ASSIGN(auto certs, pki::Certificate::parse_pem(pem));
    if (certs.empty()) return Error(Errc::config_invalid, "signing key " + k.info.name + " has no certificate");
    k.info.certificate = certs.front();
    for (std::size_t i = 1; i < certs.size(); ++i) k.info.chain.push_back(certs[i].der());
    MEDSIGN_ASSIGN(SecretBytes der, key.private_der());
    MEDSIGN_ASSIGN(crypto::KeyPair pair, crypto::KeyPair::from_pkcs8(der.view()));
    k.info.alg = alg_for(pair.algorithm());
    MEDSIGN_ASSIGN(k.signer, crypto::Signer::create(k.info.alg, pair));
    crypto::Signer signer = k.signer;
    k.cms_sign = [signer](ByteView tbs) { return signer.sign(tbs); };
    k.decrypt_key = [pair](const cms::RecipientInfo& ri) -> Result<SecretBytes> {
      if (pair.algorithm() == crypto::KeyAlg::sm2) {
        MEDSIGN_ASSIGN(crypto::Decryptor d, crypto::Decryptor::create(crypto::EncryptionAlg::sm2, pair));
        return d.decrypt(ri.encrypted_key);
      }
      MEDSIGN_ASSIGN(SecretBytes der, pair.pkcs8());
      MEDSIGN_ASSIGN(crypto::EvpKey evp, crypto::EvpKey::from_private_der(der.view()));
      return cms::decrypt_key_rsa(ri, evp.get());
    };
    const int idx = k.info.index;
    loaded.emplace(idx, std::make_shared<const LoadedKey>(std::move(k)));
  }
  pki::TrustPolicy project;
  project.name = "svs";
  for (const auto& a : anchors) MEDSIGN_TRY(project.anchors.add_encoded(a.der()));
  for (const auto& [i, k] : loaded) {
    for (const auto& d : k->info.chain) {
      auto c = pki::Certificate::parse_der(d);
      if (c && c->subject() != c->issuer()) MEDSIGN_TRY(project.intermediates.add_encoded(d));
    }
  }
  pki::TrustPolicy with_crls = project;
  with_crls.revocation = pki::RevocationMode::crl_required;
  std::unique_lock lock(mu_);
  keys_ = std::move(loaded);
  chain_policy_ = pki::VerificationPolicy{"svs-chain", {project}};
  crl_policy_ = pki::VerificationPolicy{"svs-chain-crl", {with_crls}};
  validations_.clear();
  return {};
}

Status SvsService::load_apps() {
  MEDSIGN_ASSIGN(store::Rows rows,
                 db_.query("SELECT app_id, name, secret_hash, allow_list, key_indexes, policy, enabled, created_at "
                           "FROM svs_apps"));
  std::map<std::string, AppEntry> apps;
  for (const auto& r : rows) {
    AppEntry e;
    e.app.id = r.text(0);
    e.app.name = r.text(1);
    e.secret_hash = r.blob(2);
    for (const auto& c : split(r.text(3))) {
      MEDSIGN_ASSIGN(Cidr cidr, Cidr::parse(c));
      e.app.allow.push_back(cidr);
    }
    for (const auto& k : split(r.text(4))) {
      if (auto i = parse_int(k)) e.app.keys.push_back(*i);
    }
    e.app.policy = r.text(5);
    e.app.enabled = r.int64(6) != 0;
    e.app.created_at_ms = r.int64(7);
    apps.emplace(e.app.id, std::move(e));
  }
  std::unique_lock lock(mu_);
  apps_ = std::move(apps);
  return {};
}

Status SvsService::store_app(const AppEntry& e, bool insert) {
  std::vector<std::string> allow, keys;
  for (const auto& c : e.app.allow) allow.push_back(c.to_string());
  for (int k : e.app.keys) keys.push_back(std::to_string(k));
  if (insert) {
    return done(db_.exec("INSERT INTO svs_apps(app_id, name, secret_hash, allow_list, key_indexes, policy, enabled, created_at) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                    {e.app.id, e.app.name, e.secret_hash, join(allow), join(keys), e.app.policy,
                     std::int64_t{e.app.enabled ? 1 : 0}, e.app.created_at_ms}));
  }
  return done(db_.exec("UPDATE svs_apps SET name = ?, secret_hash = ?, allow_list = ?, key_indexes = ?, policy = ?, "
                  "enabled = ? WHERE app_id = ?",
                  {e.app.name, e.secret_hash, join(allow), join(keys), e.app.policy, std::int64_t{e.app.enabled ? 1 : 0},
                   e.app.id}));
}

namespace {
Result<SvsApp> app_from_spec(const NewApp& spec, const std::map<int, std::string>& key_names) {
  SvsApp a;
  if (spec.name.empty() || spec.name.size() > 128) return Error(Errc::invalid_argument, "application name must be 1-128 characters");
  a.name = spec.name;
  if (spec.allow.empty()) return Error(Errc::invalid_argument, "the address allow-list is empty: no address could call");
  for (const auto& c : spec.allow) {
    MEDSIGN_ASSIGN(Cidr cidr, Cidr::parse(c));
    a.allow.push_back(cidr);
  }
  for (int k : spec.keys) {
    if (!key_names.contains(k)) return Error(Errc::not_found, "no signing key with index " + std::to_string(k));
    a.keys.push_back(k);
  }
  a.policy = spec.policy;
  return a;
}
}  // namespace

Result<AppCredentials> SvsService::add_app(const NewApp& spec, const Actor& actor) {
  std::map<int, std::string> names;
  {
    std::shared_lock lock(mu_);
    for (const auto& [i, k] : keys_) names[i] = k->info.name;
  }
  auto app = app_from_spec(spec, names);
  if (!app) {
    audit(actor, "svs.app_create", spec.name, "failure", app.error().detail);
    return app.error();
  }
  AppEntry e;
  e.app = std::move(app).value();
  e.app.id = "app-" + random_hex(8);
  e.app.created_at_ms = unix_millis();
  std::string secret = base64url_encode(crypto::random_bytes(24));
  e.secret_hash = mac("app-secret", secret);
  if (auto st = store_app(e, true); !st) {
    audit(actor, "svs.app_create", spec.name, "failure", st.error().detail);
    return st.error();
  }
  audit(actor, "svs.app_create", e.app.id, "success", "name " + e.app.name);
  AppCredentials out{e.app, secret};
  std::unique_lock lock(mu_);
  apps_[e.app.id] = std::move(e);
  return out;
}

std::vector<SvsApp> SvsService::list_apps() const {
  std::shared_lock lock(mu_);
  std::vector<SvsApp> out;
  for (const auto& [id, e] : apps_) out.push_back(e.app);
  std::sort(out.begin(), out.end(), [](const SvsApp& a, const SvsApp& b) { return a.created_at_ms < b.created_at_ms; });
  return out;
}

Result<SvsApp> SvsService::get_app(const std::string& id) const {
  std::shared_lock lock(mu_);
  auto it = apps_.find(id);
  if (it == apps_.end()) return Error(Errc::not_found, "no application " + id);
  return it->second.app;
}

Status SvsService::set_app_enabled(const std::string& id, bool enabled, const Actor& actor) {
  std::unique_lock lock(mu_);
  auto it = apps_.find(id);
  const char* action = enabled ? "svs.app_enable" : "svs.app_disable";
  if (it == apps_.end()) {
    lock.unlock();
    audit(actor, action, id, "failure", "no such application");
    return Error(Errc::not_found, "no application " + id);
  }
  AppEntry e = it->second;
  e.app.enabled = enabled;
  MEDSIGN_TRY(store_app(e, false));
  it->second = std::move(e);
  lock.unlock();
  audit(actor, action, id, "success", "");
  return {};
}

Status SvsService::update_app(const std::string& id, const NewApp& spec, const Actor& actor) {
  std::map<int, std::string> names;
  {
    std::shared_lock lock(mu_);
    for (const auto& [i, k] : keys_) names[i] = k->info.name;
  }
  auto app = app_from_spec(spec, names);
  if (!app) {
    audit(actor, "svs.app_update", id, "failure", app.error().detail);
    return app.error();
  }
  std::unique_lock lock(mu_);
  auto it = apps_.find(id);
  if (it == apps_.end()) return Error(Errc::not_found, "no application " + id);
  AppEntry e = it->second;
  e.app.name = app->name;
  e.app.allow = app->allow;
  e.app.keys = app->keys;
  e.app.policy = app->policy;
  MEDSIGN_TRY(store_app(e, false));
  it->second = std::move(e);
  lock.unlock();
  audit(actor, "svs.app_update", id, "success", "");
  return {};
}

Result<AppCredentials> SvsService::rotate_secret(const std::string& id, const Actor& actor) {
  std::unique_lock lock(mu_);
  auto it = apps_.find(id);
  if (it == apps_.end()) return Error(Errc::not_found, "no application " + id);
  AppEntry e = it->second;
  std::string secret = base64url_encode(crypto::random_bytes(24));
  e.secret_hash = mac("app-secret", secret);
  MEDSIGN_TRY(store_app(e, false));
  it->second = e;
  lock.unlock();
  audit(actor, "svs.app_rotate_secret", id, "success", "");
  return AppCredentials{e.app, secret};
}

Result<Caller> SvsService::authenticate(const std::string& app_id, const std::string& secret,
                                        const std::string& source) const {
  Bytes h = mac("app-secret", secret);
  std::shared_lock lock(mu_);
  auto it = apps_.find(app_id);
  if (it == apps_.end() || !ct_equal(h, it->second.secret_hash)) {
    return Error(Errc::unauthenticated, "unknown application or wrong secret");
  }
  if (!it->second.app.enabled) return Error(Errc::unauthenticated, "application " + app_id + " is disabled");
  auto addr = parse_ip(source);
  bool allowed = addr && std::any_of(it->second.app.allow.begin(), it->second.app.allow.end(),
                                     [&](const Cidr& c) { return c.contains(*addr); });
  if (!allowed) return Error(Errc::forbidden, "address " + source + " is not on the allow-list of " + app_id);
  return Caller{app_id, source};
}

Result<Caller> SvsService::caller_for_address(const std::string& source) const {
  auto addr = parse_ip(source);
  if (!addr) return Error(Errc::forbidden, "unknown source address");
  std::shared_lock lock(mu_);
  const AppEntry* best = nullptr;
  int best_prefix = -1;
  for (const auto& [id, e] : apps_) {
    if (!e.app.enabled) continue;
    for (const auto& c : e.app.allow) {
      if (!c.contains(*addr)) continue;
      // The most specific entry wins; among equally specific ones, the application registered first.
      bool earlier = best != nullptr && (e.app.created_at_ms < best->app.created_at_ms ||
                                         (e.app.created_at_ms == best->app.created_at_ms && e.app.id < best->app.id));
      if (c.prefix > best_prefix || (c.prefix == best_prefix && earlier)) {
        best = &e;
        best_prefix = c.prefix;
      }
    }
  }
  if (!best) return Error(Errc::forbidden, "no application is registered for address " + source);
  return Caller{best->app.id, source};
}

std::vector<SvsKey> SvsService::keys() const {
  std::shared_lock lock(mu_);
  std::vector<SvsKey> out;
  for (const auto& [i, k] : keys_) out.push_back(k->info);
  return out;
}

Result<std::shared_ptr<const SvsKey>> SvsService::find_key(const std::string& ref) const {
  std::shared_lock lock(mu_);
  auto idx = parse_int(ref);
  for (const auto& [i, k] : keys_) {
    // Shares ownership of the loaded key: a reload of the keys meanwhile does not free it.
    if ((idx && i == *idx) || (!idx && k->info.name == ref)) return std::shared_ptr<const SvsKey>(k, &k->info);
  }
  return Error(Errc::not_found, "no signing key " + ref);
}

Status SvsService::register_key(int index, const std::string& name, const std::string& access_code, const Actor& actor) {
  Bytes h = access_code.empty() ? Bytes{} : mac("key-access:" + std::to_string(index), access_code);
  auto st = db_.transaction([&](store::Tx& tx) -> Status {
    MEDSIGN_TRY(tx.exec("DELETE FROM svs_keys WHERE key_index = ?", {std::int64_t{index}}));
    return done(tx.exec("INSERT INTO svs_keys(key_index, key_name, access_hash, created_at) VALUES (?, ?, ?, ?)",
                        {std::int64_t{index}, name, h, unix_millis()}));
  });
  audit(actor, "svs.key_register", std::to_string(index), st ? "success" : "failure", "key " + name);
  return st;
}

Result<std::shared_ptr<const SvsService::LoadedKey>> SvsService::usable_key(const Caller& c, const std::string& key,
                                                            std::string_view access_code) const {
  std::shared_lock lock(mu_);
  auto idx = parse_int(key);
  std::shared_ptr<const LoadedKey> found;
  for (const auto& [i, k] : keys_) {
    if ((idx && i == *idx) || (!idx && k->info.name == key)) found = k;
  }
  if (!found) return Error(Errc::not_found, "no signing key " + key);
  auto app = apps_.find(c.app_id);
  if (app == apps_.end() || std::find(app->second.app.keys.begin(), app->second.app.keys.end(), found->info.index) ==
                                app->second.app.keys.end()) {
    return Error(Errc::forbidden, "application " + c.app_id + " may not sign with key " + found->info.name);
  }
  if (!found->access_hash.empty() &&
      !ct_equal(mac("key-access:" + std::to_string(found->info.index), access_code), found->access_hash)) {
    return Error(Errc::invalid_credentials, "wrong access code for key " + found->info.name);
  }
  return found;
}

Result<Bytes> SvsService::sign_data(const Caller& c, const std::string& key, ByteView data,
                                    std::string_view access_code) const {
  MEDSIGN_ASSIGN(auto k, usable_key(c, key, access_code));
  return k->signer.sign(data);
}

Result<Bytes> SvsService::sign_digest(const Caller& c, const std::string& key, ByteView digest,
                                      std::string_view access_code) const {
  MEDSIGN_ASSIGN(auto k, usable_key(c, key, access_code));
  return k->signer.sign_digest(digest);
}

namespace {
std::uint32_t code_for_reason(pki::ValidationReason reason) {
  switch (reason) {
    case pki::ValidationReason::revoked: return svs::kErrorCertRevoked;
    case pki::ValidationReason::crl_unavailable: return svs::kErrorServerConnect;
    case pki::ValidationReason::expired: return svs::kErrorCertInvalidAfter;
    case pki::ValidationReason::not_yet_valid: return svs::kErrorCertInvalidBefore;
    default: return svs::kErrorCert;
  }
}
}  // namespace

SvsVerdict SvsService::check_certificate(const pki::Certificate& cert, int verify_level, std::int64_t now_ms) const {
  if (now_ms < cert.not_before_ms()) return bad(svs::kErrorCertInvalidBefore, "the certificate is not yet valid");
  if (now_ms > cert.not_after_ms()) return bad(svs::kErrorCertInvalidAfter, "the certificate has expired");
  if (verify_level >= 1) {
    pki::ValidationResult r;
    {
      std::shared_lock lock(mu_);
      r = validations_.validate(cert, now_ms, verify_level >= 2 ? crl_policy_ : chain_policy_, crls_);
    }
    if (!r.ok) return bad(code_for_reason(r.reason), r.detail);
  }
  return {true, svs::kSuccess, ""};
}

SvsVerdict SvsService::check_certificate_for(const Caller* caller, const pki::Certificate& cert, int verify_level,
                                             std::int64_t now_ms) const {
  std::string policy;
  if (caller != nullptr && verify_level >= 1) {
    std::shared_lock lock(mu_);
    if (auto it = apps_.find(caller->app_id); it != apps_.end()) policy = it->second.app.policy;
  }
  if (policy.empty()) return check_certificate(cert, verify_level, now_ms);
  if (now_ms < cert.not_before_ms()) return bad(svs::kErrorCertInvalidBefore, "the certificate is not yet valid");
  if (now_ms > cert.not_after_ms()) return bad(svs::kErrorCertInvalidAfter, "the certificate has expired");
  if (!policies_) return bad(svs::kErrorCert, "verification policy " + policy + " is not available on this node");
  auto r = policies_->verify(VerifyRequest{policy, cert.der(), now_ms});
  if (!r) return bad(svs::kErrorCert, "verification policy " + policy + ": " + r.error().detail);
  if (!r->ok) return bad(code_for_reason(r->reason), r->detail);
  return {true, svs::kSuccess, ""};
}

Result<crypto::Verifier> SvsService::verifier_for(const pki::Certificate& cert) const {
  const Bytes& spki = cert.public_key().der;
  std::string_view k(reinterpret_cast<const char*>(spki.data()), spki.size());
  {
    std::lock_guard lock(verifiers_mu_);
    if (auto it = verifiers_.find(k); it != verifiers_.end()) return it->second;
  }
  MEDSIGN_ASSIGN(crypto::SignatureAlg alg, verify_alg(cert));
  MEDSIGN_ASSIGN(crypto::Verifier v, crypto::Verifier::create(alg, cert.public_key().der));
  std::lock_guard lock(verifiers_mu_);
  if (verifiers_.size() >= 4096) verifiers_.clear();  // bounded; rebuilt on demand
  verifiers_.emplace(std::string(k), v);
  return v;
}

Result<std::shared_ptr<const pki::Certificate>> SvsService::parse_certificate(ByteView der) const {
  std::string_view k(reinterpret_cast<const char*>(der.data()), der.size());
  {
    std::lock_guard lock(certificates_mu_);
    if (auto it = certificates_.find(k); it != certificates_.end()) return it->second;
  }
  MEDSIGN_ASSIGN(pki::Certificate cert, pki::Certificate::parse_der(der));
  auto shared = std::make_shared<const pki::Certificate>(std::move(cert));
  std::lock_guard lock(certificates_mu_);
  if (certificates_.size() >= 1024) certificates_.clear();  // bounded; refilled on demand
  certificates_.emplace(std::string(k), shared);
  return shared;
}

SvsVerdict SvsService::verify_data(const pki::Certificate& cert, ByteView data, ByteView signature, int verify_level,
                                   std::int64_t now_ms, const Caller* caller) const {
  auto v = verifier_for(cert);
  if (!v) return bad(svs::kErrorCertDecode, v.error().detail);
  if (auto st = v->verify(data, signature); !st) return bad(svs::kInvalidSignature, "the signature does not verify");
  return check_certificate_for(caller, cert, verify_level, now_ms);
}

SvsVerdict SvsService::verify_digest(const pki::Certificate& cert, ByteView digest, ByteView signature,
                                     int verify_level, std::int64_t now_ms, const Caller* caller) const {
  auto v = verifier_for(cert);
  if (!v) return bad(svs::kErrorCertDecode, v.error().detail);
  if (auto st = v->verify_digest(digest, signature); !st) return bad(svs::kInvalidSignature, "the signature does not verify");
  return check_certificate_for(caller, cert, verify_level, now_ms);
}

Result<Bytes> SvsService::sign_message(const Caller& c, const std::string& key, ByteView data,
                                       std::string_view access_code, const SignMessageOptions& o,
                                       std::int64_t now_ms) const {
  MEDSIGN_ASSIGN(auto k, usable_key(c, key, access_code));
  cms::SignRequest req;
  req.flavor = k->info.alg == crypto::SignatureAlg::sm2_sm3 ? cms::Flavor::gmt0010 : cms::Flavor::rfc5652;
  req.content = data;
  req.detached = o.detached;
  if (o.include_chain) req.extra_certificates = k->info.chain;
  cms::SignerSpec s;
  s.certificate = k->info.certificate;
  s.digest = cms_digest(k->info.alg);
  s.signature = cms_alg(k->info.alg);
  s.sign = k->cms_sign;
  s.signed_attributes = o.signed_attributes;
  if (o.content_digest) {
    if (o.content_digest->size() != crypto::hash_size(crypto::signature_hash(k->info.alg))) {
      return Error(Errc::invalid_argument, "the digest has " + std::to_string(o.content_digest->size()) +
                                               " bytes; key " + k->info.name + " needs " +
                                               std::to_string(crypto::hash_size(crypto::signature_hash(k->info.alg))));
    }
    req.content_digest = *o.content_digest;
    req.detached = true;
    s.signed_attributes = true;
  }
  if (s.signed_attributes) s.signing_time_ms = now_ms - now_ms % 1000;
  return cms::sign(req, std::span<const cms::SignerSpec>(&s, 1));
}

SvsMessageVerdict SvsService::verify_message(ByteView signed_message, std::optional<ByteView> detached,
                                             int verify_level, std::int64_t now_ms, const Caller* caller) const {
  auto sd = cms::parse_signed_data(signed_message);
  if (!sd) {
    SvsMessageVerdict out;
    out.verdict = bad(svs::kInvalidDataFormat, sd.error().detail);
    return out;
  }
  return verify_checked(*sd, cms::verify_signatures(*sd, detached), verify_level, now_ms, caller);
}

SvsMessageVerdict SvsService::verify_message_digest(ByteView signed_message, const cms::ContentDigest& digest,
                                                    int verify_level, std::int64_t now_ms, const Caller* caller) const {
  auto sd = cms::parse_signed_data(signed_message);
  if (!sd) {
    SvsMessageVerdict out;
    out.verdict = bad(svs::kInvalidDataFormat, sd.error().detail);
    return out;
  }
  return verify_checked(*sd, cms::verify_signatures(*sd, digest), verify_level, now_ms, caller);
}

Result<cms::DigestAlgorithm> SvsService::message_digest_algorithm(const std::string& key) const {
  MEDSIGN_ASSIGN(auto k, find_key(key));
  return cms_digest(k->alg);
}

SvsMessageVerdict SvsService::verify_checked(const cms::SignedData& sd,
                                             const Result<std::vector<cms::SignerVerification>>& checks,
                                             int verify_level, std::int64_t now_ms, const Caller* caller) const {
  SvsMessageVerdict out;
  if (sd.content) out.content = sd.content;
  if (!checks) {
    out.verdict = bad(svs::kInvalidDataFormat, checks.error().detail);
    return out;
  }
  if (checks->empty()) {
    out.verdict = bad(svs::kInvalidDataFormat, "the message has no signer");
    return out;
  }
  for (const auto& c : *checks) {
    if (c.certificate) out.signer = c.certificate;
    out.signing_time_ms = c.signing_time_ms;
    if (!c.ok) {
      out.verdict = bad(c.certificate ? svs::kInvalidSignature : svs::kErrorCert, c.problem);
      return out;
    }
    out.verdict = check_certificate_for(caller, *c.certificate, verify_level, c.signing_time_ms.value_or(now_ms));
    if (!out.verdict.ok) return out;
  }
  return out;
}

Result<Bytes> SvsService::export_certificate(const std::string& identification) const {
  auto k = find_key(identification);
  if (!k) return Error(Errc::not_found, "no certificate " + identification);
  return (*k)->certificate.der();
}

Result<Bytes> SvsService::envelope_encrypt(ByteView content, std::span<const pki::Certificate> recipients) const {
  if (recipients.empty()) return Error(Errc::missing_field, "at least one recipient certificate is required");
  std::size_t sm2 = 0;
  for (const auto& r : recipients) {
    if (r.key_type() == pki::KeyType::sm2) ++sm2;
    else if (r.key_type() != pki::KeyType::rsa) {
      return Error(Errc::invalid_argument, "recipient " + r.subject().to_string() + " has neither an SM2 nor an RSA key");
    }
  }
  if (sm2 != 0 && sm2 != recipients.size()) {
    return Error(Errc::invalid_argument, "recipients mix SM2 and RSA keys: make one envelope per algorithm");
  }
  cms::EnvelopeRequest req;
  req.flavor = sm2 ? cms::Flavor::gmt0010 : cms::Flavor::rfc5652;
  req.cipher = sm2 ? cms::ContentCipher::sm4_cbc : cms::ContentCipher::aes256_cbc;
  req.content = content;
  return cms::envelope(req, recipients);
}

Result<SecretBytes> SvsService::envelope_decrypt(const Caller& c, const std::string& key, ByteView envelope,
                                                 std::string_view access_code) const {
  MEDSIGN_ASSIGN(auto k, usable_key(c, key, access_code));
  const auto& ku = k->info.certificate.key_usage();
  if (ku && !ku->has(pki::KeyUsageBit::key_encipherment)) {
    return Error(Errc::forbidden, "the certificate of key " + k->info.name + " does not allow keyEncipherment");
  }
  MEDSIGN_ASSIGN(cms::EnvelopedData env, cms::parse_enveloped_data(envelope));
  return cms::open_envelope(env, k->info.certificate, k->decrypt_key);
}

void SvsService::record(const Caller& c, std::string_view operation, std::string_view key, ByteView data,
                        std::string result, std::string detail, std::function<void(Status)> done) {
  if (detail.size() > 512) detail.resize(512);
  log_->append({unix_millis(), c.app_id, std::string(operation), std::string(key),
                hex_encode(crypto::hash(crypto::HashAlg::sm3, data)), std::move(result), std::move(detail), c.source},
               std::move(done));
}

Status SvsService::record_and_wait(const Caller& c, std::string_view operation, std::string_view key, ByteView data,
                                   std::string result, std::string detail) {
  if (detail.size() > 512) detail.resize(512);
  return log_->append_and_wait({unix_millis(), c.app_id, std::string(operation), std::string(key),
                                hex_encode(crypto::hash(crypto::HashAlg::sm3, data)), std::move(result),
                                std::move(detail), c.source});
}

Result<std::vector<SvsLogRow>> SvsService::query_log(const SvsLogQuery& q) const {
  std::string sql = "SELECT id, ts, app_id, operation, key_name, data_sm3, result, detail, source FROM svs_log WHERE 1=1";
  store::Params p;
  if (!q.app_id.empty()) { sql += " AND app_id = ?"; p.push_back(q.app_id); }
  if (!q.operation.empty()) { sql += " AND operation = ?"; p.push_back(q.operation); }
  if (!q.result.empty()) { sql += " AND result = ?"; p.push_back(q.result); }
  if (q.from_ms > 0) { sql += " AND ts >= ?"; p.push_back(q.from_ms); }
  if (q.to_ms > 0) { sql += " AND ts <= ?"; p.push_back(q.to_ms); }
  sql += " ORDER BY id DESC LIMIT ? OFFSET ?";
  p.push_back(std::int64_t{std::clamp(q.limit, 1, 1000)});
  p.push_back(std::int64_t{std::max(q.offset, 0)});
  MEDSIGN_ASSIGN(store::Rows rows, db_.query(sql, p));
  std::vector<SvsLogRow> out;
  for (const auto& r : rows) {
    out.push_back({r.int64(0), r.int64(1), r.text(2), r.text(3), r.text(4), r.text(5), r.text(6), r.text(7), r.text(8)});
  }
  return out;
}

Status create_dev_signing_keys(crypto::SoftKeyStore& keys) {
  MEDSIGN_ASSIGN(crypto::EvpKey ca_key, keys.get("dev-ca"));
  MEDSIGN_ASSIGN(std::string ca_pem, keys.certificate("dev-ca"));
  for (auto [name, type] : {std::pair{"sm2-sign", crypto::KeyType::sm2}, std::pair{"rsa-sign", crypto::KeyType::rsa2048},
                            std::pair{"sm2-enc", crypto::KeyType::sm2}, std::pair{"rsa-enc", crypto::KeyType::rsa2048},
                            std::pair{"ecdsa-sign", crypto::KeyType::ecdsa_p256}}) {
    MEDSIGN_ASSIGN(crypto::EvpKey key, crypto::EvpKey::generate(type));
    const bool enc = std::string_view(name).ends_with("-enc");
    crypto::CertSpec spec;
    spec.common_name = std::string(enc ? "MedSign encryption " : "MedSign signing ") + name;
    // Encryption keys: the development CA's profile with keyEncipherment (digitalSignature, keyEncipherment).
    spec.profile = enc ? crypto::CertProfile::tls_server : crypto::CertProfile::document_signing;
    spec.days = 1825;
    MEDSIGN_ASSIGN(std::string pem, crypto::issue_certificate(key, spec, ca_key, ca_pem));
    MEDSIGN_TRY(keys.put(name, key));
    MEDSIGN_TRY(keys.put_certificate(name, pem + ca_pem));
  }
  return {};
}

}  // namespace medsign::services
