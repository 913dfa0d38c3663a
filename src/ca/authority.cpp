#include "ca/authority.h"

#include <arpa/inet.h>

#include <algorithm>
#include <functional>

#include "asn1/oids.h"
#include "asn1/reader.h"
#include "asn1/writer.h"
#include "common/clock.h"
#include "crypto/soft/key_seal.h"

namespace medsign::ca {
namespace {
namespace id = asn1::oid;
using asn1::Tag;
using asn1::Writer;
using pki::Extension;
using pki::KeyUsageBit;

constexpr std::int64_t kDayMs = 86'400'000;
// Certificates are back-dated a little so that a verifier whose clock is slightly behind accepts them.
constexpr std::int64_t kBackdateMs = 5 * 60'000;

// X.509 times carry whole seconds.
std::int64_t whole_seconds(std::int64_t ms) { return ms - ((ms % 1000) + 1000) % 1000; }

std::uint32_t ku(std::initializer_list<KeyUsageBit> bits) {
  std::uint32_t v = 0;
  for (KeyUsageBit b : bits) v |= 1u << static_cast<unsigned>(b);
  return v;
}

Result<Bytes> encode(const std::function<void(Writer&)>& f) {
  Writer w;
  f(w);
  return std::move(w).finish();
}

Result<Extension> make_ext(const asn1::Oid& oid, bool critical, const std::function<void(Writer&)>& f) {
  MEDSIGN_ASSIGN(Bytes v, encode(f));
  return Extension{oid, critical, std::move(v)};
}

// RFC 7093 method 1: the leftmost 160 bits of SHA-256 over the subjectPublicKey bits.
Result<Bytes> key_identifier(ByteView spki_der) {
  asn1::Reader r(spki_der);
  MEDSIGN_ASSIGN(pki::SubjectPublicKeyInfo spki, pki::SubjectPublicKeyInfo::parse(r));
  Bytes h = crypto::hash(crypto::HashAlg::sha256, spki.key);
  h.resize(20);
  return h;
}

Result<Bytes> ip_bytes(const std::string& text) {
  Bytes b(16);
  if (inet_pton(AF_INET, text.c_str(), b.data()) == 1) {
    b.resize(4);
    return b;
  }
  if (inet_pton(AF_INET6, text.c_str(), b.data()) == 1) return b;
  return Error(Errc::invalid_argument, "not an IP address: " + text);
}

bool printable(std::string_view s) {
  for (char c : s) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              std::string_view(" '()+,-./:=?").find(c) != std::string_view::npos;
    if (!ok) return false;
  }
  return !s.empty();
}

Status add_identity(std::vector<Extension>& out, const IdentityExtensions& idn) {
  auto printable_ext = [&](const asn1::Oid& oid, const std::string& v, const char* what,
                           std::optional<Tag> choice) -> Status {
    if (v.empty()) return {};
    if (!printable(v) || v.size() > 64)
      return Error(Errc::invalid_argument, std::string(what) + ": 1 to 64 printable characters (A-Z, 0-9, ...)");
    MEDSIGN_ASSIGN(Extension e, make_ext(oid, false, [&](Writer& w) {
                     if (choice) w.add_element(*choice, as_bytes(v));
                     else w.add_string(asn1::tag::kPrintableString, v);
                   }));
    out.push_back(std::move(e));
    return {};
  };
  if (!idn.id_card_number.empty() && !idn.passport_number.empty())
    return Error(Errc::invalid_argument, "identity: give either an ID card number or a passport number");
  MEDSIGN_TRY(printable_ext(id::kGmIdentifyCode, idn.id_card_number, "id_card_number", Tag::context(0, false)));
  MEDSIGN_TRY(printable_ext(id::kGmIdentifyCode, idn.passport_number, "passport_number", Tag::context(2, false)));
  MEDSIGN_TRY(printable_ext(id::kGmInsuranceNumber, idn.insurance_number, "insurance_number", std::nullopt));
  MEDSIGN_TRY(printable_ext(id::kGmOrganizationCode, idn.organization_code, "organization_code", std::nullopt));
  MEDSIGN_TRY(printable_ext(id::kGmUnifiedSocialCreditCode, idn.unified_social_credit_code,
                            "unified_social_credit_code", std::nullopt));
  if (!idn.health_worker_id.empty()) {
    if (idn.health_worker_id.size() > 64) return Error(Errc::invalid_argument, "health_worker_id: at most 64 characters");
    MEDSIGN_ASSIGN(Extension e, make_ext(id::kHealthWorkerNumber, false,
                                         [&](Writer& w) { w.add_string(asn1::tag::kUtf8String, idn.health_worker_id); }));
    out.push_back(std::move(e));
  }
  return {};
}

struct ProfileRule {
  std::uint32_t key_usage;
  std::vector<asn1::Oid> eku;
};

ProfileRule rule_for(Profile p) {
  using B = KeyUsageBit;
  switch (p) {
    case Profile::root_ca:
    case Profile::intermediate_ca: return {ku({B::key_cert_sign, B::crl_sign}), {}};
    case Profile::personal_signing:
      return {ku({B::digital_signature, B::non_repudiation}), {id::kKpClientAuth, id::kKpEmailProtection}};
    case Profile::personal_encryption:
      return {ku({B::key_encipherment, B::data_encipherment, B::key_agreement}), {id::kKpEmailProtection}};
    case Profile::organization:
      return {ku({B::digital_signature, B::non_repudiation}), {id::kKpClientAuth, id::kKpEmailProtection}};
    case Profile::device:
      return {ku({B::digital_signature, B::key_encipherment}), {id::kKpClientAuth, id::kKpServerAuth}};
    case Profile::tablet: return {ku({B::digital_signature, B::non_repudiation}), {id::kKpClientAuth}};
    case Profile::tls_server: return {ku({B::digital_signature, B::key_encipherment}), {id::kKpServerAuth}};
  }
  return {};
}

bool is_ca_profile(Profile p) { return p == Profile::root_ca || p == Profile::intermediate_ca; }
}  // namespace

