#include "pki/csr.h"

#include <set>

#include "asn1/oids.h"
#include "asn1/reader.h"
#include "pki/pem.h"
#include "pki/signature.h"

namespace medsign::pki {
namespace {
namespace id = asn1::oid;
using asn1::Reader;
using asn1::Tag;

Error csr_error(std::string what) { return Error(Errc::bad_encoding, "PKCS#10: " + std::move(what)); }

Result<std::vector<Extension>> read_extension_request(const CsrAttribute& a) {
  if (a.values.size() != 1) return csr_error("extensionRequest must hold exactly one value");
  Reader top(a.values.front());
  MEDSIGN_ASSIGN(Reader list, top.read_sequence());
  MEDSIGN_TRY(top.expect_end());
  std::vector<Extension> out;
  std::set<asn1::Oid> seen;
  while (!list.empty()) {
    MEDSIGN_ASSIGN(Reader ext, list.read_sequence());
    Extension e;
    MEDSIGN_ASSIGN(e.oid, ext.read_oid());
    if (ext.peek(asn1::tag::kBoolean)) {
      MEDSIGN_ASSIGN(e.critical, ext.read_boolean());
    }
    MEDSIGN_ASSIGN(ByteView value, ext.read_octet_string());
    MEDSIGN_TRY(ext.expect_end());
    e.value.assign(value.begin(), value.end());
    if (!seen.insert(e.oid).second) return csr_error("requested extension " + asn1::oid_name(e.oid) + " appears twice");
    out.push_back(std::move(e));
  }
  return out;
}
}  // namespace

Result<CertificationRequest> CertificationRequest::parse_der(ByteView der) {
  CertificationRequest c;
  Reader top(der);
  MEDSIGN_ASSIGN(Reader req, top.read_sequence());
  MEDSIGN_TRY(top.expect_end());
  MEDSIGN_ASSIGN(asn1::Element info_el, req.read_element(asn1::tag::kSequence));
  MEDSIGN_ASSIGN(c.signature_algorithm_, AlgorithmIdentifier::parse(req));
  MEDSIGN_ASSIGN(asn1::BitString sig, req.read_bit_string());
  MEDSIGN_TRY(req.expect_end());
  if (sig.unused_bits != 0) return csr_error("signature has unused bits");
  c.signature_.assign(sig.bytes.begin(), sig.bytes.end());

  MEDSIGN_ASSIGN(Reader info, req.enter(info_el));
  MEDSIGN_ASSIGN(std::int64_t version, info.read_int64());
  if (version != 0) return csr_error("unknown version " + std::to_string(version) + " (only v1 = 0 exists)");
  MEDSIGN_ASSIGN(c.subject_, Name::parse(info));
  MEDSIGN_ASSIGN(c.spki_, SubjectPublicKeyInfo::parse(info));
  // attributes [0] IMPLICIT SET OF Attribute. Required by RFC 2986, but some producers omit it when empty.
  if (!info.empty()) {
    MEDSIGN_ASSIGN(Reader attrs, info.read_constructed(Tag::context(0, true)));
    std::set<asn1::Oid> seen;
    while (!attrs.empty()) {
      MEDSIGN_ASSIGN(Reader attr, attrs.read_sequence());
      CsrAttribute a;
      MEDSIGN_ASSIGN(a.type, attr.read_oid());
      MEDSIGN_ASSIGN(Reader values, attr.read_set());
      MEDSIGN_TRY(attr.expect_end());
      while (!values.empty()) {
        MEDSIGN_ASSIGN(asn1::Element v, values.read_any());
        a.values.emplace_back(v.raw.begin(), v.raw.end());
      }
      if (a.values.empty()) return csr_error("attribute " + asn1::oid_name(a.type) + " has no value");
      if (!seen.insert(a.type).second) return csr_error("attribute " + asn1::oid_name(a.type) + " appears twice");
      if (a.type == id::kExtensionRequest) {
        MEDSIGN_ASSIGN(c.extensions_, read_extension_request(a));
      }
      c.attributes_.push_back(std::move(a));
    }
  }
  MEDSIGN_TRY(info.expect_end());
  c.der_.assign(der.begin(), der.end());
  c.info_der_.assign(info_el.raw.begin(), info_el.raw.end());
  return c;
}

Result<CertificationRequest> CertificationRequest::parse_pem(std::string_view pem) {
  MEDSIGN_ASSIGN(auto all, pem_decode_all<CertificationRequest>(pem, "CERTIFICATE REQUEST", "NEW CERTIFICATE REQUEST",
                                                                 "certificate request"));
  return std::move(all.front());
}

Result<CertificationRequest> CertificationRequest::parse(ByteView data) {
  if (!data.empty() && data[0] == 0x30) return parse_der(data);
  return parse_pem(as_chars(data));
}

std::string CertificationRequest::to_pem() const { return pem_encode("CERTIFICATE REQUEST", der_); }

const Extension* CertificationRequest::find_requested_extension(const asn1::Oid& oid) const {
  for (const Extension& e : extensions_)
    if (e.oid == oid) return &e;
  return nullptr;
}

Status CertificationRequest::verify_signature() const {
  Status st = verify_signed_data(signature_algorithm_, spki_, info_der_, signature_);
  if (!st && st.error().code == Errc::bad_signature)
    return Error(Errc::bad_signature, "PKCS#10: the request is not signed by its own key (" + st.error().detail + ")");
  return st;
}

Result<Bytes> signature_algorithm_der(crypto::SignatureAlg alg) {
  asn1::Writer w;
  auto oid_only = [&](const asn1::Oid& o) { w.add_sequence([&](asn1::Writer& s) { s.add_oid(o); }); };
  auto oid_null = [&](const asn1::Oid& o) {
    w.add_sequence([&](asn1::Writer& s) {
      s.add_oid(o);
      s.add_null();
    });
  };
  switch (alg) {
    case crypto::SignatureAlg::sm2_sm3: oid_only(id::kSm3WithSm2); break;
    case crypto::SignatureAlg::ecdsa_p256_sha256: oid_only(id::kEcdsaWithSha256); break;
    case crypto::SignatureAlg::ecdsa_p384_sha384: oid_only(id::kEcdsaWithSha384); break;
    case crypto::SignatureAlg::rsa_pkcs1_sha256: oid_null(id::kSha256WithRsa); break;
    case crypto::SignatureAlg::rsa_pkcs1_sha384: oid_null(id::kSha384WithRsa); break;
    case crypto::SignatureAlg::rsa_pkcs1_sha512: oid_null(id::kSha512WithRsa); break;
    default:
      return Error(Errc::invalid_argument,
                   "signature algorithm " + std::string(crypto::signature_alg_name(alg)) + " is not used for certificates");
  }
  return std::move(w).finish();
}

void write_extension(asn1::Writer& w, const Extension& e) {
  w.add_sequence([&](asn1::Writer& s) {
    s.add_oid(e.oid);
    if (e.critical) s.add_boolean(true);
    s.add_octet_string(e.value);
  });
}

Result<CertificationRequest> build_csr(ByteView subject_der, const std::vector<Extension>& extensions,
                                       const crypto::Signer& signer) {
  MEDSIGN_ASSIGN(Bytes alg, signature_algorithm_der(signer.algorithm()));
  asn1::Writer info;
  info.add_sequence([&](asn1::Writer& s) {
    s.add_int64(0);
    s.add_raw(subject_der);
    s.add_raw(signer.public_key_der());
    s.add_constructed(Tag::context(0, true), [&](asn1::Writer& attrs) {
      if (extensions.empty()) return;
      attrs.add_sequence([&](asn1::Writer& a) {
        a.add_oid(id::kExtensionRequest);
        a.add_set([&](asn1::Writer& v) {
          v.add_sequence([&](asn1::Writer& list) {
            for (const Extension& e : extensions) write_extension(list, e);
          });
        });
      });
    });
  });
  MEDSIGN_ASSIGN(Bytes info_der, std::move(info).finish());
  MEDSIGN_ASSIGN(Bytes sig, signer.sign(info_der));
  asn1::Writer w;
  w.add_sequence([&](asn1::Writer& s) {
    s.add_raw(info_der);
    s.add_raw(alg);
    s.add_bit_string(sig);
  });
  MEDSIGN_ASSIGN(Bytes der, std::move(w).finish());
  return CertificationRequest::parse_der(der);
}

}  // namespace medsign::pki
