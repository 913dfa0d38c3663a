// One set of hierarchies shared by the validation tests, built once per test binary with the openssl
// CLI (TestPki): an RSA root → intermediate → leaves, an SM2 root → leaves, an ECDSA device CA, an
// RSA-PSS CA, cross-certified roots, a certificate loop, and misissued CAs. Revocations and CRLs are
// made by `openssl ca`.
#pragma once

#include <chrono>
#include <memory>

#include "pki/crl_store.h"
#include "pki/trust.h"
#include "pki/validation.h"
#include "pki_hierarchy.h"

namespace medsign::pki::test {

inline std::int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

struct PkiWorld {
  TestPki pki;
  std::int64_t made_ms = 0;  // about when the certificates start

  PkiWorld() {
    made_ms = now_ms();
    const std::string ca_pl0 = "basicConstraints=critical,CA:TRUE,pathlen:0\nkeyUsage=critical,keyCertSign,cRLSign\n";
    pki.root("rsa_root", "/C=CN/O=National Health CA/CN=NHC RSA Root", rsa_key());
    pki.issue("rsa_inter", "/C=CN/O=National Health CA/CN=NHC RSA Issuing CA", rsa_key(), "rsa_root", kCaExt, 1825);
    pki.issue("rsa_leaf", "/C=CN/O=Hospital/CN=Dr Wang", rsa_key(), "rsa_inter");
    pki.issue("rsa_leaf2", "/C=CN/O=Hospital/CN=Dr Li", ec_key(), "rsa_inter");
    pki.issue("rsa_enc", "/C=CN/O=Hospital/CN=Dr Wang (encryption)", ec_key(), "rsa_inter",
              "keyUsage=critical,keyEncipherment,dataEncipherment\n");
    pki.issue("rsa_tsa", "/C=CN/O=Hospital/CN=TSA", ec_key(), "rsa_inter",
              "extendedKeyUsage=critical,timeStamping\nkeyUsage=critical,digitalSignature\n");
    pki.issue("rsa_crit", "/C=CN/O=Hospital/CN=Odd", ec_key(), "rsa_inter",
              std::string(kSignExt) + "1.2.3.4=critical,ASN1:NULL\n");
    pki.root("sm2_root", "/C=CN/O=Provincial CA/CN=SM2 Root", sm2_key());
    pki.issue("sm2_leaf", "/C=CN/O=Hospital/CN=Nurse Zhao", sm2_key(), "sm2_root");
    pki.issue("sm2_leaf2", "/C=CN/O=Hospital/CN=Nurse Qian", sm2_key(), "sm2_root");
    pki.root("ec_root", "/C=CN/O=Hospital Device CA/CN=Device Root", ec_key());
    pki.issue("ec_leaf", "/C=CN/O=Hospital/CN=Tablet 7", ec_key(), "ec_root");
    pki.root("pss_root", "/C=CN/O=PSS CA/CN=PSS Root", rsa_pss_key());
    pki.issue("pss_leaf", "/C=CN/O=Hospital/CN=PSS Leaf", ec_key(), "pss_root");
    // Misissued: a CA:FALSE issuer, a CA without keyCertSign, a pathlen:0 CA with a sub-CA.
    pki.issue("nonca", "/C=CN/O=Hospital/CN=Not A CA", ec_key(), "rsa_inter");
    pki.issue("under_nonca", "/C=CN/CN=Under Not A CA", ec_key(), "nonca");
    pki.issue("nokcs", "/C=CN/CN=No keyCertSign CA", ec_key(), "rsa_root",
              "basicConstraints=critical,CA:TRUE\nkeyUsage=critical,cRLSign,digitalSignature\n");
    pki.issue("under_nokcs", "/C=CN/CN=Under No keyCertSign", ec_key(), "nokcs");
    pki.issue("pl0", "/C=CN/CN=Pathlen 0 CA", ec_key(), "rsa_root", ca_pl0);
    pki.issue("pl0_sub", "/C=CN/CN=Sub of Pathlen 0", ec_key(), "pl0", kCaExt);
    pki.issue("pl0_leaf", "/C=CN/CN=Too Deep", ec_key(), "pl0_sub");
    // Cross-certification: New Root certified by Old Root with the same key and name.
    pki.root("x_old", "/C=CN/CN=Old Root", ec_key());
    pki.root("x_new", "/C=CN/CN=New Root", ec_key());
    pki.issue("x_cross", "/C=CN/CN=New Root", ec_key(), "x_old", kCaExt, 1825, "x_new");
    pki.issue("x_leaf", "/C=CN/CN=Cross Leaf", ec_key(), "x_new");
    // A loop: LoopA certified by LoopB and LoopB by LoopA, neither anchored.
    pki.root("loopA_self", "/C=CN/CN=Loop A", ec_key());
    pki.root("loopB_self", "/C=CN/CN=Loop B", ec_key());
    pki.issue("loopA", "/C=CN/CN=Loop A", ec_key(), "loopB_self", kCaExt, 1825, "loopA_self");
    pki.issue("loopB", "/C=CN/CN=Loop B", ec_key(), "loopA_self", kCaExt, 1825, "loopB_self");
    pki.issue("loop_leaf", "/C=CN/CN=Loop Leaf", ec_key(), "loopA_self");
    // Outside every policy.
    pki.root("stray_root", "/C=CN/CN=Stray Root", ec_key());
    pki.issue("stray_leaf", "/C=CN/CN=Stray Leaf", ec_key(), "stray_root");

    pki.revoke("rsa_inter", "rsa_leaf2", "-crl_reason keyCompromise");
    pki.revoke("sm2_root", "sm2_leaf2", "-crl_compromise 20240101000000Z");
  }

  std::shared_ptr<const Certificate> ptr(const std::string& name) const {
    return std::make_shared<const Certificate>(pki.cert(name));
  }
};

// Built on first use, shared by every test of the binary.
inline PkiWorld& world() {
  static PkiWorld w;
  return w;
}

}  // namespace medsign::pki::test
