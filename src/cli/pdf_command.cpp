// `medsign pdf sign|prepare|embed|sign-digest` (docs/PDF.md, docs/CLI.md): PAdES signing of PDF files with a
// seal of the data directory (`--seal`), or with a key of the key store and a picture (`--key --image`);
// distributed stamping in three steps (prepare locally, sign the digest, embed the CMS).
#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <fstream>
#include <iostream>
#include <random>

#include <cairo/cairo-pdf.h>
#include <cairo/cairo.h>

#include <nlohmann/json.hpp>

#include "cli/commands.h"
#include "common/clock.h"
#include "image/codec.h"
#include "sdk/tsp/transport.h"
#include "services/pdf_service.h"
#include "services/platform.h"
#include "services/tsa.h"
#include "tsp/timestamp_issuer.h"
#include "tsp/timestamp.h"
#ifdef MEDSIGN_HAVE_SEAL_SERVICE
#include "services/seal_service.h"
#endif

namespace medsign::cli {
namespace {

struct PdfArgs {
  std::string data = "./var";
  std::string in, out, seal, key, image, keyword, occurrence = "first", certify, tsa_unit, tsa_url, reason, location;
  std::string cms_file, digest_b64, alg = "sha256";
  int page = 1;
  std::optional<double> x, y, vx, vy;
  double dx = 0, dy = 0, width_mm = 0, height_mm = 0;
  bool timestamp = false, invisible = false, ses = false;
  std::size_t placeholder = 0;
};
PdfArgs g;

Result<Bytes> read_all(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  if (!f) return Error(Errc::io_error, std::string("cannot read ").append(path));
  std::string s((std::istreambuf_iterator<char>(f)), {});
  return Bytes(s.begin(), s.end());
}

Result<pdf::Placement> placement() {
  pdf::Placement p;
  p.page = g.page;
  if (!g.keyword.empty()) {
    p.mode = pdf::PlacementMode::keyword;
    p.keyword = g.keyword;
    p.dx = g.dx;
    p.dy = g.dy;
    if (g.occurrence == "first") p.occurrence = pdf::Occurrence::first;
    else if (g.occurrence == "last") p.occurrence = pdf::Occurrence::last;
    else if (g.occurrence == "all") p.occurrence = pdf::Occurrence::all;
    else return Error(Errc::invalid_argument, "--occurrence must be first, last or all");
    return p;
  }
  if (g.vx || g.vy) {
    p.mode = pdf::PlacementMode::viewer;
    p.x = g.vx.value_or(0);
    p.y = g.vy.value_or(0);
    return p;
  }
  p.x = g.x.value_or(36);
  p.y = g.y.value_or(36);
  return p;
}

// The timestamp source: --tsa-url over HTTP/TCP, or a unit of the data directory's TSA (--tsa UNIT).
Result<pdf::TimestampFunction> timestamp_source(services::Platform* p, std::unique_ptr<services::TsaService>& tsa) {
  if (!g.tsa_url.empty()) {
    std::string url = g.tsa_url;
    return pdf::TimestampFunction([url](ByteView req) -> Result<Bytes> {
      MEDSIGN_ASSIGN(Bytes resp, sdk::exchange(url, req));
      MEDSIGN_ASSIGN(tsp::TimeStampResponse r, tsp::parse_response(resp));
      if (!r.token) return Error(Errc::unavailable, "the TSA refused the request");
      return *r.token;
    });
  }
  if (!g.timestamp) return pdf::TimestampFunction{};
  if (!p) return Error(Errc::invalid_argument, "--tsa needs the data directory (or use --tsa-url)");
  MEDSIGN_ASSIGN(tsa, services::TsaService::open(p->cfg.tsa, p->keys, *p->db, nullptr));
  std::string unit = g.tsa_unit == "default" ? std::string() : g.tsa_unit;
  services::TsaService* t = tsa.get();
  return pdf::TimestampFunction([t, unit](ByteView req) -> Result<Bytes> {
    MEDSIGN_ASSIGN(tsp::IssueResult r, t->issue(unit, req, "cli"));
    if (!r.granted) return Error(Errc::unavailable, "the TSA refused the request");
    return r.token;
  });
}

Result<services::SealMaterial> seal_material(services::Platform& p) {
  if (!g.key.empty()) {
    if (g.image.empty() && !g.invisible) return Error(Errc::missing_field, "--key needs --image PNG (or --invisible)");
    Bytes png;
    if (!g.image.empty()) {
      MEDSIGN_ASSIGN(png, read_all(g.image));
    }
    return services::material_from_key(p.keys, g.key, std::move(png), g.width_mm > 0 ? g.width_mm : 40,
                                       g.height_mm > 0 ? g.height_mm : 40);
  }
#ifdef MEDSIGN_HAVE_SEAL_SERVICE
  if (!g.seal.empty()) {
    MEDSIGN_ASSIGN(auto seals, services::SealService::open(p.keys, *p.db, p.audit.get()));
    services::Actor actor{"cli", services::Role::operator_, "cli"};
    MEDSIGN_ASSIGN(services::SealMaterial m, seals->for_signing(g.seal, actor, unix_millis()));
    if (g.width_mm > 0) m.width_mm = g.width_mm;
    if (g.height_mm > 0) m.height_mm = g.height_mm;
    return m;
  }
#endif
  return Error(Errc::missing_field, "give --seal SEAL_ID or --key NAME --image PNG");
}

int sign_command() {
  auto p = services::Platform::open(g.data);
  if (!p) return report(p.error());
  auto seal = seal_material(**p);
  if (!seal) return report(seal.error());
  std::unique_ptr<services::TsaService> tsa;
  auto ts = timestamp_source(p->get(), tsa);
  if (!ts) return report(ts.error());
  services::PdfSignOptions o;
  auto pl = placement();
  if (!pl) return report(pl.error());
  o.placement = *pl;
  o.timestamp = g.timestamp || !g.tsa_url.empty();
  o.visible = !g.invisible;
  o.reason = g.reason;
  o.location = g.location;
  o.placeholder_bytes = g.placeholder;
  o.ses = g.ses;
  if (!g.certify.empty()) {
    auto c = services::parse_certify(g.certify);
    if (!c) return report(c.error());
    o.certify = *c;
  }
  services::PdfService svc((*p)->keys, (*p)->audit.get(), *ts);
  auto r = svc.sign(*seal, g.in, g.out, o, {"cli", "cli", "cli"});
  if (!r) return report(r.error());
  std::cout << "signed " << g.out << " (" << r->prepared.field_name << ", " << (o.timestamp ? "PAdES B-T" : "PAdES B-B");
  for (auto& w : r->prepared.widgets) std::cout << ", page " << w.page_index + 1 << " at [" << pdf::num(w.rect.llx) << " "
                                                << pdf::num(w.rect.lly) << " " << pdf::num(w.rect.urx) << " "
                                                << pdf::num(w.rect.ury) << "]";
  std::cout << ")\n";
  return kExitOk;
}

Result<cms::DigestAlgorithm> digest_alg() {
  if (g.alg == "sm3") return cms::DigestAlgorithm::sm3;
  if (g.alg == "sha256") return cms::DigestAlgorithm::sha256;
  return Error(Errc::invalid_argument, "--alg must be sm3 or sha256");
}

int prepare_command() {
  auto alg = digest_alg();
  if (!alg) return report(alg.error());
  pdf::PrepareOptions o;
  o.digest = *alg;
  if (!g.image.empty()) {
    auto png = read_all(g.image);
    if (!png) return report(png.error());
    o.seal = pdf::SealImage{*png, g.width_mm > 0 ? g.width_mm : 40, g.height_mm > 0 ? g.height_mm : 40};
  }
  auto pl = placement();
  if (!pl) return report(pl.error());
  o.placement = *pl;
  o.info.reason = g.reason;
  o.info.location = g.location;
  if (!g.certify.empty()) {
    auto c = services::parse_certify(g.certify);
    if (!c) return report(c.error());
    o.info.docmdp = static_cast<int>(*c);
  }
  if (g.placeholder) o.contents_bytes = g.placeholder;
  auto r = pdf::prepare(g.in, g.out, o);
  if (!r) return report(r.error());
  nlohmann::json j{{"prepared", g.out},
                   {"byte_range", r->byte_range},
                   {"alg", g.alg},
                   {"digest", base64_encode(r->digest)},
                   {"placeholder_bytes", r->contents_bytes}};
  std::cout << j.dump() << "\n";
  return kExitOk;
}

int embed_command() {
  auto cms_der = read_all(g.cms_file);
  if (!cms_der) return report(cms_der.error());
  auto st = pdf::embed(g.in, *cms_der, g.out);
  if (!st) return report(st.error());
  std::cout << "embedded into " << g.out << "\n";
  return kExitOk;
}

int sign_digest_command() {
  auto p = services::Platform::open(g.data);
  if (!p) return report(p.error());
  auto seal = seal_material(**p);
  if (!seal) return report(seal.error());
  auto digest = base64_decode(g.digest_b64);
  if (!digest) return report(digest.error());
  std::unique_ptr<services::TsaService> tsa;
  auto ts = timestamp_source(p->get(), tsa);
  if (!ts) return report(ts.error());
  services::PdfService svc((*p)->keys, (*p)->audit.get(), *ts);
  auto der = svc.sign_digest(*seal, *digest, g.timestamp || !g.tsa_url.empty(), {"cli", "cli", "cli"});
  if (!der) return report(der.error());
  auto st = crypto::write_file_atomic(g.out, *der, 0644);
  if (!st) return report(st.error());
  std::cout << "CMS (" << der->size() << " bytes) written to " << g.out << "\n";
  return kExitOk;
}

void placement_options(CLI::App* c) {
  c->add_option("--page", g.page, "Page (1-based); with --keyword, 0 searches every page")->capture_default_str();
  c->add_option("--x", g.x, "Seal's lower-left corner, points from the page's lower-left");
  c->add_option("--y", g.y, "Seal's lower-left corner, points from the page's lower-left");
  c->add_option("--viewer-x", g.vx, "Seal's top-left corner as picked in a viewer: points from the displayed page's left");
  c->add_option("--viewer-y", g.vy, "Seal's top-left corner as picked in a viewer: points from the displayed page's top");
  c->add_option("--keyword", g.keyword, "Place the seal centred on this text");
  c->add_option("--occurrence", g.occurrence, "first, last or all occurrences of the keyword")->capture_default_str();
  c->add_option("--dx", g.dx, "Keyword: move the seal right by this many points");
  c->add_option("--dy", g.dy, "Keyword: move the seal up by this many points");
  c->add_option("--width-mm", g.width_mm, "Seal width in mm (default: the seal's)");
  c->add_option("--height-mm", g.height_mm, "Seal height in mm (default: the seal's)");
  c->add_option("--reason", g.reason, "/Reason of the signature");
  c->add_option("--location", g.location, "/Location of the signature");
  c->add_option("--certify", g.certify, "Certification signature: none, no-changes, form-fill or annotations");
  c->add_option("--placeholder", g.placeholder, "Bytes reserved for the CMS (default: computed)");
}

void signer_options(CLI::App* c) {
  c->add_option("--data", g.data, "Data directory")->capture_default_str()->envname("MEDSIGN_DATA");
  c->add_option("--seal", g.seal, "Seal ID (esID) of the data directory");
  c->add_option("--key", g.key, "Key of the key store (instead of --seal), e.g. sm2-sign");
  c->add_option("--image", g.image, "Seal picture (PNG) with --key");
  c->add_option("--tsa", g.tsa_unit, "Add a timestamp (PAdES B-T) from this TSA unit of the data directory ('default')")
      ->each([](const std::string&) { g.timestamp = true; });
  c->add_option("--tsa-url", g.tsa_url, "Add a timestamp from this TSA (http://HOST:PORT/tsa or tcp://HOST:PORT)");
}

// `medsign bench pdf`: a generated scanned-like PDF (each page a noisy image of about 120 KB) stamped with a
// visible seal (and a timestamp with --tsa) by an ephemeral RSA or SM2 key and an in-process TSA.
struct BenchArgs {
  int pages = 1, iterations = 0;
  bool tsa = false;
  std::string alg = "rsa";
};
BenchArgs gb;

void make_scanned_pdf(const std::string& path, int pages) {
  cairo_surface_t* s = cairo_pdf_surface_create(path.c_str(), 595, 842);
  cairo_t* cr = cairo_create(s);
  std::mt19937 rng(11);
  const int side = 200;
  for (int p = 0; p < pages; ++p) {
    cairo_surface_t* img = cairo_image_surface_create(CAIRO_FORMAT_RGB24, side, side);
    unsigned char* data = cairo_image_surface_get_data(img);
    int stride = cairo_image_surface_get_stride(img);
    for (int y = 0; y < side; ++y)
      for (int x = 0; x < side * 4; ++x) data[y * stride + x] = static_cast<unsigned char>(160 + rng() % 96);
    cairo_surface_mark_dirty(img);
    cairo_save(cr);
    cairo_scale(cr, 595.0 / side, 842.0 / side);
    cairo_set_source_surface(cr, img, 0, 0);
    cairo_paint(cr);
    cairo_restore(cr);
    cairo_surface_destroy(img);
    cairo_set_source_rgb(cr, 0, 0, 0);
    cairo_set_font_size(cr, 14);
    cairo_move_to(cr, 72, 100);
    cairo_show_text(cr, "Scanned record - signature:");
    cairo_show_page(cr);
  }
  cairo_destroy(cr);
  cairo_surface_destroy(s);
}

Bytes ring_png() {
  image::Raster r(472, 472);
  for (int y = 0; y < r.height; ++y)
    for (int x = 0; x < r.width; ++x) {
      double d = std::hypot(x - 235.5, y - 235.5);
      if (d > 234 || d < 205) continue;
      auto* px = r.at(x, y);
      px[0] = 220, px[1] = 20, px[2] = 20, px[3] = 255;
    }
  return image::encode_png(r, 300).value();
}

int bench_pdf_command() {
  namespace fs = std::filesystem;
  fs::path dir = fs::temp_directory_path() / ("medsign-bench-pdf-" + std::to_string(std::random_device{}()));
  fs::create_directories(dir);
  make_scanned_pdf((dir / "in.pdf").string(), gb.pages);
  auto unit = services::make_ephemeral_tsa_unit("bench", gb.alg == "sm2" ? crypto::KeyType::sm2 : crypto::KeyType::rsa2048);
  if (!unit) return report(unit.error());
  tsp::IssuerPolicy pol;
  pol.policy = asn1::Oid::from_string("2.25.272170470712307402315457925049217395412").value();
  auto issuer = std::make_shared<tsp::TimestampIssuer>(pol, nullptr);
  pdf::PadesSigner signer{unit->certificate, unit->chain, unit->sign};
  const tsp::TimestampUnit* u = &*unit;
  pdf::TimestampFunction ts = [issuer, u](ByteView req) -> Result<Bytes> {
    auto r = issuer->respond(*u, req, unix_millis());
    if (!r.granted) return Error(Errc::unavailable, "the TSA refused the request");
    return r.token;
  };
  pdf::PrepareOptions o;
  o.seal = pdf::SealImage{ring_png(), 40, 40};
  o.placement.x = 380;
  o.placement.y = 60;
  o.digest = pdf::pades_digest(signer.certificate);
  o.contents_bytes = pdf::placeholder_size(signer, gb.tsa);
  int n = gb.iterations > 0 ? gb.iterations : (gb.pages > 10 ? 10 : 50);
  std::vector<double> ms;
  for (int i = 0; i < n; ++i) {
    auto t0 = std::chrono::steady_clock::now();
    auto r = pdf::sign_file(dir / "in.pdf", dir / "out.pdf", o,
                            [&](const pdf::Prepared& p) { return pdf::make_pades_cms(signer, p.digest, gb.tsa ? &ts : nullptr); });
    if (!r) {
      fs::remove_all(dir);
      return report(r.error());
    }
    ms.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count());
  }
  double total = 0;
  for (double m : ms) total += m;
  std::sort(ms.begin(), ms.end());
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  auto in_size = fs::file_size(dir / "in.pdf"), out_size = fs::file_size(dir / "out.pdf");
  nlohmann::json j{{"pages", gb.pages},
                   {"alg", gb.alg},
                   {"timestamp", gb.tsa},
                   {"input_bytes", in_size},
                   {"output_bytes", out_size},
                   {"iterations", n},
                   {"p50_ms", ms[ms.size() / 2]},
                   {"p99_ms", ms[std::min(ms.size() - 1, ms.size() * 99 / 100)]},
                   {"docs_per_s", 1000.0 * n / total},
                   {"peak_rss_mb", ru.ru_maxrss / 1024.0}};
  std::cout << j.dump() << "\n";
  fs::remove_all(dir);
  return kExitOk;
}

}  // namespace

