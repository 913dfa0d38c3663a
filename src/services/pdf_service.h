// Signing PDF documents with a seal (issue 7): the use case behind `medsign pdf sign|prepare|embed` and
// /api/v1/pdf/sign and /sign-digest. The seal arrives as SealMaterial (from SealService::for_signing, or built
// from a key-store key and a picture); its key signs through the soft key store. Every signing is audited
// with the seal, the document's SHA-256, the pages stamped and the result; the document itself is never kept.
#pragma once

#include <filesystem>
#include <functional>
#include <optional>
#include <string>

#include "crypto/soft/keystore.h"
#include "pdf/pades.h"
#include "pdf/signature.h"
#include "services/audit_log.h"
#include "services/seal_material.h"

namespace medsign::services {

struct PdfSignOptions {
  pdf::Placement placement;
  std::optional<DocMdp> certify;  // nullopt: the seal's default
  bool timestamp = false;         // PAdES B-T through `timestamp_source`
  bool visible = true;
  std::string reason, location;
  std::size_t placeholder_bytes = 0;  // 0: computed from the chain and the timestamp
  // Also carry a GB/T 38540 / GM/T 0031 SES_Signature (the seal's version, dataHash = SM3 of the ByteRange,
  // propertyInfo "pdf:<field>") as an unsigned attribute of the CMS. SM2 seals with an SESeal only.
  bool ses = false;
};

struct PdfSignResult {
  pdf::Prepared prepared;
  std::string input_sha256;   // hex, of the document as received
  std::string output_sha256;  // hex, of the signed document
};

// Who asked, for the audit log.
struct PdfActor {
  std::string actor = "cli", role = "cli", source = "cli";
};

class PdfService {
 public:
  // `timestamp_source`: gives a token for a DER TimeStampReq (our TSA); may be empty (then B-T fails).
  PdfService(const crypto::SoftKeyStore& keys, AuditLog* audit, pdf::TimestampFunction timestamp_source);

  Result<PdfSignResult> sign(const SealMaterial& seal, const std::filesystem::path& in, const std::filesystem::path& out,
                             const PdfSignOptions& o, const PdfActor& who) const;

  // Distributed stamping: the CMS for a ByteRange digest computed by the caller (SM3 for SM2 seals, else
  // SHA-256). Errors: invalid_argument when the digest does not fit the seal's algorithm.
  Result<Bytes> sign_digest(const SealMaterial& seal, ByteView digest, bool timestamp, const PdfActor& who) const;

  // The signer of a seal: its key from the key store, its certificate and chain.
  Result<pdf::PadesSigner> signer_for(const SealMaterial& seal) const;

 private:
  const crypto::SoftKeyStore& keys_;
  AuditLog* audit_;
  pdf::TimestampFunction timestamp_;
  void audit(const PdfActor& who, const char* action, const std::string& target, bool ok, const std::string& detail) const;
};

// SealMaterial for a key-store key (certificate chain from the store) and a picture file, for use before or
// without seal objects. Errors: key_not_found, image errors.
Result<SealMaterial> material_from_key(const crypto::SoftKeyStore& keys, const std::string& key_name, Bytes picture,
                                       double width_mm = 40, double height_mm = 40);

// "none" | "no-changes" | "form-fill" | "annotations".
Result<DocMdp> parse_certify(std::string_view s);

}  // namespace medsign::services
