#include "services/platform.h"
#include "services/svs.h"

#include <fstream>

#include <nlohmann/json.hpp>

#include "common/clock.h"
#include "crypto/soft/dev_ca.h"
#include "services/restore.h"
#include "services/schema.h"
#include "services/seal_service.h"
#include "services/tsa.h"

namespace medsign::services {
namespace fs = std::filesystem;

store::DatabaseConfig database_config(const Config& cfg) {
  store::DatabaseConfig d;
  d.backend = cfg.database.backend == "postgres" ? store::Backend::postgres : store::Backend::sqlite;
  d.sqlite_path = cfg.resolve(cfg.database.sqlite_path);
  d.postgres_url = cfg.database.postgres_url;
  d.pool_size = cfg.database.pool_size;
  d.busy_timeout_ms = cfg.database.busy_timeout_ms;
  return d;
}

Result<std::unique_ptr<Platform>> Platform::open(const fs::path& data_dir) {
  // A restore from the console stages the archive's files in restore-staging-<id>/ and removes it when done
  // (services/restore.h). Present here, the restore is running or was interrupted: `medsign serve` finishes
  // or drops it before opening the data dir; nothing else may read a half-swapped dir.
  if (auto staged = staged_restores(data_dir); !staged.empty())
    return Error(Errc::unavailable, "a restore of " + data_dir.string() + " is in progress or was interrupted (" +
                                        staged.front().filename().string() +
                                        "); `medsign serve` completes or drops it when it starts");
  auto p = std::make_unique<Platform>();
  MEDSIGN_ASSIGN(p->cfg, load_config(data_dir));
  MEDSIGN_ASSIGN(p->keys, crypto::SoftKeyStore::open(data_dir));
  MEDSIGN_ASSIGN(p->db, store::Database::open(database_config(p->cfg)));
  MEDSIGN_TRY(p->db->migrate(migrations()));
  MEDSIGN_ASSIGN(p->audit_key, p->keys.get("audit"));
  p->audit = std::make_unique<AuditLog>(*p->db, &p->audit_key, p->cfg.audit.checkpoint_every);
  p->accounts = std::make_unique<AccountService>(*p->db, *p->audit, p->cfg.security);
  p->auth = std::make_unique<AuthService>(*p->db, *p->audit, *p->accounts, p->cfg.security);
  return p;
}

Result<crypto::EvpKey> Platform::audit_verifier() const {
  MEDSIGN_ASSIGN(std::string pem, keys.certificate("audit"));
  return crypto::EvpKey::from_pem(pem);
}

Result<SoftKeyBundle> Platform::issue_soft_key(const std::string& username, crypto::KeyType type,
                                               const std::string& pin) const {
  MEDSIGN_ASSIGN(crypto::EvpKey ca_key, keys.get("dev-ca"));
  MEDSIGN_ASSIGN(std::string ca_pem, keys.certificate("dev-ca"));
  MEDSIGN_ASSIGN(crypto::EvpKey key, crypto::EvpKey::generate(type));
  crypto::CertSpec spec;
  spec.common_name = username;
  spec.organization = "MedSign administrators";
  spec.profile = crypto::CertProfile::admin_key;
  spec.days = 730;
  SoftKeyBundle b;
  MEDSIGN_ASSIGN(b.certificate_pem, crypto::issue_certificate(key, spec, ca_key, ca_pem));
  MEDSIGN_ASSIGN(b.encrypted_key_pem, key.encrypted_pem(pin));
  return b;
}

Status Platform::check_key_certificate(const std::string& pem) const {
  MEDSIGN_ASSIGN(std::string ca_pem, keys.certificate("dev-ca"));
  auto st = crypto::verify_issued_by(pem, ca_pem);
  if (!st) return Error(Errc::invalid_argument, "key certificate: " + st.error().detail);
  return {};
}

Result<std::vector<BootstrapCredential>> init_data_dir(const fs::path& data_dir) {
  if (fs::exists(data_dir / "medsign.toml"))
    return Error(Errc::data_dir_not_empty, data_dir.string() + " is already initialised (medsign.toml exists)");
  std::error_code ec;
  fs::create_directories(data_dir, ec);
  if (ec) return Error(Errc::io_error, "cannot create " + data_dir.string() + ": " + ec.message());
  // Keys first: a failure here leaves no medsign.toml behind, so init can simply be run again.
  if (fs::exists(data_dir / "keys" / "kek"))
    return Error(Errc::data_dir_not_empty, data_dir.string() + "/keys already exists; use an empty directory");
  MEDSIGN_ASSIGN(crypto::SoftKeyStore ks, crypto::SoftKeyStore::create(data_dir));

  MEDSIGN_ASSIGN(crypto::EvpKey ca_key, crypto::EvpKey::generate(crypto::KeyType::ecdsa_p256));
  crypto::CertSpec ca_spec{"MedSign Development CA", "MedSign", {}, {}, 3650, crypto::CertProfile::root_ca};
  MEDSIGN_ASSIGN(std::string ca_pem, crypto::issue_certificate(ca_key, ca_spec, ca_key, ""));
  MEDSIGN_TRY(ks.put("dev-ca", ca_key));
  MEDSIGN_TRY(ks.put_certificate("dev-ca", ca_pem));

  MEDSIGN_ASSIGN(crypto::EvpKey tls_key, crypto::EvpKey::generate(crypto::KeyType::ecdsa_p256));
  crypto::CertSpec tls_spec{"localhost", "MedSign", {"localhost"}, {"127.0.0.1", "::1"}, 825,
                            crypto::CertProfile::tls_server};
  MEDSIGN_ASSIGN(std::string tls_pem, crypto::issue_certificate(tls_key, tls_spec, ca_key, ca_pem));
  MEDSIGN_TRY(crypto::write_file_atomic(data_dir / "tls" / "server-chain.pem", as_bytes(tls_pem + ca_pem), 0644));
  MEDSIGN_ASSIGN(SecretBytes tls_der, tls_key.private_der());
  MEDSIGN_ASSIGN(Bytes tls_sealed, ks.seal_blob(tls_der.view(), "tls-server-key"));
  MEDSIGN_TRY(crypto::write_file_atomic(data_dir / "tls" / "server-key.sealed", tls_sealed, 0600));

  MEDSIGN_ASSIGN(crypto::EvpKey audit_key, crypto::EvpKey::generate(crypto::KeyType::sm2));
  crypto::CertSpec audit_spec{"MedSign audit log", "MedSign", {}, {}, 3650, crypto::CertProfile::audit_key};
  MEDSIGN_ASSIGN(std::string audit_pem, crypto::issue_certificate(audit_key, audit_spec, ca_key, ca_pem));
  MEDSIGN_TRY(ks.put("audit", audit_key));
  MEDSIGN_TRY(ks.put_certificate("audit", audit_pem));

  for (auto [unit, type] : {std::pair{"sm2", crypto::KeyType::sm2}, std::pair{"ecdsa", crypto::KeyType::ecdsa_p256},
                            std::pair{"rsa", crypto::KeyType::rsa2048}})
    MEDSIGN_TRY(create_dev_tsa_unit(ks, unit, type));
  MEDSIGN_TRY(create_dev_signing_keys(ks));

  MEDSIGN_TRY(crypto::write_file_atomic(data_dir / "medsign.toml", as_bytes(default_config_toml()), 0600));
  MEDSIGN_ASSIGN(auto p, Platform::open(data_dir));
  MEDSIGN_TRY(p->audit->record({"cli", "offline", "system.init", data_dir.string(), "success", "cli",
                                "backend=" + p->cfg.database.backend}));
  MEDSIGN_TRY(init_dev_signing_service(*p));
  MEDSIGN_TRY(init_demo_seals(*p));  // seal-maker key and the demo official seals (services/seal_service.h)

  std::vector<BootstrapCredential> creds;
  for (auto [user, role, title] : {std::tuple{"sysadmin", Role::sysadmin, "System administrator"},
                                   std::tuple{"auditadmin", Role::audit_admin, "Audit administrator"}}) {
    BootstrapCredential c{user, std::string(role_name(role)), generate_password(),
                          data_dir / "bootstrap" / (std::string(user) + ".key.pem")};
    MEDSIGN_ASSIGN(SoftKeyBundle b, p->issue_soft_key(user, crypto::KeyType::sm2, c.password));
    MEDSIGN_TRY(crypto::write_file_atomic(c.key_file, as_bytes(b.encrypted_key_pem), 0600));
    MEDSIGN_TRY(p->accounts->create(nullptr, NewAccount{user, title, role, c.password, b.certificate_pem}));
    creds.push_back(std::move(c));
  }
  nlohmann::json j = nlohmann::json::array();
  for (auto& c : creds)
    j.push_back({{"username", c.username}, {"role", c.role}, {"password", c.password}, {"key_file", c.key_file.string()}});
  std::string text = j.dump();
  MEDSIGN_ASSIGN(Bytes sealed, ks.seal_blob(as_bytes(text), "first-start"));
  secure_wipe(text.data(), text.size());
  MEDSIGN_TRY(crypto::write_file_atomic(data_dir / "bootstrap" / "first-start.sealed", sealed, 0600));
  return creds;
}

Status init_dev_signing_service(Platform& p) {
  MEDSIGN_ASSIGN(auto svs, SvsService::open(p.keys, *p.db, p.audit.get()));
  const Actor init{"cli", Role::operator_, "cli"};
  MEDSIGN_TRY(svs->register_key(1, "sm2-sign", "", init));
  MEDSIGN_TRY(svs->register_key(2, "rsa-sign", "", init));
  MEDSIGN_TRY(svs->register_key(3, "sm2-enc", "", init));  // digital envelopes
  MEDSIGN_TRY(svs->register_key(4, "rsa-enc", "", init));
  MEDSIGN_TRY(svs->register_key(5, "ecdsa-sign", "", init));
  MEDSIGN_TRY(svs->reload_keys(p.keys));  // with the keys loaded
  NewApp dev;
  dev.name = "dev-app";
  dev.keys = {1, 2, 3, 4, 5};
  MEDSIGN_ASSIGN(AppCredentials c, svs->add_app(dev, init));
  std::string text = nlohmann::json{{"app_id", c.app.id}, {"secret", c.secret}}.dump();
  MEDSIGN_ASSIGN(Bytes sealed, p.keys.seal_blob(as_bytes(text), "dev-app"));
  secure_wipe(text.data(), text.size());
  return crypto::write_file_atomic(p.cfg.data_dir / "bootstrap" / "dev-app.sealed", sealed, 0600);
}

Result<std::pair<std::string, std::string>> dev_app_credentials(const Platform& p) {
  fs::path f = p.cfg.data_dir / "bootstrap" / "dev-app.sealed";
  if (!fs::exists(f)) return Error(Errc::not_found, "this data dir has no development application");
  MEDSIGN_ASSIGN(Bytes sealed, crypto::read_file(f));
  MEDSIGN_ASSIGN(SecretBytes plain, p.keys.unseal_blob(sealed, "dev-app"));
  auto j = nlohmann::json::parse(as_chars(plain.view()), nullptr, false);
  if (!j.is_object()) return Error(Errc::bad_encoding, "the development application record is damaged");
  return std::pair{j.value("app_id", ""), j.value("secret", "")};
}

Result<std::vector<BootstrapCredential>> take_first_start_credentials(const Platform& p) {
  fs::path f = p.cfg.data_dir / "bootstrap" / "first-start.sealed";
  std::vector<BootstrapCredential> out;
  if (!fs::exists(f)) return out;
  MEDSIGN_ASSIGN(Bytes sealed, crypto::read_file(f));
  MEDSIGN_ASSIGN(SecretBytes plain, p.keys.unseal_blob(sealed, "first-start"));
  auto j = nlohmann::json::parse(as_chars(plain.view()), nullptr, false);
  if (j.is_array())
    for (auto& c : j)
      out.push_back({c.value("username", ""), c.value("role", ""), c.value("password", ""), c.value("key_file", "")});
  std::error_code ec;
  fs::remove(f, ec);
  return out;
}

}  // namespace medsign::services