void add_pdf_commands(CLI::App& app) {
  auto* pdf = app.add_subcommand("pdf", "PDF documents: sign with seals (PAdES), distributed stamping, verify");
  pdf->require_subcommand(1);

  auto* sign = pdf->add_subcommand("sign", "Sign a PDF with a visible seal (incremental update, PAdES B-B or B-T)");
  sign->add_option("--in", g.in, "PDF to sign")->required();
  sign->add_option("--out", g.out, "Signed PDF (may equal --in: replaced atomically)")->required();
  signer_options(sign);
  placement_options(sign);
  sign->add_flag("--invisible", g.invisible, "No seal picture on the page");
  sign->add_flag("--ses", g.ses, "Also carry a GB/T 38540 SES_Signature in the CMS (SM2 seals of the data directory)");
  sign->callback([] { set_exit_code(sign_command()); });

  auto* prep = pdf->add_subcommand("prepare", "Distributed stamping, step 1: append the signature revision with an "
                                              "empty placeholder and print the ByteRange digest (JSON)");
  prep->add_option("--in", g.in, "PDF to sign")->required();
  prep->add_option("--out", g.out, "Prepared PDF")->required();
  prep->add_option("--image", g.image, "Seal picture (PNG); none: invisible");
  prep->add_option("--alg", g.alg, "Digest: sm3 (SM2 seals) or sha256")->capture_default_str();
  placement_options(prep);
  prep->callback([] { set_exit_code(prepare_command()); });

  auto* sd = pdf->add_subcommand("sign-digest", "Distributed stamping, step 2 (offline): the CMS for a digest");
  signer_options(sd);
  sd->add_option("--digest", g.digest_b64, "ByteRange digest, Base64")->required();
  sd->add_option("--out", g.out, "CMS (DER)")->required();
  sd->callback([] { set_exit_code(sign_digest_command()); });

  auto* emb = pdf->add_subcommand("embed", "Distributed stamping, step 3: put the CMS into the prepared PDF");
  emb->add_option("--in", g.in, "Prepared PDF")->required();
  emb->add_option("--cms", g.cms_file, "CMS signature (DER)")->required();
  emb->add_option("--out", g.out, "Signed PDF")->required();
  emb->callback([] { set_exit_code(embed_command()); });
  auto benches = app.get_subcommands([](CLI::App* a) { return a->get_name() == "bench"; });
  CLI::App* bench_group = benches.empty() ? app.add_subcommand("bench", "Load generators") : benches.front();
  auto* bp = bench_group->add_subcommand("pdf", "Stamp a generated scanned-like PDF: p50 latency, documents/s, peak RSS");
  bp->add_option("--pages", gb.pages, "Pages (each a ~120 KB noisy image)")->capture_default_str()->check(CLI::Range(1, 1000));
  bp->add_option("--iterations", gb.iterations, "Signings (default 50, or 10 above 10 pages)");
  bp->add_option("--alg", gb.alg, "rsa or sm2")->capture_default_str()->check(CLI::IsMember({"rsa", "sm2"}));
  bp->add_flag("--tsa", gb.tsa, "Add a timestamp (PAdES B-T) from an in-process TSA");
  bp->callback([] { set_exit_code(bench_pdf_command()); });

  // `medsign pdf verify` joins this group through add_pdf_verify_commands (register_commands).
}

}  // namespace medsign::cli
