// prepare(): the appended revision. Object bodies are built as text here; only unchanged parts of existing
// dictionaries come from qpdf's unparse (which keeps indirect references as "N G R").
#include <openssl/rand.h>

#include <algorithm>
#include <cstdio>
#include <ctime>
#include <map>

#include <qpdf/QPDF.hh>
#include <qpdf/QPDFExc.hh>
#include <qpdf/QPDFObjectHandle.hh>

#include "pdf/output_file.h"
#include "pdf/prepare_internal.h"
#include "pdf/signature.h"

namespace medsign::pdf {

std::string text_string(std::string_view s) {
  bool ascii = std::all_of(s.begin(), s.end(), [](char c) { return c >= 0x20 && c < 0x7f; });
  if (ascii) {
    std::string out = "(";
    for (char c : s) {
      if (c == '(' || c == ')' || c == '\\') out.push_back('\\');
      out.push_back(c);
    }
    return out + ")";
  }
  std::string utf16 = QPDFObjectHandle::newUnicodeString(std::string(s)).getStringValue();
  return "<" + hex_encode(as_bytes(utf16)) + ">";
}

std::string pdf_date(std::int64_t ms) {
  std::time_t t = static_cast<std::time_t>(ms / 1000);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[40];
  std::strftime(buf, sizeof buf, "D:%Y%m%d%H%M%S+00'00'", &tm);
  return buf;
}

namespace {

// Width of each ByteRange number in the placeholder (enough for files up to 10^12 bytes).
constexpr int kRangeDigits = 12;
const std::string kRangePlaceholder = "[0 " + std::string(kRangeDigits, '0') + " " + std::string(kRangeDigits, '0') +
                                      " " + std::string(kRangeDigits, '0') + "]";

std::string ref(int num, int gen = 0) { return std::to_string(num) + " " + std::to_string(gen) + " R"; }

// The dictionary `d` unparsed with `replace` keys substituted (and added when missing); empty values drop a key.
std::string dict_with(QPDFObjectHandle d, const std::map<std::string, std::string>& replace) {
  std::string out = "<<";
  for (auto& key : d.getKeys()) {
    if (replace.count(key)) continue;
    out.append(" ").append(QPDFObjectHandle::newName(key).unparse()).append(" ").append(d.getKey(key).unparse());
  }
  for (auto& [key, value] : replace) {
    if (value.empty()) continue;
    out.append(" ").append(key).append(" ").append(value);
  }
  return out + " >>";
}

// An array unparsed with extra items.
std::string array_with(QPDFObjectHandle a, const std::vector<std::string>& extra) {
  std::string out = "[";
  if (a.isArray())
    for (auto& item : a.getArrayAsVector()) out.append(item.unparse()).append(" ");
  for (auto& e : extra) out.append(e).append(" ");
  if (out.back() == ' ') out.pop_back();
  return out + "]";
}

struct Revision {
  std::map<int, std::pair<int, std::string>> objects;  // number → (generation, body)
  void put(int num, int gen, std::string body) { objects[num] = {gen, std::move(body)}; }
};

std::string unique_field_name(const Document& doc) {
  for (int i = 1;; ++i) {
    std::string n = "Signature" + std::to_string(doc.signature_count() + i);
    if (std::find(doc.field_names().begin(), doc.field_names().end(), n) == doc.field_names().end()) return n;
  }
}

Status check_permissions(const Document& doc, const PrepareOptions& o) {
  if (doc.certification() && doc.certification()->permission == 1)
    return Error(Errc::pdf_changes_forbidden, "the document is certified with DocMDP P=1 (no changes allowed)");
  if (o.info.docmdp != 0 && (doc.certification() || doc.signature_count() > 0))
    return Error(Errc::pdf_changes_forbidden, "a certification signature must be the document's first signature");
  if (o.info.docmdp < 0 || o.info.docmdp > 3) return Error(Errc::invalid_argument, "DocMDP permission must be 0..3");
  return {};
}

// Builds every object of the new revision. Returns the numbers in use; `sig_object` is the signature dictionary.
Status build_revision(const Document& doc, const PrepareOptions& o, const std::vector<WidgetPlace>& widgets,
                      const std::string& field_name, Revision& rev, int& next, int& sig_object) {
  QPDF& q = doc.qpdf();
  QPDFObjectHandle root = q.getRoot();
  const double w = o.seal ? mm_to_points(o.seal->width_mm) : 0, h = o.seal ? mm_to_points(o.seal->height_mm) : 0;

  // Seal picture and one form per rotation in use.
  std::map<int, int> form_for_rotation;
  if (o.seal) {
    int image = next++, smask = next++;
    MEDSIGN_ASSIGN(ImageObjects img, make_image_objects(o.seal->png, smask));
    rev.put(image, 0, std::move(img.image));
    rev.put(smask, 0, std::move(img.smask));
    for (auto& wp : widgets) {
      if (form_for_rotation.count(wp.rotate)) continue;
      int form = next++;
      rev.put(form, 0, make_form_object(w, h, image, wp.rotate));
      form_for_rotation[wp.rotate] = form;
    }
  }

  sig_object = next++;
  std::string sig = "<< /Type /Sig /Filter /Adobe.PPKLite /SubFilter /ETSI.CAdES.detached /Contents <";
  sig.append(o.contents_bytes * 2, '0').append("> /ByteRange ").append(kRangePlaceholder);
  sig.append(" /M ").append(text_string(pdf_date(o.info.time_ms)));
  if (!o.info.name.empty()) sig.append(" /Name ").append(text_string(o.info.name));
  if (!o.info.reason.empty()) sig.append(" /Reason ").append(text_string(o.info.reason));
  if (!o.info.location.empty()) sig.append(" /Location ").append(text_string(o.info.location));
  if (!o.info.contact_info.empty()) sig.append(" /ContactInfo ").append(text_string(o.info.contact_info));
  if (o.info.docmdp)
    sig.append(" /Reference [<< /Type /SigRef /TransformMethod /DocMDP /TransformParams << /Type /TransformParams /P ")
        .append(std::to_string(o.info.docmdp))
        .append(" /V /1.2 >> >>]");
  sig.append(" >>");
  rev.put(sig_object, 0, std::move(sig));

  // The field merged with its widget at the first place. Further places (every occurrence of a keyword) show
  // the same seal as locked stamp annotations of the signed revision: viewers (poppler among them) treat each
  // widget of a multi-widget signature field as a signature of its own.
  int field = next++;
  std::vector<int> widget_objects;
  auto annotation_body = [&](const WidgetPlace& wp, bool widget) {
    const PageInfo& pg = doc.pages()[static_cast<std::size_t>(wp.page_index)];
    std::string b = "<< ";
    if (widget) {
      b.append("/FT /Sig /T ").append(text_string(field_name)).append(" /V ").append(ref(sig_object));
      b.append(" /Type /Annot /Subtype /Widget");
    } else {
      b.append("/Type /Annot /Subtype /Stamp /Name /").append("MedSignSeal /Contents ").append(text_string(field_name));
    }
    b.append(" /F 132 /P ").append(ref(pg.object, pg.generation));
    if (o.seal) {
      b.append(" /Rect [").append(num(wp.rect.llx)).append(" ").append(num(wp.rect.lly)).append(" ");
      b.append(num(wp.rect.urx)).append(" ").append(num(wp.rect.ury)).append("]");
      b.append(" /AP << /N ").append(ref(form_for_rotation[wp.rotate])).append(" >>");
    } else {
      b.append(" /Rect [0 0 0 0]");
    }
    return b + " >>";
  };
  std::vector<WidgetPlace> places = widgets;
  if (!o.seal) places = {WidgetPlace{0, {}, 0}};
  for (std::size_t i = 0; i < places.size(); ++i) {
    int num_obj = i == 0 ? field : next++;
    rev.put(num_obj, 0, annotation_body(places[i], i == 0));
    widget_objects.push_back(num_obj);
  }

  // Pages get the widgets in /Annots (an indirect /Annots array is updated where it is).
  std::map<int, std::vector<std::string>> annots_for_page;
  for (std::size_t i = 0; i < places.size(); ++i) annots_for_page[places[i].page_index].push_back(ref(widget_objects[i]));
  auto all_pages = q.getAllPages();
  for (auto& [index, refs] : annots_for_page) {
    QPDFObjectHandle page = all_pages.at(static_cast<std::size_t>(index));
    QPDFObjectHandle annots = page.getKey("/Annots");
    const PageInfo& pg = doc.pages()[static_cast<std::size_t>(index)];
    if (annots.isIndirect() && annots.isArray()) {
      auto og = annots.getObjGen();
      rev.put(og.getObj(), og.getGen(), array_with(annots, refs));
    } else {
      rev.put(pg.object, pg.generation, dict_with(page, {{"/Annots", array_with(annots, refs)}}));
    }
  }

  // AcroForm (/Fields gets the field, /SigFlags 3) and, for a certification, /Perms in the catalog.
  QPDFObjectHandle acro = root.getKey("/AcroForm");
  std::map<std::string, std::string> root_changes;
  if (acro.isDictionary()) {
    QPDFObjectHandle fields = acro.getKey("/Fields");
    std::map<std::string, std::string> acro_changes{{"/SigFlags", "3"}};
    if (fields.isIndirect() && fields.isArray()) {
      auto og = fields.getObjGen();
      rev.put(og.getObj(), og.getGen(), array_with(fields, {ref(field)}));
    } else {
      acro_changes["/Fields"] = array_with(fields, {ref(field)});
    }
    std::string body = dict_with(acro, acro_changes);
    if (acro.isIndirect()) rev.put(acro.getObjGen().getObj(), acro.getObjGen().getGen(), body);
    else root_changes["/AcroForm"] = body;
  } else {
    root_changes["/AcroForm"] = "<< /Fields [" + ref(field) + "] /SigFlags 3 >>";
  }
  if (o.info.docmdp) {
    QPDFObjectHandle perms = root.getKey("/Perms");
    std::string body = perms.isDictionary() ? dict_with(perms, {{"/DocMDP", ref(sig_object)}})
                                            : "<< /DocMDP " + ref(sig_object) + " >>";
    root_changes["/Perms"] = body;
  }
  if (!root_changes.empty()) {
    auto og = root.getObjGen();
    rev.put(og.getObj(), og.getGen(), dict_with(root, root_changes));
  }
  return {};
}

// The new cross-reference section (same kind as the original's last one) and trailer.
std::string xref_section(const Document& doc, const std::map<int, std::pair<int, std::uint64_t>>& offsets, int size,
                         std::uint64_t xref_offset, int xref_stream_object) {
  QPDFObjectHandle trailer = doc.qpdf().getTrailer();
  std::string id_orig;
  QPDFObjectHandle id = trailer.getKey("/ID");
  unsigned char fresh[16];
  RAND_bytes(fresh, sizeof fresh);
  std::string id_new = "<" + hex_encode(ByteView(fresh, sizeof fresh)) + ">";
  if (id.isArray() && id.getArrayNItems() >= 1 && id.getArrayItem(0).isString())
    id_orig = "<" + hex_encode(as_bytes(id.getArrayItem(0).getStringValue())) + ">";
  else id_orig = id_new;
  std::string common = "/Size " + std::to_string(size) + " /Root " + trailer.getKey("/Root").unparse();
  if (trailer.hasKey("/Info")) common.append(" /Info ").append(trailer.getKey("/Info").unparse());
  common.append(" /ID [").append(id_orig).append(" ").append(id_new).append("] /Prev ");
  common.append(std::to_string(doc.xref().startxref));

  // Subsections of consecutive numbers.
  std::vector<std::pair<int, int>> runs;  // (first, count)
  for (auto& [num, v] : offsets) {
    if (!runs.empty() && runs.back().first + runs.back().second == num) ++runs.back().second;
    else runs.push_back({num, 1});
  }
  std::string out;
  if (doc.xref().kind == XrefKind::table) {
    out = "xref\n";
    for (auto& [first, count] : runs) {
      out.append(std::to_string(first)).append(" ").append(std::to_string(count)).append("\n");
      for (int n = first; n < first + count; ++n) {
        char line[32];
        std::snprintf(line, sizeof line, "%010llu %05d n\r\n", static_cast<unsigned long long>(offsets.at(n).second),
                      offsets.at(n).first);
        out.append(line);
      }
    }
    out.append("trailer\n<< ").append(common).append(" >>\n");
  } else {
    std::string data;
    for (auto& [first, count] : runs)
      for (int n = first; n < first + count; ++n) {
        std::uint64_t off = offsets.at(n).second;
        data.push_back('\x01');
        for (int b = 4; b >= 0; --b) data.push_back(static_cast<char>((off >> (8 * b)) & 0xff));
        int gen = offsets.at(n).first;
        data.push_back(static_cast<char>((gen >> 8) & 0xff));
        data.push_back(static_cast<char>(gen & 0xff));
      }
    std::string index;
    for (auto& [first, count] : runs) index.append(std::to_string(first)).append(" ").append(std::to_string(count)).append(" ");
    index.pop_back();
    out = std::to_string(xref_stream_object) + " 0 obj\n<< /Type /XRef /W [1 5 2] /Index [" + index + "] " + common +
          " /Length " + std::to_string(data.size()) + " >>\nstream\n" + data + "\nendstream\nendobj\n";
  }
  out.append("startxref\n").append(std::to_string(xref_offset)).append("\n%%EOF\n");
  return out;
}

// Writes the final /ByteRange over the placeholder (numbers padded with spaces to the same width).
Status patch_byte_range(OutputFile& f, std::uint64_t at, const std::array<std::uint64_t, 4>& r) {
  std::string range = "[0 ";
  for (std::size_t i = 1; i <= 3; ++i) {
    std::string n = std::to_string(r[i]);
    n.resize(kRangeDigits, ' ');
    range.append(n).append(i < 3 ? " " : "]");
  }
  return f.patch(at, range);
}

}  // namespace

Result<Prepared> prepare_into(OutputFile& f, const std::filesystem::path& in, const PrepareOptions& o) {
  MEDSIGN_ASSIGN(Document doc, Document::open(in));
  MEDSIGN_TRY(check_permissions(doc, o));
  if (o.contents_bytes < 1024 || o.contents_bytes > (1u << 20))
    return Error(Errc::invalid_argument, "the signature placeholder must hold 1 KiB to 1 MiB");
  Prepared p;
  p.algorithm = o.digest;
  p.contents_bytes = o.contents_bytes;
  p.pages = static_cast<int>(doc.pages().size());
  if (o.seal) {
    MEDSIGN_ASSIGN(p.widgets, resolve_placement(doc, o.placement, mm_to_points(o.seal->width_mm),
                                                mm_to_points(o.seal->height_mm)));
  }
  p.field_name = unique_field_name(doc);
  Revision rev;
  int next = doc.next_object_number(), sig_object = 0;
  PrepareOptions opts = o;
  if (opts.info.time_ms == 0) opts.info.time_ms = static_cast<std::int64_t>(std::time(nullptr)) * 1000;
  try {
    MEDSIGN_TRY(build_revision(doc, opts, p.widgets, p.field_name, rev, next, sig_object));
  } catch (const std::exception& e) {
    return Error(Errc::pdf_malformed, std::string("PDF: ") + e.what());
  }

  MEDSIGN_TRY(f.append_file(in, doc.file_size()));
  // The original's last byte may not be an end of line; one more byte keeps our first object on its own line.
  MEDSIGN_TRY(f.append("\n"));
  std::map<int, std::pair<int, std::uint64_t>> offsets;
  for (auto& [num, v] : rev.objects) {
    offsets[num] = {v.first, f.size()};
    std::string head = std::to_string(num) + " " + std::to_string(v.first) + " obj\n";
    if (num == sig_object) {
      // "<< /Type /Sig ... /Contents <": the placeholder starts right after.
      std::size_t lt = v.second.find("/Contents <") + 10;
      p.byte_range[1] = f.size() + head.size() + lt;
      p.byte_range[2] = p.byte_range[1] + o.contents_bytes * 2 + 2;
    }
    MEDSIGN_TRY(f.append(head));
    MEDSIGN_TRY(f.append(v.second));
    MEDSIGN_TRY(f.append("\nendobj\n"));
  }
  int size = std::max(next, doc.next_object_number());
  int xref_obj = 0;
  if (doc.xref().kind == XrefKind::stream) {
    xref_obj = size++;
    offsets[xref_obj] = {0, f.size()};
  }
  MEDSIGN_TRY(f.append(xref_section(doc, offsets, size, f.size(), xref_obj)));
  p.byte_range[3] = f.size() - p.byte_range[2];
  // After the placeholder's ">" come " /ByteRange " (12 bytes) and the range.
  MEDSIGN_TRY(patch_byte_range(f, p.byte_range[2] + 12, p.byte_range));
  MEDSIGN_ASSIGN(p.digest, digest_ranges(p.algorithm, p.byte_range, [&](std::uint64_t off, std::uint64_t len, auto sink) {
    return f.read_range(off, len, sink);
  }));
  return p;
}

}  // namespace medsign::pdf
