// The batch CSV parser: spreadsheet-style quoting, UTF-8 Chinese text, and specific errors.
#include <gtest/gtest.h>

#include "image/csv.h"

namespace medsign::image {
namespace {

TEST(BatchCsv, QuotedFieldsCommasNewlinesAndChinese) {
  std::string text =
      "\xEF\xBB\xBFname,type,text,code\r\n"
      "\"北京市朝阳区第一人民医院\",round,电子病历专用章,91110105MA01ABCD2X\r\n"
      "\"He said \"\"hi\"\", then left\",name,\"line1\nline2\",\r\n"
      "\r\n"
      "last,square,,";
  auto rows = parse_csv(text);
  ASSERT_TRUE(rows.ok()) << rows.error().to_string();
  ASSERT_EQ(rows->size(), 4u);
  EXPECT_EQ((*rows)[0][0], "name");
  EXPECT_EQ((*rows)[1][0], "北京市朝阳区第一人民医院");
  EXPECT_EQ((*rows)[1][3], "91110105MA01ABCD2X");
  EXPECT_EQ((*rows)[2][0], "He said \"hi\", then left");
  EXPECT_EQ((*rows)[2][2], "line1\nline2");
  EXPECT_EQ((*rows)[2][3], "");
  ASSERT_EQ((*rows)[3].size(), 4u);
  EXPECT_EQ((*rows)[3][0], "last");
}

TEST(BatchCsv, TableNamesColumnsAndPadsShortRows) {
  auto t = parse_csv_table(" Name , TYPE\n张三之印,square\n李四\n");
  ASSERT_TRUE(t.ok()) << t.error().to_string();
  EXPECT_EQ(t->columns, (std::vector<std::string>{"name", "type"}));
  ASSERT_EQ(t->rows.size(), 2u);
  EXPECT_EQ(t->field(t->rows[1], "type"), "");
  EXPECT_EQ(t->field(t->rows[0], "code"), "");
}

TEST(BatchCsv, MalformedInputGivesLineNumbers) {
  auto e1 = parse_csv("a,b\n\"open,b\n");
  ASSERT_FALSE(e1.ok());
  EXPECT_EQ(e1.error().code, Errc::csv_malformed);
  EXPECT_NE(e1.error().detail.find("line 2"), std::string::npos);
  EXPECT_EQ(parse_csv("a,\"b\"x\n").error().code, Errc::csv_malformed);
  EXPECT_EQ(parse_csv("a,b\"c\n").error().code, Errc::csv_malformed);
  auto e2 = parse_csv("ok\n\xC3\x28\n");  // invalid UTF-8 on line 2
  ASSERT_FALSE(e2.ok());
  EXPECT_NE(e2.error().detail.find("line 2"), std::string::npos);
  EXPECT_EQ(parse_csv_table("").error().code, Errc::csv_malformed);
  EXPECT_EQ(parse_csv_table("name,name\n").error().code, Errc::csv_malformed);
  EXPECT_EQ(parse_csv_table("name\na,b\n").error().code, Errc::csv_malformed);
  CsvLimits lim;
  lim.max_rows = 2;
  EXPECT_EQ(parse_csv("a\nb\nc\n", lim).error().code, Errc::csv_malformed);
  lim = {};
  lim.max_field_bytes = 4;
  EXPECT_EQ(parse_csv("\"12345\"\n", lim).error().code, Errc::csv_malformed);
}

}  // namespace
}  // namespace medsign::image
