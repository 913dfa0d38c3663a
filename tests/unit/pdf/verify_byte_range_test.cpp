#include <gtest/gtest.h>

#include "pdf/verify_byte_range.h"
#include "verify_support.h"

namespace medsign::pdf {
namespace {
using test::view;

std::string doc() {
  // 0..9 "%PDF-1.7\n<", gap "<0a0b>" at [9, 15), then the rest.
  return "%PDF-1.7\n<0a0b>rest of the file\n%%EOF\n";
}

TEST(PdfByteRange, AcceptsRangesAroundTheContentsString) {
  std::string d = doc();
  const std::int64_t br[] = {0, 9, 15, static_cast<std::int64_t>(d.size()) - 15};
  auto g = check_byte_range(br, view(d));
  ASSERT_TRUE(g.ok()) << g.error().to_string();
  EXPECT_EQ(g->begin, 9);
  EXPECT_EQ(g->end, 15);
}

TEST(PdfByteRange, RefusesEachBrokenRuleWithItsOwnMessage) {
  std::string d = doc();
  const auto n = static_cast<std::int64_t>(d.size());
  struct Case {
    std::vector<std::int64_t> br;
    const char* message;
  } cases[] = {
      {{0, 9, 15}, "exactly two ranges"},
      {{1, 8, 15, n - 15}, "does not start at the beginning"},
      {{0, 9, 15, n - 14}, "beyond the end of the file"},
      {{0, 12, 10, n - 10}, "overlap or are out of order"},
      {{0, 9, 9, n - 9}, "no gap"},
      {{0, 10, 15, n - 15}, "not exactly the Contents"},
      {{0, 9, 16, n - 16}, "not exactly the Contents"},
      {{0, 0, 15, n - 15}, "empty range"},
      {{0, -9, 15, n - 15}, "negative"},
  };
  for (auto& c : cases) {
    auto g = check_byte_range(c.br, view(d));
    ASSERT_FALSE(g.ok());
    EXPECT_EQ(g.error().code, Errc::pdf_malformed);
    EXPECT_NE(g.error().detail.find(c.message), std::string::npos) << g.error().detail;
  }
}

TEST(PdfByteRange, DecodesHexStringsWithSpacesAndOddLength) {
  auto b = decode_hex_string(view("<0A 0b\n1>"));
  ASSERT_TRUE(b.ok());
  EXPECT_EQ(hex_encode(*b), "0a0b10");
  EXPECT_FALSE(decode_hex_string(view("<0g>")).ok());
  EXPECT_FALSE(decode_hex_string(view("0a")).ok());
}

TEST(PdfByteRange, FindsTheDerLengthInsideZeroPadding) {
  const std::uint8_t der[] = {0x30, 0x82, 0x00, 0x02, 0x05, 0x00, 0x00, 0x00};
  auto n = der_element_length(der);
  ASSERT_TRUE(n.ok());
  EXPECT_EQ(*n, 6u);
  const std::uint8_t bad[] = {0x30, 0x80, 0x00};
  EXPECT_FALSE(der_element_length(bad).ok());
  const std::uint8_t long_len[] = {0x30, 0x84, 0xff, 0xff, 0xff, 0xff};
  EXPECT_FALSE(der_element_length(long_len).ok());
}

TEST(PdfByteRange, FindsRevisionEndsAndTheRevisionOfAnOffset) {
  std::string d = "%PDF-1.7\n...%%EOF\nmore%%EOF\r\n";
  auto ends = revision_ends(view(d));
  ASSERT_EQ(ends.size(), 2u);
  EXPECT_EQ(ends[0], 18);
  EXPECT_EQ(ends[1], static_cast<std::int64_t>(d.size()));
  EXPECT_EQ(revision_at(ends, view(d), 18), 1);
  EXPECT_EQ(revision_at(ends, view(d), 17), 1);  // end-of-line left out
  EXPECT_EQ(revision_at(ends, view(d), 16), 0);
  EXPECT_EQ(revision_at(ends, view(d), static_cast<std::int64_t>(d.size())), 2);
}

}  // namespace
}  // namespace medsign::pdf
