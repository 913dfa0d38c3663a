// Random cross-checks against OpenSSL 3.0's SM2 (EVP), both directions.
//
// Counts: MEDSIGN_SM2_CROSSCHECKS (signatures, each way; default 100000 in an optimised build, 1000 in
// Debug or sanitizer builds) and MEDSIGN_SM2_ENC_CROSSCHECKS (encryption, each way; default 2000 / 100).
// OpenSSL's generic SM2 is the slow side (about 3,000 operations/s a core), so the iterations are spread
// over MEDSIGN_SM2_THREADS threads (default: the number of cores, at most 4).
#include <gtest/gtest.h>

#include <chrono>
#include <atomic>
#include <iostream>
#include <thread>
#include <vector>

#include "sm2_openssl.h"

namespace medsign::crypto::sm2 {
namespace {

using test::Pkey;

struct KeyPair {
  PrivateKey ours;
  Pkey openssl;
};

// Half of the keys made by us, half by OpenSSL.
std::vector<KeyPair> key_pool() {
  std::vector<KeyPair> keys;
  for (int i = 0; i < 4; ++i) {
    PrivateKey k = generate_key().value();
    Pkey p = test::openssl_key(k.public_key(), &k);
    keys.push_back({std::move(k), std::move(p)});
  }
  while (keys.size() < 8) {
    Pkey p = test::openssl_generate();
    auto k = test::from_openssl(p.get());
    if (k) keys.push_back({std::move(*k), std::move(p)});
  }
  return keys;
}

std::string random_id(long i) {
  if (i % 8 != 0) return std::string(kDefaultId);
  Bytes b = test::random_bytes(1);
  Bytes id = test::random_bytes(b[0] % 40);
  return std::string(as_chars(id));
}

// Runs check(i) for i in [0, n) on several threads; returns how many checks failed (stops early after 5).
template <typename Check>
long run_parallel(long n, Check check) {
  long threads = test::iterations("MEDSIGN_SM2_THREADS", std::min(4u, std::max(1u, std::thread::hardware_concurrency())), 1);
  std::atomic<long> failures{0};
  std::vector<std::thread> pool;
  for (long t = 0; t < threads; ++t) {
    pool.emplace_back([&, t] {
      for (long i = t; i < n && failures.load() < 5; i += threads) {
        if (!check(i)) failures.fetch_add(1);
      }
    });
  }
  for (auto& th : pool) th.join();
  return failures.load();
}

class Timer {
 public:
  explicit Timer(const char* what, long n) : what_(what), n_(n), start_(std::chrono::steady_clock::now()) {}
  ~Timer() {
    double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
    std::cout << "  " << what_ << ": " << n_ << " checks in " << s << " s\n";
  }

