// embed(), inspect_prepared(), sign_file(): filling the /Contents placeholder of a prepared revision.
#include <sys/stat.h>

#include "crypto/algorithms/hash.h"
#include "pdf/prepare_internal.h"
#include "pdf/tail_scan.h"

namespace medsign::pdf {
namespace {

crypto::HashAlg hash_of(cms::DigestAlgorithm d) {
  switch (d) {
    case cms::DigestAlgorithm::sm3: return crypto::HashAlg::sm3;
    case cms::DigestAlgorithm::sha384: return crypto::HashAlg::sha384;
    case cms::DigestAlgorithm::sha512: return crypto::HashAlg::sha512;
    default: return crypto::HashAlg::sha256;
  }
}

// The hex of the CMS, zero-padded to the placeholder's size.
Result<std::string> contents_hex(ByteView cms_der, std::uint64_t hex_chars) {
  if (cms_der.empty()) return Error(Errc::invalid_argument, "the CMS signature is empty");
  if (cms_der.size() * 2 > hex_chars)
    return Error(Errc::pdf_placeholder_too_small, "the CMS signature has " + std::to_string(cms_der.size()) +
                                                      " bytes; the placeholder holds " + std::to_string(hex_chars / 2));
  std::string hex = hex_encode(cms_der);
  hex.resize(static_cast<std::size_t>(hex_chars), '0');
  return hex;
}

// Finds the empty placeholder of the file's last revision.
Result<Placeholder> locate(const std::filesystem::path& path, std::uint64_t size) {
  constexpr std::uint64_t kTail = 256 * 1024;
  std::uint64_t tail_off = size > kTail ? size - kTail : 0;
  Bytes tail;
  tail.reserve(static_cast<std::size_t>(size - tail_off));
  MEDSIGN_TRY(read_file_range(path, tail_off, size - tail_off, [&](ByteView b) { tail.insert(tail.end(), b.begin(), b.end()); }));
  MEDSIGN_ASSIGN(Placeholder ph, find_placeholder(tail, tail_off, size));
  if (ph.contents_hex_chars > (4u << 20)) return Error(Errc::pdf_malformed, "PDF: the signature placeholder is too large");
  Bytes contents;
  MEDSIGN_TRY(read_file_range(path, ph.byte_range[1], ph.byte_range[2] - ph.byte_range[1],
                              [&](ByteView b) { contents.insert(contents.end(), b.begin(), b.end()); }));
  if (!placeholder_is_empty(contents))
    return Error(Errc::pdf_malformed, "PDF: the last revision's /Contents is not an empty placeholder (already signed?)");
  return ph;
}

Result<std::uint64_t> size_of(const std::filesystem::path& p) {
  std::error_code ec;
  auto n = std::filesystem::file_size(p, ec);
  if (ec) return Error(Errc::io_error, "PDF: cannot read " + p.string() + ": " + ec.message());
  return static_cast<std::uint64_t>(n);
}

}  // namespace

Result<Bytes> digest_ranges(cms::DigestAlgorithm alg, const std::array<std::uint64_t, 4>& r, const RangeReader& read) {
  crypto::Hasher h(hash_of(alg));
  auto sink = [&](ByteView b) { h.update(b); };
  MEDSIGN_TRY(read(r[0], r[1], sink));
  MEDSIGN_TRY(read(r[2], r[3], sink));
  return h.finish();
}

Result<Prepared> prepare(const std::filesystem::path& in, const std::filesystem::path& out, const PrepareOptions& o) {
  MEDSIGN_ASSIGN(OutputFile f, OutputFile::create(out));
  MEDSIGN_ASSIGN(Prepared p, prepare_into(f, in, o));
  MEDSIGN_TRY(f.commit());
  return p;
}

Result<Prepared> inspect_prepared(const std::filesystem::path& prepared, cms::DigestAlgorithm algorithm) {
  MEDSIGN_ASSIGN(std::uint64_t size, size_of(prepared));
  MEDSIGN_ASSIGN(Placeholder ph, locate(prepared, size));
  Prepared p;
  p.byte_range = ph.byte_range;
  p.contents_bytes = static_cast<std::size_t>(ph.contents_hex_chars / 2);
  p.algorithm = algorithm;
  MEDSIGN_ASSIGN(p.digest, digest_ranges(algorithm, p.byte_range, [&](std::uint64_t off, std::uint64_t len, auto sink) {
    return read_file_range(prepared, off, len, sink);
  }));
  return p;
}

Status embed(const std::filesystem::path& prepared, ByteView cms_der, const std::filesystem::path& out) {
  MEDSIGN_ASSIGN(std::uint64_t size, size_of(prepared));
  MEDSIGN_ASSIGN(Placeholder ph, locate(prepared, size));
  MEDSIGN_ASSIGN(std::string hex, contents_hex(cms_der, ph.contents_hex_chars));
  MEDSIGN_ASSIGN(OutputFile f, OutputFile::create(out));
  MEDSIGN_TRY(f.append_file(prepared, size));
  MEDSIGN_TRY(f.patch(ph.contents_offset + 1, hex));
  return f.commit();
}

Result<Prepared> sign_file(const std::filesystem::path& in, const std::filesystem::path& out, const PrepareOptions& o,
                           const CmsMaker& make_cms) {
  MEDSIGN_ASSIGN(OutputFile f, OutputFile::create(out));
  MEDSIGN_ASSIGN(Prepared p, prepare_into(f, in, o));
  MEDSIGN_ASSIGN(Bytes cms_der, make_cms(p));
  MEDSIGN_ASSIGN(std::string hex, contents_hex(cms_der, p.contents_bytes * 2));
  MEDSIGN_TRY(f.patch(p.byte_range[1] + 1, hex));
  MEDSIGN_TRY(f.commit());
  return p;
}

}  // namespace medsign::pdf
