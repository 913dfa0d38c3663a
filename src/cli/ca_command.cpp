// `medsign ca`: the embedded CA of a data directory, offline (docs/CA.md). Every change is audited with the
// actor "cli"; a running server sees the changes at once (they live in the database).
#include <iostream>

#include <nlohmann/json.hpp>

#include "ca/export.h"
#include "cli/commands.h"
#include "common/clock.h"
#include "services/ca_service.h"
#include "services/platform.h"

namespace medsign::cli {
namespace {
std::string g_data = "./var";
std::string g_name, g_subject, g_alg = "sm2", g_parent, g_crl_base, g_ca, g_profile = "personal-signing", g_csr,
                    g_generate, g_out, g_format = "pem", g_password_file, g_serial, g_reason = "unspecified", g_status;
std::vector<std::string> g_policies, g_dns, g_ips, g_emails;
int g_days = 0;
std::int64_t g_crl_interval = 86'400;
ca::IdentityExtensions* g_identity = nullptr;

struct Opened {
  std::unique_ptr<services::Platform> platform;
  std::unique_ptr<services::CaService> ca;
};

Result<Opened> open_ca() {
  MEDSIGN_ASSIGN(auto p, services::Platform::open(g_data));
  Opened o;
  std::string base = "http://" + p->cfg.server.listen + ":" + std::to_string(p->cfg.server.http_port);
  o.ca = std::make_unique<services::CaService>(*p->db, p->keys, *p->audit, base);
  o.platform = std::move(p);
  return o;
}

int write_out(ByteView data, const std::string& what) {
  if (g_out.empty() || g_out == "-") {
    std::cout.write(reinterpret_cast<const char*>(data.data()), static_cast<std::streamsize>(data.size()));
    return kExitOk;
  }
  auto st = crypto::write_file_atomic(g_out, data, 0600);
  if (!st) return report(st.error());
  std::cerr << what << " written to " << g_out << "\n";
  return kExitOk;
}

// The PKCS#12 password: --password-file, else MEDSIGN_KEY_PASSPHRASE.
Result<std::string> p12_password() {
  if (!g_password_file.empty()) {
    MEDSIGN_ASSIGN(Bytes b, crypto::read_file(g_password_file));
    std::string s(b.begin(), b.end());
    while (!s.empty() && (s.back() == '\n' || s.back() == '\r')) s.pop_back();
    return s;
  }
  if (const char* v = std::getenv("MEDSIGN_KEY_PASSPHRASE")) return std::string(v);
  return Error(Errc::missing_field, "PKCS#12 needs a password: --password-file or MEDSIGN_KEY_PASSPHRASE");
}

// The certificate `serial` in g_format (pem: certificate then chain; der: the certificate; p7b: the chain).
int export_certificate(Opened& o, const std::string& serial) {
  auto chain = o.ca->chain(serial);
  if (!chain) return report(chain.error());
  if (g_format == "pem") {
    std::string pem;
    for (auto& c : *chain) pem += c.to_pem();
    return write_out(as_bytes(pem), "certificate and chain (PEM)");
  }
  if (g_format == "der") return write_out(chain->front().der(), "certificate (DER)");
  if (g_format == "p7b") {
    auto p7 = ca::pkcs7_certs_only(*chain);
    if (!p7) return report(p7.error());
    return write_out(*p7, "PKCS#7 certificate chain");
  }
  if (g_format == "p12") {
    if (g_out.empty()) return report(Error(Errc::invalid_argument, "--out is required for PKCS#12"));
    auto pass = p12_password();
    if (!pass) return report(pass.error());
    auto p12 = o.ca->export_pkcs12(serial, *pass, {});
    if (!p12) return report(p12.error());
    return write_out(*p12, "PKCS#12 (key and chain)");
  }
  return report(Error(Errc::invalid_argument, "--format: pem, der, p7b or p12"));
}

void add_issue_options(CLI::App* cmd) {
  static ca::IdentityExtensions identity;
  g_identity = &identity;
  cmd->add_option("--ca", g_ca, "Issuing CA")->required();
  cmd->add_option("--profile", g_profile,
                  "personal-signing, personal-encryption, organization, device, tablet or tls-server")
      ->capture_default_str();
  cmd->add_option("--csr", g_csr, "PKCS#10 request file (PEM or DER)");
  cmd->add_option("--generate-key", g_generate, "Generate the key here instead (sm2, rsa-2048, ecdsa-p256, ...)");
  cmd->add_option("--subject", g_subject, "Subject, e.g. \"C=CN, O=Hospital, CN=Zhang San\" (overrides the request's)");
  cmd->add_option("--days", g_days, "Validity in days (default 365)");
  cmd->add_option("--dns", g_dns, "subjectAltName DNS name (repeatable)");
  cmd->add_option("--ip", g_ips, "subjectAltName IP address (repeatable)");
  cmd->add_option("--email", g_emails, "subjectAltName e-mail address (repeatable)");
  cmd->add_option("--id-card", identity.id_card_number, "GM/T 0015 identity card number extension");
  cmd->add_option("--passport", identity.passport_number, "GM/T 0015 passport number extension");
  cmd->add_option("--insurance-number", identity.insurance_number, "GM/T 0015 social insurance number extension");
  cmd->add_option("--org-code", identity.organization_code, "GM/T 0015 organisation code extension");
  cmd->add_option("--credit-code", identity.unified_social_credit_code, "unified social credit code extension");
  cmd->add_option("--health-worker-id", identity.health_worker_id, "health-worker number extension");
  cmd->add_option("--out", g_out, "Write the certificate here (default: standard output)");
  cmd->add_option("--format", g_format, "pem (with chain), der, p7b or p12 (generated keys only)")->capture_default_str();
  cmd->add_option("--password-file", g_password_file, "PKCS#12 password file (or MEDSIGN_KEY_PASSPHRASE)");
}
}  // namespace

void register_ca_command(CLI::App& app) {
  auto* top = app.add_subcommand("ca", "Embedded certificate authority: CAs, issuing, revocation, CRLs");
  top->require_subcommand(1);
  top->add_option("--data", g_data, "Data directory")->capture_default_str()->envname("MEDSIGN_DATA");

  top->add_subcommand("list", "List the CAs")->callback([] {
    auto o = open_ca();
    if (!o) return set_exit_code(report(o.error()));
    auto cas = o->ca->list();
    if (!cas) return set_exit_code(report(cas.error()));
    for (auto& r : *cas)
      std::cout << r.name << "\t" << (r.parent.empty() ? "root" : "under " + r.parent) << "\t" << r.algorithm << "\t"
                << r.certificate.subject().to_string() << "\tuntil " << iso8601_millis(r.certificate.not_after_ms())
                << "\tCRL " << r.crl_url << "\n";
  });

  auto* init = top->add_subcommand("init", "Create a root CA, or an intermediate CA with --parent");
  init->add_option("--name", g_name, "CA name (a-z, 0-9, '-', '_')")->required();
  init->add_option("--subject", g_subject, "Subject, e.g. \"C=CN, O=Hospital, CN=Hospital Root CA\"")->required();
  init->add_option("--alg", g_alg, "sm2, rsa-2048, rsa-3072, rsa-4096, ecdsa-p256 or ecdsa-p384")->capture_default_str();
  init->add_option("--days", g_days, "Validity in days (default 3650)");
  init->add_option("--parent", g_parent, "Issuing CA of an intermediate");
  init->add_option("--crl-base-url", g_crl_base, "Base URL the CRL is served under (default this server's HTTP address)");
  init->add_option("--policy", g_policies, "certificatePolicies OID for end-entity certificates (repeatable)");
  init->add_option("--crl-interval", g_crl_interval, "Seconds between CRLs (nextUpdate)")->capture_default_str();
  init->callback([] {
    auto o = open_ca();
    if (!o) return set_exit_code(report(o.error()));
    services::CaCreateRequest req;
    req.name = g_name;
    req.parent = g_parent;
    req.subject = g_subject;
    req.algorithm = g_alg;
    if (g_days > 0) req.days = g_days;
    req.crl_base_url = g_crl_base;
    req.policies = g_policies;
    req.crl_interval_s = g_crl_interval;
    auto r = o->ca->create(req, {});
    if (!r) return set_exit_code(report(r.error()));
    std::cout << "CA " << r->name << " (" << (r->parent.empty() ? "root" : "intermediate under " + r->parent) << ", "
              << r->algorithm << "): " << r->certificate.subject().to_string() << "\n  serial " << r->certificate.serial_hex()
              << "\n  CRL at " << r->crl_url << "\n";
    if (!g_out.empty()) set_exit_code(write_out(as_bytes(r->certificate.to_pem()), "CA certificate"));
  });
  init->add_option("--out", g_out, "Also write the CA certificate (PEM) here");

  auto* issue = top->add_subcommand("issue", "Issue a certificate from a PKCS#10 request (or for a key generated here)");
  add_issue_options(issue);
  issue->callback([] {
    auto o = open_ca();
    if (!o) return set_exit_code(report(o.error()));
    services::IssueRequest req;
    req.ca = g_ca;
    req.generate_key = g_generate;
    req.subject = g_subject;
    if (!g_csr.empty()) {
      auto b = crypto::read_file(g_csr);
      if (!b) return set_exit_code(report(b.error()));
      req.csr.assign(b->begin(), b->end());
    }
    auto profile = ca::parse_profile(g_profile);
    if (!profile) return set_exit_code(report(profile.error()));
    req.options.profile = *profile;
    if (g_days > 0) req.options.days = g_days;
    req.options.dns_names = g_dns;
    req.options.ip_addresses = g_ips;
    req.options.emails = g_emails;
    req.options.identity = *g_identity;
    auto r = o->ca->issue(req, {});
    if (!r) return set_exit_code(report(r.error()));
    std::cerr << "issued " << r->serial << " (" << r->profile << ") " << r->subject << "\n";
    set_exit_code(export_certificate(*o, r->serial));
  });

  auto* certs = top->add_subcommand("certs", "List issued certificates");
  certs->add_option("--ca", g_ca, "Only this CA");
  certs->add_option("--status", g_status, "valid or revoked");
  certs->add_option("--subject", g_subject, "Subject contains");
  certs->callback([] {
    auto o = open_ca();
    if (!o) return set_exit_code(report(o.error()));
    services::IssuedQuery q;
    q.ca = g_ca;
    q.status = g_status;
    q.subject = g_subject;
    q.page_size = 500;
    auto page = o->ca->search(q);
    if (!page) return set_exit_code(report(page.error()));
    for (auto& r : page->items)
      std::cout << r.serial << "\t" << r.ca << "\t" << r.profile << "\t" << r.status << "\t" << r.subject << "\n";
  });

  auto* exp = top->add_subcommand("export", "Export an issued certificate: PEM, DER, PKCS#7 chain or PKCS#12");
  exp->add_option("--serial", g_serial, "Serial number (hex)")->required();
  exp->add_option("--format", g_format, "pem, der, p7b or p12")->capture_default_str();
  exp->add_option("--out", g_out, "Output file (default: standard output; required for p12)");
  exp->add_option("--password-file", g_password_file, "PKCS#12 password file (or MEDSIGN_KEY_PASSPHRASE)");
  exp->callback([] {
    auto o = open_ca();
    if (!o) return set_exit_code(report(o.error()));
    set_exit_code(export_certificate(*o, g_serial));
  });

  auto* revoke = top->add_subcommand("revoke", "Revoke a certificate (and publish a new CRL)");
  revoke->add_option("--serial", g_serial, "Serial number (hex)")->required();
  revoke->add_option("--reason", g_reason, "RFC 5280 reason: keyCompromise, superseded, cessationOfOperation, ...")
      ->capture_default_str();
  revoke->callback([] {
    auto o = open_ca();
    if (!o) return set_exit_code(report(o.error()));
    auto reason = services::parse_crl_reason(g_reason);
    if (!reason) return set_exit_code(report(reason.error()));
    auto r = o->ca->revoke(g_serial, *reason, {});
    if (!r) return set_exit_code(report(r.error()));
    std::cout << "revoked " << r->serial << " (" << r->reason << ") at " << iso8601_millis(r->revoked_at) << "\n";
  });

  auto* crl = top->add_subcommand("crl", "Publish a new CRL of a CA now and write it");
  crl->add_option("--ca", g_ca, "CA name")->required();
  crl->add_option("--out", g_out, "Output file (default: standard output)");
  crl->add_option("--format", g_format, "pem or der")->capture_default_str();
  crl->callback([] {
    auto o = open_ca();
    if (!o) return set_exit_code(report(o.error()));
    auto c = o->ca->publish_crl(g_ca, {});
    if (!c) return set_exit_code(report(c.error()));
    std::cerr << "CRL of " << g_ca << ": " << c->revoked().size() << " entries, next update "
              << iso8601_millis(c->next_update_ms().value_or(0)) << "\n";
    if (g_format == "der") return set_exit_code(write_out(c->der(), "CRL (DER)"));
    set_exit_code(write_out(as_bytes(c->to_pem()), "CRL (PEM)"));
  });
}

}  // namespace medsign::cli
