// The pkcs11 provider: a PKCS#11 v2.40 module (e.g. SoftHSM2's libsofthsm2.so, a vendor HSM's module)
// loaded by path with dlopen, through p11-kit's standard pkcs11.h.
//
// The token is chosen by label (or slot id); the user PIN logs the whole token in (PKCS#11 has no per-key
// passwords): at session open when ProviderConfig::pin is set, or by get_private_key_access_right.
// A key index N is the key pair whose CKA_ID is N as 4 big-endian bytes; labels are CKA_LABEL. Keys are
// generated on the token (CKA_TOKEN, CKA_SENSITIVE, not CKA_EXTRACTABLE): RSA 2048/3072/4096, EC P-256 and
// P-384. Signatures: CKM_ECDSA on the digest (r||s converted to DER), CKM_RSA_PKCS on a DigestInfo,
// CKM_RSA_PKCS_PSS; decryption: CKM_RSA_PKCS_OAEP (SHA-256) and CKM_RSA_PKCS.
#pragma once

#include <string>

#include "crypto/provider/provider.h"

namespace medsign::crypto::provider {

// "CKR_PIN_INCORRECT" for 0xA0; "CKR_0x..." for codes not in the table.
std::string ckr_name(unsigned long rv);

// Errors: provider_library_missing, provider_symbol_missing (no C_GetFunctionList), provider_device_error
// (C_Initialize failed), key_not_found (no token with that label or slot).
Result<std::unique_ptr<Provider>> open_pkcs11_provider(const ProviderConfig& cfg);

// SPKI DER from a token's CKA_EC_PARAMS (a named-curve OID: P-256, P-384 or SM2) and CKA_EC_POINT (the
// point, DER OCTET STRING-wrapped as the standard says or raw as some modules return it).
// Errors: bad_encoding, algorithm_unsupported (another curve).
Result<Bytes> spki_from_pkcs11_ec(ByteView ec_params, ByteView ec_point);

}  // namespace medsign::crypto::provider
