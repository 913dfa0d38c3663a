#include "common/bytes.h"

#include <openssl/crypto.h>

namespace medsign {
namespace {
constexpr char kHex[] = "0123456789abcdef";
constexpr char kB64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
constexpr char kB64Url[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::string b64_encode(ByteView b, const char* alphabet, bool pad) {
  std::string out;
  out.reserve((b.size() + 2) / 3 * 4);
  std::size_t i = 0;
  for (; i + 3 <= b.size(); i += 3) {
    std::uint32_t v = (b[i] << 16) | (b[i + 1] << 8) | b[i + 2];
    out += alphabet[(v >> 18) & 63];
    out += alphabet[(v >> 12) & 63];
    out += alphabet[(v >> 6) & 63];
    out += alphabet[v & 63];
  }
  std::size_t rest = b.size() - i;
  if (rest > 0) {
    std::uint32_t v = b[i] << 16;
    if (rest == 2) v |= b[i + 1] << 8;
    out += alphabet[(v >> 18) & 63];
    out += alphabet[(v >> 12) & 63];
    if (rest == 2) out += alphabet[(v >> 6) & 63];
    if (pad) out.append(3 - rest, '=');
  }
  return out;
}

Result<Bytes> b64_decode(std::string_view s, const char* alphabet, bool allow_ws, bool require_pad) {
  int rev[256];
  for (int& r : rev) r = -1;
  for (int k = 0; k < 64; ++k) rev[static_cast<unsigned char>(alphabet[k])] = k;
  Bytes out;
  out.reserve(s.size() * 3 / 4);
  std::uint32_t acc = 0;
  int bits = 0;
  std::size_t symbols = 0, pads = 0;
  for (char ch : s) {
    auto c = static_cast<unsigned char>(ch);
    if (allow_ws && (c == ' ' || c == '\n' || c == '\r' || c == '\t')) continue;
    if (c == '=') {
      ++pads;
      continue;
    }
    if (pads > 0) return Error(Errc::bad_encoding, "base64: data after padding");
    int v = rev[c];
    if (v < 0) return Error(Errc::bad_encoding, "base64: invalid character");
    ++symbols;
    acc = (acc << 6) | static_cast<std::uint32_t>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<std::uint8_t>(acc >> bits));
    }
  }
  if (symbols % 4 == 1) return Error(Errc::bad_encoding, "base64: truncated input");
  if (pads > 2) return Error(Errc::bad_encoding, "base64: too much padding");
  if (require_pad && (symbols + pads) % 4 != 0) return Error(Errc::bad_encoding, "base64: missing padding");
  if (pads > 0 && (symbols + pads) % 4 != 0) return Error(Errc::bad_encoding, "base64: wrong padding");
  if (bits > 0 && (acc & ((1u << bits) - 1)) != 0) return Error(Errc::bad_encoding, "base64: non-canonical trailing bits");
  return out;
}
}  // namespace

std::string hex_encode(ByteView b) {
  std::string s;
  s.reserve(b.size() * 2);
  for (auto c : b) {
    s += kHex[c >> 4];
    s += kHex[c & 15];
  }
  return s;
}

Result<Bytes> hex_decode(std::string_view s) {
  if (s.size() % 2) return Error(Errc::bad_encoding, "hex: odd number of digits");
  Bytes out(s.size() / 2);
  for (std::size_t i = 0; i < out.size(); ++i) {
    int hi = hex_value(s[2 * i]), lo = hex_value(s[2 * i + 1]);
    if (hi < 0 || lo < 0) return Error(Errc::bad_encoding, "hex: invalid digit");
    out[i] = static_cast<std::uint8_t>(hi << 4 | lo);
  }
  return out;
}

std::string base64_encode(ByteView b) { return b64_encode(b, kB64, true); }
Result<Bytes> base64_decode(std::string_view s) { return b64_decode(s, kB64, true, true); }
std::string base64url_encode(ByteView b) { return b64_encode(b, kB64Url, false); }
Result<Bytes> base64url_decode(std::string_view s) { return b64_decode(s, kB64Url, false, false); }

bool ct_equal(ByteView a, ByteView b) {
  if (a.size() != b.size()) return false;
  return CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

void secure_wipe(void* p, std::size_t n) { OPENSSL_cleanse(p, n); }

}  // namespace medsign
