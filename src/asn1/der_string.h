// Character strings of X.509 names and the conversions between their DER contents and UTF-8.
#pragma once

#include <string>
#include <string_view>

#include "asn1/tag.h"
#include "common/bytes.h"
#include "common/error.h"

namespace medsign::asn1 {

// True for the universal string tags decode_string() accepts.
bool is_string_tag(const Tag& t);

// The content of a string element as UTF-8: UTF8String (validated), PrintableString, NumericString,
// IA5String and VisibleString (validated character sets), BMPString (UCS-2/UTF-16BE; surrogate pairs
// combined), UniversalString (UCS-4), T61String (read as Latin-1, as most software does). Errors:
// bad_encoding for a character outside the type's set, invalid UTF-8, an odd-length BMPString, a
// lone surrogate, or a tag that is not a string type.
Result<std::string> decode_string(const Tag& t, ByteView content);

// The content octets for `utf8` in the string type `t` (the inverse of decode_string). Errors:
// invalid_argument for invalid UTF-8 or a character the type cannot carry.
Result<Bytes> encode_string(const Tag& t, std::string_view utf8);

// Ok when `s` is well-formed UTF-8 (no overlongs, no surrogates, at most U+10FFFF).
bool is_valid_utf8(std::string_view s);

}  // namespace medsign::asn1
