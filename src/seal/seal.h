// Secure electronic seals: SESeal and SES_Signature of GM/T 0031-2014 ("v2") and GB/T 38540-2020 (v4),
// DER encoding and strict decoding (STANDARDS.md §5). Signing and verification live in seal/sign.h.
//
// Version detection is structural, as readers in the field do it: an SESeal of 2 elements is the 2014
// format, 4 elements GB/T 38540; an SES_Signature of 2 elements is 2014, 4 or 5 elements GB/T 38540.
// The v5 draft (header version 5, SESeal with a 5th timeStamp element) is refused with a specific error.
//
// Leniency, where readers disagree (documented in docs/SEALS.md):
//   - v2 validity times: UTCTime or GeneralizedTime (we write UTCTime).
//   - v4 SES_Signature.timeStamp: [0] EXPLICIT BIT STRING (what we write) or an untagged BIT STRING.
//   - v2 timeInfo BIT STRING: we write the GeneralizedTime text "YYYYMMDDHHMMSSZ"; on reading, a DER
//     UTCTime/GeneralizedTime, or the text of either, gives `time_ms`; anything else (an RFC 3161 token)
//     is kept as raw bytes only.
// Everything else is strict DER; errors are seal_malformed / seal_signature_malformed with a detail that
// names the field.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "asn1/oid.h"
#include "common/bytes.h"
#include "common/error.h"

namespace medsign::seal {

inline constexpr int kVersion2014 = 2;  // GM/T 0031-2014
inline constexpr int kVersion38540 = 4;  // GB/T 38540-2020

// Limits on what a decoder accepts (beyond the input size itself).
inline constexpr std::size_t kMaxCerts = 64;
inline constexpr std::size_t kMaxExtensions = 64;

struct Header {
  std::string id = "ES";  // fixed
  int version = kVersion38540;
  std::string vid;        // vendor id
};

struct Picture {
  std::string type = "PNG";  // "PNG", "JPG", "GIF", "BMP", "SVG", ...
  Bytes data;
  std::int64_t width_mm = 40;
  std::int64_t height_mm = 40;
};

struct CertDigest {
  std::string type;  // digest algorithm label, e.g. "sm3"
  Bytes value;
};

enum class SealType { organisation = 1, personal = 2 };

struct Property {
  std::int64_t type = 1;  // 1 organisation, 2 personal (other values are kept as read)
  std::string name;
  // 1 = certificates (certs), 2 = certificate digests (cert_digests). v2 always uses certificates.
  std::int64_t cert_list_type = 1;
  std::vector<Bytes> certs;
  std::vector<CertDigest> cert_digests;
  std::int64_t create_ms = 0, valid_start_ms = 0, valid_end_ms = 0;
};

struct ExtData {
  asn1::Oid id;
  bool critical = false;
  Bytes value;
};

struct SealInfo {
  Header header;
  std::string es_id;
  Property property;
  Picture picture;
  std::vector<ExtData> ext_datas;  // empty = absent
};

// SESeal. For v2 the maker fields are SES_SignInfo's; for v4 they are SESeal's own.
struct Seal {
  int version = kVersion38540;  // structural: 2 or 4
  SealInfo info;
  Bytes maker_cert;             // DER
  asn1::Oid sign_alg;           // 1.2.156.10197.1.501 for SM2
  Bytes signature;              // DER signature value (BIT STRING contents)
  // Filled by decode_seal: the exact bytes read.
  Bytes info_der;               // DER SES_SealInfo
  Bytes der;                    // DER SESeal
};

// SES_Signature.
struct Signature {
  int version = kVersion38540;  // structural: 2 or 4
  std::int64_t tbs_version = kVersion38540;
  Seal eseal;
  // Signing time. v4: GeneralizedTime. v2: time_info bytes (see the header comment); time_ms is set when
  // they hold a time.
  std::optional<std::int64_t> time_ms;
  Bytes time_info;
  Bytes data_hash;
  std::string property_info;
  Bytes cert;            // signer certificate DER
  asn1::Oid sign_alg;
  std::vector<ExtData> ext_datas;  // v4 TBS_Sign [0] extDatas; empty = absent
  Bytes signature;       // DER signature value over DER(TBS_Sign)
  std::optional<Bytes> timestamp;  // v4: RFC 3161 token (ContentInfo DER) over the signature value
  bool timestamp_untagged = false;  // as read; we always write [0] EXPLICIT
  // Filled by decode_signature / encode_tbs.
  Bytes tbs_der;
  Bytes der;
};

// Structural version of DER SESeal / SES_Signature without a full decode (2, 4), or seal_malformed /
// seal_signature_malformed.
Result<int> detect_seal_version(ByteView der);
Result<int> detect_signature_version(ByteView der);

Result<Seal> decode_seal(ByteView der);
Result<Signature> decode_signature(ByteView der);

// DER SES_SealInfo for s.info in the layout of s.version.
Result<Bytes> encode_seal_info(const Seal& s);
// The bytes the maker signs: DER SEQUENCE { sealInfo, cert, signAlgID } in both versions (see
// docs/SEALS.md for the v4 reading). REQUIRES: info_der is DER SES_SealInfo.
Result<Bytes> maker_tbs(int version, ByteView info_der, ByteView maker_cert, const asn1::Oid& sign_alg);
// DER SESeal from s (info re-encoded from s.info).
Result<Bytes> encode_seal(const Seal& s);

// DER TBS_Sign and DER SES_Signature. The embedded SESeal is s.eseal.der when set, else encoded.
Result<Bytes> encode_tbs(const Signature& s);
Result<Bytes> encode_signature(const Signature& s);

}  // namespace medsign::seal
