#include "crypto/speed.h"

#include <time.h>

#include <cmath>
#include <cstdio>
#include <memory>

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>
#include <openssl/x509.h>

#include "crypto/algorithms/cipher.h"
#include "crypto/algorithms/hash.h"
#include "crypto/algorithms/pk.h"
#include "crypto/algorithms/pk_internal.h"
#include "crypto/sm2/sm2.h"

namespace medsign::crypto::speed {
namespace {

constexpr std::size_t kBulk = 8192;
constexpr int kRounds = 4;

double cpu_seconds() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

using Op = std::function<bool()>;

struct Totals {
  double ops = 0, secs = 0;
};

// Runs op for about `slice` CPU seconds. False when an operation failed.
bool run_slice(const Op& op, double slice, Totals& t) {
  double start = cpu_seconds(), now = start;
  long n = 0;
  do {
    for (int i = 0; i < 4; ++i) {
      if (!op()) return false;
    }
    n += 4;
    now = cpu_seconds();
  } while (now - start < slice);
  t.ops += static_cast<double>(n);
  t.secs += now - start;
  return true;
}

struct Bench {
  std::string name, unit, note;
  double bytes_per_op = 0;  // 0: report ops/s
  Op ours, theirs;          // theirs may be empty
};

Result<Figure> measure(const Bench& b, const Options& opt) {
  if (!b.ours() || (b.theirs && !b.theirs())) return Error(Errc::crypto_error, b.name + ": operation failed");
  Totals ours, theirs;
  double slice = opt.seconds / kRounds;
  for (int r = 0; r < kRounds; ++r) {
    if (!run_slice(b.ours, slice, ours)) return Error(Errc::crypto_error, b.name + ": MedSign operation failed");
    if (b.theirs && !run_slice(b.theirs, slice, theirs))
      return Error(Errc::crypto_error, b.name + ": OpenSSL operation failed");
  }
  auto rate = [&](const Totals& t) {
    double ops = t.ops / t.secs;
    return b.bytes_per_op > 0 ? ops * b.bytes_per_op / 1e6 : ops;
  };
  Figure f{b.name, b.bytes_per_op > 0 ? "MB/s" : "ops/s", rate(ours), std::nullopt, b.note};
  if (b.theirs) f.openssl = rate(theirs);
  if (opt.on_figure) opt.on_figure(f);
  return f;
}

Bytes random(std::size_t n) {
  Bytes b(n);
  RAND_bytes(b.data(), static_cast<int>(n));
  return b;
}

using MdCtx = std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)>;
using PkeyCtx = std::unique_ptr<EVP_PKEY_CTX, decltype(&EVP_PKEY_CTX_free)>;
using CipherCtx = std::unique_ptr<EVP_CIPHER_CTX, decltype(&EVP_CIPHER_CTX_free)>;

// OpenSSL EVP, as an application would call it per message: fresh contexts, the key object reused.
bool evp_sign(EVP_PKEY* k, const EVP_MD* md, bool sm2, ByteView msg, Bytes& sig) {
  MdCtx m(EVP_MD_CTX_new(), EVP_MD_CTX_free);
  PkeyCtx p(EVP_PKEY_CTX_new(k, nullptr), EVP_PKEY_CTX_free);
  if (sm2 && EVP_PKEY_CTX_set1_id(p.get(), sm2::kDefaultId.data(), sm2::kDefaultId.size()) != 1) return false;
  EVP_MD_CTX_set_pkey_ctx(m.get(), p.get());
  sig.resize(EVP_PKEY_get_size(k));
  std::size_t len = sig.size();
  if (EVP_DigestSignInit(m.get(), nullptr, md, nullptr, k) != 1 ||
      EVP_DigestSign(m.get(), sig.data(), &len, msg.data(), msg.size()) != 1)
    return false;
  sig.resize(len);
  return true;
}

bool evp_verify(EVP_PKEY* k, const EVP_MD* md, bool sm2, ByteView msg, ByteView sig) {
  MdCtx m(EVP_MD_CTX_new(), EVP_MD_CTX_free);
  PkeyCtx p(EVP_PKEY_CTX_new(k, nullptr), EVP_PKEY_CTX_free);
  if (sm2 && EVP_PKEY_CTX_set1_id(p.get(), sm2::kDefaultId.data(), sm2::kDefaultId.size()) != 1) return false;
  EVP_MD_CTX_set_pkey_ctx(m.get(), p.get());
  return EVP_DigestVerifyInit(m.get(), nullptr, md, nullptr, k) == 1 &&
         EVP_DigestVerify(m.get(), sig.data(), sig.size(), msg.data(), msg.size()) == 1;
}

// Signs / verifies a precomputed digest (SM2: e = SM3(Z || M) with Z kept per key).
bool evp_sign_digest(EVP_PKEY* k, ByteView dgst, Bytes& sig) {
  PkeyCtx p(EVP_PKEY_CTX_new(k, nullptr), EVP_PKEY_CTX_free);
  sig.resize(EVP_PKEY_get_size(k));
  std::size_t len = sig.size();
  if (!p || EVP_PKEY_sign_init(p.get()) != 1 || EVP_PKEY_sign(p.get(), sig.data(), &len, dgst.data(), dgst.size()) != 1)
    return false;
  sig.resize(len);
  return true;
}
bool evp_verify_digest(EVP_PKEY* k, ByteView dgst, ByteView sig) {
  PkeyCtx p(EVP_PKEY_CTX_new(k, nullptr), EVP_PKEY_CTX_free);
  return p && EVP_PKEY_verify_init(p.get()) == 1 &&
         EVP_PKEY_verify(p.get(), sig.data(), sig.size(), dgst.data(), dgst.size()) == 1;
}

struct Shared {
  Bytes msg = random(32);
  Bytes bulk = random(kBulk);
  Bytes out = Bytes(kBulk + 32);
  Bytes sig;
};

// The same key as an OpenSSL EVP_PKEY, through PKCS#8.
Result<EvpPtr> openssl_key(const KeyPair& kp) {
  MEDSIGN_ASSIGN(SecretBytes der, kp.pkcs8());
  const unsigned char* p = der.bytes().data();
  EVP_PKEY* k = d2i_AutoPrivateKey(nullptr, &p, static_cast<long>(der.size()));
  if (!k) return Error(Errc::crypto_error, "OpenSSL cannot read the key");
  return adopt_pkey(k);
}

Status sm2_benches(std::vector<Bench>& v, const std::shared_ptr<Shared>& s) {
  sm2::precompute_tables();
  MEDSIGN_ASSIGN(sm2::PrivateKey priv, sm2::generate_key());
  KeyPair kp = KeyPair::from_sm2(priv);
  MEDSIGN_ASSIGN(EvpPtr ossl, openssl_key(kp));
  MEDSIGN_ASSIGN(Signer signer, Signer::create(SignatureAlg::sm2_sm3, kp));
  MEDSIGN_ASSIGN(Verifier verifier, Verifier::create(SignatureAlg::sm2_sm3, kp.public_key_der()));
  MEDSIGN_ASSIGN(sm2::Signature sig, sm2::sign(priv, s->msg));
  auto der = std::make_shared<Bytes>(sm2::encode_signature_der(sig));
  auto e = std::make_shared<Bytes>(hash(HashAlg::sm3, Bytes(32)));
  MEDSIGN_ASSIGN(sm2::Bytes32 z, sm2::compute_z(priv.public_key()));
  sm2::Bytes32 e_arr = sm2::digest_e(z, s->msg);
  e->assign(e_arr.begin(), e_arr.end());
  const sm2::PublicKey pub = priv.public_key();
  v.push_back({"sm2_sign", "", "Z + SM3(Z||M) + sign + DER, 32-byte M; key object reused", 0,
               [s, priv] {
                 auto r = sm2::sign(priv, s->msg);
                 if (!r) return false;
                 s->sig = sm2::encode_signature_der(r.value());
                 return true;
               },
               [s, ossl] { return evp_sign(ossl.get(), EVP_sm3(), true, s->msg, s->sig); }});
  v.push_back({"sm2_verify", "",
               "per-key state kept as a server keeps it for a known signer (Z and a 2 KB table of P):"
               " SM3(Z||M) + DER decode + verify (crypto::Verifier)", 0,
               [s, verifier, der] { return verifier.verify(s->msg, *der).ok(); },
               [s, ossl, z, der] {
                 sm2::Bytes32 ee = sm2::digest_e(z, s->msg);
                 return evp_verify_digest(ossl.get(), ee, *der);
               }});
  v.push_back({"sm2_sign_cached_z", "", "Z kept per key: SM3(Z||M) + sign + DER (crypto::Signer)", 0,
               [s, signer] {
                 auto r = signer.sign(s->msg);
                 return r.ok();
               },
               [s, ossl, z] {
                 sm2::Bytes32 ee = sm2::digest_e(z, s->msg);
                 return evp_sign_digest(ossl.get(), ee, s->sig);
               }});
  v.push_back({"sm2_verify_new_key", "", "key seen for the first time: Z + SM3(Z||M) + DER decode + verify", 0,
               [s, pub, der] { return sm2::verify(pub, s->msg, *der).ok(); },
               [s, ossl, der] { return evp_verify(ossl.get(), EVP_sm3(), true, s->msg, *der); }});
  return {};
}

Status sig_benches(std::vector<Bench>& v, const std::shared_ptr<Shared>& s, KeyAlg ka, SignatureAlg sa,
                   const std::string& prefix) {
  MEDSIGN_ASSIGN(KeyPair kp, KeyPair::generate(ka));
  MEDSIGN_ASSIGN(EvpPtr ossl, openssl_key(kp));
  MEDSIGN_ASSIGN(Signer signer, Signer::create(sa, kp));
  MEDSIGN_ASSIGN(Verifier verifier, Verifier::create(sa, kp.public_key_der()));
  MEDSIGN_ASSIGN(Bytes sig, signer.sign(s->msg));
  auto der = std::make_shared<Bytes>(std::move(sig));
  const EVP_MD* md = evp_md(signature_hash(sa));
  std::string note = std::string(signature_alg_name(sa)) + ", 32-byte M (OpenSSL underneath both)";
  v.push_back({prefix + "_sign", "", note, 0, [s, signer] { return signer.sign(s->msg).ok(); },
               [s, ossl, md] { return evp_sign(ossl.get(), md, false, s->msg, s->sig); }});
  v.push_back({prefix + "_verify", "", note, 0, [s, verifier, der] { return verifier.verify(s->msg, *der).ok(); },
               [s, ossl, md, der] { return evp_verify(ossl.get(), md, false, s->msg, *der); }});
  return {};
}

bool raw_cipher(const EVP_CIPHER* c, ByteView key, ByteView iv, Shared& s) {
  CipherCtx ctx(EVP_CIPHER_CTX_new(), EVP_CIPHER_CTX_free);
  int len = 0;
  return ctx && EVP_EncryptInit_ex(ctx.get(), c, nullptr, key.data(), iv.empty() ? nullptr : iv.data()) == 1 &&
         EVP_CIPHER_CTX_set_padding(ctx.get(), 0) == 1 &&
         EVP_EncryptUpdate(ctx.get(), s.out.data(), &len, s.bulk.data(), static_cast<int>(s.bulk.size())) == 1;
}

void sym_benches(std::vector<Bench>& v, const std::shared_ptr<Shared>& s, bool sm3, bool sm4) {
  const double bytes = static_cast<double>(kBulk);
  if (sm3) {
    v.push_back({"sm3", "", "8 KiB messages: crypto::hash vs EVP_Digest", bytes,
                 [s] { return hash(HashAlg::sm3, s->bulk).size() == 32; },
                 [s] {
                   unsigned int len = 0;
                   return EVP_Digest(s->bulk.data(), s->bulk.size(), s->out.data(), &len, EVP_sm3(), nullptr) == 1;
                 }});
    v.push_back({"hmac_sm3", "", "8 KiB messages: crypto::hmac vs EVP HMAC", bytes,
                 [s] { return hmac(HashAlg::sm3, ByteView(s->msg), s->bulk).size() == 32; },
                 [s] {
                   unsigned int len = 0;
                   return HMAC(EVP_sm3(), s->msg.data(), 32, s->bulk.data(), s->bulk.size(), s->out.data(), &len) !=
                          nullptr;
                 }});
  }
  if (!sm4) return;
  auto key = std::make_shared<Bytes>(random(16));
  auto iv = std::make_shared<Bytes>(random(16));
  v.push_back({"sm4_cbc", "", "8 KiB, encrypt: crypto::cbc_encrypt vs raw EVP", bytes,
               [s, key, iv] { return cbc_encrypt(BlockCipher::sm4, *key, *iv, s->bulk, Padding::none).ok(); },
               [s, key, iv] { return raw_cipher(EVP_sm4_cbc(), *key, *iv, *s); }});
  v.push_back({"sm4_ctr", "", "8 KiB: crypto::ctr_crypt vs raw EVP", bytes,
               [s, key, iv] { return ctr_crypt(BlockCipher::sm4, *key, *iv, s->bulk).ok(); },
               [s, key, iv] { return raw_cipher(EVP_sm4_ctr(), *key, *iv, *s); }});
  auto aead = std::make_shared<Aead>(Aead::create(BlockCipher::sm4, *key).value());
  v.push_back({"sm4_gcm", "", "8 KiB seal, our GCM over EVP SM4 (OpenSSL 3.0 has no SM4-GCM)", bytes,
               [s, aead, iv] { return aead->seal(ByteView(*iv).first(12), {}, s->bulk).ok(); }, nullptr});
  auto aes = std::make_shared<Aead>(Aead::create(BlockCipher::aes128, *key).value());
  v.push_back({"aes128_gcm", "", "8 KiB seal: crypto::Aead vs raw EVP AES-128-GCM", bytes,
               [s, aes, iv] { return aes->seal(ByteView(*iv).first(12), {}, s->bulk).ok(); },
               [s, key, iv] {
                 CipherCtx ctx(EVP_CIPHER_CTX_new(), EVP_CIPHER_CTX_free);
                 int len = 0;
                 return ctx && EVP_EncryptInit_ex(ctx.get(), EVP_aes_128_gcm(), nullptr, key->data(), iv->data()) == 1 &&
                        EVP_EncryptUpdate(ctx.get(), s->out.data(), &len, s->bulk.data(), kBulk) == 1 &&
                        EVP_EncryptFinal_ex(ctx.get(), s->out.data() + len, &len) == 1 &&
                        EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_GET_TAG, 16, s->out.data() + kBulk) == 1;
               }});
}

