#include "tsp/timestamp.h"

#include "asn1/oids.h"
#include "asn1/reader.h"
#include "asn1/writer.h"

namespace medsign::tsp {
namespace {
Error bad(const std::string& what) { return Error(Errc::bad_encoding, "timestamp: " + what); }

Result<MessageImprint> read_imprint(asn1::Reader& r, RequestRejection* rej) {
  MEDSIGN_ASSIGN(asn1::Reader mi, r.read_sequence());
  MEDSIGN_ASSIGN(asn1::Reader alg, mi.read_sequence());
  MEDSIGN_ASSIGN(auto oid, alg.read_oid());
  if (!alg.empty()) MEDSIGN_TRY(alg.read_null());  // parameters: absent or NULL
  MEDSIGN_TRY(alg.expect_end());
  MEDSIGN_ASSIGN(auto hashed, mi.read_octet_string());
  MEDSIGN_TRY(mi.expect_end());
  auto d = cms::digest_from_oid(oid);
  if (!d) {
    if (rej) *rej = {FailInfo::bad_alg, "unsupported hash algorithm " + asn1::oid_name(oid)};
    return bad("unsupported hash algorithm " + asn1::oid_name(oid));
  }
  if (hashed.size() != cms::digest_size(*d)) {
    if (rej) *rej = {FailInfo::bad_data_format, "the hashed message has the wrong length for " +
                                                    std::string(cms::digest_name(*d))};
    return bad("hashed message length does not match the algorithm");
  }
  return MessageImprint{*d, Bytes(hashed.begin(), hashed.end())};
}

void write_imprint(asn1::Writer& w, const MessageImprint& m) {
  w.add_sequence([&](asn1::Writer& s) {
    s.add_sequence([&](asn1::Writer& a) { a.add_oid(cms::digest_oid(m.algorithm)); });
    s.add_octet_string(m.hashed_message);
  });
}
}  // namespace

std::string_view fail_info_name(FailInfo f) {
  switch (f) {
    case FailInfo::bad_alg: return "badAlg";
    case FailInfo::bad_request: return "badRequest";
    case FailInfo::bad_data_format: return "badDataFormat";
    case FailInfo::time_not_available: return "timeNotAvailable";
    case FailInfo::unaccepted_policy: return "unacceptedPolicy";
    case FailInfo::unaccepted_extension: return "unacceptedExtension";
    case FailInfo::add_info_not_available: return "addInfoNotAvailable";
    case FailInfo::system_failure: return "systemFailure";
  }
  return "?";
}

Result<TimeStampRequest> parse_request(ByteView der, RequestRejection* rej) {
  if (rej) *rej = {FailInfo::bad_request, "the request is not a DER TimeStampReq"};
  TimeStampRequest req;
  asn1::Reader top(der);
  MEDSIGN_ASSIGN(asn1::Reader r, top.read_sequence());
  MEDSIGN_TRY(top.expect_end());
  MEDSIGN_ASSIGN(auto version, r.read_int64());
  if (version != 1) {
    if (rej) *rej = {FailInfo::bad_request, "unsupported request version " + std::to_string(version)};
    return bad("unsupported version");
  }
  if (rej) *rej = {FailInfo::bad_data_format, "the messageImprint is malformed"};
  MEDSIGN_ASSIGN(req.imprint, read_imprint(r, rej));
  if (rej) *rej = {FailInfo::bad_request, "the request is not a DER TimeStampReq"};
  if (r.peek(asn1::tag::kOid)) {
    MEDSIGN_ASSIGN(auto policy, r.read_oid());
    req.policy = policy;
  }
  if (r.peek(asn1::tag::kInteger)) {
    MEDSIGN_ASSIGN(auto nonce, r.read_integer_bytes());
    req.nonce = Bytes(nonce.begin(), nonce.end());
  }
  MEDSIGN_ASSIGN(req.cert_req, r.read_optional_boolean_default_false());
  MEDSIGN_ASSIGN(auto exts, r.read_optional(asn1::Tag::context(0, true)));
  if (exts) {
    MEDSIGN_ASSIGN(asn1::Reader er, r.enter(*exts));
    while (!er.empty()) {
      MEDSIGN_ASSIGN(asn1::Reader e, er.read_sequence());
      MEDSIGN_ASSIGN(auto oid, e.read_oid());
      req.extensions.push_back(oid);
    }
  }
  MEDSIGN_TRY(r.expect_end());
  return req;
}

Result<Bytes> encode_request(const TimeStampRequest& q) {
  asn1::Writer w;
  w.add_sequence([&](asn1::Writer& s) {
    s.add_int64(1);
    write_imprint(s, q.imprint);
    if (q.policy) s.add_oid(*q.policy);
    if (q.nonce) s.add_integer_bytes(*q.nonce);
    if (q.cert_req) s.add_boolean(true);
  });
  return std::move(w).finish();
}

Result<Bytes> encode_tst_info(const TstInfo& t) {
  asn1::Writer w;
  w.add_sequence([&](asn1::Writer& s) {
    s.add_int64(1);
    s.add_oid(t.policy);
    write_imprint(s, t.imprint);
    s.add_integer_bytes(t.serial);
    s.add_generalized_time(t.gen_time_ms);
    if (t.accuracy) {
      s.add_sequence([&](asn1::Writer& a) {
        if (t.accuracy->seconds) a.add_int64(t.accuracy->seconds);
        if (t.accuracy->millis) a.add_int64(t.accuracy->millis, asn1::Tag::context(0, false));
        if (t.accuracy->micros) a.add_int64(t.accuracy->micros, asn1::Tag::context(1, false));
      });
    }
    if (t.ordering) s.add_boolean(true);
    if (t.nonce) s.add_integer_bytes(*t.nonce);
    if (!t.tsa_name_der.empty())
      s.add_explicit(0, [&](asn1::Writer& g) {
        g.add_constructed(asn1::Tag::context(4, true), [&](asn1::Writer& dn) { dn.add_raw(t.tsa_name_der); });
      });
  });
  return std::move(w).finish();
}

Result<TstInfo> parse_tst_info(ByteView der) {
  TstInfo t;
  asn1::Reader top(der);
  MEDSIGN_ASSIGN(asn1::Reader r, top.read_sequence());
  MEDSIGN_TRY(top.expect_end());
  MEDSIGN_ASSIGN(auto version, r.read_int64());
  if (version != 1) return bad("TSTInfo version must be 1");
  MEDSIGN_ASSIGN(t.policy, r.read_oid());
  MEDSIGN_ASSIGN(t.imprint, read_imprint(r, nullptr));
  MEDSIGN_ASSIGN(auto serial, r.read_integer_bytes());
  t.serial.assign(serial.begin(), serial.end());
  MEDSIGN_ASSIGN(t.gen_time_ms, r.read_generalized_time());
  if (r.peek(asn1::tag::kSequence)) {
    MEDSIGN_ASSIGN(asn1::Reader a, r.read_sequence());
    Accuracy acc;
    if (a.peek(asn1::tag::kInteger)) {
      MEDSIGN_ASSIGN(auto s, a.read_int64());
      acc.seconds = static_cast<int>(s);
    }
    if (a.peek(asn1::Tag::context(0, false))) {
      MEDSIGN_ASSIGN(auto ms, a.read_int64(asn1::Tag::context(0, false)));
      acc.millis = static_cast<int>(ms);
    }
    if (a.peek(asn1::Tag::context(1, false))) {
      MEDSIGN_ASSIGN(auto us, a.read_int64(asn1::Tag::context(1, false)));
      acc.micros = static_cast<int>(us);
    }
    MEDSIGN_TRY(a.expect_end());
    t.accuracy = acc;
  }
  MEDSIGN_ASSIGN(t.ordering, r.read_optional_boolean_default_false());
  if (r.peek(asn1::tag::kInteger)) {
    MEDSIGN_ASSIGN(auto nonce, r.read_integer_bytes());
    t.nonce = Bytes(nonce.begin(), nonce.end());
  }
  MEDSIGN_ASSIGN(auto tsa, r.read_optional_explicit(0));
  if (tsa) {
    MEDSIGN_ASSIGN(auto gn, tsa->read_any());
    if (gn.tag == asn1::Tag::context(4, true)) {
      MEDSIGN_ASSIGN(asn1::Reader dn, tsa->enter(gn));
      MEDSIGN_ASSIGN(auto name, dn.read_element(asn1::tag::kSequence));
      t.tsa_name_der.assign(name.raw.begin(), name.raw.end());
    }
  }
  MEDSIGN_ASSIGN(auto exts, r.read_optional(asn1::Tag::context(1, true)));
  (void)exts;
  MEDSIGN_TRY(r.expect_end());
  return t;
}

Result<Bytes> encode_granted(ByteView token) {
  asn1::Writer w;
  w.add_sequence([&](asn1::Writer& s) {
    s.add_sequence([&](asn1::Writer& st) { st.add_int64(static_cast<int>(PkiStatus::granted)); });
    s.add_raw(token);
  });
  return std::move(w).finish();
}

Result<Bytes> encode_rejection(FailInfo f, std::string_view text) {
  asn1::Writer w;
  w.add_sequence([&](asn1::Writer& s) {
    s.add_sequence([&](asn1::Writer& st) {
      st.add_int64(static_cast<int>(PkiStatus::rejection));
      st.add_sequence([&](asn1::Writer& texts) { texts.add_string(asn1::tag::kUtf8String, text); });
      st.add_named_bits(1u << static_cast<int>(f), 32);
    });
  });
  return std::move(w).finish();
}

Result<TimeStampResponse> parse_response(ByteView der) {
  TimeStampResponse out;
  asn1::Reader top(der);
  MEDSIGN_ASSIGN(asn1::Reader r, top.read_sequence());
  MEDSIGN_TRY(top.expect_end());
  MEDSIGN_ASSIGN(asn1::Reader st, r.read_sequence());
  MEDSIGN_ASSIGN(auto status, st.read_int64());
  if (status < 0 || status > 5) return bad("unknown PKIStatus " + std::to_string(status));
  out.status = static_cast<PkiStatus>(status);
  if (st.peek(asn1::tag::kSequence)) {
    MEDSIGN_ASSIGN(asn1::Reader texts, st.read_sequence());
    while (!texts.empty()) {
      MEDSIGN_ASSIGN(auto s, texts.read_string());
      out.status_text.push_back(s);
    }
  }
  if (st.peek(asn1::tag::kBitString)) {
    MEDSIGN_ASSIGN(auto bits, st.read_bit_string());
    for (int b : {0, 2, 5, 14, 15, 16, 17, 25})
      if (static_cast<std::size_t>(b) < bits.bit_count() && bits.bit(static_cast<std::size_t>(b))) {
        out.fail_info = static_cast<FailInfo>(b);
        break;
      }
  }
  MEDSIGN_TRY(st.expect_end());
  if (!r.empty()) {
    MEDSIGN_ASSIGN(auto token, r.read_element(asn1::tag::kSequence));
    out.token = Bytes(token.raw.begin(), token.raw.end());
  }
  MEDSIGN_TRY(r.expect_end());
  if ((out.status == PkiStatus::granted || out.status == PkiStatus::granted_with_mods) && !out.token)
    return bad("a granted response without a token");
  return out;
}

}  // namespace medsign::tsp
