// Graceful shutdown: requests already being served complete; new connections are refused.
#include <future>

#include <gtest/gtest.h>

#include "harness.h"

namespace medsign::test {
namespace {

TEST(GracefulShutdown, InFlightRequestsCompleteAndListenersClose) {
  TestServer server([](server::Router& r) {
    r.add(http::verb::get, "/test/slow", [](server::RequestContext&) {
      std::this_thread::sleep_for(std::chrono::milliseconds(1200));
      return server::json_response(200, {{"finished", true}});
    });
  });
  int port = server.port();
  auto slow = std::async(std::launch::async, [port] { return Client(port).get("/test/slow"); });
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  auto t0 = std::chrono::steady_clock::now();
  server.stop();  // blocks until drained
  double waited = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  auto r = slow.get();
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.j()["finished"], true);
  EXPECT_GT(waited, 0.5) << "stop() returned before the in-flight request finished";
  EXPECT_ANY_THROW(Client(port).get("/healthz"));
}

}  // namespace
}  // namespace medsign::test
