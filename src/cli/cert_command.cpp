// `medsign cert parse FILE`: the JSON view of a certificate (every subject and issuer attribute and every
// extension by OID, docs/PKI.md), or of a PKCS#10 request. DER or PEM. (`medsign cert verify` is added to the
// same group by its own file.)
#include <iostream>

#include <nlohmann/json.hpp>

#include "asn1/oids.h"
#include "cli/commands.h"
#include "crypto/soft/keystore.h"
#include "pki/certificate.h"
#include "pki/csr.h"

namespace medsign::cli {
namespace {
std::string g_file;

nlohmann::json name_json(const pki::Name& n) {
  auto arr = nlohmann::json::array();
  for (auto& rdn : n.rdns())
    for (auto& a : rdn) arr.push_back({{"oid", a.type.to_string()}, {"name", a.short_name()}, {"value", a.value}});
  return {{"text", n.to_string()}, {"attributes", arr}, {"der", hex_encode(n.der())}};
}

nlohmann::json csr_json(const pki::CertificationRequest& c) {
  auto exts = nlohmann::json::array();
  for (auto& e : c.requested_extensions())
    exts.push_back({{"oid", e.oid.to_string()}, {"name", asn1::oid_name(e.oid)}, {"critical", e.critical},
                    {"value", hex_encode(e.value)}});
  auto attrs = nlohmann::json::array();
  for (auto& a : c.attributes()) attrs.push_back({{"oid", a.type.to_string()}, {"name", asn1::oid_name(a.type)}});
  Status sig = c.verify_signature();
  return {{"type", "certification_request"},
          {"subject", name_json(c.subject())},
          {"public_key", {{"algorithm", pki::key_type_name(c.public_key().type)}, {"bits", c.public_key().bits}}},
          {"attributes", attrs},
          {"requested_extensions", exts},
          {"signature_algorithm", c.signature_algorithm().name()},
          {"signature_valid", sig.ok()}};
}

int parse_file() {
  auto data = crypto::read_file(g_file);
  if (!data) return report(data.error());
  std::string_view text = as_chars(*data);
  bool csr = text.find("CERTIFICATE REQUEST-----") != std::string_view::npos;
  if (!csr) {
    auto cert = pki::Certificate::parse(*data);
    if (cert) {
      std::cout << cert->to_json().dump(2) << "\n";
      return kExitOk;
    }
    if (!data->empty() && (*data)[0] == 0x30) {
      auto req = pki::CertificationRequest::parse_der(*data);
      if (!req) return report(cert.error());
      std::cout << csr_json(*req).dump(2) << "\n";
      return kExitOk;
    }
    return report(cert.error());
  }
  auto req = pki::CertificationRequest::parse(*data);
  if (!req) return report(req.error());
  std::cout << csr_json(*req).dump(2) << "\n";
  return kExitOk;
}
}  // namespace

void register_cert_command(CLI::App& app) {
  CLI::App* cert = nullptr;
  try {
    cert = app.get_subcommand("cert");
  } catch (const CLI::Error&) {
    cert = app.add_subcommand("cert", "Certificates: parse (and verify)");
    cert->require_subcommand(1);
  }
  auto* parse = cert->add_subcommand("parse", "Print a certificate (or PKCS#10 request) as JSON, every field by OID");
  parse->add_option("file", g_file, "Certificate or request, DER or PEM")->required();
  parse->callback([] { set_exit_code(parse_file()); });
}

}  // namespace medsign::cli
