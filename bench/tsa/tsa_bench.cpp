// In-process cost of a timestamp token per unit type: the full TimestampIssuer::respond (request parsing,
// TSTInfo, signed attributes, signature, TimeStampResp) through the token template and through the generic
// encoders, and the signature alone. No transport, no log: the signing bound that `medsign bench tsa`
// compares its load with. Run with --benchmark_min_time=2; add threads with e.g. --benchmark_filter and
// ->Threads below.
#include <map>
#include <memory>
#include <mutex>

#include <benchmark/benchmark.h>

#include "asn1/oid.h"
#include "common/clock.h"
#include "services/tsa.h"
#include "tsp/timestamp_issuer.h"

namespace {
using namespace medsign;

struct Fixture {
  tsp::TimestampUnit unit;
  std::unique_ptr<tsp::TimestampIssuer> issuer;
  Bytes request;
};

Fixture& fixture(crypto::KeyType key, bool use_template) {
  static std::map<std::pair<int, bool>, std::unique_ptr<Fixture>> cache;
  static std::mutex mu;
  std::lock_guard lk(mu);
  auto& f = cache[{static_cast<int>(key), use_template}];
  if (!f) {
    f = std::make_unique<Fixture>();
    f->unit = services::make_ephemeral_tsa_unit("bench", key).value();
    tsp::IssuerPolicy pol;
    pol.policy = asn1::Oid::from_string("2.25.272170470712307402315457925049217395412").value();
    f->issuer = std::make_unique<tsp::TimestampIssuer>(pol, nullptr);
    if (use_template && !f->issuer->prepare(f->unit).ok()) std::abort();
    tsp::TimeStampRequest q;
    auto alg = key == crypto::KeyType::sm2 ? cms::DigestAlgorithm::sm3 : cms::DigestAlgorithm::sha256;
    q.imprint = {alg, Bytes(32, 0x42)};
    q.nonce = Bytes{0x12, 0x34, 0x56, 0x78, 0x11, 0x22, 0x33, 0x44};
    f->request = tsp::encode_request(q).value();
  }
  return *f;
}

void issue(benchmark::State& state, crypto::KeyType key, bool use_template) {
  Fixture& f = fixture(key, use_template);
  for (auto _ : state) {
    auto r = f.issuer->respond(f.unit, f.request, unix_millis());
    if (!r.granted) state.SkipWithError("refused");
    benchmark::DoNotOptimize(r.response.data());
  }
  state.counters["tokens/s"] = benchmark::Counter(static_cast<double>(state.iterations()), benchmark::Counter::kIsRate);
}

void sign_only(benchmark::State& state, crypto::KeyType key) {
  Fixture& f = fixture(key, true);
  Bytes tbs(200, 0x31);
  for (auto _ : state) {
    auto s = f.unit.sign(tbs);
    benchmark::DoNotOptimize(s);
  }
  state.counters["sigs/s"] = benchmark::Counter(static_cast<double>(state.iterations()), benchmark::Counter::kIsRate);
}

BENCHMARK_CAPTURE(issue, sm2_template, crypto::KeyType::sm2, true)->UseRealTime()->ThreadRange(1, 2);
BENCHMARK_CAPTURE(issue, sm2_generic, crypto::KeyType::sm2, false)->UseRealTime();
BENCHMARK_CAPTURE(sign_only, sm2, crypto::KeyType::sm2)->UseRealTime();
BENCHMARK_CAPTURE(issue, ecdsa_template, crypto::KeyType::ecdsa_p256, true)->UseRealTime()->ThreadRange(1, 2);
BENCHMARK_CAPTURE(issue, ecdsa_generic, crypto::KeyType::ecdsa_p256, false)->UseRealTime();
BENCHMARK_CAPTURE(sign_only, ecdsa, crypto::KeyType::ecdsa_p256)->UseRealTime();
BENCHMARK_CAPTURE(issue, rsa_template, crypto::KeyType::rsa2048, true)->UseRealTime();
BENCHMARK_CAPTURE(issue, rsa_generic, crypto::KeyType::rsa2048, false)->UseRealTime();

}  // namespace

BENCHMARK_MAIN();
