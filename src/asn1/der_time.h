// UTCTime and GeneralizedTime in their DER forms (X.690 §11.7–11.8, RFC 5280 §4.1.2.5), as
// milliseconds since 1970-01-01T00:00:00Z.
#pragma once

#include <cstdint>
#include <string>

#include "common/bytes.h"
#include "common/error.h"

namespace medsign::asn1 {

// UTCTime: exactly "YYMMDDHHMMSSZ"; YY < 50 is 20YY, otherwise 19YY. Errors: bad_encoding for any
// other form (missing seconds, offsets, non-digits), or an impossible date or time (month 13,
// February 30, hour 24, second 60).
Result<std::int64_t> parse_utc_time(ByteView content);
// GeneralizedTime: "YYYYMMDDHHMMSS[.f{1,3}]Z", fraction without trailing zeros (DER). Finer than
// milliseconds is rejected. Errors: bad_encoding as above.
Result<std::int64_t> parse_generalized_time(ByteView content);

// Errors: invalid_argument when the time is outside 1950..2049 (UTCTime) or 0000..9999, or when a
// UTCTime would lose milliseconds.
Result<std::string> format_utc_time(std::int64_t unix_ms);
Result<std::string> format_generalized_time(std::int64_t unix_ms);

// Days since 1970-01-01 of a proleptic Gregorian date, and back.
std::int64_t days_from_civil(std::int64_t y, unsigned m, unsigned d);
void civil_from_days(std::int64_t days, std::int64_t& y, unsigned& m, unsigned& d);

// "2024-05-01T12:00:00Z" (with ".123" when ms is not zero) for logs and JSON.
std::string format_iso8601(std::int64_t unix_ms);

}  // namespace medsign::asn1
