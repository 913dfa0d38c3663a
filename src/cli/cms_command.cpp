// `medsign cms sign|verify|encrypt|decrypt|sign-envelope|open-envelope`: CMS / PKCS#7 (RFC 5652) and GM/T 0010
// structures from files, offline. Keys come from PEM / PKCS#8 files (MEDSIGN_KEY_PASSPHRASE opens encrypted
// ones). SM2 keys produce the GM/T 0010 form, RSA and ECDSA keys the RFC 5652 form, unless --flavor says
// otherwise. `verify --ca FILE` checks the signer's chain against those trust anchors; `--policy NAME`
// against a named verification policy of the data directory.
#include <iostream>

#include "cli/commands.h"
#include "cms/enveloped_data.h"
#include "cms/signed_data.h"
#include "cms/signed_enveloped.h"
#include "common/clock.h"
#include "crypto/algorithms/pk.h"
#include "crypto/soft/keystore.h"
#include "pki/crl_store.h"
#include "pki/pem.h"
#include "pki/validation.h"
#include "services/pki_policy.h"
#include "services/platform.h"

namespace medsign::cli {
namespace {
std::string g_in, g_out, g_key, g_content, g_ca, g_policy, g_flavor, g_data = "./var", g_chain;
std::vector<std::string> g_certs;
bool g_detached = false, g_no_attributes = false, g_pem = false;

Result<Bytes> read_input(const std::string& path) {
  if (path.empty()) return Error(Errc::missing_field, "--in is required");
  return crypto::read_file(path);
}

int write_output(ByteView data) {
  if (g_out.empty() || g_out == "-") {
    std::cout.write(reinterpret_cast<const char*>(data.data()), static_cast<std::streamsize>(data.size()));
    std::cout.flush();
    return kExitOk;
  }
  auto st = crypto::write_file_atomic(g_out, data, 0600);
  return st ? kExitOk : report(st.error());
}

// DER as is; PEM ("PKCS7", "CMS") decoded.
Result<Bytes> der_of(Bytes data) {
  if (!data.empty() && data[0] == 0x30) return data;
  MEDSIGN_ASSIGN(auto blocks, pki::pem_decode(as_chars(data)));
  for (auto& b : blocks)
    if (b.label == "PKCS7" || b.label == "CMS" || b.label == "PKCS #7 SIGNED DATA") return b.der;
  return Error(Errc::bad_encoding, "input: neither DER nor a PKCS7/CMS PEM block");
}

Result<std::vector<pki::Certificate>> read_certs(const std::string& path) {
  MEDSIGN_ASSIGN(Bytes b, crypto::read_file(path));
  if (!b.empty() && b[0] == 0x30) {
    MEDSIGN_ASSIGN(pki::Certificate c, pki::Certificate::parse_der(b));
    return std::vector<pki::Certificate>{c};
  }
  return pki::Certificate::parse_pem(as_chars(b));
}

Result<crypto::KeyPair> read_key(const std::string& path) {
  if (path.empty()) return Error(Errc::missing_field, "--key is required (a PEM or PKCS#8 DER private key file)");
  MEDSIGN_ASSIGN(Bytes b, crypto::read_file(path));
  if (!b.empty() && b[0] == 0x30) return crypto::KeyPair::from_pkcs8(b);
  const char* pass = std::getenv("MEDSIGN_KEY_PASSPHRASE");
  MEDSIGN_ASSIGN(crypto::EvpKey k, crypto::EvpKey::from_pem(as_chars(b), pass ? pass : ""));
  if (!k.has_private()) return Error(Errc::invalid_argument, "--key: the file holds no private key");
  MEDSIGN_ASSIGN(SecretBytes der, k.private_der());
  return crypto::KeyPair::from_pkcs8(der.view());
}

Result<cms::Flavor> flavor_for(pki::KeyType t) {
  if (g_flavor == "gm" || g_flavor == "gmt0010") return cms::Flavor::gmt0010;
  if (g_flavor == "rfc5652" || g_flavor == "pkcs7") return cms::Flavor::rfc5652;
  if (!g_flavor.empty()) return Error(Errc::invalid_argument, "--flavor: gm or rfc5652");
  return t == pki::KeyType::sm2 ? cms::Flavor::gmt0010 : cms::Flavor::rfc5652;
}

// The signer: certificate + key → a SignerSpec that signs with crypto::Signer.
Result<cms::SignerSpec> signer_spec(const pki::Certificate& cert, const crypto::KeyPair& key) {
  if (key.public_key_der() != cert.public_key().der)
    return Error(Errc::invalid_argument, "--key does not belong to --cert");
  cms::SignerSpec s{cert, cms::DigestAlgorithm::sha256, cms::SignatureAlgorithm::rsa_pkcs1, nullptr, !g_no_attributes,
                    unix_millis() / 1000 * 1000, {}, {}};
  crypto::SignatureAlg alg = crypto::SignatureAlg::rsa_pkcs1_sha256;
  switch (key.algorithm()) {
    case crypto::KeyAlg::sm2:
      s.digest = cms::DigestAlgorithm::sm3;
      s.signature = cms::SignatureAlgorithm::sm2;
      alg = crypto::SignatureAlg::sm2_sm3;
      break;
    case crypto::KeyAlg::ecdsa_p256:
      s.signature = cms::SignatureAlgorithm::ecdsa;
      alg = crypto::SignatureAlg::ecdsa_p256_sha256;
      break;
    case crypto::KeyAlg::ecdsa_p384:
      s.digest = cms::DigestAlgorithm::sha384;
      s.signature = cms::SignatureAlgorithm::ecdsa;
      alg = crypto::SignatureAlg::ecdsa_p384_sha384;
      break;
    default: break;
  }
  MEDSIGN_ASSIGN(crypto::Signer signer, crypto::Signer::create(alg, key));
  s.sign = [signer](ByteView tbs) { return signer.sign(tbs); };
  return s;
}

cms::KeyDecryptFunction key_decryptor(const crypto::KeyPair& key) {
  return [key](const cms::RecipientInfo& ri) -> Result<SecretBytes> {
    if (key.algorithm() == crypto::KeyAlg::sm2) {
      MEDSIGN_ASSIGN(crypto::Decryptor d, crypto::Decryptor::create(crypto::EncryptionAlg::sm2, key));
      return d.decrypt(ri.encrypted_key);
    }
    MEDSIGN_ASSIGN(SecretBytes der, key.pkcs8());
    MEDSIGN_ASSIGN(crypto::EvpKey evp, crypto::EvpKey::from_private_der(der.view()));
    return cms::decrypt_key_rsa(ri, evp.get());
  };
}

// Chain check of a signer certificate: --ca anchors (offline) or --policy of the data dir. Empty when fine.
Result<std::string> check_trust(const pki::Certificate& cert, const std::vector<pki::Certificate>& pool,
                                std::int64_t at_ms) {
  if (!g_policy.empty()) {
    MEDSIGN_ASSIGN(auto platform, services::Platform::open(g_data));
    MEDSIGN_ASSIGN(auto svc, services::PkiPolicyService::open(*platform->db, *platform->audit));
    MEDSIGN_ASSIGN(pki::ValidationResult r, svc->verify({g_policy, cert.der(), at_ms}));
    if (r.ok) return std::string();
    return std::string(pki::to_string(r.reason)) + ": " + r.detail;
  }
  if (g_ca.empty()) return std::string();
  pki::TrustPolicy project;
  project.name = "command line";
  MEDSIGN_ASSIGN(Bytes anchors, crypto::read_file(g_ca));
  MEDSIGN_TRY(project.anchors.add_encoded(anchors));
  for (const pki::Certificate& c : pool) project.intermediates.add(c);
  pki::CrlStore crls;
  pki::ValidationResult r = pki::validate(std::make_shared<const pki::Certificate>(cert), at_ms, project, crls);
  if (r.ok) return std::string();
  return std::string(pki::to_string(r.reason)) + ": " + r.detail;
}

int cmd_sign() {
  auto content = read_input(g_in);
  if (!content) return report(content.error());
  if (g_certs.size() != 1) return report(Error(Errc::missing_field, "--cert: the signer's certificate (one)"));
  auto certs = read_certs(g_certs.front());
  if (!certs) return report(certs.error());
  auto key = read_key(g_key);
  if (!key) return report(key.error());
  auto spec = signer_spec(certs->front(), *key);
  if (!spec) return report(spec.error());
  auto flavor = flavor_for(certs->front().key_type());
  if (!flavor) return report(flavor.error());
  cms::SignRequest req;
  req.flavor = *flavor;
  req.content = *content;
  req.detached = g_detached;
  for (std::size_t i = 1; i < certs->size(); ++i) req.extra_certificates.push_back((*certs)[i].der());
  if (!g_chain.empty()) {
    auto chain = read_certs(g_chain);
    if (!chain) return report(chain.error());
    for (auto& c : *chain) req.extra_certificates.push_back(c.der());
  }
  auto der = cms::sign(req, std::span<const cms::SignerSpec>(&*spec, 1));
  if (!der) return report(der.error());
  if (g_pem) return write_output(as_bytes(pki::pem_encode("PKCS7", *der)));
  return write_output(*der);
}

int cmd_verify() {
  auto raw = read_input(g_in);
  if (!raw) return report(raw.error());
  auto der = der_of(std::move(*raw));
  if (!der) return report(der.error());
  auto sd = cms::parse_signed_data(*der);
  if (!sd) return report(sd.error());
  std::optional<Bytes> detached;
  if (!g_content.empty()) {
    auto c = crypto::read_file(g_content);
    if (!c) return report(c.error());
    detached = std::move(*c);
  }
  std::vector<pki::Certificate> extra;
  for (auto& f : g_certs) {
    auto c = read_certs(f);
    if (!c) return report(c.error());
    extra.insert(extra.end(), c->begin(), c->end());
  }
  auto results = detached ? cms::verify_signatures(*sd, ByteView(*detached), extra)
                          : cms::verify_signatures(*sd, std::nullopt, extra);
  if (!results) return report(results.error());
  std::vector<pki::Certificate> pool = sd->certificates;
  pool.insert(pool.end(), extra.begin(), extra.end());
  bool all_ok = true;
  for (auto& v : *results) {
    std::string trust;
    if (v.ok && v.certificate) {
      auto t = check_trust(*v.certificate, pool, v.signing_time_ms.value_or(unix_millis()));
      if (!t) return report(t.error());
      trust = *t;
    }
    bool ok = v.ok && trust.empty();
    all_ok = all_ok && ok;
    std::cout << "signer " << v.index + 1 << ": " << (ok ? "OK" : "FAILED");
    if (v.certificate) std::cout << "  " << v.certificate->subject().to_string();
    if (v.signing_time_ms) std::cout << "  signed " << iso8601_millis(*v.signing_time_ms);
    if (!v.ok) std::cout << "  (" << v.problem << ")";
    if (!trust.empty()) std::cout << "  (certificate not trusted: " << trust << ")";
    std::cout << "\n";
  }
  if (!g_ca.empty() || !g_policy.empty()) std::cout << (all_ok ? "trusted" : "not trusted") << "\n";
  if (!g_out.empty() && all_ok && sd->content) return write_output(*sd->content);
  return all_ok ? kExitOk : kExitFailed;
}

int cmd_encrypt() {
  auto content = read_input(g_in);
  if (!content) return report(content.error());
  if (g_certs.empty()) return report(Error(Errc::missing_field, "--cert: at least one recipient certificate"));
  std::vector<pki::Certificate> recipients;
  for (auto& f : g_certs) {
    auto c = read_certs(f);
    if (!c) return report(c.error());
    recipients.push_back(c->front());
  }
  auto flavor = flavor_for(recipients.front().key_type());
  if (!flavor) return report(flavor.error());
  cms::EnvelopeRequest req;
  req.flavor = *flavor;
  req.cipher = *flavor == cms::Flavor::gmt0010 ? cms::ContentCipher::sm4_cbc : cms::ContentCipher::aes256_cbc;
  req.content = *content;
  auto der = cms::envelope(req, recipients);
  if (!der) return report(der.error());
  if (g_pem) return write_output(as_bytes(pki::pem_encode("CMS", *der)));
  return write_output(*der);
}

int cmd_decrypt() {
  auto raw = read_input(g_in);
  if (!raw) return report(raw.error());
  auto der = der_of(std::move(*raw));
  if (!der) return report(der.error());
  if (g_certs.size() != 1) return report(Error(Errc::missing_field, "--cert: the recipient's certificate (one)"));
  auto certs = read_certs(g_certs.front());
  if (!certs) return report(certs.error());
  auto key = read_key(g_key);
  if (!key) return report(key.error());
  auto env = cms::parse_enveloped_data(*der);
  if (!env) return report(env.error());
  auto plain = cms::open_envelope(*env, certs->front(), key_decryptor(*key));
  if (!plain) return report(plain.error());
  return write_output(plain->view());
}

// GM/T 0010 signedAndEnvelopedData: --cert signer, --key signer key, --to recipient certificate(s).
std::vector<std::string> g_to;
int cmd_sign_envelope() {
  auto content = read_input(g_in);
  if (!content) return report(content.error());
  if (g_certs.size() != 1) return report(Error(Errc::missing_field, "--cert: the signer's certificate (one)"));
  auto certs = read_certs(g_certs.front());
  if (!certs) return report(certs.error());
  auto key = read_key(g_key);
  if (!key) return report(key.error());
  auto spec = signer_spec(certs->front(), *key);
  if (!spec) return report(spec.error());
  std::vector<pki::Certificate> recipients;
  for (auto& f : g_to) {
    auto c = read_certs(f);
    if (!c) return report(c.error());
    recipients.push_back(c->front());
  }
  cms::SignedEnvelopeRequest req;
  req.content = *content;
  auto der = cms::sign_and_envelope(req, std::span<const cms::SignerSpec>(&*spec, 1), recipients);
  if (!der) return report(der.error());
  return write_output(*der);
}

int cmd_open_envelope() {
  auto raw = read_input(g_in);
  if (!raw) return report(raw.error());
  if (g_certs.size() != 1) return report(Error(Errc::missing_field, "--cert: the recipient's certificate (one)"));
  auto certs = read_certs(g_certs.front());
  if (!certs) return report(certs.error());
  auto key = read_key(g_key);
  if (!key) return report(key.error());
  auto opened = cms::open_signed_envelope(*raw, certs->front(), key_decryptor(*key));
  if (!opened) return report(opened.error());
  bool all_ok = true;
  for (auto& v : opened->signers) {
    all_ok = all_ok && v.ok;
    std::cerr << "signer " << v.index + 1 << ": " << (v.ok ? "OK" : "FAILED");
    if (v.certificate) std::cerr << "  " << v.certificate->subject().to_string();
    if (!v.ok) std::cerr << "  (" << v.problem << ")";
    std::cerr << "\n";
  }
  if (!all_ok) return kExitFailed;
  return write_output(opened->content.view());
}
}  // namespace

void register_cms_command(CLI::App& app) {
  auto* top = app.add_subcommand("cms", "CMS / PKCS#7 and GM/T 0010: sign, verify, encrypt, decrypt (offline)");
  top->require_subcommand(1);
  auto common = [](CLI::App* c) {
    c->add_option("--in", g_in, "Input file")->required();
    c->add_option("--out", g_out, "Output file (default: standard output)");
  };

  auto* sign = top->add_subcommand("sign", "Sign a file (SignedData; SM2 keys give GM/T 0010)");
  common(sign);
  sign->add_option("--cert", g_certs, "Signer certificate (PEM; further certificates in it are included)");
  sign->add_option("--key", g_key, "Signer private key (PEM or PKCS#8 DER)");
  sign->add_option("--chain", g_chain, "Certificates to include (PEM)");
  sign->add_flag("--detached", g_detached, "Leave the content out");
  sign->add_flag("--no-attributes", g_no_attributes, "Sign the content itself, without signed attributes");
  sign->add_option("--flavor", g_flavor, "gm (GM/T 0010) or rfc5652 (default: by key type)");
  sign->add_flag("--pem", g_pem, "Write PEM instead of DER");
  sign->callback([] { set_exit_code(cmd_sign()); });

  auto* verify = top->add_subcommand("verify", "Verify a SignedData (DER or PEM)");
  verify->add_option("--in", g_in, "SignedData file")->required();
  verify->add_option("--out", g_out, "Write the signed content here when every signature verifies");
  verify->add_option("--content", g_content, "The signed content of a detached signature");
  verify->add_option("--cert", g_certs, "Signer certificates not included in the SignedData");
  verify->add_option("--ca", g_ca, "Trust anchors (PEM): check each signer's chain offline");
  verify->add_option("--policy", g_policy, "Named verification policy of the data directory");
  verify->add_option("--data", g_data, "Data directory (for --policy)")->capture_default_str()->envname("MEDSIGN_DATA");
  verify->callback([] { set_exit_code(cmd_verify()); });

  auto* enc = top->add_subcommand("encrypt", "Encrypt a file to recipients (EnvelopedData; SM2 gives GM/T 0010)");
  common(enc);
  enc->add_option("--cert", g_certs, "Recipient certificate (repeatable)");
  enc->add_option("--flavor", g_flavor, "gm or rfc5652 (default: by the first recipient's key)");
  enc->add_flag("--pem", g_pem, "Write PEM instead of DER");
  enc->callback([] { set_exit_code(cmd_encrypt()); });

  auto* dec = top->add_subcommand("decrypt", "Decrypt an EnvelopedData (DER or PEM)");
  common(dec);
  dec->add_option("--cert", g_certs, "Recipient certificate");
  dec->add_option("--key", g_key, "Recipient private key (PEM or PKCS#8 DER)");
  dec->callback([] { set_exit_code(cmd_decrypt()); });

  auto* se = top->add_subcommand("sign-envelope", "Sign and encrypt (GM/T 0010 signedAndEnvelopedData, SM2)");
  common(se);
  se->add_option("--cert", g_certs, "Signer certificate");
  se->add_option("--key", g_key, "Signer private key");
  se->add_option("--to", g_to, "Recipient certificate (repeatable)")->required();
  se->callback([] { set_exit_code(cmd_sign_envelope()); });

  auto* oe = top->add_subcommand("open-envelope", "Decrypt and verify a signedAndEnvelopedData");
  common(oe);
  oe->add_option("--cert", g_certs, "Recipient certificate");
  oe->add_option("--key", g_key, "Recipient private key");
  oe->callback([] { set_exit_code(cmd_open_envelope()); });
}

}  // namespace medsign::cli