crypto::SignatureAlg ca_signature_alg(crypto::KeyAlg alg) {
  switch (alg) {
    case crypto::KeyAlg::sm2: return crypto::SignatureAlg::sm2_sm3;
    case crypto::KeyAlg::ecdsa_p256: return crypto::SignatureAlg::ecdsa_p256_sha256;
    case crypto::KeyAlg::ecdsa_p384: return crypto::SignatureAlg::ecdsa_p384_sha384;
    default: return crypto::SignatureAlg::rsa_pkcs1_sha256;
  }
}


namespace {
struct TbsSpec {
  Bytes subject_der;
  Bytes spki_der;
  Bytes issuer_der;            // empty: self-signed (issuer = subject)
  std::int64_t not_before = 0, not_after = 0;
  std::vector<Extension> extensions;
};

Result<pki::Certificate> sign_certificate(const crypto::Signer& signer, const TbsSpec& spec) {
  MEDSIGN_ASSIGN(Bytes alg, pki::signature_algorithm_der(signer.algorithm()));
  Bytes serial = random_serial();
  MEDSIGN_ASSIGN(Bytes tbs, encode([&](Writer& w) {
                   w.add_sequence([&](Writer& t) {
                     t.add_explicit(0, [](Writer& v) { v.add_int64(2); });
                     t.add_integer_bytes(serial);
                     t.add_raw(alg);
                     t.add_raw(spec.issuer_der.empty() ? spec.subject_der : spec.issuer_der);
                     t.add_sequence([&](Writer& v) {
                       v.add_x509_time(spec.not_before);
                       v.add_x509_time(spec.not_after);
                     });
                     t.add_raw(spec.subject_der);
                     t.add_raw(spec.spki_der);
                     t.add_explicit(3, [&](Writer& x) {
                       x.add_sequence([&](Writer& list) {
                         for (const Extension& e : spec.extensions) pki::write_extension(list, e);
                       });
                     });
                   });
                 }));
  MEDSIGN_ASSIGN(Bytes sig, signer.sign(tbs));
  MEDSIGN_ASSIGN(Bytes der, encode([&](Writer& w) {
                   w.add_sequence([&](Writer& c) {
                     c.add_raw(tbs);
                     c.add_raw(alg);
                     c.add_bit_string(sig);
                   });
                 }));
  return pki::Certificate::parse_der(der);
}
}  // namespace

