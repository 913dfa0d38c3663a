// Subcommands of the medsign CLI. Exit codes (docs/CLI.md):
//   0 success · 1 operation failed · 2 usage error · 3 configuration invalid or data dir not initialised /
//   already initialised · 4 integrity error (audit chain broken, backup damaged or wrong passphrase) ·
//   5 storage error
#pragma once

#include <filesystem>

#include <CLI/CLI.hpp>

#include "common/error.h"

namespace medsign::cli {

constexpr int kExitOk = 0, kExitFailed = 1, kExitUsage = 2, kExitConfig = 3, kExitIntegrity = 4, kExitStorage = 5;

void register_commands(CLI::App& app);
// `medsign speed` (speed_command.cpp).
void register_speed_command(CLI::App& app);
// `medsign bench` (bench_command.cpp).
void register_bench_command(CLI::App& app);
// `medsign key gen|list|export-pub|sign|verify|encrypt|decrypt` (key_command.cpp), under the `key` group.
void register_key_provider_commands(CLI::App& key, const std::string& data_dir);
// `medsign app ...` and `medsign bench svs` (svs_command.cpp); after register_bench_command.
void register_svs_commands(CLI::App& app);
// `medsign tsa` (tsa_command.cpp) and `medsign ts` (ts_command.cpp).
void register_tsa_command(CLI::App& app);
void register_ts_command(CLI::App& app);
// `medsign ca` (ca_command.cpp), `medsign cms` (cms_command.cpp), `medsign cert parse` (cert_command.cpp).
void register_ca_command(CLI::App& app);
void register_cms_command(CLI::App& app);
void register_cert_command(CLI::App& app);
// `medsign cert verify` (cert_verify_command.cpp): adds `verify` to the `cert` group.
void add_cert_verify(CLI::App* cert_group);
// `medsign pki ...` (pki_command.cpp); also adds `cert verify` when the cert group lacks it. After
// register_cert_command.
void register_pki_command(CLI::App& app);
// `medsign seal image ...` (seal_image_command.cpp): adds the image subgroup to the `seal` group.
void add_seal_image_commands(CLI::App* seal);
// `medsign pdf sign|prepare|sign-digest|embed` and `medsign bench pdf` (pdf_command.cpp): creates the `pdf`
// group; call before add_pdf_verify_commands.
void add_pdf_commands(CLI::App& app);
// `medsign pdf verify` (pdf_verify_command.cpp): adds `verify` to the `pdf` group (no-op when present).
void add_pdf_verify_commands(CLI::App* pdf);
// The exit code set by the subcommand that ran.
int exit_code();
void set_exit_code(int rc);
// Prints "error: <detail>" to stderr and returns the exit code for that error.
int report(const Error& e);

int serve(const std::filesystem::path& data_dir);

}  // namespace medsign::cli
