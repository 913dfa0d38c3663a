// `medsign tsa`: TSA units of a data directory, offline (a running server picks changes up at restart;
// the API under /api/v1/tsa applies them at once).
#include <iostream>

#include "cli/commands.h"
#include "common/clock.h"
#include "services/platform.h"
#include "services/providers.h"
#include "services/tsa_admin.h"

namespace medsign::cli {
namespace {
std::string g_data = "./var";
std::string g_unit, g_alg = "sm2", g_file, g_out;
// keygen into a crypto provider ([providers] of the data dir's configuration)
std::string g_provider, g_password, g_password_file;
unsigned g_index = 0;
bool g_existing = false;

Result<std::unique_ptr<services::Platform>> open_data() { return services::Platform::open(g_data); }

// The key's access password: --password, --password-file or MEDSIGN_KEY_PASSWORD.
Result<std::string> key_password() {
  if (!g_password_file.empty()) {
    MEDSIGN_ASSIGN(Bytes b, crypto::read_file(g_password_file));
    std::string s(b.begin(), b.end());
    while (!s.empty() && (s.back() == '\n' || s.back() == '\r')) s.pop_back();
    return s;
  }
  if (!g_password.empty()) return g_password;
  if (const char* v = std::getenv("MEDSIGN_KEY_PASSWORD")) return std::string(v);
  return std::string();
}

void audit(services::Platform& p, const char* action, const std::string& target, const std::string& detail) {
  (void)p.audit->record({"cli", "offline", action, target, "success", "cli", detail});
}

int write_or_print(const std::string& text) {
  if (g_out.empty()) {
    std::cout << text;
    return kExitOk;
  }
  auto st = crypto::write_file_atomic(g_out, as_bytes(text), 0644);
  if (!st) return report(st.error());
  std::cout << "written to " << g_out << "\n";
  return kExitOk;
}
}  // namespace

void register_tsa_command(CLI::App& app) {
  auto* tsa = app.add_subcommand("tsa", "Timestamp authority units: keys, requests, certificates, chains");
  tsa->require_subcommand(1);
  tsa->add_option("--data", g_data, "Data directory")->capture_default_str()->envname("MEDSIGN_DATA");

  tsa->add_subcommand("units", "List the TSA units with their certificates")->callback([] {
    auto p = open_data();
    if (!p) return set_exit_code(report(p.error()));
    for (auto& name : services::tsa_unit_names((*p)->keys)) {
      auto pem = (*p)->keys.certificate("tsa-" + name);
      auto certs = pem ? pki::Certificate::parse_pem(*pem) : Result<std::vector<pki::Certificate>>(pem.error());
      std::cout << name;
      if (certs && !certs->empty()) {
        auto& c = certs->front();
        std::cout << "\t" << pki::key_type_name(c.key_type()) << "\t" << c.subject().to_string() << "\tuntil "
                  << iso8601_millis(c.not_after_ms());
      }
      if (auto ref = services::read_unit_key_ref((*p)->keys, name))
        std::cout << "\tkey in " << ref->provider << " index " << ref->index;
      std::cout << (name == (*p)->cfg.tsa.default_unit ? "\t(default)" : "") << "\n";
    }
  });

  auto* chain = tsa->add_subcommand("chain", "Print a unit's certificate chain as PEM");
  chain->add_option("--unit", g_unit, "Unit name")->required();
  chain->add_option("--out", g_out, "Write to this file instead of standard output");
  chain->callback([] {
    auto p = open_data();
    if (!p) return set_exit_code(report(p.error()));
    auto pem = services::unit_chain_pem((*p)->keys, g_unit);
    if (!pem) return set_exit_code(report(pem.error()));
    set_exit_code(write_or_print(*pem));
  });

  auto* keygen = tsa->add_subcommand("keygen", "Generate a key for a new or existing unit (development-CA certificate)");
  keygen->add_option("--unit", g_unit, "Unit name")->required();
  keygen->add_option("--alg", g_alg, "sm2, ecdsa or rsa")->capture_default_str();
  keygen->add_option("--provider", g_provider,
                     "Generate the key in this crypto provider (soft, sdf, pkcs11; see [providers]) instead of the key store");
  keygen->add_option("--index", g_index, "Provider key index (default: the lowest free)");
  keygen->add_option("--password", g_password, "The key's access password (soft, sdf); else MEDSIGN_KEY_PASSWORD");
  keygen->add_option("--password-file", g_password_file, "File holding the key's access password");
  keygen->add_flag("--existing", g_existing, "Use the provider key already at --index instead of generating one");
  keygen->callback([] {
    auto p = open_data();
    if (!p) return set_exit_code(report(p.error()));
    auto type = services::parse_tsa_algorithm(g_alg);
    if (!type) return set_exit_code(report(type.error()));
    std::string where = "soft-store";
    Result<pki::Certificate> cert = Error(Errc::internal);
    if (g_provider.empty()) {
      cert = services::generate_unit_key((*p)->keys, g_unit, *type);
    } else {
      auto pw = key_password();
      if (!pw) return set_exit_code(report(pw.error()));
      services::ProviderService providers((*p)->cfg, (*p)->audit.get());
      services::ProviderUnitKey w{g_provider, g_index, *pw, g_existing};
      cert = services::generate_unit_key((*p)->keys, providers, g_unit, *type, w,
                                         services::Actor{"cli", services::Role::operator_, "cli"});
      where = g_provider;
      if (cert)
        if (auto ref = services::read_unit_key_ref((*p)->keys, g_unit)) where.append(" index ").append(std::to_string(ref->index));
    }
    if (!cert) return set_exit_code(report(cert.error()));
    audit(**p, "tsa.key_generate", g_unit, "algorithm " + g_alg + ", key in " + where);
    std::cout << "unit " << g_unit << ": new " << g_alg << " key, certificate " << cert->subject().to_string()
              << " (key in " << where << "; development CA; export a CSR for the production certificate)\n";
  });

  auto* csr = tsa->add_subcommand("csr", "Print a PKCS#10 request for a unit's key");
  csr->add_option("--unit", g_unit, "Unit name")->required();
  csr->add_option("--out", g_out, "Write to this file instead of standard output");
  csr->callback([] {
    auto p = open_data();
    if (!p) return set_exit_code(report(p.error()));
    services::ProviderService providers((*p)->cfg, (*p)->audit.get());
    auto pem = services::unit_csr_pem((*p)->keys, g_unit, &providers);
    if (!pem) return set_exit_code(report(pem.error()));
    audit(**p, "tsa.csr_export", g_unit, "");
    set_exit_code(write_or_print(*pem));
  });

  auto* imp = tsa->add_subcommand("import-cert", "Install a unit's certificate (PEM, optionally with its chain)");
  imp->add_option("--unit", g_unit, "Unit name")->required();
  imp->add_option("file", g_file, "PEM file")->required();
  imp->callback([] {
    auto p = open_data();
    if (!p) return set_exit_code(report(p.error()));
    auto b = crypto::read_file(g_file);
    if (!b) return set_exit_code(report(b.error()));
    services::ProviderService providers((*p)->cfg, (*p)->audit.get());
    auto cert = services::import_unit_certificate((*p)->keys, g_unit, std::string(as_chars(*b)), unix_millis(), &providers);
    if (!cert) return set_exit_code(report(cert.error()));
    audit(**p, "tsa.certificate_import", g_unit, cert->subject().to_string());
    std::cout << "unit " << g_unit << ": certificate " << cert->subject().to_string() << " installed\n";
  });

  auto* ca_imp = tsa->add_subcommand("ca-import", "Import a third-party CA certificate (PEM)");
  ca_imp->add_option("file", g_file, "PEM file")->required();
  ca_imp->callback([] {
    auto p = open_data();
    if (!p) return set_exit_code(report(p.error()));
    auto b = crypto::read_file(g_file);
    if (!b) return set_exit_code(report(b.error()));
    auto cert = services::import_ca_certificate((*p)->keys, std::string(as_chars(*b)));
    if (!cert) return set_exit_code(report(cert.error()));
    audit(**p, "tsa.ca_certificate_import", cert->subject().to_string(), cert->fingerprint_sha256());
    std::cout << "CA certificate " << cert->subject().to_string() << " imported\n";
  });

  auto* ca_exp = tsa->add_subcommand("ca-export", "Print the imported CA certificates as PEM");
  ca_exp->add_option("--out", g_out, "Write to this file instead of standard output");
  ca_exp->callback([] {
    auto p = open_data();
    if (!p) return set_exit_code(report(p.error()));
    auto cas = services::ca_certificates((*p)->keys);
    if (!cas) return set_exit_code(report(cas.error()));
    std::string all;
    for (auto& c : *cas) all += c.to_pem();
    set_exit_code(write_or_print(all));
  });
}

}  // namespace medsign::cli
