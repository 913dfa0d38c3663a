// PDF stamping: a 1-page and a 100-page scanned-like PDF (each page a noisy ~100 KB image, drawn with cairo)
// signed with a visible seal, PAdES B-B and B-T (in-process TSA), RSA and SM2. The file is streamed: peak RSS
// is reported as a counter and does not grow with the document.
#include <sys/resource.h>

#include <benchmark/benchmark.h>

#include "common/clock.h"
#include "pdf_test_support.h"
#include "services/tsa.h"
#include "tsp/timestamp_issuer.h"

namespace medsign::pdf {
namespace {
using namespace medsign::pdf::testing;

struct Fixture {
  Workdir dir;
  tsp::TimestampUnit unit;
  std::unique_ptr<tsp::TimestampIssuer> issuer;
  TimestampFunction ts;
  PadesSigner signer;
  PrepareOptions options;
};

Fixture& fixture(int pages, crypto::KeyType key) {
  static std::map<std::pair<int, int>, std::unique_ptr<Fixture>> cache;
  auto& f = cache[{pages, static_cast<int>(key)}];
  if (!f) {
    f = std::make_unique<Fixture>();
    make_cairo_pdf(f->dir / "in.pdf", pages, 100);
    f->unit = services::make_ephemeral_tsa_unit("bench", key).value();
    tsp::IssuerPolicy pol;
    pol.policy = asn1::Oid::from_string("2.25.272170470712307402315457925049217395412").value();
    f->issuer = std::make_unique<tsp::TimestampIssuer>(pol, nullptr);
    Fixture* raw = f.get();
    f->ts = [raw](ByteView req) -> Result<Bytes> { return raw->issuer->respond(raw->unit, req, unix_millis()).token; };
    f->signer = PadesSigner{f->unit.certificate, f->unit.chain, f->unit.sign};
    f->options.seal = SealImage{red_seal_png(), 40, 40};
    f->options.placement.x = 380;
    f->options.placement.y = 60;
    f->options.digest = pades_digest(f->signer.certificate);
    f->options.contents_bytes = placeholder_size(f->signer, true);
  }
  return *f;
}

void stamp(benchmark::State& state, crypto::KeyType key, bool timestamp) {
  Fixture& f = fixture(static_cast<int>(state.range(0)), key);
  for (auto _ : state) {
    auto r = sign_file(f.dir / "in.pdf", f.dir / "out.pdf", f.options, [&](const Prepared& p) {
      return make_pades_cms(f.signer, p.digest, timestamp ? &f.ts : nullptr);
    });
    if (!r) state.SkipWithError(r.error().detail.c_str());
  }
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  state.counters["docs/s"] = benchmark::Counter(static_cast<double>(state.iterations()), benchmark::Counter::kIsRate);
  state.counters["input_MB"] = static_cast<double>(fs::file_size(f.dir / "in.pdf")) / 1e6;
  state.counters["peak_RSS_MB"] = ru.ru_maxrss / 1024.0;
}

BENCHMARK_CAPTURE(stamp, rsa_bb, crypto::KeyType::rsa2048, false)->Arg(1)->Arg(100)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK_CAPTURE(stamp, rsa_bt, crypto::KeyType::rsa2048, true)->Arg(1)->Arg(100)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK_CAPTURE(stamp, sm2_bt, crypto::KeyType::sm2, true)->Arg(1)->Arg(100)->Unit(benchmark::kMillisecond)->UseRealTime();

}  // namespace
}  // namespace medsign::pdf

BENCHMARK_MAIN();
