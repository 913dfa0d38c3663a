// `medsign key gen|list|export-pub|sign|verify|encrypt|decrypt`: keys of any crypto provider
// (crypto/provider/provider.h) from the command line, for operators and tests.
//
//   --provider soft|sdf|pkcs11   soft: the data dir's key store (keys/provider/); sdf and pkcs11: --library
//   --index N | --label L        which key (labels: soft and pkcs11)
//   --password/--pin, --password-file, MEDSIGN_KEY_PASSWORD
//                                the key's access password (soft, sdf) or the token's user PIN (pkcs11)
//   MEDSIGN_PROVIDER_PASSPHRASE  soft: open the store with an operator passphrase instead of keys/kek
// Key generation is recorded in the audit log of the data dir when the data dir is initialised.
#include <fstream>
#include <iostream>
#include <iterator>

#include <nlohmann/json.hpp>

#include "cli/commands.h"
#include "crypto/provider/provider.h"
#include "crypto/soft/keystore.h"
#include "services/platform.h"

namespace medsign::cli {
namespace {
namespace fs = std::filesystem;
using namespace crypto;
using namespace crypto::provider;

struct KeyOptions {
  std::string provider = "soft", library, token, password, password_file, label, alg, in, out, sig, pub;
  long long slot = -1;
  unsigned index = 0;
  bool json = false;
};
KeyOptions g_opt;
const std::string* g_data = nullptr;

void add_provider_options(CLI::App* c) {
  c->add_option("--provider", g_opt.provider, "soft, sdf or pkcs11")->capture_default_str();
  c->add_option("--library", g_opt.library, "sdf: GM/T 0018 library; pkcs11: PKCS#11 module");
  c->add_option("--token", g_opt.token, "pkcs11: token label");
  c->add_option("--slot", g_opt.slot, "pkcs11: slot id (instead of --token)");
  c->add_option("--password,--pin", g_opt.password,
                "Key access password (soft, sdf) or token user PIN (pkcs11); else MEDSIGN_KEY_PASSWORD");
  c->add_option("--password-file", g_opt.password_file, "File holding the password or PIN");
  c->add_flag("--json", g_opt.json, "Print JSON");
}
void add_key_selector(CLI::App* c) {
  c->add_option("--index", g_opt.index, "Key index (1..65535)");
  c->add_option("--label", g_opt.label, "Key label");
}

Result<std::string> password() {
  if (!g_opt.password_file.empty()) {
    MEDSIGN_ASSIGN(Bytes b, read_file(g_opt.password_file));
    std::string s(b.begin(), b.end());
    while (!s.empty() && (s.back() == '\n' || s.back() == '\r')) s.pop_back();
    return s;
  }
  if (!g_opt.password.empty()) return g_opt.password;
  if (const char* v = std::getenv("MEDSIGN_KEY_PASSWORD")) return std::string(v);
  return std::string();
}

Result<std::unique_ptr<Provider>> open_configured() {
  ProviderConfig cfg;
  MEDSIGN_ASSIGN(cfg.kind, parse_provider_kind(g_opt.provider));
  cfg.data_dir = *g_data;
  if (const char* p = std::getenv("MEDSIGN_PROVIDER_PASSPHRASE")) cfg.passphrase = p;
  cfg.library = g_opt.library;
  cfg.token = g_opt.token;
  if (g_opt.slot >= 0) cfg.slot = static_cast<unsigned long>(g_opt.slot);
  if (cfg.kind == ProviderKind::pkcs11) {
    MEDSIGN_ASSIGN(cfg.pin, password());
  }
  return open_provider(cfg);
}

struct Opened {
  std::unique_ptr<Provider> provider;
  std::unique_ptr<Session> session;
  std::uint32_t index = 0;
};

// Opens the provider and a session; with want_key, resolves --index / --label; with want_private, also
// gets the access right (soft, sdf) when a password is given.
Result<Opened> open_key(bool want_key, bool want_private) {
  Opened o;
  MEDSIGN_ASSIGN(o.provider, open_configured());
  MEDSIGN_ASSIGN(o.session, o.provider->open_session());
  if (!want_key) return o;
  if (g_opt.index != 0) {
    o.index = g_opt.index;
  } else if (!g_opt.label.empty()) {
    MEDSIGN_ASSIGN(KeyInfo k, o.session->find_key(g_opt.label));
    o.index = k.index;
  } else {
    return Error(Errc::missing_field, "give the key with --index or --label");
  }
  if (want_private && o.provider->kind() != ProviderKind::pkcs11) {
    MEDSIGN_ASSIGN(std::string pw, password());
    MEDSIGN_TRY(o.session->get_private_key_access_right(o.index, pw));
  }
  return o;
}

Result<Bytes> read_input(const std::string& path) {
  if (path.empty() || path == "-") {
    std::string s((std::istreambuf_iterator<char>(std::cin)), {});
    return Bytes(s.begin(), s.end());
  }
  return read_file(path);
}

Status write_output(const std::string& path, ByteView data, int mode = 0644) {
  if (path.empty() || path == "-") {
    std::cout.write(reinterpret_cast<const char*>(data.data()), static_cast<std::streamsize>(data.size()));
    std::cout.flush();
    return {};
  }
  return write_file_atomic(path, data, mode);
}

std::string pem_of(ByteView spki) {
  std::string b64 = base64_encode(spki), pem = "-----BEGIN PUBLIC KEY-----\n";
  for (std::size_t i = 0; i < b64.size(); i += 64) pem.append(b64.substr(i, 64)).append("\n");
  pem.append("-----END PUBLIC KEY-----\n");
  return pem;
}

// SPKI from a PEM or DER public key file.
Result<Bytes> read_public_key(const std::string& path) {
  MEDSIGN_ASSIGN(Bytes b, read_file(path));
  std::string_view s = as_chars(b);
  auto begin = s.find("-----BEGIN PUBLIC KEY-----");
  if (begin == std::string_view::npos) return b;
  auto end = s.find("-----END PUBLIC KEY-----", begin);
  if (end == std::string_view::npos) return Error(Errc::bad_encoding, path + ": unterminated PEM");
  std::string body;
  for (char c : s.substr(begin + 26, end - begin - 26))
    if (c != '\n' && c != '\r' && c != ' ') body.push_back(c);
  return base64_decode(body);
}

void audit_generation(const std::string& target, const std::string& result, const std::string& detail) {
  if (!fs::exists(fs::path(*g_data) / "medsign.toml")) return;  // not a data dir: nothing to record in
  auto p = services::Platform::open(*g_data);
  if (!p) {
    std::cerr << "warning: key generation not audited: " << p.error().to_string() << "\n";
    return;
  }
  (void)(*p)->audit->record({"cli", "offline", "key.generate", target, result, "cli", detail});
}

nlohmann::json key_json(const KeyInfo& k) {
  return {{"index", k.index},         {"label", k.label},           {"algorithm", key_alg_name(k.algorithm)},
          {"created", k.created_unix}, {"protected", k.has_password}};
}

Status run_gen() {
  MEDSIGN_ASSIGN(KeyAlg alg, parse_key_alg(g_opt.alg.empty() ? "sm2" : g_opt.alg));
  MEDSIGN_ASSIGN(Opened o, open_key(false, false));
  KeyGenOptions opt;
  opt.index = g_opt.index;
  opt.label = g_opt.label;
  if (o.provider->kind() != ProviderKind::pkcs11) {
    MEDSIGN_ASSIGN(opt.password, password());
  }
  auto k = o.session->generate_key(alg, opt);
  std::string target = g_opt.provider + ":" + (k ? std::to_string(k->index) : std::to_string(g_opt.index));
  std::string detail = std::string(key_alg_name(alg)) + (g_opt.label.empty() ? "" : " label " + g_opt.label);
  audit_generation(target, k ? "success" : "failure", k ? detail : detail + ": " + k.error().to_string());
  if (!k) return k.error();
  MEDSIGN_ASSIGN(Bytes spki, o.session->export_public_key(k->index));
  if (g_opt.json) {
    auto j = key_json(*k);
    j["provider"] = g_opt.provider;
    j["public_key"] = base64_encode(spki);
    std::cout << j.dump() << "\n";
  } else {
    std::cout << "generated key " << k->index << " (" << key_alg_name(k->algorithm) << ")"
              << (k->label.empty() ? "" : " label " + k->label) << " in " << o.provider->description() << "\n";
  }
  return {};
}

Status run_list() {
  MEDSIGN_ASSIGN(Opened o, open_key(false, false));
  MEDSIGN_ASSIGN(auto keys, o.session->list_keys());
  if (g_opt.json) {
    nlohmann::json arr = nlohmann::json::array();
    for (auto& k : keys) arr.push_back(key_json(k));
    std::cout << nlohmann::json{{"provider", g_opt.provider}, {"keys", arr}}.dump() << "\n";
    return {};
  }
  for (auto& k : keys)
    std::cout << k.index << "\t" << key_alg_name(k.algorithm) << "\t" << (k.label.empty() ? "-" : k.label) << "\t"
              << (k.has_password ? "protected" : "open") << "\n";
  return {};
}

Status run_export() {
  MEDSIGN_ASSIGN(Opened o, open_key(true, false));
  MEDSIGN_ASSIGN(Bytes spki, o.session->export_public_key(o.index));
  if (g_opt.json) {
    MEDSIGN_ASSIGN(KeyAlg alg, key_alg_of_spki(spki));
    std::cout << nlohmann::json{{"index", o.index}, {"algorithm", key_alg_name(alg)}, {"public_key", base64_encode(spki)}}.dump()
              << "\n";
    return {};
  }
  std::string pem = pem_of(spki);
  return write_output(g_opt.out, as_bytes(pem));
}

Status run_sign() {
  MEDSIGN_ASSIGN(Opened o, open_key(true, true));
  MEDSIGN_ASSIGN(Bytes spki, o.session->export_public_key(o.index));
  MEDSIGN_ASSIGN(KeyAlg kalg, key_alg_of_spki(spki));
  SignatureAlg alg = default_signature_alg(kalg);
  if (!g_opt.alg.empty()) {
    MEDSIGN_ASSIGN(alg, parse_signature_alg(g_opt.alg));
  }
  MEDSIGN_ASSIGN(Bytes msg, read_input(g_opt.in));
  MEDSIGN_ASSIGN(Bytes sig, o.session->sign(o.index, alg, msg));
  if (g_opt.json) {
    std::cout << nlohmann::json{{"index", o.index}, {"algorithm", signature_alg_name(alg)}, {"signature", base64_encode(sig)}}.dump()
              << "\n";
    return {};
  }
  if (g_opt.out.empty()) {
    std::cout << base64_encode(sig) << "\n";
    return {};
  }
  return write_output(g_opt.out, sig);
}

Status run_verify() {
  MEDSIGN_ASSIGN(Bytes msg, read_input(g_opt.in));
  MEDSIGN_ASSIGN(Bytes sig, read_file(g_opt.sig));
  if (auto decoded = base64_decode(std::string(as_chars(sig)).substr(0, std::string(as_chars(sig)).find_last_not_of("\r\n") + 1));
      decoded && !decoded->empty())
    sig = *decoded;  // accepts the base64 text `key sign` prints as well as raw bytes
  const bool external = !g_opt.pub.empty();
  MEDSIGN_ASSIGN(Opened o, open_key(!external, false));
  Bytes spki;
  if (external) {
    MEDSIGN_ASSIGN(spki, read_public_key(g_opt.pub));
  } else {
    MEDSIGN_ASSIGN(spki, o.session->export_public_key(o.index));
  }
  MEDSIGN_ASSIGN(KeyAlg kalg, key_alg_of_spki(spki));
  SignatureAlg alg = default_signature_alg(kalg);
  if (!g_opt.alg.empty()) {
    MEDSIGN_ASSIGN(alg, parse_signature_alg(g_opt.alg));
  }
  Status st = external ? o.session->external_verify(alg, spki, msg, sig) : o.session->verify(o.index, alg, msg, sig);
  if (g_opt.json) {
    std::cout << nlohmann::json{{"valid", st.ok()}, {"algorithm", signature_alg_name(alg)},
                                {"error", st.ok() ? "" : std::string(st.error().code_name())}}.dump()
              << "\n";
  } else if (st.ok()) {
    std::cout << "signature OK (" << signature_alg_name(alg) << ")\n";
  }
  return st;
}

Result<EncryptionAlg> encryption_alg_for(Session& s, std::uint32_t index) {
  if (!g_opt.alg.empty()) return parse_encryption_alg(g_opt.alg);
  MEDSIGN_ASSIGN(Bytes spki, s.export_public_key(index));
  MEDSIGN_ASSIGN(KeyAlg k, key_alg_of_spki(spki));
  if (k == KeyAlg::sm2) return EncryptionAlg::sm2;
  if (k == KeyAlg::ecdsa_p256 || k == KeyAlg::ecdsa_p384)
    return Error(Errc::algorithm_unsupported, "ECDSA keys do not encrypt");
  return EncryptionAlg::rsa_oaep_sha256;
}

Status run_encrypt() {
  MEDSIGN_ASSIGN(Opened o, open_key(true, false));
  MEDSIGN_ASSIGN(EncryptionAlg alg, encryption_alg_for(*o.session, o.index));
  MEDSIGN_ASSIGN(Bytes pt, read_input(g_opt.in));
  MEDSIGN_ASSIGN(Bytes ct, o.session->encrypt(o.index, alg, pt));
  if (g_opt.json) {
    std::cout << nlohmann::json{{"index", o.index}, {"algorithm", encryption_alg_name(alg)}, {"ciphertext", base64_encode(ct)}}.dump()
              << "\n";
    return {};
  }
  return write_output(g_opt.out, ct);
}

Status run_decrypt() {
  MEDSIGN_ASSIGN(Opened o, open_key(true, true));
  MEDSIGN_ASSIGN(EncryptionAlg alg, encryption_alg_for(*o.session, o.index));
  MEDSIGN_ASSIGN(Bytes ct, read_input(g_opt.in));
  MEDSIGN_ASSIGN(SecretBytes pt, o.session->decrypt(o.index, alg, ct));
  return write_output(g_opt.out, pt.view(), 0600);
}

void add(CLI::App& key, const char* name, const char* help, bool selector, Status (*fn)(),
         const std::function<void(CLI::App*)>& extra = {}) {
  auto* c = key.add_subcommand(name, help);
  add_provider_options(c);
  if (selector) add_key_selector(c);
  if (extra) extra(c);
  c->callback([fn] {
    Status st = fn();
    if (!st) set_exit_code(report(st.error()));
  });
}

}  // namespace

void register_key_provider_commands(CLI::App& key, const std::string& data_dir) {
  g_data = &data_dir;
  add(key, "gen", "Generate a key pair inside a crypto provider", false, run_gen, [](CLI::App* c) {
    c->add_option("--alg", g_opt.alg, "sm2, ecdsa-p256, ecdsa-p384, rsa-2048, rsa-3072 or rsa-4096 (default sm2)");
    c->add_option("--index", g_opt.index, "Key index (default: the lowest free one)");
    c->add_option("--label", g_opt.label, "Key label (soft, pkcs11)");
  });
  add(key, "list", "List the keys of a crypto provider", false, run_list);
  add(key, "export-pub", "Export a key's public key (PEM SubjectPublicKeyInfo)", true, run_export,
      [](CLI::App* c) { c->add_option("--out", g_opt.out, "Output file (default stdout)"); });
  add(key, "sign", "Sign a file with a provider key", true, run_sign, [](CLI::App* c) {
    c->add_option("--alg", g_opt.alg, "Signature scheme, e.g. sm2-sm3, ecdsa-p256-sha256, rsa-pss-sha256 (default: the key's)");
    c->add_option("--in", g_opt.in, "Message file (default stdin)");
    c->add_option("--out", g_opt.out, "Signature file, DER or PKCS#1 bytes (default: base64 on stdout)");
  });
  add(key, "verify", "Verify a signature with a provider key (--index/--label) or a public key file (--pub)", true,
      run_verify, [](CLI::App* c) {
        c->add_option("--alg", g_opt.alg, "Signature scheme (default: the key's)");
        c->add_option("--in", g_opt.in, "Message file (default stdin)");
        c->add_option("--sig", g_opt.sig, "Signature file (raw or base64)")->required();
        c->add_option("--pub", g_opt.pub, "Public key file, PEM or DER (external verification)");
      });
  add(key, "encrypt", "Encrypt a file to a provider key", true, run_encrypt, [](CLI::App* c) {
    c->add_option("--alg", g_opt.alg, "sm2, rsa-oaep-sha256 or rsa-pkcs1 (default: sm2 or rsa-oaep-sha256)");
    c->add_option("--in", g_opt.in, "Plaintext file (default stdin)");
    c->add_option("--out", g_opt.out, "Ciphertext file (default stdout)");
  });
  add(key, "decrypt", "Decrypt a file with a provider key", true, run_decrypt, [](CLI::App* c) {
    c->add_option("--alg", g_opt.alg, "sm2, rsa-oaep-sha256 or rsa-pkcs1 (default: the key's)");
    c->add_option("--in", g_opt.in, "Ciphertext file (default stdin)");
    c->add_option("--out", g_opt.out, "Plaintext file, mode 0600 (default stdout)");
  });
}

}  // namespace medsign::cli
