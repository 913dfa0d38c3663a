// `medsign serve`: runs every enabled service of a data dir in the foreground until SIGTERM/SIGINT.
#include <unistd.h>

#include <atomic>
#include <csignal>
#include <cstring>
#include <fstream>
#include <iostream>
#include <thread>

#include "cli/commands.h"
#include "common/logging.h"
#include "crypto/soft/keystore.h"
#include "server/api.h"
#include "server/http_server.h"
#include "server/sntp_server.h"
#include "server/tls.h"
#include "server/svs_socket_server.h"
#include "server/tsa_socket_server.h"
#include "services/ca_service.h"
#include "services/pki_policy.h"
#include "services/restore.h"
#include "tsp/clock_monitor.h"

namespace medsign::cli {
namespace fs = std::filesystem;

namespace {
std::string default_web_root() {
  fs::path p = fs::path(MEDSIGN_SOURCE_DIR) / "web" / "console" / "dist";
  return fs::is_directory(p) ? p.string() : "";
}
}  // namespace

// Serves until SIGTERM/SIGINT or until a restore asks for a restart (restart is then set).
static int serve_once(const fs::path& data_dir, std::atomic<bool>& restart) {
  // SIGTERM/SIGINT are taken by a dedicated thread (sigwait). They are blocked before any other thread
  // starts, so every thread inherits the mask and none is killed by them.
  sigset_t sigs;
  sigemptyset(&sigs);
  sigaddset(&sigs, SIGTERM);
  sigaddset(&sigs, SIGINT);
  pthread_sigmask(SIG_BLOCK, &sigs, nullptr);

  // A restore from the console that a crash interrupted is completed (or dropped) before anything reads the dir.
  if (auto fin = services::finish_interrupted_restore(data_dir); !fin) return report(fin.error());
  auto platform = services::Platform::open(data_dir);
  if (!platform) return report(platform.error());
  auto& p = **platform;
  auto st = log::init(p.cfg.log.level, p.cfg.log.file.empty() ? fs::path() : p.cfg.resolve(p.cfg.log.file));
  if (!st) return report(st.error());

  server::HttpServerOptions o;
  o.listen = p.cfg.server.listen;
  o.http_port = p.cfg.server.http_port;
  o.https_port = p.cfg.server.https_enabled ? p.cfg.server.https_port : -1;
  o.io_threads = p.cfg.server.threads;
  o.max_body_bytes = static_cast<std::uint64_t>(p.cfg.server.max_body_bytes);
  o.header_timeout_ms = p.cfg.server.header_timeout_ms;
  o.body_timeout_ms = p.cfg.server.body_timeout_ms;
  o.idle_timeout_ms = p.cfg.server.idle_timeout_ms;
  o.shutdown_grace_ms = p.cfg.server.shutdown_grace_ms;
  if (p.cfg.server.https_enabled) {
    auto tls = server::make_tls_context(p);
    if (!tls) return report(tls.error());
    o.tls = *tls;
  }
  std::string web_root = p.cfg.server.web_root.empty() ? default_web_root() : p.cfg.resolve(p.cfg.server.web_root).string();
  if (!web_root.empty() && !fs::is_directory(web_root))
    return report(Error(Errc::config_invalid, "server.web_root: " + web_root + " is not a directory"));

  auto time_sources = tsp::parse_time_sources(p.cfg.time.servers);
  if (!time_sources) return report(Error(Errc::config_invalid, "time.servers: " + time_sources.error().detail));
  tsp::ClockMonitor clock({*time_sources, p.cfg.time.poll_interval_s, p.cfg.time.timeout_ms,
                           static_cast<double>(p.cfg.time.max_offset_ms), p.cfg.time.holdover_s, p.cfg.time.use_chrony});
  clock.start();
  std::unique_ptr<server::SntpServer> sntp;
  if (p.cfg.time.sntp_enabled) {
    sntp = std::make_unique<server::SntpServer>(clock, p.cfg.server.listen, p.cfg.time.sntp_port);
    st = sntp->start();
    if (!st) return report(st.error());
  }

  std::unique_ptr<services::TsaService> tsa;
  if (p.cfg.tsa.enabled) {
    auto t = services::TsaService::open(p.cfg.tsa, p.keys, *p.db, [&clock]() -> std::optional<std::string> {
      auto st = clock.status();
      if (st.ok) return std::nullopt;
      return st.reason;
    });
    if (!t) return report(t.error());
    tsa = std::move(*t);
  }

  std::unique_ptr<services::SvsService> svs;
  if (p.cfg.svs.enabled) {
    auto sv = services::SvsService::open(p.keys, *p.db, p.audit.get());
    if (!sv) return report(sv.error());
    svs = std::move(*sv);
  }

  server::Metrics metrics;
  server::Router router;
  std::unique_ptr<server::HttpServer> http;
  server::ApiContext api{p, metrics, [&http] { return http && http->draining(); }, web_root, &clock, tsa.get()};
  api.svs = svs.get();
  // After a restore: the same graceful stop as SIGTERM (taken by the signal thread), then serve() re-executes.
  api.restart = [&restart] {
    restart = true;
    ::kill(::getpid(), SIGTERM);
  };
  server::register_api(router, api);
  if (svs && api.pki) svs->set_policies(api.pki);  // applications' named verification policies
  // Scheduled CRL downloads of the certificate trust policies (stops before the platform closes).
  std::optional<services::CrlFetchTimer> crl_timer;
  if (api.pki) crl_timer.emplace(*api.pki, 30000);
  // One route table for every kind of route (router.h); a route registered twice would shadow the other.
  if (auto twice = router.duplicates(); !twice.empty())
    return report(Error(Errc::internal, "route registered more than once: " + twice.front()));
  http = std::make_unique<server::HttpServer>(router, metrics, o);
  st = http->start();
  if (!st) return report(st.error());
  // Scheduled CRL publishing of the embedded CA (CRLs served at /crl/<ca>.crl).
  services::CaService ca_service(*p.db, p.keys, *p.audit,
                                 "http://" + o.listen + ":" + std::to_string(http->http_port()));
  services::CrlPublishTimer ca_crl_timer(ca_service, 60000);
  std::unique_ptr<server::TsaSocketServer> tsa_sockets;
  if (tsa && (p.cfg.tsa.tcp_enabled || p.cfg.tsa.udp_enabled)) {
    server::TsaSocketOptions so;
    so.listen = p.cfg.server.listen;
    so.tcp_port = p.cfg.tsa.tcp_enabled ? p.cfg.tsa.tcp_port : -1;
    so.udp_port = p.cfg.tsa.udp_enabled ? p.cfg.tsa.udp_port : -1;
    so.max_message = static_cast<std::size_t>(p.cfg.tsa.tcp_max_message);
    so.max_datagram = static_cast<std::size_t>(p.cfg.tsa.max_datagram);
    so.idle_timeout_ms = p.cfg.tsa.tcp_idle_timeout_ms;
    so.threads = p.cfg.tsa.transport_threads;
    tsa_sockets = std::make_unique<server::TsaSocketServer>(*tsa, so);
    st = tsa_sockets->start();
    if (!st) return report(st.error());
  }
  std::unique_ptr<server::SvsSocketServer> svs_sockets;
  if (svs && (p.cfg.svs.tcp_enabled || p.cfg.svs.udp_enabled || p.cfg.svs.tls_enabled)) {
    server::SvsSocketOptions so;
    if (p.cfg.svs.tls_enabled) {
      auto svs_tls = server::make_tls_context(p);
      if (!svs_tls) return report(svs_tls.error());
      so.tls = *svs_tls;
      so.tls_port = p.cfg.svs.tls_port;
    }
    so.listen = p.cfg.server.listen;
    so.tcp_port = p.cfg.svs.tcp_enabled ? p.cfg.svs.tcp_port : -1;
    so.udp_port = p.cfg.svs.udp_enabled ? p.cfg.svs.udp_port : -1;
    so.max_message = static_cast<std::size_t>(p.cfg.svs.max_message);
    so.max_datagram = static_cast<std::size_t>(p.cfg.svs.max_datagram);
    so.max_pipeline = static_cast<std::size_t>(p.cfg.svs.max_pipeline);
    so.idle_timeout_ms = p.cfg.svs.idle_timeout_ms;
    so.threads = p.cfg.svs.transport_threads;
    svs_sockets = std::make_unique<server::SvsSocketServer>(*svs, so);
    st = svs_sockets->start();
    if (!st) return report(st.error());
  }
  (void)p.audit->record({"system", "system", "system.start", "medsign serve", "success", "local",
                         "version " + std::string(MEDSIGN_VERSION)});

  std::cout << "MedSign " << MEDSIGN_VERSION << " is running (data: " << fs::absolute(data_dir).string() << ")\n"
            << "  console  http://" << o.listen << ":" << http->http_port() << "/\n";
  if (http->https_port() > 0) std::cout << "  console  https://" << o.listen << ":" << http->https_port() << "/\n";
  std::cout << "  health   http://" << o.listen << ":" << http->http_port() << "/healthz\n";
  if (sntp) std::cout << "  sntp     udp://" << o.listen << ":" << sntp->port() << "\n";
  if (tsa)
    std::cout << "  tsa      http://" << o.listen << ":" << http->http_port() << "/tsa  (default unit "
              << tsa->default_unit() << ")\n";
  if (tsa_sockets && tsa_sockets->tcp_port() > 0)
    std::cout << "  tsa      tcp://" << o.listen << ":" << tsa_sockets->tcp_port() << "  (RFC 3161 socket protocol)\n";
  if (tsa_sockets && tsa_sockets->udp_port() > 0)
    std::cout << "  tsa      udp://" << o.listen << ":" << tsa_sockets->udp_port() << "  (one request per datagram)\n";
  if (svs) std::cout << "  svs      http://" << o.listen << ":" << http->http_port() << "/api/v1/svs  (REST)\n";
  if (svs_sockets && svs_sockets->tcp_port() > 0)
    std::cout << "  svs      tcp://" << o.listen << ":" << svs_sockets->tcp_port() << "  (GM/T 0029 messages)\n";
  if (svs_sockets && svs_sockets->tls_port() > 0)
    std::cout << "  svs      tls://" << o.listen << ":" << svs_sockets->tls_port() << "  (GM/T 0029 messages over TLS)\n";
  if (svs_sockets && svs_sockets->udp_port() > 0)
    std::cout << "  svs      udp://" << o.listen << ":" << svs_sockets->udp_port() << "  (GM/T 0029, one per datagram)\n";
  auto creds = services::take_first_start_credentials(p);
  if (creds && !creds->empty()) {
    std::cout << "\nFirst start — one-time passwords of the bootstrap accounts (shown once; change at first login).\n"
                 "Each account's development smart key is the file shown; its PIN is the same one-time password.\n";
    for (auto& c : *creds)
      std::cout << "  " << c.username << " (" << c.role << ")  password: " << c.password << "  key: " << c.key_file.string()
                << "\n";
  }
  std::cout << std::flush;
  log::info("serving", {{"http_port", http->http_port()}, {"https_port", http->https_port()}});

  std::thread signal_thread([&] {
    int sig = 0;
    sigwait(&sigs, &sig);
    log::info("signal received; draining", {{"signal", sig}});
    http->stop();
  });
  http->run();
  if (tsa_sockets) tsa_sockets->stop();
  if (svs_sockets) svs_sockets->stop();
  if (sntp) sntp->stop();
  clock.stop();
  // run() returns only after stop(); make the signal thread exit if stop came from elsewhere.
  pthread_kill(signal_thread.native_handle(), SIGTERM);
  signal_thread.join();
  (void)p.audit->record({"system", "system", "system.stop", "medsign serve", "success", "local", ""});
  log::info(restart ? "stopped for a restart" : "stopped");
  return kExitOk;
}

namespace {
// Replaces the process image with a fresh `medsign serve` (same executable, arguments and environment, same
// PID), so it starts from the restored data dir. Returns only on failure.
int restart_in_place(const sigset_t& original_mask) {
  std::ifstream in("/proc/self/cmdline", std::ios::binary);
  std::vector<std::string> args;
  for (std::string a; std::getline(in, a, '\0');) args.push_back(a);
  if (args.empty()) return report(Error(Errc::internal, "restart: cannot read /proc/self/cmdline"));
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  std::cout << "restarting after a restore\n" << std::flush;
  std::cerr << std::flush;
  pthread_sigmask(SIG_SETMASK, &original_mask, nullptr);
  ::execv("/proc/self/exe", argv.data());
  return report(Error(Errc::internal, std::string("restart: execv failed: ") + std::strerror(errno)));
}
}  // namespace

int serve(const fs::path& data_dir) {
  sigset_t original_mask;
  pthread_sigmask(SIG_SETMASK, nullptr, &original_mask);
  std::atomic<bool> restart{false};
  int rc = serve_once(data_dir, restart);
  if (rc != kExitOk || !restart) return rc;
  return restart_in_place(original_mask);
}

}  // namespace medsign::cli
