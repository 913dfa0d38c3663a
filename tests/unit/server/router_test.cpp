#include "server/router.h"

#include <gtest/gtest.h>

namespace medsign::server {
namespace {

HttpResponse ok(RequestContext&) { return json_response(200, {{"ok", true}}); }

TEST(Router, LiteralSegmentBeatsParameter) {
  Router r;
  r.add(http::verb::get, "/api/v1/accounts/{id}", ok);
  r.add(http::verb::get, "/api/v1/accounts/me", ok);
  auto m = r.match(http::verb::get, "/api/v1/accounts/me");
  ASSERT_TRUE(m.ok());
  EXPECT_EQ(m->route->pattern, "/api/v1/accounts/me");
  auto p = r.match(http::verb::get, "/api/v1/accounts/42");
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p->params.at("id"), "42");
}

TEST(Router, WrongMethodListsAllowedMethods) {
  Router r;
  r.add(http::verb::get, "/x", ok);
  r.add(http::verb::post, "/x", ok);
  auto m = r.match(http::verb::delete_, "/x");
  ASSERT_FALSE(m.ok());
  EXPECT_EQ(m.error().code, Errc::method_not_allowed);
  EXPECT_EQ(m.error().detail, "allowed: GET, POST");
  EXPECT_EQ(r.match(http::verb::get, "/y").error().code, Errc::route_not_found);
}

TEST(Router, HeadIsServedByGet) {
  Router r;
  r.add(http::verb::get, "/x", ok);
  EXPECT_TRUE(r.match(http::verb::head, "/x").ok());
}

TEST(UrlDecoding, DecodesAndRejectsBadEscapes) {
  EXPECT_EQ(url_decode("a%20b+c", true).value(), "a b c");
  EXPECT_EQ(url_decode("a+b", false).value(), "a+b");
  EXPECT_FALSE(url_decode("%2", false).ok());
  EXPECT_FALSE(url_decode("%zz", false).ok());
  EXPECT_FALSE(url_decode("%", false).ok());
}

TEST(UrlDecoding, ParsesQueries) {
  auto q = parse_query("from=2026-01-01T00%3A00%3A00Z&page=2&flag&=x");
  ASSERT_TRUE(q.ok());
  EXPECT_EQ(q->at("from"), "2026-01-01T00:00:00Z");
  EXPECT_EQ(q->at("page"), "2");
  EXPECT_EQ(q->at("flag"), "");
}

TEST(ErrorResponse, CarriesCatalogueCodeStatusAndRequestId) {
  auto r = error_response(Error(Errc::csrf_failed, "no token"), "rid1");
  EXPECT_EQ(r.result_int(), 403);
  auto j = nlohmann::json::parse(r.body());
  EXPECT_EQ(j["error"]["code"], "csrf_failed");
  EXPECT_EQ(j["error"]["detail"], "no token");
  EXPECT_EQ(j["error"]["request_id"], "rid1");
}

}  // namespace
}  // namespace medsign::server
