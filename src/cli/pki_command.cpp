// `medsign pki anchor|intermediate|project|list|policy|crl ...`: the certificate trust configuration of a data
// directory, offline, for operators (the API under /api/v1/pki does the same on a running server, which picks
// offline changes up within its CRL timer interval). Every change is audited with actor "cli".
#include <iostream>

#include <nlohmann/json.hpp>

#include "cli/commands.h"
#include "common/clock.h"
#include "crypto/soft/keystore.h"
#include "services/pki_policy.h"
#include "services/platform.h"

namespace medsign::cli {
namespace {
struct PkiArgs {
  std::string data = "./var", name, file, fingerprint, ca, url, purpose = "any", revocation = "crl_best_effort",
              list_mode = "none", crl_failure = "project", description;
  std::vector<std::string> anchors, projects;
  std::int64_t grace_ms = 0, interval_s = 3600, id = 0;
  int timeout_ms = 15000, max_path = 8;
};
PkiArgs g_a;
const services::PkiActor kCli{"cli", "offline", "cli"};

struct Opened {
  std::unique_ptr<services::Platform> platform;
  std::unique_ptr<services::PkiPolicyService> svc;
};

Result<Opened> open_pki() {
  Opened o;
  MEDSIGN_ASSIGN(o.platform, services::Platform::open(g_a.data));
  MEDSIGN_ASSIGN(o.svc, services::PkiPolicyService::open(*o.platform->db, *o.platform->audit));
  return o;
}

// Runs fn on the opened service; prints its JSON; reports errors.
void run(const std::function<Result<nlohmann::json>(services::PkiPolicyService&)>& fn) {
  auto o = open_pki();
  if (!o) return set_exit_code(report(o.error()));
  auto j = fn(*o->svc);
  if (!j) return set_exit_code(report(j.error()));
  std::cout << j->dump(2) << "\n";
  set_exit_code(kExitOk);
}

template <typename T>
nlohmann::json items(const std::vector<T>& v) {
  auto a = nlohmann::json::array();
  for (auto& i : v) a.push_back(services::to_json(i));
  return a;
}

Result<services::PkiProject> project_from_args() {
  services::PkiProject p;
  p.name = g_a.name;
  p.description = g_a.description;
  p.anchors = g_a.anchors;
  MEDSIGN_ASSIGN(p.purpose, pki::purpose_from_name(g_a.purpose));
  MEDSIGN_ASSIGN(p.revocation, pki::revocation_mode_from_name(g_a.revocation));
  MEDSIGN_ASSIGN(p.list_mode, services::list_mode_from_name(g_a.list_mode));
  p.crl_grace_ms = g_a.grace_ms;
  p.max_path_length = g_a.max_path;
  return p;
}

void add_certificate_group(CLI::App* pki, const std::string& kind) {
  auto* g = pki->add_subcommand(kind, kind == "anchor" ? "Trust anchors (CA certificates of any CA system)"
                                                       : "Intermediate CA certificates for path building");
  g->require_subcommand(1);
  g->add_subcommand("list", "List them")->callback([kind] {
    run([kind](auto& s) -> Result<nlohmann::json> { return items(s.certificates(kind)); });
  });
  auto* add = g->add_subcommand("add", "Add every certificate of a PEM file (or one DER)");
  add->add_option("file", g_a.file)->required();
  add->callback([kind] {
    run([kind](auto& s) -> Result<nlohmann::json> {
      MEDSIGN_ASSIGN(Bytes b, crypto::read_file(g_a.file));
      MEDSIGN_ASSIGN(auto added, s.add_certificates(kind, b, kCli));
      return items(added);
    });
  });
  auto* rm = g->add_subcommand("remove", "Remove one by SHA-256 fingerprint");
  rm->add_option("fingerprint", g_a.fingerprint)->required();
  rm->callback([kind] {
    run([kind](auto& s) -> Result<nlohmann::json> {
      MEDSIGN_TRY(s.remove_certificate(kind, g_a.fingerprint, kCli));
      return nlohmann::json{{"removed", g_a.fingerprint}};
    });
  });
}

void add_project_options(CLI::App* c) {
  c->add_option("name", g_a.name)->required();
  c->add_option("--anchor", g_a.anchors, "Trust anchor fingerprint (repeat)");
  c->add_option("--purpose", g_a.purpose, "any, document_signing, timestamping, tls_client, tls_server, encryption, ca")
      ->capture_default_str();
  c->add_option("--revocation", g_a.revocation, "off, crl_required, crl_best_effort")->capture_default_str();
  c->add_option("--list-mode", g_a.list_mode, "none, whitelist, blacklist")->capture_default_str();
  c->add_option("--grace-ms", g_a.grace_ms, "Tolerance past a CRL's nextUpdate")->capture_default_str();
  c->add_option("--max-path", g_a.max_path, "Most certificates in a chain")->capture_default_str();
  c->add_option("--description", g_a.description);
}

void add_policy_options(CLI::App* c) {
  c->add_option("name", g_a.name)->required();
  c->add_option("--project", g_a.projects, "Project (repeat; in order)")->required();
  c->add_option("--crl-failure", g_a.crl_failure, "project, fail_closed, soft_fail")->capture_default_str();
  c->add_option("--description", g_a.description);
}
}  // namespace

void register_pki_command(CLI::App& app) {
  auto* pki = app.add_subcommand("pki", "Certificate trust: anchors, projects, lists, policies, CRLs (offline)");
  pki->require_subcommand(1);
  pki->add_option("--data", g_a.data, "Data directory")->capture_default_str()->envname("MEDSIGN_DATA");
  add_certificate_group(pki, "anchor");
  add_certificate_group(pki, "intermediate");

  auto* project = pki->add_subcommand("project", "Projects: anchors, purpose, revocation, list mode");
  project->require_subcommand(1);
  project->add_subcommand("list", "List projects")->callback([] {
    run([](auto& s) -> Result<nlohmann::json> { return items(s.projects()); });
  });
  for (bool create : {true, false}) {
    auto* c = project->add_subcommand(create ? "create" : "update", create ? "Create a project" : "Replace a project's settings");
    add_project_options(c);
    c->callback([create] {
      run([create](auto& s) -> Result<nlohmann::json> {
        MEDSIGN_ASSIGN(auto p, project_from_args());
        MEDSIGN_TRY(s.put_project(p, create, kCli));
        MEDSIGN_ASSIGN(auto out, s.project(p.name));
        return services::to_json(out);
      });
    });
  }
  auto* prm = project->add_subcommand("remove", "Remove a project no policy uses");
  prm->add_option("name", g_a.name)->required();
  prm->callback([] {
    run([](auto& s) -> Result<nlohmann::json> {
      MEDSIGN_TRY(s.remove_project(g_a.name, kCli));
      return nlohmann::json{{"removed", g_a.name}};
    });
  });

  auto* list = pki->add_subcommand("list", "A project's white- or black-list");
  list->require_subcommand(1);
  auto* ladd = list->add_subcommand("add", "Put a certificate (--cert FILE) or fingerprint on a project's list");
  ladd->add_option("project", g_a.name)->required();
  ladd->add_option("--fingerprint", g_a.fingerprint, "SHA-256 fingerprint");
  ladd->add_option("--cert", g_a.file, "Certificate file, DER or PEM");
  ladd->callback([] {
    run([](auto& s) -> Result<nlohmann::json> {
      Bytes entry;
      if (!g_a.file.empty()) {
        MEDSIGN_ASSIGN(entry, crypto::read_file(g_a.file));
      } else if (!g_a.fingerprint.empty()) {
        entry = to_bytes(g_a.fingerprint);
      } else {
        return Error(Errc::missing_field, "--cert or --fingerprint");
      }
      MEDSIGN_ASSIGN(std::string fp, s.add_to_list(g_a.name, entry, kCli));
      return nlohmann::json{{"project", g_a.name}, {"fingerprint", fp}};
    });
  });
  auto* lrm = list->add_subcommand("remove", "Take a fingerprint off a project's list");
  lrm->add_option("project", g_a.name)->required();
  lrm->add_option("fingerprint", g_a.fingerprint)->required();
  lrm->callback([] {
    run([](auto& s) -> Result<nlohmann::json> {
      MEDSIGN_TRY(s.remove_from_list(g_a.name, g_a.fingerprint, kCli));
      return nlohmann::json{{"removed", g_a.fingerprint}};
    });
  });

  auto* policy = pki->add_subcommand("policy", "Verification policies (named combinations of projects)");
  policy->require_subcommand(1);
  policy->add_subcommand("list", "List policies")->callback([] {
    run([](auto& s) -> Result<nlohmann::json> { return items(s.policies()); });
  });
  for (bool create : {true, false}) {
    auto* c = policy->add_subcommand(create ? "create" : "update", create ? "Create a policy" : "Replace a policy");
    add_policy_options(c);
    c->callback([create] {
      run([create](auto& s) -> Result<nlohmann::json> {
        services::PkiPolicy p{g_a.name, g_a.description, g_a.projects, services::CrlFailure::project};
        MEDSIGN_ASSIGN(p.crl_failure, services::crl_failure_from_name(g_a.crl_failure));
        MEDSIGN_TRY(s.put_policy(p, create, kCli));
        MEDSIGN_ASSIGN(auto out, s.policy(p.name));
        return services::to_json(out);
      });
    });
  }
  auto* polrm = policy->add_subcommand("remove", "Remove a policy");
  polrm->add_option("name", g_a.name)->required();
  polrm->callback([] {
    run([](auto& s) -> Result<nlohmann::json> {
      MEDSIGN_TRY(s.remove_policy(g_a.name, kCli));
      return nlohmann::json{{"removed", g_a.name}};
    });
  });

  auto* crl = pki->add_subcommand("crl", "CRLs and CRL sources");
  crl->require_subcommand(1);
  crl->add_subcommand("list", "The current CRL of each CA")->callback([] {
    run([](auto& s) -> Result<nlohmann::json> { return items(s.crls()); });
  });
  auto* up = crl->add_subcommand("upload", "Store a CRL file (DER or PEM) after checking it against its issuer");
  up->add_option("file", g_a.file)->required();
  up->add_option("--ca", g_a.ca, "Fingerprint of the issuing CA (default: found by name and key)");
  up->callback([] {
    run([](auto& s) -> Result<nlohmann::json> {
      MEDSIGN_ASSIGN(Bytes b, crypto::read_file(g_a.file));
      MEDSIGN_ASSIGN(auto info, s.upload_crl(b, g_a.ca, kCli));
      return services::to_json(info);
    });
  });
  crl->add_subcommand("sources", "CRL sources with their last fetch status")->callback([] {
    run([](auto& s) -> Result<nlohmann::json> {
      MEDSIGN_ASSIGN(auto all, s.crl_sources());
      return items(all);
    });
  });
  auto* sadd = crl->add_subcommand("source-add", "Add an http:// or ldap:// CRL source for a stored CA");
  sadd->add_option("--ca", g_a.ca, "Fingerprint of the CA")->required();
  sadd->add_option("--url", g_a.url, "http://host/path or ldap://host/dn?certificateRevocationList;binary")->required();
  sadd->add_option("--interval", g_a.interval_s, "Seconds between fetches")->capture_default_str();
  sadd->add_option("--timeout-ms", g_a.timeout_ms, "Bound on one fetch")->capture_default_str();
  sadd->callback([] {
    run([](auto& s) -> Result<nlohmann::json> {
      services::CrlSource src;
      src.ca_fingerprint = g_a.ca;
      src.url = g_a.url;
      src.interval_s = g_a.interval_s;
      src.timeout_ms = g_a.timeout_ms;
      MEDSIGN_ASSIGN(auto added, s.add_crl_source(src, kCli));
      return services::to_json(added);
    });
  });
  auto* srm = crl->add_subcommand("source-remove", "Remove a CRL source");
  srm->add_option("id", g_a.id)->required();
  srm->callback([] {
    run([](auto& s) -> Result<nlohmann::json> {
      MEDSIGN_TRY(s.remove_crl_source(g_a.id, kCli));
      return nlohmann::json{{"removed", g_a.id}};
    });
  });
  auto* fetch = crl->add_subcommand("fetch", "Fetch a source's CRL now");
  fetch->add_option("id", g_a.id)->required();
  fetch->callback([] {
    run([](auto& s) -> Result<nlohmann::json> {
      MEDSIGN_ASSIGN(auto src, s.fetch_crl_source(g_a.id, unix_millis(), kCli));
      return services::to_json(src);
    });
  });

  // `medsign cert verify` lives in the `cert` group; add it unless the group's own file already did.
  CLI::App* cert = nullptr;
  try {
    cert = app.get_subcommand("cert");
  } catch (const CLI::Error&) {
    cert = app.add_subcommand("cert", "Certificates: parse and verify");
    cert->require_subcommand(1);
  }
  bool has_verify = false;
  for (auto* sub : cert->get_subcommands({}))
    if (sub->get_name() == "verify") has_verify = true;
  if (!has_verify) add_cert_verify(cert);
}

}  // namespace medsign::cli
