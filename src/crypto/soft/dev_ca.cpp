#include "crypto/soft/dev_ca.h"

#include <memory>

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "crypto/soft/key_seal.h"

namespace medsign::crypto {
namespace {
using X509Ptr = std::unique_ptr<X509, decltype(&X509_free)>;

X509Ptr read_cert(const std::string& pem) {
  std::unique_ptr<BIO, decltype(&BIO_free)> bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())), BIO_free);
  return X509Ptr(PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr), X509_free);
}

bool add_ext(X509* cert, X509* issuer, int nid, const std::string& value) {
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, issuer, cert, nullptr, nullptr, 0);
  X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value.c_str());
  if (!ext) return false;
  bool ok = X509_add_ext(cert, ext, -1) == 1;
  X509_EXTENSION_free(ext);
  return ok;
}

std::string name_string(const X509_NAME* n) {
  std::unique_ptr<BIO, decltype(&BIO_free)> bio(BIO_new(BIO_s_mem()), BIO_free);
  X509_NAME_print_ex(bio.get(), n, 0, XN_FLAG_RFC2253 & ~ASN1_STRFLGS_ESC_MSB);
  char* data = nullptr;
  long len = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<std::size_t>(len));
}

std::int64_t asn1_time_ms(const ASN1_TIME* t) {
  struct tm tm {};
  if (ASN1_TIME_to_tm(t, &tm) != 1) return 0;
  return static_cast<std::int64_t>(timegm(&tm)) * 1000;
}
}  // namespace

Result<std::string> issue_certificate(const EvpKey& subject, const CertSpec& spec, const EvpKey& issuer_key,
                                      const std::string& issuer_cert_pem) {
  X509Ptr cert(X509_new(), X509_free);
  X509Ptr issuer(nullptr, X509_free);
  if (!issuer_cert_pem.empty()) {
    issuer = read_cert(issuer_cert_pem);
    if (!issuer) return Error(Errc::bad_encoding, "issuer certificate PEM is invalid");
  }
  X509_set_version(cert.get(), 2);
  Bytes serial = random_bytes(16);
  serial[0] &= 0x7f;
  serial[0] |= 0x01;
  BIGNUM* bn = BN_bin2bn(serial.data(), static_cast<int>(serial.size()), nullptr);
  BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(cert.get()));
  BN_free(bn);
  X509_gmtime_adj(X509_getm_notBefore(cert.get()), -300);
  X509_gmtime_adj(X509_getm_notAfter(cert.get()), static_cast<long>(spec.days) * 86400);
  X509_NAME* name = X509_get_subject_name(cert.get());
  X509_NAME_add_entry_by_txt(name, "C", MBSTRING_UTF8, reinterpret_cast<const unsigned char*>("CN"), -1, -1, 0);
  X509_NAME_add_entry_by_txt(name, "O", MBSTRING_UTF8,
                             reinterpret_cast<const unsigned char*>(spec.organization.c_str()), -1, -1, 0);
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8,
                             reinterpret_cast<const unsigned char*>(spec.common_name.c_str()), -1, -1, 0);
  X509_set_issuer_name(cert.get(), issuer ? X509_get_subject_name(issuer.get()) : name);
  if (X509_set_pubkey(cert.get(), subject.get()) != 1) return Error(Errc::crypto_error, "cannot set public key");
  X509* iss = issuer ? issuer.get() : cert.get();
  bool ok = add_ext(cert.get(), iss, NID_subject_key_identifier, "hash") &&
            add_ext(cert.get(), iss, NID_authority_key_identifier, "keyid:always");
  switch (spec.profile) {
    case CertProfile::root_ca:
      ok = ok && add_ext(cert.get(), iss, NID_basic_constraints, "critical,CA:TRUE") &&
           add_ext(cert.get(), iss, NID_key_usage, "critical,keyCertSign,cRLSign,digitalSignature");
      break;
    case CertProfile::tls_server: {
      std::string san;
      auto add = [&san](std::string_view kind, const std::string& v) {
        if (!san.empty()) san.push_back(',');
        san.append(kind);
        san.append(v);
      };
      for (auto& d : spec.dns_names) add("DNS:", d);
      for (auto& ip : spec.ip_addresses) add("IP:", ip);
      ok = ok && add_ext(cert.get(), iss, NID_basic_constraints, "critical,CA:FALSE") &&
           add_ext(cert.get(), iss, NID_key_usage, "critical,digitalSignature,keyEncipherment") &&
           add_ext(cert.get(), iss, NID_ext_key_usage, "serverAuth") &&
           (san.empty() || add_ext(cert.get(), iss, NID_subject_alt_name, san));
      break;
    }
    case CertProfile::admin_key:
      ok = ok && add_ext(cert.get(), iss, NID_basic_constraints, "critical,CA:FALSE") &&
           add_ext(cert.get(), iss, NID_key_usage, "critical,digitalSignature") &&
           add_ext(cert.get(), iss, NID_ext_key_usage, "clientAuth");
      break;
    case CertProfile::timestamping:
      ok = ok && add_ext(cert.get(), iss, NID_basic_constraints, "critical,CA:FALSE") &&
           add_ext(cert.get(), iss, NID_key_usage, "critical,digitalSignature,nonRepudiation") &&
           add_ext(cert.get(), iss, NID_ext_key_usage, "critical,timeStamping");
      break;
    case CertProfile::audit_key:
    case CertProfile::document_signing:
      ok = ok && add_ext(cert.get(), iss, NID_basic_constraints, "critical,CA:FALSE") &&
           add_ext(cert.get(), iss, NID_key_usage, "critical,digitalSignature,nonRepudiation");
      break;
  }
  if (!ok) return Error(Errc::crypto_error, "cannot add certificate extensions");
  const EVP_MD* md = issuer_key.type() == KeyType::sm2 ? EVP_sm3() : EVP_sha256();
  if (issuer_key.type() == KeyType::sm2)
    return Error(Errc::invalid_argument, "the development CA signs with ECDSA or RSA keys");
  if (X509_sign(cert.get(), issuer_key.get(), md) <= 0) {
    ERR_clear_error();
    return Error(Errc::crypto_error, "certificate signing failed");
  }
  std::unique_ptr<BIO, decltype(&BIO_free)> bio(BIO_new(BIO_s_mem()), BIO_free);
  PEM_write_bio_X509(bio.get(), cert.get());
  char* data = nullptr;
  long len = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<std::size_t>(len));
}