Result<CertificateAuthority> CertificateAuthority::load(pki::Certificate cert, crypto::KeyPair key, CaSettings settings) {
  if (key.public_key_der() != cert.public_key().der)
    return Error(Errc::invalid_argument, "the CA key does not belong to the CA certificate");
  if (!cert.basic_constraints() || !cert.basic_constraints()->ca)
    return Error(Errc::invalid_argument, "the certificate is not a CA certificate (basicConstraints cA)");
  if (cert.key_usage() && !cert.key_usage()->has(KeyUsageBit::key_cert_sign))
    return Error(Errc::invalid_argument, "the CA certificate lacks keyUsage keyCertSign");
  MEDSIGN_ASSIGN(crypto::Signer signer, crypto::Signer::create(ca_signature_alg(key.algorithm()), key));
  return CertificateAuthority(std::move(cert), std::move(key), std::move(signer), std::move(settings));
}

namespace {
Result<std::vector<Extension>> ca_extensions(ByteView spki_der, std::optional<std::int64_t> path_len,
                                             std::optional<Bytes> issuer_key_id, const std::string& issuer_crl_url) {
  std::vector<Extension> ext;
  MEDSIGN_ASSIGN(Extension bc, make_ext(id::kBasicConstraints, true, [&](Writer& w) {
                   w.add_sequence([&](Writer& s) {
                     s.add_boolean(true);
                     if (path_len) s.add_int64(*path_len);
                   });
                 }));
  ext.push_back(std::move(bc));
  MEDSIGN_ASSIGN(Extension kuse, make_ext(id::kKeyUsage, true, [&](Writer& w) {
                   w.add_named_bits(rule_for(Profile::root_ca).key_usage, 9);
                 }));
  ext.push_back(std::move(kuse));
  MEDSIGN_ASSIGN(Bytes ski, key_identifier(spki_der));
  MEDSIGN_ASSIGN(Extension ski_ext, make_ext(id::kSubjectKeyIdentifier, false, [&](Writer& w) { w.add_octet_string(ski); }));
  ext.push_back(std::move(ski_ext));
  Bytes aki = issuer_key_id.value_or(ski);
  MEDSIGN_ASSIGN(Extension aki_ext, make_ext(id::kAuthorityKeyIdentifier, false, [&](Writer& w) {
                   w.add_sequence([&](Writer& s) { s.add_octet_string(aki, Tag::context(0, false)); });
                 }));
  ext.push_back(std::move(aki_ext));
  if (!issuer_crl_url.empty()) {
    MEDSIGN_ASSIGN(Extension dp, make_ext(id::kCrlDistributionPoints, false, [&](Writer& w) {
                     w.add_sequence([&](Writer& s) {
                       s.add_sequence([&](Writer& p) {
                         p.add_constructed(Tag::context(0, true), [&](Writer& n) {
                           n.add_constructed(Tag::context(0, true), [&](Writer& g) {
                             g.add_element(Tag::context(6, false), as_bytes(issuer_crl_url));
                           });
                         });
                       });
                     });
                   }));
    ext.push_back(std::move(dp));
  }
  MEDSIGN_ASSIGN(Extension pol, make_ext(id::kCertificatePolicies, false, [&](Writer& w) {
                   w.add_sequence([&](Writer& s) { s.add_sequence([&](Writer& p) { p.add_oid(id::kAnyPolicy); }); });
                 }));
  ext.push_back(std::move(pol));
  return ext;
}

Status check_days(int days) {
  if (days < 1 || days > 365 * 30) return Error(Errc::invalid_argument, "validity: 1 to 10950 days");
  return {};
}
}  // namespace

Result<CertificateAuthority> CertificateAuthority::create_root(ByteView subject_der, crypto::KeyAlg alg, int days,
                                                               CaSettings settings, std::int64_t now_ms) {
  MEDSIGN_TRY(check_days(days));
  if (now_ms == 0) now_ms = unix_millis();
  now_ms = whole_seconds(now_ms);
  MEDSIGN_ASSIGN(crypto::KeyPair key, crypto::KeyPair::generate(alg));
  MEDSIGN_ASSIGN(crypto::Signer signer, crypto::Signer::create(ca_signature_alg(alg), key));
  TbsSpec spec;
  spec.subject_der.assign(subject_der.begin(), subject_der.end());
  spec.spki_der = key.public_key_der();
  spec.not_before = now_ms - kBackdateMs;
  spec.not_after = now_ms + days * kDayMs;
  MEDSIGN_ASSIGN(spec.extensions, ca_extensions(spec.spki_der, std::nullopt, std::nullopt, ""));
  MEDSIGN_ASSIGN(pki::Certificate cert, sign_certificate(signer, spec));
  return load(std::move(cert), std::move(key), std::move(settings));
}