 private:
  const char* what_;
  long n_;
  std::chrono::steady_clock::time_point start_;
};

TEST(Sm2CrossCheck, OurSignaturesVerifyInOpenSsl) {
  const long n = test::iterations("MEDSIGN_SM2_CROSSCHECKS", 100000, 1000);
  Timer t("ours sign -> OpenSSL verify", n);
  auto keys = key_pool();
  long failures = run_parallel(n, [&](long i) {
    KeyPair& kp = keys[static_cast<std::size_t>(i) % keys.size()];
    Bytes msg = test::random_bytes(static_cast<std::size_t>(i % 97));
    std::string id = random_id(i);
    auto sig = sign(kp.ours, msg, id);
    if (!sig.ok()) {
      ADD_FAILURE() << sig.error().to_string();
      return false;
    }
    Bytes der = encode_signature_der(*sig);
    bool ok = test::openssl_verify(kp.openssl.get(), msg, der, id);
    if (!ok) ADD_FAILURE() << "OpenSSL rejects our signature, iteration " << i << ", der " << hex_encode(der);
    if (i % 101 == 0) {  // a changed message must fail on both sides
      msg.push_back(0x01);
      if (test::openssl_verify(kp.openssl.get(), msg, der, id) || verify(kp.ours.public_key(), msg, der, id).ok()) {
        ADD_FAILURE() << "changed message verifies, iteration " << i;
        ok = false;
      }
    }
    return ok;
  });
  EXPECT_EQ(failures, 0);
}

TEST(Sm2CrossCheck, OpenSslSignaturesVerifyInOurs) {
  const long n = test::iterations("MEDSIGN_SM2_CROSSCHECKS", 100000, 1000);
  Timer t("OpenSSL sign -> ours verify", n);
  auto keys = key_pool();
  long failures = run_parallel(n, [&](long i) {
    KeyPair& kp = keys[static_cast<std::size_t>(i) % keys.size()];
    Bytes msg = test::random_bytes(static_cast<std::size_t>(i % 89));
    std::string id = random_id(i);
    Bytes der = test::openssl_sign(kp.openssl.get(), msg, id);
    Status st = verify(kp.ours.public_key(), msg, der, id);
    bool ok = st.ok();
    if (!ok) ADD_FAILURE() << "we reject OpenSSL's signature, iteration " << i << ": " << st.error().to_string();
    if (i % 101 == 0) {  // the wrong ID must fail
      Status wrong = verify(kp.ours.public_key(), msg, der, id + "x");
      if (wrong.ok() || wrong.error().code != Errc::bad_signature) {
        ADD_FAILURE() << "wrong ID not rejected, iteration " << i;
        ok = false;
      }
    }
    return ok;
  });
  EXPECT_EQ(failures, 0);
}

TEST(Sm2CrossCheck, OurCiphertextsDecryptInOpenSsl) {
  const long n = test::iterations("MEDSIGN_SM2_ENC_CROSSCHECKS", 2000, 100);
  Timer t("ours encrypt -> OpenSSL decrypt", n);
  auto keys = key_pool();
  for (long i = 0; i < n; ++i) {
    KeyPair& kp = keys[static_cast<std::size_t>(i) % keys.size()];
    Bytes msg = test::random_bytes(1 + static_cast<std::size_t>(i % 150));
    auto ct = encrypt(kp.ours.public_key(), msg);
    ASSERT_TRUE(ct.ok());
    auto plain = test::openssl_decrypt(kp.openssl.get(), encode_ciphertext_der(*ct));
    ASSERT_TRUE(plain.has_value()) << "iteration " << i;
    ASSERT_EQ(*plain, msg) << "iteration " << i;
  }
}

TEST(Sm2CrossCheck, OpenSslCiphertextsDecryptInOurs) {
  const long n = test::iterations("MEDSIGN_SM2_ENC_CROSSCHECKS", 2000, 100);
  Timer t("OpenSSL encrypt -> ours decrypt", n);
  auto keys = key_pool();
  for (long i = 0; i < n; ++i) {
    KeyPair& kp = keys[static_cast<std::size_t>(i) % keys.size()];
    Bytes msg = test::random_bytes(1 + static_cast<std::size_t>(i % 150));
    Bytes der = test::openssl_encrypt(kp.openssl.get(), msg);
    auto ct = decode_ciphertext_der(der);
    ASSERT_TRUE(ct.ok()) << ct.error().to_string() << " " << hex_encode(der);
    EXPECT_EQ(encode_ciphertext_der(*ct), der);
    auto plain = decrypt(kp.ours, *ct);
    ASSERT_TRUE(plain.ok()) << plain.error().to_string();
    ASSERT_EQ(plain->bytes(), msg);
    if (i % 53 == 0) {  // a changed C3 must fail
      ct->c3[static_cast<std::size_t>(i) % 32] ^= 0x80;
      EXPECT_EQ(decrypt(kp.ours, *ct).error().code, Errc::decrypt_failed);
    }
  }
}

}  // namespace
}  // namespace medsign::crypto::sm2
