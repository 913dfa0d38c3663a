#include "tsp/token_template.h"

#include <algorithm>
#include <cstring>
#include <functional>

#include "asn1/der_time.h"
#include "asn1/oids.h"
#include "asn1/writer.h"
#include "tsp/timestamp_issuer.h"

namespace medsign::tsp {
namespace id = asn1::oid;
namespace {

std::size_t len_size(std::size_t n) {
  std::size_t s = 1;
  if (n >= 0x80)
    for (std::size_t v = n; v != 0; v >>= 8) ++s;
  return s;
}
std::size_t tlv(std::size_t n) { return 1 + len_size(n) + n; }

// Forward writer into a buffer sized in advance.
struct Out {
  std::uint8_t* p;
  void header(std::uint8_t tag, std::size_t n) {
    *p++ = tag;
    if (n < 0x80) {
      *p++ = static_cast<std::uint8_t>(n);
      return;
    }
    int k = 0;
    for (std::size_t v = n; v != 0; v >>= 8) ++k;
    *p++ = static_cast<std::uint8_t>(0x80 | k);
    for (int i = k - 1; i >= 0; --i) *p++ = static_cast<std::uint8_t>(n >> (8 * i));
  }
  void put(ByteView b) {
    if (!b.empty()) std::memcpy(p, b.data(), b.size());
    p += b.size();
  }
  void element(std::uint8_t tag, ByteView content) {
    header(tag, content.size());
    put(content);
  }
};

Result<Bytes> encode_with(const std::function<void(asn1::Writer&)>& f) {
  asn1::Writer w;
  f(w);
  return std::move(w).finish();
}

bool minimal_integer(ByteView c) {
  return !c.empty() &&
         !(c.size() > 1 && ((c[0] == 0x00 && (c[1] & 0x80) == 0) || (c[0] == 0xff && (c[1] & 0x80) != 0)));
}

Result<Bytes> signed_attributes(const TimestampUnit& unit, const Bytes& ess, std::uint8_t fill) {
  Bytes md(cms::digest_size(unit.digest), fill);
  auto attribute = [](asn1::Writer& set, const asn1::Oid& type, ByteView value) {
    set.add_sequence([&](asn1::Writer& s) {
      s.add_oid(type);
      s.add_set_of([&](asn1::Writer& v) { v.add_raw(value); });
    });
  };
  MEDSIGN_ASSIGN(Bytes ct, encode_with([](asn1::Writer& w) { w.add_oid(id::kCmsTstInfo); }));
  MEDSIGN_ASSIGN(Bytes mdv, encode_with([&](asn1::Writer& w) { w.add_octet_string(md); }));
  return encode_with([&](asn1::Writer& w) {
    w.add_set_of([&](asn1::Writer& set) {
      attribute(set, id::kContentType, ct);
      attribute(set, id::kMessageDigest, mdv);
      attribute(set, id::kSigningCertificateV2, ess);
    });
  });
}

// Length of the header of the DER element at the start of b.
std::size_t header_size(ByteView b) { return b.size() < 2 ? 0 : (b[1] < 0x80 ? 2 : 2 + (b[1] & 0x7f)); }

}  // namespace

Result<std::shared_ptr<const TokenTemplate>> TokenTemplate::make(const TimestampUnit& unit, const IssuerPolicy& pol) {
  std::shared_ptr<TokenTemplate> t(new TokenTemplate());
  const bool rfc = unit.flavor == cms::Flavor::rfc5652;
  MEDSIGN_ASSIGN(t->tst_tail_, encode_with([&](asn1::Writer& s) {
    s.add_sequence([&](asn1::Writer& a) {
      if (pol.accuracy.seconds) a.add_int64(pol.accuracy.seconds);
      if (pol.accuracy.millis) a.add_int64(pol.accuracy.millis, asn1::Tag::context(0, false));
      if (pol.accuracy.micros) a.add_int64(pol.accuracy.micros, asn1::Tag::context(1, false));
    });
    if (pol.ordering) s.add_boolean(true);
  }));
  if (pol.include_tsa_name) {
    MEDSIGN_ASSIGN(t->tsa_name_, encode_with([&](asn1::Writer& s) {
      s.add_explicit(0, [&](asn1::Writer& g) {
        g.add_constructed(asn1::Tag::context(4, true),
                          [&](asn1::Writer& dn) { dn.add_raw(unit.certificate.subject().der()); });
      });
    }));
  }
  t->default_policy_oid_ = pol.policy;
  MEDSIGN_ASSIGN(t->default_policy_, encode_with([&](asn1::Writer& w) { w.add_oid(pol.policy); }));
  MEDSIGN_ASSIGN(Bytes ess, ess_cert_id_v2(unit.certificate, unit.digest));
  MEDSIGN_ASSIGN(Bytes zeros, signed_attributes(unit, ess, 0x00));
  MEDSIGN_ASSIGN(Bytes ones, signed_attributes(unit, ess, 0xff));
  t->digest_ = unit.digest;
  t->digest_len_ = cms::digest_size(unit.digest);
  if (zeros.size() != ones.size()) return Error(Errc::internal, "token template: unstable signed attributes");
  std::size_t first = 0;
  while (first < zeros.size() && zeros[first] == ones[first]) ++first;
  if (first + t->digest_len_ > zeros.size() ||
      !std::equal(zeros.begin() + static_cast<std::ptrdiff_t>(first + t->digest_len_), zeros.end(),
                  ones.begin() + static_cast<std::ptrdiff_t>(first + t->digest_len_)))
    return Error(Errc::internal, "token template: messageDigest not found in the signed attributes");
  t->digest_at_ = first;
  t->attrs_ = std::move(zeros);
  MEDSIGN_ASSIGN(t->content_info_oid_, encode_with([&](asn1::Writer& w) {
    w.add_oid(rfc ? id::kPkcs7SignedData : id::kGmSignedData);
  }));
  MEDSIGN_ASSIGN(t->sd_head_, encode_with([&](asn1::Writer& sd) {
    sd.add_int64(rfc ? 3 : 1);
    sd.add_set_of([&](asn1::Writer& set) {
      set.add_sequence([&](asn1::Writer& a) { a.add_oid(cms::digest_oid(unit.digest)); });
    });
  }));
  MEDSIGN_ASSIGN(t->econtent_oid_, encode_with([](asn1::Writer& w) { w.add_oid(id::kCmsTstInfo); }));
  MEDSIGN_ASSIGN(t->certs_, encode_with([&](asn1::Writer& sd) {
    sd.add_constructed(asn1::Tag::context(0, true), [&](asn1::Writer& certs) {
      std::vector<Bytes> added;
      auto add = [&](const Bytes& der) {
        if (std::find(added.begin(), added.end(), der) != added.end()) return;
        added.push_back(der);
        certs.add_raw(der);
      };
      add(unit.certificate.der());
      for (auto& c : unit.chain) add(c);
    });
  }));
  MEDSIGN_ASSIGN(t->si_head_, encode_with([&](asn1::Writer& si) {
    si.add_int64(1);
    si.add_sequence([&](asn1::Writer& ias) {
      ias.add_raw(unit.certificate.issuer().der());
      ias.add_integer_bytes(unit.certificate.serial());
    });
    si.add_sequence([&](asn1::Writer& a) { a.add_oid(cms::digest_oid(unit.digest)); });
  }));
  MEDSIGN_ASSIGN(t->sig_alg_, encode_with([&](asn1::Writer& si) {
    cms::write_signature_algorithm(si, unit.signature, unit.digest);
  }));
  return std::shared_ptr<const TokenTemplate>(std::move(t));
}

Result<Bytes> TokenTemplate::encode_tst_info(const TstInfo& t) const {
  MEDSIGN_ASSIGN(std::string time, asn1::format_generalized_time(t.gen_time_ms));
  if (!minimal_integer(t.serial) || (t.nonce && !minimal_integer(*t.nonce)))
    return Error(Errc::invalid_argument, "DER writer: INTEGER bytes are empty or not minimal");
  Bytes policy_tmp;
  ByteView policy = default_policy_;
  if (!(t.policy == default_policy_oid_)) {
    MEDSIGN_ASSIGN(policy_tmp, encode_with([&](asn1::Writer& w) { w.add_oid(t.policy); }));
    policy = policy_tmp;
  }
  ByteView alg = cms::digest_oid(t.imprint.algorithm).der();
  const ByteView hash = t.imprint.hashed_message;
  const std::size_t alg_content = tlv(alg.size());
  const std::size_t imprint_content = tlv(alg_content) + tlv(hash.size());
  const std::size_t content = 3 + policy.size() + tlv(imprint_content) + tlv(t.serial.size()) + tlv(time.size()) +
                              tst_tail_.size() + (t.nonce ? tlv(t.nonce->size()) : 0) + tsa_name_.size();
  Bytes out(tlv(content));
  Out o{out.data()};
  o.header(0x30, content);
  static constexpr std::uint8_t kVersion1[] = {0x02, 0x01, 0x01};
  o.put(kVersion1);
  o.put(policy);
  o.header(0x30, imprint_content);
  o.header(0x30, alg_content);
  o.element(0x06, alg);
  o.element(0x04, hash);
  o.element(0x02, t.serial);
  o.element(0x18, as_bytes(time));
  o.put(tst_tail_);
  if (t.nonce) o.element(0x02, *t.nonce);
  o.put(tsa_name_);
  return out;
}

Result<BuiltToken> TokenTemplate::build(const TimestampUnit& unit, const TstInfo& t, bool cert_req) const {
  MEDSIGN_ASSIGN(Bytes tst, encode_tst_info(t));
  thread_local Bytes attrs;
  attrs.assign(attrs_.begin(), attrs_.end());
  Bytes md = cms::digest(digest_, tst);
  if (md.size() != digest_len_) return Error(Errc::internal, "token template: digest length");
  std::memcpy(attrs.data() + digest_at_, md.data(), md.size());
  if (!unit.sign) return Error(Errc::invalid_argument, "CMS: signer without a sign function");
  MEDSIGN_ASSIGN(Bytes sig, unit.sign(attrs));
  const ByteView attrs_content = ByteView(attrs).subspan(header_size(attrs));
  const ByteView certs = cert_req ? ByteView(certs_) : ByteView();
  const std::size_t si = si_head_.size() + tlv(attrs_content.size()) + sig_alg_.size() + tlv(sig.size());
  const std::size_t sis = tlv(si);
  const std::size_t econtent = econtent_oid_.size() + tlv(tlv(tst.size()));
  const std::size_t sd = sd_head_.size() + tlv(econtent) + certs.size() + tlv(sis);
  const std::size_t ci = content_info_oid_.size() + tlv(tlv(sd));
  static constexpr std::uint8_t kGranted[] = {0x30, 0x03, 0x02, 0x01, 0x00};
  const std::size_t resp = sizeof kGranted + tlv(ci);
  BuiltToken b;
  b.response.resize(tlv(resp));
  Out o{b.response.data()};
  o.header(0x30, resp);
  o.put(kGranted);
  b.token_offset = static_cast<std::size_t>(o.p - b.response.data());
  b.token_size = tlv(ci);
  o.header(0x30, ci);
  o.put(content_info_oid_);
  o.header(0xa0, tlv(sd));
  o.header(0x30, sd);
  o.put(sd_head_);
  o.header(0x30, econtent);
  o.put(econtent_oid_);
  o.header(0xa0, tlv(tst.size()));
  o.element(0x04, tst);
  o.put(certs);
  o.header(0x31, sis);
  o.header(0x30, si);
  o.put(si_head_);
  o.element(0xa0, attrs_content);
  o.put(sig_alg_);
  o.element(0x04, sig);
  if (o.p != b.response.data() + b.response.size()) return Error(Errc::internal, "token template: size mismatch");
  return b;
}

}  // namespace medsign::tsp
