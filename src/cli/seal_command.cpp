// `medsign seal make|list|show|history|activate|suspend|resume|revoke|export|user|grant`: electronic seal objects
// of a data dir (services/seal_service.h), audited as the CLI operator. Added to the `seal` group next to
// `seal image`.
#include <fstream>
#include <iostream>
#include <string>

#include <nlohmann/json.hpp>

#include "cli/commands.h"
#include "common/clock.h"
#include "crypto/soft/keystore.h"
#include "services/platform.h"
#include "services/seal_service.h"

namespace medsign::cli {
namespace {

const services::Actor kCliOperator{"cli", services::Role::operator_, "cli"};

struct Args {
  std::string data = "./var", id, name, owner, type = "organisation", kind, text, code, png, reason, out, state,
              valid_start, valid_end, docmdp = "none", username, display_name, cert, user_id;
  int version = 4, width = 0, height = 0, dpi = 300;
  std::vector<std::string> keys, certs;
  bool json = false, activate = false, digests = false, picture = false;
} g;


void print_seal(const services::SealRecord& s) {
  if (g.json) {
    std::cout << services::to_json(s).dump() << "\n";
    return;
  }
  std::cout << s.id << "  " << s.name << "  [" << services::seal_state_name(s.state) << "]  v" << s.version << "  "
            << iso8601_millis(s.valid_start_ms) << " .. " << iso8601_millis(s.valid_end_ms) << "\n";
  for (const auto& c : s.certificates)
    std::cout << "  " << (c.key_name.empty() ? "(user-held)" : c.key_name) << "  " << c.certificate.subject().to_string()
              << "\n";
  if (!s.state_reason.empty()) std::cout << "  reason: " << s.state_reason << "\n";
}

Result<std::string> read_text(const std::string& path) {
  MEDSIGN_ASSIGN(Bytes b, crypto::read_file(path));
  return std::string(b.begin(), b.end());
}

Result<std::int64_t> time_arg(const std::string& v, const char* what) {
  if (v.empty()) return std::int64_t{0};
  std::int64_t ms = parse_iso8601_millis(v);
  if (ms < 0) return Error(Errc::invalid_argument, std::string(what) + " must be an ISO 8601 UTC time");
  return ms;
}

template <typename Fn>
void with_seals(Fn&& fn) {
  auto p = services::Platform::open(g.data);
  if (!p) return set_exit_code(report(p.error()));
  auto svc = services::SealService::open((*p)->keys, *(*p)->db, (*p)->audit.get());
  if (!svc) return set_exit_code(report(svc.error()));
  Status st = fn(**svc);
  if (!st) set_exit_code(report(st.error()));
}

Status make() {
  services::NewSeal spec;
  spec.name = g.name;
  spec.owner = g.owner;
  if (g.type != "organisation" && g.type != "personal")
    return Error(Errc::invalid_argument, "--type must be organisation or personal");
  spec.type = g.type == "organisation" ? 1 : 2;
  spec.version = g.version;
  spec.width_mm = g.width;
  spec.height_mm = g.height;
  spec.key_names = g.keys;
  for (const auto& f : g.certs) {
    MEDSIGN_ASSIGN(std::string pem, read_text(f));
    spec.certificates_pem.push_back(std::move(pem));
  }
  MEDSIGN_ASSIGN(spec.valid_start_ms, time_arg(g.valid_start, "--valid-start"));
  MEDSIGN_ASSIGN(spec.valid_end_ms, time_arg(g.valid_end, "--valid-end"));
  auto d = services::parse_docmdp(g.docmdp);
  if (!d) return Error(Errc::invalid_argument, "--docmdp must be none, no-changes, form-fill or annotations");
  spec.docmdp = *d;
  spec.cert_list_type = g.digests ? 2 : 1;
  spec.activate = g.activate;
  if (!g.png.empty()) {
    MEDSIGN_ASSIGN(spec.picture_png, crypto::read_file(g.png));
  } else {
    image::SealOptions o;
    std::string kind = g.kind.empty() ? (spec.type == 1 ? "round" : "name") : g.kind;
    auto k = image::parse_seal_kind(kind);
    if (!k) return Error(Errc::invalid_argument, "--kind must be round, oval, square, name or name-rect");
    o.kind = *k;
    o.star = o.kind == image::SealKind::round;
    o.name = g.owner.empty() ? g.name : g.owner;
    o.text = g.text;
    o.code = g.code;
    o.dpi = g.dpi;
    o.width_mm = g.width;
    o.height_mm = g.height;
    spec.render = o;
  }
  Status st;
  with_seals([&](services::SealService& s) -> Status {
    MEDSIGN_ASSIGN(auto made, s.make(spec, kCliOperator, unix_millis()));
    print_seal(made);
    return {};
  });
  return st;
}

void add_lifecycle(CLI::App* seal, const char* name, const char* help, bool reason) {
  auto* c = seal->add_subcommand(name, help);
  c->add_option("id", g.id, "seal id")->required();
  if (reason) c->add_option("--reason", g.reason, "why (recorded and audited)")->required();
  c->add_flag("--json", g.json, "print one JSON object");
  std::string action = name;
  c->callback([action] {
    with_seals([&](services::SealService& s) -> Status {
      Result<services::SealRecord> r = action == "activate" ? s.activate(g.id, kCliOperator)
                                       : action == "suspend" ? s.suspend(g.id, g.reason, kCliOperator)
                                       : action == "resume"  ? s.resume(g.id, kCliOperator)
                                                             : s.revoke(g.id, g.reason, kCliOperator);
      if (!r) return r.error();
      print_seal(*r);
      return {};
    });
  });
}

}  // namespace

void add_seal_object_commands(CLI::App* seal) {
  seal->add_option("--data", g.data, "data directory (default ./var)");

  auto* make_cmd = seal->add_subcommand("make", "Make a seal: picture, bound certificates, validity; signed by the seal maker");
  make_cmd->add_option("name", g.name, "seal name, e.g. 某某医院公章")->required();
  make_cmd->add_option("--owner", g.owner, "organisation or person (also the text of a rendered picture)");
  make_cmd->add_option("--type", g.type, "organisation or personal")->capture_default_str();
  make_cmd->add_option("--version", g.version, "2 (GM/T 0031-2014) or 4 (GB/T 38540-2020)")->capture_default_str();
  make_cmd->add_option("--key", g.keys, "server-held signing key by key store name (repeat), e.g. sm2-sign");
  make_cmd->add_option("--cert", g.certs, "PEM certificate file of a user-held key (repeat)");
  make_cmd->add_option("--png", g.png, "picture file (PNG) instead of rendering one");
  make_cmd->add_option("--kind", g.kind, "rendered picture: round, oval, square, name, name-rect");
  make_cmd->add_option("--text", g.text, "rendered picture: horizontal text (e.g. 合同专用章)");
  make_cmd->add_option("--code", g.code, "rendered picture: code along the lower arc");
  make_cmd->add_option("--dpi", g.dpi, "rendered picture resolution")->capture_default_str();
  make_cmd->add_option("--width", g.width, "display width in mm (0 = from the picture)");
  make_cmd->add_option("--height", g.height, "display height in mm (0 = from the picture)");
  make_cmd->add_option("--valid-start", g.valid_start, "ISO 8601 UTC (default now)");
  make_cmd->add_option("--valid-end", g.valid_end, "ISO 8601 UTC (default 3 years, capped by the certificates)");
  make_cmd->add_option("--docmdp", g.docmdp, "none, no-changes, form-fill, annotations")->capture_default_str();
  make_cmd->add_flag("--digests", g.digests, "list SM3 certificate digests (certListType 2, version 4)");
  make_cmd->add_flag("--activate", g.activate, "activate at once");
  make_cmd->add_flag("--json", g.json, "print one JSON object");
  make_cmd->callback([] {
    if (auto st = make(); !st) set_exit_code(report(st.error()));
  });

  auto* list = seal->add_subcommand("list", "Seals, filtered by state, owner, type or name");
  list->add_option("--state", g.state, "made, active, suspended, revoked");
  list->add_option("--owner", g.owner, "exact owner");
  list->add_option("--type", g.type, "organisation or personal")->default_str("");
  list->add_option("--name", g.name, "part of the name");
  list->add_flag("--json", g.json, "print a JSON array");
  list->callback([list] {
    with_seals([&](services::SealService& s) -> Status {
      services::SealQuery q;
      if (!g.state.empty()) {
        q.state = services::parse_seal_state(g.state);
        if (!q.state) return Error(Errc::invalid_argument, "--state must be made, active, suspended or revoked");
      }
      if (list->count("--type")) {
        if (g.type != "organisation" && g.type != "personal")
          return Error(Errc::invalid_argument, "--type must be organisation or personal");
        q.type = g.type == "organisation" ? 1 : 2;
      }
      q.owner = g.owner;
      q.name = g.name;
      MEDSIGN_ASSIGN(auto seals, s.list(q));
      if (g.json) {
        auto a = nlohmann::json::array();
        for (const auto& x : seals) a.push_back(services::to_json(x));
        std::cout << a.dump() << "\n";
      } else {
        for (const auto& x : seals) print_seal(x);
      }
      return {};
    });
  });

  auto* show = seal->add_subcommand("show", "One seal with its bound certificates");
  show->add_option("id", g.id, "seal id")->required();
  show->add_flag("--json", g.json, "print one JSON object");
  show->callback([] {
    with_seals([](services::SealService& s) -> Status {
      MEDSIGN_ASSIGN(auto x, s.get(g.id));
      print_seal(x);
      return {};
    });
  });

  auto* history = seal->add_subcommand("history", "A seal's state history: made, state changes, grants, oldest first");
  history->add_option("id", g.id, "seal id")->required();
  history->add_flag("--json", g.json, "print one JSON object {seal_id, items}");
  history->callback([] {
    with_seals([](services::SealService& s) -> Status {
      MEDSIGN_ASSIGN(auto events, s.history(g.id));
      if (g.json) {
        auto items = nlohmann::json::array();
        for (const auto& e : events) items.push_back(services::to_json(e));
        std::cout << nlohmann::json{{"seal_id", g.id}, {"items", items}}.dump() << "\n";
        return {};
      }
      for (const auto& e : events) {
        std::cout << e.seq << "  " << iso8601_millis(e.at_ms) << "  " << e.action << "  "
                  << (e.from_state.empty() ? "-" : e.from_state) << " -> " << e.to_state << "  by " << e.actor;
        if (!e.user_id.empty()) std::cout << "  user " << e.user_id << " (" << e.user_name << ")";
        if (!e.reason.empty()) std::cout << "  reason: " << e.reason;
        std::cout << "\n";
      }
      return {};
    });
  });

  add_lifecycle(seal, "activate", "Activate a made seal", false);
  add_lifecycle(seal, "suspend", "Suspend an active seal", true);
  add_lifecycle(seal, "resume", "Resume a suspended seal", false);
  add_lifecycle(seal, "revoke", "Revoke a seal for good", true);

  auto* exp = seal->add_subcommand("export", "Write the SESeal DER (or with --picture the PNG) of a seal");
  exp->add_option("id", g.id, "seal id")->required();
  exp->add_option("--out", g.out, "file to write")->required();
  exp->add_flag("--picture", g.picture, "write the picture instead of the seal structure");
  exp->callback([] {
    with_seals([](services::SealService& s) -> Status {
      MEDSIGN_ASSIGN(auto x, s.get(g.id));
      return crypto::write_file_atomic(g.out, g.picture ? x.picture : x.eseal, 0644);
    });
  });

  auto* user = seal->add_subcommand("user", "Registered seal users");
  user->require_subcommand(1);
  auto* uadd = user->add_subcommand("add", "Register an account (--username) or a named person (--name)");
  uadd->add_option("--username", g.username, "account name");
  uadd->add_option("--name", g.display_name, "display name");
  uadd->add_option("--cert", g.cert, "PEM certificate file of the person");
  uadd->add_flag("--json", g.json, "print one JSON object");
  uadd->callback([] {
    with_seals([](services::SealService& s) -> Status {
      services::NewSealUser u{g.username, g.display_name, ""};
      if (!g.cert.empty()) {
        MEDSIGN_ASSIGN(u.certificate_pem, read_text(g.cert));
      }
      MEDSIGN_ASSIGN(auto made, s.add_user(u, kCliOperator, unix_millis()));
      if (g.json) std::cout << nlohmann::json{{"id", made.id}, {"username", made.username}, {"display_name", made.display_name}}.dump() << "\n";
      else std::cout << made.id << "  " << made.display_name << "\n";
      return {};
    });
  });
  auto* ulist = user->add_subcommand("list", "Every seal user");
  ulist->callback([] {
    with_seals([](services::SealService& s) -> Status {
      MEDSIGN_ASSIGN(auto users, s.users());
      for (const auto& u : users)
        std::cout << u.id << "  " << (u.username.empty() ? "-" : u.username) << "  " << u.display_name << "\n";
      return {};
    });
  });
  auto* urm = user->add_subcommand("remove", "Remove a seal user and its grants");
  urm->add_option("user_id", g.user_id, "seal user id")->required();
  urm->callback([] { with_seals([](services::SealService& s) { return s.remove_user(g.user_id, kCliOperator); }); });

  auto* grant = seal->add_subcommand("grant", "Who may use which seal");
  grant->require_subcommand(1);
  auto* gadd = grant->add_subcommand("add", "Authorise a seal user to use a seal");
  gadd->add_option("id", g.id, "seal id")->required();
  gadd->add_option("user_id", g.user_id, "seal user id")->required();
  gadd->callback([] {
    with_seals([](services::SealService& s) -> Status {
      MEDSIGN_TRY(s.grant(g.id, g.user_id, kCliOperator, unix_millis()));
      return {};
    });
  });
  auto* glist = grant->add_subcommand("list", "Grants of a seal");
  glist->add_option("id", g.id, "seal id")->required();
  glist->callback([] {
    with_seals([](services::SealService& s) -> Status {
      MEDSIGN_ASSIGN(auto grants, s.grants(g.id));
      for (const auto& x : grants) std::cout << x.user_id << "  by " << x.granted_by << "  " << iso8601_millis(x.granted_at_ms) << "\n";
      return {};
    });
  });
  auto* grm = grant->add_subcommand("remove", "Withdraw a grant");
  grm->add_option("id", g.id, "seal id")->required();
  grm->add_option("user_id", g.user_id, "seal user id")->required();
  grm->callback([] { with_seals([](services::SealService& s) { return s.ungrant(g.id, g.user_id, kCliOperator); }); });
}

}  // namespace medsign::cli
