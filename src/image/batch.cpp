#include "image/batch.h"

#include <algorithm>
#include <charconv>
#include <cstdio>

#include <zip.h>

namespace medsign::image {
namespace {

Error zip_err(const std::string& what, zip_error_t* ze) {
  return Error(Errc::archive_malformed, what + ": " + zip_error_strerror(ze));
}

Result<double> number(const std::string& s, const char* col, double lo, double hi) {
  double v = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || p != s.data() + s.size() || v < lo || v > hi)
    return Error(Errc::invalid_argument, std::string(col) + ": '" + s + "' is not a number in " + std::to_string(lo) +
                                             ".." + std::to_string(hi));
  return v;
}

// A file name safe in any archive tool: no path separators, control characters or leading dots.
std::string safe_name(const std::string& s) {
  std::string out;
  for (unsigned char ch : s) {
    if (ch < 0x20 || ch == '/' || ch == '\\' || ch == ':' || ch == '*' || ch == '?' || ch == '"' || ch == '<' ||
        ch == '>' || ch == '|')
      out += '_';
    else
      out += static_cast<char>(ch);
  }
  while (!out.empty() && out[0] == '.') out.erase(0, 1);
  if (out.size() > 120) {  // cut at a UTF-8 character boundary
    std::size_t n = 120;
    while (n > 0 && (static_cast<unsigned char>(out[n]) & 0xC0) == 0x80) --n;
    out.resize(n);
  }
  return out.empty() ? "seal" : out;
}

std::string csv_quote(const std::string& s) {
  std::string out = "\"";
  for (char ch : s) {
    if (ch == '"') out += '"';
    out += ch;
  }
  return out + "\"";
}

}  // namespace

Result<std::vector<ZipEntry>> read_zip(ByteView data, const ZipLimits& lim) {
  if (data.size() > lim.max_zip_bytes) return Error(Errc::archive_malformed, "the archive exceeds the size limit");
  if (data.empty()) return Error(Errc::archive_malformed, "the archive is empty");
  zip_error_t ze;
  zip_error_init(&ze);
  zip_source_t* src = zip_source_buffer_create(data.data(), data.size(), 0, &ze);
  if (!src) {
    auto e = zip_err("ZIP", &ze);
    zip_error_fini(&ze);
    return e;
  }
  zip_t* za = zip_open_from_source(src, ZIP_RDONLY | ZIP_CHECKCONS, &ze);
  if (!za) {
    zip_source_free(src);
    auto e = zip_err("not a readable ZIP archive", &ze);
    zip_error_fini(&ze);
    return e;
  }
  zip_error_fini(&ze);
  std::vector<ZipEntry> out;
  std::size_t total = 0;
  zip_int64_t n = zip_get_num_entries(za, 0);
  Status st;
  for (zip_int64_t i = 0; i < n && st; ++i) {
    zip_stat_t sb;
    if (zip_stat_index(za, static_cast<zip_uint64_t>(i), 0, &sb) != 0 || !(sb.valid & ZIP_STAT_NAME)) {
      st = Error(Errc::archive_malformed, "entry " + std::to_string(i) + " cannot be read");
      break;
    }
    std::string name = sb.name;
    if (name.empty() || name.back() == '/') continue;
    if (name[0] == '/' || name.find("..") != std::string::npos || name.find('\\') != std::string::npos) {
      st = Error(Errc::archive_malformed, "entry name '" + name + "' is absolute or climbs out of the archive");
      break;
    }
    if ((sb.valid & ZIP_STAT_ENCRYPTION_METHOD) && sb.encryption_method != ZIP_EM_NONE) {
      st = Error(Errc::archive_malformed, "entry '" + name + "' is encrypted");
      break;
    }
    if (out.size() >= lim.max_entries) {
      st = Error(Errc::archive_malformed, "more than " + std::to_string(lim.max_entries) + " entries");
      break;
    }
    zip_file_t* f = zip_fopen_index(za, static_cast<zip_uint64_t>(i), 0);
    if (!f) {
      st = Error(Errc::archive_malformed, "entry '" + name + "': " + zip_strerror(za));
      break;
    }
    ZipEntry e{name, {}};
    std::uint8_t buf[65536];
    for (;;) {
      zip_int64_t got = zip_fread(f, buf, sizeof buf);
      if (got < 0) {
        st = Error(Errc::archive_malformed, "entry '" + name + "' is damaged: " + zip_file_strerror(f));
        break;
      }
      if (got == 0) break;
      e.data.insert(e.data.end(), buf, buf + got);
      total += static_cast<std::size_t>(got);
      if (e.data.size() > lim.max_entry_bytes || total > lim.max_total_bytes) {
        st = Error(Errc::archive_malformed, "entry '" + name + "' inflates beyond the size limit");
        break;
      }
    }
    zip_fclose(f);
    if (st) out.push_back(std::move(e));
  }
  zip_discard(za);
  if (!st) return st.error();
  return out;
}

