// Signed PDFs made for the verifier's tests independently of our signer: a hand-written one-page PDF, and
// incremental updates that add a signature field whose /Contents is filled by any CMS producer (the openssl
// CLI over the ByteRange bytes, or a callback), an annotation, or DocMDP certification.
#pragma once

#include <sys/wait.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "common/bytes.h"

namespace medsign::pdf::test {

inline int run(const std::string& cmd, std::string* out = nullptr) {
  std::string full = cmd + " 2>&1";
  FILE* p = popen(full.c_str(), "r");
  if (!p) return -1;
  char buf[4096];
  std::string o;
  while (std::size_t n = fread(buf, 1, sizeof buf, p)) o.append(buf, n);
  int rc = pclose(p);
  if (out) *out = o;
  return WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
}

inline void write_file(const std::filesystem::path& p, const std::string& s) {
  std::ofstream f(p, std::ios::binary);
  f << s;
}
inline std::string read_file(const std::filesystem::path& p) {
  std::ifstream f(p, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(f), {});
}
inline ByteView view(const std::string& s) { return ByteView(reinterpret_cast<const std::uint8_t*>(s.data()), s.size()); }

// A CA and an end-entity certificate made with the openssl CLI ("rsa" or "ec").
struct TestPki {
  std::filesystem::path dir, ca_cert, ca_key, cert, key;
};
inline TestPki make_pki(const std::filesystem::path& dir, const std::string& type, const std::string& cn = "Dr. Test") {
  std::filesystem::create_directories(dir);
  TestPki p{dir, dir / "ca.pem", dir / "ca.key", dir / "cert.pem", dir / "cert.key"};
  const std::string alg = type == "rsa" ? "-newkey rsa:2048" : "-newkey ec -pkeyopt ec_paramgen_curve:P-256";
  const std::string d = dir.string();
  run("openssl req -x509 " + alg + " -nodes -keyout " + p.ca_key.string() + " -out " + p.ca_cert.string() +
      " -days 3650 -subj '/CN=Test Hospital CA' -addext basicConstraints=critical,CA:TRUE"
      " -addext keyUsage=critical,keyCertSign,cRLSign");
  run("openssl req " + alg + " -nodes -keyout " + p.key.string() + " -out " + d + "/cert.csr -subj '/CN=" + cn + "'");
  write_file(dir / "ext.cnf", "keyUsage=critical,digitalSignature,nonRepudiation\nbasicConstraints=CA:FALSE\n");
  run("openssl x509 -req -in " + d + "/cert.csr -CA " + p.ca_cert.string() + " -CAkey " + p.ca_key.string() +
      " -CAcreateserial -days 365 -extfile " + d + "/ext.cnf -out " + p.cert.string());
  return p;
}

// The PDF being built: a one-page document and the state each incremental update rewrites.
struct TestPdf {
  std::string bytes;
  int size = 5;  // next object number
  std::vector<int> annots, fields;
  std::optional<int> docmdp_sig;

  static TestPdf one_page() {
    TestPdf t;
    std::string& s = t.bytes;
    s = "%PDF-1.7\n%\xE2\xE3\xCF\xD3\n";
    std::vector<std::size_t> off(5);
    const std::string content = "BT /F1 24 Tf 72 720 Td (Discharge summary) Tj ET";
    const std::string objs[] = {
        "<< /Type /Catalog /Pages 2 0 R >>",
        "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R /Resources << /Font << /F1 << "
        "/Type /Font /Subtype /Type1 /BaseFont /Helvetica >> >> >> >>",
        "<< /Length " + std::to_string(content.size()) + " >>\nstream\n" + content + "\nendstream"};
    for (int i = 1; i <= 4; ++i) {
      off[i] = s.size();
      s += std::to_string(i) + " 0 obj\n" + objs[i - 1] + "\nendobj\n";
    }
    const std::size_t xref = s.size();
    s += "xref\n0 5\n0000000000 65535 f \n";
    char line[32];
    for (int i = 1; i <= 4; ++i) {
      std::snprintf(line, sizeof line, "%010zu 00000 n \n", off[i]);
      s += line;
    }
    s += "trailer\n<< /Size 5 /Root 1 0 R >>\nstartxref\n" + std::to_string(xref) + "\n%%EOF\n";
    return t;
  }

  std::size_t last_xref() const {
    std::size_t p = bytes.rfind("startxref");
    return std::stoul(bytes.substr(p + 9));
  }

