#include "crypto/provider/key_file.h"

#include <charconv>
#include <limits>

#include "crypto/provider/provider.h"

namespace medsign::crypto::provider {
namespace {
constexpr std::string_view kMagic = "medsign-provider-key 1";
constexpr std::size_t kMaxFieldLength = 64 * 1024;

// Reads "name: value\n" at pos; the value may be empty. Advances pos past the newline.
Result<std::string_view> field(std::string_view text, std::size_t& pos, std::string_view name, int line) {
  std::size_t nl = text.find('\n', pos);
  if (nl == std::string_view::npos)
    return Error(Errc::bad_encoding, "key file line " + std::to_string(line) + ": missing end of line");
  std::string_view l = text.substr(pos, nl - pos);
  if (l.size() < name.size() + 2 || l.substr(0, name.size()) != name || l[name.size()] != ':' || l[name.size() + 1] != ' ')
    return Error(Errc::bad_encoding, "key file line " + std::to_string(line) + ": expected '" + std::string(name) + ": '");
  std::string_view v = l.substr(name.size() + 2);
  if (v.size() > kMaxFieldLength) return Error(Errc::bad_encoding, "key file field " + std::string(name) + " too long");
  pos = nl + 1;
  return v;
}

template <typename T>
Result<T> number(std::string_view v, std::string_view name) {
  T out{};
  auto [p, ec] = std::from_chars(v.data(), v.data() + v.size(), out);
  if (v.empty() || v[0] == '-' || ec != std::errc() || p != v.data() + v.size() || (v.size() > 1 && v[0] == '0'))
    return Error(Errc::bad_encoding, "key file: " + std::string(name) + " is not a number");
  return out;
}
}  // namespace

Status check_label(std::string_view label) {
  if (label.size() > kMaxLabelLength) return Error(Errc::invalid_argument, "label longer than 128 bytes");
  for (char c : label)
    if (static_cast<unsigned char>(c) < 0x20 || static_cast<unsigned char>(c) > 0x7e)
      return Error(Errc::invalid_argument, "label must be printable ASCII");
  return {};
}

std::string encode_key_file(const ProviderKeyFile& f) {
  std::string s(kMagic);
  s.append("\nindex: ").append(std::to_string(f.index));
  s.append("\nlabel: ").append(f.label);
  s.append("\nalgorithm: ").append(key_alg_name(f.algorithm));
  s.append("\ncreated: ").append(std::to_string(f.created_unix));
  if (!f.password_hash.empty()) s.append("\npassword: ").append(f.password_hash);
  s.append("\npublic: ").append(base64_encode(f.spki));
  s.append("\nsealed: ").append(base64_encode(f.sealed));
  s.append("\n");
  return s;
}

Result<ProviderKeyFile> parse_key_file(std::string_view text) {
  if (text.substr(0, kMagic.size()) != kMagic || text.size() <= kMagic.size() || text[kMagic.size()] != '\n')
    return Error(Errc::bad_encoding, "not a provider key file");
  std::size_t pos = kMagic.size() + 1;
  ProviderKeyFile f;
  MEDSIGN_ASSIGN(auto idx, field(text, pos, "index", 2));
  MEDSIGN_ASSIGN(f.index, number<std::uint32_t>(idx, "index"));
  if (f.index == 0 || f.index > kMaxKeyIndex) return Error(Errc::bad_encoding, "key file: index out of range");
  MEDSIGN_ASSIGN(auto label, field(text, pos, "label", 3));
  if (!check_label(label)) return Error(Errc::bad_encoding, "key file: bad label");
  f.label = std::string(label);
  MEDSIGN_ASSIGN(auto alg, field(text, pos, "algorithm", 4));
  auto a = parse_key_alg(alg);
  if (!a || key_alg_name(*a) != alg) return Error(Errc::bad_encoding, "key file: unknown algorithm");
  f.algorithm = *a;
  MEDSIGN_ASSIGN(auto created, field(text, pos, "created", 5));
  MEDSIGN_ASSIGN(f.created_unix, number<std::int64_t>(created, "created"));
  int line = 6;
  if (text.substr(pos, 10) == "password: ") {
    MEDSIGN_ASSIGN(auto pw, field(text, pos, "password", line++));
    if (pw.substr(0, 10) != "$argon2id$") return Error(Errc::bad_encoding, "key file: password is not an Argon2id hash");
    f.password_hash = std::string(pw);
  }
  MEDSIGN_ASSIGN(auto pub, field(text, pos, "public", line++));
  auto spki = base64_decode(pub);
  if (!spki || spki->empty() || base64_encode(*spki) != pub) return Error(Errc::bad_encoding, "key file: public is not base64");
  f.spki = std::move(*spki);
  MEDSIGN_ASSIGN(auto sealed, field(text, pos, "sealed", line++));
  auto blob = base64_decode(sealed);
  if (!blob || blob->empty() || base64_encode(*blob) != sealed) return Error(Errc::bad_encoding, "key file: sealed is not base64");
  f.sealed = std::move(*blob);
  if (pos != text.size()) return Error(Errc::bad_encoding, "key file: trailing data");
  return f;
}

std::string key_file_aad(const ProviderKeyFile& f) {
  std::string s("medsign-provider-key:");
  s.append(std::to_string(f.index)).append(":").append(key_alg_name(f.algorithm)).append(":").append(f.password_hash);
  return s;
}

}  // namespace medsign::crypto::provider
