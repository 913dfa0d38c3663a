#include "pki/pem.h"

namespace medsign::pki {
namespace {
constexpr std::string_view kBegin = "-----BEGIN ";
constexpr std::string_view kEnd = "-----END ";
constexpr std::string_view kDashes = "-----";
}  // namespace

Result<std::vector<PemBlock>> pem_decode(std::string_view text) {
  std::vector<PemBlock> out;
  std::size_t pos = 0;
  for (;;) {
    const std::size_t b = text.find(kBegin, pos);
    if (b == std::string_view::npos) break;
    const std::size_t label_start = b + kBegin.size();
    const std::size_t label_end = text.find(kDashes, label_start);
    if (label_end == std::string_view::npos || text.substr(label_start, label_end - label_start).find('\n') !=
                                                   std::string_view::npos) {
      return Error(Errc::bad_encoding, "PEM: malformed BEGIN line");
    }
    std::string label(text.substr(label_start, label_end - label_start));
    const std::size_t body_start = label_end + kDashes.size();
    const std::string end_line = std::string(kEnd) + label + std::string(kDashes);
    const std::size_t e = text.find(end_line, body_start);
    if (e == std::string_view::npos) return Error(Errc::bad_encoding, "PEM: no END line for " + label);
    std::string_view body = text.substr(body_start, e - body_start);
    if (body.find(kDashes) != std::string_view::npos) {
      return Error(Errc::bad_encoding, "PEM: nested or mismatched armour in " + label);
    }
    auto der = base64_decode(body);
    if (!der) return Error(Errc::bad_encoding, "PEM: invalid Base64 in " + label);
    out.push_back(PemBlock{std::move(label), std::move(der).value()});
    pos = e + end_line.size();
  }
  if (out.empty()) return Error(Errc::bad_encoding, "PEM: no BEGIN line found");
  return out;
}

std::string pem_encode(std::string_view label, ByteView der) {
  const std::string b64 = base64_encode(der);
  std::string out = std::string(kBegin) + std::string(label) + "-----\n";
  for (std::size_t i = 0; i < b64.size(); i += 64) {
    out.append(b64, i, 64);
    out += '\n';
  }
  out += std::string(kEnd) + std::string(label) + "-----\n";
  return out;
}

}  // namespace medsign::pki
