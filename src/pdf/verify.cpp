#include "pdf/verify.h"

#include <algorithm>
#include <exception>
#include <map>
#include <set>

#include <qpdf/QPDFExc.hh>

#include "asn1/oids.h"
#include "cms/signed_data.h"
#include "common/clock.h"
#include "pdf/verify_byte_range.h"
#include "pdf/pades.h"
#include "pdf/verify_internal.h"
#include "seal/sign.h"
#include "tsp/timestamp_issuer.h"

namespace medsign::pdf {
namespace {

constexpr int kMaxFieldDepth = 32;
constexpr std::size_t kMaxFields = 10000;

struct Found {
  QPDFObjectHandle sig;
  std::string field;
};

// Signature dictionaries of the AcroForm fields (kids included) and of page widgets, each once.
class SignatureFinder {
 public:
  explicit SignatureFinder(QPDF& q) : q_(q) {}

  std::vector<Found> run() {
    QPDFObjectHandle af = q_.getRoot().getKey("/AcroForm");
    if (af.isDictionary()) {
      QPDFObjectHandle fields = af.getKey("/Fields");
      if (fields.isArray())
        for (auto& f : fields.getArrayAsVector()) visit_field(f, "", "", 0);
    }
    // Widgets reachable from pages but missing from /Fields.
    QPDFObjectHandle pages = q_.getRoot().getKey("/Pages");
    visit_pages(pages, 0);
    return std::move(out_);
  }

 private:
  void visit_pages(QPDFObjectHandle node, int depth) {
    if (depth > kMaxFieldDepth || !node.isDictionary() || out_.size() > kMaxFields) return;
    if (node.isIndirect() && !pages_seen_.insert(node.getObjGen()).second) return;
    QPDFObjectHandle kids = node.getKey("/Kids");
    if (kids.isArray()) {
      for (auto& k : kids.getArrayAsVector()) visit_pages(k, depth + 1);
      return;
    }
    QPDFObjectHandle annots = node.getKey("/Annots");
    if (!annots.isArray()) return;
    for (auto& a : annots.getArrayAsVector()) {
      if (!a.isDictionary() || a.getKey("/Subtype").unparseResolved() != "/Widget") continue;
      // Climb to the top of the field to name it.
      std::vector<QPDFObjectHandle> chain{a};
      for (int i = 0; i < kMaxFieldDepth && chain.back().getKey("/Parent").isDictionary(); ++i)
        chain.push_back(chain.back().getKey("/Parent"));
      std::string name, ft;
      for (auto it = chain.rbegin(); it != chain.rend(); ++it) {
        std::string t = detail::text_of(it->getKey("/T"));
        if (!t.empty()) name = name.empty() ? t : name + "." + t;
        if (it->hasKey("/FT")) ft = it->getKey("/FT").unparseResolved();
      }
      if (ft != "/Sig") continue;
      for (auto& n : chain)
        if (n.getKey("/V").isDictionary()) {
          add(n.getKey("/V"), name);
          break;
        }
    }
  }

  void visit_field(QPDFObjectHandle f, const std::string& parent_name, std::string ft, int depth) {
    if (depth > kMaxFieldDepth || !f.isDictionary() || out_.size() > kMaxFields) return;
    if (f.isIndirect() && !fields_seen_.insert(f.getObjGen()).second) return;
    std::string t = detail::text_of(f.getKey("/T"));
    std::string name = parent_name.empty() ? t : (t.empty() ? parent_name : parent_name + "." + t);
    if (f.hasKey("/FT")) ft = f.getKey("/FT").unparseResolved();
    if (ft == "/Sig" && f.getKey("/V").isDictionary()) add(f.getKey("/V"), name);
    QPDFObjectHandle kids = f.getKey("/Kids");
    if (kids.isArray())
      for (auto& k : kids.getArrayAsVector()) visit_field(k, name, ft, depth + 1);
  }

  void add(QPDFObjectHandle sig, const std::string& name) {
    if (sig.isIndirect() && !sigs_seen_.insert(sig.getObjGen()).second) return;
    out_.push_back({sig, name});
  }

