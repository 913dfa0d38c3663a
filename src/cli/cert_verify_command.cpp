// `medsign cert verify`: a certificate checked under a named verification policy of a data directory
// (--policy NAME --data DIR), or offline against trust anchors, intermediates and CRLs given as files
// (--ca, --untrusted, --crl). Prints the reason (and the chain); exit 0 when valid, 1 when not.
#include <iostream>

#include <nlohmann/json.hpp>

#include "cli/commands.h"
#include "common/clock.h"
#include "crypto/soft/keystore.h"
#include "pki/validation.h"
#include "services/pki_policy.h"
#include "services/platform.h"

namespace medsign::cli {
namespace {
struct VerifyArgs {
  std::string in, policy, data = "./var", purpose = "any", at;
  std::vector<std::string> ca, untrusted, crl;
  bool crl_required = false, json = false;
};
VerifyArgs g_v;

Result<Bytes> read(const std::string& path) { return crypto::read_file(path); }

// Anchors, intermediates and CRLs from files; each CRL is checked against the certificate that issued it.
Result<pki::VerificationPolicy> offline_policy(pki::CrlStore& crls) {
  pki::TrustPolicy t;
  t.name = "command-line";
  MEDSIGN_ASSIGN(t.purpose, pki::purpose_from_name(g_v.purpose));
  for (auto& f : g_v.ca) {
    MEDSIGN_ASSIGN(Bytes b, read(f));
    auto st = t.anchors.add_encoded(b);
    if (!st) return Error(st.error().code, f + ": " + st.error().detail);
  }
  for (auto& f : g_v.untrusted) {
    MEDSIGN_ASSIGN(Bytes b, read(f));
    auto st = t.intermediates.add_encoded(b);
    if (!st) return Error(st.error().code, f + ": " + st.error().detail);
  }
  for (auto& f : g_v.crl) {
    MEDSIGN_ASSIGN(Bytes b, read(f));
    auto crl = pki::Crl::parse(b);
    if (!crl) return Error(crl.error().code, f + ": " + crl.error().detail);
    bool stored = false;
    Error last(Errc::not_found, f + ": no --ca or --untrusted certificate named " + crl->issuer().to_string());
    for (const auto* pool : {&t.anchors, &t.intermediates})
      for (auto& e : pool->entries()) {
        if (stored || e.cert->subject() != crl->issuer()) continue;
        auto added = crls.add(*crl, *e.cert);
        if (added) stored = true;
        else last = Error(added.error().code, f + ": " + added.error().detail);
      }
    if (!stored) return last;
  }
  if (t.anchors.size() == 0) return Error(Errc::missing_field, "--ca: at least one trust anchor (or --policy)");
  t.revocation = g_v.crl_required ? pki::RevocationMode::crl_required
                                   : (g_v.crl.empty() ? pki::RevocationMode::off : pki::RevocationMode::crl_best_effort);
  pki::VerificationPolicy vp;
  vp.name = "command-line";
  vp.projects.push_back(std::move(t));
  return vp;
}

int run_verify() {
  auto data = read(g_v.in);
  if (!data) return report(data.error());
  std::optional<std::int64_t> at;
  if (!g_v.at.empty()) {
    const std::int64_t ms = parse_iso8601_millis(g_v.at);
    if (ms < 0) return report(Error(Errc::invalid_argument, "--at: an ISO 8601 UTC time, e.g. 2026-11-27T08:00:00Z"));
    at = ms;
  }
  pki::ValidationResult result;
  if (!g_v.policy.empty()) {
    if (!g_v.ca.empty() || !g_v.untrusted.empty() || !g_v.crl.empty())
      return report(Error(Errc::invalid_argument, "--policy takes its anchors and CRLs from the data directory; "
                                                  "leave out --ca, --untrusted and --crl"));
    auto p = services::Platform::open(g_v.data);
    if (!p) return report(p.error());
    auto svc = services::PkiPolicyService::open(*(*p)->db, *(*p)->audit);
    if (!svc) return report(svc.error());
    auto r = (*svc)->verify({g_v.policy, *data, at});
    if (!r) return report(r.error());
    result = std::move(*r);
  } else {
    auto cert = pki::Certificate::parse(*data);
    if (!cert) return report(cert.error());
    pki::CrlStore crls;
    auto vp = offline_policy(crls);
    if (!vp) return report(vp.error());
    result = pki::validate(*cert, at.value_or(unix_millis()), *vp, crls);
  }
  if (g_v.json) {
    std::cout << services::to_json(result).dump(2) << "\n";
  } else {
    std::cout << (result.ok ? "OK" : "FAILED") << ": " << pki::to_string(result.reason);
    if (!result.detail.empty()) std::cout << " — " << result.detail;
    std::cout << "\n";
    if (result.revocation) {
      std::cout << "  revoked at " << iso8601_millis(result.revocation->revocation_ms);
      if (result.revocation->reason) std::cout << " (" << pki::crl_reason_name(*result.revocation->reason) << ")";
      std::cout << "\n";
    }
    for (auto& c : result.chain)
      if (c) std::cout << "  " << c->subject().to_string() << "  [" << c->fingerprint_sha256().substr(0, 16) << "]\n";
  }
  return result.ok ? kExitOk : kExitFailed;
}
}  // namespace

void add_cert_verify(CLI::App* cert_group) {
  auto* v = cert_group->add_subcommand("verify", "Verify a certificate under a policy (--policy) or given anchors (--ca)");
  v->add_option("--in", g_v.in, "Certificate, DER or PEM")->required();
  v->add_option("--policy", g_v.policy, "Verification policy of the data directory");
  v->add_option("--data", g_v.data, "Data directory (with --policy)")->capture_default_str()->envname("MEDSIGN_DATA");
  v->add_option("--ca", g_v.ca, "Trust anchor file(s), PEM bundle or DER")->take_all();
  v->add_option("--untrusted", g_v.untrusted, "Intermediate CA certificate file(s)")->take_all();
  v->add_option("--crl", g_v.crl, "CRL file(s), DER or PEM (checked against their issuer)")->take_all();
  v->add_flag("--crl-required", g_v.crl_required, "Fail closed: every issuer needs a current CRL (offline mode)");
  v->add_option("--purpose", g_v.purpose,
                "any, document_signing, timestamping, tls_client, tls_server, encryption, ca (offline mode)")
      ->capture_default_str();
  v->add_option("--at", g_v.at, "Validation time, ISO 8601 UTC (default now)");
  v->add_flag("--json", g_v.json, "Print the result as JSON");
  v->callback([] { set_exit_code(run_verify()); });
}

}  // namespace medsign::cli
