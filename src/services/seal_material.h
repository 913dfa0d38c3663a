// What a document signer (PDF signing, OFD later) needs from a seal: the picture, the key that signs, the
// certificate and its chain, the seal structure itself and the seal's content-protection default.
// SealService (services/seal_service.h) produces it after checking the seal's state, validity and the
// caller's authorisation; document signing consumes it and never looks into the seal tables itself.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "common/bytes.h"
#include "pki/certificate.h"

namespace medsign::services {

// DocMDP permission of a certification signature (ISO 32000-1 §12.8.2.2): none = approval signature.
enum class DocMdp { none = 0, no_changes = 1, form_fill = 2, annotations = 3 };

struct SealMaterial {
  std::string seal_id;        // esID
  std::string name;           // seal name (SES_ESPropertyInfo.name)
  int type = 1;               // 1 organisation seal, 2 personal seal
  Bytes picture;              // PNG (SES_ESPictrueInfo.data)
  std::string picture_type;   // "PNG"
  double width_mm = 40;       // display size
  double height_mm = 40;
  std::string key_name;       // soft key store name of the signing key (e.g. "sm2-sign")
  pki::Certificate certificate;   // signing certificate (bound to the seal)
  std::vector<Bytes> chain;       // issuer certificates (DER), nearest first
  Bytes eseal;                    // DER SESeal (GM/T 0031 v2 or GB/T 38540 v4), for SES_Signature
  int eseal_version = 4;          // 2 (GM/T 0031-2014) or 4 (GB/T 38540-2020)
  DocMdp docmdp = DocMdp::none;   // the seal's default; a request may override it
};

}  // namespace medsign::services
