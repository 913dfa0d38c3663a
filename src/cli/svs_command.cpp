// `medsign app add|list|show|enable|disable|rotate-secret` (business applications of the signing service,
// against a data dir, audited as the CLI operator) and `medsign bench svs` (load on a running signing
// service, server/svs_load.h).
#include <iostream>
#include <optional>
#include <thread>
#include <string>

#include <nlohmann/json.hpp>

#include "cli/commands.h"
#include "server/svs_load.h"

#include "services/platform.h"
#include "services/svs.h"

namespace medsign::cli {
namespace {

const services::Actor kCliOperator{"cli", services::Role::operator_, "cli"};

Result<std::unique_ptr<services::SvsService>> open_svs(services::Platform& p) {
  return services::SvsService::open(p.keys, *p.db, p.audit.get());
}

nlohmann::json app_json(const services::SvsApp& a) {
  nlohmann::json allow = nlohmann::json::array();
  for (const auto& c : a.allow) allow.push_back(c.to_string());
  return {{"id", a.id}, {"name", a.name}, {"allow", allow}, {"keys", a.keys}, {"policy", a.policy}, {"enabled", a.enabled}};
}

void print_app(const services::SvsApp& a, const std::string& secret, bool json) {
  if (json) {
    auto j = app_json(a);
    if (!secret.empty()) j["secret"] = secret;
    std::cout << j.dump() << "\n";
    return;
  }
  std::cout << a.id << "  " << a.name << (a.enabled ? "" : "  (disabled)") << "\n  allow:";
  for (const auto& c : a.allow) std::cout << " " << c.to_string();
  std::cout << "\n  keys:";
  for (int k : a.keys) std::cout << " " << k;
  std::cout << "\n";
  if (!secret.empty()) std::cout << "  secret: " << secret << "  (shown once)\n";
}

// Runs fn with the data dir's signing service.
template <typename Fn>
void with_svs(const std::string& data, Fn&& fn) {
  auto p = services::Platform::open(data);
  if (!p) return set_exit_code(report(p.error()));
  auto svs = open_svs(**p);
  if (!svs) return set_exit_code(report(svs.error()));
  auto st = fn(**svs);
  if (!st) set_exit_code(report(st.error()));
}

void register_app(CLI::App& app) {
  static std::string data = "./var", name, id, policy;
  static std::vector<std::string> allow;
  static std::vector<int> keys;
  static bool json = false;
  auto* cmd = app.add_subcommand("app", "Business applications of the signing service (HIS, EMR, LIS, PACS, ...)");
  cmd->require_subcommand(1);
  cmd->add_option("--data", data, "data directory (default ./var)");

  auto* add = cmd->add_subcommand("add", "Register an application; prints its id and secret (shown once)");
  add->add_option("name", name, "application name")->required();
  add->add_option("--allow", allow, "allowed source addresses or CIDR prefixes (default loopback)");
  add->add_option("--key", keys, "key index it may sign with (repeat)");
  add->add_option("--policy", policy, "verification policy name");
  add->add_flag("--json", json, "print one JSON object");
  add->callback([] {
    with_svs(data, [](services::SvsService& svs) -> Status {
      services::NewApp spec;
      spec.name = name;
      if (!allow.empty()) spec.allow = allow;
      spec.keys = keys;
      spec.policy = policy;
      MEDSIGN_ASSIGN(auto c, svs.add_app(spec, kCliOperator));
      print_app(c.app, c.secret, json);
      return {};
    });
  });

  auto* list = cmd->add_subcommand("list", "List applications");
  list->add_flag("--json", json, "print a JSON array");
  list->callback([] {
    with_svs(data, [](services::SvsService& svs) -> Status {
      nlohmann::json arr = nlohmann::json::array();
      for (const auto& a : svs.list_apps()) json ? arr.push_back(app_json(a)) : print_app(a, "", false);
      if (json) std::cout << arr.dump() << "\n";
      return {};
    });
  });

  for (const char* action : {"enable", "disable", "rotate-secret", "show"}) {
    auto* sub = cmd->add_subcommand(action, std::string(action) + " an application");
    sub->add_option("id", id, "application id")->required();
    sub->add_flag("--json", json, "print one JSON object");
    sub->callback([action] {
      with_svs(data, [action](services::SvsService& svs) -> Status {
        std::string a = action;
        if (a == "rotate-secret") {
          MEDSIGN_ASSIGN(auto c, svs.rotate_secret(id, kCliOperator));
          print_app(c.app, c.secret, json);
          return {};
        }
        if (a != "show") MEDSIGN_TRY(svs.set_app_enabled(id, a == "enable", kCliOperator));
        MEDSIGN_ASSIGN(auto app, svs.get_app(id));
        print_app(app, "", json);
        return {};
      });
    });
  }
}

void register_bench_svs(CLI::App& app) {
  auto* bench = app.get_subcommand("bench");
  static server::svs_load::Options o;
  static std::string alg, data;
  static bool json = false;
  static double bound_seconds = 2.0;
  static int bound_threads = 0;
  auto* cmd = bench->add_subcommand("svs", "Load a signing service over REST or the GM/T 0029 binary protocol");
  auto* url = cmd->add_option("--url", o.url, "http://HOST:PORT of the REST API");
  auto* bin = cmd->add_option("--binary", o.binary, "HOST:PORT of the GM/T 0029 TCP transport");
  url->excludes(bin);
  cmd->add_option("--op", o.op, "verify (default) or sign")->check(CLI::IsMember({"verify", "sign"}));
  cmd->add_option("--alg", alg, "sm2 (key 1), rsa (key 2) or ecdsa (key 5, REST) of the development keys")
      ->check(CLI::IsMember({"sm2", "rsa", "ecdsa"}));
  cmd->add_option("--key", o.key, "key index or name on the server (default 1)");
  cmd->add_option("--app", o.app_id, "application id (REST)");
  cmd->add_option("--secret", o.secret, "application secret (REST)");
  cmd->add_option("--data", data, "data dir whose development application to use (instead of --app/--secret)");
  cmd->add_option("--verify-level", o.verify_level, "0 validity, 1 + chain (default), 2 + CRL")->check(CLI::Range(0, 2));
  cmd->add_option("--connections", o.connections, "keep-alive connections (default 32)")->check(CLI::Range(1, 10000));
  cmd->add_option("--seconds", o.seconds, "duration (default 10)")->check(CLI::Range(0.1, 3600.0));
  cmd->add_option("--threads", o.threads, "client I/O threads (default 1)")->check(CLI::Range(1, 64));
  cmd->add_option("--pipeline", o.pipeline, "requests sent together per connection (default 1)")->check(CLI::Range(1, 1024));
  cmd->add_option("--bound-seconds", bound_seconds,
                  "duration of the in-process crypto bound measured after the load; 0 = none (default 2)")
      ->check(CLI::Range(0.0, 600.0));
  cmd->add_option("--bound-threads", bound_threads, "threads of the in-process bound (default: one per core)");
  cmd->add_flag("--json", json, "print one JSON object");
  cmd->callback([] {
    if (o.url.empty() == o.binary.empty()) return set_exit_code(report(Error(Errc::invalid_argument, "give --url or --binary")));
    if (alg == "ecdsa" && !o.binary.empty()) {
      return set_exit_code(report(Error(Errc::invalid_argument,
                                        "the GM/T 0029 binary protocol has no signMethod for ECDSA (GM/T 0006 defines none); use --url")));
    }
    if (!alg.empty()) o.key = alg == "rsa" ? "2" : alg == "ecdsa" ? "5" : "1";
    if (!data.empty()) {
      auto p = services::Platform::open(data);
      if (!p) return set_exit_code(report(p.error()));
      auto c = services::dev_app_credentials(**p);
      if (!c) return set_exit_code(report(c.error()));
      o.app_id = c->first;
      o.secret = c->second;
    }
    if (!o.url.empty() && (o.app_id.empty() || o.secret.empty())) {
      return set_exit_code(report(Error(Errc::invalid_argument, "REST load needs --app and --secret, or --data")));
    }
    auto r = server::svs_load::run(o);
    if (!r) return set_exit_code(report(r.error()));
    std::optional<server::svs_load::Bound> bound;
    if (bound_seconds > 0) {
      int threads = bound_threads > 0 ? bound_threads : static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
      auto b = server::svs_load::crypto_bound(o.op, alg.empty() ? (o.key == "2" ? "rsa" : o.key == "5" ? "ecdsa" : "sm2") : alg,
                                              threads, bound_seconds);
      if (!b) return set_exit_code(report(b.error()));
      bound = *b;
    }
    double fraction = bound && bound->ops_per_s > 0 ? r->requests_per_s / bound->ops_per_s : 0.0;
    if (json) {
      auto out = r->to_json();
      if (bound) {
        out["bound"] = bound->to_json();
        out["fraction_of_bound"] = fraction;
      }
      std::cout << out.dump() << "\n";
    } else {
      std::cout << r->to_text();
      if (bound) {
        std::cout << "  bound      " << static_cast<long long>(bound->ops_per_s) << " " << bound->alg << " " << bound->op
                  << "s/s in process (" << bound->threads << " threads); load = " << static_cast<int>(100 * fraction)
                  << " % of it\n";
      }
    }
    if (r->errors > 0) set_exit_code(kExitFailed);
  });
}

}  // namespace

void register_svs_commands(CLI::App& app) {
  register_app(app);
  register_bench_svs(app);
}

}  // namespace medsign::cli
