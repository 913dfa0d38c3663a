#include "pki/extensions.h"

#include "asn1/der_string.h"
#include "asn1/oids.h"
#include "asn1/reader.h"
#include "asn1/writer.h"
#include "pki/name.h"

namespace medsign::pki {
namespace {

using asn1::Reader;
using asn1::Tag;

// Runs `body` over a reader positioned on `value`, requiring it to consume everything.
template <typename T, typename F>
Result<T> decode_whole(ByteView value, F body) {
  Reader r(value);
  MEDSIGN_ASSIGN(T out, body(r));
  MEDSIGN_TRY(r.expect_end());
  return out;
}

}  // namespace

Result<BasicConstraints> decode_basic_constraints(ByteView value) {
  return decode_whole<BasicConstraints>(value, [](Reader& r) -> Result<BasicConstraints> {
    MEDSIGN_ASSIGN(Reader seq, r.read_sequence());
    BasicConstraints bc;
    MEDSIGN_ASSIGN(bc.ca, seq.read_optional_boolean_default_false());
    if (seq.peek(asn1::tag::kInteger)) {
      MEDSIGN_ASSIGN(std::int64_t n, seq.read_int64());
      if (n < 0) return Error(Errc::bad_encoding, "basicConstraints: negative pathLenConstraint");
      bc.path_len = n;
    }
    MEDSIGN_TRY(seq.expect_end());
    return bc;
  });
}

std::vector<std::string> KeyUsage::names() const {
  static constexpr const char* kNames[] = {"digitalSignature", "nonRepudiation", "keyEncipherment",
                                           "dataEncipherment", "keyAgreement",   "keyCertSign",
                                           "cRLSign",          "encipherOnly",   "decipherOnly"};
  std::vector<std::string> out;
  for (unsigned i = 0; i < 9; ++i) {
    if ((bits >> i) & 1u) out.emplace_back(kNames[i]);
  }
  return out;
}

Result<KeyUsage> decode_key_usage(ByteView value) {
  return decode_whole<KeyUsage>(value, [](Reader& r) -> Result<KeyUsage> {
    MEDSIGN_ASSIGN(asn1::BitString bs, r.read_bit_string());
    if (bs.bit_count() == 0) return Error(Errc::bad_encoding, "keyUsage: no bits");
    KeyUsage ku;
    for (std::size_t i = 0; i < bs.bit_count(); ++i) {
      if (!bs.bit(i)) continue;
      if (i > 8) return Error(Errc::bad_encoding, "keyUsage: bit " + std::to_string(i) + " is not defined");
      ku.bits |= 1u << i;
    }
    return ku;
  });
}

Result<std::vector<asn1::Oid>> decode_extended_key_usage(ByteView value) {
  return decode_whole<std::vector<asn1::Oid>>(value, [](Reader& r) -> Result<std::vector<asn1::Oid>> {
    MEDSIGN_ASSIGN(Reader seq, r.read_sequence());
    std::vector<asn1::Oid> out;
    while (!seq.empty()) {
      MEDSIGN_ASSIGN(asn1::Oid o, seq.read_oid());
      out.push_back(o);
    }
    if (out.empty()) return Error(Errc::bad_encoding, "extendedKeyUsage: empty");
    return out;
  });
}

Result<Bytes> decode_subject_key_identifier(ByteView value) {
  return decode_whole<Bytes>(value, [](Reader& r) -> Result<Bytes> {
    MEDSIGN_ASSIGN(ByteView id, r.read_octet_string());
    return Bytes(id.begin(), id.end());
  });
}

Result<AuthorityKeyIdentifier> decode_authority_key_identifier(ByteView value) {
  return decode_whole<AuthorityKeyIdentifier>(value, [](Reader& r) -> Result<AuthorityKeyIdentifier> {
    MEDSIGN_ASSIGN(Reader seq, r.read_sequence());
    AuthorityKeyIdentifier aki;
    if (seq.peek(Tag::context(0, false))) {
      MEDSIGN_ASSIGN(ByteView id, seq.read_octet_string(Tag::context(0, false)));
      aki.key_id = Bytes(id.begin(), id.end());
    }
    if (seq.peek(Tag::context(1, true))) {
      MEDSIGN_ASSIGN(Reader names, seq.read_constructed(Tag::context(1, true)));
      MEDSIGN_ASSIGN(aki.issuer, read_general_names(names));
    }
    if (seq.peek(Tag::context(2, false))) {
      MEDSIGN_ASSIGN(ByteView serial, seq.read_integer_bytes(Tag::context(2, false)));
      aki.serial = Bytes(serial.begin(), serial.end());
    }
    MEDSIGN_TRY(seq.expect_end());
    return aki;
  });
}

Result<std::vector<GeneralName>> decode_general_names(ByteView value) {
  return decode_whole<std::vector<GeneralName>>(value, [](Reader& r) -> Result<std::vector<GeneralName>> {
    MEDSIGN_ASSIGN(Reader seq, r.read_sequence());
    return read_general_names(seq);
  });
}

Result<std::vector<DistributionPoint>> decode_crl_distribution_points(ByteView value) {
  return decode_whole<std::vector<DistributionPoint>>(value, [](Reader& r) -> Result<std::vector<DistributionPoint>> {
    MEDSIGN_ASSIGN(Reader seq, r.read_sequence());
    std::vector<DistributionPoint> out;
    while (!seq.empty()) {
      MEDSIGN_ASSIGN(Reader dp, seq.read_sequence());
      DistributionPoint p;
      MEDSIGN_ASSIGN(auto dpn, dp.read_optional_explicit(0));
      if (dpn) {
        if (dpn->peek(Tag::context(0, true))) {
          MEDSIGN_ASSIGN(Reader full, dpn->read_constructed(Tag::context(0, true)));
          MEDSIGN_ASSIGN(p.full_name, read_general_names(full));
        } else {
          // nameRelativeToCRLIssuer [1] IMPLICIT RelativeDistinguishedName: wrap as a Name to print it.
          MEDSIGN_ASSIGN(asn1::Element rel, dpn->read_element(Tag::context(1, true)));
          Bytes as_set = asn1::encode_element(asn1::tag::kSet, rel.content);
          Bytes as_name = asn1::encode_element(asn1::tag::kSequence, as_set);
          MEDSIGN_ASSIGN(Name n, Name::parse_der(as_name));
          p.relative_name = n.to_string();
        }
        MEDSIGN_TRY(dpn->expect_end());
      }
      if (dp.peek(Tag::context(1, false))) {
        MEDSIGN_ASSIGN(asn1::BitString bits, dp.read_bit_string(Tag::context(1, false)));
        std::uint32_t v = 0;
        for (std::size_t i = 0; i < bits.bit_count() && i < 32; ++i) v |= bits.bit(i) ? 1u << i : 0;
        p.reasons = v;
      }
      if (dp.peek(Tag::context(2, true))) {
        MEDSIGN_ASSIGN(Reader issuer, dp.read_constructed(Tag::context(2, true)));
        MEDSIGN_ASSIGN(p.crl_issuer, read_general_names(issuer));
      }
      MEDSIGN_TRY(dp.expect_end());
      if (p.full_name.empty() && !p.relative_name && p.crl_issuer.empty()) {
        return Error(Errc::bad_encoding, "cRLDistributionPoints: point with neither name nor cRLIssuer");
      }
      out.push_back(std::move(p));
    }
    if (out.empty()) return Error(Errc::bad_encoding, "cRLDistributionPoints: empty");
    return out;
  });
}

std::vector<std::string> distribution_point_uris(const std::vector<DistributionPoint>& points) {
  std::vector<std::string> out;
  for (const auto& p : points) {
    for (const auto& n : p.full_name) {
      if (n.type == GeneralName::Type::uri) out.push_back(n.value);
    }
  }
  return out;
}

Result<std::vector<AccessDescription>> decode_info_access(ByteView value) {
  return decode_whole<std::vector<AccessDescription>>(value, [](Reader& r) -> Result<std::vector<AccessDescription>> {
    MEDSIGN_ASSIGN(Reader seq, r.read_sequence());
    std::vector<AccessDescription> out;
    while (!seq.empty()) {
      MEDSIGN_ASSIGN(Reader ad, seq.read_sequence());
      AccessDescription d;
      MEDSIGN_ASSIGN(d.method, ad.read_oid());
      MEDSIGN_ASSIGN(d.location, read_general_name(ad));
      MEDSIGN_TRY(ad.expect_end());
      out.push_back(std::move(d));
    }
    if (out.empty()) return Error(Errc::bad_encoding, "info access: empty");
    return out;
  });
}

Result<std::vector<PolicyInformation>> decode_certificate_policies(ByteView value) {
  return decode_whole<std::vector<PolicyInformation>>(value, [](Reader& r) -> Result<std::vector<PolicyInformation>> {
    MEDSIGN_ASSIGN(Reader seq, r.read_sequence());
    std::vector<PolicyInformation> out;
    while (!seq.empty()) {
      MEDSIGN_ASSIGN(Reader pi, seq.read_sequence());
      PolicyInformation p;
      MEDSIGN_ASSIGN(p.policy, pi.read_oid());
      if (!pi.empty()) {
        MEDSIGN_ASSIGN(Reader quals, pi.read_sequence());
        while (!quals.empty()) {
          MEDSIGN_ASSIGN(Reader q, quals.read_sequence());
          MEDSIGN_ASSIGN(asn1::Oid qid, q.read_oid());
          if (qid == asn1::oid::kQtCps) {
            MEDSIGN_ASSIGN(asn1::Element uri, q.read_element(asn1::tag::kIa5String));
            MEDSIGN_ASSIGN(std::string s, asn1::decode_string(uri.tag, uri.content));
            p.cps_uris.push_back(std::move(s));
          } else if (qid == asn1::oid::kQtUnotice) {
            MEDSIGN_ASSIGN(Reader notice, q.read_sequence());
            if (notice.peek(asn1::tag::kSequence)) MEDSIGN_TRY(notice.read_any());  // noticeRef
            if (!notice.empty()) {
              MEDSIGN_ASSIGN(std::string text, notice.read_string());
              p.user_notices.push_back(std::move(text));
            }
            MEDSIGN_TRY(notice.expect_end());
          } else if (!q.empty()) {
            MEDSIGN_TRY(q.read_any());  // unknown qualifier: skipped
          }
          MEDSIGN_TRY(q.expect_end());
        }
      }
      MEDSIGN_TRY(pi.expect_end());
      out.push_back(std::move(p));
    }
    if (out.empty()) return Error(Errc::bad_encoding, "certificatePolicies: empty");
    return out;
  });
}

bool is_identity_extension(const asn1::Oid& o) {
  namespace id = asn1::oid;
  return o == id::kGmIdentifyCode || o == id::kGmResidentIdCardNumber || o == id::kGmPassportNumber ||
         o == id::kGmInsuranceNumber || o == id::kGmIcRegistrationNumber || o == id::kGmOrganizationCode ||
         o == id::kGmTaxationNumber || o == id::kGmUnifiedSocialCreditCode || o == id::kLegacyIdNumber ||
         o == id::kLegacyBusinessRegistration || o == id::kLegacyUnifiedSocialCreditCode ||
         o == id::kLegacyTaxpayerId || o == id::kVendorOrganizationCode || o == id::kZjcaSystemUserName ||
         o == id::kVendorUniqueId || o == id::kHealthWorkerNumber || o == id::kHealthIdCardNumber;
}

Result<IdentityValue> decode_identity_value(ByteView value) {
  return decode_whole<IdentityValue>(value, [](Reader& r) -> Result<IdentityValue> {
    MEDSIGN_ASSIGN(asn1::Element e, r.read_any());
    IdentityValue out;
    if (e.tag.cls == asn1::TagClass::context && e.tag.number <= 2) {
      static constexpr const char* kKinds[] = {"residentIdCard", "militaryOfficerCard", "passport"};
      out.kind = kKinds[e.tag.number];
      if (e.tag.constructed) {
        MEDSIGN_ASSIGN(Reader inner, r.enter(e));
        MEDSIGN_ASSIGN(out.value, inner.read_string());
        MEDSIGN_TRY(inner.expect_end());
      } else {
        // IMPLICIT: [0] and [2] are PrintableString, [1] UTF8String.
        const Tag t = e.tag.number == 1 ? asn1::tag::kUtf8String : asn1::tag::kPrintableString;
        MEDSIGN_ASSIGN(out.value, asn1::decode_string(t, e.content));
      }
      return out;
    }
    if (asn1::is_string_tag(e.tag)) {
      MEDSIGN_ASSIGN(out.value, asn1::decode_string(e.tag, e.content));
      return out;
    }
    if (e.tag == asn1::tag::kOctetString) {
      std::string s(as_chars(e.content));
      if (!asn1::is_valid_utf8(s)) return Error(Errc::bad_encoding, "identity extension: OCTET STRING is not text");
      out.value = std::move(s);
      return out;
    }
    return Error(Errc::bad_encoding, "identity extension: unexpected " + e.tag.to_string());
  });
}

}  // namespace medsign::pki
