// Seal picture previews over the API: operators render seals and clean uploads; other roles are refused;
// bad options and bad images give specific errors.
#include <gtest/gtest.h>

#include "harness.h"
#include "image/codec.h"
#include "../unit/image/synthetic.h"

namespace medsign::test {
namespace {

class SealImageApiTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    server_ = new TestServer();
    sys_ = new Client(server_->login("sysadmin"));
    auditadmin_ = new Client(server_->login("auditadmin"));
    op_ = new Client(server_->create_and_login(*sys_, "sealop", "operator"));
    auditor_ = new Client(server_->create_and_login(*auditadmin_, "sealaud", "auditor"));
  }
  static void TearDownTestSuite() {
    delete op_;
    delete auditor_;
    delete sys_;
    delete auditadmin_;
    delete server_;
  }
  static TestServer* server_;
  static Client *sys_, *auditadmin_, *op_, *auditor_;
};
TestServer* SealImageApiTest::server_ = nullptr;
Client *SealImageApiTest::sys_, *SealImageApiTest::auditadmin_, *SealImageApiTest::op_, *SealImageApiTest::auditor_;

TEST_F(SealImageApiTest, OperatorRendersARoundSealAsPng) {
  json req = {{"kind", "round"}, {"name", "北京市朝阳区第一人民医院"}, {"text", "合同专用章"},
              {"code", "91110105MA01ABCD2X"}, {"dpi", 300}};
  auto r = op_->post("/api/v1/seal-images/render", req);
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.headers["Content-Type"], "image/png");
  EXPECT_EQ(r.headers["X-Seal-Width-Mm"].substr(0, 2), "40");
  auto img = image::decode_image(as_bytes(r.body));
  ASSERT_TRUE(img.ok()) << img.error().to_string();
  EXPECT_EQ(img->width, 473);
  EXPECT_EQ(img->alpha(0, 0), 0);
  EXPECT_EQ(img->alpha(img->width / 2, img->height / 2), 255);  // the star
  // Same options, same picture.
  EXPECT_EQ(op_->post("/api/v1/seal-images/render", req).body, r.body);

  auto sq = op_->post("/api/v1/seal-images/render", {{"kind", "name"}, {"name", "李四"}, {"dpi", 300}});
  ASSERT_EQ(sq.status, 200) << sq.body;
  EXPECT_EQ(image::decode_image(as_bytes(sq.body)).value().width, 213);  // 18 mm
}

TEST_F(SealImageApiTest, RenderRejectsBadOptionsWithSpecificCodes) {
  EXPECT_EQ(op_->post("/api/v1/seal-images/render", {{"name", "x"}}).error_code(), "missing_field");
  EXPECT_EQ(op_->post("/api/v1/seal-images/render", {{"kind", "star"}, {"name", "x"}}).error_code(), "invalid_argument");
  EXPECT_EQ(op_->post("/api/v1/seal-images/render", {{"kind", "round"}, {"name", "医院"}, {"dpi", 1200}}).error_code(),
            "invalid_argument");
  EXPECT_EQ(op_->post("/api/v1/seal-images/render", {{"kind", "round"}, {"name", 5}}).error_code(), "invalid_argument");
  auto font = op_->post("/api/v1/seal-images/render", {{"kind", "round"}, {"name", "医院"}, {"font", "No Such Font"}});
  EXPECT_EQ(font.status, 500);
  EXPECT_EQ(font.error_code(), "font_missing");
  EXPECT_EQ(op_->request(http::verb::post, "/api/v1/seal-images/render", "{", "application/json").error_code(),
            "malformed_json");
}

TEST_F(SealImageApiTest, OperatorCleansAScannedSignature) {
  auto scan = image::test::make_signature_scan(360, 180, 30);
  for (std::size_t i = 0; i < scan.scan.rgba.size(); ++i)
    if (i % 4 != 3) scan.scan.rgba[i] &= 0xF0;  // coarser noise, so the upload fits the test server's 64 KB limit
  auto png = image::encode_png(scan.scan).value();
  ASSERT_LT(png.size(), 64u * 1024);
  auto r = op_->request(http::verb::post, "/api/v1/seal-images/clean?mode=ink&colour=blue",
                        std::string(png.begin(), png.end()), "image/png");
  ASSERT_EQ(r.status, 200) << r.body;
  auto img = image::decode_image(as_bytes(r.body)).value();
  EXPECT_LT(img.width, 360);  // cropped
  EXPECT_EQ(img.alpha(0, 0), 0);
  EXPECT_GE(std::stoi(r.headers["X-Specks-Removed"]), 20);  // 30 specks, some touching each other
}

TEST_F(SealImageApiTest, CleanRejectsBadImagesAndTypes) {
  auto bad = op_->request(http::verb::post, "/api/v1/seal-images/clean", "GIF89a not supported", "image/png");
  EXPECT_EQ(bad.status, 400);
  EXPECT_EQ(bad.error_code(), "image_malformed");
  auto png = image::encode_png(image::test::make_signature_scan(200, 100, 0).scan).value();
  std::string half(png.begin(), png.begin() + static_cast<std::ptrdiff_t>(png.size() / 2));
  EXPECT_EQ(op_->request(http::verb::post, "/api/v1/seal-images/clean", half, "image/png").error_code(),
            "image_truncated");
  EXPECT_EQ(op_->request(http::verb::post, "/api/v1/seal-images/clean", half, "text/plain").error_code(),
            "unsupported_media_type");
  EXPECT_EQ(op_->request(http::verb::post, "/api/v1/seal-images/clean?mode=paint", std::string(png.begin(), png.end()),
                         "image/png")
                .error_code(),
            "invalid_argument");
}

TEST_F(SealImageApiTest, OnlyOperatorsMayUseTheSealPictureTools) {
  json req = {{"kind", "round"}, {"name", "医院"}};
  EXPECT_EQ(auditor_->post("/api/v1/seal-images/render", req).error_code(), "forbidden");
  EXPECT_EQ(sys_->post("/api/v1/seal-images/render", req).error_code(), "forbidden");
  auto anon = server_->client().post("/api/v1/seal-images/render", req);
  EXPECT_EQ(anon.status, 401);
}

}  // namespace
}  // namespace medsign::test
