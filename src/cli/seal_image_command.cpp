// `medsign seal image round|oval|square|name|clean|batch`: seal pictures and cleaned signature/stamp images,
// offline (no data directory needed). The `seal` group itself is created by register_commands; seal
// objects add their own subcommands to it.
#include <iostream>

#include "cli/commands.h"
#include "crypto/soft/keystore.h"
#include "image/batch.h"
#include "image/cleanup.h"
#include "image/codec.h"
#include "image/seal_render.h"

namespace medsign::cli {
namespace {

struct SealImageArgs {
  image::SealOptions seal;
  double size = 0;
  bool no_star = false, rect = false;
  std::string out, in, csv, zip;
  image::CleanOptions clean;
  std::string mode = "ink";
  bool no_crop = false;
};
SealImageArgs g;

int write_png(const image::SealPicture& p) {
  auto png = image::encode_png(p.raster, p.dpi);
  if (!png) return report(png.error());
  auto st = crypto::write_file_atomic(g.out, *png, 0644);
  if (!st) return report(st.error());
  std::cout << g.out << ": " << p.raster.width << "x" << p.raster.height << " px, " << p.width_mm << "x"
            << p.height_mm << " mm at " << p.dpi << " dpi\n";
  return kExitOk;
}

void render(image::SealKind kind) {
  image::SealOptions o = g.seal;
  o.kind = kind;
  if (kind == image::SealKind::name && g.rect) o.kind = image::SealKind::name_rect;
  if (g.size > 0) o.width_mm = g.size;
  if (g.no_star) o.star = false;
  auto pic = image::render_seal(o);
  if (!pic) return set_exit_code(report(pic.error()));
  set_exit_code(write_png(*pic));
}

void add_look_options(CLI::App* c, bool arc, bool sized) {
  c->add_option("--name", g.seal.name, arc ? "Organisation name along the upper arc" : "The characters of the seal")
      ->required();
  if (arc) {
    c->add_option("--text", g.seal.text, "Horizontal text, e.g. 合同专用章");
    c->add_option("--code", g.seal.code, "Code along the lower arc, e.g. the unified social credit code");
    c->add_option("--angle", g.seal.text_angle_deg, "Degrees the name spreads over (0 = automatic)");
    c->add_flag("--no-star", g.no_star, "Leave out the five-pointed star");
  }
  if (sized) {
    c->add_option("--width", g.seal.width_mm, "Width in mm");
    c->add_option("--height", g.seal.height_mm, "Height in mm");
  } else {
    c->add_option("--size", g.size, "Size (diameter or side) in mm; default by kind");
  }
  c->add_option("--dpi", g.seal.dpi, "Resolution (300 or more for print)")->capture_default_str();
  c->add_option("--ring", g.seal.ring_width_mm, "Ring or border width in mm (0 = default)");
  c->add_option("--font", g.seal.font, "fontconfig pattern of the seal face")->capture_default_str();
  c->add_option("--colour,--color", g.seal.colour, "Ink colour #RRGGBB")->capture_default_str();
  c->add_option("--spacing", g.seal.char_spacing, "Spacing factor for the horizontal text and the code");
  c->add_flag("--worn", g.seal.worn, "Add a light worn-ink texture");
  c->add_option("--out", g.out, "PNG file to write")->required();
}

}  // namespace

void add_seal_image_commands(CLI::App* seal) {
  seal->require_subcommand(1);
  auto* img = seal->add_subcommand("image", "Seal pictures and cleanup of scanned signatures and stamps");
  img->require_subcommand(1);

  auto* round = img->add_subcommand("round", "Round official seal: name on the arc, star, text, code");
  add_look_options(round, true, false);
  round->callback([] { render(image::SealKind::round); });

  auto* oval = img->add_subcommand("oval", "Oval seal (e.g. finance) with an inner thin ring");
  add_look_options(oval, true, true);
  oval->callback([] { render(image::SealKind::oval); });

  auto* square = img->add_subcommand("square", "Square seal: 2-4 characters in columns, right to left");
  add_look_options(square, false, false);
  square->callback([] { render(image::SealKind::square); });

  auto* name = img->add_subcommand("name", "Personal name seal: square (2-4 characters) or --rect (one line)");
  add_look_options(name, false, false);
  name->add_flag("--rect", g.rect, "Rectangular one-line seal");
  name->callback([] { render(image::SealKind::name); });

  auto* clean = img->add_subcommand("clean", "Clean a photo or scan of a signature or stamp into a transparent PNG");
  clean->add_option("input", g.in, "PNG or JPEG file")->required();
  clean->add_option("--out", g.out, "PNG file to write")->required();
  clean->add_option("--mode", g.mode, "ink (handwriting) or stamp (red seal)")->capture_default_str();
  clean->add_option("--colour,--color", g.clean.colour, "black, blue, red or #RRGGBB (default by mode)");
  clean->add_option("--window", g.clean.window, "Sauvola window in pixels (0 = automatic)");
  clean->add_option("--k", g.clean.k, "Sauvola sensitivity")->capture_default_str();
  clean->add_option("--min-speck", g.clean.min_speck_px, "Remove ink components smaller than this (0 = automatic)");
  clean->add_option("--margin", g.clean.margin_px, "Margin around the content in pixels (-1 = automatic)");
  clean->add_flag("--no-crop", g.no_crop, "Keep the full image size");
  clean->callback([] {
    auto mode = image::parse_clean_mode(g.mode);
    if (!mode) return set_exit_code(report(Error(Errc::invalid_argument, "--mode must be ink or stamp")));
    g.clean.mode = *mode;
    g.clean.crop = !g.no_crop;
    auto data = crypto::read_file(g.in);
    if (!data) return set_exit_code(report(data.error()));
    auto img = image::decode_image(*data);
    if (!img) return set_exit_code(report(img.error()));
    auto r = image::clean_scan(*img, g.clean);
    if (!r) return set_exit_code(report(r.error()));
    auto png = image::encode_png(r->image);
    if (!png) return set_exit_code(report(png.error()));
    auto st = crypto::write_file_atomic(g.out, *png, 0644);
    if (!st) return set_exit_code(report(st.error()));
    std::cout << g.out << ": " << r->image.width << "x" << r->image.height << " px, " << r->components
              << " ink components kept, " << r->specks_removed << " specks removed\n";
  });

  auto* batch = img->add_subcommand("batch", "Many seals from a CSV, or a ZIP of scans cleaned, into a ZIP");
  auto* csv_opt = batch->add_option("--csv", g.csv, "CSV: name,type,text,code,width_mm,height_mm,dpi,colour,ring_mm,angle,file");
  batch->add_option("--zip", g.zip, "ZIP of PNG/JPEG scans to clean")->excludes(csv_opt);
  batch->add_option("--out", g.out, "ZIP file to write")->required();
  batch->add_option("--dpi", g.seal.dpi, "Default resolution for rows without one")->capture_default_str();
  batch->add_option("--mode", g.mode, "Cleanup mode for --zip: ink or stamp")->capture_default_str();
  batch->add_option("--colour,--color", g.clean.colour, "Cleanup colour for --zip");
  batch->callback([] {
    Result<image::BatchResult> r = Error(Errc::invalid_argument, "give --csv or --zip");
    if (!g.csv.empty()) {
      auto text = crypto::read_file(g.csv);
      if (!text) return set_exit_code(report(text.error()));
      r = image::render_seal_batch(as_chars(*text), g.seal);
    } else if (!g.zip.empty()) {
      auto mode = image::parse_clean_mode(g.mode);
      if (!mode) return set_exit_code(report(Error(Errc::invalid_argument, "--mode must be ink or stamp")));
      g.clean.mode = *mode;
      auto data = crypto::read_file(g.zip);
      if (!data) return set_exit_code(report(data.error()));
      r = image::clean_zip_batch(*data, g.clean);
    }
    if (!r) return set_exit_code(report(r.error()));
    auto st = crypto::write_file_atomic(g.out, r->zip, 0644);
    if (!st) return set_exit_code(report(st.error()));
    std::cout << g.out << ": " << r->ok << " done, " << r->failed << " failed (see report.csv inside)\n";
    if (r->failed > 0 && r->ok == 0) set_exit_code(kExitFailed);
  });
}

}  // namespace medsign::cli
