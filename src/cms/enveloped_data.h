// CMS / PKCS#7 EnvelopedData (digital envelopes) with key-transport recipients:
//   - GM/T 0010: SM2 key transport (sm2encrypt, the content key as a DER SM2Cipher) and SM4-CBC;
//   - RFC 5652: RSA key transport (RSAES-OAEP with SHA-256, or PKCS#1 v1.5 when asked) and AES-CBC.
// A recipient is named by issuerAndSerialNumber. Decryption takes a KeyDecryptFunction, so the private
// key may stay in any crypto provider.
#pragma once

#include <functional>
#include <optional>
#include <span>
#include <vector>

#include <openssl/evp.h>

#include "asn1/oid.h"
#include "cms/signed_data.h"
#include "pki/certificate.h"

namespace medsign::cms {

enum class ContentCipher { sm4_cbc, aes128_cbc, aes256_cbc };
enum class RsaKeyTransport { oaep_sha256, pkcs1_v15 };

struct EnvelopeRequest {
  Flavor flavor = Flavor::rfc5652;
  ContentCipher cipher = ContentCipher::aes256_cbc;
  RsaKeyTransport rsa_padding = RsaKeyTransport::oaep_sha256;
  ByteView content;
};

// Encrypts to every recipient certificate (SM2 or RSA keys). The ContentInfo DER.
Result<Bytes> envelope(const EnvelopeRequest& request, std::span<const pki::Certificate> recipients);

struct RecipientInfo {
  Bytes issuer_der, serial;  // issuerAndSerialNumber (empty when named by key id)
  Bytes subject_key_id;
  asn1::Oid key_encryption_oid;
  Bytes key_encryption_params;  // DER of the parameters, empty when absent
  Bytes encrypted_key;
};

struct EnvelopedData {
  Flavor flavor = Flavor::rfc5652;
  int version = 0;
  std::vector<RecipientInfo> recipients;
  asn1::Oid content_type;
  ContentCipher cipher = ContentCipher::aes256_cbc;
  Bytes iv;
  Bytes encrypted_content;
  // The recipient entry for a certificate, or nullptr.
  const RecipientInfo* find(const pki::Certificate& cert) const;
};

Result<EnvelopedData> parse_enveloped_data(ByteView content_info_der);

// Recovers the content-encryption key from a RecipientInfo with the recipient's private key.
using KeyDecryptFunction = std::function<Result<SecretBytes>(const RecipientInfo& ri)>;

// Decrypts an RSA-wrapped content key with an OpenSSL key: PKCS#1 v1.5 (rsaEncryption) or RSAES-OAEP with
// the hash and MGF1 hash its parameters name (SHA-1 by default, as RFC 3560 says).
Result<SecretBytes> decrypt_key_rsa(const RecipientInfo& ri, EVP_PKEY* key);

// Errors: not_found when `me` is not a recipient, decrypt_failed when the key or the content does not
// decrypt (wrong key, altered envelope, bad padding).
Result<SecretBytes> open_envelope(const EnvelopedData& env, const pki::Certificate& me, const KeyDecryptFunction& decrypt_key);

}  // namespace medsign::cms
