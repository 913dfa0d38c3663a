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

TEST(Router, DuplicatesNamesEachMethodAndPathRegisteredTwice) {
  Router r;
  r.add(http::verb::get, "/api/v1/things/{id}", ok);
  r.add(http::verb::post, "/api/v1/things/{id}", ok);  // another method: not a duplicate
  r.add(http::verb::get, "/api/v1/things/me", ok);     // a literal beside a parameter: not a duplicate
  EXPECT_TRUE(r.duplicates().empty());
  r.add_async(http::verb::post, "/api/v1/things/{thing}", [](RequestContext&, AsyncDone done) {
    done(json_response(200, {}));
  });
  r.add_stream(http::verb::get, "/api/v1/things/me", [](RequestContext&) -> Result<BodySink> { return BodySink{}; });
  auto d = r.duplicates();
  ASSERT_EQ(d.size(), 2u);
  EXPECT_EQ(d[0], "POST /api/v1/things/{id}");
  EXPECT_EQ(d[1], "GET /api/v1/things/me");
}

TEST(Router, OneTableHoldsBufferedAsyncAndStreamRoutes) {
  Router r;
  r.add(http::verb::get, "/a", ok);
  r.add_async(http::verb::post, "/a", [](RequestContext&, AsyncDone done) { done(json_response(202, {})); },
              AsyncRouteOptions{false});
  r.add_stream(http::verb::put, "/a/{name}", [](RequestContext&) -> Result<BodySink> { return BodySink{}; },
               StreamRouteOptions{1000});
  EXPECT_EQ(r.match(http::verb::get, "/a")->route->kind, RouteKind::buffered);
  auto a = r.match(http::verb::post, "/a");
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(a->route->kind, RouteKind::async);
  EXPECT_FALSE(a->route->async_options.access_log);
  auto s = r.match(http::verb::put, "/a/x");
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(s->route->kind, RouteKind::stream);
  EXPECT_EQ(s->params.at("name"), "x");
  EXPECT_EQ(r.max_stream_body(), 1000u);
  EXPECT_EQ(r.match(http::verb::delete_, "/a").error().detail, "allowed: GET, POST");
  EXPECT_EQ(r.match(http::verb::get, "/a/b/c").error().code, Errc::route_not_found);
}

TEST(Router, PathWithMoreSegmentsThanAnyPatternIsNotFound) {
  Router r;
  r.add(http::verb::get, "/x/{a}", ok);
  std::string deep;
  for (int i = 0; i < 100; ++i) deep += "/x";
  EXPECT_EQ(r.match(http::verb::get, deep).error().code, Errc::route_not_found);
  EXPECT_EQ(r.match(http::verb::get, "/x//y/")->params.at("a"), "y");
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
