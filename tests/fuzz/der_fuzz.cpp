// libFuzzer target: asn1::Reader over arbitrary bytes. Walks every element recursively (up to the
// depth limit), runs each typed read on each element, and re-encodes what was accepted with
// asn1::Writer: strict DER means an accepted element has exactly one encoding.
#include <cstddef>
#include <cstdint>
#include <cstdlib>

#include "asn1/der_string.h"
#include "asn1/reader.h"
#include "asn1/writer.h"

using namespace medsign;
using namespace medsign::asn1;

namespace {

void check_same(const Result<Bytes>& encoded, ByteView original) {
  if (!encoded.ok() || !std::equal(encoded->begin(), encoded->end(), original.begin(), original.end())) std::abort();
}

void typed_reads(const Element& e) {
  const Tag t = e.tag;
  if (t.constructed) return;
  Reader r(e.raw);
  if (auto v = Reader(e.raw).read_int64(t); v.ok()) {
    Writer w;
    w.add_int64(*v, t);
    check_same(std::move(w).finish(), e.raw);
  }
  if (auto v = Reader(e.raw).read_integer_bytes(t); v.ok()) {
    Writer w;
    w.add_integer_bytes(*v, t);
    check_same(std::move(w).finish(), e.raw);
  }
  if (auto v = Reader(e.raw).read_boolean(t); v.ok()) {
    Writer w;
    w.add_boolean(*v, t);
    check_same(std::move(w).finish(), e.raw);
  }
  if (auto v = Reader(e.raw).read_bit_string(t); v.ok()) {
    Writer w;
    w.add_bit_string(v->bytes, v->unused_bits, t);
    check_same(std::move(w).finish(), e.raw);
  }
  if (auto v = Reader(e.raw).read_oid(t); v.ok()) {
    auto again = Oid::from_string(v->to_string());
    if (!again.ok() || !(*again == *v)) std::abort();
  }
  if (auto v = Reader(e.raw).read_utc_time(t); v.ok()) {
    Writer w;
    w.add_utc_time(*v, t);
    check_same(std::move(w).finish(), e.raw);
  }
  if (auto v = Reader(e.raw).read_generalized_time(t); v.ok()) {
    Writer w;
    w.add_generalized_time(*v, t);
    check_same(std::move(w).finish(), e.raw);
  }
  if (is_string_tag(t)) {
    if (auto s = decode_string(t, e.content); s.ok()) {
      // BMPString surrogates and T61 are re-encoded differently only when the input was not canonical.
      auto c = encode_string(t, *s);
      if (!c.ok() && t.number != 20) std::abort();
      if (!is_valid_utf8(*s)) std::abort();
    }
  }
  (void)r.read_null(t);
}

// Walks `r`, re-encoding each level; returns false when the walk hit an error.
bool walk(Reader r, Writer& w) {
  while (!r.empty()) {
    const std::size_t before = r.remaining();
    auto e = r.read_any();
    if (!e.ok()) {
      if (r.remaining() != before) std::abort();  // failed reads must not advance
      return false;
    }
    typed_reads(*e);
    if (e->tag.constructed) {
      auto child = r.enter(*e);
      if (!child.ok()) return false;
      bool ok = true;
      w.add_constructed(e->tag, [&](Writer& inner) { ok = walk(*child, inner); });
      if (!ok) return false;
    } else {
      w.add_element(e->tag, e->content);
    }
  }
  return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  ByteView in(data, size);
  Writer w;
  if (walk(Reader(in), w)) check_same(std::move(w).finish(), in);
  return 0;
}
