// SM2: ours next to OpenSSL's EVP SM2 and OpenSSL's P-256 ECDSA, plus our internals.
// Whole operations include the Z value and SM3 over a 32-byte message, as a server would run them.
// Run on one core: taskset -c 0 bench_sm2 --benchmark_min_time=2
#include <benchmark/benchmark.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include "crypto/sm2/internal.h"

namespace {

using namespace medsign;
using namespace medsign::crypto::sm2;

const Bytes kMessage(32, 0x5a);

const PrivateKey& our_key() {
  static const PrivateKey key = generate_key().value();
  return key;
}

EVP_PKEY* openssl_key(const char* alg) {
  if (std::string_view(alg) == "SM2") {
    static EVP_PKEY* k = EVP_PKEY_Q_keygen(nullptr, nullptr, "SM2");
    return k;
  }
  static EVP_PKEY* k = EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256");
  return k;
}

// ---- ours ------------------------------------------------------------------------------------------

void BM_Ours_Keygen(benchmark::State& st) {
  precompute_tables();
  for (auto _ : st) benchmark::DoNotOptimize(generate_key());
}
BENCHMARK(BM_Ours_Keygen);

void BM_Ours_Sign(benchmark::State& st) {
  const PrivateKey& key = our_key();
  for (auto _ : st) {
    auto sig = sign(key, kMessage);
    benchmark::DoNotOptimize(encode_signature_der(*sig));
  }
}
BENCHMARK(BM_Ours_Sign);

void BM_Ours_SignCachedZ(benchmark::State& st) {
  const PrivateKey& key = our_key();
  Bytes32 z = compute_z(key.public_key()).value();
  for (auto _ : st) {
    auto sig = sign_digest(key, digest_e(z, kMessage));
    benchmark::DoNotOptimize(encode_signature_der(*sig));
  }
}
BENCHMARK(BM_Ours_SignCachedZ);

void BM_Ours_Verify(benchmark::State& st) {
  const PrivateKey& key = our_key();
  Bytes der = encode_signature_der(*sign(key, kMessage));
  for (auto _ : st) {
    if (!verify(key.public_key(), kMessage, der).ok()) st.SkipWithError("verify failed");
  }
}
BENCHMARK(BM_Ours_Verify);

void BM_Ours_VerifyCachedZ(benchmark::State& st) {
  const PrivateKey& key = our_key();
  Bytes32 z = compute_z(key.public_key()).value();
  Bytes der = encode_signature_der(*sign(key, kMessage));
  for (auto _ : st) {
    auto sig = decode_signature_der(der);
    if (!verify_digest(key.public_key(), digest_e(z, kMessage), *sig).ok()) st.SkipWithError("verify failed");
  }
}
BENCHMARK(BM_Ours_VerifyCachedZ);

void BM_Ours_Encrypt(benchmark::State& st) {
  const PrivateKey& key = our_key();
  for (auto _ : st) benchmark::DoNotOptimize(encode_ciphertext_der(*encrypt(key.public_key(), kMessage)));
}
BENCHMARK(BM_Ours_Encrypt);

void BM_Ours_Decrypt(benchmark::State& st) {
  const PrivateKey& key = our_key();
  Bytes der = encode_ciphertext_der(*encrypt(key.public_key(), kMessage));
  for (auto _ : st) {
    auto ct = decode_ciphertext_der(der);
    if (!decrypt(key, *ct).ok()) st.SkipWithError("decrypt failed");
  }
}
BENCHMARK(BM_Ours_Decrypt);

// ---- OpenSSL ---------------------------------------------------------------------------------------

Bytes openssl_sign(EVP_PKEY* pkey, const EVP_MD* md, bool sm2) {
  EVP_MD_CTX* mctx = EVP_MD_CTX_new();
  EVP_PKEY_CTX* pctx = EVP_PKEY_CTX_new(pkey, nullptr);
  if (sm2) EVP_PKEY_CTX_set1_id(pctx, kDefaultId.data(), kDefaultId.size());
  EVP_MD_CTX_set_pkey_ctx(mctx, pctx);
  Bytes sig(80);
  std::size_t len = sig.size();
  EVP_DigestSignInit(mctx, nullptr, md, nullptr, pkey);
  EVP_DigestSign(mctx, sig.data(), &len, kMessage.data(), kMessage.size());
  sig.resize(len);
  EVP_MD_CTX_free(mctx);
  EVP_PKEY_CTX_free(pctx);
  return sig;
}

bool openssl_verify(EVP_PKEY* pkey, const EVP_MD* md, bool sm2, const Bytes& sig) {
  EVP_MD_CTX* mctx = EVP_MD_CTX_new();
  EVP_PKEY_CTX* pctx = EVP_PKEY_CTX_new(pkey, nullptr);
  if (sm2) EVP_PKEY_CTX_set1_id(pctx, kDefaultId.data(), kDefaultId.size());
  EVP_MD_CTX_set_pkey_ctx(mctx, pctx);
  EVP_DigestVerifyInit(mctx, nullptr, md, nullptr, pkey);
  bool ok = EVP_DigestVerify(mctx, sig.data(), sig.size(), kMessage.data(), kMessage.size()) == 1;
  EVP_MD_CTX_free(mctx);
  EVP_PKEY_CTX_free(pctx);
  return ok;
}

void BM_OpenSsl_Sm2Keygen(benchmark::State& st) {
  for (auto _ : st) EVP_PKEY_free(EVP_PKEY_Q_keygen(nullptr, nullptr, "SM2"));
}
BENCHMARK(BM_OpenSsl_Sm2Keygen);

void BM_OpenSsl_Sm2Sign(benchmark::State& st) {
  for (auto _ : st) benchmark::DoNotOptimize(openssl_sign(openssl_key("SM2"), EVP_sm3(), true));
}
BENCHMARK(BM_OpenSsl_Sm2Sign);

void BM_OpenSsl_Sm2Verify(benchmark::State& st) {
  Bytes sig = openssl_sign(openssl_key("SM2"), EVP_sm3(), true);
  for (auto _ : st) {
    if (!openssl_verify(openssl_key("SM2"), EVP_sm3(), true, sig)) st.SkipWithError("verify failed");
  }
}
BENCHMARK(BM_OpenSsl_Sm2Verify);

void BM_OpenSsl_Sm2Encrypt(benchmark::State& st) {
  EVP_PKEY_CTX* ctx = EVP_PKEY_CTX_new(openssl_key("SM2"), nullptr);
  EVP_PKEY_encrypt_init(ctx);
  Bytes out(200);
  for (auto _ : st) {
    std::size_t len = out.size();
    EVP_PKEY_encrypt(ctx, out.data(), &len, kMessage.data(), kMessage.size());
  }
  EVP_PKEY_CTX_free(ctx);
}
BENCHMARK(BM_OpenSsl_Sm2Encrypt);

void BM_OpenSsl_Sm2Decrypt(benchmark::State& st) {
  EVP_PKEY_CTX* ctx = EVP_PKEY_CTX_new(openssl_key("SM2"), nullptr);
  EVP_PKEY_encrypt_init(ctx);
  Bytes ct(200);
  std::size_t ct_len = ct.size();
  EVP_PKEY_encrypt(ctx, ct.data(), &ct_len, kMessage.data(), kMessage.size());
  EVP_PKEY_decrypt_init(ctx);
  Bytes out(200);
  for (auto _ : st) {
    std::size_t len = out.size();
    if (EVP_PKEY_decrypt(ctx, out.data(), &len, ct.data(), ct_len) != 1) st.SkipWithError("decrypt failed");
  }
  EVP_PKEY_CTX_free(ctx);
}
BENCHMARK(BM_OpenSsl_Sm2Decrypt);

void BM_OpenSsl_P256Sign(benchmark::State& st) {
  for (auto _ : st) benchmark::DoNotOptimize(openssl_sign(openssl_key("P-256"), EVP_sha256(), false));
}
BENCHMARK(BM_OpenSsl_P256Sign);

void BM_OpenSsl_P256Verify(benchmark::State& st) {
  Bytes sig = openssl_sign(openssl_key("P-256"), EVP_sha256(), false);
  for (auto _ : st) {
    if (!openssl_verify(openssl_key("P-256"), EVP_sha256(), false, sig)) st.SkipWithError("verify failed");
  }
}
BENCHMARK(BM_OpenSsl_P256Verify);

// ---- internals -------------------------------------------------------------------------------------

detail::U256 bench_scalar() {
  std::uint8_t b[32];
  RAND_bytes(b, 32);
  b[0] &= 0x7f;
  return detail::u256_from_be(b);
}

void BM_Internal_FieldMul(benchmark::State& st) {
  detail::U256 a = bench_scalar(), b = bench_scalar();
  for (auto _ : st) {
    detail::fp_mul(a, a, b);
    benchmark::DoNotOptimize(a);
  }
}
BENCHMARK(BM_Internal_FieldMul);

void BM_Internal_FieldSqr(benchmark::State& st) {
  detail::U256 a = bench_scalar();
  for (auto _ : st) {
    detail::fp_sqr(a, a);
    benchmark::DoNotOptimize(a);
  }
}
BENCHMARK(BM_Internal_FieldSqr);

void BM_Internal_FieldInv(benchmark::State& st) {
  detail::U256 a = bench_scalar();
  for (auto _ : st) {
    detail::fp_inv(a, a);
    benchmark::DoNotOptimize(a);
  }
}
BENCHMARK(BM_Internal_FieldInv);

void BM_Internal_ScalarMultBase(benchmark::State& st) {
  detail::U256 k = bench_scalar();
  detail::JacobianPoint r;
  for (auto _ : st) {
    detail::scalar_mult_base(r, k);
    benchmark::DoNotOptimize(r);
  }
}
BENCHMARK(BM_Internal_ScalarMultBase);

void BM_Internal_ScalarMult(benchmark::State& st) {
  detail::U256 k = bench_scalar();
  detail::JacobianPoint r;
  for (auto _ : st) {
    detail::scalar_mult(r, detail::generator(), k);
    benchmark::DoNotOptimize(r);
  }
}
BENCHMARK(BM_Internal_ScalarMult);

void BM_Internal_DoubleScalarMult(benchmark::State& st) {
  detail::U256 a = bench_scalar(), b = bench_scalar();
  detail::JacobianPoint r;
  for (auto _ : st) {
    detail::double_scalar_mult_vartime(r, a, detail::generator(), b);
    benchmark::DoNotOptimize(r);
  }
}
BENCHMARK(BM_Internal_DoubleScalarMult);

void BM_Internal_FieldMulPortable(benchmark::State& st) {
  detail::U256 a = bench_scalar(), b = bench_scalar();
  for (auto _ : st) {
    detail::fp_mul_portable(a, a, b);
    benchmark::DoNotOptimize(a);
  }
}
BENCHMARK(BM_Internal_FieldMulPortable);


void BM_Internal_PointDouble(benchmark::State& st) {
  detail::JacobianPoint p = {detail::generator().x, detail::generator().y, detail::kP.one};
  for (auto _ : st) {
    detail::point_double(p, p);
    benchmark::DoNotOptimize(p);
  }
}
BENCHMARK(BM_Internal_PointDouble);

void BM_Internal_PointTableBuild(benchmark::State& st) {
  detail::PointTable t;
  for (auto _ : st) {
    detail::point_table_build(t, detail::generator());
    benchmark::DoNotOptimize(t);
  }
}
BENCHMARK(BM_Internal_PointTableBuild);

void BM_Internal_DoubleScalarMultTable(benchmark::State& st) {
  detail::U256 a = bench_scalar(), b = bench_scalar();
  detail::PointTable t;
  detail::point_table_build(t, detail::generator());
  detail::JacobianPoint r;
  for (auto _ : st) {
    detail::double_scalar_mult_table_vartime(r, a, t, b);
    benchmark::DoNotOptimize(r);
  }
}
BENCHMARK(BM_Internal_DoubleScalarMultTable);

void BM_Ours_VerifyPreparedKey(benchmark::State& st) {
  const VerifyingKey vk(our_key().public_key());
  Bytes32 z = compute_z(our_key().public_key()).value();
  Signature sig = sign(our_key(), kMessage).value();
  Bytes der = encode_signature_der(sig);
  for (auto _ : st) {
    Bytes32 e = digest_e(z, kMessage);
    Signature s = decode_signature_der(der).value();
    if (!verify_digest(vk, e, s).ok()) st.SkipWithError("verify failed");
  }
}
BENCHMARK(BM_Ours_VerifyPreparedKey);

}  // namespace

BENCHMARK_MAIN();
