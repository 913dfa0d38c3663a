// medsign: the single command-line entry point (server, administration and recovery).
#include <iostream>

#include <CLI/CLI.hpp>

#include "cli/commands.h"

int main(int argc, char** argv) {
  CLI::App app{"MedSign trusted electronic-signature platform"};
  app.require_subcommand(1);
  medsign::cli::register_commands(app);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int rc = app.exit(e);
    return rc == 0 ? 0 : medsign::cli::kExitUsage;
  }
  return medsign::cli::exit_code();
}
