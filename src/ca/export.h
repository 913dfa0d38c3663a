// Export formats of the embedded CA: PEM, PKCS#7 certs-only ("degenerate" SignedData, .p7b) and PKCS#12
// (a private key with its certificate chain).
#pragma once

#include <span>
#include <string>
#include <string_view>

#include "common/bytes.h"
#include "common/error.h"
#include "pki/certificate.h"

namespace medsign::ca {

// PKCS#7 SignedData with no content and no signers, carrying `certs` (RFC 2315 §9.1 / RFC 5652 §5.2,
// what `openssl pkcs7 -print_certs` and Windows read as .p7b). DER.
Result<Bytes> pkcs7_certs_only(std::span<const pki::Certificate> certs);
// The certificates of a certs-only (or any) PKCS#7 SignedData.
Result<std::vector<pki::Certificate>> certificates_of_pkcs7(ByteView der);

// PKCS#12 with the key (PKCS#8 PrivateKeyInfo DER) and `chain` (leaf first), protected by `password`
// through OpenSSL's PKCS12_create with its 3.0 defaults: PBES2 (PBKDF2-HMAC-SHA256, AES-256-CBC) for the
// key and certificates, HMAC-SHA256 for the MAC. SM2 keys travel in the same container (their PKCS#8 names
// id-ecPublicKey with the sm2 curve), which OpenSSL 3 and GmSSL 3 read. Errors: invalid_argument for an
// empty or too short password (at least 8 characters) or a key not matching the leaf; crypto_error.
Result<Bytes> pkcs12(ByteView pkcs8, std::span<const pki::Certificate> chain, std::string_view password,
                     std::string_view friendly_name);

}  // namespace medsign::ca
