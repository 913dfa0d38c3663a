#include "pki/crl.h"

#include <algorithm>
#include <set>

#include "asn1/oids.h"
#include "asn1/reader.h"
#include "crypto/algorithms/hash.h"
#include "pki/certificate.h"
#include "pki/pem.h"
#include "pki/signature.h"

namespace medsign::pki {
namespace {

using asn1::Reader;
using asn1::Tag;
namespace id = asn1::oid;

Error crl_error(std::string what) { return Error(Errc::bad_encoding, "crl: " + std::move(what)); }

bool is_time_tag(const Reader& r) { return r.peek(asn1::tag::kUtcTime) || r.peek(asn1::tag::kGeneralizedTime); }

// Extensions ::= SEQUENCE SIZE (1..MAX) OF Extension, with the certificate parser's tolerance of an
// explicit critical FALSE.
Result<std::vector<Extension>> read_extensions(Reader& r, std::string_view where) {
  MEDSIGN_ASSIGN(Reader list, r.read_sequence());
  if (list.empty()) return crl_error(std::string("empty ").append(where));
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
    if (!seen.insert(e.oid).second) {
      return crl_error(std::string(where).append(": extension ").append(asn1::oid_name(e.oid)).append(" appears twice"));
    }
    out.push_back(std::move(e));
  }
  return out;
}

Result<CrlReason> decode_reason(ByteView value) {
  Reader r(value);
  MEDSIGN_ASSIGN(std::int64_t v, r.read_enumerated());
  MEDSIGN_TRY(r.expect_end());
  if (v < 0 || v > 10 || v == 7) return crl_error("unknown reasonCode " + std::to_string(v));
  return static_cast<CrlReason>(v);
}

// Lexicographic byte order (shorter prefix first).
bool bytes_less(ByteView a, ByteView b) {
  const std::size_t n = std::min(a.size(), b.size());
  for (std::size_t i = 0; i < n; ++i) {
    if (a[i] != b[i]) return a[i] < b[i];
  }
  return a.size() < b.size();
}

Bytes strip_zeros(ByteView b) {
  std::size_t i = 0;
  while (i < b.size() && b[i] == 0) ++i;
  return Bytes(b.begin() + static_cast<std::ptrdiff_t>(i), b.end());
}

Result<RevokedCertificate> read_entry(Reader& list, int version, std::vector<std::string>& unknown_critical) {
  MEDSIGN_ASSIGN(Reader entry, list.read_sequence());
  RevokedCertificate rc;
  MEDSIGN_ASSIGN(ByteView serial, entry.read_integer_bytes());
  rc.serial.assign(serial.begin(), serial.end());
  MEDSIGN_ASSIGN(rc.revocation_ms, entry.read_time());
  if (!entry.empty()) {
    if (version < 2) return crl_error("entry extensions in a v1 CRL");
    MEDSIGN_ASSIGN(rc.extensions, read_extensions(entry, "entry extensions"));
  }
  MEDSIGN_TRY(entry.expect_end());
  for (const Extension& e : rc.extensions) {
    if (e.oid == id::kCrlReason) {
      auto reason = decode_reason(e.value);
      if (!reason) return reason.error();
      rc.reason = *reason;
    } else if (e.oid == id::kInvalidityDate) {
      Reader r(e.value);
      MEDSIGN_ASSIGN(std::int64_t t, r.read_generalized_time());
      MEDSIGN_TRY(r.expect_end());
      rc.invalidity_ms = t;
    } else if (e.critical) {
      unknown_critical.push_back(std::string("entry ").append(hex_encode(rc.serial)).append(": ").append(e.oid.to_string()));
    }
  }
  return rc;
}

}  // namespace

std::string_view crl_reason_name(CrlReason r) {
  switch (r) {
    case CrlReason::unspecified: return "unspecified";
    case CrlReason::key_compromise: return "keyCompromise";
    case CrlReason::ca_compromise: return "cACompromise";
    case CrlReason::affiliation_changed: return "affiliationChanged";
    case CrlReason::superseded: return "superseded";
    case CrlReason::cessation_of_operation: return "cessationOfOperation";
    case CrlReason::certificate_hold: return "certificateHold";
    case CrlReason::remove_from_crl: return "removeFromCRL";
    case CrlReason::privilege_withdrawn: return "privilegeWithdrawn";
    case CrlReason::aa_compromise: return "aACompromise";
  }
  return "unspecified";
}

int compare_magnitudes(ByteView a, ByteView b) {
  const Bytes x = strip_zeros(a), y = strip_zeros(b);
  if (x.size() != y.size()) return x.size() < y.size() ? -1 : 1;
  if (x == y) return 0;
  return bytes_less(x, y) ? -1 : 1;
}

