// Shared by the PDF writer tests: inputs from real producers (Ghostscript, cairo, qpdf), signers from keys
// made with the openssl CLI, a red seal picture, and the external checkers (pdfsig, qpdf --check, pdftoppm).
#pragma once

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>

#include <cairo/cairo-pdf.h>
#include <cairo/cairo.h>

#include "crypto/soft/evp_key.h"
#include "image/codec.h"
#include "pdf/pades.h"
#include "pdf/signature.h"

namespace medsign::pdf::testing {
namespace fs = std::filesystem;

class Workdir {
 public:
  Workdir() {
    dir_ = fs::temp_directory_path() / ("medsign-pdf-" + std::to_string(std::random_device{}()));
    fs::create_directories(dir_);
  }
  ~Workdir() { fs::remove_all(dir_); }
  fs::path operator/(const std::string& name) const { return dir_ / name; }
  const fs::path& path() const { return dir_; }
  // Runs a shell command in the directory; returns its exit status, output in `out` when given.
  int run(const std::string& cmd, std::string* out = nullptr) const {
    std::string full = "cd ";
    full.append(dir_.string()).append(" && ").append(cmd).append(" > .out 2>&1");
    int rc = std::system(full.c_str());
    if (out) *out = read(".out");
    return WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
  }
  std::string read(const std::string& name) const {
    std::ifstream in(dir_ / name, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), {});
  }
  void write(const std::string& name, std::string_view data) const {
    std::ofstream(dir_ / name, std::ios::binary).write(data.data(), static_cast<std::streamsize>(data.size()));
  }

 private:
  fs::path dir_;
};

// A two-page PDF by Ghostscript from PostScript; page 1 carries "Doctor signature:" near the bottom.
inline void make_gs_pdf(const Workdir& w, const std::string& name) {
  w.write(name + ".ps",
          "%!PS\n/Helvetica findfont 14 scalefont setfont\n72 720 moveto (Discharge summary) show\n"
          "72 200 moveto (Doctor signature:) show\n showpage\n72 720 moveto (Page two) show\nshowpage\n");
  w.run("gs -q -dNOPAUSE -dBATCH -sDEVICE=pdfwrite -sOutputFile=" + name + " " + name + ".ps");
}

// A PDF drawn with cairo: `pages` A4 pages with a line of text; when `noise_kb` > 0, each page also carries a
// noisy image of about that many kilobytes (a scanned-like page).
inline void make_cairo_pdf(const fs::path& path, int pages, int noise_kb = 0) {
  cairo_surface_t* s = cairo_pdf_surface_create(path.c_str(), 595, 842);
  cairo_t* cr = cairo_create(s);
  std::mt19937 rng(7);
  for (int p = 0; p < pages; ++p) {
    if (noise_kb > 0) {
      int side = static_cast<int>(std::sqrt(noise_kb * 1024.0 / 3));
      cairo_surface_t* img = cairo_image_surface_create(CAIRO_FORMAT_RGB24, side, side);
      unsigned char* data = cairo_image_surface_get_data(img);
      int stride = cairo_image_surface_get_stride(img);
      for (int y = 0; y < side; ++y)
        for (int x = 0; x < side * 4; ++x) data[y * stride + x] = static_cast<unsigned char>(200 + rng() % 56);
      cairo_surface_mark_dirty(img);
      cairo_save(cr);
      cairo_scale(cr, 500.0 / side, 700.0 / side);
      cairo_set_source_surface(cr, img, 0, 0);
      cairo_paint(cr);
      cairo_restore(cr);
      cairo_surface_destroy(img);
    }
    cairo_set_source_rgb(cr, 0, 0, 0);
    cairo_select_font_face(cr, "DejaVu Sans", CAIRO_FONT_SLANT_NORMAL, CAIRO_FONT_WEIGHT_NORMAL);
    cairo_set_font_size(cr, 14);
    cairo_move_to(cr, 72, 120);
    cairo_show_text(cr, "Lab report page");
    cairo_move_to(cr, 300, 700);
    cairo_show_text(cr, "Patient signature:");
    cairo_show_page(cr);
  }
  cairo_destroy(cr);
  cairo_surface_destroy(s);
}

// A red ring on transparent background, 300x300 px.
inline Bytes red_seal_png() {
  image::Raster r(300, 300);
  for (int y = 0; y < 300; ++y)
    for (int x = 0; x < 300; ++x) {
      double d = std::hypot(x - 149.5, y - 149.5);
      if (d > 148 || (d < 125 && std::abs(x - 150) > 30)) continue;
      auto* px = r.at(x, y);
      px[0] = 220, px[1] = 20, px[2] = 20, px[3] = 255;
    }
  return image::encode_png(r).value();
}

struct TestSigner {
  PadesSigner signer;
  pki::Certificate cert;
};

// kind: "rsa", "ec" or "sm2"; a self-signed certificate made with the openssl CLI.
inline PadesSigner make_signer(const Workdir& w, const std::string& kind, const std::string& cn) {
  std::string base = kind + "-" + std::to_string(std::random_device{}() % 100000);
  if (kind == "rsa")
    w.run("openssl req -x509 -newkey rsa:2048 -nodes -keyout " + base + ".key -out " + base + ".pem -subj '/CN=" + cn +
          "' -days 30 -addext keyUsage=digitalSignature,nonRepudiation");
  else if (kind == "ec")
    w.run("openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout " + base + ".key -out " +
          base + ".pem -subj '/CN=" + cn + "' -days 30");
  else
    w.run("openssl genpkey -algorithm SM2 -out " + base + ".key && openssl req -x509 -key " + base +
          ".key -sm3 -sigopt distid:1234567812345678 -out " + base + ".pem -subj '/CN=" + cn + "' -days 30");
  auto key = crypto::EvpKey::from_pem(w.read(base + ".key")).value();
  PadesSigner s;
  s.certificate = pki::Certificate::parse(as_bytes(w.read(base + ".pem"))).value();
  s.sign = [key](ByteView tbs) { return key.sign(tbs); };
  return s;
}

inline Result<Prepared> sign_with(const PadesSigner& s, const fs::path& in, const fs::path& out, PrepareOptions o) {
  o.digest = pades_digest(s.certificate);
  o.contents_bytes = placeholder_size(s, false);
  return sign_file(in, out, o, [&](const Prepared& p) { return make_pades_cms(s, p.digest, nullptr); });
}

// Number of "Signature is Valid." lines pdfsig prints, and whether the last one covers the whole file.
struct PdfsigReport {
  int signatures = 0, valid = 0;
  bool last_covers_all = false;
  std::string text;
};
inline PdfsigReport pdfsig(const Workdir& w, const std::string& name) {
  PdfsigReport r;
  w.run("pdfsig -nocert " + name, &r.text);
  std::size_t pos = 0;
  while ((pos = r.text.find("Signature #", pos)) != std::string::npos) ++r.signatures, ++pos;
  pos = 0;
  while ((pos = r.text.find("Signature is Valid.", pos)) != std::string::npos) ++r.valid, ++pos;
  auto last = r.text.rfind("Signature #");
  r.last_covers_all = last != std::string::npos && r.text.find("Total document signed", last) != std::string::npos;
  return r;
}

}  // namespace medsign::pdf::testing