Result<CertificateAuthority> CertificateAuthority::create_intermediate(ByteView subject_der, crypto::KeyAlg alg, int days,
                                                                       CaSettings settings, std::int64_t now_ms) const {
  MEDSIGN_TRY(check_days(days));
  if (now_ms == 0) now_ms = unix_millis();
  now_ms = whole_seconds(now_ms);
  if (cert_.basic_constraints() && cert_.basic_constraints()->path_len && *cert_.basic_constraints()->path_len == 0)
    return Error(Errc::invalid_argument, "this CA may not certify further CAs (pathLenConstraint 0)");
  MEDSIGN_ASSIGN(crypto::KeyPair key, crypto::KeyPair::generate(alg));
  TbsSpec spec;
  spec.subject_der.assign(subject_der.begin(), subject_der.end());
  spec.issuer_der = cert_.subject().der();
  spec.spki_der = key.public_key_der();
  spec.not_before = now_ms - kBackdateMs;
  spec.not_after = std::min(now_ms + days * kDayMs, cert_.not_after_ms());
  MEDSIGN_ASSIGN(spec.extensions, ca_extensions(spec.spki_der, 0, cert_.subject_key_identifier(), settings_.crl_url));
  MEDSIGN_ASSIGN(pki::Certificate cert, sign_certificate(signer_, spec));
  return load(std::move(cert), std::move(key), std::move(settings));
}

Result<pki::Certificate> CertificateAuthority::issue(const pki::CertificationRequest& csr, const IssueOptions& o) const {
  MEDSIGN_TRY(csr.verify_signature());
  IssueOptions opts = o;
  if (opts.copy_requested_identity) {
    for (const Extension& e : csr.requested_extensions()) {
      if (!pki::is_identity_extension(e.oid)) continue;
      auto v = pki::decode_identity_value(e.value);
      if (!v) return Error(Errc::invalid_argument, "requested " + asn1::oid_name(e.oid) + ": " + v.error().detail);
      if (e.oid == id::kGmIdentifyCode && opts.identity.id_card_number.empty() && opts.identity.passport_number.empty())
        (v->kind == "passport" ? opts.identity.passport_number : opts.identity.id_card_number) = v->value;
      if (e.oid == id::kGmInsuranceNumber && opts.identity.insurance_number.empty()) opts.identity.insurance_number = v->value;
      if (e.oid == id::kGmOrganizationCode && opts.identity.organization_code.empty())
        opts.identity.organization_code = v->value;
      if (e.oid == id::kGmUnifiedSocialCreditCode && opts.identity.unified_social_credit_code.empty())
        opts.identity.unified_social_credit_code = v->value;
    }
  }
  return issue_for_key(csr.subject().der(), csr.public_key().der, opts);
}

