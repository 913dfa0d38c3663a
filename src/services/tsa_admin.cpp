#include "services/tsa_admin.h"

#include <algorithm>
#include <memory>
#include <optional>

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <nlohmann/json.hpp>

#include "asn1/oids.h"
#include "crypto/provider/provider.h"
#include "crypto/soft/dev_ca.h"
#include "services/key_certificates.h"
#include "services/providers.h"
#include "services/tsa.h"

namespace medsign::services {
namespace fs = std::filesystem;
namespace id = asn1::oid;

namespace {
std::string key_name(const std::string& unit) { return "tsa-" + unit; }
fs::path ref_path(const crypto::SoftKeyStore& keys, const std::string& unit) { return keys.dir() / (key_name(unit) + ".ref"); }
std::string ref_purpose(const std::string& unit) { return "tsa-unit-ref:" + unit; }

Status require_unit(const crypto::SoftKeyStore& keys, const std::string& unit) {
  MEDSIGN_TRY(check_unit_name(unit));
  if (!keys.contains(key_name(unit)) && !unit_in_provider(keys, unit))
    return Error(Errc::key_not_found, "no TSA unit named '" + unit + "'");
  return {};
}

std::string openssl_error(const char* what) {
  std::string s(what);
  unsigned long e = ERR_get_error();
  if (e) {
    char buf[256];
    ERR_error_string_n(e, buf, sizeof buf);
    s.append(": ").append(buf);
  }
  ERR_clear_error();
  return s;
}

// Keeps the unit's current certificate in keys/tsa-retired/<unit>-<serial>.pem.
Status retire_certificate(const crypto::SoftKeyStore& keys, const std::string& unit) {
  auto pem = keys.certificate(key_name(unit));
  if (!pem) return {};
  auto certs = pki::Certificate::parse_pem(*pem);
  if (!certs || certs->empty()) return {};
  fs::path dir = keys.dir() / "tsa-retired";
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) return Error(Errc::io_error, dir.string() + ": " + ec.message());
  return crypto::write_file_atomic(dir / (unit + "-" + certs->front().serial_hex() + ".pem"), as_bytes(*pem), 0644);
}

std::vector<pki::Certificate> dev_ca(const crypto::SoftKeyStore& keys) {
  auto pem = keys.certificate("dev-ca");
  if (!pem) return {};
  auto certs = pki::Certificate::parse_pem(*pem);
  return certs ? *certs : std::vector<pki::Certificate>{};
}

// The signature scheme a TSA unit uses with a key of this algorithm.
Result<crypto::SignatureAlg> unit_signature_alg(crypto::KeyAlg k) {
  switch (k) {
    case crypto::KeyAlg::sm2: return crypto::SignatureAlg::sm2_sm3;
    case crypto::KeyAlg::ecdsa_p256: return crypto::SignatureAlg::ecdsa_p256_sha256;
    case crypto::KeyAlg::rsa2048: return crypto::SignatureAlg::rsa_pkcs1_sha256;
    default:
      return Error(Errc::algorithm_unsupported,
                   "a TSA unit key must be sm2, ecdsa-p256 or rsa-2048, not " + std::string(crypto::key_alg_name(k)));
  }
}

crypto::KeyAlg key_alg_of(crypto::KeyType t) {
  return t == crypto::KeyType::sm2 ? crypto::KeyAlg::sm2
         : t == crypto::KeyType::ecdsa_p256 ? crypto::KeyAlg::ecdsa_p256 : crypto::KeyAlg::rsa2048;
}

Status write_unit_key_ref(const crypto::SoftKeyStore& keys, const std::string& unit, const UnitKeyRef& ref) {
  nlohmann::json j{{"provider", ref.provider}, {"index", ref.index}, {"password", ref.password}};
  std::string text = j.dump();
  auto sealed = keys.seal_blob(as_bytes(text), ref_purpose(unit));
  secure_wipe(text.data(), text.size());
  if (!sealed) return sealed.error();
  return crypto::write_file_atomic(ref_path(keys, unit), *sealed, 0600);
}

// The provider key of a unit: its SubjectPublicKeyInfo and a sign function.
struct ProviderUnitSigner {
  Bytes spki;
  crypto::SignatureAlg alg = crypto::SignatureAlg::sm2_sm3;
  cms::SignFunction sign;
};

Result<ProviderUnitSigner> provider_unit_signer(ProviderService& providers, const UnitKeyRef& ref) {
  ProviderUnitSigner out;
  MEDSIGN_ASSIGN(out.spki, providers.public_key_der(ref.provider, ref.index));
  MEDSIGN_ASSIGN(crypto::KeyAlg k, crypto::provider::key_alg_of_spki(out.spki));
  MEDSIGN_ASSIGN(out.alg, unit_signature_alg(k));
  MEDSIGN_ASSIGN(out.sign, providers.sign_function(ref.provider, ref.index, out.alg, ref.password));
  return out;
}
}  // namespace

