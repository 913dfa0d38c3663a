#include "harness.h"

#include <cstdlib>
#include <random>

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/ssl.hpp>
#include <gtest/gtest.h>

#include "crypto/soft/keystore.h"
#include "server/tls.h"
#include "store/database.h"

namespace medsign::test {
namespace fs = std::filesystem;
namespace asio = boost::asio;
namespace beast = boost::beast;

bool using_postgres() {
  const char* db = std::getenv("MEDSIGN_TEST_DATABASE");
  return db && std::string(db) == "postgres";
}

static std::string random_hex(int n) {
  static std::mt19937_64 rng{std::random_device{}()};
  std::string s;
  for (int i = 0; i < n; ++i) s += "0123456789abcdef"[rng() % 16];
  return s;
}

void prepare_database_env() {
  if (!using_postgres()) {
    ::unsetenv("MEDSIGN_DATABASE_BACKEND");
    ::unsetenv("MEDSIGN_DATABASE_POSTGRES_URL");
    return;
  }
  const char* base = std::getenv("MEDSIGN_TEST_PG_URL");
  ASSERT_NE(base, nullptr) << "MEDSIGN_TEST_PG_URL must be set with MEDSIGN_TEST_DATABASE=postgres";
  std::string url(base);
  std::string name = "mt_" + random_hex(12);
  store::DatabaseConfig cfg;
  cfg.backend = store::Backend::postgres;
  cfg.postgres_url = url;
  cfg.pool_size = 1;
  auto admin = store::Database::open(cfg);
  ASSERT_TRUE(admin.ok()) << admin.error().to_string();
  auto st = (*admin)->exec("CREATE DATABASE " + name);
  ASSERT_TRUE(st.ok()) << st.error().to_string();
  auto slash = url.rfind('/');
  auto q = url.find('?', slash);
  std::string fresh = url.substr(0, slash + 1) + name + (q == std::string::npos ? "" : url.substr(q));
  ::setenv("MEDSIGN_DATABASE_BACKEND", "postgres", 1);
  ::setenv("MEDSIGN_DATABASE_POSTGRES_URL", fresh.c_str(), 1);
}

fs::path make_temp_dir(const std::string& prefix) {
  fs::path p = fs::temp_directory_path() / ("medsign-" + prefix + "-" + random_hex(10));
  fs::create_directories(p);
  return p;
}

int run_command(const std::string& cmd, std::string* output) {
  std::string full = cmd + " 2>&1";
  FILE* f = ::popen(full.c_str(), "r");
  if (!f) return -1;
  char buf[4096];
  std::string out;
  std::size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, f)) > 0) out.append(buf, n);
  int rc = ::pclose(f);
  if (output) *output = out;
  return WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
}

json Response::j() const {
  auto v = json::parse(body, nullptr, false);
  return v.is_discarded() ? json::object() : v;
}

std::string Response::error_code() const {
  auto v = j();
  return v.contains("error") ? v["error"].value("code", "") : "";
}

Response Client::request(http::verb method, const std::string& target, const std::string& body,
                         const std::string& content_type, const std::map<std::string, std::string>& headers) {
  asio::io_context ioc;
  http::request<http::string_body> req{method, target, 11};
  req.set(http::field::host, "127.0.0.1");
  if (!body.empty() || method == http::verb::post || method == http::verb::put) {
    req.set(http::field::content_type, content_type);
    req.body() = body;
    req.prepare_payload();
  }
  if (!cookie_.empty()) req.set(http::field::cookie, cookie_);
  if (!csrf.empty()) req.set("X-CSRF-Token", csrf);
  for (auto& [k, v] : headers) req.set(k, v);
  http::response<http::string_body> res;
  beast::flat_buffer buf;
  asio::ip::tcp::resolver resolver(ioc);
  auto eps = resolver.resolve("127.0.0.1", std::to_string(port_));
  if (tls_) {
    asio::ssl::context ctx(asio::ssl::context::tls_client);
    if (!ca_file_.empty()) {
      ctx.load_verify_file(ca_file_);
      ctx.set_verify_mode(asio::ssl::verify_peer);
    }
    beast::ssl_stream<beast::tcp_stream> s(ioc, ctx);
    SSL_set_tlsext_host_name(s.native_handle(), "localhost");
    s.set_verify_callback(asio::ssl::host_name_verification("localhost"));
    beast::get_lowest_layer(s).connect(eps);
    s.handshake(asio::ssl::stream_base::client);
    http::write(s, req);
    http::read(s, buf, res);
    beast::error_code ec;
    s.shutdown(ec);
  } else {
    beast::tcp_stream s(ioc);
    s.connect(eps);
    http::write(s, req);
    http::read(s, buf, res);
    beast::error_code ec;
    s.socket().shutdown(asio::ip::tcp::socket::shutdown_both, ec);
  }
  Response out;
  out.status = res.result_int();
  out.body = res.body();
  for (auto& f : res) out.headers[std::string(f.name_string())] = std::string(f.value());
  auto sc = res.find(http::field::set_cookie);
  if (sc != res.end()) {
    std::string v(sc->value());
    cookie_ = v.substr(0, v.find(';'));
  }
  return out;
}

