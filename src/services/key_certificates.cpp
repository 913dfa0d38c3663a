#include "services/key_certificates.h"

#include <algorithm>

#include "asn1/oids.h"
#include "ca/authority.h"
#include "crypto/algorithms/pk.h"
#include "crypto/algorithms/hash.h"
#include "pki/csr.h"
#include "services/tsa_admin.h"

namespace medsign::services {
namespace fs = std::filesystem;

namespace {
constexpr std::int64_t kDayMs = 86'400'000;

std::optional<pki::Certificate> first_certificate(const crypto::SoftKeyStore& keys, const std::string& name) {
  auto pem = keys.certificate(name);
  if (!pem) return std::nullopt;
  auto certs = pki::Certificate::parse_pem(*pem);
  if (!certs || certs->empty()) return std::nullopt;
  return certs->front();
}

// Keeps a replaced certificate (chain) in keys/retired/<file>.
Status write_retired(const crypto::SoftKeyStore& keys, const std::string& file, const std::string& pem) {
  fs::path dir = keys.dir() / "retired";
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) return Error(Errc::io_error, dir.string() + ": " + ec.message());
  return crypto::write_file_atomic(dir / file, as_bytes(pem), 0644);
}

// Keeps the key's current certificate in keys/retired/<name>-<serial>.pem.
Status retire_certificate(const crypto::SoftKeyStore& keys, const std::string& name) {
  auto pem = keys.certificate(name);
  if (!pem) return {};
  auto certs = pki::Certificate::parse_pem(*pem);
  if (!certs || certs->empty()) return {};
  return write_retired(keys, name + "-" + certs->front().serial_hex() + ".pem", *pem);
}

// PKCS#10 for a key with the subject of its current certificate, else "O=MedSign, CN=<name>".
Result<std::string> csr_for(const crypto::EvpKey& key, const std::optional<pki::Certificate>& current, const std::string& name) {
  MEDSIGN_ASSIGN(SecretBytes der, key.private_der());
  MEDSIGN_ASSIGN(crypto::KeyPair pair, crypto::KeyPair::from_pkcs8(der.view()));
  MEDSIGN_ASSIGN(crypto::Signer signer, crypto::Signer::create(ca::ca_signature_alg(pair.algorithm()), pair));
  Bytes subject;
  if (current) {
    subject = current->subject().der();
  } else {
    MEDSIGN_ASSIGN(subject, ca::name_from_text("O=MedSign, CN=" + name));
  }
  MEDSIGN_ASSIGN(pki::CertificationRequest req, pki::build_csr(subject, {}, signer));
  return req.to_pem();
}

Result<crypto::EvpKey> tls_key(const crypto::SoftKeyStore& keys, const TlsServerFiles& f) {
  auto sealed = crypto::read_file(f.sealed_key);
  if (!sealed) return Error(Errc::key_not_found, "the HTTPS server has no key at " + f.sealed_key.string());
  MEDSIGN_ASSIGN(SecretBytes der, keys.unseal_blob(*sealed, "tls-server-key"));
  return crypto::EvpKey::from_private_der(der.view());
}

using pki::KeyUsageBit;

bool signs(const pki::KeyUsage& ku) {
  return ku.has(KeyUsageBit::digital_signature) || ku.has(KeyUsageBit::non_repudiation);
}

Status refuse_ca_certificate(const std::string& label, const pki::Certificate& leaf) {
  if (leaf.basic_constraints() && leaf.basic_constraints()->ca)
    return Error(Errc::invalid_argument, "the certificate is a CA certificate (basicConstraints cA), not one for " + label);
  return {};
}

// What the key is used for, from its current certificate (signing when it has none), checked on the new one.
Status check_purpose(const std::string& label, const std::optional<pki::Certificate>& current, const pki::Certificate& leaf) {
  MEDSIGN_TRY(refuse_ca_certificate(label, leaf));
  bool need_sign = true, need_decrypt = false;
  if (current && current->key_usage()) {
    need_sign = signs(*current->key_usage());
    need_decrypt = current->key_usage()->has(KeyUsageBit::key_encipherment);
  }
  if (!leaf.key_usage()) return {};  // no keyUsage extension: every use is allowed (RFC 5280 §4.2.1.3)
  const pki::KeyUsage& ku = *leaf.key_usage();
  if (need_sign && !signs(ku))
    return Error(Errc::invalid_argument, "wrong key usage: " + label +
                                             " signs, but the certificate's keyUsage has neither digitalSignature nor "
                                             "nonRepudiation");
  if (need_decrypt && !ku.has(KeyUsageBit::key_encipherment))
    return Error(Errc::invalid_argument,
                 "wrong key usage: " + label + " decrypts, but the certificate's keyUsage lacks keyEncipherment");
  return {};
}
}  // namespace

std::string spki_sha256_hex(ByteView spki) { return hex_encode(crypto::hash(crypto::HashAlg::sha256, spki)); }