bool unit_in_provider(const crypto::SoftKeyStore& keys, const std::string& unit) {
  return check_unit_name(unit).ok() && fs::exists(ref_path(keys, unit));
}

Result<UnitKeyRef> read_unit_key_ref(const crypto::SoftKeyStore& keys, const std::string& unit) {
  MEDSIGN_TRY(check_unit_name(unit));
  auto sealed = crypto::read_file(ref_path(keys, unit));
  if (!sealed) return Error(Errc::key_not_found, "TSA unit '" + unit + "' has no key in a crypto provider");
  MEDSIGN_ASSIGN(SecretBytes plain, keys.unseal_blob(*sealed, ref_purpose(unit)));
  auto j = nlohmann::json::parse(as_chars(plain.view()), nullptr, false);
  if (j.is_discarded() || !j.is_object() || !j.contains("provider") || !j["provider"].is_string() ||
      !j.contains("index") || !j["index"].is_number_unsigned() || !j.contains("password") || !j["password"].is_string())
    return Error(Errc::bad_encoding, ref_path(keys, unit).string() + ": not a TSA unit key reference");
  UnitKeyRef ref;
  ref.provider = j["provider"].get<std::string>();
  ref.index = j["index"].get<std::uint32_t>();
  ref.password = j["password"].get<std::string>();
  return ref;
}

Status check_unit_name(const std::string& unit) {
  bool ok = !unit.empty() && unit.size() <= 32 && std::isalnum(static_cast<unsigned char>(unit[0]));
  for (char c : unit)
    ok = ok && ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_');
  if (!ok) return Error(Errc::invalid_argument, "unit name: 1 to 32 of a-z, 0-9, '-' and '_'");
  return {};
}

Result<crypto::KeyType> parse_tsa_algorithm(const std::string& s) {
  if (s == "sm2") return crypto::KeyType::sm2;
  if (s == "ecdsa" || s == "ecdsa-p256") return crypto::KeyType::ecdsa_p256;
  if (s == "rsa" || s == "rsa-2048") return crypto::KeyType::rsa2048;
  return Error(Errc::invalid_argument, "algorithm: sm2, ecdsa or rsa");
}

std::vector<std::string> tsa_unit_names(const crypto::SoftKeyStore& keys) {
  std::vector<std::string> out;
  for (auto& n : keys.names())
    if (n.rfind("tsa-", 0) == 0) out.push_back(n.substr(4));
  std::error_code ec;
  for (auto& e : fs::directory_iterator(keys.dir(), ec)) {
    std::string stem = e.path().stem().string();
    if (e.path().extension() == ".ref" && stem.rfind("tsa-", 0) == 0 &&
        std::find(out.begin(), out.end(), stem.substr(4)) == out.end())
      out.push_back(stem.substr(4));
  }
  std::sort(out.begin(), out.end());
  return out;
}

