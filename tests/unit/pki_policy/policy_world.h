// The certificates of the PKI policy tests, made once per test binary with the openssl CLI: an RSA root
// with an issuing CA and two signing leaves (one revoked by the CA's CRL), an SM2 root with a leaf, an
// encryption-only leaf, and a root outside every project.
#pragma once

#include "../pki/crl_builder.h"
#include "../pki/pki_hierarchy.h"

namespace medsign::pki::test {

struct PolicyWorld {
  TestPki pki;
  Crl inter_crl_empty;  // the issuing CA's CRL before any revocation
  Crl inter_crl;        // then: leaf2 revoked (keyCompromise)
  Crl sm2_crl;
  std::string inter_crl_der_file;

  PolicyWorld() {
    pki.root("root", "/C=CN/O=National Health CA/CN=NHC Root", rsa_key());
    pki.issue("inter", "/C=CN/O=National Health CA/CN=NHC Issuing CA", ec_key(), "root", kCaExt, 1825);
    pki.issue("leaf", "/C=CN/O=Hospital/CN=Dr Wang", ec_key(), "inter");
    pki.issue("leaf2", "/C=CN/O=Hospital/CN=Dr Li", ec_key(), "inter");
    pki.issue("enc", "/C=CN/O=Hospital/CN=Dr Wang (encryption)", ec_key(), "inter",
              "keyUsage=critical,keyEncipherment,dataEncipherment\n");
    pki.root("sm2_root", "/C=CN/O=Provincial CA/CN=SM2 Root", sm2_key());
    pki.issue("sm2_leaf", "/C=CN/O=Hospital/CN=Nurse Zhao", sm2_key(), "sm2_root");
    pki.root("stray", "/C=CN/CN=Stray Root", ec_key());
    pki.issue("stray_leaf", "/C=CN/CN=Stray Leaf", ec_key(), "stray");
    inter_crl_empty = pki.gencrl("inter", "inter_empty");
    sm2_crl = pki.gencrl("sm2_root", "sm2");
    pki.revoke("inter", "leaf2", "-crl_reason keyCompromise");
    inter_crl = pki.gencrl("inter", "inter");
    inter_crl_der_file = pki.path("inter.crl.der");
    std::ofstream(inter_crl_der_file, std::ios::binary)
        .write(reinterpret_cast<const char*>(inter_crl.der().data()), static_cast<std::streamsize>(inter_crl.der().size()));
  }

  Bytes pem(const std::string& name) const { return to_bytes(read_text(pki.path(name + ".pem"))); }
  Certificate cert(const std::string& name) const { return pki.cert(name); }
  std::string fp(const std::string& name) const { return cert(name).fingerprint_sha256(); }
};

inline PolicyWorld& policy_world() {
  static PolicyWorld w;
  return w;
}

}  // namespace medsign::pki::test