  QPDF& q_;
  std::set<QPDFObjGen> fields_seen_, pages_seen_, sigs_seen_;
  std::vector<Found> out_;
};

crypto::HashAlg hash_alg(cms::DigestAlgorithm d) {
  switch (d) {
    case cms::DigestAlgorithm::sm3: return crypto::HashAlg::sm3;
    case cms::DigestAlgorithm::sha256: return crypto::HashAlg::sha256;
    case cms::DigestAlgorithm::sha384: return crypto::HashAlg::sha384;
    case cms::DigestAlgorithm::sha512: return crypto::HashAlg::sha512;
  }
  return crypto::HashAlg::sha256;
}

void problem(SignatureReport& s, const char* code, std::string message) { s.problems.push_back({code, std::move(message)}); }

CertificateStatus check_certificate(const VerifyOptions& o, const pki::Certificate& cert,
                                    std::span<const pki::Certificate> bundled, std::int64_t at_ms) {
  CertificateStatus st;
  st.at_ms = at_ms;
  if (!o.check) return st;
  pki::ValidationResult r = o.check(cert, bundled, at_ms);
  st.status = r.ok ? "valid" : "invalid";
  st.reason = std::string(pki::to_string(r.reason));
  st.detail = r.detail;
  for (auto& c : r.chain)
    if (c) st.chain.push_back(summarize(*c));
  return st;
}

// The timestamp token of a signer (id-aa-timeStampToken), whose imprint must cover the signature value.
void check_signature_timestamp(const cms::SignerInfo& si, const cms::SignedData& sd, const VerifyOptions& o,
                               SignatureReport& s) {
  const cms::Attribute* a = si.find_unsigned(asn1::oid::kTimeStampToken);
  if (!a || a->values.empty()) return;
  s.timestamp.present = true;
  auto v = tsp::verify_token(a->values.front(), sd.certificates);
  if (!v) {
    s.timestamp.problem = v.error().detail;
    problem(s, "timestamp_invalid", "the signature timestamp token is malformed: " + v.error().detail);
    return;
  }
  s.timestamp.time_ms = v->tst.gen_time_ms;
  s.timestamp.serial_hex = hex_encode(v->tst.serial);
  s.timestamp.hash_algorithm = std::string(cms::digest_name(v->tst.imprint.algorithm));
  if (v->signer) s.timestamp.tsa = summarize(*v->signer);
  bool ok = v->ok;
  s.timestamp.problem = v->problem;
  if (ok && cms::digest(v->tst.imprint.algorithm, si.signature) != v->tst.imprint.hashed_message) {
    ok = false;
    s.timestamp.problem = "the token's imprint does not match the signature value";
  }
  s.timestamp.valid = ok;
  if (!ok) {
    problem(s, "timestamp_invalid", "the signature timestamp does not verify: " + s.timestamp.problem);
    return;
  }
  if (v->signer) s.timestamp.tsa_certificate = check_certificate(o, *v->signer, sd.certificates, v->tst.gen_time_ms);
}

// The SES_Signature of the unsigned attribute sesSignature: GB/T 38540 verification steps (1)-(6) with the SM3
// digest of the ByteRange as the document hash (5), made by the CMS signer. Certificates are checked for their
// validity period here; trust in the signer is the CMS signer's (same certificate).
void check_ses_signature(ByteView file, const cms::SignerInfo& si, const std::optional<pki::Certificate>& cms_signer,
                         std::int64_t now_ms, SignatureReport& s) {
  const cms::Attribute* a = si.find_unsigned(kSesSignatureAttr);
  if (!a) return;
  auto fail = [&](std::string why) {
    s.ses = "invalid";
    s.ses_problem = why;
    problem(s, "ses_invalid", "the SES_Signature does not verify: " + why);
  };
  if (a->values.size() != 1) return fail("the attribute must hold exactly one SES_Signature");
  auto ses = seal::decode_signature(a->values.front());
  if (!ses) return fail(ses.error().detail);
  s.ses_version = ses->version;
  s.ses_seal_id = ses->eseal.info.es_id;
  s.ses_seal_name = ses->eseal.info.property.name;
  s.ses_property_info = ses->property_info;
  s.ses_time_ms = ses->time_ms;
  if (!cms_signer || cms_signer->der() != ses->cert)
    return fail("its signer certificate is not the CMS signer's certificate");
  seal::SignatureCheck check;
  check.document_hash = digest_byte_ranges(crypto::HashAlg::sm3, s.byte_range, file);
  check.now_ms = now_ms;
  auto v = seal::verify_signature(*ses, check);
  if (!v) return fail(std::string(v.error().code_name()).append(": ").append(v.error().detail));
  s.ses = "valid";
}

// Checks the CMS of an adbe.pkcs7.detached / ETSI.CAdES.detached signature.
void check_cms_signature(ByteView file, ByteView cms_der, const VerifyOptions& o, std::int64_t now_ms,
                         SignatureReport& s) {
  auto sd = cms::parse_signed_data(cms_der);
  if (!sd) {
    problem(s, "cms_malformed", "the Contents is not a CMS SignedData: " + sd.error().detail);
    s.ses = "unsupported";
    problem(s, "ses_unsupported", "a GM/T 0031 SES_Signature in Contents is not supported by this build");
    s.integrity = "unknown";
    return;
  }
  s.flavor = sd->flavor == cms::Flavor::gmt0010 ? "gmt0010" : "rfc5652";
  if (sd->signers.size() != 1) {
    problem(s, "cms_malformed", "the CMS has " + std::to_string(sd->signers.size()) + " signers; a PDF signature has one");
    if (sd->signers.empty()) return;
  }
  const cms::SignerInfo& si = sd->signers.front();
  s.digest_algorithm = std::string(cms::digest_name(si.digest));
  if (sd->content) {
    problem(s, "cms_malformed", "the CMS encapsulates content; a detached signature over the ByteRange is required");
    return;
  }
  Result<std::vector<cms::SignerVerification>> checks = Error(Errc::internal);
  if (!si.signed_attributes_der.empty()) {
    cms::ContentDigest cd{si.digest, digest_byte_ranges(hash_alg(si.digest), s.byte_range, file)};
    if (si.message_digest && *si.message_digest != cd.value) {
      s.integrity = "invalid";
      problem(s, "digest_mismatch", "digest mismatch: the signed bytes were changed after signing");
    }
    checks = cms::verify_signatures(*sd, cd);
  } else {
    // Without signed attributes the signature is over the ranges themselves.
    Bytes content;
    content.reserve(static_cast<std::size_t>(s.byte_range[1] + s.byte_range[3]));
    content.insert(content.end(), file.begin(), file.begin() + s.byte_range[1]);
    content.insert(content.end(), file.begin() + s.byte_range[2], file.begin() + s.byte_range[2] + s.byte_range[3]);
    checks = cms::verify_signatures(*sd, ByteView(content));
  }
  if (!checks) {
    problem(s, "cms_malformed", checks.error().detail);
    return;
  }
  const cms::SignerVerification& c = checks->front();
  if (c.certificate) s.signer = summarize(*c.certificate);
  check_ses_signature(file, si, c.certificate, now_ms, s);
  if (!c.ok) {
    if (s.problems.empty() || s.problems.back().code != "digest_mismatch") {
      if (!c.certificate) problem(s, "certificate_missing", c.problem);
      else problem(s, "signature_invalid", "the signature does not verify: " + c.problem);
    }
    s.integrity = "invalid";
    return;
  }
  s.integrity = "valid";
  if (si.signing_time_ms) {
    s.time_ms = si.signing_time_ms;
    s.time_source = "claimed_signing_time";
  }
  check_signature_timestamp(si, *sd, o, s);
  if (s.timestamp.valid) {
    s.time_ms = s.timestamp.time_ms;
    s.time_source = "timestamp";
  }
  // Trust is decided at the proven time when there is one, else now.
  s.certificate = check_certificate(o, *c.certificate, sd->certificates, s.timestamp.valid ? s.timestamp.time_ms : now_ms);
}

// An ETSI.RFC3161 document timestamp: Contents is a timestamp token over the ranges.
void check_document_timestamp(ByteView file, ByteView token, const VerifyOptions& o, SignatureReport& s) {
  s.timestamp.present = true;
  auto v = tsp::verify_token(token);
  if (!v) {
    problem(s, "cms_malformed", "the Contents is not a timestamp token: " + v.error().detail);
    return;
  }
  s.flavor = "rfc5652";
  s.digest_algorithm = std::string(cms::digest_name(v->tst.imprint.algorithm));
  s.timestamp.time_ms = v->tst.gen_time_ms;
  s.timestamp.serial_hex = hex_encode(v->tst.serial);
  s.timestamp.hash_algorithm = s.digest_algorithm;
  if (v->signer) {
    s.timestamp.tsa = summarize(*v->signer);
    s.signer = s.timestamp.tsa;
  }
  if (!v->ok) {
    s.timestamp.problem = v->problem;
    problem(s, "signature_invalid", "the timestamp token does not verify: " + v->problem);
    return;
  }
  if (digest_byte_ranges(hash_alg(v->tst.imprint.algorithm), s.byte_range, file) != v->tst.imprint.hashed_message) {
    s.timestamp.problem = "imprint mismatch";
    problem(s, "digest_mismatch", "digest mismatch: the timestamped bytes were changed after timestamping");
    return;
  }
  s.integrity = "valid";
  s.timestamp.valid = true;
  s.time_ms = v->tst.gen_time_ms;
  s.time_source = "timestamp";
  if (v->signer) {
    s.certificate = check_certificate(o, *v->signer, {}, v->tst.gen_time_ms);
    s.timestamp.tsa_certificate = s.certificate;
  }
}

std::optional<std::int64_t> pdf_date_ms(const std::string& m);

void check_signature(QPDF& q, ByteView file, const Found& f, const std::vector<std::int64_t>& ends,
                     const VerifyOptions& o, std::int64_t now_ms, SignatureReport& s) {
  (void)q;
  QPDFObjectHandle d = f.sig;
  s.field = f.field;
  s.kind = "approval";
  s.filter = detail::text_of(d.getKey("/Filter"));
  s.sub_filter = detail::text_of(d.getKey("/SubFilter"));
  s.name = detail::text_of(d.getKey("/Name"));
  s.reason = detail::text_of(d.getKey("/Reason"));
  s.location = detail::text_of(d.getKey("/Location"));
  s.contact_info = detail::text_of(d.getKey("/ContactInfo"));
  s.m = detail::text_of(d.getKey("/M"));
  if (s.sub_filter == "/ETSI.RFC3161" || d.getKey("/Type").unparseResolved() == "/DocTimeStamp") s.kind = "document_timestamp";

  QPDFObjectHandle br = d.getKey("/ByteRange");
  if (!br.isArray()) {
    problem(s, "byte_range_invalid", "ByteRange is missing or not an array");
    return;
  }
  for (auto& v : br.getArrayAsVector()) {
    if (!v.isInteger()) {
      problem(s, "byte_range_invalid", "ByteRange holds something other than integers");
      return;
    }
    s.byte_range.push_back(v.getIntValue());
    if (s.byte_range.size() > 64) break;
  }
  auto gap = check_byte_range(s.byte_range, file);
  if (!gap) {
    problem(s, "byte_range_invalid", gap.error().detail);
    return;
  }
  s.byte_range_valid = true;
  const std::int64_t end = s.byte_range[2] + s.byte_range[3];
  s.covers_whole_document = end == static_cast<std::int64_t>(file.size());
  s.revision = revision_at(ends, file, end);
  auto hex = decode_hex_string(file.subspan(static_cast<std::size_t>(gap->begin), static_cast<std::size_t>(gap->end - gap->begin)));
  if (!hex) {
    problem(s, "contents_invalid", hex.error().detail);
    return;
  }
  QPDFObjectHandle contents = d.getKey("/Contents");
  if (!contents.isString() || contents.getStringValue() != std::string(hex->begin(), hex->end())) {
    problem(s, "contents_invalid", "the ByteRange gap is not the Contents of this signature");
    return;
  }
  auto len = der_element_length(*hex);
  if (!len) {
    problem(s, "contents_invalid", "Contents: " + len.error().detail);
    return;
  }
  for (std::size_t i = *len; i < hex->size(); ++i)
    if ((*hex)[i] != 0) {
      problem(s, "contents_invalid", "Contents: bytes other than zero padding follow the signature");
      return;
    }
  ByteView der(hex->data(), *len);

  if (s.sub_filter == "/adbe.pkcs7.detached" || s.sub_filter == "/ETSI.CAdES.detached") {
    check_cms_signature(file, der, o, now_ms, s);
  } else if (s.sub_filter == "/ETSI.RFC3161") {
    check_document_timestamp(file, der, o, s);
  } else {
    s.integrity = "unknown";
    problem(s, "unsupported_subfilter", "SubFilter " + (s.sub_filter.empty() ? std::string("(none)") : s.sub_filter) +
                                            " is not supported (SHA-1 and raw RSA signatures are not verified)");
  }
  if (!s.time_ms && !s.m.empty()) {
    if (auto t = pdf_date_ms(s.m)) {
      s.time_ms = t;
      s.time_source = "claimed_m";
    }
  }
  if (!s.time_ms) s.time_source = "none";
}

// D:YYYYMMDDHHmmSSOHH'mm' (ISO 32000-1 §7.9.4); parts after the year are optional.
std::optional<std::int64_t> pdf_date_ms(const std::string& m) {
  std::string s = m.rfind("D:", 0) == 0 ? m.substr(2) : m;
  auto num = [&](std::size_t pos, std::size_t n, int def) -> std::optional<int> {
    if (s.size() < pos + n) return def;
    int v = 0;
    for (std::size_t i = pos; i < pos + n; ++i) {
      if (s[i] < '0' || s[i] > '9') return std::nullopt;
      v = v * 10 + (s[i] - '0');
    }
    return v;
  };
  if (s.size() < 4) return std::nullopt;
  auto y = num(0, 4, 0), mo = num(4, 2, 1), d = num(6, 2, 1), h = num(8, 2, 0), mi = num(10, 2, 0), se = num(12, 2, 0);
  if (!y || !mo || !d || !h || !mi || !se) return std::nullopt;
  char buf[32];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02dZ", *y, *mo, *d, *h, *mi, *se);
  std::int64_t ms = parse_iso8601_millis(buf);
  if (ms < 0) return std::nullopt;
  if (s.size() >= 17 && (s[14] == '+' || s[14] == '-')) {
    auto oh = num(15, 2, 0);
    auto om = s.size() >= 20 ? num(18, 2, 0) : std::optional<int>(0);
    if (oh && om) ms -= (s[14] == '+' ? 1 : -1) * ((*oh * 60LL + *om) * 60000LL);
  }
  return ms;
}

// DocMDP permission of the certification signature named by /Perms /DocMDP (default 2).
int docmdp_permission(QPDFObjectHandle sig) {
  QPDFObjectHandle refs = sig.getKey("/Reference");
  if (refs.isArray())
    for (auto& r : refs.getArrayAsVector()) {
      if (!r.isDictionary() || r.getKey("/TransformMethod").unparseResolved() != "/DocMDP") continue;
      QPDFObjectHandle p = r.getKey("/TransformParams").getKey("/P");
      if (p.isInteger() && p.getIntValue() >= 1 && p.getIntValue() <= 3) return static_cast<int>(p.getIntValue());
    }
  return 2;
}

void finish_status(SignatureReport& s) {
  if (!s.docmdp_violations.empty())
    for (auto& v : s.docmdp_violations) problem(s, "docmdp_violation", v);
  if (s.integrity == "invalid" || !s.docmdp_violations.empty() || !s.byte_range_valid || s.ses == "invalid") {
    s.status = "invalid";
  } else if (s.integrity == "valid" && s.certificate.status == "valid") {
    s.status = "valid";
  } else if (s.integrity == "valid" && s.certificate.status == "invalid" &&
             (s.certificate.reason == "revoked" || s.certificate.reason == "bad_signature")) {
    s.status = "invalid";
  } else {
    s.status = "indeterminate";
  }
}

}  // namespace

CertificateSummary summarize(const pki::Certificate& c) {
  return {c.subject().to_string(), c.issuer().to_string(), c.serial_hex(), c.fingerprint_sha256(),
          std::string(pki::key_type_name(c.key_type())), c.not_before_ms(), c.not_after_ms()};
}

CertificateCheck anchors_check(std::vector<pki::Certificate> anchors) {
  return [anchors = std::move(anchors)](const pki::Certificate& cert, std::span<const pki::Certificate> bundled,
                                        std::int64_t at_ms) {
    pki::VerificationPolicy vp;
    vp.name = "anchors";
    pki::TrustPolicy t;
    t.name = "anchors";
    for (auto& a : anchors) t.anchors.add(a);
    for (auto& b : bundled)
      if (!b.is_self_issued()) t.intermediates.add(b);
    vp.projects.push_back(std::move(t));
    pki::CrlStore crls;
    return pki::validate(cert, at_ms, vp, crls);
  };
}

Result<VerifyReport> verify_pdf(ByteView file, const VerifyOptions& o) {
  VerifyReport report;
  report.file_size = file.size();
  report.policy = o.policy_name;
  const std::int64_t now_ms = o.now_ms.value_or(unix_millis());
  report.verified_at_ms = now_ms;
  const std::size_t head = std::min<std::size_t>(file.size(), 1024);
  static constexpr std::string_view kHeader = "%PDF-";
  if (std::string_view(reinterpret_cast<const char*>(file.data()), head).find(kHeader) == std::string_view::npos)
    return Error(Errc::pdf_malformed, "not a PDF file (no %PDF- header)");
  const std::vector<std::int64_t> ends = revision_ends(file);
  report.revisions = static_cast<int>(ends.size());
  try {
    QPDF q;
    q.setSuppressWarnings(true);
    q.processMemoryFile("input PDF", reinterpret_cast<const char*>(file.data()), file.size());
    report.encrypted = q.isEncrypted();
    if (report.encrypted) report.warnings.push_back("the document is encrypted; signature contents are read as stored");
    std::vector<Found> found = SignatureFinder(q).run();
    QPDFObjectHandle perms = q.getRoot().getKey("/Perms");
    QPDFObjectHandle docmdp = perms.isDictionary() ? perms.getKey("/DocMDP") : QPDFObjectHandle::newNull();
    std::map<std::int64_t, std::vector<Change>> changes_cache;
    for (const Found& f : found) {
      SignatureReport s;
      check_signature(q, file, f, ends, o, now_ms, s);
      if (docmdp.isIndirect() && f.sig.isIndirect() && docmdp.getObjGen() == f.sig.getObjGen()) {
        s.kind = "certification";
        s.docmdp_permission = docmdp_permission(f.sig);
      }
      if (s.byte_range_valid && !s.covers_whole_document) {
        const std::int64_t end = s.byte_range[2] + s.byte_range[3];
        auto it = changes_cache.find(end);
        if (it == changes_cache.end()) {
          auto ch = detail::changes_since(q, file, end);
          if (!ch) report.warnings.push_back(ch.error().detail);
          it = changes_cache.emplace(end, ch ? std::move(*ch) : std::vector<Change>{}).first;
        }
        s.changes_after = it->second;
        problem(s, "not_whole_document", "the signature does not cover the whole document: " +
                                             std::to_string(s.changes_after.size()) + " object(s) added or changed later");
        if (s.docmdp_permission) s.docmdp_violations = detail::docmdp_violations(*s.docmdp_permission, s.changes_after);
      }
      finish_status(s);
      report.signatures.push_back(std::move(s));
    }
  } catch (const std::exception& e) {
    return Error(Errc::pdf_malformed, std::string("the PDF cannot be read: ") + e.what());
  }
  std::stable_sort(report.signatures.begin(), report.signatures.end(), [](const SignatureReport& a, const SignatureReport& b) {
    auto end = [](const SignatureReport& s) { return s.byte_range.size() == 4 ? s.byte_range[2] + s.byte_range[3] : INT64_MAX; };
    return end(a) < end(b);
  });
  if (!report.signatures.empty()) {
    bool all_valid = true, any_invalid = false;
    for (auto& s : report.signatures) {
      all_valid = all_valid && s.status == "valid";
      any_invalid = any_invalid || s.status == "invalid";
    }
    report.status = all_valid ? "valid" : any_invalid ? "invalid" : "indeterminate";
  }
  return report;
}

}  // namespace medsign::pdf
