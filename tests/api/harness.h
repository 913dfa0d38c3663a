// A real MedSign server for API tests: a fresh data dir (SQLite, or a fresh PostgreSQL database when
// MEDSIGN_TEST_DATABASE=postgres), the HTTP and HTTPS listeners on ephemeral loopback ports, and an HTTP
// client (Boost.Beast) with a cookie jar and the session's CSRF token.
#pragma once

#include <filesystem>
#include <map>
#include <mutex>
#include <optional>
#include <memory>
#include <string>
#include <thread>

#include <boost/beast/http.hpp>
#include <nlohmann/json.hpp>

#include "server/api.h"
#include "server/http_server.h"
#include "server/svs_socket_server.h"
#include "server/tsa_socket_server.h"
#include "services/platform.h"

namespace medsign::test {

namespace http = boost::beast::http;
using json = nlohmann::json;

bool using_postgres();
// Sets MEDSIGN_DATABASE_* for a fresh database on the configured backend (no-op for SQLite).
void prepare_database_env();
std::filesystem::path make_temp_dir(const std::string& prefix);
// Runs a shell command; returns exit status and captures stdout+stderr.
int run_command(const std::string& cmd, std::string* output = nullptr);

struct Response {
  int status = 0;
  std::string body;
  std::map<std::string, std::string> headers;
  json j() const;
  std::string error_code() const;
};

class Client {
 public:
  Client(int port, bool tls = false, std::string ca_file = {}) : port_(port), tls_(tls), ca_file_(std::move(ca_file)) {}
  Response request(http::verb method, const std::string& target, const std::string& body = {},
                   const std::string& content_type = "application/json",
                   const std::map<std::string, std::string>& headers = {});
  Response get(const std::string& t) { return request(http::verb::get, t); }
  Response post(const std::string& t, const json& b) { return request(http::verb::post, t, b.dump()); }
  Response put(const std::string& t, const json& b) { return request(http::verb::put, t, b.dump()); }
  void set_cookie(std::string c) { cookie_ = std::move(c); }
  const std::string& cookie() const { return cookie_; }
  std::string csrf;

 private:
  int port_;
  bool tls_;
  std::string ca_file_;
  std::string cookie_;
};

class TestServer {
 public:
  // extra_routes: test-only routes added next to the API (e.g. a slow handler).
  explicit TestServer(std::function<void(server::Router&)> extra_routes = {});
  ~TestServer();
  services::Platform& platform() { return *platform_; }
  services::TsaService& tsa() { return *tsa_; }
  // When set, the TSA refuses to issue with this reason (as with an unsynchronised clock).
  void set_clock_problem(std::optional<std::string> p) {
    std::lock_guard lk(clock_mu_);
    clock_problem_ = std::move(p);
  }
  int port() const { return http_->http_port(); }
  // The TSA's TCP (RFC 3161 §3.3) and UDP transports, on ephemeral loopback ports.
  int tsa_tcp_port() const { return tsa_sockets_->tcp_port(); }
  int tsa_udp_port() const { return tsa_sockets_->udp_port(); }
  int tls_port() const { return http_->https_port(); }
  // The signing service and its GM/T 0029 TCP and UDP transports (ephemeral loopback ports).
  services::SvsService& svs() { return *svs_; }
  services::PkiPolicyService& pki() { return *api_->pki; }
  int svs_tcp_port() const { return svs_sockets_->tcp_port(); }
  int svs_udp_port() const { return svs_sockets_->udp_port(); }
  int svs_tls_port() const { return svs_sockets_->tls_port(); }
  Client client() { return Client(port()); }
  std::filesystem::path data_dir() const { return dir_; }
  std::string password(const std::string& user) const { return passwords_.at(user); }
  std::filesystem::path key_file(const std::string& user) const { return key_files_.at(user); }

  // Full two-factor login (changing the one-time password when required). Returns a logged-in client.
  Client login(const std::string& user);
  // Creates an account of role through the API as `manager` and logs it in.
  Client create_and_login(Client& manager, const std::string& user, const std::string& role);
  // Signs challenge text with a user's soft key.
  std::string sign(const std::string& user, const std::string& to_sign);
  void stop();

 private:
  std::filesystem::path dir_;
  std::unique_ptr<services::Platform> platform_;
  server::Metrics metrics_;
  server::Router router_;
  std::unique_ptr<services::TsaService> tsa_;
  std::unique_ptr<server::ApiContext> api_;
  std::unique_ptr<server::HttpServer> http_;
  std::unique_ptr<server::TsaSocketServer> tsa_sockets_;
  std::unique_ptr<services::SvsService> svs_;
  std::unique_ptr<server::SvsSocketServer> svs_sockets_;
  std::thread thread_;
  std::mutex clock_mu_;
  std::optional<std::string> clock_problem_;
  std::map<std::string, std::string> passwords_;  // current login passwords
  std::map<std::string, std::string> pins_;       // soft key PINs (the first one-time password)
  std::map<std::string, std::filesystem::path> key_files_;
};

}  // namespace medsign::test
