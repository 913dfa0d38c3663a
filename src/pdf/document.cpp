#include "pdf/document.h"

#include <cmath>
#include <fstream>

#include <qpdf/QPDF.hh>
#include <qpdf/QPDFExc.hh>
#include <qpdf/QPDFPageDocumentHelper.hh>
#include <qpdf/QPDFPageObjectHelper.hh>

namespace medsign::pdf {
namespace {

Result<Bytes> read_at(std::ifstream& in, std::uint64_t offset, std::size_t n) {
  Bytes b(n);
  in.seekg(static_cast<std::streamoff>(offset));
  in.read(reinterpret_cast<char*>(b.data()), static_cast<std::streamsize>(n));
  if (in.gcount() < 0) return Error(Errc::io_error, "PDF: read failed");
  b.resize(static_cast<std::size_t>(in.gcount()));
  in.clear();
  return b;
}

Box box_of(QPDFObjectHandle a) {
  Box b;
  if (!a.isArray() || a.getArrayNItems() != 4) return b;
  double v[4];
  for (int i = 0; i < 4; ++i) {
    auto x = a.getArrayItem(i);
    if (!x.isNumber()) return b;
    v[i] = x.getNumericValue();
  }
  b.llx = std::min(v[0], v[2]);
  b.urx = std::max(v[0], v[2]);
  b.lly = std::min(v[1], v[3]);
  b.ury = std::max(v[1], v[3]);
  return b;
}

// Walks the field tree (depth- and count-limited) collecting names and counting signed signature fields.
void walk_fields(QPDFObjectHandle fields, std::vector<std::string>& names, int& signatures, int depth) {
  if (!fields.isArray() || depth > 16) return;
  int n = std::min(fields.getArrayNItems(), 10000);
  for (int i = 0; i < n; ++i) {
    auto f = fields.getArrayItem(i);
    if (!f.isDictionary()) continue;
    if (f.getKey("/T").isString()) names.push_back(f.getKey("/T").getUTF8Value());
    if (f.getKey("/FT").isNameAndEquals("/Sig") && f.getKey("/V").isDictionary()) ++signatures;
    walk_fields(f.getKey("/Kids"), names, signatures, depth + 1);
  }
}

}  // namespace

Document::Document(Document&&) noexcept = default;
Document& Document::operator=(Document&&) noexcept = default;
Document::~Document() = default;

Result<Document> Document::open(const std::filesystem::path& path) {
  Document d;
  d.path_ = path;
  std::error_code ec;
  d.file_size_ = std::filesystem::file_size(path, ec);
  if (ec) return Error(Errc::io_error, "PDF: cannot read " + path.string() + ": " + ec.message());
  std::ifstream in(path, std::ios::binary);
  if (!in) return Error(Errc::io_error, "PDF: cannot open " + path.string());
  std::uint64_t tail_len = std::min<std::uint64_t>(d.file_size_, 2048);
  MEDSIGN_ASSIGN(Bytes head, read_at(in, 0, 1024));
  if (std::string_view(reinterpret_cast<const char*>(head.data()), head.size()).find("%PDF-") == std::string_view::npos)
    return Error(Errc::pdf_malformed, "PDF: no %PDF- header (not a PDF file)");
  MEDSIGN_ASSIGN(Bytes tail, read_at(in, d.file_size_ - tail_len, tail_len));
  MEDSIGN_ASSIGN(d.xref_.startxref, find_startxref(tail));
  if (d.xref_.startxref >= d.file_size_) return Error(Errc::pdf_malformed, "PDF: startxref points past the end of the file");
  MEDSIGN_ASSIGN(Bytes at, read_at(in, d.xref_.startxref, 32));
  MEDSIGN_ASSIGN(d.xref_.kind, xref_kind_at(at));

  d.qpdf_ = std::make_unique<QPDF>();
  QPDF& q = *d.qpdf_;
  try {
    q.setSuppressWarnings(true);
    // Repairs hide damage we would then continue: an appended revision must chain onto valid xref data.
    q.setAttemptRecovery(false);
    q.processFile(path.string().c_str());
    if (q.isEncrypted()) return Error(Errc::pdf_encrypted, "encrypted PDF: signing encrypted documents is not supported");
    QPDFObjectHandle trailer = q.getTrailer();
    if (!trailer.getKey("/Size").isInteger()) return Error(Errc::pdf_malformed, "PDF: the trailer has no /Size");
    long long size = trailer.getKey("/Size").getIntValue();
    if (size < 1 || size > 8'000'000) return Error(Errc::pdf_malformed, "PDF: the trailer's /Size is out of range");
    d.size_ = static_cast<int>(size);
    QPDFObjectHandle root = q.getRoot();
    QPDFPageDocumentHelper pdh(q);
    for (auto& page : pdh.getAllPages()) {
      PageInfo p;
      auto og = page.getObjectHandle().getObjGen();
      p.object = og.getObj();
      p.generation = og.getGen();
      p.crop = box_of(page.getCropBox(false));
      if (p.crop.width() <= 0 || p.crop.height() <= 0) p.crop = box_of(page.getMediaBox());
      if (p.crop.width() <= 0 || p.crop.height() <= 0) return Error(Errc::pdf_malformed, "PDF: a page has no usable MediaBox");
      auto rot = page.getAttribute("/Rotate", false);
      if (rot.isInteger()) p.rotate = static_cast<int>(((rot.getIntValue() % 360) + 360) % 360);
      if (p.rotate % 90) p.rotate = 0;
      d.pages_.push_back(p);
    }
    if (d.pages_.empty()) return Error(Errc::pdf_malformed, "PDF: the document has no pages");
    QPDFObjectHandle acro = root.getKey("/AcroForm");
    if (acro.isDictionary()) walk_fields(acro.getKey("/Fields"), d.field_names_, d.signature_count_, 0);
    QPDFObjectHandle docmdp = root.getKey("/Perms").isDictionary() ? root.getKey("/Perms").getKey("/DocMDP")
                                                                   : QPDFObjectHandle::newNull();
    if (docmdp.isDictionary()) {
      Certification c;
      auto refs = docmdp.getKey("/Reference");
      if (refs.isArray()) {
        for (int i = 0; i < std::min(refs.getArrayNItems(), 16); ++i) {
          auto r = refs.getArrayItem(i);
          if (!r.isDictionary() || !r.getKey("/TransformMethod").isNameAndEquals("/DocMDP")) continue;
          auto p = r.getKey("/TransformParams");
          if (p.isDictionary() && p.getKey("/P").isInteger()) c.permission = static_cast<int>(p.getKey("/P").getIntValue());
        }
      }
      if (c.permission < 1 || c.permission > 3) c.permission = 2;
      d.certification_ = c;
    }
  } catch (const QPDFExc& e) {
    if (e.getErrorCode() == qpdf_e_password)
      return Error(Errc::pdf_encrypted, "encrypted PDF: signing encrypted documents is not supported");
    return Error(Errc::pdf_malformed, std::string("PDF: ") + e.getMessageDetail());
  } catch (const std::exception& e) {
    return Error(Errc::pdf_malformed, std::string("PDF: ") + e.what());
  }
  return d;
}

}  // namespace medsign::pdf
