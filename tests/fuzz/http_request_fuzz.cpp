// Raw bytes → HTTP request parser (limits as in production) → routing → the real API handlers of an
// initialised data dir. Every input must end in a response with a catalogue status, never a crash.
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <memory>

#include <boost/beast/http.hpp>

#include "common/logging.h"
#include "server/api.h"
#include "server/http_server.h"
#include "services/platform.h"

namespace {
struct World {
  std::unique_ptr<medsign::services::Platform> platform;
  medsign::server::Metrics metrics;
  medsign::server::Router router;
  std::unique_ptr<medsign::server::ApiContext> api;
};
World* g_world = nullptr;
}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  namespace fs = std::filesystem;
  (void)medsign::log::init("error", "");
  fs::path dir = fs::temp_directory_path() / ("medsign-fuzz-http-" + std::to_string(::getpid()));
  fs::remove_all(dir);
  ::unsetenv("MEDSIGN_DATABASE_BACKEND");
  if (!medsign::services::init_data_dir(dir).ok()) std::abort();
  auto p = medsign::services::Platform::open(dir);
  if (!p.ok()) std::abort();
  g_world = new World;
  g_world->platform = std::move(*p);
  g_world->api = std::make_unique<medsign::server::ApiContext>(
      medsign::server::ApiContext{*g_world->platform, g_world->metrics, [] { return false; }, ""});
  medsign::server::register_api(g_world->router, *g_world->api);
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  namespace http = boost::beast::http;
  http::request_parser<http::string_body> parser;
  parser.header_limit(16 * 1024);
  parser.body_limit(64 * 1024);
  parser.eager(true);
  boost::beast::error_code ec;
  parser.put(boost::asio::buffer(data, size), ec);
  if (ec && ec != http::error::need_more) return 0;
  if (!parser.is_header_done()) return 0;
  auto req = parser.release();
  medsign::server::RequestContext ctx{req, "127.0.0.1", "fuzz", false, {}, {}, {}, {}};
  auto res = medsign::server::dispatch_request(g_world->router, &g_world->metrics, ctx);
  int status = res.result_int();
  if (status < 200 || status > 599) std::abort();
  return 0;
}
