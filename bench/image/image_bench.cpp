// Seal picture rendering and scan cleanup: what a console preview or a batch costs.
//   bench_image --benchmark_filter=Round   (40 mm official seal at 300/600 dpi, encoded to PNG)
//   bench_image --benchmark_filter=Clean   (2000x1000 signature scan: background, Sauvola, components, crop)
#include <benchmark/benchmark.h>

#include "image/cleanup.h"
#include "image/codec.h"
#include "image/seal_render.h"
#include "synthetic.h"

namespace {
using namespace medsign::image;

void BM_RoundSealRenderAndEncode(benchmark::State& st) {
  SealOptions o;
  o.name = "北京市朝阳区第一人民医院";
  o.text = "电子病历专用章";
  o.code = "91110105MA01ABCD2X";
  o.dpi = static_cast<int>(st.range(0));
  for (auto _ : st) {
    auto pic = render_seal(o);
    auto png = encode_png(pic.value().raster, o.dpi);
    benchmark::DoNotOptimize(png.value().data());
  }
}
BENCHMARK(BM_RoundSealRenderAndEncode)->Arg(300)->Arg(600)->Unit(benchmark::kMillisecond);

void BM_CleanSignatureScan2000x1000(benchmark::State& st) {
  auto scan = test::make_signature_scan(2000, 1000, 200);
  for (auto _ : st) {
    auto r = clean_scan(scan.scan);
    benchmark::DoNotOptimize(r.value().image.rgba.data());
  }
  st.SetItemsProcessed(st.iterations() * 2000 * 1000);
}
BENCHMARK(BM_CleanSignatureScan2000x1000)->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
