// Wall-clock time helpers. All times MedSign stores are UTC.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

namespace medsign {

using SystemTime = std::chrono::system_clock::time_point;

inline std::int64_t unix_millis(SystemTime t = std::chrono::system_clock::now()) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
}
inline std::int64_t unix_seconds(SystemTime t = std::chrono::system_clock::now()) {
  return std::chrono::duration_cast<std::chrono::seconds>(t.time_since_epoch()).count();
}
// "2026-11-27T15:58:00.123Z"
std::string iso8601_millis(std::int64_t unix_ms);
inline std::string iso8601_now() { return iso8601_millis(unix_millis()); }
// Parses "YYYY-MM-DDTHH:MM:SS[.fff]Z" (or a +00:00 suffix). Returns -1 when malformed.
std::int64_t parse_iso8601_millis(const std::string& s);

}  // namespace medsign