TestServer::TestServer(std::function<void(server::Router&)> extra_routes) {
  dir_ = make_temp_dir("api");
  prepare_database_env();
  ::setenv("MEDSIGN_AUDIT_CHECKPOINT_EVERY", "5", 1);
  auto creds = services::init_data_dir(dir_);
  if (!creds) throw std::runtime_error("init: " + creds.error().to_string());
  for (auto& c : *creds) {
    passwords_[c.username] = c.password;
    pins_[c.username] = c.password;
    key_files_[c.username] = c.key_file;
  }
  auto p = services::Platform::open(dir_);
  if (!p) throw std::runtime_error("open: " + p.error().to_string());
  platform_ = std::move(*p);
  server::HttpServerOptions o;
  o.http_port = 0;
  o.https_port = 0;
  o.io_threads = 2;
  o.worker_threads = 4;
  o.max_body_bytes = 64 * 1024;
  o.header_timeout_ms = 1500;
  o.shutdown_grace_ms = 5000;
  auto tls = server::make_tls_context(*platform_);
  if (!tls) throw std::runtime_error("tls: " + tls.error().to_string());
  o.tls = *tls;
  auto tsa = services::TsaService::open(platform_->cfg.tsa, platform_->keys, *platform_->db,
                                       [this]() -> std::optional<std::string> {
                                         std::lock_guard lk(clock_mu_);
                                         return clock_problem_;
                                       });
  if (!tsa) throw std::runtime_error("tsa: " + tsa.error().to_string());
  tsa_ = std::move(*tsa);
  auto svs = services::SvsService::open(platform_->keys, *platform_->db, platform_->audit.get());
  if (!svs) throw std::runtime_error("svs: " + svs.error().to_string());
  svs_ = std::move(*svs);
  api_ = std::make_unique<server::ApiContext>(
      server::ApiContext{*platform_, metrics_, [this] { return http_ && http_->draining(); }, "", nullptr, tsa_.get()});
  api_->svs = svs_.get();
  server::register_api(router_, *api_);
  if (api_->pki) svs_->set_policies(api_->pki);
  if (extra_routes) extra_routes(router_);
  http_ = std::make_unique<server::HttpServer>(router_, metrics_, o);
  auto st = http_->start();
  if (!st) throw std::runtime_error("start: " + st.error().to_string());
  server::TsaSocketOptions so;
  so.tcp_port = 0;
  so.udp_port = 0;
  so.threads = 1;
  so.idle_timeout_ms = 3000;
  tsa_sockets_ = std::make_unique<server::TsaSocketServer>(*tsa_, so);
  st = tsa_sockets_->start();
  if (!st) throw std::runtime_error("tsa sockets: " + st.error().to_string());
  server::SvsSocketOptions vo;
  vo.tcp_port = 0;
  vo.udp_port = 0;
  vo.tls_port = 0;
  vo.tls = *tls;
  vo.threads = 1;
  vo.idle_timeout_ms = 3000;
  svs_sockets_ = std::make_unique<server::SvsSocketServer>(*svs_, vo);
  st = svs_sockets_->start();
  if (!st) throw std::runtime_error("svs sockets: " + st.error().to_string());
  thread_ = std::thread([this] { http_->run(); });
}

void TestServer::stop() {
  if (tsa_sockets_) tsa_sockets_->stop();
  if (svs_sockets_) svs_sockets_->stop();
  if (thread_.joinable()) {
    http_->stop();
    thread_.join();
  }
}

TestServer::~TestServer() {
  stop();
  std::error_code ec;
  fs::remove_all(dir_, ec);
}

std::string TestServer::sign(const std::string& user, const std::string& to_sign) {
  auto pem = crypto::read_file(key_files_.at(user));
  auto key = crypto::EvpKey::from_pem(as_chars(*pem), pins_.at(user));
  if (!key) throw std::runtime_error("key: " + key.error().to_string());
  auto sig = key->sign(as_bytes(to_sign));
  return base64_encode(*sig);
}

Client TestServer::login(const std::string& user) {
  Client c = client();
  auto ch = c.post("/api/v1/auth/challenge", {{"username", user}});
  if (ch.status != 200) throw std::runtime_error("challenge: " + ch.body);
  std::string pw = passwords_.at(user);
  auto res = c.post("/api/v1/auth/login", {{"username", user},
                                           {"password", pw},
                                           {"challenge_id", ch.j()["challenge_id"]},
                                           {"signature", sign(user, ch.j()["to_sign"])}});
  if (res.status != 200) throw std::runtime_error("login: " + res.body);
  c.csrf = res.j()["csrf_token"];
  if (res.j()["must_change_password"].get<bool>()) {
    std::string np = pw + "x9";
    auto ch2 = c.post("/api/v1/auth/password", {{"old_password", pw}, {"new_password", np}});
    if (ch2.status != 200) throw std::runtime_error("password: " + ch2.body);
    passwords_[user] = np;  // the key file keeps the first password as its PIN
  }
  return c;
}

Client TestServer::create_and_login(Client& manager, const std::string& user, const std::string& role) {
  auto r = manager.post("/api/v1/accounts", {{"username", user}, {"role", role}});
  if (r.status != 201) throw std::runtime_error("create " + user + ": " + r.body);
  passwords_[user] = r.j()["one_time_password"];
  pins_[user] = passwords_[user];
  fs::path kf = dir_ / "bootstrap" / (user + ".key.pem");
  std::string pem = r.j()["soft_key_pem"];
  (void)crypto::write_file_atomic(kf, as_bytes(pem), 0600);
  key_files_[user] = kf;
  return login(user);
}

}  // namespace medsign::test
