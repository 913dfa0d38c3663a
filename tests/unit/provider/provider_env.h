// Test environments for the provider suite: each makes a fresh provider of one kind in a temp dir.
//   soft    SoftProvider on a fresh data dir (keys/kek created)
//   sdf     the sdf provider loading our libmedsign-softsdf.so (MEDSIGN_SOFTSDF_DIR = a fresh dir)
//   pkcs11  the pkcs11 provider on SoftHSM2 with a throw-away token (SOFTHSM2_CONF in the temp dir)
#pragma once

#include <filesystem>
#include <memory>
#include <string>

#include "crypto/provider/provider.h"

namespace medsign::test {

inline constexpr const char* kSoftHsmModule = "/usr/lib/softhsm/libsofthsm2.so";
inline constexpr const char* kTokenPin = "246810";

struct ProviderEnv {
  std::string kind;
  std::filesystem::path dir;
  std::unique_ptr<crypto::provider::Provider> provider;
  std::string skip_reason;   // set when the environment cannot be built here (e.g. no SoftHSM2)
  // The password that grants a key's private half: the key's own access password (soft, sdf) or the
  // token's user PIN (pkcs11).
  std::string key_password;
  bool per_key_passwords = true;
  bool labels = true;

  ~ProviderEnv();
};

std::unique_ptr<ProviderEnv> make_provider_env(const std::string& kind);
std::filesystem::path make_temp_dir(const std::string& prefix);
// Runs a shell command; returns its exit status, output (stdout+stderr) in *out when given.
int run_shell(const std::string& cmd, std::string* out = nullptr);

}  // namespace medsign::test
