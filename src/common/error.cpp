#include "common/error.h"

#include <array>
#include <cstdio>
#include <cstdlib>

namespace medsign {
namespace {
constexpr ErrorInfo kCatalogue[] = {
#define MEDSIGN_ERRC(name, http, text) {#name, http, text},
#include "common/error_catalogue.inc"
#undef MEDSIGN_ERRC
};
}  // namespace

const ErrorInfo& error_info(Errc c) { return kCatalogue[static_cast<std::size_t>(c)]; }

std::span<const ErrorInfo> error_catalogue() { return kCatalogue; }

std::string Error::to_string() const {
  std::string s(code_name());
  s += ": ";
  s += detail.empty() ? std::string(error_info(code).message) : detail;
  return s;
}

void abort_with_error(const Error& e) {
  std::fprintf(stderr, "fatal: value() on an error result: %s\n", e.to_string().c_str());
  std::abort();
}

}  // namespace medsign
