#include "provider_env.h"

#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <atomic>
#include <cstdio>
#include <fstream>

#include "crypto/provider/pkcs11_provider.h"
#include "crypto/provider/sdf_provider.h"
#include "crypto/provider/soft_provider.h"

namespace medsign::test {
namespace fs = std::filesystem;

fs::path make_temp_dir(const std::string& prefix) {
  static std::atomic<int> n{0};
  fs::path d = fs::temp_directory_path() /
               ("medsign-" + prefix + "-" + std::to_string(::getpid()) + "-" + std::to_string(n++));
  fs::remove_all(d);
  fs::create_directories(d);
  return d;
}

int run_shell(const std::string& cmd, std::string* out) {
  std::string full = cmd + " 2>&1";
  FILE* p = ::popen(full.c_str(), "r");
  if (!p) return -1;
  std::string s;
  std::array<char, 4096> buf{};
  std::size_t n;
  while ((n = std::fread(buf.data(), 1, buf.size(), p)) > 0) s.append(buf.data(), n);
  int st = ::pclose(p);
  if (out) *out = s;
  return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

ProviderEnv::~ProviderEnv() {
  provider.reset();  // close sessions, finalize the module before the files go
  std::error_code ec;
  if (!dir.empty()) fs::remove_all(dir, ec);
}

std::unique_ptr<ProviderEnv> make_provider_env(const std::string& kind) {
  using namespace crypto::provider;
  auto env = std::make_unique<ProviderEnv>();
  env->kind = kind;
  env->dir = make_temp_dir("prov-" + kind);
  env->key_password = "key-pass-1";
  if (kind == "soft") {
    auto p = SoftProvider::open({env->dir, "", true});
    if (!p) {
      env->skip_reason = p.error().to_string();
      return env;
    }
    env->provider = std::move(*p);
  } else if (kind == "sdf") {
    ::setenv("MEDSIGN_SOFTSDF_DIR", env->dir.c_str(), 1);
    ::unsetenv("MEDSIGN_SOFTSDF_PASSPHRASE");
    auto p = open_sdf_provider(MEDSIGN_SOFTSDF_LIBRARY);
    if (!p) {
      env->skip_reason = p.error().to_string();
      return env;
    }
    env->provider = std::move(*p);
    env->labels = false;
  } else {
    if (!fs::exists(kSoftHsmModule) || run_shell("command -v softhsm2-util") != 0) {
      env->skip_reason = "SoftHSM2 is not installed (Debian package softhsm2; scripts/install-deps.sh)";
      return env;
    }
    fs::create_directories(env->dir / "tokens");
    std::ofstream(env->dir / "softhsm2.conf") << "directories.tokendir = " << (env->dir / "tokens").string()
                                              << "\nobjectstore.backend = file\nlog.level = ERROR\n";
    ::setenv("SOFTHSM2_CONF", (env->dir / "softhsm2.conf").c_str(), 1);
    std::string out;
    if (run_shell(std::string("softhsm2-util --init-token --free --label medsign-test --pin ") + kTokenPin +
                      " --so-pin 13579246",
                  &out) != 0) {
      env->skip_reason = "softhsm2-util --init-token failed: " + out;
      return env;
    }
    ProviderConfig cfg;
    cfg.kind = ProviderKind::pkcs11;
    cfg.library = kSoftHsmModule;
    cfg.token = "medsign-test";
    cfg.pin = kTokenPin;
    auto p = open_pkcs11_provider(cfg);
    if (!p) {
      env->skip_reason = p.error().to_string();
      return env;
    }
    env->provider = std::move(*p);
    env->key_password = kTokenPin;
    env->per_key_passwords = false;
  }
  return env;
}

}  // namespace medsign::test
