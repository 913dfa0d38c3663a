// Changes made after a signed revision: the file's objects compared with those of the file truncated at the
// revision's end (both opened with qpdf), classified by what they are, and judged against DocMDP.
#include <exception>
#include <set>

#include <qpdf/Buffer.hh>
#include <qpdf/QPDFExc.hh>

#include "pdf/verify_internal.h"

namespace medsign::pdf::detail {
namespace {

constexpr int kMaxParents = 32;

const std::set<std::string>& annotation_subtypes() {
  static const std::set<std::string> s = {
      "/Text",      "/Link",   "/FreeText", "/Line",      "/Square",   "/Circle",         "/Polygon", "/PolyLine",
      "/Highlight", "/Underline", "/Squiggly", "/StrikeOut", "/Stamp",  "/Caret",          "/Ink",     "/Popup",
      "/FileAttachment", "/Sound", "/Movie", "/Screen", "/PrinterMark", "/TrapNet", "/Watermark", "/3D", "/Redact"};
  return s;
}

std::string name_of(QPDFObjectHandle d, const char* key) {
  if (!d.isDictionary()) return {};
  QPDFObjectHandle v = d.getKey(key);
  return v.isName() ? v.getName() : std::string();
}

// The field type, inherited through /Parent (ISO 32000-1 §12.7.3.1).
std::string field_type(QPDFObjectHandle d) {
  for (int i = 0; i < kMaxParents && d.isDictionary(); ++i) {
    if (d.hasKey("/FT")) return name_of(d, "/FT");
    d = d.getKey("/Parent");
  }
  return {};
}

bool is_signature_dictionary(QPDFObjectHandle d) {
  const std::string type = name_of(d, "/Type");
  if (type == "/Sig" || type == "/DocTimeStamp") return true;
  return d.hasKey("/ByteRange") && d.hasKey("/Contents") && d.hasKey("/Filter");
}

// Keys whose values differ between two dictionaries (present in one only included).
std::set<std::string> differing_keys(QPDFObjectHandle a, QPDFObjectHandle b) {
  std::set<std::string> keys, out;
  for (auto& k : a.getKeys()) keys.insert(k);
  for (auto& k : b.getKeys()) keys.insert(k);
  for (auto& k : keys)
    if (a.getKey(k).unparse() != b.getKey(k).unparse()) out.insert(k);
  return out;
}

bool subset_of(const std::set<std::string>& keys, std::initializer_list<const char*> allowed) {
  for (auto& k : keys) {
    bool ok = false;
    for (const char* a : allowed) ok = ok || k == a;
    if (!ok) return false;
  }
  return true;
}

bool same_object(QPDFObjectHandle a, QPDFObjectHandle b) {
  if (a.isStream() != b.isStream()) return false;
  if (!a.isStream()) return a.unparseResolved() == b.unparseResolved();
  if (a.getDict().unparse() != b.getDict().unparse()) return false;
  try {
    auto da = a.getRawStreamData();
    auto db = b.getRawStreamData();
    return da->getSize() == db->getSize() &&
           std::equal(da->getBuffer(), da->getBuffer() + da->getSize(), db->getBuffer());
  } catch (const std::exception&) {
    return false;
  }
}

// Object numbers with a structural role in the whole file.
struct Roles {
  std::set<QPDFObjGen> info, acroform, lists;  // lists: indirect /Annots and /Fields arrays
};

Roles roles_of(QPDF& q) {
  Roles r;
  QPDFObjectHandle trailer = q.getTrailer();
  if (trailer.getKey("/Info").isIndirect()) r.info.insert(trailer.getKey("/Info").getObjGen());
  QPDFObjectHandle root = q.getRoot();
  QPDFObjectHandle af = root.getKey("/AcroForm");
  if (af.isIndirect()) r.acroform.insert(af.getObjGen());
  if (af.isDictionary() && af.getKey("/Fields").isIndirect()) r.lists.insert(af.getKey("/Fields").getObjGen());
  for (auto& o : q.getAllObjects()) {
    if (name_of(o, "/Type") == "/Page" && o.getKey("/Annots").isIndirect())
      r.lists.insert(o.getKey("/Annots").getObjGen());
  }
  return r;
}

// (category, description) of an object of the later revision; `before` is null for an added object.
std::pair<std::string, std::string> classify(QPDFObjectHandle now, QPDFObjectHandle before, const Roles& roles) {
  const bool added = before.isNull();
  const QPDFObjGen og = now.getObjGen();
  QPDFObjectHandle d = now.isStream() ? now.getDict() : now;
  if (roles.info.count(og)) return {"metadata", "document information dictionary"};
  if (roles.lists.count(og)) return {"structure", "list of annotations or fields"};
  if (d.isDictionary()) {
    const std::string type = name_of(d, "/Type"), subtype = name_of(d, "/Subtype");
    if (is_signature_dictionary(d)) {
      if (type == "/DocTimeStamp" || name_of(d, "/SubFilter") == "/ETSI.RFC3161") return {"signature", "document timestamp"};
      return {"signature", "signature dictionary"};
    }
    if (type == "/DSS" || type == "/VRI") return {"signature", "document security store"};
    if (subtype == "/Widget") {
      if (field_type(d) == "/Sig") return {"signature", "signature field widget"};
      return {"form_field", "form field widget"};
    }
    if (d.hasKey("/FT") || (d.hasKey("/T") && d.hasKey("/Parent"))) {
      if (field_type(d) == "/Sig") return {"signature", "signature field"};
      return {"form_field", "form field"};
    }
    if (type == "/Annot" || annotation_subtypes().count(subtype)) return {"annotation", "annotation " + subtype};
    if (type == "/Metadata") return {"metadata", "XMP metadata"};
    if (!added && type == "/Catalog") {
      auto keys = differing_keys(d, before);
      if (subset_of(keys, {"/AcroForm", "/DSS", "/Extensions"})) return {"structure", "document catalog (forms, DSS)"};
      return {"other", "document catalog"};
    }
    if (!added && type == "/Page") {
      auto keys = differing_keys(d, before);
      if (subset_of(keys, {"/Annots"})) return {"structure", "page annotation list"};
      return {"other", "page content or attributes"};
    }
    if (roles.acroform.count(og)) {
      if (added) return {"structure", "interactive form dictionary"};
      auto keys = differing_keys(d, before);
      if (subset_of(keys, {"/Fields", "/SigFlags", "/DR", "/DA", "/NeedAppearances"}))
        return {"structure", "interactive form dictionary"};
      return {"other", "interactive form dictionary"};
    }
  }
  // An added object changes nothing on its own: only what refers to it does.
  if (added) return {"resource", now.isStream() ? "stream" : "object"};
  return {"other", now.isStream() ? "stream" : "object"};
}

bool skipped(QPDFObjectHandle o) {
  if (!o.isStream()) return false;
  const std::string type = name_of(o.getDict(), "/Type");
  return type == "/XRef" || type == "/ObjStm";
}

}  // namespace

std::string text_of(QPDFObjectHandle o) {
  if (o.isString()) return o.getUTF8Value();
  if (o.isName()) return o.getName();
  return {};
}

Result<std::vector<Change>> changes_since(QPDF& full, ByteView file, std::int64_t boundary) {
  std::vector<Change> out;
  if (boundary <= 0 || boundary >= static_cast<std::int64_t>(file.size())) return out;
  try {
    QPDF prev;
    prev.setSuppressWarnings(true);
    prev.processMemoryFile("signed revision", reinterpret_cast<const char*>(file.data()),
                           static_cast<std::size_t>(boundary));
    const Roles roles = roles_of(full);
    std::set<QPDFObjGen> seen;
    for (auto& now : full.getAllObjects()) {
      const QPDFObjGen og = now.getObjGen();
      seen.insert(og);
      if (skipped(now)) continue;
      QPDFObjectHandle before = prev.getObject(og);
      if (!before.isNull() && same_object(now, before)) continue;
      auto [category, description] = classify(now, before, roles);
      out.push_back({og.getObj(), og.getGen(), before.isNull() ? "added" : "changed", category, description});
    }
    for (auto& old : prev.getAllObjects()) {
      const QPDFObjGen og = old.getObjGen();
      if (seen.count(og) || skipped(old)) continue;
      if (full.getObject(og).isNull() && !old.isNull())
        out.push_back({og.getObj(), og.getGen(), "removed", "other", "object deleted"});
    }
  } catch (const std::exception& e) {
    return Error(Errc::pdf_malformed, std::string("the signed revision cannot be opened: ") + e.what());
  }
  return out;
}

std::vector<std::string> docmdp_violations(int p, const std::vector<Change>& changes) {
  std::vector<std::string> out;
  for (const Change& c : changes) {
    bool allowed = c.category == "structure" || c.category == "resource";
    if (c.category == "signature")
      allowed = p >= 2 || c.description == "document timestamp" || c.description == "document security store" ||
                c.description == "signature field widget" || c.description == "signature field";
    if (c.category == "form_field" || c.category == "metadata") allowed = p >= 2;
    if (c.category == "annotation") allowed = p >= 3;
    if (allowed) continue;
    std::string what = c.kind + " " + c.description + " (object " + std::to_string(c.object) + ")";
    out.push_back(what + " is not allowed by DocMDP permission " + std::to_string(p));
  }
  return out;
}

}  // namespace medsign::pdf::detail
