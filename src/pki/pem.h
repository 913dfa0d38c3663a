// PEM armour (RFC 7468): "-----BEGIN LABEL-----", Base64 lines, "-----END LABEL-----".
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "common/bytes.h"
#include "common/error.h"

namespace medsign::pki {

struct PemBlock {
  std::string label;  // e.g. "CERTIFICATE"
  Bytes der;
};

// Every block in `text`, in order; text between blocks is ignored (as OpenSSL does, so `openssl x509
// -text` output and bundles with comments load). Errors: bad_encoding for a BEGIN without a matching
// END, mismatched labels, invalid Base64, or no block at all.
Result<std::vector<PemBlock>> pem_decode(std::string_view text);

// 64-character lines, "\n" line ends, trailing newline.
std::string pem_encode(std::string_view label, ByteView der);

}  // namespace medsign::pki