Result<std::string> check_key_certificate(const std::vector<pki::Certificate>& certs, const KeyCertificateCheck& c) {
  if (certs.empty()) return Error(Errc::bad_encoding, "certificate: expected PEM (the certificate, then optionally its chain)");
  const pki::Certificate& leaf = certs.front();
  if (leaf.public_key().der != c.key_spki) {
    std::string msg = "the certificate is not for the key of ";
    msg.append(c.key_label)
        .append(": the certificate's public key has SPKI SHA-256 ")
        .append(spki_sha256_hex(leaf.public_key().der))
        .append(", the key's is ")
        .append(spki_sha256_hex(c.key_spki));
    return Error(Errc::invalid_argument, msg);
  }
  if (!leaf.unknown_critical_extensions().empty())
    return Error(Errc::invalid_argument, "the certificate has an unknown critical extension");
  if (c.now_ms < leaf.not_before_ms()) return Error(Errc::invalid_argument, "the certificate is not valid yet");
  if (c.now_ms > leaf.not_after_ms()) return Error(Errc::invalid_argument, "the certificate has expired");
  for (std::size_t i = 0; i + 1 < certs.size(); ++i) {
    if (!(certs[i].issuer() == certs[i + 1].subject()) || !certs[i].verify_signature(certs[i + 1]).ok())
      return Error(Errc::invalid_argument, "the chain does not link: certificate " + std::to_string(i + 2) +
                                               " (" + certs[i + 1].subject().to_string() + ") did not issue certificate " +
                                               std::to_string(i + 1) + " (" + certs[i].subject().to_string() + ")");
  }
  std::vector<pki::Certificate> candidates(certs.begin() + 1, certs.end());
  candidates.insert(candidates.end(), c.known_issuers.begin(), c.known_issuers.end());
  if (c.dev_ca) candidates.push_back(*c.dev_ca);
  const pki::Certificate* issuer = nullptr;
  for (auto& cand : candidates)
    if (cand.subject() == leaf.issuer() && leaf.verify_signature(cand).ok()) {
      issuer = &cand;
      break;
    }
  if (!issuer)
    return Error(Errc::invalid_argument,
                 "the certificate's issuer is unknown: include the chain or import the CA certificate first");
  std::string stored = leaf.to_pem();
  bool dev_issued = c.dev_ca && issuer->der() == c.dev_ca->der();
  if (certs.size() > 1) {
    for (std::size_t i = 1; i < certs.size(); ++i) stored += certs[i].to_pem();
  } else if (!dev_issued) {
    stored += issuer->to_pem();
  }
  return stored;
}

Result<std::string> key_csr_pem(const crypto::SoftKeyStore& keys, const std::string& name, ProviderService* providers) {
  if (name.rfind("tsa-", 0) == 0) return unit_csr_pem(keys, name.substr(4), providers);
  if (!keys.contains(name)) return Error(Errc::key_not_found, "no key named '" + name + "' in the key store");
  MEDSIGN_ASSIGN(crypto::EvpKey key, keys.get(name));
  return csr_for(key, first_certificate(keys, name), name);
}

Result<pki::Certificate> import_key_certificate(crypto::SoftKeyStore& keys, const std::string& name,
                                                const std::string& pem, std::int64_t now_ms,
                                                const std::vector<pki::Certificate>& known_issuers,
                                                ProviderService* providers, bool dry_run) {
  const bool unit = name.rfind("tsa-", 0) == 0;
  if (unit && !dry_run) return import_unit_certificate(keys, name.substr(4), pem, now_ms, providers, known_issuers);
  if (!keys.contains(name) && !(unit && unit_in_provider(keys, name.substr(4))))
    return Error(Errc::key_not_found, "no key named '" + name + "' in the key store");
  if (name == "dev-ca")
    return Error(Errc::invalid_argument, "dev-ca is the development CA's own key; its certificate is not replaced here");
  auto parsed = pki::Certificate::parse_pem(pem);
  if (!parsed || parsed->empty())
    return Error(Errc::bad_encoding, "certificate: expected PEM (the certificate, then optionally its chain)");
  if (unit) return parsed->front();
  MEDSIGN_ASSIGN(crypto::EvpKey key, keys.get(name));
  KeyCertificateCheck c;
  c.key_label = "key '" + name + "'";
  MEDSIGN_ASSIGN(c.key_spki, key.public_der());
  c.now_ms = now_ms;
  c.known_issuers = known_issuers;
  MEDSIGN_ASSIGN(auto tsa_cas, ca_certificates(keys));
  c.known_issuers.insert(c.known_issuers.end(), tsa_cas.begin(), tsa_cas.end());
  c.dev_ca = first_certificate(keys, "dev-ca");
  MEDSIGN_ASSIGN(std::string stored, check_key_certificate(*parsed, c));
  MEDSIGN_TRY(check_purpose(c.key_label, first_certificate(keys, name), parsed->front()));
  if (dry_run) return parsed->front();
  MEDSIGN_TRY(retire_certificate(keys, name));
  MEDSIGN_TRY(keys.put_certificate(name, stored));
  return parsed->front();
}

