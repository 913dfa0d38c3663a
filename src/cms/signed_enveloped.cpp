#include "cms/signed_enveloped.h"

#include "asn1/oids.h"
#include "asn1/reader.h"
#include "asn1/writer.h"

namespace medsign::cms {
namespace id = asn1::oid;
namespace {

Error bad(const std::string& what) { return Error(Errc::bad_encoding, "CMS signedAndEnvelopedData: " + what); }

// The parts of a SignedData or EnvelopedData ContentInfo we move around as raw DER.
struct Parts {
  Bytes digest_algorithms, certificates, crls, signer_infos;  // SignedData
  Bytes recipient_infos, encrypted_content_info;              // EnvelopedData
};

Result<asn1::Reader> enter_content(asn1::Reader& top, asn1::Oid& type) {
  MEDSIGN_ASSIGN(asn1::Reader ci, top.read_sequence());
  MEDSIGN_TRY(top.expect_end());
  MEDSIGN_ASSIGN(type, ci.read_oid());
  MEDSIGN_ASSIGN(asn1::Reader ex, ci.read_explicit(0));
  MEDSIGN_TRY(ci.expect_end());
  MEDSIGN_ASSIGN(asn1::Reader body, ex.read_sequence());
  MEDSIGN_TRY(ex.expect_end());
  return body;
}

Bytes raw(const asn1::Element& e) { return Bytes(e.raw.begin(), e.raw.end()); }

Result<Parts> signed_parts(ByteView der) {
  Parts p;
  asn1::Reader top(der);
  asn1::Oid type;
  MEDSIGN_ASSIGN(asn1::Reader sd, enter_content(top, type));
  MEDSIGN_TRY(sd.read_int64());
  MEDSIGN_ASSIGN(auto digests, sd.read_element(asn1::tag::kSet));
  p.digest_algorithms = raw(digests);
  MEDSIGN_TRY(sd.read_element(asn1::tag::kSequence));  // contentInfo
  MEDSIGN_ASSIGN(auto certs, sd.read_optional(asn1::Tag::context(0, true)));
  if (certs) p.certificates = raw(*certs);
  MEDSIGN_ASSIGN(auto crls, sd.read_optional(asn1::Tag::context(1, true)));
  if (crls) p.crls = raw(*crls);
  MEDSIGN_ASSIGN(auto infos, sd.read_element(asn1::tag::kSet));
  p.signer_infos = raw(infos);
  return p;
}

Result<Parts> enveloped_parts(ByteView der) {
  Parts p;
  asn1::Reader top(der);
  asn1::Oid type;
  MEDSIGN_ASSIGN(asn1::Reader ed, enter_content(top, type));
  MEDSIGN_TRY(ed.read_int64());
  MEDSIGN_ASSIGN(auto ris, ed.read_element(asn1::tag::kSet));
  p.recipient_infos = raw(ris);
  MEDSIGN_ASSIGN(auto eci, ed.read_element(asn1::tag::kSequence));
  p.encrypted_content_info = raw(eci);
  return p;
}
}  // namespace

Result<Bytes> sign_and_envelope(const SignedEnvelopeRequest& req, std::span<const SignerSpec> signers,
                                std::span<const pki::Certificate> recipients) {
  SignRequest sr;
  sr.flavor = Flavor::gmt0010;
  sr.content = req.content;
  sr.include_signer_certificates = req.include_signer_certificates;
  sr.extra_certificates = req.extra_certificates;
  MEDSIGN_ASSIGN(Bytes sd, sign(sr, signers));
  EnvelopeRequest er;
  er.flavor = Flavor::gmt0010;
  er.cipher = req.cipher;
  er.content = req.content;
  MEDSIGN_ASSIGN(Bytes env, envelope(er, recipients));
  MEDSIGN_ASSIGN(Parts s, signed_parts(sd));
  MEDSIGN_ASSIGN(Parts e, enveloped_parts(env));
  asn1::Writer w;
  w.add_sequence([&](asn1::Writer& ci) {
    ci.add_oid(id::kGmSignedAndEnvelopedData);
    ci.add_explicit(0, [&](asn1::Writer& x) {
      x.add_sequence([&](asn1::Writer& body) {
        body.add_int64(1);
        body.add_raw(e.recipient_infos);
        body.add_raw(s.digest_algorithms);
        body.add_raw(e.encrypted_content_info);
        if (!s.certificates.empty()) body.add_raw(s.certificates);
        if (!s.crls.empty()) body.add_raw(s.crls);
        body.add_raw(s.signer_infos);
      });
    });
  });
  return std::move(w).finish();
}

Result<OpenedSignedEnvelope> open_signed_envelope(ByteView der, const pki::Certificate& me,
                                                  const KeyDecryptFunction& decrypt_key,
                                                  std::span<const pki::Certificate> extra) {
  asn1::Reader top(der);
  asn1::Oid type;
  MEDSIGN_ASSIGN(asn1::Reader body, enter_content(top, type));
  const bool gm = type == id::kGmSignedAndEnvelopedData;
  if (!gm && type != id::kPkcs7SignedAndEnvelopedData)
    return bad("content type is " + asn1::oid_name(type) + ", not signedAndEnvelopedData");
  MEDSIGN_ASSIGN(std::int64_t version, body.read_int64());
  if (version != 1) return bad("version " + std::to_string(version) + " (expected 1)");
  Parts p;
  MEDSIGN_ASSIGN(auto ris, body.read_element(asn1::tag::kSet));
  p.recipient_infos = raw(ris);
  MEDSIGN_ASSIGN(auto digests, body.read_element(asn1::tag::kSet));
  p.digest_algorithms = raw(digests);
  MEDSIGN_ASSIGN(auto eci, body.read_element(asn1::tag::kSequence));
  p.encrypted_content_info = raw(eci);
  MEDSIGN_ASSIGN(auto certs, body.read_optional(asn1::Tag::context(0, true)));
  if (certs) p.certificates = raw(*certs);
  MEDSIGN_ASSIGN(auto crls, body.read_optional(asn1::Tag::context(1, true)));
  if (crls) p.crls = raw(*crls);
  MEDSIGN_ASSIGN(auto infos, body.read_element(asn1::tag::kSet));
  p.signer_infos = raw(infos);
  MEDSIGN_TRY(body.expect_end());
  // The content type inside encryptedContentInfo is what the signers' contentType attribute names.
  MEDSIGN_ASSIGN(asn1::Reader eci_r, body.enter(eci));
  MEDSIGN_ASSIGN(asn1::Oid content_type, eci_r.read_oid());

  asn1::Writer ew;
  ew.add_sequence([&](asn1::Writer& ci) {
    ci.add_oid(gm ? id::kGmEnvelopedData : id::kPkcs7EnvelopedData);
    ci.add_explicit(0, [&](asn1::Writer& x) {
      x.add_sequence([&](asn1::Writer& ed) {
        ed.add_int64(gm ? 1 : 0);
        ed.add_raw(p.recipient_infos);
        ed.add_raw(p.encrypted_content_info);
      });
    });
  });
  MEDSIGN_ASSIGN(Bytes env_der, std::move(ew).finish());
  MEDSIGN_ASSIGN(EnvelopedData env, parse_enveloped_data(env_der));
  OpenedSignedEnvelope out;
  MEDSIGN_ASSIGN(out.content, open_envelope(env, me, decrypt_key));

  asn1::Writer sw;
  sw.add_sequence([&](asn1::Writer& ci) {
    ci.add_oid(gm ? id::kGmSignedData : id::kPkcs7SignedData);
    ci.add_explicit(0, [&](asn1::Writer& x) {
      x.add_sequence([&](asn1::Writer& sd) {
        sd.add_int64(1);
        sd.add_raw(p.digest_algorithms);
        sd.add_sequence([&](asn1::Writer& c) {
          c.add_oid(content_type);
          c.add_explicit(0, [&](asn1::Writer& o) { o.add_octet_string(out.content.view()); });
        });
        if (!p.certificates.empty()) sd.add_raw(p.certificates);
        if (!p.crls.empty()) sd.add_raw(p.crls);
        sd.add_raw(p.signer_infos);
      });
    });
  });
  MEDSIGN_ASSIGN(Bytes sd_der, std::move(sw).finish());
  MEDSIGN_ASSIGN(out.signed_data, parse_signed_data(sd_der));
  MEDSIGN_ASSIGN(out.signers, verify_signatures(out.signed_data, std::nullopt, extra));
  return out;
}

}  // namespace medsign::cms
