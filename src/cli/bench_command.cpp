// `medsign bench tsa --url http[s]://HOST:PORT[/path] [--ca FILE | --insecure] | --tcp HOST:PORT | --udp HOST:PORT
// [--unit U] --alg sm3|sha256 --connections N [--pipeline N] [--timeout-ms MS] --seconds S [--json]`: load on a
// running timestamp authority (server/tsa_load.h), with the in-process bound of the same key type measured in
// the same run.
#include <iostream>
#include <string>
#include <thread>

#include "cli/commands.h"
#include "server/tsa_load.h"

namespace medsign::cli {

void register_bench_command(CLI::App& app) {
  static server::tsa_load::Options o;
  static std::string alg = "sha256", bound_key;
  static bool json = false;
  static double bound_seconds = 2.0;
  static int bound_threads = 0;
  auto* bench = app.add_subcommand("bench", "Load generators");
  bench->require_subcommand(1);
  auto* cmd = bench->add_subcommand("tsa", "Load a timestamp authority over keep-alive HTTP(S) or the RFC 3161 TCP or UDP protocol");
  auto* url = cmd->add_option("--url", o.url, "http://HOST:PORT[/path] or https://... (path default /tsa, or /tsa/UNIT)");
  auto* tcp = cmd->add_option("--tcp", o.tcp, "HOST:PORT of the RFC 3161 TCP transport");
  auto* udp = cmd->add_option("--udp", o.udp, "HOST:PORT of the RFC 3161 UDP transport (one query outstanding per socket)");
  url->excludes(tcp);
  url->excludes(udp);
  tcp->excludes(udp);
  auto* ca = cmd->add_option("--ca", o.ca_file, "https: PEM file of the CA the server certificate must chain to (default: the system store)");
  auto* insecure = cmd->add_flag("--insecure", o.insecure, "https: check neither the server certificate nor its host name");
  ca->excludes(insecure);
  cmd->add_option("--pipeline", o.pipeline, "HTTP(S) and TCP: requests sent together per connection (default 1)")->check(CLI::Range(1, 1024));
  cmd->add_option("--timeout-ms", o.timeout_ms, "UDP: wait this long for an answer before counting the datagram lost; HTTP(S) and TCP: give up on connections still waiting this long after the end (default 1000)")
      ->check(CLI::Range(1, 600000));
  cmd->add_option("--tsa-cert", o.tsa_cert, "PEM certificate of the TSA unit: verifies sampled UDP tokens (which carry no certificate)");
  cmd->add_option("--unit", o.unit, "TSA unit (HTTP: POST /tsa/UNIT)");
  cmd->add_option("--alg", alg, "hash of the message imprints")->check(CLI::IsMember({"sm3", "sha256", "sha384", "sha512"}));
  cmd->add_option("--connections", o.connections, "keep-alive connections, or UDP sockets (default 16)")->check(CLI::Range(1, 10000));
  cmd->add_option("--seconds", o.seconds, "duration (default 10)")->check(CLI::Range(0.1, 3600.0));
  cmd->add_option("--threads", o.threads, "client I/O threads (default 1)")->check(CLI::Range(1, 64));
  cmd->add_option("--verify-every", o.verify_every, "ask every Nth request with certReq and verify its token (0 = none; default 500)");
  cmd->add_option("--bound-key", bound_key, "key type of the in-process bound: sm2 | ecdsa | rsa | none (default: from --unit, else sm2)")
      ->check(CLI::IsMember({"sm2", "ecdsa", "rsa", "none"}));
  cmd->add_option("--bound-seconds", bound_seconds, "duration of the in-process bound (default 2)")->check(CLI::Range(0.1, 600.0));
  cmd->add_option("--bound-threads", bound_threads, "threads of the in-process bound (default: one per core)");
  cmd->add_flag("--json", json, "print one JSON object");
  cmd->callback([] {
    if (o.url.empty() + o.tcp.empty() + o.udp.empty() != 2)
      return set_exit_code(report(Error(Errc::invalid_argument, "give one of --url, --tcp or --udp")));
    o.alg = alg == "sm3" ? cms::DigestAlgorithm::sm3 : alg == "sha384" ? cms::DigestAlgorithm::sha384
          : alg == "sha512" ? cms::DigestAlgorithm::sha512 : cms::DigestAlgorithm::sha256;
    std::string key = !bound_key.empty() ? bound_key : (o.unit == "ecdsa" || o.unit == "rsa") ? o.unit : "sm2";
    nlohmann::json out;
    std::optional<server::tsa_load::Bound> bound;
    if (key != "none") {
      auto kt = key == "sm2" ? crypto::KeyType::sm2 : key == "ecdsa" ? crypto::KeyType::ecdsa_p256 : crypto::KeyType::rsa2048;
      int threads = bound_threads > 0 ? bound_threads : static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
      auto b = server::tsa_load::signing_bound(kt, o.alg, threads, bound_seconds);
      if (!b) return set_exit_code(report(b.error()));
      bound = *b;
    }
    auto r = server::tsa_load::run(o);
    if (!r) return set_exit_code(report(r.error()));
    if (json) {
      out = r->to_json();
      if (bound) {
        out["bound"] = bound->to_json();
        out["fraction_of_bound"] = bound->tokens_per_s > 0 ? r->tokens_per_s / bound->tokens_per_s : 0.0;
      }
      std::cout << out.dump() << "\n";
    } else {
      std::cout << r->to_text();
      if (bound)
        std::cout << "  bound      " << static_cast<long long>(bound->tokens_per_s) << " tokens/s in process (" << bound->key
                  << ", " << bound->threads << " threads); load = " << static_cast<int>(100 * r->tokens_per_s / bound->tokens_per_s)
                  << " % of it\n";
    }
    set_exit_code(r->errors == 0 ? kExitOk : kExitFailed);
  });
}

}  // namespace medsign::cli