Result<Bytes> write_zip(const std::vector<ZipEntry>& entries) {
  zip_error_t ze;
  zip_error_init(&ze);
  zip_source_t* buf = zip_source_buffer_create(nullptr, 0, 0, &ze);
  if (!buf) return Error(Errc::internal, "libzip: cannot create a buffer");
  zip_t* za = zip_open_from_source(buf, ZIP_TRUNCATE, &ze);
  zip_error_fini(&ze);
  if (!za) {
    zip_source_free(buf);
    return Error(Errc::internal, "libzip: cannot open the output archive");
  }
  zip_source_keep(buf);
  for (auto& e : entries) {
    zip_source_t* s = zip_source_buffer(za, e.data.data(), e.data.size(), 0);
    zip_int64_t idx = s ? zip_file_add(za, e.name.c_str(), s, ZIP_FL_ENC_UTF_8 | ZIP_FL_OVERWRITE) : -1;
    if (idx < 0) {
      if (s) zip_source_free(s);
      zip_discard(za);
      zip_source_free(buf);
      return Error(Errc::internal, "libzip: cannot add " + e.name);
    }
    zip_file_set_mtime(za, static_cast<zip_uint64_t>(idx), 1704067200, 0);  // 2024-01-01: reproducible output
    zip_set_file_compression(za, static_cast<zip_uint64_t>(idx), ZIP_CM_DEFLATE, 6);
  }
  if (zip_close(za) != 0) {
    std::string msg = zip_strerror(za);
    zip_discard(za);
    zip_source_free(buf);
    return Error(Errc::internal, "libzip: " + msg);
  }
  Bytes out;
  zip_stat_t st;
  if (zip_source_stat(buf, &st) == 0 && zip_source_open(buf) == 0) {
    out.resize(static_cast<std::size_t>(st.size));
    zip_int64_t got = zip_source_read(buf, out.data(), out.size());
    zip_source_close(buf);
    if (got < 0 || static_cast<std::size_t>(got) != out.size()) out.clear();
  }
  zip_source_free(buf);
  if (out.empty()) return Error(Errc::internal, "libzip: cannot read the written archive");
  return out;
}

Result<SealOptions> seal_options_from_row(const CsvTable& t, const CsvRow& row, const SealOptions& defaults) {
  SealOptions o = defaults;
  o.name = t.field(row, "name");
  o.text = t.field(row, "text");
  o.code = t.field(row, "code");
  if (auto& type = t.field(row, "type"); !type.empty()) {
    auto k = parse_seal_kind(type);
    if (!k) return Error(Errc::invalid_argument, "type: '" + type + "' is not round, oval, square, name or name-rect");
    o.kind = *k;
  }
  if (auto& v = t.field(row, "width_mm"); !v.empty()) {
    MEDSIGN_ASSIGN(o.width_mm, number(v, "width_mm", 5, 120));
  }
  if (auto& v = t.field(row, "height_mm"); !v.empty()) {
    MEDSIGN_ASSIGN(o.height_mm, number(v, "height_mm", 5, 120));
  }
  if (auto& v = t.field(row, "ring_mm"); !v.empty()) {
    MEDSIGN_ASSIGN(o.ring_width_mm, number(v, "ring_mm", 0.1, 20));
  }
  if (auto& v = t.field(row, "angle"); !v.empty()) {
    MEDSIGN_ASSIGN(o.text_angle_deg, number(v, "angle", 0, 300));
  }
  if (auto& v = t.field(row, "dpi"); !v.empty()) {
    MEDSIGN_ASSIGN(double d, number(v, "dpi", 72, 1200));
    o.dpi = static_cast<int>(d);
  }
  if (auto& v = t.field(row, "colour"); !v.empty()) o.colour = v;
  return o;
}

