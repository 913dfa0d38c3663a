// The single error catalogue of MedSign and the Result<T> type that carries errors across layers.
//
// Every failure that leaves a module is an Error: a stable catalogue code (never renamed once released),
// the HTTP status a transport maps it to, and a human message; `detail` says what exactly was wrong.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

namespace medsign {

enum class Errc : std::uint16_t {
#define MEDSIGN_ERRC(name, http, text) name,
#include "common/error_catalogue.inc"
#undef MEDSIGN_ERRC
};

struct ErrorInfo {
  std::string_view code;     // stable identifier, e.g. "malformed_json"
  int http_status;           // status a transport answers with
  std::string_view message;  // short English description
};

// REQUIRES: c is a member of Errc. Never fails.
const ErrorInfo& error_info(Errc c);
// Every catalogue entry, in declaration order (for docs and tests).
std::span<const ErrorInfo> error_catalogue();

struct Error {
  Errc code = Errc::internal;
  std::string detail;

  Error() = default;
  Error(Errc c, std::string d = {}) : code(c), detail(std::move(d)) {}
  std::string_view code_name() const { return error_info(code).code; }
  int http_status() const { return error_info(code).http_status; }
  // "code: detail" (or the catalogue message when there is no detail).
  std::string to_string() const;
};

// A value or an Error. Cheap to move; accessing value() on an error is a programming bug (aborts).
template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T v) : v_(std::move(v)) {}
  Result(Error e) : v_(std::move(e)) {}
  Result(Errc c, std::string d = {}) : v_(Error(c, std::move(d))) {}

  bool ok() const { return v_.index() == 0; }
  explicit operator bool() const { return ok(); }
  T& value() & { check(); return std::get<0>(v_); }
  const T& value() const& { check(); return std::get<0>(v_); }
  T&& value() && { check(); return std::get<0>(std::move(v_)); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  const Error& error() const { return std::get<1>(v_); }
  T value_or(T fallback) const { return ok() ? std::get<0>(v_) : std::move(fallback); }

 private:
  void check() const {
    if (!ok()) abort_on_error(std::get<1>(v_));
  }
  [[noreturn]] static void abort_on_error(const Error& e);
  std::variant<T, Error> v_;
};

template <>
class [[nodiscard]] Result<void> {
 public:
  Result() = default;
  Result(Error e) : err_(std::move(e)), ok_(false) {}
  Result(Errc c, std::string d = {}) : err_(c, std::move(d)), ok_(false) {}
  bool ok() const { return ok_; }
  explicit operator bool() const { return ok_; }
  const Error& error() const { return err_; }

 private:
  Error err_;
  bool ok_ = true;
};

using Status = Result<void>;

[[noreturn]] void abort_with_error(const Error& e);

template <typename T>
void Result<T>::abort_on_error(const Error& e) {
  abort_with_error(e);
}

}  // namespace medsign

// Propagates an error from an expression returning Result/Status.
#define MEDSIGN_TRY(expr)                                     \
  do {                                                        \
    auto medsign_try_r_ = (expr);                             \
    if (!medsign_try_r_.ok()) return medsign_try_r_.error();  \
  } while (0)

#define MEDSIGN_CONCAT_INNER(a, b) a##b
#define MEDSIGN_CONCAT(a, b) MEDSIGN_CONCAT_INNER(a, b)
// MEDSIGN_ASSIGN(auto x, expr): evaluates expr, returns its error or binds its value to x.
#define MEDSIGN_ASSIGN(decl, expr) MEDSIGN_ASSIGN_IMPL(MEDSIGN_CONCAT(medsign_r_, __LINE__), decl, expr)
#define MEDSIGN_ASSIGN_IMPL(tmp, decl, expr) \
  auto tmp = (expr);                         \
  if (!tmp.ok()) return tmp.error();         \
  decl = std::move(tmp).value()