Result<Crl> Crl::parse_der(ByteView der) {
  Crl c;
  Reader top(der);
  MEDSIGN_ASSIGN(Reader list, top.read_sequence());
  MEDSIGN_TRY(top.expect_end());
  MEDSIGN_ASSIGN(asn1::Element tbs_el, list.read_element(asn1::tag::kSequence));
  MEDSIGN_ASSIGN(c.signature_algorithm_, AlgorithmIdentifier::parse(list));
  MEDSIGN_ASSIGN(asn1::BitString sig, list.read_bit_string());
  MEDSIGN_TRY(list.expect_end());
  if (sig.unused_bits != 0) return crl_error("signatureValue has unused bits");
  c.signature_.assign(sig.bytes.begin(), sig.bytes.end());

  MEDSIGN_ASSIGN(Reader tbs, list.enter(tbs_el));
  if (tbs.peek(asn1::tag::kInteger)) {
    MEDSIGN_ASSIGN(std::int64_t v, tbs.read_int64());
    if (v != 1) return crl_error("version value " + std::to_string(v) + " (only v2 = 1 may be encoded)");
    c.version_ = 2;
  }
  MEDSIGN_ASSIGN(AlgorithmIdentifier inner_alg, AlgorithmIdentifier::parse(tbs));
  if (inner_alg.der != c.signature_algorithm_.der) {
    return crl_error("signatureAlgorithm " + c.signature_algorithm_.name() + " differs from tbsCertList.signature " +
                     inner_alg.name());
  }
  MEDSIGN_ASSIGN(c.issuer_, Name::parse(tbs));
  if (c.issuer_.empty()) return crl_error("empty issuer name");
  MEDSIGN_ASSIGN(c.this_update_ms_, tbs.read_time());
  if (is_time_tag(tbs)) {
    MEDSIGN_ASSIGN(std::int64_t next, tbs.read_time());
    c.next_update_ms_ = next;
  }
  if (tbs.peek(asn1::tag::kSequence)) {
    MEDSIGN_ASSIGN(Reader entries, tbs.read_sequence());
    if (entries.empty()) return crl_error("empty revokedCertificates (DER omits it)");
    while (!entries.empty()) {
      MEDSIGN_ASSIGN(RevokedCertificate rc, read_entry(entries, c.version_, c.unknown_critical_));
      c.revoked_.push_back(std::move(rc));
    }
  }
  MEDSIGN_ASSIGN(auto exts, tbs.read_optional_explicit(0));
  if (exts) {
    if (c.version_ != 2) return crl_error("extensions in a v1 CRL");
    MEDSIGN_ASSIGN(c.extensions_, read_extensions(*exts, "crlExtensions"));
    MEDSIGN_TRY(exts->expect_end());
  }
  MEDSIGN_TRY(tbs.expect_end());
  c.der_.assign(der.begin(), der.end());
  c.tbs_der_.assign(tbs_el.raw.begin(), tbs_el.raw.end());
  MEDSIGN_TRY(c.decode_extensions());

  c.by_serial_.resize(c.revoked_.size());
  for (std::uint32_t i = 0; i < c.by_serial_.size(); ++i) c.by_serial_[i] = i;
  std::stable_sort(c.by_serial_.begin(), c.by_serial_.end(),
                   [&](std::uint32_t a, std::uint32_t b) { return bytes_less(c.revoked_[a].serial, c.revoked_[b].serial); });
  return c;
}

Status Crl::decode_extensions() {
  for (const Extension& e : extensions_) {
    const auto wrap = [&](const Error& err) {
      return crl_error("extension " + asn1::oid_name(e.oid) + ": " + err.detail);
    };
    if (e.oid == id::kCrlNumber) {
      Reader r(e.value);
      auto n = r.read_unsigned_integer();
      if (!n) return wrap(n.error());
      if (auto end = r.expect_end(); !end) return wrap(end.error());
      if (n->size() > 20) return crl_error("cRLNumber longer than 20 octets");
      crl_number_ = strip_zeros(*n);
    } else if (e.oid == id::kAuthorityKeyIdentifier) {
      auto aki = decode_authority_key_identifier(e.value);
      if (!aki) return wrap(aki.error());
      aki_ = std::move(aki).value();
    } else if (e.oid == id::kIssuerAltName) {
      auto names = decode_general_names(e.value);
      if (!names) return wrap(names.error());
    } else if (e.critical) {
      unknown_critical_.push_back(e.oid.to_string());
    }
  }
  return {};
}

Result<std::vector<Crl>> Crl::parse_pem(std::string_view pem) {
  return pem_decode_all<Crl>(pem, "X509 CRL", "X509 CRL", "CRL");
}

Result<Crl> Crl::parse(ByteView data) {
  if (!data.empty() && data[0] == 0x30) return parse_der(data);
  MEDSIGN_ASSIGN(std::vector<Crl> all, parse_pem(as_chars(data)));
  return std::move(all.front());
}

std::string Crl::to_pem() const { return pem_encode("X509 CRL", der_); }

const RevokedCertificate* Crl::find(ByteView serial) const {
  auto it = std::lower_bound(by_serial_.begin(), by_serial_.end(), serial,
                             [&](std::uint32_t i, ByteView k) { return bytes_less(revoked_[i].serial, k); });
  if (it == by_serial_.end() || bytes_less(serial, revoked_[*it].serial)) return nullptr;
  return &revoked_[*it];
}

Status Crl::verify(const Certificate& issuer) const {
  if (!(issuer.subject() == issuer_)) {
    return Error(Errc::invalid_argument, "crl: issuer " + issuer_.to_string() + " is not the certificate subject " +
                                             issuer.subject().to_string());
  }
  if (aki_ && aki_->key_id && issuer.subject_key_identifier() && *aki_->key_id != *issuer.subject_key_identifier()) {
    return Error(Errc::invalid_argument, "crl: authorityKeyIdentifier does not match the issuer's subjectKeyIdentifier");
  }
  if (issuer.key_usage() && !issuer.key_usage()->has(KeyUsageBit::crl_sign)) {
    return Error(Errc::invalid_argument, "crl: issuer keyUsage lacks cRLSign");
  }
  return verify_signed_data(signature_algorithm_, issuer.public_key(), tbs_der_, signature_);
}

std::string Crl::fingerprint_sha256() const { return hex_encode(crypto::hash(crypto::HashAlg::sha256, der_)); }

}  // namespace medsign::pki