std::string format_number(double x, bool mb) {
  char buf[64];
  std::snprintf(buf, sizeof buf, mb ? "%.1f" : "%.0f", x);
  return buf;
}

}  // namespace

Result<std::vector<Figure>> run(std::string_view group, const Options& options) {
  if (!(options.seconds > 0 && options.seconds <= 600))
    return Error(Errc::invalid_argument, "--seconds must be in (0, 600]");
  bool all = group == "all";
  if (!all && group != "sm2" && group != "sm3" && group != "sm4" && group != "rsa" && group != "ecdsa")
    return Error(Errc::invalid_argument, "unknown group '" + std::string(group) + "' (sm2|sm3|sm4|rsa|ecdsa|all)");
  auto shared = std::make_shared<Shared>();
  std::vector<Bench> benches;
  if (all || group == "sm2") MEDSIGN_TRY(sm2_benches(benches, shared));
  sym_benches(benches, shared, all || group == "sm3", all || group == "sm4");
  if (all || group == "ecdsa") {
    MEDSIGN_TRY(sig_benches(benches, shared, KeyAlg::ecdsa_p256, SignatureAlg::ecdsa_p256_sha256, "ecdsa_p256"));
    MEDSIGN_TRY(sig_benches(benches, shared, KeyAlg::ecdsa_p384, SignatureAlg::ecdsa_p384_sha384, "ecdsa_p384"));
  }
  if (all || group == "rsa") {
    MEDSIGN_TRY(sig_benches(benches, shared, KeyAlg::rsa2048, SignatureAlg::rsa_pkcs1_sha256, "rsa2048"));
    MEDSIGN_TRY(sig_benches(benches, shared, KeyAlg::rsa3072, SignatureAlg::rsa_pkcs1_sha256, "rsa3072"));
    MEDSIGN_TRY(sig_benches(benches, shared, KeyAlg::rsa4096, SignatureAlg::rsa_pkcs1_sha256, "rsa4096"));
  }
  std::vector<Figure> out;
  for (const Bench& b : benches) {
    MEDSIGN_ASSIGN(Figure f, measure(b, options));
    out.push_back(std::move(f));
  }
  return out;
}

