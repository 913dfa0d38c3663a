#include "seal/seal.h"

#include "asn1/der_time.h"
#include "asn1/reader.h"
#include "asn1/writer.h"

namespace medsign::seal {
namespace {
using asn1::Reader;
using asn1::Writer;
namespace tag = asn1::tag;

// Wraps reader errors into the seal catalogue codes with the name of the field being read.
struct Ctx {
  Errc code;
  const char* what;  // "SESeal", "SES_Signature"
  Error wrap(const char* field, const Error& e) const {
    std::string d(what);
    d.append(": ").append(field).append(": ").append(e.detail.empty() ? std::string(e.code_name()) : e.detail);
    return Error(code, std::move(d));
  }
  Error fail(std::string detail) const {
    std::string d(what);
    d.append(": ").append(detail);
    return Error(code, std::move(d));
  }
};

#define SEAL_READ(decl, expr, field)            \
  MEDSIGN_ASSIGN_IMPL(MEDSIGN_CONCAT(seal_r_, __LINE__), decl, ([&] {   \
    auto r_ = (expr);                          \
    using R_ = decltype(r_);                   \
    if (!r_) return R_(ctx.wrap(field, r_.error())); \
    return r_;                                 \
  }()))

Result<std::size_t> count_elements(Reader r, const Ctx& ctx) {
  std::size_t n = 0;
  while (!r.empty()) {
    auto e = r.read_any();
    if (!e) return ctx.wrap("element", e.error());
    ++n;
  }
  return n;
}

// Status has no value; wrap it so SEAL_READ can bind something.
Result<bool> end_of(const Reader& r) {
  auto st = r.expect_end();
  if (!st) return st.error();
  return true;
}

Result<Bytes> read_bits(Reader& r, const Ctx& ctx, const char* field) {
  SEAL_READ(asn1::BitString b, r.read_bit_string(), field);
  if (b.unused_bits != 0) return ctx.fail(std::string(field) + ": BIT STRING with unused bits");
  return Bytes(b.bytes.begin(), b.bytes.end());
}

Result<std::string> read_ia5(Reader& r, const Ctx& ctx, const char* field) {
  SEAL_READ(asn1::Element e, r.read_element(tag::kIa5String), field);
  for (std::uint8_t c : e.content)
    if (c > 0x7f) return ctx.fail(std::string(field) + ": IA5String holds a non-ASCII byte");
  return std::string(as_chars(e.content));
}

Result<std::vector<ExtData>> read_ext_datas(Reader& r, const Ctx& ctx) {
  SEAL_READ(Reader seq, r.read_sequence(), "extDatas");
  std::vector<ExtData> out;
  while (!seq.empty()) {
    if (out.size() >= kMaxExtensions) return ctx.fail("extDatas: more than 64 entries");
    SEAL_READ(Reader ext, seq.read_sequence(), "extDatas.ExtData");
    ExtData x;
    SEAL_READ(x.id, ext.read_oid(), "ExtData.extnID");
    SEAL_READ(x.critical, ext.read_optional_boolean_default_false(), "ExtData.critical");
    SEAL_READ(ByteView v, ext.read_octet_string(), "ExtData.extnValue");
    x.value.assign(v.begin(), v.end());
    SEAL_READ(bool end, end_of(ext), "ExtData");
    (void)end;
    out.push_back(std::move(x));
  }
  return out;
}

Result<std::int64_t> read_small_int(Reader& r, const Ctx& ctx, const char* field) {
  SEAL_READ(std::int64_t v, r.read_int64(), field);
  return v;
}

Result<Property> read_property(Reader& r, int version, const Ctx& ctx) {
  SEAL_READ(Reader p, r.read_sequence(), "property");
  Property out;
  MEDSIGN_ASSIGN(out.type, read_small_int(p, ctx, "property.type"));
  SEAL_READ(out.name, p.read_string(), "property.name");
  if (version == kVersion38540) {
    MEDSIGN_ASSIGN(out.cert_list_type, read_small_int(p, ctx, "property.certListType"));
    if (out.cert_list_type != 1 && out.cert_list_type != 2)
      return ctx.fail("property.certListType must be 1 (certificates) or 2 (digests), not " +
                      std::to_string(out.cert_list_type));
  }
  SEAL_READ(Reader list, p.read_sequence(), "property.certList");
  while (!list.empty()) {
    if (out.certs.size() + out.cert_digests.size() >= kMaxCerts) return ctx.fail("property.certList: more than 64 entries");
    if (out.cert_list_type == 1) {
      SEAL_READ(ByteView c, list.read_octet_string(), "property.certList certificate");
      if (c.empty()) return ctx.fail("property.certList: empty certificate");
      out.certs.emplace_back(c.begin(), c.end());
    } else {
      SEAL_READ(Reader d, list.read_sequence(), "property.certList CertDigestObj");
      CertDigest cd;
      SEAL_READ(cd.type, d.read_string(), "CertDigestObj.type");
      SEAL_READ(ByteView v, d.read_octet_string(), "CertDigestObj.value");
      cd.value.assign(v.begin(), v.end());
      SEAL_READ(bool e, end_of(d), "CertDigestObj");
      (void)e;
      out.cert_digests.push_back(std::move(cd));
    }
  }
  // GB/T 38540 writes GeneralizedTime, GM/T 0031 UTCTime; readers accept either.
  SEAL_READ(out.create_ms, p.read_time(), "property.createDate");
  SEAL_READ(out.valid_start_ms, p.read_time(), "property.validStart");
  SEAL_READ(out.valid_end_ms, p.read_time(), "property.validEnd");
  SEAL_READ(bool e, end_of(p), "property");
  (void)e;
  return out;
}

Result<SealInfo> read_seal_info(ByteView der, int version, const Ctx& ctx) {
  Reader top(der);
  SEAL_READ(Reader r, top.read_sequence(), "SES_SealInfo");
  SealInfo s;
  SEAL_READ(Reader h, r.read_sequence(), "header");
  MEDSIGN_ASSIGN(s.header.id, read_ia5(h, ctx, "header.id"));
  if (s.header.id != "ES") return ctx.fail("header.id must be \"ES\", not \"" + s.header.id.substr(0, 16) + "\"");
  MEDSIGN_ASSIGN(std::int64_t hv, read_small_int(h, ctx, "header.version"));
  MEDSIGN_ASSIGN(s.header.vid, read_ia5(h, ctx, "header.vid"));
  SEAL_READ(bool he, end_of(h), "header");
  (void)he;
  if (version == kVersion38540 && hv == 5)
    return ctx.fail("header.version 5 (GM/T 0031-2025 draft) is not supported");
  if (version == kVersion38540 && hv != 4)
    return ctx.fail("header.version must be 4 for the GB/T 38540 layout, not " + std::to_string(hv));
  if (version == kVersion2014 && (hv < 1 || hv > 3))
    return ctx.fail("header.version " + std::to_string(hv) + " does not fit the GM/T 0031-2014 layout");
  s.header.version = static_cast<int>(hv);
  MEDSIGN_ASSIGN(s.es_id, read_ia5(r, ctx, "esID"));
  MEDSIGN_ASSIGN(s.property, read_property(r, version, ctx));
  SEAL_READ(Reader pic, r.read_sequence(), "picture");
  MEDSIGN_ASSIGN(s.picture.type, read_ia5(pic, ctx, "picture.type"));
  SEAL_READ(ByteView data, pic.read_octet_string(), "picture.data");
  s.picture.data.assign(data.begin(), data.end());
  MEDSIGN_ASSIGN(s.picture.width_mm, read_small_int(pic, ctx, "picture.width"));
  MEDSIGN_ASSIGN(s.picture.height_mm, read_small_int(pic, ctx, "picture.height"));
  SEAL_READ(bool pe, end_of(pic), "picture");
  (void)pe;
  if (!r.empty()) {
    MEDSIGN_ASSIGN(s.ext_datas, read_ext_datas(r, ctx));
  }
  SEAL_READ(bool e, end_of(r), "SES_SealInfo");
  (void)e;
  SEAL_READ(bool te, end_of(top), "SES_SealInfo");
  (void)te;
  return s;
}

void write_ext_datas(Writer& w, const std::vector<ExtData>& ext) {
  w.add_sequence([&](Writer& seq) {
    for (const auto& x : ext)
      seq.add_sequence([&](Writer& e) {
        e.add_oid(x.id);
        if (x.critical) e.add_boolean(true);
        e.add_octet_string(x.value);
      });
  });
}

void write_time(Writer& w, int version, std::int64_t ms) {
  if (version == kVersion2014) w.add_utc_time(ms);
  else w.add_generalized_time(ms);
}

}  // namespace

Result<int> detect_seal_version(ByteView der) {
  const Ctx ctx{Errc::seal_malformed, "SESeal"};
  Reader top(der);
  SEAL_READ(Reader r, top.read_sequence(), "SESeal");
  MEDSIGN_ASSIGN(std::size_t n, count_elements(r, ctx));
  if (n == 2) return kVersion2014;
  if (n == 4) return kVersion38540;
  if (n == 5) return ctx.fail("5 elements (GM/T 0031-2025 draft with a seal timestamp) are not supported");
  return ctx.fail("expected 2 (GM/T 0031-2014) or 4 (GB/T 38540) elements, found " + std::to_string(n));
}

Result<int> detect_signature_version(ByteView der) {
  const Ctx ctx{Errc::seal_signature_malformed, "SES_Signature"};
  Reader top(der);
  SEAL_READ(Reader r, top.read_sequence(), "SES_Signature");
  MEDSIGN_ASSIGN(std::size_t n, count_elements(r, ctx));
  if (n == 2) return kVersion2014;
  if (n == 4 || n == 5) return kVersion38540;
  return ctx.fail("expected 2 (GM/T 0031-2014) or 4-5 (GB/T 38540) elements, found " + std::to_string(n));
}

Result<Seal> decode_seal(ByteView der) {
  const Ctx ctx{Errc::seal_malformed, "SESeal"};
  MEDSIGN_ASSIGN(int version, detect_seal_version(der));
  Reader top(der);
  SEAL_READ(Reader r, top.read_sequence(), "SESeal");
  SEAL_READ(bool te, end_of(top), "SESeal");
  (void)te;
  Seal s;
  s.version = version;
  s.der.assign(der.begin(), der.end());
  SEAL_READ(asn1::Element info, r.read_element(tag::kSequence), "SES_SealInfo");
  s.info_der.assign(info.raw.begin(), info.raw.end());
  MEDSIGN_ASSIGN(s.info, read_seal_info(info.raw, version, ctx));
  Reader signer = r;
  if (version == kVersion2014) {
    SEAL_READ(signer, r.read_sequence(), "signInfo");
  }
  SEAL_READ(ByteView cert, signer.read_octet_string(), "cert");
  if (cert.empty()) return ctx.fail("cert: the maker certificate is empty");
  s.maker_cert.assign(cert.begin(), cert.end());
  SEAL_READ(s.sign_alg, signer.read_oid(), "signAlgID");
  MEDSIGN_ASSIGN(s.signature, read_bits(signer, ctx, "signedValue"));
  SEAL_READ(bool se, end_of(signer), version == kVersion2014 ? "signInfo" : "SESeal");
  (void)se;
  if (version == kVersion2014) {
    SEAL_READ(bool e, end_of(r), "SESeal");
    (void)e;
  }
  return s;
}

Result<Bytes> encode_seal_info(const Seal& s) {
  const SealInfo& i = s.info;
  const int v = s.version;
  if (v != kVersion2014 && v != kVersion38540) return Error(Errc::invalid_argument, "seal version must be 2 or 4");
  Writer w;
  w.add_sequence([&](Writer& seq) {
    seq.add_sequence([&](Writer& h) {
      h.add_string(tag::kIa5String, i.header.id);
      h.add_int64(i.header.version);
      h.add_string(tag::kIa5String, i.header.vid);
    });
    seq.add_string(tag::kIa5String, i.es_id);
    seq.add_sequence([&](Writer& p) {
      p.add_int64(i.property.type);
      p.add_string(tag::kUtf8String, i.property.name);
      const bool digests = v == kVersion38540 && i.property.cert_list_type == 2;
      if (v == kVersion38540) p.add_int64(digests ? 2 : 1);
      p.add_sequence([&](Writer& list) {
        if (digests) {
          for (const auto& d : i.property.cert_digests)
            list.add_sequence([&](Writer& o) {
              o.add_string(tag::kPrintableString, d.type);
              o.add_octet_string(d.value);
            });
        } else {
          for (const auto& c : i.property.certs) list.add_octet_string(c);
        }
      });
      write_time(p, v, i.property.create_ms);
      write_time(p, v, i.property.valid_start_ms);
      write_time(p, v, i.property.valid_end_ms);
    });
    seq.add_sequence([&](Writer& p) {
      p.add_string(tag::kIa5String, i.picture.type);
      p.add_octet_string(i.picture.data);
      p.add_int64(i.picture.width_mm);
      p.add_int64(i.picture.height_mm);
    });
    if (!i.ext_datas.empty()) write_ext_datas(seq, i.ext_datas);
  });
  return std::move(w).finish();
}

Result<Bytes> maker_tbs(int /*version*/, ByteView info_der, ByteView maker_cert, const asn1::Oid& sign_alg) {
  Writer w;
  w.add_sequence([&](Writer& seq) {
    seq.add_raw(info_der);
    seq.add_octet_string(maker_cert);
    seq.add_oid(sign_alg);
  });
  return std::move(w).finish();
}

Result<Bytes> encode_seal(const Seal& s) {
  MEDSIGN_ASSIGN(Bytes info, encode_seal_info(s));
  Writer w;
  w.add_sequence([&](Writer& seq) {
    seq.add_raw(info);
    auto maker = [&](Writer& m) {
      m.add_octet_string(s.maker_cert);
      m.add_oid(s.sign_alg);
      m.add_bit_string(s.signature);
    };
    if (s.version == kVersion2014) seq.add_sequence(maker);
    else maker(seq);
  });
  return std::move(w).finish();
}

namespace {

Result<Bytes> eseal_der(const Seal& s) {
  if (!s.der.empty()) return s.der;
  return encode_seal(s);
}

// v2 timeInfo: DER UTCTime/GeneralizedTime, or the text of either.
std::optional<std::int64_t> time_of_time_info(ByteView b) {
  if (!b.empty() && (b[0] == 0x17 || b[0] == 0x18)) {
    Reader r(b);
    if (auto t = r.read_time(); t && r.empty()) return *t;
  }
  if (auto t = asn1::parse_generalized_time(b)) return *t;
  if (auto t = asn1::parse_utc_time(b)) return *t;
  return std::nullopt;
}

}  // namespace

Result<Bytes> encode_tbs(const Signature& s) {
  MEDSIGN_ASSIGN(Bytes eseal, eseal_der(s.eseal));
  Bytes time_info = s.time_info;
  if (s.version == kVersion2014 && time_info.empty()) {
    if (!s.time_ms) return Error(Errc::invalid_argument, "SES_Signature: no signing time");
    MEDSIGN_ASSIGN(std::string t, asn1::format_generalized_time(*s.time_ms));
    time_info = to_bytes(t);
  }
  if (s.version == kVersion38540 && !s.time_ms) return Error(Errc::invalid_argument, "SES_Signature: no signing time");
  Writer w;
  w.add_sequence([&](Writer& tbs) {
    tbs.add_int64(s.tbs_version);
    tbs.add_raw(eseal);
    if (s.version == kVersion2014) tbs.add_bit_string(time_info);
    else tbs.add_generalized_time(*s.time_ms);
    tbs.add_bit_string(s.data_hash);
    tbs.add_string(tag::kIa5String, s.property_info);
    if (s.version == kVersion2014) {
      tbs.add_octet_string(s.cert);
      tbs.add_oid(s.sign_alg);
    } else if (!s.ext_datas.empty()) {
      tbs.add_explicit(0, [&](Writer& e) { write_ext_datas(e, s.ext_datas); });
    }
  });
  return std::move(w).finish();
}

Result<Bytes> encode_signature(const Signature& s) {
  Bytes tbs = s.tbs_der;
  if (tbs.empty()) {
    MEDSIGN_ASSIGN(tbs, encode_tbs(s));
  }
  if (s.version == kVersion2014 && s.timestamp)
    return Error(Errc::invalid_argument, "SES_Signature: GM/T 0031-2014 has no timeStamp field");
  Writer w;
  w.add_sequence([&](Writer& seq) {
    seq.add_raw(tbs);
    if (s.version == kVersion38540) {
      seq.add_octet_string(s.cert);
      seq.add_oid(s.sign_alg);
    }
    seq.add_bit_string(s.signature);
    if (s.timestamp) seq.add_explicit(0, [&](Writer& e) { e.add_bit_string(*s.timestamp); });
  });
  return std::move(w).finish();
}

Result<Signature> decode_signature(ByteView der) {
  const Ctx ctx{Errc::seal_signature_malformed, "SES_Signature"};
  MEDSIGN_ASSIGN(int version, detect_signature_version(der));
  Reader top(der);
  SEAL_READ(Reader r, top.read_sequence(), "SES_Signature");
  SEAL_READ(bool te, end_of(top), "SES_Signature");
  (void)te;
  Signature s;
  s.version = version;
  s.der.assign(der.begin(), der.end());
  SEAL_READ(asn1::Element tbs_el, r.read_element(tag::kSequence), "toSign");
  s.tbs_der.assign(tbs_el.raw.begin(), tbs_el.raw.end());
  SEAL_READ(Reader tbs, r.enter(tbs_el), "toSign");
  SEAL_READ(s.tbs_version, tbs.read_int64(), "toSign.version");
  SEAL_READ(asn1::Element seal_el, tbs.read_element(tag::kSequence), "toSign.eseal");
  auto seal = decode_seal(seal_el.raw);
  if (!seal) return ctx.fail("toSign.eseal: " + seal.error().detail);
  s.eseal = std::move(*seal);
  if (s.eseal.version != version)
    return ctx.fail("toSign.eseal is in the layout of version " + std::to_string(s.eseal.version) +
                    ", the signature in that of version " + std::to_string(version));
  if (version == kVersion2014) {
    MEDSIGN_ASSIGN(s.time_info, read_bits(tbs, ctx, "toSign.timeInfo"));
    s.time_ms = time_of_time_info(s.time_info);
  } else {
    SEAL_READ(std::int64_t t, tbs.read_generalized_time(), "toSign.timeInfo");
    s.time_ms = t;
  }
  MEDSIGN_ASSIGN(s.data_hash, read_bits(tbs, ctx, "toSign.dataHash"));
  MEDSIGN_ASSIGN(s.property_info, read_ia5(tbs, ctx, "toSign.propertyInfo"));
  Reader* signer = &r;
  if (version == kVersion2014) signer = &tbs;
  SEAL_READ(ByteView cert, signer->read_octet_string(), "cert");
  if (cert.empty()) return ctx.fail("cert: the signer certificate is empty");
  s.cert.assign(cert.begin(), cert.end());
  SEAL_READ(s.sign_alg, signer->read_oid(), "signatureAlgorithm");
  if (version == kVersion38540) {
    SEAL_READ(auto ext, tbs.read_optional_explicit(0), "toSign.extDatas");
    if (ext) {
      MEDSIGN_ASSIGN(s.ext_datas, read_ext_datas(*ext, ctx));
      SEAL_READ(bool ee, end_of(*ext), "toSign.extDatas");
      (void)ee;
    }
  }
  SEAL_READ(bool tbe, end_of(tbs), "toSign");
  (void)tbe;
  MEDSIGN_ASSIGN(s.signature, read_bits(r, ctx, "signature"));
  if (version == kVersion38540 && !r.empty()) {
    SEAL_READ(auto tagged, r.read_optional_explicit(0), "timeStamp");
    if (tagged) {
      MEDSIGN_ASSIGN(s.timestamp, read_bits(*tagged, ctx, "timeStamp"));
      SEAL_READ(bool e, end_of(*tagged), "timeStamp");
      (void)e;
    } else {
      MEDSIGN_ASSIGN(s.timestamp, read_bits(r, ctx, "timeStamp (untagged)"));
      s.timestamp_untagged = true;
    }
    if (s.timestamp->empty()) return ctx.fail("timeStamp is empty");
  }
  SEAL_READ(bool e, end_of(r), "SES_Signature");
  (void)e;
  return s;
}

}  // namespace medsign::seal
