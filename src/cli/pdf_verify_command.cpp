// `medsign pdf verify IN [--json] [--policy NAME] [--ca FILE]...`: every signature of a PDF (pdf/verify.h),
// with certificates judged by a verification policy of the data directory (--policy), by given trust anchors
// (--ca), or else by the data directory's development CA when there is one. Exit 0 when every signature is
// valid, 1 when any is not (or there is none), 2 when the file cannot be read as a PDF or the arguments
// are wrong.
#include <filesystem>
#include <iostream>

#include <nlohmann/json.hpp>

#include "cli/commands.h"
#include "crypto/soft/keystore.h"
#include "pdf/verify.h"
#include "services/pki_policy.h"
#include "services/platform.h"

namespace medsign::cli {
namespace {
struct PdfVerifyArgs {
  std::string in, policy, data = "./var";
  std::vector<std::string> ca;
  bool json = false;
};
PdfVerifyArgs g_pv;

int fail(const Error& e) {
  (void)report(e);
  return 2;
}

int run_pdf_verify() {
  auto file = crypto::read_file(g_pv.in);
  if (!file) return fail(file.error());
  pdf::VerifyOptions o;
  std::unique_ptr<services::Platform> platform;
  std::shared_ptr<services::PkiPolicyService> policies;
  if (!g_pv.policy.empty()) {
    if (!g_pv.ca.empty()) return fail(Error(Errc::invalid_argument, "--policy and --ca exclude each other"));
    auto p = services::Platform::open(g_pv.data);
    if (!p) return fail(p.error());
    platform = std::move(*p);
    auto svc = services::PkiPolicyService::open(*platform->db, *platform->audit);
    if (!svc) return fail(svc.error());
    policies = std::move(*svc);
    if (auto known = policies->policy(g_pv.policy); !known) return fail(known.error());
    const std::string name = g_pv.policy;
    o.policy_name = name;
    o.check = [policies, name](const pki::Certificate& cert, std::span<const pki::Certificate>, std::int64_t at_ms) {
      auto r = policies->verify({name, cert.der(), at_ms});
      if (r) return *r;
      pki::ValidationResult v;
      v.detail = r.error().detail;
      return v;
    };
  } else if (!g_pv.ca.empty()) {
    std::vector<pki::Certificate> anchors;
    for (auto& f : g_pv.ca) {
      auto b = crypto::read_file(f);
      if (!b) return fail(b.error());
      auto certs = pki::Certificate::parse_pem(std::string_view(reinterpret_cast<const char*>(b->data()), b->size()));
      if (certs && !certs->empty()) {
        anchors.insert(anchors.end(), certs->begin(), certs->end());
        continue;
      }
      auto c = pki::Certificate::parse_der(*b);
      if (!c) return fail(Error(c.error().code, f + ": " + c.error().detail));
      anchors.push_back(*c);
    }
    o.check = pdf::anchors_check(std::move(anchors));
    o.policy_name = "command-line anchors";
  } else if (std::filesystem::exists(std::filesystem::path(g_pv.data) / "medsign.toml")) {
    auto p = services::Platform::open(g_pv.data);
    if (!p) return fail(p.error());
    if (auto pem = (*p)->keys.certificate("dev-ca")) {
      if (auto certs = pki::Certificate::parse_pem(*pem); certs && !certs->empty()) {
        o.check = pdf::anchors_check({certs->front()});
        o.policy_name = "development CA";
      }
    }
  }
  auto r = pdf::verify_pdf(*file, o);
  if (!r) return fail(r.error());
  if (g_pv.json) std::cout << pdf::to_json(*r).dump(2) << "\n";
  else std::cout << pdf::to_text(*r);
  return r->status == "valid" ? kExitOk : kExitFailed;
}
}  // namespace

void add_pdf_verify_commands(CLI::App* pdf) {
  if (!pdf->get_subcommands([](CLI::App* a) { return a->get_name() == "verify"; }).empty()) return;
  auto* v = pdf->add_subcommand("verify", "Verify every signature of a PDF: integrity, signer, time, changes, DocMDP");
  v->add_option("in", g_pv.in, "The PDF file")->required();
  v->add_flag("--json", g_pv.json, "Print the report as JSON");
  v->add_option("--policy", g_pv.policy, "Verification policy of the data directory for the certificates");
  v->add_option("--ca", g_pv.ca, "Trust anchor file(s), PEM or DER, instead of a policy")->take_all();
  v->add_option("--data", g_pv.data, "Data directory")->capture_default_str()->envname("MEDSIGN_DATA");
  v->callback([] { set_exit_code(run_pdf_verify()); });
}

}  // namespace medsign::cli
