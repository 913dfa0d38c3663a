// Test CAs made with the openssl CLI in a scratch directory: keys (RSA, ECDSA P-256, SM2), roots,
// issued certificates with given extensions, revocation and CRLs through `openssl ca`.
#pragma once

#include <map>
#include <stdexcept>
#include <string>

#include "pki/certificate.h"
#include "pki/crl.h"
#include "pki_test_util.h"

namespace medsign::pki::test {

struct KeySpec {
  std::string genpkey;  // genpkey arguments
  std::string sign;     // digest and signature options when this key signs
  bool sm2 = false;
};
inline KeySpec rsa_key() { return {"-algorithm RSA -pkeyopt rsa_keygen_bits:2048", "-sha256", false}; }
inline KeySpec rsa_pss_key() {
  return {"-algorithm RSA -pkeyopt rsa_keygen_bits:2048",
          "-sha256 -sigopt rsa_padding_mode:pss -sigopt rsa_pss_saltlen:32 -sigopt rsa_mgf1_md:sha256", false};
}
inline KeySpec ec_key() { return {"-algorithm EC -pkeyopt ec_paramgen_curve:P-256", "-sha256", false}; }
inline KeySpec sm2_key() { return {"-algorithm SM2", "-sm3 -sigopt distid:1234567812345678", true}; }

inline constexpr const char* kCaExt = "basicConstraints=critical,CA:TRUE\nkeyUsage=critical,keyCertSign,cRLSign\n";
inline constexpr const char* kSignExt =
    "basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature,nonRepudiation\n";

class TestPki {
 public:
  std::string path(const std::string& name) const { return dir_ / name; }

  // Self-signed CA `name` ("<name>.pem", key "<name>.key").
  void root(const std::string& name, const std::string& subj, const KeySpec& key, const std::string& ext = kCaExt,
            int days = 3650) {
    make_key(name, key);
    specs_[name] = key;
    const std::string csr = path(name + ".csr"), extf = write_ext(name, ext);
    run("openssl req -new -key " + path(name + ".key") + " -subj '" + subj + "' " + key.sign + " -out " + csr);
    run("openssl x509 -req -in " + csr + " -signkey " + path(name + ".key") + " " + key.sign + vfy(key) +
        " -extfile " + extf + " -set_serial " + std::to_string(next_serial_++) + " -days " + std::to_string(days) +
        " -out " + path(name + ".pem"));
  }

  // Certificate `name` for a new key (or the existing "<key_name>.key") issued by CA `issuer`.
  void issue(const std::string& name, const std::string& subj, const KeySpec& key, const std::string& issuer,
             const std::string& ext = kSignExt, int days = 365, const std::string& key_name = "") {
    const std::string k = key_name.empty() ? name : key_name;
    if (key_name.empty()) make_key(name, key);
    specs_[name] = key;
    const std::string csr = path(name + ".csr"), extf = write_ext(name, ext);
    run("openssl req -new -key " + path(k + ".key") + " -subj '" + subj + "' " + key.sign + " -out " + csr);
    run("openssl x509 -req -in " + csr + " -CA " + path(issuer + ".pem") + " -CAkey " + path(issuer + ".key") + " " +
        specs_[issuer].sign + vfy(key) + " -extfile " + extf + " -set_serial " + std::to_string(next_serial_++) +
        " -days " + std::to_string(days) + " -out " + path(name + ".pem"));
  }

  Certificate cert(const std::string& name) const {
    auto c = Certificate::parse_pem(read_text(path(name + ".pem")));
    EXPECT_TRUE(c.ok()) << name << ": " << (c.ok() ? "" : c.error().to_string());
    if (!c.ok()) throw std::runtime_error("cannot load " + name);
    return std::move(c->front());
  }

  // `openssl ca -revoke` of certificate `name` by CA `issuer`; `how` e.g. "-crl_reason keyCompromise".
  void revoke(const std::string& issuer, const std::string& name, const std::string& how) {
    run(ca_cmd(issuer) + " -revoke " + path(name + ".pem") + " " + how);
  }
  // A CRL of CA `issuer` valid `hours` (openssl ca -gencrl), as file "<out>.crl.pem".
  Crl gencrl(const std::string& issuer, const std::string& out, int hours = 24 * 7) {
    run(ca_cmd(issuer) + " -gencrl -crlhours " + std::to_string(hours) + " -out " + path(out + ".crl.pem"));
    auto c = Crl::parse(to_bytes(read_text(path(out + ".crl.pem"))));
    EXPECT_TRUE(c.ok()) << out << ": " << (c.ok() ? "" : c.error().to_string());
    if (!c.ok()) throw std::runtime_error("cannot load CRL " + out);
    return std::move(c).value();
  }

 private:
  static std::string vfy(const KeySpec& k) { return k.sm2 ? " -vfyopt distid:1234567812345678" : ""; }

  void make_key(const std::string& name, const KeySpec& key) {
    run("openssl genpkey " + key.genpkey + " -out " + path(name + ".key"));
  }
  std::string write_ext(const std::string& name, const std::string& ext) {
    const std::string f = path(name + ".ext");
    std::ofstream(f) << ext;
    return f;
  }
  std::string ca_cmd(const std::string& issuer) {
    const std::string db = path(issuer + ".db");
    if (!std::filesystem::exists(db)) {
      std::filesystem::create_directory(db);
      std::ofstream(db + "/index.txt");
      std::ofstream(db + "/crlnumber") << "1000\n";
      std::ofstream(db + "/ca.cnf") << "[ca]\ndefault_ca = d\n[d]\ndatabase = " << db << "/index.txt\ncrlnumber = " << db
                                    << "/crlnumber\ndefault_md = " << (specs_[issuer].sm2 ? "sm3" : "sha256")
                                    << "\ncrl_extensions = crlext\n[crlext]\nauthorityKeyIdentifier = keyid:always\n";
    }
    std::string sigopt = specs_[issuer].sm2 ? " -sigopt distid:1234567812345678" : "";
    return "openssl ca -batch -config " + db + "/ca.cnf -keyfile " + path(issuer + ".key") + " -cert " +
           path(issuer + ".pem") + sigopt;
  }

  ScratchDir dir_;
  std::map<std::string, KeySpec> specs_;
  int next_serial_ = 0x1001;
};

}  // namespace medsign::pki::test
