#include "asn1/der_string.h"

namespace medsign::asn1 {
namespace {

bool printable_char(std::uint32_t c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == ' ' || c == '\'' ||
         c == '(' || c == ')' || c == '+' || c == ',' || c == '-' || c == '.' || c == '/' || c == ':' || c == '=' ||
         c == '?';
}

void append_utf8(std::string& out, std::uint32_t cp) {
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xc0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3f));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xe0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3f));
    out += static_cast<char>(0x80 | (cp & 0x3f));
  } else {
    out += static_cast<char>(0xf0 | (cp >> 18));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3f));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3f));
    out += static_cast<char>(0x80 | (cp & 0x3f));
  }
}

// Decodes one code point at s[i]; advances i. Returns false for invalid UTF-8.
bool next_code_point(std::string_view s, std::size_t& i, std::uint32_t& cp) {
  const auto b0 = static_cast<std::uint8_t>(s[i]);
  std::size_t n;
  std::uint32_t min;
  if (b0 < 0x80) {
    cp = b0;
    ++i;
    return true;
  } else if ((b0 & 0xe0) == 0xc0) {
    n = 1, cp = b0 & 0x1f, min = 0x80;
  } else if ((b0 & 0xf0) == 0xe0) {
    n = 2, cp = b0 & 0x0f, min = 0x800;
  } else if ((b0 & 0xf8) == 0xf0) {
    n = 3, cp = b0 & 0x07, min = 0x10000;
  } else {
    return false;
  }
  if (s.size() - i - 1 < n) return false;
  for (std::size_t k = 1; k <= n; ++k) {
    const auto b = static_cast<std::uint8_t>(s[i + k]);
    if ((b & 0xc0) != 0x80) return false;
    cp = (cp << 6) | (b & 0x3f);
  }
  if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return false;
  i += n + 1;
  return true;
}

Error bad(const Tag& t, std::string_view what) {
  return Error(Errc::bad_encoding, t.to_string() + " " + std::string(what));
}

}  // namespace

bool is_string_tag(const Tag& t) {
  if (t.cls != TagClass::universal || t.constructed) return false;
  switch (t.number) {
    case 12: case 18: case 19: case 20: case 22: case 26: case 28: case 30: return true;
    default: return false;
  }
}

bool is_valid_utf8(std::string_view s) {
  std::size_t i = 0;
  std::uint32_t cp = 0;
  while (i < s.size()) {
    if (!next_code_point(s, i, cp)) return false;
  }
  return true;
}

Result<std::string> decode_string(const Tag& t, ByteView c) {
  if (!is_string_tag(t)) return bad(t, "is not a string type");
  std::string out;
  switch (t.number) {
    case 12:  // UTF8String
      out.assign(as_chars(c));
      if (!is_valid_utf8(out)) return bad(t, "is not valid UTF-8");
      return out;
    case 18:  // NumericString
      for (auto b : c) {
        if (!(b == ' ' || (b >= '0' && b <= '9'))) return bad(t, "has a character outside its set");
      }
      return std::string(as_chars(c));
    case 19:  // PrintableString
      for (auto b : c) {
        if (!printable_char(b)) return bad(t, "has a character outside its set");
      }
      return std::string(as_chars(c));
    case 22:  // IA5String
    case 26:  // VisibleString
      for (auto b : c) {
        if (b > 0x7f || (t.number == 26 && (b < 0x20 || b == 0x7f))) return bad(t, "has a character outside its set");
      }
      return std::string(as_chars(c));
    case 20:  // T61String, read as Latin-1
      for (auto b : c) append_utf8(out, b);
      return out;
    case 28:  // UniversalString (UCS-4 big-endian)
      if (c.size() % 4 != 0) return bad(t, "length is not a multiple of 4");
      for (std::size_t i = 0; i < c.size(); i += 4) {
        const std::uint32_t cp = (std::uint32_t{c[i]} << 24) | (c[i + 1] << 16) | (c[i + 2] << 8) | c[i + 3];
        if (cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return bad(t, "has an invalid code point");
        append_utf8(out, cp);
      }
      return out;
    case 30: {  // BMPString (UTF-16BE; surrogate pairs accepted as many producers emit them)
      if (c.size() % 2 != 0) return bad(t, "has odd length");
      for (std::size_t i = 0; i < c.size(); i += 2) {
        std::uint32_t u = (std::uint32_t{c[i]} << 8) | c[i + 1];
        if (u >= 0xd800 && u <= 0xdbff) {
          if (i + 3 >= c.size()) return bad(t, "has a lone surrogate");
          const std::uint32_t lo = (std::uint32_t{c[i + 2]} << 8) | c[i + 3];
          if (lo < 0xdc00 || lo > 0xdfff) return bad(t, "has a lone surrogate");
          u = 0x10000 + ((u - 0xd800) << 10) + (lo - 0xdc00);
          i += 2;
        } else if (u >= 0xdc00 && u <= 0xdfff) {
          return bad(t, "has a lone surrogate");
        }
        append_utf8(out, u);
      }
      return out;
    }
  }
  return bad(t, "is not a string type");
}

Result<Bytes> encode_string(const Tag& t, std::string_view utf8) {
  if (!is_string_tag(t)) return Error(Errc::invalid_argument, t.to_string() + " is not a string type");
  if (!is_valid_utf8(utf8)) return Error(Errc::invalid_argument, "string is not valid UTF-8");
  const Error unfit(Errc::invalid_argument, "string has a character " + t.to_string() + " cannot carry");
  Bytes out;
  std::size_t i = 0;
  while (i < utf8.size()) {
    std::uint32_t cp = 0;
    next_code_point(utf8, i, cp);
    switch (t.number) {
      case 12: break;
      case 18: if (!(cp == ' ' || (cp >= '0' && cp <= '9'))) return unfit; break;
      case 19: if (!printable_char(cp)) return unfit; break;
      case 22: if (cp > 0x7f) return unfit; break;
      case 26: if (cp < 0x20 || cp >= 0x7f) return unfit; break;
      case 20: if (cp > 0xff) return unfit; out.push_back(static_cast<std::uint8_t>(cp)); continue;
      case 28:
        for (int s = 24; s >= 0; s -= 8) out.push_back(static_cast<std::uint8_t>(cp >> s));
        continue;
      case 30:
        if (cp >= 0x10000) {
          const std::uint32_t v = cp - 0x10000;
          const std::uint32_t hi = 0xd800 + (v >> 10), lo = 0xdc00 + (v & 0x3ff);
          out.insert(out.end(), {static_cast<std::uint8_t>(hi >> 8), static_cast<std::uint8_t>(hi),
                                 static_cast<std::uint8_t>(lo >> 8), static_cast<std::uint8_t>(lo)});
        } else {
          out.push_back(static_cast<std::uint8_t>(cp >> 8));
          out.push_back(static_cast<std::uint8_t>(cp));
        }
        continue;
    }
  }
  if (t.number != 20 && t.number != 28 && t.number != 30) out.assign(utf8.begin(), utf8.end());
  return out;
}

}  // namespace medsign::asn1
