#include <algorithm>

#include "asn1/oids.h"
#include "asn1/reader.h"
#include "asn1/writer.h"
#include "cms/signed_data.h"

namespace medsign::cms {
namespace id = asn1::oid;
namespace {

const asn1::Oid& signed_data_oid(Flavor f) { return f == Flavor::gmt0010 ? id::kGmSignedData : id::kPkcs7SignedData; }
const asn1::Oid& data_oid(Flavor f) { return f == Flavor::gmt0010 ? id::kGmData : id::kPkcs7Data; }

void write_attribute(asn1::Writer& w, const Attribute& a) {
  w.add_sequence([&](asn1::Writer& s) {
    s.add_oid(a.type);
    s.add_set_of([&](asn1::Writer& set) {
      for (auto& v : a.values) set.add_raw(v);
    });
  });
}

Result<Bytes> encode_one(const std::function<void(asn1::Writer&)>& f) {
  asn1::Writer w;
  f(w);
  return std::move(w).finish();
}

// The signed attributes as the SET OF that is signed (universal SET tag), sorted as DER requires.
Result<Bytes> signed_attributes(const SignerSpec& s, const asn1::Oid& content_type, ByteView content,
                                const std::optional<Bytes>& content_digest) {
  std::vector<Attribute> attrs;
  MEDSIGN_ASSIGN(Bytes ct, encode_one([&](asn1::Writer& w) { w.add_oid(content_type); }));
  attrs.push_back({id::kContentType, {ct}});
  if (s.signing_time_ms) {
    MEDSIGN_ASSIGN(Bytes t, encode_one([&](asn1::Writer& w) { w.add_x509_time(*s.signing_time_ms / 1000 * 1000); }));
    attrs.push_back({id::kSigningTime, {t}});
  }
  MEDSIGN_ASSIGN(Bytes md, encode_one([&](asn1::Writer& w) {
    w.add_octet_string(content_digest ? *content_digest : digest(s.digest, content));
  }));
  attrs.push_back({id::kMessageDigest, {md}});
  for (auto& a : s.extra_signed_attributes) attrs.push_back(a);
  return encode_one([&](asn1::Writer& w) {
    w.add_set_of([&](asn1::Writer& set) {
      for (auto& a : attrs) write_attribute(set, a);
    });
  });
}

}  // namespace

Result<Bytes> sign(const SignRequest& req, std::span<const SignerSpec> signers) {
  if (signers.empty()) return Error(Errc::invalid_argument, "CMS: at least one signer is required");
  const asn1::Oid content_type = req.content_type.value_or(data_oid(req.flavor));
  struct Prepared {
    Bytes signed_attrs;  // SET-tagged DER, empty without attributes
    Bytes signature;
  };
  std::vector<Prepared> prepared;
  for (auto& s : signers) {
    if (!s.sign) return Error(Errc::invalid_argument, "CMS: signer without a sign function");
    if (s.signature == SignatureAlgorithm::sm2 && s.digest != DigestAlgorithm::sm3)
      return Error(Errc::invalid_argument, "CMS: SM2 signers use SM3");
    if (req.content_digest) {
      if (!req.detached || !s.signed_attributes)
        return Error(Errc::invalid_argument, "CMS: signing a precomputed digest needs detached content and signed attributes");
      if (req.content_digest->size() != digest_size(s.digest))
        return Error(Errc::invalid_argument, "CMS: the precomputed digest's size does not match the signer's digest algorithm");
    }
    Prepared p;
    if (s.signed_attributes || content_type != data_oid(req.flavor)) {
      MEDSIGN_ASSIGN(p.signed_attrs, signed_attributes(s, content_type, req.content, req.content_digest));
      MEDSIGN_ASSIGN(p.signature, s.sign(p.signed_attrs));
    } else {
      MEDSIGN_ASSIGN(p.signature, s.sign(req.content));
    }
    prepared.push_back(std::move(p));
  }
  bool v3 = req.flavor == Flavor::rfc5652 && content_type != id::kPkcs7Data;
  asn1::Writer w;
  w.add_sequence([&](asn1::Writer& ci) {
    ci.add_oid(signed_data_oid(req.flavor));
    ci.add_explicit(0, [&](asn1::Writer& e) {
      e.add_sequence([&](asn1::Writer& sd) {
        sd.add_int64(v3 ? 3 : 1);
        sd.add_set_of([&](asn1::Writer& set) {
          std::vector<DigestAlgorithm> seen;
          for (auto& s : signers) {
            if (std::find(seen.begin(), seen.end(), s.digest) != seen.end()) continue;
            seen.push_back(s.digest);
            set.add_sequence([&](asn1::Writer& a) { a.add_oid(digest_oid(s.digest)); });
          }
        });
        sd.add_sequence([&](asn1::Writer& eci) {
          eci.add_oid(content_type);
          if (!req.detached) eci.add_explicit(0, [&](asn1::Writer& c) { c.add_octet_string(req.content); });
        });
        if (req.include_signer_certificates || !req.extra_certificates.empty()) {
          sd.add_constructed(asn1::Tag::context(0, true), [&](asn1::Writer& certs) {
            std::vector<Bytes> added;
            auto add = [&](const Bytes& der) {
              if (std::find(added.begin(), added.end(), der) != added.end()) return;
              added.push_back(der);
              certs.add_raw(der);
            };
            if (req.include_signer_certificates)
              for (auto& s : signers) add(s.certificate.der());
            for (auto& c : req.extra_certificates) add(c);
          });
        }
        if (!req.crls.empty()) {
          sd.add_constructed(asn1::Tag::context(1, true), [&](asn1::Writer& crls) {
            for (auto& c : req.crls) crls.add_raw(c);
          });
        }
        sd.add_set_of([&](asn1::Writer& infos) {
          for (std::size_t i = 0; i < signers.size(); ++i) {
            const SignerSpec& s = signers[i];
            infos.add_sequence([&](asn1::Writer& si) {
              si.add_int64(1);
              si.add_sequence([&](asn1::Writer& ias) {
                ias.add_raw(s.certificate.issuer().der());
                ias.add_integer_bytes(s.certificate.serial());
              });
              si.add_sequence([&](asn1::Writer& a) { a.add_oid(digest_oid(s.digest)); });
              if (!prepared[i].signed_attrs.empty()) {
                // [0] IMPLICIT: the SET's content under a context tag.
                ByteView attrs(prepared[i].signed_attrs);
                asn1::Reader r(attrs);
                auto set = r.read_any();
                if (set) si.add_element(asn1::Tag::context(0, true), set->content);
                else si.fail(set.error());
              }
              write_signature_algorithm(si, s.signature, s.digest);
              si.add_octet_string(prepared[i].signature);
              if (!s.unsigned_attributes.empty()) {
                si.add_constructed(asn1::Tag::context(1, true), [&](asn1::Writer& ua) {
                  for (auto& a : s.unsigned_attributes) write_attribute(ua, a);
                });
              }
            });
          }
        });
      });
    });
  });
  return std::move(w).finish();
}

}  // namespace medsign::cms
