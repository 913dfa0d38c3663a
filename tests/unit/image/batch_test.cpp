// Batches: seal pictures from a CSV into a ZIP with a report, and a ZIP of scans cleaned into a ZIP.
#include <gtest/gtest.h>

#include "image/batch.h"
#include "synthetic.h"

namespace medsign::image {
namespace {

const ZipEntry* find(const std::vector<ZipEntry>& v, const std::string& name) {
  for (auto& e : v)
    if (e.name == name) return &e;
  return nullptr;
}

TEST(ImageBatch, SealsFromCsvGoIntoAZipWithAReport) {
  std::string csv =
      "name,type,text,code,dpi,file\n"
      "北京市朝阳区第一人民医院,round,合同专用章,91110105MA01ABCD2X,300,\n"
      "北京市朝阳区第一人民医院,oval,财务专用章,,300,finance\n"
      "张三之印,square,,,300,\n"
      "李四,name,,,300,\n"
      "王小明,name-rect,,,300,\n"
      "坏行,triangle,,,300,\n";
  SealOptions defaults;
  auto r = render_seal_batch(csv, defaults);
  ASSERT_TRUE(r.ok()) << r.error().to_string();
  EXPECT_EQ(r->ok, 5);
  EXPECT_EQ(r->failed, 1);
  auto files = read_zip(r->zip).value();
  ASSERT_EQ(files.size(), 6u);
  auto* round = find(files, "001-北京市朝阳区第一人民医院.png");
  ASSERT_NE(round, nullptr) << files[0].name;
  auto img = decode_image(round->data).value();
  EXPECT_EQ(img.width, 473);
  ASSERT_NE(find(files, "finance.png"), nullptr);
  auto* report = find(files, "report.csv");
  ASSERT_NE(report, nullptr);
  std::string rep(report->data.begin(), report->data.end());
  EXPECT_NE(rep.find("6,\"006-坏行.png\",error"), std::string::npos) << rep;
  // Same CSV, same archive bytes.
  EXPECT_EQ(render_seal_batch(csv, defaults).value().zip, r->zip);
}

TEST(ImageBatch, BadCsvIsRejectedWhole) {
  EXPECT_EQ(render_seal_batch("type\nround\n").error().code, Errc::csv_malformed);
  EXPECT_EQ(render_seal_batch("name\n").error().code, Errc::csv_malformed);
  EXPECT_EQ(render_seal_batch("name\n\"x\n").error().code, Errc::csv_malformed);
}

TEST(ImageBatch, ZipOfScansIsCleanedEntryByEntry) {
  auto s = test::make_signature_scan(400, 200, 20);
  auto png = encode_png(s.scan).value();
  std::vector<ZipEntry> in = {{"scans/doctor-wang.png", png}, {"notes.txt", to_bytes("not an image")},
                              {"other/doctor-wang.png", png}};
  auto zip = write_zip(in).value();
  auto r = clean_zip_batch(zip);
  ASSERT_TRUE(r.ok()) << r.error().to_string();
  EXPECT_EQ(r->ok, 2);
  EXPECT_EQ(r->failed, 1);
  auto out = read_zip(r->zip).value();
  ASSERT_NE(find(out, "doctor-wang.png"), nullptr);
  ASSERT_NE(find(out, "doctor-wang-2.png"), nullptr);
  auto cleaned = decode_image(find(out, "doctor-wang.png")->data).value();
  EXPECT_EQ(cleaned.alpha(0, 0), 0);
  std::string rep(find(out, "report.csv")->data.begin(), find(out, "report.csv")->data.end());
  EXPECT_NE(rep.find("\"notes.txt\",,error,\"image_malformed"), std::string::npos) << rep;
}

TEST(ImageBatch, DamagedOrHostileArchivesAreRejected) {
  EXPECT_EQ(read_zip(to_bytes("PK\x03\x04 definitely not a zip")).error().code, Errc::archive_malformed);
  EXPECT_EQ(read_zip(Bytes{}).error().code, Errc::archive_malformed);
  auto evil = write_zip({{"../../etc/passwd", to_bytes("x")}}).value();
  EXPECT_EQ(read_zip(evil).error().code, Errc::archive_malformed);
  // A small archive that inflates past the per-entry limit.
  auto bomb = write_zip({{"zeros.png", Bytes(2'000'000, 0)}}).value();
  EXPECT_LT(bomb.size(), 20'000u);
  ZipLimits lim;
  lim.max_entry_bytes = 1'000'000;
  EXPECT_EQ(read_zip(bomb, lim).error().code, Errc::archive_malformed);
  Bytes cut(bomb.begin(), bomb.begin() + static_cast<std::ptrdiff_t>(bomb.size() / 2));
  EXPECT_EQ(read_zip(cut).error().code, Errc::archive_malformed);
}

}  // namespace
}  // namespace medsign::image
