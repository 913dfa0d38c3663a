#include "asn1/oids.h"
#include "asn1/reader.h"
#include "cms/signed_data.h"

namespace medsign::cms {
namespace id = asn1::oid;
namespace {

Error bad(const std::string& what) { return Error(Errc::bad_encoding, "CMS: " + what); }

Result<std::vector<Attribute>> read_attributes(asn1::Reader set) {
  std::vector<Attribute> out;
  while (!set.empty()) {
    MEDSIGN_ASSIGN(asn1::Reader a, set.read_sequence());
    Attribute attr;
    MEDSIGN_ASSIGN(attr.type, a.read_oid());
    MEDSIGN_ASSIGN(asn1::Reader values, a.read_set());
    MEDSIGN_TRY(a.expect_end());
    while (!values.empty()) {
      MEDSIGN_ASSIGN(auto v, values.read_any());
      attr.values.emplace_back(v.raw.begin(), v.raw.end());
    }
    if (attr.values.empty()) return bad("attribute " + asn1::oid_name(attr.type) + " has no value");
    out.push_back(std::move(attr));
  }
  return out;
}

Result<SignerInfo> read_signer(asn1::Reader r) {
  SignerInfo si;
  MEDSIGN_ASSIGN(auto version, r.read_int64());
  si.version = static_cast<int>(version);
  if (r.peek(asn1::tag::kSequence)) {
    MEDSIGN_ASSIGN(asn1::Reader ias, r.read_sequence());
    MEDSIGN_ASSIGN(auto issuer, ias.read_element(asn1::tag::kSequence));
    si.issuer_der.assign(issuer.raw.begin(), issuer.raw.end());
    MEDSIGN_ASSIGN(auto serial, ias.read_integer_bytes());
    si.serial.assign(serial.begin(), serial.end());
    MEDSIGN_TRY(ias.expect_end());
  } else {
    MEDSIGN_ASSIGN(auto ski, r.read_octet_string(asn1::Tag::context(0, false)));
    si.subject_key_id.assign(ski.begin(), ski.end());
  }
  MEDSIGN_ASSIGN(asn1::Reader dalg, r.read_sequence());
  MEDSIGN_ASSIGN(auto doid, dalg.read_oid());
  MEDSIGN_ASSIGN(si.digest, digest_from_oid(doid));
  MEDSIGN_ASSIGN(auto sattrs, r.read_optional(asn1::Tag::context(0, true)));
  if (sattrs) {
    // What was signed is the same content under the universal SET tag.
    si.signed_attributes_der = asn1::encode_element(asn1::tag::kSet, sattrs->content);
    MEDSIGN_ASSIGN(asn1::Reader set, r.enter(*sattrs));
    MEDSIGN_ASSIGN(si.signed_attributes, read_attributes(set));
    for (auto& a : si.signed_attributes) {
      asn1::Reader v(a.values[0]);
      if (a.type == id::kMessageDigest) {
        MEDSIGN_ASSIGN(auto md, v.read_octet_string());
        si.message_digest = Bytes(md.begin(), md.end());
      } else if (a.type == id::kSigningTime) {
        MEDSIGN_ASSIGN(si.signing_time_ms, v.read_time());
      } else if (a.type == id::kContentType) {
        MEDSIGN_ASSIGN(si.content_type_attribute, v.read_oid());
      }
    }
  }
  MEDSIGN_ASSIGN(asn1::Reader salg, r.read_sequence());
  MEDSIGN_ASSIGN(si.signature_oid, salg.read_oid());
  MEDSIGN_ASSIGN(auto sig, r.read_octet_string());
  si.signature.assign(sig.begin(), sig.end());
  MEDSIGN_ASSIGN(auto uattrs, r.read_optional(asn1::Tag::context(1, true)));
  if (uattrs) {
    MEDSIGN_ASSIGN(asn1::Reader set, r.enter(*uattrs));
    MEDSIGN_ASSIGN(si.unsigned_attributes, read_attributes(set));
  }
  MEDSIGN_TRY(r.expect_end());
  return si;
}

}  // namespace

const Attribute* SignerInfo::find_unsigned(const asn1::Oid& type) const {
  for (auto& a : unsigned_attributes)
    if (a.type == type) return &a;
  return nullptr;
}

Result<SignedData> parse_signed_data(ByteView der) {
  asn1::Reader top(der);
  MEDSIGN_ASSIGN(asn1::Reader ci, top.read_sequence());
  MEDSIGN_TRY(top.expect_end());
  MEDSIGN_ASSIGN(auto ct, ci.read_oid());
  SignedData sd;
  if (ct == id::kGmSignedData) sd.flavor = Flavor::gmt0010;
  else if (ct != id::kPkcs7SignedData) return bad("content type is " + asn1::oid_name(ct) + ", not signedData");
  MEDSIGN_ASSIGN(asn1::Reader ex, ci.read_explicit(0));
  MEDSIGN_TRY(ci.expect_end());
  MEDSIGN_ASSIGN(asn1::Reader s, ex.read_sequence());
  MEDSIGN_TRY(ex.expect_end());
  MEDSIGN_ASSIGN(auto version, s.read_int64());
  if (version < 1 || version > 5) return bad("unsupported SignedData version " + std::to_string(version));
  sd.version = static_cast<int>(version);
  MEDSIGN_ASSIGN(asn1::Reader dset, s.read_set());
  while (!dset.empty()) {
    MEDSIGN_ASSIGN(asn1::Reader alg, dset.read_sequence());
    MEDSIGN_ASSIGN(auto oid, alg.read_oid());
    auto d = digest_from_oid(oid);
    if (d) sd.digest_algorithms.push_back(*d);  // unknown ones matter only if a signer uses them
  }
  MEDSIGN_ASSIGN(asn1::Reader eci, s.read_sequence());
  MEDSIGN_ASSIGN(sd.content_type, eci.read_oid());
  MEDSIGN_ASSIGN(auto econtent, eci.read_optional_explicit(0));
  if (econtent) {
    asn1::Reader& c = *econtent;
    if (c.peek(asn1::tag::kOctetString)) {
      MEDSIGN_ASSIGN(auto octets, c.read_octet_string());
      sd.content = Bytes(octets.begin(), octets.end());
    } else {
      // PKCS#7 v1.5 allows any type here; the signed content is then the value octets.
      MEDSIGN_ASSIGN(auto any, c.read_any());
      sd.content = Bytes(any.content.begin(), any.content.end());
    }
    MEDSIGN_TRY(c.expect_end());
  }
  MEDSIGN_TRY(eci.expect_end());
  MEDSIGN_ASSIGN(auto certs, s.read_optional(asn1::Tag::context(0, true)));
  if (certs) {
    MEDSIGN_ASSIGN(asn1::Reader cr, s.enter(*certs));
    while (!cr.empty()) {
      MEDSIGN_ASSIGN(auto el, cr.read_any());
      if (el.tag != asn1::tag::kSequence) continue;  // attribute / other certificate formats: skipped
      MEDSIGN_ASSIGN(auto cert, pki::Certificate::parse_der(el.raw));
      sd.certificates.push_back(std::move(cert));
    }
  }
  MEDSIGN_ASSIGN(auto crls, s.read_optional(asn1::Tag::context(1, true)));
  if (crls) {
    MEDSIGN_ASSIGN(asn1::Reader cr, s.enter(*crls));
    while (!cr.empty()) {
      MEDSIGN_ASSIGN(auto el, cr.read_any());
      sd.crls.emplace_back(el.raw.begin(), el.raw.end());
    }
  }
  MEDSIGN_ASSIGN(asn1::Reader infos, s.read_set());
  MEDSIGN_TRY(s.expect_end());
  while (!infos.empty()) {
    MEDSIGN_ASSIGN(asn1::Reader one, infos.read_sequence());
    MEDSIGN_ASSIGN(auto si, read_signer(one));
    sd.signers.push_back(std::move(si));
  }
  return sd;
}

}  // namespace medsign::cms