Result<pki::Certificate> CertificateAuthority::issue_for_key(ByteView subject_der, ByteView spki_der,
                                                             const IssueOptions& o) const {
  if (is_ca_profile(o.profile))
    return Error(Errc::invalid_argument, "CA certificates are made with create_root / create_intermediate");
  MEDSIGN_TRY(check_days(o.days));
  MEDSIGN_ASSIGN(pki::Name subject, pki::Name::parse_der(subject_der));
  if (subject.empty()) return Error(Errc::invalid_argument, "the subject name is empty");
  asn1::Reader kr(spki_der);
  MEDSIGN_ASSIGN(pki::SubjectPublicKeyInfo spki, pki::SubjectPublicKeyInfo::parse(kr));
  MEDSIGN_TRY(kr.expect_end());
  const bool sm2_or_rsa = spki.type == pki::KeyType::sm2 || spki.type == pki::KeyType::rsa;
  if (spki.type == pki::KeyType::unknown || spki.type == pki::KeyType::ed25519)
    return Error(Errc::invalid_argument, "key type " + std::string(pki::key_type_name(spki.type)) + " is not certified here");
  if ((o.profile == Profile::personal_encryption || o.profile == Profile::device) && !sm2_or_rsa)
    return Error(Errc::invalid_argument,
                 "profile " + std::string(profile_name(o.profile)) + " needs an SM2 or RSA key (found " +
                     std::string(pki::key_type_name(spki.type)) + ")");
  if (spki.type == pki::KeyType::rsa && spki.bits < 2048)
    return Error(Errc::invalid_argument, "RSA keys must have at least 2048 bits");
  if (o.profile == Profile::tls_server && o.dns_names.empty() && o.ip_addresses.empty())
    return Error(Errc::invalid_argument, "profile tls-server needs at least one DNS name or IP address");

  const std::int64_t now = whole_seconds(o.now_ms ? o.now_ms : unix_millis());
  TbsSpec spec;
  spec.subject_der.assign(subject_der.begin(), subject_der.end());
  spec.issuer_der = cert_.subject().der();
  spec.spki_der.assign(spki_der.begin(), spki_der.end());
  spec.not_before = now - kBackdateMs;
  spec.not_after = std::min(now + o.days * kDayMs, cert_.not_after_ms());
  if (spec.not_after <= now) return Error(Errc::invalid_argument, "the CA certificate has expired");

  const ProfileRule rule = rule_for(o.profile);
  auto& ext = spec.extensions;
  MEDSIGN_ASSIGN(Extension bc, make_ext(id::kBasicConstraints, true, [](Writer& w) { w.add_sequence([](Writer&) {}); }));
  ext.push_back(std::move(bc));
  MEDSIGN_ASSIGN(Extension kuse, make_ext(id::kKeyUsage, true, [&](Writer& w) { w.add_named_bits(rule.key_usage, 9); }));
  ext.push_back(std::move(kuse));
  if (!rule.eku.empty()) {
    MEDSIGN_ASSIGN(Extension eku, make_ext(id::kExtKeyUsage, false, [&](Writer& w) {
                     w.add_sequence([&](Writer& s) {
                       for (const asn1::Oid& p : rule.eku) s.add_oid(p);
                     });
                   }));
    ext.push_back(std::move(eku));
  }
  MEDSIGN_ASSIGN(Bytes ski, key_identifier(spki_der));
  MEDSIGN_ASSIGN(Extension ski_ext, make_ext(id::kSubjectKeyIdentifier, false, [&](Writer& w) { w.add_octet_string(ski); }));
  ext.push_back(std::move(ski_ext));
  if (cert_.subject_key_identifier()) {
    MEDSIGN_ASSIGN(Extension aki, make_ext(id::kAuthorityKeyIdentifier, false, [&](Writer& w) {
                     w.add_sequence([&](Writer& s) {
                       s.add_octet_string(*cert_.subject_key_identifier(), Tag::context(0, false));
                     });
                   }));
    ext.push_back(std::move(aki));
  }
  if (!o.dns_names.empty() || !o.ip_addresses.empty() || !o.emails.empty()) {
    std::vector<Bytes> ips;
    for (const std::string& ip : o.ip_addresses) {
      MEDSIGN_ASSIGN(Bytes b, ip_bytes(ip));
      ips.push_back(std::move(b));
    }
    for (const std::string& d : o.dns_names)
      if (d.empty() || d.size() > 253 || d.find_first_of(" ,/\\") != std::string::npos)
        return Error(Errc::invalid_argument, "not a DNS name: '" + d + "'");
    for (const std::string& m : o.emails)
      if (m.find('@') == std::string::npos || m.size() > 254)
        return Error(Errc::invalid_argument, "not an e-mail address: '" + m + "'");
    MEDSIGN_ASSIGN(Extension san, make_ext(id::kSubjectAltName, false, [&](Writer& w) {
                     w.add_sequence([&](Writer& s) {
                       for (const std::string& m : o.emails) s.add_element(Tag::context(1, false), as_bytes(m));
                       for (const std::string& d : o.dns_names) s.add_element(Tag::context(2, false), as_bytes(d));
                       for (const Bytes& ip : ips) s.add_octet_string(ip, Tag::context(7, false));
                     });
                   }));
    ext.push_back(std::move(san));
  }
  if (!settings_.crl_url.empty()) {
    MEDSIGN_ASSIGN(Extension dp, make_ext(id::kCrlDistributionPoints, false, [&](Writer& w) {
                     w.add_sequence([&](Writer& s) {
                       s.add_sequence([&](Writer& p) {
                         p.add_constructed(Tag::context(0, true), [&](Writer& n) {
                           n.add_constructed(Tag::context(0, true), [&](Writer& g) {
                             g.add_element(Tag::context(6, false), as_bytes(settings_.crl_url));
                           });
                         });
                       });
                     });
                   }));
    ext.push_back(std::move(dp));
  }
  if (!settings_.policies.empty()) {
    MEDSIGN_ASSIGN(Extension pol, make_ext(id::kCertificatePolicies, false, [&](Writer& w) {
                     w.add_sequence([&](Writer& s) {
                       for (const asn1::Oid& p : settings_.policies) s.add_sequence([&](Writer& pi) { pi.add_oid(p); });
                     });
                   }));
    ext.push_back(std::move(pol));
  }
  MEDSIGN_TRY(add_identity(ext, o.identity));
  return sign_certificate(signer_, spec);
}

