#include "ca/export.h"

#include <memory>

#include <openssl/err.h>
#include <openssl/pkcs12.h>
#include <openssl/x509.h>

#include "asn1/oids.h"
#include "asn1/writer.h"
#include "cms/signed_data.h"
#include "crypto/soft/evp_key.h"

namespace medsign::ca {
namespace id = asn1::oid;

Result<Bytes> pkcs7_certs_only(std::span<const pki::Certificate> certs) {
  if (certs.empty()) return Error(Errc::invalid_argument, "PKCS#7: at least one certificate is required");
  asn1::Writer w;
  w.add_sequence([&](asn1::Writer& ci) {
    ci.add_oid(id::kPkcs7SignedData);
    ci.add_explicit(0, [&](asn1::Writer& e) {
      e.add_sequence([&](asn1::Writer& sd) {
        sd.add_int64(1);
        sd.add_set_of([](asn1::Writer&) {});  // digestAlgorithms
        sd.add_sequence([](asn1::Writer& c) { c.add_oid(id::kPkcs7Data); });
        sd.add_constructed(asn1::Tag::context(0, true), [&](asn1::Writer& set) {
          for (const pki::Certificate& c : certs) set.add_raw(c.der());
        });
        sd.add_set_of([](asn1::Writer&) {});  // signerInfos
      });
    });
  });
  return std::move(w).finish();
}

Result<std::vector<pki::Certificate>> certificates_of_pkcs7(ByteView der) {
  // parse_signed_data insists on signers for nothing; it accepts an empty signerInfos SET.
  MEDSIGN_ASSIGN(cms::SignedData sd, cms::parse_signed_data(der));
  return sd.certificates;
}

namespace {
std::string openssl_error(const char* what) {
  std::string s(what);
  if (unsigned long e = ERR_get_error()) {
    char buf[256];
    ERR_error_string_n(e, buf, sizeof buf);
    s.append(": ").append(buf);
  }
  ERR_clear_error();
  return s;
}

struct X509Free {
  void operator()(X509* x) const { X509_free(x); }
};
using X509Ptr = std::unique_ptr<X509, X509Free>;

Result<X509Ptr> to_x509(const pki::Certificate& c) {
  const unsigned char* p = c.der().data();
  X509Ptr x(d2i_X509(nullptr, &p, static_cast<long>(c.der().size())));
  if (!x) return Error(Errc::crypto_error, openssl_error("certificate for PKCS#12"));
  return x;
}
}  // namespace

Result<Bytes> pkcs12(ByteView pkcs8, std::span<const pki::Certificate> chain, std::string_view password,
                     std::string_view friendly_name) {
  if (password.size() < 8) return Error(Errc::invalid_argument, "PKCS#12 password: at least 8 characters");
  if (chain.empty()) return Error(Errc::invalid_argument, "PKCS#12: the certificate is required");
  MEDSIGN_ASSIGN(crypto::EvpKey key, crypto::EvpKey::from_private_der(pkcs8));
  MEDSIGN_ASSIGN(Bytes spki, key.public_der());
  if (spki != chain.front().public_key().der)
    return Error(Errc::invalid_argument, "PKCS#12: the key does not belong to the certificate");
  MEDSIGN_ASSIGN(X509Ptr leaf, to_x509(chain.front()));
  std::unique_ptr<STACK_OF(X509), void (*)(STACK_OF(X509)*)> cas(
      sk_X509_new_null(), [](STACK_OF(X509)* s) { sk_X509_pop_free(s, X509_free); });
  for (std::size_t i = 1; i < chain.size(); ++i) {
    MEDSIGN_ASSIGN(X509Ptr x, to_x509(chain[i]));
    if (!sk_X509_push(cas.get(), x.get())) return Error(Errc::crypto_error, openssl_error("PKCS#12 chain"));
    (void)x.release();
  }
  std::string pass(password), name(friendly_name);
  // nid 0 / iter 0 / mac_iter 0 select the library defaults (PBES2 AES-256-CBC, 2048 iterations, SHA-256 MAC).
  PKCS12* p12 = PKCS12_create(pass.c_str(), name.empty() ? nullptr : name.c_str(), key.get(), leaf.get(), cas.get(), 0, 0,
                              0, 0, 0);
  if (!p12) return Error(Errc::crypto_error, openssl_error("PKCS12_create"));
  unsigned char* buf = nullptr;
  int len = i2d_PKCS12(p12, &buf);
  PKCS12_free(p12);
  if (len <= 0) return Error(Errc::crypto_error, openssl_error("PKCS#12 encoding"));
  Bytes out(buf, buf + len);
  OPENSSL_free(buf);
  return out;
}

}  // namespace medsign::ca