Result<pki::Certificate> generate_unit_key(crypto::SoftKeyStore& keys, const std::string& unit, crypto::KeyType type) {
  MEDSIGN_TRY(check_unit_name(unit));
  MEDSIGN_TRY(retire_certificate(keys, unit));
  MEDSIGN_TRY(create_dev_tsa_unit(keys, unit, type));
  std::error_code ec;
  fs::remove(ref_path(keys, unit), ec);  // the unit's key is in the soft key store now
  MEDSIGN_ASSIGN(std::string pem, keys.certificate(key_name(unit)));
  MEDSIGN_ASSIGN(auto certs, pki::Certificate::parse_pem(pem));
  return certs.front();
}

Result<std::string> unit_csr_pem(const crypto::SoftKeyStore& keys, const std::string& unit, ProviderService* providers) {
  MEDSIGN_TRY(require_unit(keys, unit));
  std::optional<crypto::EvpKey> soft_key;
  std::optional<ProviderUnitSigner> provider_key;
  EVP_PKEY* pub = nullptr;
  std::optional<crypto::EvpKey> provider_pub;
  if (unit_in_provider(keys, unit)) {
    if (!providers) return Error(Errc::unavailable, "TSA unit '" + unit + "' has its key in a crypto provider");
    MEDSIGN_ASSIGN(UnitKeyRef ref, read_unit_key_ref(keys, unit));
    MEDSIGN_ASSIGN(auto signer, provider_unit_signer(*providers, ref));
    provider_key = std::move(signer);
    MEDSIGN_ASSIGN(auto p, crypto::EvpKey::from_public_der(provider_key->spki));
    provider_pub = std::move(p);
    pub = provider_pub->get();
  } else {
    MEDSIGN_ASSIGN(crypto::EvpKey key, keys.get(key_name(unit)));
    soft_key = std::move(key);
    pub = soft_key->get();
  }
  std::unique_ptr<X509_REQ, decltype(&X509_REQ_free)> req(X509_REQ_new(), X509_REQ_free);
  X509_REQ_set_version(req.get(), 0);
  auto pem = keys.certificate(key_name(unit));
  std::unique_ptr<X509_NAME, decltype(&X509_NAME_free)> name(nullptr, X509_NAME_free);
  if (pem) {
    auto certs = pki::Certificate::parse_pem(*pem);
    if (certs && !certs->empty()) {
      const Bytes& der = certs->front().subject().der();
      const unsigned char* p = der.data();
      name.reset(d2i_X509_NAME(nullptr, &p, static_cast<long>(der.size())));
    }
  }
  if (!name) {
    name.reset(X509_NAME_new());
    std::string cn = "MedSign TSA ";
    cn.append(unit);
    X509_NAME_add_entry_by_txt(name.get(), "O", MBSTRING_UTF8, reinterpret_cast<const unsigned char*>("MedSign"), -1, -1, 0);
    X509_NAME_add_entry_by_txt(name.get(), "CN", MBSTRING_UTF8, reinterpret_cast<const unsigned char*>(cn.c_str()), -1,
                               -1, 0);
  }
  if (X509_REQ_set_subject_name(req.get(), name.get()) != 1 || X509_REQ_set_pubkey(req.get(), pub) != 1)
    return Error(Errc::crypto_error, openssl_error("CSR subject or key"));
  std::unique_ptr<STACK_OF(X509_EXTENSION), void (*)(STACK_OF(X509_EXTENSION)*)> exts(
      sk_X509_EXTENSION_new_null(), [](STACK_OF(X509_EXTENSION)* s) { sk_X509_EXTENSION_pop_free(s, X509_EXTENSION_free); });
  X509_EXTENSION* eku = X509V3_EXT_conf_nid(nullptr, nullptr, NID_ext_key_usage, "critical,timeStamping");
  if (!eku || !sk_X509_EXTENSION_push(exts.get(), eku)) return Error(Errc::crypto_error, openssl_error("CSR extension"));
  if (X509_REQ_add_extensions(req.get(), exts.get()) != 1) return Error(Errc::crypto_error, openssl_error("CSR extension"));

  if (provider_key) {
    // Signed inside the provider: the CertificationRequestInfo DER goes to the key, the signature comes back.
    int nid = provider_key->alg == crypto::SignatureAlg::sm2_sm3             ? NID_SM2_with_SM3
              : provider_key->alg == crypto::SignatureAlg::ecdsa_p256_sha256 ? NID_ecdsa_with_SHA256
                                                                              : NID_sha256WithRSAEncryption;
    std::unique_ptr<X509_ALGOR, decltype(&X509_ALGOR_free)> algor(X509_ALGOR_new(), X509_ALGOR_free);
    if (!algor || X509_ALGOR_set0(algor.get(), OBJ_nid2obj(nid), nid == NID_sha256WithRSAEncryption ? V_ASN1_NULL : V_ASN1_UNDEF,
                                  nullptr) != 1 ||
        X509_REQ_set1_signature_algo(req.get(), algor.get()) != 1)
      return Error(Errc::crypto_error, openssl_error("CSR signature algorithm"));
    unsigned char* tbs = nullptr;
    int tbs_len = i2d_re_X509_REQ_tbs(req.get(), &tbs);
    if (tbs_len <= 0) return Error(Errc::crypto_error, openssl_error("CSR encoding"));
    Bytes info(tbs, tbs + tbs_len);
    OPENSSL_free(tbs);
    MEDSIGN_ASSIGN(Bytes sig, provider_key->sign(info));
    ASN1_BIT_STRING* bits = ASN1_BIT_STRING_new();
    if (!bits || ASN1_BIT_STRING_set(bits, sig.data(), static_cast<int>(sig.size())) != 1) {
      ASN1_BIT_STRING_free(bits);
      return Error(Errc::crypto_error, openssl_error("CSR signature"));
    }
    bits->flags &= ~(ASN1_STRING_FLAG_BITS_LEFT | 0x07);
    bits->flags |= ASN1_STRING_FLAG_BITS_LEFT;
    X509_REQ_set0_signature(req.get(), bits);
  } else {
    const crypto::EvpKey& key = *soft_key;
    bool sm2 = key.type() == crypto::KeyType::sm2;
    std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> mctx(EVP_MD_CTX_new(), EVP_MD_CTX_free);
    EVP_PKEY_CTX* pctx = nullptr;
    if (EVP_DigestSignInit_ex(mctx.get(), &pctx, sm2 ? "SM3" : "SHA256", nullptr, nullptr, key.get(), nullptr) != 1)
      return Error(Errc::crypto_error, openssl_error("CSR signing"));
    if (sm2) {
      if (EVP_PKEY_CTX_set1_id(pctx, crypto::kSm2DefaultId.data(), static_cast<int>(crypto::kSm2DefaultId.size())) != 1)
        return Error(Errc::crypto_error, openssl_error("SM2 ID"));
      ASN1_OCTET_STRING* distid = ASN1_OCTET_STRING_new();
      ASN1_OCTET_STRING_set(distid, reinterpret_cast<const unsigned char*>(crypto::kSm2DefaultId.data()),
                            static_cast<int>(crypto::kSm2DefaultId.size()));
      X509_REQ_set0_distinguishing_id(req.get(), distid);
    }
    if (X509_REQ_sign_ctx(req.get(), mctx.get()) <= 0) return Error(Errc::crypto_error, openssl_error("CSR signing"));
  }
  std::unique_ptr<BIO, decltype(&BIO_free)> bio(BIO_new(BIO_s_mem()), BIO_free);
  if (PEM_write_bio_X509_REQ(bio.get(), req.get()) != 1) return Error(Errc::crypto_error, openssl_error("CSR PEM"));
  char* data = nullptr;
  long len = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<std::size_t>(len));
}

