// Keys and certificates for the seal tests: a development root (ECDSA P-256), an SM2 seal maker, an SM2
// and an RSA signer, each with a certificate issued by the root, made once per test binary.
#pragma once

#include <gtest/gtest.h>

#include "crypto/algorithms/pk.h"
#include "crypto/soft/dev_ca.h"
#include "pki/certificate.h"
#include "seal/sign.h"

namespace medsign::seal::testing {

struct Party {
  crypto::EvpKey key;
  pki::Certificate cert;
  crypto::Signer signer;
};

inline Party make_party(crypto::KeyType type, const std::string& cn, const crypto::EvpKey& ca_key,
                        const std::string& ca_pem, int days = 365) {
  Party p;
  p.key = crypto::EvpKey::generate(type).value();
  crypto::CertSpec spec;
  spec.common_name = cn;
  spec.profile = crypto::CertProfile::document_signing;
  spec.days = days;
  std::string pem = crypto::issue_certificate(p.key, spec, ca_key, ca_pem).value();
  p.cert = pki::Certificate::parse(as_bytes(pem)).value();
  auto pair = crypto::KeyPair::from_pkcs8(p.key.private_der().value().view()).value();
  p.signer = crypto::Signer::create(crypto::default_signature_alg(pair.algorithm()) == crypto::SignatureAlg::rsa_pss_sha256
                                        ? crypto::SignatureAlg::rsa_pkcs1_sha256
                                        : crypto::default_signature_alg(pair.algorithm()),
                                    pair)
                 .value();
  return p;
}

struct Parties {
  crypto::EvpKey ca_key;
  std::string ca_pem;
  pki::Certificate ca;
  Party maker, sm2_signer, rsa_signer, other;
};

inline const Parties& parties() {
  static const Parties p = [] {
    Parties x;
    x.ca_key = crypto::EvpKey::generate(crypto::KeyType::ecdsa_p256).value();
    crypto::CertSpec spec{"Seal test CA", "MedSign", {}, {}, 3650, crypto::CertProfile::root_ca};
    x.ca_pem = crypto::issue_certificate(x.ca_key, spec, x.ca_key, "").value();
    x.ca = pki::Certificate::parse(as_bytes(x.ca_pem)).value();
    x.maker = make_party(crypto::KeyType::sm2, "Seal maker", x.ca_key, x.ca_pem);
    x.sm2_signer = make_party(crypto::KeyType::sm2, "SM2 signer", x.ca_key, x.ca_pem);
    x.rsa_signer = make_party(crypto::KeyType::rsa2048, "RSA signer", x.ca_key, x.ca_pem);
    x.other = make_party(crypto::KeyType::sm2, "Someone else", x.ca_key, x.ca_pem);
    return x;
  }();
  return p;
}

inline SealInfo sample_info(std::int64_t now_ms, std::vector<Bytes> certs) {
  SealInfo i;
  i.header.vid = "MedSign";
  i.es_id = "seal-test-0001";
  i.property.type = 1;
  i.property.name = "示范医院公章";
  i.property.certs = std::move(certs);
  i.property.create_ms = now_ms / 1000 * 1000;
  i.property.valid_start_ms = i.property.create_ms - 3600'000;
  i.property.valid_end_ms = i.property.create_ms + 30LL * 86400'000;
  i.picture.type = "PNG";
  i.picture.data = Bytes{0x89, 'P', 'N', 'G', 1, 2, 3, 4, 5, 6, 7, 8};
  i.picture.width_mm = 40;
  i.picture.height_mm = 40;
  return i;
}

}  // namespace medsign::seal::testing