  // Appends a revision holding `objects` (number → body) plus the rewritten page and catalog.
  void append_revision(std::vector<std::pair<int, std::string>> objects) {
    std::string annots, fields;
    for (int a : annots_list()) annots += std::to_string(a) + " 0 R ";
    for (int f : fields) fields += std::to_string(f) + " 0 R ";
    objects.push_back({3, "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R /Resources << /Font << "
                          "/F1 << /Type /Font /Subtype /Type1 /BaseFont /Helvetica >> >> >> /Annots [" + annots + "] >>"});
    std::string cat = "<< /Type /Catalog /Pages 2 0 R";
    if (!this->fields.empty()) cat += " /AcroForm << /Fields [" + fields + "] /SigFlags 3 >>";
    if (docmdp_sig) cat += " /Perms << /DocMDP " + std::to_string(*docmdp_sig) + " 0 R >>";
    objects.push_back({1, cat + " >>"});
    const std::size_t prev = last_xref();
    std::vector<std::pair<int, std::size_t>> offs;
    for (auto& [n, body] : objects) {
      offs.push_back({n, bytes.size()});
      bytes += std::to_string(n) + " 0 obj\n" + body + "\nendobj\n";
    }
    std::sort(offs.begin(), offs.end());
    const std::size_t xref = bytes.size();
    bytes += "xref\n";
    char line[32];
    for (auto& [n, o] : offs) {
      bytes += std::to_string(n) + " 1\n";
      std::snprintf(line, sizeof line, "%010zu 00000 n \n", o);
      bytes += line;
    }
    bytes += "trailer\n<< /Size " + std::to_string(size) + " /Root 1 0 R /Prev " + std::to_string(prev) +
             " >>\nstartxref\n" + std::to_string(xref) + "\n%%EOF\n";
  }
  const std::vector<int>& annots_list() const { return annots; }

  // Adds a signature field and its signature; `sign` receives the ByteRange bytes and returns the CMS DER
  // (or the timestamp token for a document timestamp). docmdp: certification with this permission.
  void add_signature(const std::string& field, const std::function<Bytes(const std::string&)>& sign,
                     std::optional<int> docmdp = std::nullopt, const std::string& sub_filter = "adbe.pkcs7.detached",
                     std::size_t placeholder = 8192) {
    const int sig = size++, widget = size++;
    annots.push_back(widget);
    fields.push_back(widget);
    if (docmdp) docmdp_sig = sig;
    std::string dict = "<< /Type /" + std::string(sub_filter == "ETSI.RFC3161" ? "DocTimeStamp" : "Sig") +
                       " /Filter /Adobe.PPKLite /SubFilter /" + sub_filter + " /M (D:20261127120000+08'00')";
    if (docmdp)
      dict += " /Reference [<< /Type /SigRef /TransformMethod /DocMDP /TransformParams << /Type /TransformParams /P " +
              std::to_string(*docmdp) + " /V /1.2 >> >>]";
    dict += " /ByteRange [0 0000000000 0000000000 0000000000] /Contents <" + std::string(placeholder * 2, '0') + "> >>";
    append_revision({{sig, dict},
                     {widget, "<< /Type /Annot /Subtype /Widget /FT /Sig /T (" + field + ") /V " + std::to_string(sig) +
                                  " 0 R /Rect [0 0 0 0] /F 132 /P 3 0 R >>"}});
    // Fill in the ByteRange, then the Contents.
    const std::size_t br = bytes.rfind("/ByteRange [0 ");
    const std::size_t lt = bytes.find('<', bytes.find("/Contents <", br));
    const std::size_t gt = bytes.find('>', lt);
    char nums[64];
    std::snprintf(nums, sizeof nums, "%010zu %010zu %010zu", lt, gt + 1, bytes.size() - gt - 1);
    bytes.replace(br + 14, 32, nums);
    std::string ranges = bytes.substr(0, lt) + bytes.substr(gt + 1);
    Bytes der = sign(ranges);
    std::string hex = hex_encode(der);
    if (hex.size() > placeholder * 2) hex.resize(placeholder * 2);
    bytes.replace(lt + 1, hex.size(), hex);
  }

  // Adds a text annotation (a sticky note) to the page.
  void add_annotation() {
    const int a = size++;
    annots.push_back(a);
    append_revision({{a, "<< /Type /Annot /Subtype /Text /Rect [100 100 120 120] /Contents (note) >>"}});
  }
};

// A CMS signer of the openssl CLI: detached, signed attributes, SHA-256.
inline std::function<Bytes(const std::string&)> openssl_signer(const TestPki& p) {
  return [p](const std::string& ranges) {
    write_file(p.dir / "ranges.bin", ranges);
    run("openssl cms -sign -binary -in " + (p.dir / "ranges.bin").string() + " -signer " + p.cert.string() +
        " -inkey " + p.key.string() + " -outform DER -md sha256 -out " + (p.dir / "sig.der").string());
    std::string d = read_file(p.dir / "sig.der");
    return Bytes(d.begin(), d.end());
  };
}

// pdfsig's verdict on each signature: true when "Signature is Valid".
inline std::vector<bool> pdfsig_verdicts(const std::filesystem::path& pdf) {
  std::string out;
  run("pdfsig -nocert " + pdf.string(), &out);
  std::vector<bool> v;
  std::istringstream in(out);
  for (std::string line; std::getline(in, line);)
    if (line.find("Signature Validation:") != std::string::npos) v.push_back(line.find("Signature is Valid") != std::string::npos);
  return v;
}

}  // namespace medsign::pdf::test
