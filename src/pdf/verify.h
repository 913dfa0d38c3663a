// Verification of every signature in a PDF, whoever produced it (ISO 32000-1 §12.8, ETSI EN 319 142 PAdES).
//
// For each signature dictionary reachable from the AcroForm fields (kids included) or from a widget
// annotation of a page: the /SubFilter (adbe.pkcs7.detached, ETSI.CAdES.detached, ETSI.RFC3161 document
// timestamps; adbe.pkcs7.sha1 is reported as unsupported), the /ByteRange against the file, the digest of the
// ranges, the CMS signature (RFC 5652 or GM/T 0010) and its messageDigest, the signer's certificate through
// the caller's CertificateCheck, the time (from a signature timestamp token whose imprint covers the
// signature value, else the claimed signingTime or /M, marked as claimed), the revision covered, the changes
// made in later revisions, and DocMDP violations of a certification signature (ISO 32000-1 §12.8.2.2).
//
// A signature that does not verify is a result, not an error: verify_pdf fails only when the bytes are not
// a PDF qpdf can open (pdf_malformed). The input is never modified.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "common/bytes.h"
#include "common/error.h"
#include "pki/certificate.h"
#include "pki/validation.h"

namespace medsign::pdf {

// Decides whether a certificate is trusted at a time. `bundled` are the other certificates the signature
// carries (candidate intermediates). The verifier calls it for signers and timestamp authorities.
using CertificateCheck = std::function<pki::ValidationResult(const pki::Certificate& cert,
                                                             std::span<const pki::Certificate> bundled,
                                                             std::int64_t at_ms)>;

// A CertificateCheck over fixed trust anchors (no CRLs, any purpose); the bundled certificates serve as
// intermediates.
CertificateCheck anchors_check(std::vector<pki::Certificate> anchors);

struct VerifyOptions {
  CertificateCheck check;   // empty: certificates are reported but not judged ("not_checked")
  std::string policy_name;  // shown in the report (e.g. the PKI policy behind `check`)
  std::optional<std::int64_t> now_ms;  // default: the current time
};

// A stable machine code and an English sentence.
struct Problem {
  std::string code;  // byte_range_invalid, contents_invalid, cms_malformed, digest_mismatch, signature_invalid,
                     // certificate_missing, unsupported_subfilter, ses_unsupported, timestamp_invalid,
                     // docmdp_violation, not_whole_document, ses_invalid
  std::string message;
};

struct CertificateSummary {
  std::string subject, issuer, serial_hex, sha256, key_type;
  std::int64_t not_before_ms = 0, not_after_ms = 0;
};
CertificateSummary summarize(const pki::Certificate& c);

struct CertificateStatus {
  std::string status = "not_checked";  // "valid", "invalid", "not_checked"
  std::string reason;                  // pki::ValidationReason name when checked
  std::string detail;
  std::int64_t at_ms = 0;              // the time the certificate was validated at
  std::vector<CertificateSummary> chain;
};

struct TimestampReport {
  bool present = false;
  bool valid = false;  // token signature, ESS signing certificate and imprint all check
  std::string problem;
  std::int64_t time_ms = 0;
  std::string serial_hex, hash_algorithm;
  std::optional<CertificateSummary> tsa;
  CertificateStatus tsa_certificate;
};

// One object of a later revision that differs from the signed revision.
struct Change {
  int object = 0, generation = 0;
  std::string kind;      // "added", "changed", "removed"
  std::string category;  // "signature", "form_field", "annotation", "structure", "metadata", "resource", "other"
  std::string description;
};

struct SignatureReport {
  std::string field;  // fully qualified field name
  std::string kind;   // "approval", "certification", "document_timestamp"
  std::string filter, sub_filter;
  std::vector<std::int64_t> byte_range;
  bool byte_range_valid = false;
  bool covers_whole_document = false;
  int revision = 0;  // 1-based revision the signature ends with; 0 when its end is no revision boundary
  std::string flavor;             // "rfc5652", "gmt0010"
  std::string digest_algorithm;   // of the signer
  std::string integrity = "invalid";  // "valid", "invalid", "unknown" (could not be checked)
  std::optional<CertificateSummary> signer;
  CertificateStatus certificate;
  TimestampReport timestamp;
  std::optional<std::int64_t> time_ms;
  std::string time_source;  // "timestamp", "claimed_signing_time", "claimed_m", "none"
  std::string name, reason, location, contact_info, m;
  std::optional<int> docmdp_permission;  // 1, 2 or 3 for a certification signature
  std::vector<Change> changes_after;     // objects of later revisions
  std::vector<std::string> docmdp_violations;
  // GB/T 38540 / GM/T 0031 SES_Signature carried in the CMS (unsigned attribute sesSignature, docs/PDF.md):
  // "none", "valid", "invalid" (ses_problem says why), "unsupported" (Contents is not a CMS).
  std::string ses = "none";
  std::string ses_problem;
  int ses_version = 0;                     // 2 or 4
  std::string ses_seal_id, ses_seal_name;  // esID and name of the SESeal
  std::string ses_property_info;
  std::optional<std::int64_t> ses_time_ms;  // SES signing time (timeInfo)
  std::vector<Problem> problems;
  std::string status = "invalid";  // "valid", "invalid", "indeterminate" (integrity ok, trust not established)
};

struct VerifyReport {
  std::size_t file_size = 0;
  int revisions = 0;
  bool encrypted = false;
  std::string policy;
  std::int64_t verified_at_ms = 0;
  std::vector<SignatureReport> signatures;  // in the order they were applied (ByteRange end)
  std::vector<std::string> warnings;
  // "valid" when every signature is valid, "invalid" when any is invalid, "indeterminate" otherwise,
  // "unsigned" when there is none.
  std::string status = "unsigned";
};

// Verifies every signature of the PDF in `file`. Errors: pdf_malformed (not a PDF, or one qpdf cannot open).
Result<VerifyReport> verify_pdf(ByteView file, const VerifyOptions& options = {});

// JSON with stable keys (docs/PDF.md "Verification") and a readable English report.
nlohmann::json to_json(const VerifyReport& r);
std::string to_text(const VerifyReport& r);

}  // namespace medsign::pdf