Result<pki::Certificate> import_unit_certificate(crypto::SoftKeyStore& keys, const std::string& unit,
                                                 const std::string& pem, std::int64_t now_ms,
                                                 ProviderService* providers,
                                                 const std::vector<pki::Certificate>& known_issuers) {
  MEDSIGN_TRY(require_unit(keys, unit));
  auto parsed = pki::Certificate::parse_pem(pem);
  if (!parsed || parsed->empty())
    return Error(Errc::bad_encoding, "certificate: expected PEM (the certificate, then optionally its chain)");
  std::vector<pki::Certificate> certs = std::move(*parsed);
  const pki::Certificate& leaf = certs.front();
  KeyCertificateCheck check;
  check.key_label = "unit '" + unit + "'";
  if (unit_in_provider(keys, unit)) {
    if (!providers) return Error(Errc::unavailable, "TSA unit '" + unit + "' has its key in a crypto provider");
    MEDSIGN_ASSIGN(UnitKeyRef ref, read_unit_key_ref(keys, unit));
    MEDSIGN_ASSIGN(check.key_spki, providers->public_key_der(ref.provider, ref.index));
  } else {
    MEDSIGN_ASSIGN(crypto::EvpKey key, keys.get(key_name(unit)));
    MEDSIGN_ASSIGN(check.key_spki, key.public_der());
  }
  auto eku = leaf.extended_key_usage();
  auto eku_ext = leaf.find_extension(id::kExtKeyUsage);
  if (leaf.public_key().der == check.key_spki &&
      (!eku || !eku_ext || !eku_ext->critical || eku->size() != 1 || eku->front() != id::kKpTimeStamping))
    return Error(Errc::invalid_argument,
                 "the certificate must have a critical extendedKeyUsage with timeStamping only (RFC 3161 §2.3)");
  // The issuer: from the given chain, else the imported CA certificates or the development CA.
  check.now_ms = now_ms;
  MEDSIGN_ASSIGN(check.known_issuers, ca_certificates(keys));
  check.known_issuers.insert(check.known_issuers.end(), known_issuers.begin(), known_issuers.end());
  auto dev = dev_ca(keys);
  if (!dev.empty()) check.dev_ca = dev.front();
  MEDSIGN_ASSIGN(std::string stored, check_key_certificate(certs, check));
  MEDSIGN_TRY(retire_certificate(keys, unit));
  MEDSIGN_TRY(keys.put_certificate(key_name(unit), stored));
  return leaf;
}