Result<pki::Crl> CertificateAuthority::build_crl(const std::vector<Revocation>& revoked, std::int64_t crl_number,
                                                 std::int64_t this_update_ms, std::int64_t next_update_ms) const {
  if (crl_number < 0) return Error(Errc::invalid_argument, "CRL number must not be negative");
  if (next_update_ms <= this_update_ms) return Error(Errc::invalid_argument, "nextUpdate must be after thisUpdate");
  MEDSIGN_ASSIGN(Bytes alg, pki::signature_algorithm_der(signer_.algorithm()));
  MEDSIGN_ASSIGN(Bytes tbs, encode([&](Writer& w) {
                   w.add_sequence([&](Writer& t) {
                     t.add_int64(1);
                     t.add_raw(alg);
                     t.add_raw(cert_.subject().der());
                     t.add_x509_time(whole_seconds(this_update_ms));
                     t.add_x509_time(whole_seconds(next_update_ms));
                     if (!revoked.empty()) {
                       t.add_sequence([&](Writer& list) {
                         for (const Revocation& r : revoked) {
                           list.add_sequence([&](Writer& e) {
                             e.add_integer_bytes(r.serial);
                             e.add_x509_time(whole_seconds(r.revoked_ms));
                             if (r.reason == pki::CrlReason::unspecified) return;
                             e.add_sequence([&](Writer& exts) {
                               exts.add_sequence([&](Writer& x) {
                                 x.add_oid(id::kCrlReason);
                                 Writer inner;
                                 inner.add_enumerated(static_cast<std::int64_t>(r.reason));
                                 x.add_octet_string(inner.view());
                               });
                             });
                           });
                         }
                       });
                     }
                     t.add_explicit(0, [&](Writer& x) {
                       x.add_sequence([&](Writer& list) {
                         if (cert_.subject_key_identifier()) {
                           list.add_sequence([&](Writer& e) {
                             e.add_oid(id::kAuthorityKeyIdentifier);
                             Writer inner;
                             inner.add_sequence([&](Writer& s) {
                               s.add_octet_string(*cert_.subject_key_identifier(), Tag::context(0, false));
                             });
                             e.add_octet_string(inner.view());
                           });
                         }
                         list.add_sequence([&](Writer& e) {
                           e.add_oid(id::kCrlNumber);
                           Writer inner;
                           inner.add_int64(crl_number);
                           e.add_octet_string(inner.view());
                         });
                       });
                     });
                   });
                 }));
  MEDSIGN_ASSIGN(Bytes sig, signer_.sign(tbs));
  MEDSIGN_ASSIGN(Bytes der, encode([&](Writer& w) {
                   w.add_sequence([&](Writer& c) {
                     c.add_raw(tbs);
                     c.add_raw(alg);
                     c.add_bit_string(sig);
                   });
                 }));
  return pki::Crl::parse_der(der);
}

}  // namespace medsign::ca
