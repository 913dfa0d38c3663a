#include "cli/commands.h"

#include <iostream>

#include "common/config.h"

namespace medsign::cli {
namespace {
int g_exit = kExitOk;
}

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

void register_commands(CLI::App& app) {
  auto* version = app.add_subcommand("version", "Print the version");
  version->callback([] { std::cout << "medsign " << MEDSIGN_VERSION << "\n"; });

  auto* config = app.add_subcommand("config", "Configuration");
  config->require_subcommand(1);
  auto* show = config->add_subcommand("show", "Print the effective configuration (file + environment)");
  static std::string data_dir = "./var";
  show->add_option("--data", data_dir, "Data directory")->capture_default_str();
  show->callback([] {
    auto cfg = load_config(data_dir);
    if (!cfg) return set_exit_code(report(cfg.error()));
    std::cout << config_to_toml(*cfg);
  });
}

}  // namespace medsign::cli
