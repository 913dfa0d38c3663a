// The key index file of the soft provider: one text file per key, <data>/keys/provider/<index>.key.
//
//   medsign-provider-key 1
//   index: 3
//   label: tsa-2026                       (printable ASCII, at most 128 bytes, may be empty)
//   algorithm: sm2                        (key_alg_name)
//   created: 1795000000                   (Unix seconds)
//   password: $argon2id$v=19$...          (optional: hash of the key's access password)
//   public: <base64 SubjectPublicKeyInfo DER>
//   sealed: <base64 key_seal.h blob of the PKCS#8 private key>
//
// Every field appears once, in this order; the aad of the sealed blob binds index, algorithm and password
// hash, so editing them makes the key unusable rather than unprotected.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "common/bytes.h"
#include "common/error.h"
#include "crypto/algorithms/pk.h"

namespace medsign::crypto::provider {

struct ProviderKeyFile {
  std::uint32_t index = 0;
  std::string label;
  KeyAlg algorithm = KeyAlg::sm2;
  std::int64_t created_unix = 0;
  std::string password_hash;  // empty: no access password
  Bytes spki;
  Bytes sealed;
};

inline constexpr std::size_t kMaxLabelLength = 128;

// Labels: printable ASCII without control characters. Errors: invalid_argument.
Status check_label(std::string_view label);
std::string encode_key_file(const ProviderKeyFile& f);
// Strict: numbers without sign or leading zeros, canonical base64, the algorithm by its key_alg_name, so an
// accepted file re-encodes to the same text. Errors: bad_encoding naming the first bad field.
Result<ProviderKeyFile> parse_key_file(std::string_view text);
// The aad the private key is sealed under.
std::string key_file_aad(const ProviderKeyFile& f);

}  // namespace medsign::crypto::provider