Result<std::string> tls_chain_pem(const TlsServerFiles& f) {
  auto b = crypto::read_file(f.chain);
  if (!b) return Error(Errc::key_not_found, "the HTTPS server has no certificate chain at " + f.chain.string());
  return std::string(b->begin(), b->end());
}

Result<std::string> tls_csr_pem(const crypto::SoftKeyStore& keys, const TlsServerFiles& f) {
  MEDSIGN_ASSIGN(crypto::EvpKey key, tls_key(keys, f));
  std::optional<pki::Certificate> current;
  if (auto pem = tls_chain_pem(f))
    if (auto certs = pki::Certificate::parse_pem(*pem); certs && !certs->empty()) current = certs->front();
  return csr_for(key, current, kTlsKeyName);
}

Result<pki::Certificate> import_tls_certificate(const crypto::SoftKeyStore& keys, const TlsServerFiles& f,
                                                const std::string& pem, std::int64_t now_ms,
                                                const std::vector<pki::Certificate>& known_issuers, bool dry_run) {
  auto parsed = pki::Certificate::parse_pem(pem);
  if (!parsed || parsed->empty())
    return Error(Errc::bad_encoding, "certificate: expected PEM (the certificate, then optionally its chain)");
  MEDSIGN_ASSIGN(crypto::EvpKey key, tls_key(keys, f));
  KeyCertificateCheck c;
  c.key_label = "the HTTPS server's key";
  MEDSIGN_ASSIGN(c.key_spki, key.public_der());
  c.now_ms = now_ms;
  c.known_issuers = known_issuers;
  c.dev_ca = first_certificate(keys, "dev-ca");
  MEDSIGN_ASSIGN(std::string stored, check_key_certificate(*parsed, c));
  const pki::Certificate& leaf = parsed->front();
  MEDSIGN_TRY(refuse_ca_certificate(c.key_label, leaf));
  if (leaf.key_usage() && !leaf.key_usage()->has(KeyUsageBit::digital_signature))
    return Error(Errc::invalid_argument, "wrong key usage: a TLS server certificate needs digitalSignature in its keyUsage");
  if (auto eku = leaf.extended_key_usage();
      eku && std::find(eku->begin(), eku->end(), asn1::oid::kKpServerAuth) == eku->end())
    return Error(Errc::invalid_argument, "wrong key usage: a TLS server certificate needs serverAuth in its extendedKeyUsage");
  if (dry_run) return leaf;
  if (parsed->size() == 1 && c.dev_ca) stored += c.dev_ca->to_pem();  // TLS clients get the whole chain
  if (auto old = tls_chain_pem(f); old && !old->empty())
    MEDSIGN_TRY(write_retired(keys, "tls-" + std::to_string(now_ms) + ".pem", *old));
  MEDSIGN_TRY(crypto::write_file_atomic(f.chain, as_bytes(stored), 0644));
  return leaf;
}

std::int64_t days_left(std::int64_t not_after_ms, std::int64_t now_ms) {
  std::int64_t d = not_after_ms - now_ms;
  return d >= 0 ? d / kDayMs : -((-d + kDayMs - 1) / kDayMs);
}

std::vector<ExpiryItem> expiring_certificates(const crypto::SoftKeyStore& keys,
                                              const std::vector<ExpiryCandidate>& candidates, std::int64_t now_ms,
                                              int warn_days) {
  std::vector<ExpiryCandidate> all = candidates;
  for (const auto& n : keys.names()) {
    auto c = first_certificate(keys, n);
    if (!c) continue;
    bool unit = n.rfind("tsa-", 0) == 0;
    all.push_back({unit ? "tsa_unit" : "key", unit ? n.substr(4) : n, std::move(*c)});
  }
  for (const auto& unit : tsa_unit_names(keys)) {
    if (!unit_in_provider(keys, unit)) continue;
    if (auto c = first_certificate(keys, "tsa-" + unit)) all.push_back({"provider_key", unit, std::move(*c)});
  }
  std::vector<ExpiryItem> out;
  const std::int64_t limit = now_ms + std::int64_t{warn_days} * kDayMs;
  for (const auto& a : all) {
    if (a.certificate.not_after_ms() >= limit) continue;
    out.push_back({a.kind, a.name, a.certificate.subject().to_string(), a.certificate.not_after_ms(),
                   days_left(a.certificate.not_after_ms(), now_ms)});
  }
  std::sort(out.begin(), out.end(), [](const ExpiryItem& x, const ExpiryItem& y) {
    return x.not_after_ms != y.not_after_ms ? x.not_after_ms < y.not_after_ms : x.name < y.name;
  });
  return out;
}

}  // namespace medsign::services