Result<std::string> unit_chain_pem(const crypto::SoftKeyStore& keys, const std::string& unit) {
  MEDSIGN_TRY(require_unit(keys, unit));
  MEDSIGN_ASSIGN(std::string pem, keys.certificate(key_name(unit)));
  MEDSIGN_ASSIGN(auto certs, pki::Certificate::parse_pem(pem));
  std::string out;
  for (auto& c : certs) out += c.to_pem();
  if (certs.size() == 1)
    for (auto& c : dev_ca(keys)) out += c.to_pem();
  return out;
}

Result<std::vector<pki::Certificate>> ca_certificates(const crypto::SoftKeyStore& keys) {
  std::vector<std::pair<std::string, pki::Certificate>> found;
  std::error_code ec;
  for (auto& e : fs::directory_iterator(keys.dir() / "ca", ec)) {
    if (e.path().extension() != ".pem") continue;
    MEDSIGN_ASSIGN(Bytes b, crypto::read_file(e.path()));
    MEDSIGN_ASSIGN(auto certs, pki::Certificate::parse_pem(as_chars(b)));
    for (auto& c : certs) found.emplace_back(e.path().filename().string(), c);
  }
  std::sort(found.begin(), found.end(), [](auto& a, auto& b) { return a.first < b.first; });
  std::vector<pki::Certificate> out;
  for (auto& f : found) out.push_back(std::move(f.second));
  return out;
}

