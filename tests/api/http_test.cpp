// The HTTP transport and operational endpoints, seen from a real client.
#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>
#include <gtest/gtest.h>

#include <set>

#include "harness.h"
#include "server/openapi.h"

namespace medsign::test {
namespace {

class HttpTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { server_ = new TestServer(); }
  static void TearDownTestSuite() {
    delete server_;
    server_ = nullptr;
  }
  static TestServer* server_;
};
TestServer* HttpTest::server_ = nullptr;

// Sends raw bytes and returns everything the server answers until it closes (or timeout_ms passes).
std::string raw_exchange(int port, const std::string& bytes, int pause_ms = 0, const std::string& more = {}) {
  boost::asio::io_context ioc;
  boost::asio::ip::tcp::socket s(ioc);
  s.connect({boost::asio::ip::make_address("127.0.0.1"), static_cast<unsigned short>(port)});
  boost::asio::write(s, boost::asio::buffer(bytes));
  if (pause_ms) std::this_thread::sleep_for(std::chrono::milliseconds(pause_ms));
  boost::system::error_code ec;
  if (!more.empty()) boost::asio::write(s, boost::asio::buffer(more), ec);
  std::string out;
  char buf[4096];
  for (;;) {
    std::size_t n = s.read_some(boost::asio::buffer(buf), ec);
    if (ec) break;
    out.append(buf, n);
  }
  return out;
}

TEST_F(HttpTest, HealthAndReadinessAnswer) {
  auto c = server_->client();
  auto h = c.get("/healthz");
  EXPECT_EQ(h.status, 200);
  EXPECT_EQ(h.j()["status"], "ok");
  EXPECT_FALSE(h.headers["X-Request-Id"].empty());
  auto r = c.get("/readyz");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.j()["checks"]["database"], "ok");
}

TEST_F(HttpTest, MetricsArePrometheusTextWithRouteHistograms) {
  auto c = server_->client();
  c.get("/healthz");
  auto m = c.get("/metrics");
  ASSERT_EQ(m.status, 200);
  EXPECT_NE(m.headers["Content-Type"].find("text/plain"), std::string::npos);
  EXPECT_NE(m.body.find("medsign_build_info{version=\""), std::string::npos);
  EXPECT_NE(m.body.find("medsign_http_requests_total{route=\"/healthz\",method=\"GET\",status=\"200\"}"),
            std::string::npos);
  EXPECT_NE(m.body.find("medsign_http_request_duration_seconds_bucket{route=\"/healthz\",le=\"+Inf\"}"),
            std::string::npos);
  EXPECT_NE(m.body.find("medsign_http_in_flight_requests"), std::string::npos);
}

TEST_F(HttpTest, RequestIdIsEchoedWhenPlainAndReplacedWhenNot) {
  auto c = server_->client();
  auto ok = c.request(http::verb::get, "/healthz", "", "application/json", {{"X-Request-Id", "abc-123"}});
  EXPECT_EQ(ok.headers["X-Request-Id"], "abc-123");
  auto bad = c.request(http::verb::get, "/healthz", "", "application/json", {{"X-Request-Id", "a b\"c"}});
  EXPECT_NE(bad.headers["X-Request-Id"], "a b\"c");
  EXPECT_EQ(bad.headers["X-Request-Id"].size(), 16u);
}

TEST_F(HttpTest, UnknownRouteAndWrongMethodUseTheCatalogue) {
  auto c = server_->client();
  auto nf = c.get("/api/v1/no-such-thing");
  EXPECT_EQ(nf.status, 404);
  EXPECT_EQ(nf.error_code(), "route_not_found");
  EXPECT_FALSE(nf.j()["error"]["request_id"].get<std::string>().empty());
  auto wm = c.request(http::verb::delete_, "/healthz");
  EXPECT_EQ(wm.status, 405);
  EXPECT_EQ(wm.error_code(), "method_not_allowed");
  EXPECT_EQ(wm.headers["Allow"], "GET");
}

TEST_F(HttpTest, MalformedJsonIsRejected) {
  auto c = server_->client();
  auto r = c.request(http::verb::post, "/api/v1/auth/challenge", "{\"username\": ", "application/json");
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(r.error_code(), "malformed_json");
  auto arr = c.request(http::verb::post, "/api/v1/auth/challenge", "[1,2]", "application/json");
  EXPECT_EQ(arr.error_code(), "malformed_json");
  auto type = c.request(http::verb::post, "/api/v1/auth/challenge", "username=x", "application/x-www-form-urlencoded");
  EXPECT_EQ(type.status, 415);
  auto missing = c.post("/api/v1/auth/challenge", json::object());
  EXPECT_EQ(missing.status, 400);
  EXPECT_EQ(missing.error_code(), "missing_field");
}

TEST_F(HttpTest, OversizedBodyGets413AndServerStaysUp) {
  auto c = server_->client();
  std::string big(200 * 1024, 'a');
  auto r = c.request(http::verb::post, "/api/v1/auth/challenge", big, "application/json");
  EXPECT_EQ(r.status, 413);
  EXPECT_EQ(r.error_code(), "body_too_large");
  EXPECT_EQ(c.get("/healthz").status, 200);
}

TEST_F(HttpTest, SlowHeadersAreCutWith408) {
  auto t0 = std::chrono::steady_clock::now();
  std::string out = raw_exchange(server_->port(), "GET /healthz HTTP/1.1\r\nHost: x\r\n", 2500, "X-Late: 1\r\n\r\n");
  auto secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  EXPECT_NE(out.find("408"), std::string::npos) << out;
  EXPECT_NE(out.find("request_timeout"), std::string::npos);
  EXPECT_LT(secs, 5.0);
}

