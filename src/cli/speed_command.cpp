// `medsign speed [sm2|sm3|sm4|rsa|ecdsa|all] [--seconds N] [--json]`: MedSign's crypto next to OpenSSL's
// EVP in the same run, one thread (src/crypto/speed.h says what is measured).
#include <iostream>
#include <string>

#include "cli/commands.h"
#include "crypto/speed.h"

namespace medsign::cli {

void register_speed_command(CLI::App& app) {
  static std::string group = "sm2";
  static double seconds = 1.0;
  static bool json = false;
  auto* cmd = app.add_subcommand("speed", "Measure crypto throughput next to OpenSSL (one thread, CPU time)");
  cmd->add_option("group", group, "sm2 | sm3 | sm4 | rsa | ecdsa | all")
      ->check(CLI::IsMember({"sm2", "sm3", "sm4", "rsa", "ecdsa", "all"}));
  cmd->add_option("--seconds", seconds, "CPU seconds per side and operation (default 1)")
      ->check(CLI::Range(0.01, 600.0));
  cmd->add_flag("--json", json, "Print one JSON object {\"<op>\": {\"medsign\": N, \"openssl\": N}, ...}");
  cmd->callback([] {
    crypto::speed::Options opt;
    opt.seconds = seconds;
    if (!json) {
      opt.on_figure = [](const crypto::speed::Figure& f) {
        std::cerr << "  " << f.name << " done\n";
      };
    }
    auto figures = crypto::speed::run(group, opt);
    if (!figures) return set_exit_code(report(figures.error()));
    if (json) {
      std::cout << crypto::speed::to_json(*figures) << "\n";
    } else {
      std::cout << crypto::speed::to_table(*figures)
                << "(ops/s and MB/s per CPU-second of one thread; ratio = medsign / openssl)\n";
    }
    set_exit_code(kExitOk);
  });
}

}  // namespace medsign::cli
