#include "pki/certificate.h"

#include <set>

#include "asn1/oids.h"
#include "asn1/reader.h"
#include "crypto/algorithms/hash.h"
#include "pki/pem.h"

namespace medsign::pki {
namespace {

using asn1::Reader;
using asn1::Tag;

Error cert_error(std::string what) { return Error(Errc::bad_encoding, "certificate: " + std::move(what)); }

}  // namespace

Result<Certificate> Certificate::parse_der(ByteView der) {
  Certificate c;
  Reader top(der);
  MEDSIGN_ASSIGN(Reader cert, top.read_sequence());
  MEDSIGN_TRY(top.expect_end());
  MEDSIGN_ASSIGN(asn1::Element tbs_el, cert.read_element(asn1::tag::kSequence));
  MEDSIGN_ASSIGN(c.signature_algorithm_, AlgorithmIdentifier::parse(cert));
  MEDSIGN_ASSIGN(asn1::BitString sig, cert.read_bit_string());
  MEDSIGN_TRY(cert.expect_end());
  if (sig.unused_bits != 0) return cert_error("signatureValue has unused bits");
  c.signature_.assign(sig.bytes.begin(), sig.bytes.end());

  MEDSIGN_ASSIGN(Reader tbs, cert.enter(tbs_el));
  MEDSIGN_ASSIGN(auto version, tbs.read_optional_explicit(0));
  if (version) {
    MEDSIGN_ASSIGN(std::int64_t v, version->read_int64());
    MEDSIGN_TRY(version->expect_end());
    if (v == 0) return cert_error("version v1 encoded explicitly (DER omits the default)");
    if (v != 1 && v != 2) return cert_error("unknown version value " + std::to_string(v));
    c.version_ = static_cast<int>(v) + 1;
  }
  MEDSIGN_ASSIGN(ByteView serial, tbs.read_integer_bytes());
  c.serial_.assign(serial.begin(), serial.end());
  MEDSIGN_ASSIGN(AlgorithmIdentifier inner_alg, AlgorithmIdentifier::parse(tbs));
  if (inner_alg.der != c.signature_algorithm_.der) {
    return cert_error("signatureAlgorithm " + c.signature_algorithm_.name() + " differs from tbsCertificate.signature " +
                      inner_alg.name());
  }
  MEDSIGN_ASSIGN(c.issuer_, Name::parse(tbs));
  MEDSIGN_ASSIGN(Reader validity, tbs.read_sequence());
  MEDSIGN_ASSIGN(c.not_before_ms_, validity.read_time());
  MEDSIGN_ASSIGN(c.not_after_ms_, validity.read_time());
  MEDSIGN_TRY(validity.expect_end());
  MEDSIGN_ASSIGN(c.subject_, Name::parse(tbs));
  MEDSIGN_ASSIGN(c.spki_, SubjectPublicKeyInfo::parse(tbs));
  if (tbs.peek(Tag::context(1, false))) {
    if (c.version_ < 2) return cert_error("issuerUniqueID in a v1 certificate");
    MEDSIGN_ASSIGN(asn1::BitString uid, tbs.read_bit_string(Tag::context(1, false)));
    c.issuer_uid_ = Bytes(uid.bytes.begin(), uid.bytes.end());
  }
  if (tbs.peek(Tag::context(2, false))) {
    if (c.version_ < 2) return cert_error("subjectUniqueID in a v1 certificate");
    MEDSIGN_ASSIGN(asn1::BitString uid, tbs.read_bit_string(Tag::context(2, false)));
    c.subject_uid_ = Bytes(uid.bytes.begin(), uid.bytes.end());
  }
  MEDSIGN_ASSIGN(auto exts, tbs.read_optional_explicit(3));
  if (exts) {
    if (c.version_ != 3) return cert_error("extensions in a v" + std::to_string(c.version_) + " certificate");
    MEDSIGN_ASSIGN(Reader list, exts->read_sequence());
    MEDSIGN_TRY(exts->expect_end());
    if (list.empty()) return cert_error("empty extensions");
    std::set<asn1::Oid> seen;
    while (!list.empty()) {
      MEDSIGN_ASSIGN(Reader ext, list.read_sequence());
      Extension e;
      MEDSIGN_ASSIGN(e.oid, ext.read_oid());
      if (ext.peek(asn1::tag::kBoolean)) {
        MEDSIGN_ASSIGN(e.critical, ext.read_boolean());  // tolerates an explicit FALSE
      }
      MEDSIGN_ASSIGN(ByteView value, ext.read_octet_string());
      MEDSIGN_TRY(ext.expect_end());
      e.value.assign(value.begin(), value.end());
      if (!seen.insert(e.oid).second) return cert_error("extension " + asn1::oid_name(e.oid) + " appears twice");
      c.extensions_.push_back(std::move(e));
    }
  }
  MEDSIGN_TRY(tbs.expect_end());
  c.der_.assign(der.begin(), der.end());
  c.tbs_der_.assign(tbs_el.raw.begin(), tbs_el.raw.end());
  MEDSIGN_TRY(c.decode_extensions());
  return c;
}

Status Certificate::decode_extensions() {
  namespace id = asn1::oid;
  for (const Extension& e : extensions_) {
    const auto wrap = [&](const Error& err) {
      return cert_error("extension " + asn1::oid_name(e.oid) + ": " + err.detail);
    };
#define MEDSIGN_DECODE(field, decoder)            \
  {                                               \
    auto v = decoder(e.value);                    \
    if (!v) return wrap(v.error());               \
    field = std::move(v).value();                 \
    continue;                                     \
  }
    if (e.oid == id::kBasicConstraints) MEDSIGN_DECODE(basic_constraints_, decode_basic_constraints)
    if (e.oid == id::kKeyUsage) MEDSIGN_DECODE(key_usage_, decode_key_usage)
    if (e.oid == id::kExtKeyUsage) MEDSIGN_DECODE(eku_, decode_extended_key_usage)
    if (e.oid == id::kSubjectKeyIdentifier) MEDSIGN_DECODE(ski_, decode_subject_key_identifier)
    if (e.oid == id::kAuthorityKeyIdentifier) MEDSIGN_DECODE(aki_, decode_authority_key_identifier)
    if (e.oid == id::kSubjectAltName) MEDSIGN_DECODE(san_, decode_general_names)
    if (e.oid == id::kCrlDistributionPoints) MEDSIGN_DECODE(crldp_, decode_crl_distribution_points)
    if (e.oid == id::kAuthorityInfoAccess) MEDSIGN_DECODE(aia_, decode_info_access)
    if (e.oid == id::kCertificatePolicies) MEDSIGN_DECODE(policies_, decode_certificate_policies)
#undef MEDSIGN_DECODE
    if (e.critical && !is_identity_extension(e.oid)) unknown_critical_.push_back(e.oid);
  }
  return {};
}

Result<std::vector<Certificate>> Certificate::parse_pem(std::string_view pem) {
  return pem_decode_all<Certificate>(pem, "CERTIFICATE", "X509 CERTIFICATE", "certificate");
}

Result<Certificate> Certificate::parse(ByteView data) {
  if (!data.empty() && data[0] == 0x30) return parse_der(data);
  MEDSIGN_ASSIGN(std::vector<Certificate> all, parse_pem(as_chars(data)));
  return std::move(all.front());
}

std::string Certificate::to_pem() const { return pem_encode("CERTIFICATE", der_); }

std::string Certificate::serial_hex() const { return hex_encode(serial_); }

const Extension* Certificate::find_extension(const asn1::Oid& oid) const {
  for (const Extension& e : extensions_) {
    if (e.oid == oid) return &e;
  }
  return nullptr;
}

std::optional<IdentityValue> Certificate::identity(const asn1::Oid& oid) const {
  const Extension* e = find_extension(oid);
  if (!e) return std::nullopt;
  auto v = decode_identity_value(e->value);
  if (!v) return std::nullopt;
  return std::move(v).value();
}

std::optional<std::string> Certificate::subject_attribute(const asn1::Oid& oid) const {
  const NameAttribute* a = subject_.find(oid);
  if (!a) return std::nullopt;
  return a->value;
}

std::optional<std::string> Certificate::info_by_oid(const asn1::Oid& oid) const {
  if (auto s = subject_attribute(oid)) return s;
  const Extension* e = find_extension(oid);
  if (!e) return std::nullopt;
  if (is_identity_extension(oid)) {
    if (auto id = identity(oid)) return id->value;
  }
  return hex_encode(e->value);
}

std::string Certificate::fingerprint_sha256() const { return hex_encode(crypto::hash(crypto::HashAlg::sha256, der_)); }
std::string Certificate::fingerprint_sm3() const { return hex_encode(crypto::hash(crypto::HashAlg::sm3, der_)); }

}  // namespace medsign::pki
