// Our own scanners of a PDF's tail and of a prepared signature placeholder (pdf/tail_scan.h): the values
// they find, and pdf_malformed for what is missing or inconsistent.
#include "pdf/tail_scan.h"

#include <gtest/gtest.h>

namespace medsign::pdf {
namespace {

TEST(PdfTailScan, FindsTheLastStartxrefAndTheSectionKind) {
  std::string tail = "trailer\n<< /Size 3 >>\nstartxref\n100\n%%EOF\nxref\n...startxref\n 2373 \r\n%%EOF\r\n";
  auto off = find_startxref(as_bytes(tail));
  ASSERT_TRUE(off);
  EXPECT_EQ(*off, 2373u);
  EXPECT_EQ(xref_kind_at(as_bytes(std::string("xref\n0 1\n"))).value(), XrefKind::table);
  EXPECT_EQ(xref_kind_at(as_bytes(std::string("\n12 0 obj\n<< /Type /XRef"))).value(), XrefKind::stream);
}

TEST(PdfTailScan, MissingOrBrokenTailsAreMalformed) {
  for (std::string bad : {"", "no trailer here", "startxref\n%%EOF", "startxref\n123\n", "startxref 99999999999999999\n%%EOF"}) {
    auto r = find_startxref(as_bytes(bad));
    ASSERT_FALSE(r) << bad;
    EXPECT_EQ(r.error().code, Errc::pdf_malformed);
  }
  EXPECT_FALSE(xref_kind_at(as_bytes(std::string("<< /Type /Catalog >>"))));
  EXPECT_FALSE(xref_kind_at(ByteView{}));
}

TEST(PdfTailScan, PlaceholderIsFoundAndCheckedAgainstTheFile) {
  std::string head = "%PDF-1.7\n1 0 obj\n<< /Contents <";
  std::string zeros(64, '0');
  std::uint64_t b = head.size() - 1, c = b + zeros.size() + 2;
  std::string rest = "> /ByteRange [0 " + std::to_string(b) + " " + std::to_string(c) + " XXXX] >>\nendobj\n%%EOF\n";
  std::uint64_t total = head.size() + zeros.size() + rest.size();
  rest.replace(rest.find("XXXX"), 4, std::to_string(total - c).append(total - c < 1000 ? std::string(4 - std::to_string(total - c).size(), ' ') : ""));
  std::string file = head + zeros + rest;
  auto p = find_placeholder(as_bytes(file), 0, file.size());
  ASSERT_TRUE(p) << p.error().detail;
  EXPECT_EQ(p->contents_offset, b);
  EXPECT_EQ(p->contents_hex_chars, 64u);
  EXPECT_TRUE(placeholder_is_empty(as_bytes(file).subspan(b, c - b)));
  EXPECT_FALSE(placeholder_is_empty(as_bytes(std::string("<3082>"))));
  // A range that does not describe this file.
  auto wrong = find_placeholder(as_bytes(file), 0, file.size() + 5);
  ASSERT_FALSE(wrong);
  EXPECT_EQ(wrong.error().code, Errc::pdf_malformed);
  EXPECT_FALSE(find_placeholder(as_bytes(std::string("/ByteRange [0 1 2]")), 0, 100));
}

}  // namespace
}  // namespace medsign::pdf
