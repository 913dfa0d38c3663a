#include "cli/commands.h"

#include <termios.h>
#include <unistd.h>

#include <fstream>
#include <iostream>

#include "common/clock.h"
#include "common/config.h"
#include "crypto/soft/keystore.h"
#include "services/backup.h"
#include "services/platform.h"

namespace medsign::cli {
namespace fs = std::filesystem;
namespace {
int g_exit = kExitOk;

// Reads a secret from a file, an environment variable or the terminal (without echo).
Result<std::string> read_secret(const std::string& file, const char* env, const std::string& prompt) {
  if (!file.empty()) {
    auto b = crypto::read_file(file);
    if (!b) return b.error();
    std::string s(b->begin(), b->end());
    while (!s.empty() && (s.back() == '\n' || s.back() == '\r')) s.pop_back();
    return s;
  }
  if (const char* v = std::getenv(env)) return std::string(v);
  if (!isatty(STDIN_FILENO))
    return Error(Errc::invalid_argument, "no secret given: use the file option or set " + std::string(env));
  std::cerr << prompt << std::flush;
  termios old{};
  tcgetattr(STDIN_FILENO, &old);
  termios noecho = old;
  noecho.c_lflag &= ~static_cast<tcflag_t>(ECHO);
  tcsetattr(STDIN_FILENO, TCSANOW, &noecho);
  std::string s;
  std::getline(std::cin, s);
  tcsetattr(STDIN_FILENO, TCSANOW, &old);
  std::cerr << "\n";
  return s;
}

Result<std::unique_ptr<services::Platform>> open_platform(const std::string& data) {
  return services::Platform::open(data);
}

void add_data_option(CLI::App* cmd, std::string& data) {
  cmd->add_option("--data", data, "Data directory")->capture_default_str()->envname("MEDSIGN_DATA");
}

void register_admin(CLI::App& app) {
  auto* admin = app.add_subcommand("admin", "Offline account administration for recovery (no login needed)");
  admin->require_subcommand(1);
  static std::string data = "./var";
  static std::string username, role = "operator", display, reason = "locked by offline administrator";
  static std::string key_type = "sm2", key_out;
  add_data_option(admin, data);

  auto* list = admin->add_subcommand("list", "List all accounts");
  list->callback([] {
    auto p = open_platform(data);
    if (!p) return set_exit_code(report(p.error()));
    auto accounts = (*p)->accounts->list(nullptr);
    if (!accounts) return set_exit_code(report(accounts.error()));
    for (auto& a : *accounts)
      std::cout << a.id << "\t" << a.username << "\t" << services::role_name(a.role) << "\t"
                << (a.is_locked_now(unix_millis()) ? "locked" : "active") << "\n";
  });

  auto* create = admin->add_subcommand("create", "Create an account with a one-time password and a soft smart key");
  create->add_option("username", username)->required();
  create->add_option("--role", role, "sysadmin, operator, audit_admin or auditor")->capture_default_str();
  create->add_option("--display-name", display);
  create->add_option("--key-type", key_type, "sm2, ecdsa-p256 or rsa-2048")->capture_default_str();
  create->add_option("--key-out", key_out, "Where to write the encrypted soft key (default <data>/bootstrap/<user>.key.pem)");
  create->callback([] {
    auto p = open_platform(data);
    if (!p) return set_exit_code(report(p.error()));
    auto r = services::parse_role(role);
    if (!r) return set_exit_code(report(Error(Errc::invalid_argument, "--role must be sysadmin, operator, audit_admin or auditor")));
    auto type = crypto::parse_key_type(key_type);
    if (!type) return set_exit_code(report(type.error()));
    std::string pw = services::generate_password();
    auto bundle = (*p)->issue_soft_key(username, *type, pw);
    if (!bundle) return set_exit_code(report(bundle.error()));
    fs::path out = key_out.empty() ? fs::path(data) / "bootstrap" / (username + ".key.pem") : fs::path(key_out);
    auto created = (*p)->accounts->create(nullptr, {username, display, *r, pw, bundle->certificate_pem});
    if (!created) return set_exit_code(report(created.error()));
    auto st = crypto::write_file_atomic(out, as_bytes(bundle->encrypted_key_pem), 0600);
    if (!st) return set_exit_code(report(st.error()));
    std::cout << "created " << username << " (" << role << ")\none-time password: " << pw << "\nsoft key: " << out.string()
              << " (PIN: the one-time password)\n";
  });

  auto* lock = admin->add_subcommand("lock", "Lock an account");
  lock->add_option("username", username)->required();
  lock->add_option("--reason", reason);
  auto* unlock = admin->add_subcommand("unlock", "Unlock an account (also clears failed-login locks)");
  unlock->add_option("username", username)->required();
  auto* reset = admin->add_subcommand("reset", "Give an account a new one-time password");
  reset->add_option("username", username)->required();
  auto with_account = [](auto fn) {
    return [fn] {
      auto p = open_platform(data);
      if (!p) return set_exit_code(report(p.error()));
      auto acc = (*p)->accounts->find(username);
      if (!acc) return set_exit_code(report(acc.error()));
      fn(**p, *acc);
    };
  };
  lock->callback(with_account([](services::Platform& p, const services::Account& a) {
    auto st = p.accounts->lock(nullptr, a.id, reason);
    if (!st) return set_exit_code(report(st.error()));
    std::cout << "locked " << a.username << "\n";
  }));
  unlock->callback(with_account([](services::Platform& p, const services::Account& a) {
    auto st = p.accounts->unlock(nullptr, a.id);
    if (!st) return set_exit_code(report(st.error()));
    std::cout << "unlocked " << a.username << "\n";
  }));
  reset->callback(with_account([](services::Platform& p, const services::Account& a) {
    std::string pw = services::generate_password();
    auto st = p.accounts->reset_password(nullptr, a.id, pw);
    if (!st) return set_exit_code(report(st.error()));
    std::cout << "one-time password for " << a.username << ": " << pw << "\n";
  }));
}

void register_key(CLI::App& app) {
  auto* key = app.add_subcommand("key", "Development smart keys");
  key->require_subcommand(1);
  static std::string data_dir = "./var";
  add_data_option(key, data_dir);  // accepted for uniformity; key files are named explicitly
  register_key_provider_commands(*key, data_dir);
  static std::string key_file, challenge, pin_file;
  auto* sign = key->add_subcommand("sign-challenge", "Sign a login or heartbeat challenge with a soft key file");
  sign->add_option("--key", key_file, "Encrypted PKCS#8 PEM key file")->required();
  sign->add_option("--challenge", challenge, "The challenge's to_sign text")->required();
  sign->add_option("--pin-file", pin_file, "File holding the key PIN (else MEDSIGN_KEY_PASSPHRASE or a prompt)");
  sign->callback([] {
    auto pem = crypto::read_file(key_file);
    if (!pem) return set_exit_code(report(pem.error()));
    auto pin = read_secret(pin_file, "MEDSIGN_KEY_PASSPHRASE", "key PIN: ");
    if (!pin) return set_exit_code(report(pin.error()));
    auto k = crypto::EvpKey::from_pem(as_chars(*pem), *pin);
    if (!k) return set_exit_code(report(k.error()));
    auto sig = k->sign(as_bytes(challenge));
    if (!sig) return set_exit_code(report(sig.error()));
    std::cout << base64_encode(*sig) << "\n";
  });
}
}  // namespace

int exit_code() { return g_exit; }
void set_exit_code(int rc) { g_exit = rc; }

int report(const Error& e) {
  std::cerr << "error: " << (e.detail.empty() ? std::string(error_info(e.code).message) : e.detail) << "\n";
  switch (e.code) {
    case Errc::config_invalid:
    case Errc::data_dir_missing:
    case Errc::data_dir_not_empty: return kExitConfig;
    case Errc::audit_chain_broken:
    case Errc::backup_invalid: return kExitIntegrity;
    case Errc::storage_error: return kExitStorage;
    default: return kExitFailed;
  }
}

// `medsign seal make|list|show|...` (seal_command.cpp): seal objects, into the `seal` group.
void add_seal_object_commands(CLI::App* seal);

void register_commands(CLI::App& app) {
  static std::string data = "./var";

  auto* version = app.add_subcommand("version", "Print the version");
  add_data_option(version, data);  // accepted for uniformity; the version does not depend on it
  version->callback([] { std::cout << "medsign " << MEDSIGN_VERSION << "\n"; });

  auto* init = app.add_subcommand("init", "Initialise a data directory (config, keys, database, bootstrap accounts)");
  add_data_option(init, data);
  init->callback([] {
    auto creds = services::init_data_dir(data);
    if (!creds) return set_exit_code(report(creds.error()));
    std::cout << "initialised " << fs::absolute(data).string() << "\n"
              << "bootstrap accounts (one-time passwords; also shown once by the first `medsign serve`):\n";
    for (auto& c : *creds)
      std::cout << "  " << c.username << " (" << c.role << ")  password: " << c.password << "  key: " << c.key_file.string()
                << "\n";
  });

  auto* serve_cmd = app.add_subcommand("serve", "Run the platform in the foreground");
  add_data_option(serve_cmd, data);
  serve_cmd->callback([] { set_exit_code(serve(data)); });

  auto* config = app.add_subcommand("config", "Configuration");
  config->require_subcommand(1);
  add_data_option(config, data);
  config->add_subcommand("show", "Print the effective configuration (file + environment)")->callback([] {
    auto cfg = load_config(data);
    if (!cfg) return set_exit_code(report(cfg.error()));
    std::cout << config_to_toml(*cfg);
  });
  static std::string settings_file;
  auto* exp = config->add_subcommand("export", "Write the settings file (medsign.toml) to FILE");
  exp->add_option("file", settings_file)->required();
  exp->callback([] {
    auto cfg = load_config(data);
    if (!cfg) return set_exit_code(report(cfg.error()));
    auto b = crypto::read_file(fs::path(data) / "medsign.toml");
    if (!b) return set_exit_code(report(b.error()));
    auto st = crypto::write_file_atomic(settings_file, *b, 0600);
    if (!st) return set_exit_code(report(st.error()));
    std::cout << "settings written to " << settings_file << "\n";
  });
  auto* imp = config->add_subcommand("import", "Validate FILE and install it as the settings file");
  imp->add_option("file", settings_file)->required();
  imp->callback([] {
    auto b = crypto::read_file(settings_file);
    if (!b) return set_exit_code(report(b.error()));
    auto cfg = parse_config(as_chars(*b), settings_file);
    if (!cfg) return set_exit_code(report(cfg.error()));
    auto st = validate_config(*cfg);
    if (!st) return set_exit_code(report(st.error()));
    auto p = open_platform(data);
    if (!p) return set_exit_code(report(p.error()));
    st = crypto::write_file_atomic(fs::path(data) / "medsign.toml", *b, 0600);
    if (!st) return set_exit_code(report(st.error()));
    (void)(*p)->audit->record({"cli", "offline", "system.settings_import", settings_file, "success", "cli", ""});
    std::cout << "settings imported; restart medsign serve to apply\n";
  });

  static std::string archive, pass_file;
  auto* backup = app.add_subcommand("backup", "Write an encrypted backup archive of the data directory");
  add_data_option(backup, data);
  backup->add_option("file", archive, "Archive to write")->required();
  backup->add_option("--passphrase-file", pass_file, "File holding the passphrase (else MEDSIGN_BACKUP_PASSPHRASE or a prompt)");
  backup->callback([] {
    auto p = open_platform(data);
    if (!p) return set_exit_code(report(p.error()));
    auto pass = read_secret(pass_file, "MEDSIGN_BACKUP_PASSPHRASE", "backup passphrase: ");
    if (!pass) return set_exit_code(report(pass.error()));
    auto sum = services::write_backup(**p, archive, *pass, "cli");
    if (!sum) return set_exit_code(report(sum.error()));
    std::cout << "backup written to " << archive << ": " << sum->files << " files, " << sum->rows << " rows, "
              << sum->bytes << " bytes\n";
  });

  auto* restore = app.add_subcommand("restore", "Restore a backup archive into an empty data directory");
  add_data_option(restore, data);
  restore->add_option("file", archive, "Archive to read")->required();
  restore->add_option("--passphrase-file", pass_file, "File holding the passphrase (else MEDSIGN_BACKUP_PASSPHRASE or a prompt)");
  restore->callback([] {
    auto pass = read_secret(pass_file, "MEDSIGN_BACKUP_PASSPHRASE", "backup passphrase: ");
    if (!pass) return set_exit_code(report(pass.error()));
    auto sum = services::restore_backup(archive, data, *pass);
    if (!sum) return set_exit_code(report(sum.error()));
    auto p = open_platform(data);
    if (!p) return set_exit_code(report(p.error()));
    (void)(*p)->audit->record({"cli", "offline", "system.restore", archive, "success", "cli", ""});
    std::cout << "restored " << sum->files << " files and " << sum->rows << " rows into " << data << "\n";
  });

  auto* audit = app.add_subcommand("audit", "Audit log");
  audit->require_subcommand(1);
  add_data_option(audit, data);
  audit->add_subcommand("verify", "Verify the hash chain and signed checkpoints; names the first bad entry")->callback([] {
    auto p = open_platform(data);
    if (!p) return set_exit_code(report(p.error()));
    auto verifier = (*p)->audit_verifier();
    if (!verifier) return set_exit_code(report(verifier.error()));
    auto rep = (*p)->audit->verify(*verifier);
    if (!rep) return set_exit_code(report(rep.error()));
    if (!rep->ok) {
      std::cout << "audit chain BROKEN at entry " << rep->first_bad_seq << ": " << rep->problem << "\n";
      return set_exit_code(kExitIntegrity);
    }
    std::cout << "audit chain OK: " << rep->entries << " entries, " << rep->checkpoints << " signed checkpoints\n";
  });

  register_speed_command(app);
  register_tsa_command(app);
  register_ts_command(app);
  register_bench_command(app);
  register_svs_commands(app);
  register_admin(app);
  register_key(app);
  register_ca_command(app);
  register_cms_command(app);
  register_cert_command(app);
  register_pki_command(app);
  {
    auto* seal = app.add_subcommand("seal", "Electronic seals: pictures (image) and seal objects");
    add_seal_image_commands(seal);
    add_seal_object_commands(seal);  // seal_command.cpp: make, list, show, lifecycle, export, user, grant
  }
  add_pdf_commands(app);
  // `medsign pdf verify`: into the `pdf` group, created here only when no other registration made it.
  {
    auto found = app.get_subcommands([](CLI::App* a) { return a->get_name() == "pdf"; });
    add_pdf_verify_commands(found.empty() ? app.add_subcommand("pdf", "PDF signing and verification") : found.front());
  }
  // `medsign admin lock X --data D`: options of a parent command are accepted after its subcommand too.
  std::function<void(CLI::App*)> fall = [&fall](CLI::App* a) {
    for (auto* sub : a->get_subcommands({})) {
      sub->fallthrough();
      fall(sub);
    }
  };
  fall(&app);
}

}  // namespace medsign::cli
