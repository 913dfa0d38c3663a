#include "services/pdf_service.h"

#include <fstream>

#include "common/clock.h"
#include "crypto/algorithms/hash.h"
#include "pdf/output_file.h"
#include "seal/sign.h"

namespace medsign::services {
namespace {

Result<std::string> file_sha256(const std::filesystem::path& p) {
  std::error_code ec;
  auto size = std::filesystem::file_size(p, ec);
  if (ec) return Error(Errc::io_error, std::string("cannot read ").append(p.string()).append(": ").append(ec.message()));
  crypto::Hasher h(crypto::HashAlg::sha256);
  MEDSIGN_TRY(pdf::read_file_range(p, 0, size, [&](ByteView b) { h.update(b); }));
  return hex_encode(h.finish());
}

std::string pages_of(const pdf::Prepared& p) {
  std::string out;
  for (auto& w : p.widgets) {
    std::string n = std::to_string(w.page_index + 1);
    if (out.find(n) == std::string::npos || out.empty()) out.append(out.empty() ? "" : ",").append(n);
  }
  return out.empty() ? std::string("invisible") : out;
}

// What an SES_Signature needs: the seal's SESeal and its key as an SM2 signer.
struct SesMaker {
  seal::Seal eseal;
  crypto::Signer signer;
};

Result<SesMaker> ses_maker(const crypto::SoftKeyStore& keys, const SealMaterial& m) {
  if (m.certificate.key_type() != pki::KeyType::sm2)
    return Error(Errc::invalid_argument, std::string("ses: an SES_Signature needs an SM2 seal; this seal's key is ")
                                             .append(pki::key_type_name(m.certificate.key_type())));
  if (m.eseal.empty())
    return Error(Errc::invalid_argument, "ses: this seal has no SESeal structure (sign with a seal, not a bare key)");
  MEDSIGN_ASSIGN(seal::Seal eseal, seal::decode_seal(m.eseal));
  MEDSIGN_ASSIGN(crypto::EvpKey key, keys.get(m.key_name));
  MEDSIGN_ASSIGN(SecretBytes der, key.private_der());
  MEDSIGN_ASSIGN(crypto::KeyPair pair, crypto::KeyPair::from_pkcs8(der.view()));
  MEDSIGN_ASSIGN(crypto::Signer signer, crypto::Signer::create(crypto::SignatureAlg::sm2_sm3, pair));
  return SesMaker{std::move(eseal), std::move(signer)};
}

}  // namespace

Result<DocMdp> parse_certify(std::string_view s) {
  if (s == "none") return DocMdp::none;
  if (s == "no-changes") return DocMdp::no_changes;
  if (s == "form-fill") return DocMdp::form_fill;
  if (s == "annotations") return DocMdp::annotations;
  return Error(Errc::invalid_argument, "certify must be none, no-changes, form-fill or annotations");
}

Result<SealMaterial> material_from_key(const crypto::SoftKeyStore& keys, const std::string& key_name, Bytes picture,
                                       double width_mm, double height_mm) {
  if (!keys.contains(key_name)) return Error(Errc::key_not_found, std::string("no key named ").append(key_name));
  MEDSIGN_ASSIGN(std::string pem, keys.certificate(key_name));
  MEDSIGN_ASSIGN(std::vector<pki::Certificate> certs, pki::Certificate::parse_pem(pem));
  if (certs.empty()) return Error(Errc::key_not_found, std::string("key ").append(key_name).append(" has no certificate"));
  SealMaterial m;
  m.seal_id = key_name;
  m.name = certs.front().subject().to_string();
  m.picture = std::move(picture);
  m.picture_type = "PNG";
  m.width_mm = width_mm;
  m.height_mm = height_mm;
  m.key_name = key_name;
  m.certificate = certs.front();
  for (std::size_t i = 1; i < certs.size(); ++i) m.chain.push_back(certs[i].der());
  return m;
}

PdfService::PdfService(const crypto::SoftKeyStore& keys, AuditLog* audit, pdf::TimestampFunction timestamp_source)
    : keys_(keys), audit_(audit), timestamp_(std::move(timestamp_source)) {}

void PdfService::audit(const PdfActor& who, const char* action, const std::string& target, bool ok,
                       const std::string& detail) const {
  if (audit_) (void)audit_->record({who.actor, who.role, action, target, ok ? "success" : "failure", who.source, detail});
}

Result<pdf::PadesSigner> PdfService::signer_for(const SealMaterial& seal) const {
  MEDSIGN_ASSIGN(crypto::EvpKey key, keys_.get(seal.key_name));
  pdf::PadesSigner s;
  s.certificate = seal.certificate;
  s.chain = seal.chain;
  s.sign = [key](ByteView tbs) { return key.sign(tbs); };
  return s;
}

Result<PdfSignResult> PdfService::sign(const SealMaterial& seal, const std::filesystem::path& in,
                                       const std::filesystem::path& out, const PdfSignOptions& o,
                                       const PdfActor& who) const {
  PdfSignResult r;
  auto run = [&]() -> Status {
    MEDSIGN_ASSIGN(r.input_sha256, file_sha256(in));
    MEDSIGN_ASSIGN(pdf::PadesSigner signer, signer_for(seal));
    if (o.timestamp && !timestamp_) return Error(Errc::unavailable, "no timestamp authority is available for PAdES B-T");
    pdf::PrepareOptions po;
    if (o.visible) po.seal = pdf::SealImage{seal.picture, seal.width_mm, seal.height_mm};
    po.placement = o.placement;
    po.info.name = seal.name;
    po.info.reason = o.reason;
    po.info.location = o.location;
    po.info.docmdp = static_cast<int>(o.certify.value_or(seal.docmdp));
    po.digest = pdf::pades_digest(seal.certificate);
    po.contents_bytes = o.placeholder_bytes ? o.placeholder_bytes : pdf::placeholder_size(signer, o.timestamp);
    std::optional<SesMaker> ses;
    if (o.ses) {
      MEDSIGN_ASSIGN(ses, ses_maker(keys_, seal));
      po.info.time_ms = unix_millis();  // /M and the SES timeInfo agree
      // The SES_Signature embeds the SESeal (picture included) and the signer certificate.
      if (!o.placeholder_bytes) po.contents_bytes += seal.eseal.size() + seal.certificate.der().size() + 1024;
    }
    const pdf::TimestampFunction* ts = o.timestamp ? &timestamp_ : nullptr;
    MEDSIGN_ASSIGN(r.prepared, pdf::sign_file(in, out, po, [&](const pdf::Prepared& p) -> Result<Bytes> {
      if (!ses) return pdf::make_pades_cms(signer, p.digest, ts);
      seal::SignatureRequest req;
      req.data_hash = p.digest;
      req.property_info = std::string("pdf:").append(p.field_name);
      req.time_ms = po.info.time_ms;
      MEDSIGN_ASSIGN(seal::Signature sig, seal::sign_with_seal(ses->eseal, req, seal.certificate, ses->signer));
      return pdf::make_pades_cms(signer, p.digest, ts, sig.der);
    }));
    MEDSIGN_ASSIGN(r.output_sha256, file_sha256(out));
    return {};
  };
  Status st = run();
  std::string detail = "document sha256 ";
  detail.append(r.input_sha256.empty() ? std::string("?") : r.input_sha256);
  if (st) {
    detail.append(", pages ").append(pages_of(r.prepared)).append(o.timestamp ? ", B-T" : ", B-B");
    if (o.ses) detail.append(", SES_Signature");
  } else {
    detail.append(", ").append(st.error().detail);
  }
  audit(who, "pdf.sign", seal.seal_id, static_cast<bool>(st), detail);
  if (!st) return st.error();
  return r;
}

Result<Bytes> PdfService::sign_digest(const SealMaterial& seal, ByteView digest, bool timestamp,
                                      const PdfActor& who) const {
  auto run = [&]() -> Result<Bytes> {
    MEDSIGN_ASSIGN(pdf::PadesSigner signer, signer_for(seal));
    if (timestamp && !timestamp_) return Error(Errc::unavailable, "no timestamp authority is available for PAdES B-T");
    return pdf::make_pades_cms(signer, digest, timestamp ? &timestamp_ : nullptr);
  };
  auto r = run();
  std::string detail = "digest ";
  detail.append(hex_encode(digest));
  if (!r) detail.append(", ").append(r.error().detail);
  audit(who, "pdf.sign_digest", seal.seal_id, static_cast<bool>(r), detail);
  return r;
}

}  // namespace medsign::services
