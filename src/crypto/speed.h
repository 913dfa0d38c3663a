// `medsign speed`: throughput of MedSign's crypto next to OpenSSL's EVP doing the same operation, in the
// same process, on one thread.
//
// Each figure alternates short rounds of the two sides (so load changes on a shared machine hit both)
// and divides the operations done by the thread's CPU time (CLOCK_THREAD_CPUTIME_ID), not wall time.
// Public-key figures are operations per second; hash and cipher figures are MB/s (10^6 bytes) over
// 8 KiB messages. Per-key state (parsed keys, SM2 Z where the name says "cached_z") is set up once
// outside the timed loop, as a server would keep it.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/error.h"

namespace medsign::crypto::speed {

struct Figure {
  std::string name;               // e.g. "sm2_sign", "sm4_gcm"
  std::string unit;               // "ops/s" or "MB/s"
  double medsign = 0;
  std::optional<double> openssl;  // absent when OpenSSL has no such operation (SM4-GCM in 3.0)
  std::string note;               // what each side runs, for the table
};

struct Options {
  double seconds = 1.0;  // CPU seconds per side and figure
  // Called after each figure (for progress output); may be empty.
  std::function<void(const Figure&)> on_figure;
};

// Groups: "sm2", "sm3", "sm4", "rsa", "ecdsa", "all". Errors: invalid_argument for another group or
// seconds outside (0, 600]; crypto_error when an operation fails (a figure is never made from failures).
Result<std::vector<Figure>> run(std::string_view group, const Options& options);

// One JSON object {"<name>": {"medsign": N, "openssl": N|null}, ...}; ops/s rounded to integers, MB/s
// to one decimal.
std::string to_json(const std::vector<Figure>& figures);
// A fixed-width table with the ratio medsign/openssl.
std::string to_table(const std::vector<Figure>& figures);

}  // namespace medsign::crypto::speed
