#include "asn1/der_time.h"

#include <cstdio>

namespace medsign::asn1 {
namespace {

constexpr std::int64_t kMsPerDay = 86'400'000;

bool digits(ByteView c, std::size_t pos, std::size_t n, unsigned& out) {
  if (pos + n > c.size()) return false;
  unsigned v = 0;
  for (std::size_t i = pos; i < pos + n; ++i) {
    if (c[i] < '0' || c[i] > '9') return false;
    v = v * 10 + (c[i] - '0');
  }
  out = v;
  return true;
}

bool is_leap(std::int64_t y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

unsigned days_in_month(std::int64_t y, unsigned m) {
  static constexpr unsigned kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return m == 2 && is_leap(y) ? 29 : kDays[m - 1];
}

// Validates the calendar fields and converts them.
Result<std::int64_t> to_unix_ms(const char* type, std::int64_t y, unsigned mo, unsigned d, unsigned h, unsigned mi,
                                unsigned s, unsigned ms) {
  if (mo < 1 || mo > 12) return Error(Errc::bad_encoding, std::string(type) + " month out of range");
  if (d < 1 || d > days_in_month(y, mo)) return Error(Errc::bad_encoding, std::string(type) + " day out of range");
  if (h > 23 || mi > 59 || s > 59) return Error(Errc::bad_encoding, std::string(type) + " time of day out of range");
  return days_from_civil(y, mo, d) * kMsPerDay + ((h * 60 + mi) * 60 + s) * std::int64_t{1000} + ms;
}

struct Fields {
  std::int64_t y;
  unsigned mo, d, h, mi, s, ms;
};

Fields split(std::int64_t unix_ms) {
  std::int64_t days = unix_ms / kMsPerDay;
  std::int64_t rem = unix_ms % kMsPerDay;
  if (rem < 0) {
    rem += kMsPerDay;
    --days;
  }
  Fields f{};
  civil_from_days(days, f.y, f.mo, f.d);
  f.h = static_cast<unsigned>(rem / 3'600'000);
  f.mi = static_cast<unsigned>(rem / 60'000 % 60);
  f.s = static_cast<unsigned>(rem / 1000 % 60);
  f.ms = static_cast<unsigned>(rem % 1000);
  return f;
}

}  // namespace

std::int64_t days_from_civil(std::int64_t y, unsigned m, unsigned d) {
  // Howard Hinnant's algorithm.
  y -= m <= 2;
  const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<std::int64_t>(doe) - 719468;
}

void civil_from_days(std::int64_t z, std::int64_t& y, unsigned& m, unsigned& d) {
  z += 719468;
  const std::int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const unsigned doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  d = doy - (153 * mp + 2) / 5 + 1;
  m = mp < 10 ? mp + 3 : mp - 9;
  y = static_cast<std::int64_t>(yoe) + era * 400 + (m <= 2);
}

Result<std::int64_t> parse_utc_time(ByteView c) {
  unsigned yy, mo, d, h, mi, s;
  if (c.size() != 13 || c[12] != 'Z' || !digits(c, 0, 2, yy) || !digits(c, 2, 2, mo) || !digits(c, 4, 2, d) ||
      !digits(c, 6, 2, h) || !digits(c, 8, 2, mi) || !digits(c, 10, 2, s)) {
    return Error(Errc::bad_encoding, "UTCTime not in the form YYMMDDHHMMSSZ");
  }
  const std::int64_t y = yy < 50 ? 2000 + yy : 1900 + yy;
  return to_unix_ms("UTCTime", y, mo, d, h, mi, s, 0);
}

Result<std::int64_t> parse_generalized_time(ByteView c) {
  unsigned y, mo, d, h, mi, s, ms = 0;
  const Error form(Errc::bad_encoding, "GeneralizedTime not in the form YYYYMMDDHHMMSS[.fff]Z");
  if (c.size() < 15 || c.back() != 'Z' || !digits(c, 0, 4, y) || !digits(c, 4, 2, mo) || !digits(c, 6, 2, d) ||
      !digits(c, 8, 2, h) || !digits(c, 10, 2, mi) || !digits(c, 12, 2, s)) {
    return form;
  }
  if (c.size() != 15) {
    const std::size_t frac = c.size() - 16;  // between '.' and 'Z'
    if (c[14] != '.' || frac == 0) return form;
    if (frac > 3) return Error(Errc::bad_encoding, "GeneralizedTime finer than milliseconds");
    unsigned f;
    if (!digits(c, 15, frac, f)) return form;
    if (c[14 + frac] == '0') return Error(Errc::bad_encoding, "GeneralizedTime fraction with trailing zero");
    ms = f * (frac == 1 ? 100 : frac == 2 ? 10 : 1);
  }
  return to_unix_ms("GeneralizedTime", y, mo, d, h, mi, s, ms);
}

Result<std::string> format_utc_time(std::int64_t unix_ms) {
  const Fields f = split(unix_ms);
  if (f.y < 1950 || f.y > 2049) return Error(Errc::invalid_argument, "UTCTime covers 1950 to 2049 only");
  if (f.ms != 0) return Error(Errc::invalid_argument, "UTCTime cannot carry milliseconds");
  char buf[16];
  std::snprintf(buf, sizeof buf, "%02u%02u%02u%02u%02u%02uZ", static_cast<unsigned>(f.y % 100), f.mo, f.d, f.h, f.mi,
                f.s);
  return std::string(buf);
}

Result<std::string> format_generalized_time(std::int64_t unix_ms) {
  const Fields f = split(unix_ms);
  if (f.y < 0 || f.y > 9999) return Error(Errc::invalid_argument, "GeneralizedTime covers years 0 to 9999 only");
  char buf[32];
  std::snprintf(buf, sizeof buf, "%04u%02u%02u%02u%02u%02u", static_cast<unsigned>(f.y), f.mo, f.d, f.h, f.mi, f.s);
  std::string out = buf;
  if (f.ms != 0) {
    std::snprintf(buf, sizeof buf, ".%03u", f.ms);
    std::string frac = buf;
    while (frac.back() == '0') frac.pop_back();
    out += frac;
  }
  return out + "Z";
}

std::string format_iso8601(std::int64_t unix_ms) {
  const Fields f = split(unix_ms);
  char buf[48];
  if (f.ms != 0) {
    std::snprintf(buf, sizeof buf, "%04lld-%02u-%02uT%02u:%02u:%02u.%03uZ", static_cast<long long>(f.y), f.mo, f.d,
                  f.h, f.mi, f.s, f.ms);
  } else {
    std::snprintf(buf, sizeof buf, "%04lld-%02u-%02uT%02u:%02u:%02uZ", static_cast<long long>(f.y), f.mo, f.d, f.h,
                  f.mi, f.s);
  }
  return buf;
}

}  // namespace medsign::asn1
