// The node's route table as register_api builds it, and the synchronous dispatcher over all route kinds.
#include <filesystem>
#include <thread>

#include <gtest/gtest.h>

#include "server/api.h"
#include "server/http_server.h"
#include "services/platform.h"

namespace medsign::server {
namespace {

namespace fs = std::filesystem;

// A fresh data dir and the routes of every service (the signing service and TSA off: their routes are
// registered all the same and answer 503).
class RouteTable : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new fs::path(fs::temp_directory_path() / ("medsign-routes-" + std::to_string(::getpid())));
    fs::remove_all(*dir_);
    ::unsetenv("MEDSIGN_DATABASE_BACKEND");
    ASSERT_TRUE(services::init_data_dir(*dir_).ok());
    auto p = services::Platform::open(*dir_);
    ASSERT_TRUE(p.ok()) << p.error().to_string();
    platform_ = p->release();
    metrics_ = new Metrics;
    api_ = new ApiContext{*platform_, *metrics_, [] { return false; }, ""};
    router_ = new Router;
    register_api(*router_, *api_);
  }
  static void TearDownTestSuite() {
    delete router_;
    delete api_;
    delete metrics_;
    delete platform_;
    std::error_code ec;
    fs::remove_all(*dir_, ec);
    delete dir_;
  }
  void SetUp() override { ASSERT_NE(router_, nullptr) << "the data dir could not be set up"; }
  static const Route* find(http::verb method, const std::string& pattern) {
    for (const auto& r : router_->routes())
      if (r.method == method && r.pattern == pattern) return &r;
    return nullptr;
  }
  static HttpResponse post(const std::string& target, const std::string& body, const std::string& type) {
    BeastRequest req{http::verb::post, target, 11};
    req.set(http::field::content_type, type);
    req.body() = body;
    req.prepare_payload();
    RequestContext ctx{req, "127.0.0.1", "rid-1", false, {}, {}, {}, {}};
    return dispatch_request(*router_, metrics_, ctx);
  }

  static fs::path* dir_;
  static services::Platform* platform_;
  static Metrics* metrics_;
  static ApiContext* api_;
  static Router* router_;
};
fs::path* RouteTable::dir_ = nullptr;
services::Platform* RouteTable::platform_ = nullptr;
Metrics* RouteTable::metrics_ = nullptr;
ApiContext* RouteTable::api_ = nullptr;
Router* RouteTable::router_ = nullptr;

TEST_F(RouteTable, EveryMethodAndPathIsRegisteredOnce) {
  auto twice = router_->duplicates();
  EXPECT_TRUE(twice.empty()) << "registered more than once: " << ::testing::PrintToString(twice);
}

TEST_F(RouteTable, SigningServiceAndTsaRoutesAreAsyncOrStreamed) {
  for (const char* p : {"/api/v1/svs/sign-data", "/api/v1/svs/verify-message", "/api/v1/svs/hash", "/SignData",
                        "/envelopeEnc", "/envelopeDec", "/tsa", "/tsa/{unit}"}) {
    const Route* r = find(http::verb::post, p);
    ASSERT_NE(r, nullptr) << p;
    EXPECT_EQ(r->kind, RouteKind::async) << p;
  }
  for (const char* p : {"/api/v1/svs/sign-file", "/api/v1/svs/verify-file"}) {
    const Route* r = find(http::verb::post, p);
    ASSERT_NE(r, nullptr) << p;
    EXPECT_EQ(r->kind, RouteKind::stream) << p;
  }
  EXPECT_FALSE(find(http::verb::post, "/api/v1/svs/sign-data")->async_options.access_log);
  EXPECT_GT(router_->max_stream_body(), std::uint64_t{1} << 30);
  // Administration stays buffered (worker pool).
  const Route* apps = find(http::verb::get, "/api/v1/svs/apps");
  ASSERT_NE(apps, nullptr);
  EXPECT_EQ(apps->kind, RouteKind::buffered);
}

TEST_F(RouteTable, DisabledServicesAnswerUnavailableThroughEveryKind) {
  for (auto [target, type] : {std::pair{"/api/v1/svs/sign-data", "application/json"},
                              std::pair{"/SignData", "application/x-www-form-urlencoded"},
                              std::pair{"/api/v1/svs/sign-file?key=1", "application/octet-stream"},
                              std::pair{"/tsa", "application/timestamp-query"},
                              std::pair{"/tsa/unit-a", "application/timestamp-query"}}) {
    auto res = post(target, "{}", type);
    EXPECT_EQ(res.result_int(), 503) << target << ": " << res.body();
    EXPECT_NE(res.body().find("\"unavailable\""), std::string::npos) << res.body();
    EXPECT_EQ(res[http::field::server], "MedSign") << target;
    EXPECT_EQ(res["X-Request-Id"], "rid-1") << target;
  }
}

// dispatch_request (tests, fuzzing) waits for an async or stream route that answers from another thread.
TEST(Dispatch, WaitsForAnswersGivenLaterFromAnotherThread) {
  Router r;
  r.add_async(http::verb::post, "/later", [](RequestContext& ctx, AsyncDone done) {
    std::thread([done, body = ctx.req.body()] { done(text_response(201, body, "text/plain")); }).detach();
  });
  r.add_stream(http::verb::post, "/count", [](RequestContext&) -> Result<BodySink> {
    auto n = std::make_shared<std::size_t>(0);
    BodySink s;
    s.chunk = [n](ByteView b) -> Status {
      *n += b.size();
      return {};
    };
    s.end = [n](AsyncDone done) {
      std::thread([done, n] { done(json_response(200, {{"bytes", *n}})); }).detach();
    };
    return s;
  });
  Metrics m;
  for (auto [target, want] : {std::pair{"/later", 201}, std::pair{"/count", 200}}) {
    BeastRequest req{http::verb::post, target, 11};
    req.body() = "twelve bytes";
    RequestContext ctx{req, "127.0.0.1", "rid", false, {}, {}, {}, {}};
    auto res = dispatch_request(r, &m, ctx);
    EXPECT_EQ(res.result_int(), want) << target;
    EXPECT_EQ(ctx.route, target);
    if (want == 201) EXPECT_EQ(res.body(), "twelve bytes");
    else EXPECT_EQ(nlohmann::json::parse(res.body())["bytes"], 12);
  }
  BeastRequest bad{http::verb::post, "/later?%zz", 11};
  RequestContext ctx{bad, "127.0.0.1", "rid", false, {}, {}, {}, {}};
  EXPECT_EQ(dispatch_request(r, &m, ctx).result_int(), 400);
}

}  // namespace
}  // namespace medsign::server
