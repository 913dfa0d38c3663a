// Helpers for the PKI tests: fixture files, a scratch directory, and running the openssl CLI.
#pragma once

#include <gtest/gtest.h>

#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "common/bytes.h"

namespace medsign::pki::test {

inline std::string read_text(const std::filesystem::path& p) {
  std::ifstream f(p, std::ios::binary);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

inline Bytes read_bytes(const std::filesystem::path& p) { return to_bytes(read_text(p)); }

inline std::filesystem::path data_dir() { return std::filesystem::path(MEDSIGN_SOURCE_DIR) / "tests/data/pki"; }

// Runs a shell command; fails the test when it exits non-zero.
inline bool run(const std::string& cmd) {
  const int rc = std::system((cmd + " >/dev/null 2>&1").c_str());
  EXPECT_EQ(rc, 0) << cmd;
  return rc == 0;
}

// Runs a command and returns its standard output (trailing newline removed).
inline std::string capture(const std::string& cmd) {
  std::string out;
  if (FILE* p = popen((cmd + " 2>/dev/null").c_str(), "r")) {
    char buf[4096];
    std::size_t n;
    while ((n = fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
    pclose(p);
  }
  while (!out.empty() && (out.back() == '\n' || out.back() == '\r')) out.pop_back();
  return out;
}

// "Nov 27 16:38:47 2026 GMT" (openssl -dates) to unix milliseconds.
inline std::int64_t openssl_date_ms(const std::string& text) {
  std::tm tm{};
  std::istringstream in(text);
  in >> std::get_time(&tm, "%b %d %H:%M:%S %Y");
  return static_cast<std::int64_t>(timegm(&tm)) * 1000;
}

// A fresh directory under the test temp dir, removed by the destructor.
class ScratchDir {
 public:
  ScratchDir() {
    std::string tmpl = (std::filesystem::path(::testing::TempDir()) / "medsign-pki-XXXXXX").string();
    path_ = mkdtemp(tmpl.data());
  }
  ~ScratchDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  std::string operator/(const std::string& name) const { return (path_ / name).string(); }

 private:
  std::filesystem::path path_;
};

}  // namespace medsign::pki::test
