// The sdf provider: a vendor's GM/T 0018-2012 library (include/medsign/sdf.h) loaded by path with dlopen.
//
// Loading resolves the functions every SDF device has (device, session, access right, random, hash,
// SM2 export/sign/verify); the others (RSA, SM2 encryption and decryption, the MedSign key-generation
// extension) are resolved on first use, so a library without them still serves what it has.
//
// Keys: SM2 (SGD_SM2, via the ECC functions) and RSA up to RSAref_MAX_BITS = 2048 (via the raw RSA
// functions; PKCS#1 v1.5, PSS and OAEP padding are done here). Labels do not exist in GM/T 0018; keys are
// found by index (list_keys probes 1..kSdfProbeLimit).
#pragma once

#include <string>

#include "crypto/provider/provider.h"

namespace medsign::crypto::provider {

inline constexpr std::uint32_t kSdfProbeLimit = 64;

// "SDR_KEYNOTEXIST" for 0x01000008; "SDR_0x........" for codes outside the standard.
std::string sdr_name(int code);
// The Error for a failed call: key_not_found, key_access_denied, algorithm_unsupported, bad_signature,
// decrypt_failed, invalid_argument or provider_device_error; detail "<fn>: <SDR name> (0x........)".
Error sdr_error(std::string_view function, int code);

// GM/T 0018 structures as a device fills them, given as their raw bytes (packed layout of sdf.h), decoded
// into MedSign's forms. Errors: bad_encoding (wrong size, values wider than the key, L beyond the buffer,
// a point not on the curve), algorithm_unsupported (bits other than 256 for ECC).
Result<Bytes> spki_from_ecc_public_bytes(ByteView ecc_ref_public_key);    // ECCrefPublicKey → SPKI
Result<Bytes> spki_from_rsa_public_bytes(ByteView rsa_ref_public_key);    // RSArefPublicKey → SPKI
Result<Bytes> der_signature_from_ecc_bytes(ByteView ecc_signature);       // ECCSignature → DER
Result<Bytes> sm2_ciphertext_der_from_ecc_bytes(ByteView ecc_cipher);     // ECCCipher (+ C2) → SM2Cipher DER

// Errors: provider_library_missing (dlopen failed; the detail names the path and dlerror),
// provider_symbol_missing (names the function), provider_device_error (SDF_OpenDevice failed).
Result<std::unique_ptr<Provider>> open_sdf_provider(const std::string& library_path);

}  // namespace medsign::crypto::provider