std::string to_json(const std::vector<Figure>& figures) {
  std::string s = "{";
  for (std::size_t i = 0; i < figures.size(); ++i) {
    const Figure& f = figures[i];
    bool mb = f.unit == "MB/s";
    s += (i ? ", \"" : "\"") + f.name + "\": {\"medsign\": " + format_number(f.medsign, mb) +
         ", \"openssl\": " + (f.openssl ? format_number(*f.openssl, mb) : "null") + "}";
  }
  return s + "}";
}

std::string to_table(const std::vector<Figure>& figures) {
  std::string s;
  char line[256];
  std::snprintf(line, sizeof line, "%-22s %14s %14s %8s  %s\n", "operation", "medsign", "openssl", "ratio", "what");
  s += line;
  for (const Figure& f : figures) {
    bool mb = f.unit == "MB/s";
    std::string ours = format_number(f.medsign, mb) + " " + f.unit;
    std::string theirs = f.openssl ? format_number(*f.openssl, mb) + " " + f.unit : "-";
    char ratio[32] = "";
    if (f.openssl && *f.openssl > 0) std::snprintf(ratio, sizeof ratio, "%.1fx", f.medsign / *f.openssl);
    std::snprintf(line, sizeof line, "%-22s %14s %14s %8s  %s\n", f.name.c_str(), ours.c_str(), theirs.c_str(),
                  ratio, f.note.c_str());
    s += line;
  }
  return s;
}

}  // namespace medsign::crypto::speed