Result<BatchResult> render_seal_batch(std::string_view csv, const SealOptions& defaults) {
  MEDSIGN_ASSIGN(CsvTable t, parse_csv_table(csv));
  if (!t.has_column("name")) return Error(Errc::csv_malformed, "line 1: the header has no 'name' column");
  if (t.rows.empty()) return Error(Errc::csv_malformed, "no seal rows after the header");
  std::vector<ZipEntry> files;
  std::string report = "row,file,status,detail\n";
  BatchResult r;
  for (std::size_t i = 0; i < t.rows.size(); ++i) {
    auto& row = t.rows[i];
    char num[32];
    std::snprintf(num, sizeof num, "%03zu", i + 1);
    std::string file = t.field(row, "file");
    file = file.empty() ? std::string(num) + "-" + safe_name(t.field(row, "name")) + ".png" : safe_name(file);
    if (!file.ends_with(".png")) file += ".png";
    auto opts = seal_options_from_row(t, row, defaults);
    auto pic = opts ? render_seal(*opts) : Result<SealPicture>(opts.error());
    auto png = pic ? encode_png(pic->raster, pic->dpi) : Result<Bytes>(pic.error());
    if (png) {
      files.push_back({file, std::move(*png)});
      ++r.ok;
      report += std::to_string(i + 1) + "," + csv_quote(file) + ",ok,\n";
    } else {
      ++r.failed;
      report += std::to_string(i + 1) + "," + csv_quote(file) + ",error," + csv_quote(png.error().to_string()) + "\n";
    }
  }
  files.push_back({"report.csv", to_bytes(report)});
  MEDSIGN_ASSIGN(r.zip, write_zip(files));
  return r;
}

Result<BatchResult> clean_zip_batch(ByteView zip, const CleanOptions& opts, const DecodeLimits& image_limits,
                                    const ZipLimits& zip_limits) {
  MEDSIGN_ASSIGN(auto entries, read_zip(zip, zip_limits));
  std::vector<ZipEntry> files;
  std::string report = "file,output,status,detail\n";
  BatchResult r;
  for (auto& e : entries) {
    std::string stem = e.name.substr(e.name.find_last_of('/') + 1);
    if (auto dot = stem.find_last_of('.'); dot != std::string::npos && dot > 0) stem.resize(dot);
    std::string out = safe_name(stem) + ".png";
    for (int k = 2; std::any_of(files.begin(), files.end(), [&](const ZipEntry& f) { return f.name == out; }); ++k)
      out = safe_name(stem) + "-" + std::to_string(k) + ".png";
    auto img = decode_image(e.data, image_limits);
    auto cleaned = img ? clean_scan(*img, opts) : Result<CleanResult>(img.error());
    auto png = cleaned ? encode_png(cleaned->image) : Result<Bytes>(cleaned.error());
    if (png) {
      files.push_back({out, std::move(*png)});
      ++r.ok;
      report += csv_quote(e.name) + "," + csv_quote(out) + ",ok,\n";
    } else {
      ++r.failed;
      report += csv_quote(e.name) + ",,error," + csv_quote(png.error().to_string()) + "\n";
    }
  }
  files.push_back({"report.csv", to_bytes(report)});
  MEDSIGN_ASSIGN(r.zip, write_zip(files));
  return r;
}

}  // namespace medsign::image
