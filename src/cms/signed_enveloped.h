// GM/T 0010 signedAndEnvelopedData (PKCS#7 §11 shape with the 1.2.156.10197.6.1.4.2.4 content type):
// content signed by one or more signers (SM2 with SM3, signed attributes as in SignedData) and encrypted
// to one or more recipients (SM2 key transport, SM4-CBC), in one structure:
//   SignedAndEnvelopedData ::= SEQUENCE { version INTEGER (1), recipientInfos, digestAlgorithms,
//     encryptedContentInfo, certificates [0] IMPLICIT OPTIONAL, crls [1] IMPLICIT OPTIONAL, signerInfos }
// As GmSSL does, the signatures are over the plaintext and are not themselves encrypted with the content
// key (RFC 2315 §11.1 would encrypt the digest too; GM/T 0010 products do not). The PKCS#7 content type
// 1.2.840.113549.1.7.4 is accepted when opening.
#pragma once

#include <span>
#include <vector>

#include "cms/enveloped_data.h"
#include "cms/signed_data.h"

namespace medsign::cms {

struct SignedEnvelopeRequest {
  ByteView content;
  bool include_signer_certificates = true;
  std::vector<Bytes> extra_certificates;  // DER
  ContentCipher cipher = ContentCipher::sm4_cbc;
};

// The ContentInfo DER. Errors: invalid_argument (no signer / recipient, unsuitable keys).
Result<Bytes> sign_and_envelope(const SignedEnvelopeRequest& request, std::span<const SignerSpec> signers,
                                std::span<const pki::Certificate> recipients);

struct OpenedSignedEnvelope {
  SecretBytes content;
  SignedData signed_data;                    // the signing half, with the decrypted content
  std::vector<SignerVerification> signers;   // one per signer; ok says whether its signature verifies
};

// Decrypts with the recipient `me` and checks every signature (as verify_signatures does). Errors:
// bad_encoding for malformed input, not_found when `me` is not a recipient, decrypt_failed. A signature
// that does not verify is reported in `signers`, not as an error.
Result<OpenedSignedEnvelope> open_signed_envelope(ByteView content_info_der, const pki::Certificate& me,
                                                  const KeyDecryptFunction& decrypt_key,
                                                  std::span<const pki::Certificate> extra = {});

}  // namespace medsign::cms
