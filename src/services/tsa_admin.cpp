#include "services/tsa_admin.h"

#include <algorithm>
#include <memory>

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "asn1/oids.h"
#include "services/tsa.h"

namespace medsign::services {
namespace fs = std::filesystem;
namespace id = asn1::oid;

namespace {
std::string key_name(const std::string& unit) { return "tsa-" + unit; }

Status require_unit(const crypto::SoftKeyStore& keys, const std::string& unit) {
  MEDSIGN_TRY(check_unit_name(unit));
  if (!keys.contains(key_name(unit))) return Error(Errc::key_not_found, "no TSA unit named '" + unit + "'");
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
}  // namespace

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
  std::sort(out.begin(), out.end());
  return out;
}

Result<pki::Certificate> generate_unit_key(crypto::SoftKeyStore& keys, const std::string& unit, crypto::KeyType type) {
  MEDSIGN_TRY(check_unit_name(unit));
  MEDSIGN_TRY(retire_certificate(keys, unit));
  MEDSIGN_TRY(create_dev_tsa_unit(keys, unit, type));
  MEDSIGN_ASSIGN(std::string pem, keys.certificate(key_name(unit)));
  MEDSIGN_ASSIGN(auto certs, pki::Certificate::parse_pem(pem));
  return certs.front();
}

Result<std::string> unit_csr_pem(const crypto::SoftKeyStore& keys, const std::string& unit) {
  MEDSIGN_TRY(require_unit(keys, unit));
  MEDSIGN_ASSIGN(crypto::EvpKey key, keys.get(key_name(unit)));
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
  if (X509_REQ_set_subject_name(req.get(), name.get()) != 1 || X509_REQ_set_pubkey(req.get(), key.get()) != 1)
    return Error(Errc::crypto_error, openssl_error("CSR subject or key"));
  std::unique_ptr<STACK_OF(X509_EXTENSION), void (*)(STACK_OF(X509_EXTENSION)*)> exts(
      sk_X509_EXTENSION_new_null(), [](STACK_OF(X509_EXTENSION)* s) { sk_X509_EXTENSION_pop_free(s, X509_EXTENSION_free); });
  X509_EXTENSION* eku = X509V3_EXT_conf_nid(nullptr, nullptr, NID_ext_key_usage, "critical,timeStamping");
  if (!eku || !sk_X509_EXTENSION_push(exts.get(), eku)) return Error(Errc::crypto_error, openssl_error("CSR extension"));
  if (X509_REQ_add_extensions(req.get(), exts.get()) != 1) return Error(Errc::crypto_error, openssl_error("CSR extension"));

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
  std::unique_ptr<BIO, decltype(&BIO_free)> bio(BIO_new(BIO_s_mem()), BIO_free);
  if (PEM_write_bio_X509_REQ(bio.get(), req.get()) != 1) return Error(Errc::crypto_error, openssl_error("CSR PEM"));
  char* data = nullptr;
  long len = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<std::size_t>(len));
}

Result<pki::Certificate> import_unit_certificate(crypto::SoftKeyStore& keys, const std::string& unit,
                                                 const std::string& pem, std::int64_t now_ms) {
  MEDSIGN_TRY(require_unit(keys, unit));
  auto parsed = pki::Certificate::parse_pem(pem);
  if (!parsed || parsed->empty())
    return Error(Errc::bad_encoding, "certificate: expected PEM (the certificate, then optionally its chain)");
  std::vector<pki::Certificate> certs = std::move(*parsed);
  const pki::Certificate& leaf = certs.front();
  MEDSIGN_ASSIGN(crypto::EvpKey key, keys.get(key_name(unit)));
  MEDSIGN_ASSIGN(Bytes spki, key.public_der());
  if (leaf.public_key().der != spki)
    return Error(Errc::invalid_argument, "the certificate is not for the key of unit '" + unit + "'");
  auto eku = leaf.extended_key_usage();
  auto eku_ext = leaf.find_extension(id::kExtKeyUsage);
  if (!eku || !eku_ext || !eku_ext->critical || eku->size() != 1 || eku->front() != id::kKpTimeStamping)
    return Error(Errc::invalid_argument,
                 "the certificate must have a critical extendedKeyUsage with timeStamping only (RFC 3161 §2.3)");
  if (!leaf.unknown_critical_extensions().empty())
    return Error(Errc::invalid_argument, "the certificate has an unknown critical extension");
  if (now_ms < leaf.not_before_ms()) return Error(Errc::invalid_argument, "the certificate is not valid yet");
  if (now_ms > leaf.not_after_ms()) return Error(Errc::invalid_argument, "the certificate has expired");
  // The issuer: from the given chain, else the imported CA certificates or the development CA.
  std::vector<pki::Certificate> candidates(certs.begin() + 1, certs.end());
  MEDSIGN_ASSIGN(auto cas, ca_certificates(keys));
  auto dev = dev_ca(keys);
  candidates.insert(candidates.end(), cas.begin(), cas.end());
  candidates.insert(candidates.end(), dev.begin(), dev.end());
  const pki::Certificate* issuer = nullptr;
  for (auto& c : candidates)
    if (c.subject() == leaf.issuer() && leaf.verify_signature(c).ok()) {
      issuer = &c;
      break;
    }
  if (!issuer)
    return Error(Errc::invalid_argument,
                 "the certificate's issuer is unknown: include the chain or import the CA certificate first");
  std::string stored = leaf.to_pem();
  bool dev_issued = !dev.empty() && issuer->der() == dev.front().der();
  if (certs.size() > 1) {
    for (std::size_t i = 1; i < certs.size(); ++i) stored += certs[i].to_pem();
  } else if (!dev_issued) {
    stored += issuer->to_pem();
  }
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

}  // namespace medsign::services