TEST_F(HttpTest, GarbageRequestLineGets400) {
  std::string out = raw_exchange(server_->port(), "NOT AN HTTP REQUEST\r\n\r\n");
  EXPECT_NE(out.find("400"), std::string::npos) << out;
  EXPECT_EQ(server_->client().get("/healthz").status, 200);
}

TEST_F(HttpTest, KeepAliveServesSeveralRequestsOnOneConnection) {
  std::string req = "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n";
  std::string last = "GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";
  std::string out = raw_exchange(server_->port(), req + req + last);
  std::size_t count = 0, pos = 0;
  while ((pos = out.find("HTTP/1.1 200", pos)) != std::string::npos) {
    ++count;
    ++pos;
  }
  EXPECT_EQ(count, 3u) << out;
}

TEST_F(HttpTest, HttpsServesWithTheDevelopmentCertificate) {
  std::string chain = (server_->data_dir() / "keys" / "dev-ca.pem").string();
  Client tls(server_->tls_port(), true, chain);
  auto r = tls.get("/healthz");
  EXPECT_EQ(r.status, 200);
}

TEST_F(HttpTest, LoginCookieIsSecureOverHttps) {
  std::string chain = (server_->data_dir() / "keys" / "dev-ca.pem").string();
  Client tls(server_->tls_port(), true, chain);
  auto ch = tls.post("/api/v1/auth/challenge", {{"username", "auditadmin"}});
  ASSERT_EQ(ch.status, 200);
  auto res = tls.post("/api/v1/auth/login", {{"username", "auditadmin"},
                                             {"password", server_->password("auditadmin")},
                                             {"challenge_id", ch.j()["challenge_id"]},
                                             {"signature", server_->sign("auditadmin", ch.j()["to_sign"])}});
  ASSERT_EQ(res.status, 200) << res.body;
  std::string cookie = res.headers["Set-Cookie"];
  EXPECT_NE(cookie.find("HttpOnly"), std::string::npos);
  EXPECT_NE(cookie.find("SameSite=Strict"), std::string::npos);
  EXPECT_NE(cookie.find("Secure"), std::string::npos);
}

TEST_F(HttpTest, ErrorCatalogueIsPublished) {
  auto r = server_->client().get("/api/v1/errors");
  ASSERT_EQ(r.status, 200);
  std::set<std::string> codes;
  json body = r.j();
  for (auto& e : body["errors"]) codes.insert(e["code"].get<std::string>());
  for (const char* c : {"malformed_json", "body_too_large", "csrf_failed", "challenge_replayed", "forbidden"})
    EXPECT_TRUE(codes.count(c)) << c;
}

// The spec and the router must describe the same set of (method, path).
TEST_F(HttpTest, OpenApiSpecAndRoutesAgree) {
  auto served = server_->client().get("/api/v1/openapi.json");
  ASSERT_EQ(served.status, 200);
  auto spec = served.j();
  ASSERT_TRUE(spec.contains("paths"));
  std::set<std::string> in_spec, in_router;
  for (auto& [path, ops] : spec["paths"].items())
    for (auto& [method, op] : ops.items()) in_spec.insert(method + " " + path);
  server::Router r;
  server::Metrics m;
  server::ApiContext ctx{server_->platform(), m, [] { return false; }, ""};
  server::register_api(r, ctx);
  for (auto& route : r.routes()) {
    std::string method(http::to_string(route.method));
    std::transform(method.begin(), method.end(), method.begin(), ::tolower);
    in_router.insert(method + " " + route.pattern);
  }
  for (auto& x : in_router) EXPECT_TRUE(in_spec.count(x)) << "route missing from api/openapi.yaml: " << x;
  for (auto& x : in_spec) EXPECT_TRUE(in_router.count(x)) << "api/openapi.yaml names a route that does not exist: " << x;
}

// Buffered, async (/tsa, the signing service's calls) and stream routes come from one route table: the same
// matching, 405 answers and percent-decoding for all, and one keep-alive connection serves each kind in turn.
TEST_F(HttpTest, EveryKindOfRouteIsServedFromTheOneRouteTable) {
  auto c = server_->client();
  auto wm = c.request(http::verb::get, "/tsa");
  EXPECT_EQ(wm.status, 405);
  EXPECT_EQ(wm.error_code(), "method_not_allowed");
  EXPECT_EQ(wm.headers["Allow"], "POST");
  auto enc = c.request(http::verb::post, "/api/v1/svs/sign%2Ddata", "{}", "application/json");
  EXPECT_EQ(enc.status, 401);
  EXPECT_EQ(enc.error_code(), "unauthenticated");
  auto file = c.request(http::verb::post, "/api/v1/svs/sign-file?key=1", "abc", "application/octet-stream");
  EXPECT_EQ(file.status, 401);
  EXPECT_EQ(file.error_code(), "unauthenticated");
  std::string async_req = "POST /api/v1/svs/hash HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                          "Content-Length: 2\r\n\r\n{}";
  std::string buffered = "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n";
  std::string tsa = "POST /tsa HTTP/1.1\r\nHost: x\r\nContent-Type: text/plain\r\nContent-Length: 1\r\n"
                    "Connection: close\r\n\r\nx";
  std::string out = raw_exchange(server_->port(), async_req + buffered + async_req + tsa);
  auto at = [&](const char* s, std::size_t from) { return out.find(s, from); };
  std::size_t a = at("HTTP/1.1 401", 0), b = at("HTTP/1.1 200", a), c2 = at("HTTP/1.1 401", b), d = at("HTTP/1.1 415", c2);
  EXPECT_NE(a, std::string::npos) << out;
  EXPECT_NE(b, std::string::npos) << out;
  EXPECT_NE(c2, std::string::npos) << out;
  EXPECT_NE(d, std::string::npos) << out;
}

}  // namespace
}  // namespace medsign::test
