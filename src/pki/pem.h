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

// Parses every block labelled `label` (or `alt_label`) with T::parse_der; errors name the block number.
// bad_encoding when there is none. `what` names the objects in messages ("certificate", "CRL").
template <typename T>
Result<std::vector<T>> pem_decode_all(std::string_view text, std::string_view label, std::string_view alt_label,
                                      std::string_view what) {
  MEDSIGN_ASSIGN(std::vector<PemBlock> blocks, pem_decode(text));
  std::vector<T> out;
  for (const PemBlock& b : blocks) {
    if (b.label != label && b.label != alt_label) continue;
    auto parsed = T::parse_der(b.der);
    if (!parsed) {
      std::string msg = "PEM ";
      msg.append(what);
      msg.push_back(' ');
      msg.append(std::to_string(out.size() + 1));
      msg.append(": ");
      msg.append(parsed.error().detail);
      return Error(parsed.error().code, msg);
    }
    out.push_back(std::move(parsed).value());
  }
  if (out.empty()) {
    std::string msg = "PEM: no ";
    msg.append(label);
    msg.append(" block");
    return Error(Errc::bad_encoding, msg);
  }
  return out;
}

// 64-character lines, "\n" line ends, trailing newline.
std::string pem_encode(std::string_view label, ByteView der);

}  // namespace medsign::pki
