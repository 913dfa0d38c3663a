// GM/T 0029 operations as the standard's request/response messages: one function that answers an
// svs::Request for a caller, shared by the Annex A binary transports (TCP, UDP) and the Annex B/C HTTP
// forms. The answer is handed over once the call's log row has committed.
//
// Mapping choices (docs/SVS.md):
//   - the caller is the application registered for the source address (the binary protocol carries no
//     credentials); none → GM_ERROR_BASE;
//   - signMethod must fit the key: SGD_SM3_SM2 (0x00020201, also 0x00020101 as some libraries derive it)
//     for SM2 keys; SGD_SHA256_RSA (0x00010004) for RSA keys (other methods: GM_ERROR_SIGN_METHOD);
//   - verifySignedData type 2 (serial number) finds the certificate among the server's signing keys;
//   - ValidateCert state: 0 good, 1 revoked; other failures answer with their Annex D code;
//   - the Init/Update/Final families carry the running hash in hashValue (svs/hash_state.h): *Init starts
//     it (SM3 for SM3 methods, SHA-256 for SGD_SHA256_RSA; for the *Data* families with an SM3 method and
//     signerPublicKey, Z(signerID) comes first), *Update extends it, *Final signs or verifies its digest
//     (a plain digest of the hash size is accepted as hashValue too). The *Message* families hash the
//     content only (the CMS messageDigest); their Final produces/verifies a detached SignedData.
#pragma once

#include <functional>

#include "services/svs.h"
#include "svs/hash_state.h"
#include "svs/message.h"

namespace medsign::services {

using SvsAnswer = std::function<void(svs::Response)>;

// Handles a decoded request. `answer` runs exactly once (on the log writer's thread or the caller's).
void svs_handle(SvsService& svs, const svs::Request& req, const std::string& source, SvsAnswer answer);

// Decodes `der` and handles it; a message that does not decode is answered with GM_INVALID_DATA_FORMAT
// (type exportCert when even the type is unknown). `answer` gets the encoded SVSRespond.
void svs_handle_der(SvsService& svs, ByteView der, const std::string& source, std::function<void(Bytes)> answer);

// The hash an SGD_* signMethod uses: SM3 for SGD_SM3_SM2 (0x00020201, 0x00020101) and SGD_SM3_RSA
// (0x00010001), SHA-256 for SGD_SHA256_RSA (0x00010004). invalid_argument for other methods.
Result<svs::StateHash> method_hash(std::int64_t sign_method);
// A fresh running hash for a signMethod; with an SM2 signer public key (64 bytes X||Y, an encoded point
// or a SubjectPublicKeyInfo DER), Z(signer_id, default "1234567812345678") is hashed first.
Result<svs::HashState> start_hash(std::int64_t sign_method, std::optional<ByteView> signer_public_key,
                                  std::optional<ByteView> signer_id);
// Z(signer_id) of GB/T 32918.2 for an SM2 public key (64 bytes X||Y, an encoded point or SPKI DER).
Result<Bytes> sm2_z(ByteView public_key, std::optional<ByteView> signer_id = std::nullopt);
// The digest an hashValue stands for: a state's digest, or a finished digest of the method's size.
Result<Bytes> final_digest(std::int64_t sign_method, ByteView hash_value);

// The SGD_CERT_* item of a certificate for ParseCert; not_found for an item the certificate lacks,
// invalid_argument for an unknown item code.
Result<Bytes> certificate_item(const pki::Certificate& cert, std::int64_t info_type);

}  // namespace medsign::services
