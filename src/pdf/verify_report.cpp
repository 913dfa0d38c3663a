// The verification report as JSON (stable keys) and as readable English text.
#include <sstream>

#include <nlohmann/json.hpp>

#include "common/clock.h"
#include "pdf/verify.h"

namespace medsign::pdf {
namespace {

// Text taken from the PDF (names, strings, field names) may be any bytes: invalid UTF-8 sequences become
// U+FFFD so that the report always serialises.
std::string valid_utf8(const std::string& in) {
  std::string out;
  out.reserve(in.size());
  const auto* p = reinterpret_cast<const unsigned char*>(in.data());
  const std::size_t n = in.size();
  for (std::size_t i = 0; i < n;) {
    const unsigned char c = p[i];
    std::size_t len = c < 0x80 ? 1 : (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xe ? 3 : (c >> 3) == 0x1e ? 4 : 0;
    bool ok = len > 0 && i + len <= n;
    for (std::size_t k = 1; ok && k < len; ++k) ok = (p[i + k] & 0xc0) == 0x80;
    if (ok && len > 1) {
      std::uint32_t cp = c & (0x7f >> len);
      for (std::size_t k = 1; k < len; ++k) cp = cp << 6 | (p[i + k] & 0x3f);
      static constexpr std::uint32_t kMin[] = {0, 0, 0x80, 0x800, 0x10000};
      ok = cp >= kMin[len] && cp <= 0x10ffff && (cp < 0xd800 || cp > 0xdfff);
    }
    if (!ok) {
      out += "\xEF\xBF\xBD";
      ++i;
      continue;
    }
    out.append(in, i, len);
    i += len;
  }
  return out;
}

void make_valid_utf8(nlohmann::json& j) {
  if (j.is_string()) {
    j = valid_utf8(j.get<std::string>());
  } else if (j.is_structured()) {
    for (auto& v : j) make_valid_utf8(v);
  }
}

nlohmann::json cert_json(const CertificateSummary& c) {
  return {{"subject", c.subject},
          {"issuer", c.issuer},
          {"serial", c.serial_hex},
          {"sha256", c.sha256},
          {"algorithm", c.key_type},
          {"not_before", iso8601_millis(c.not_before_ms)},
          {"not_after", iso8601_millis(c.not_after_ms)}};
}

nlohmann::json status_json(const CertificateStatus& s) {
  nlohmann::json j = {{"status", s.status}, {"reason", s.reason}, {"detail", s.detail}};
  if (s.at_ms) j["validated_at"] = iso8601_millis(s.at_ms);
  auto chain = nlohmann::json::array();
  for (auto& c : s.chain) chain.push_back(cert_json(c));
  j["chain"] = chain;
  return j;
}

nlohmann::json signature_json(const SignatureReport& s) {
  nlohmann::json j = {{"field", s.field},
                      {"kind", s.kind},
                      {"status", s.status},
                      {"filter", s.filter},
                      {"sub_filter", s.sub_filter},
                      {"byte_range", s.byte_range},
                      {"byte_range_valid", s.byte_range_valid},
                      {"covers_whole_document", s.covers_whole_document},
                      {"revision", s.revision},
                      {"integrity", s.integrity},
                      {"flavor", s.flavor},
                      {"digest_algorithm", s.digest_algorithm},
                      {"certificate", status_json(s.certificate)},
                      {"time_source", s.time_source},
                      {"name", s.name},
                      {"reason", s.reason},
                      {"location", s.location},
                      {"contact_info", s.contact_info},
                      {"m", s.m},
                      {"ses", s.ses}};
  if (s.ses == "valid" || s.ses == "invalid") {
    j["ses_signature"] = {{"status", s.ses},
                          {"problem", s.ses_problem},
                          {"version", s.ses_version},
                          {"seal_id", s.ses_seal_id},
                          {"seal_name", s.ses_seal_name},
                          {"property_info", s.ses_property_info},
                          {"time", s.ses_time_ms ? nlohmann::json(iso8601_millis(*s.ses_time_ms))
                                                 : nlohmann::json(nullptr)}};
  }
  j["signer"] = s.signer ? cert_json(*s.signer) : nlohmann::json(nullptr);
  j["time"] = s.time_ms ? nlohmann::json(iso8601_millis(*s.time_ms)) : nlohmann::json(nullptr);
  nlohmann::json ts = {{"present", s.timestamp.present}, {"valid", s.timestamp.valid}, {"problem", s.timestamp.problem}};
  if (s.timestamp.present && s.timestamp.time_ms) {
    ts["time"] = iso8601_millis(s.timestamp.time_ms);
    ts["serial"] = s.timestamp.serial_hex;
    ts["hash_algorithm"] = s.timestamp.hash_algorithm;
  }
  if (s.timestamp.tsa) ts["tsa"] = cert_json(*s.timestamp.tsa);
  if (s.timestamp.present) ts["tsa_certificate"] = status_json(s.timestamp.tsa_certificate);
  j["timestamp"] = ts;
  j["docmdp_permission"] = s.docmdp_permission ? nlohmann::json(*s.docmdp_permission) : nlohmann::json(nullptr);
  auto changes = nlohmann::json::array();
  for (auto& c : s.changes_after)
    changes.push_back({{"object", c.object}, {"generation", c.generation}, {"kind", c.kind}, {"category", c.category},
                       {"description", c.description}});
  j["changes_after"] = changes;
  j["docmdp_violations"] = s.docmdp_violations;
  auto problems = nlohmann::json::array();
  for (auto& p : s.problems) problems.push_back({{"code", p.code}, {"message", p.message}});
  j["problems"] = problems;
  return j;
}

const char* permission_text(int p) {
  switch (p) {
    case 1: return "no changes";
    case 2: return "form filling and signing";
    default: return "form filling, signing and annotations";
  }
}

}  // namespace

nlohmann::json to_json(const VerifyReport& r) {
  auto sigs = nlohmann::json::array();
  for (auto& s : r.signatures) sigs.push_back(signature_json(s));
  nlohmann::json j = {{"status", r.status},
          {"file_size", r.file_size},
          {"revisions", r.revisions},
          {"encrypted", r.encrypted},
          {"policy", r.policy},
          {"verified_at", iso8601_millis(r.verified_at_ms)},
          {"signatures", sigs},
          {"warnings", r.warnings}};
  make_valid_utf8(j);
  return j;
}

std::string to_text(const VerifyReport& r) {
  std::ostringstream o;
  o << "Document: " << r.file_size << " bytes, " << r.revisions << " revision(s)"
    << (r.encrypted ? ", encrypted" : "") << "\n";
  o << "Verified at: " << iso8601_millis(r.verified_at_ms);
  if (!r.policy.empty()) o << " under policy " << r.policy;
  o << "\n";
  o << "Overall: " << r.status << " (" << r.signatures.size() << " signature(s))\n";
  int n = 0;
  for (auto& s : r.signatures) {
    o << "\nSignature " << ++n << ": " << (s.field.empty() ? "(unnamed field)" : s.field) << "\n";
    o << "  Status: " << s.status << "\n";
    o << "  Kind: " << s.kind;
    if (s.docmdp_permission) o << " (DocMDP P=" << *s.docmdp_permission << ": " << permission_text(*s.docmdp_permission) << ")";
    o << "\n";
    o << "  SubFilter: " << s.sub_filter << (s.flavor.empty() ? "" : ", CMS " + s.flavor)
      << (s.digest_algorithm.empty() ? "" : ", digest " + s.digest_algorithm) << "\n";
    o << "  Integrity: " << s.integrity << "\n";
    if (s.signer) o << "  Signer: " << s.signer->subject << "\n  Issuer: " << s.signer->issuer << "\n";
    o << "  Certificate: " << s.certificate.status;
    if (!s.certificate.reason.empty()) o << " (" << s.certificate.reason << ")";
    if (!s.certificate.detail.empty()) o << " — " << s.certificate.detail;
    o << "\n";
    if (s.time_ms) {
      o << "  Time: " << iso8601_millis(*s.time_ms);
      if (s.time_source == "timestamp") o << " (from the timestamp token)";
      else if (s.time_source == "claimed_signing_time") o << " (claimed by the signer: signingTime, not proven)";
      else o << " (claimed by the signer: /M, not proven)";
      o << "\n";
    } else {
      o << "  Time: none\n";
    }
    if (s.timestamp.present && s.kind != "document_timestamp")
      o << "  Timestamp: " << (s.timestamp.valid ? "valid" : "invalid")
        << (s.timestamp.problem.empty() ? "" : " — " + s.timestamp.problem) << "\n";
    if (!s.reason.empty()) o << "  Reason: " << s.reason << "\n";
    if (!s.location.empty()) o << "  Location: " << s.location << "\n";
    if (s.byte_range.size() == 4)
      o << "  ByteRange: [" << s.byte_range[0] << " " << s.byte_range[1] << " " << s.byte_range[2] << " "
        << s.byte_range[3] << "]\n";
    o << "  Revision: " << (s.revision ? std::to_string(s.revision) : std::string("(not a revision boundary)")) << " of "
      << r.revisions << "\n";
    o << "  Covers the whole document: " << (s.covers_whole_document ? "yes" : "no") << "\n";
    if (!s.changes_after.empty()) {
      o << "  Changes after signing:\n";
      for (auto& c : s.changes_after)
        o << "    " << c.kind << " " << c.category << ": " << c.description << " (object " << c.object << " "
          << c.generation << ")\n";
    }
    for (auto& v : s.docmdp_violations) o << "  DocMDP violation: " << v << "\n";
    if (s.ses != "none") {
      o << "  SES signature: " << s.ses;
      if (!s.ses_seal_id.empty() || !s.ses_seal_name.empty())
        o << " (seal " << s.ses_seal_id << " \"" << s.ses_seal_name << "\", v" << s.ses_version << ")";
      o << "\n";
      if (!s.ses_problem.empty()) o << "  SES problem: " << s.ses_problem << "\n";
    }
    for (auto& p : s.problems)
      if (p.code != "docmdp_violation") o << "  Problem [" << p.code << "]: " << p.message << "\n";
  }
  for (auto& w : r.warnings) o << "\nWarning: " << w << "\n";
  return valid_utf8(o.str());
}

}  // namespace medsign::pdf