Result<CertificateInfo> certificate_info(const std::string& pem) {
  auto cert = read_cert(pem);
  if (!cert) {
    ERR_clear_error();
    return Error(Errc::bad_encoding, "not a PEM certificate");
  }
  CertificateInfo info;
  info.subject = name_string(X509_get_subject_name(cert.get()));
  info.issuer = name_string(X509_get_issuer_name(cert.get()));
  BIGNUM* bn = ASN1_INTEGER_to_BN(X509_get_serialNumber(cert.get()), nullptr);
  char* hex = BN_bn2hex(bn);
  info.serial_hex = hex;
  OPENSSL_free(hex);
  BN_free(bn);
  info.not_after_ms = asn1_time_ms(X509_get0_notAfter(cert.get()));
  auto fmt = [](std::int64_t ms) {
    char buf[32];
    time_t s = static_cast<time_t>(ms / 1000);
    struct tm tm {};
    gmtime_r(&s, &tm);
    strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
    return std::string(buf);
  };
  info.not_before = fmt(asn1_time_ms(X509_get0_notBefore(cert.get())));
  info.not_after = fmt(info.not_after_ms);
  unsigned char md[32];
  unsigned int mdlen = 0;
  X509_digest(cert.get(), EVP_sha256(), md, &mdlen);
  info.fingerprint_sha256 = hex_encode(ByteView(md, mdlen));
  return info;
}

Status verify_issued_by(const std::string& cert_pem, const std::string& ca_pem) {
  auto cert = read_cert(cert_pem);
  auto ca = read_cert(ca_pem);
  if (!cert || !ca) {
    ERR_clear_error();
    return Error(Errc::bad_encoding, "not a PEM certificate");
  }
  EVP_PKEY* ca_key = X509_get0_pubkey(ca.get());
  if (X509_verify(cert.get(), ca_key) != 1) {
    ERR_clear_error();
    return Error(Errc::bad_signature, "certificate is not signed by the CA");
  }
  if (X509_cmp_current_time(X509_get0_notBefore(cert.get())) > 0 ||
      X509_cmp_current_time(X509_get0_notAfter(cert.get())) < 0)
    return Error(Errc::bad_signature, "certificate is outside its validity period");
  return {};
}

}  // namespace medsign::crypto