Result<pki::Certificate> import_ca_certificate(crypto::SoftKeyStore& keys, const std::string& pem) {
  auto parsed = pki::Certificate::parse_pem(pem);
  if (!parsed || parsed->size() != 1) return Error(Errc::bad_encoding, "certificate: expected one PEM certificate");
  const pki::Certificate& c = parsed->front();
  if (!c.basic_constraints() || !c.basic_constraints()->ca)
    return Error(Errc::invalid_argument, "not a CA certificate (basicConstraints cA is not set)");
  fs::path dir = keys.dir() / "ca";
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) return Error(Errc::io_error, dir.string() + ": " + ec.message());
  MEDSIGN_TRY(crypto::write_file_atomic(dir / (c.fingerprint_sha256().substr(0, 16) + ".pem"), as_bytes(c.to_pem()), 0644));
  return c;
}

Result<pki::Certificate> generate_unit_key(crypto::SoftKeyStore& keys, ProviderService& providers,
                                           const std::string& unit, crypto::KeyType type,
                                           const ProviderUnitKey& where, const Actor& by) {
  MEDSIGN_TRY(check_unit_name(unit));
  crypto::KeyAlg alg = key_alg_of(type);
  UnitKeyRef ref{where.provider, where.index, where.provider == "pkcs11" ? std::string() : where.password};
  if (where.existing) {
    if (where.index == 0) return Error(Errc::missing_field, "index: the key to use");
    MEDSIGN_ASSIGN(auto info, providers.key(where.provider, where.index));
    if (info.algorithm != alg)
      return Error(Errc::invalid_argument, "the key at " + where.provider + " index " + std::to_string(where.index) +
                                               " is " + std::string(crypto::key_alg_name(info.algorithm)) + ", not " +
                                               std::string(crypto::key_alg_name(alg)));
  } else {
    ProviderKeyRequest req;
    req.algorithm = std::string(crypto::key_alg_name(alg));
    req.index = where.index;
    req.password = ref.password;
    MEDSIGN_ASSIGN(auto info, providers.generate(where.provider, req, by));
    ref.index = info.index;
  }
  // The access right is granted once here, so a wrong password is refused before anything is written.
  MEDSIGN_ASSIGN(ProviderUnitSigner signer, provider_unit_signer(providers, ref));
  MEDSIGN_ASSIGN(crypto::EvpKey pub, crypto::EvpKey::from_public_der(signer.spki));
  MEDSIGN_ASSIGN(std::string pem, issue_dev_tsa_certificate(keys, unit, pub));
  MEDSIGN_ASSIGN(auto certs, pki::Certificate::parse_pem(pem));
  if (certs.empty()) return Error(Errc::internal, "TSA unit certificate missing");
  MEDSIGN_TRY(retire_certificate(keys, unit));
  MEDSIGN_TRY(write_unit_key_ref(keys, unit, ref));
  MEDSIGN_TRY(keys.put_certificate(key_name(unit), pem));
  std::error_code ec;
  fs::remove(keys.dir() / (key_name(unit) + ".key"), ec);  // the unit's key is in the provider now
  return certs.front();
}

Result<tsp::TimestampUnit> load_provider_unit(const crypto::SoftKeyStore& keys, const std::string& unit,
                                              ProviderService& providers) {
  MEDSIGN_ASSIGN(UnitKeyRef ref, read_unit_key_ref(keys, unit));
  MEDSIGN_ASSIGN(std::string pem, keys.certificate(key_name(unit)));
  MEDSIGN_ASSIGN(ProviderUnitSigner signer, provider_unit_signer(providers, ref));
  const crypto::SignatureAlg alg = signer.alg;
  const Bytes spki = signer.spki;
  MEDSIGN_ASSIGN(tsp::TimestampUnit u, assemble_tsa_unit(unit, pem, dev_ca(keys), alg, std::move(signer.sign)));
  if (u.certificate.public_key().der != spki)
    return Error(Errc::invalid_argument, "TSA unit '" + unit + "': the certificate is not for the key at " + ref.provider +
                                             " index " + std::to_string(ref.index));
  return u;
}

}  // namespace medsign::services
