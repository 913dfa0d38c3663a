// POST /api/v1/pdf/verify: the verification report of an uploaded PDF (pdf/verify.h), as JSON or, with
// ?format=text, as readable text. ?policy=NAME judges certificates under a PKI verification policy; otherwise
// the development CA of the key store is the trust anchor. Operators and auditors; every verification is
// audited with the document's SHA-256 and the verdict. Nothing of the document is stored.
#include <nlohmann/json.hpp>

#include "crypto/algorithms/hash.h"
#include "pdf/verify.h"
#include "server/api.h"
#include "services/pki_policy.h"

namespace medsign::server::api {
namespace {
using services::Permission;

Result<Authed> authorize_verifier(ApiContext& api, RequestContext& ctx) {
  MEDSIGN_ASSIGN(Authed a, authorize(api, ctx, std::nullopt));
  auto role = a.session.role;
  if (services::allowed(role, Permission::operate_business) || services::allowed(role, Permission::read_audit)) return a;
  (void)api.platform.audit->record({a.actor.name, std::string(services::role_name(role)), "access.denied",
                                    std::string(http::to_string(ctx.req.method())) + " " + ctx.route, "denied",
                                    ctx.remote_addr, "missing permission operate_business or read_audit"});
  return Error(Errc::forbidden, "the role " + std::string(services::role_name(role)) +
                                    " may not verify PDF signatures (operators and auditors may)");
}

Result<pdf::VerifyOptions> options_for(ApiContext& api, const std::string& policy) {
  pdf::VerifyOptions o;
  if (!policy.empty()) {
    if (!api.pki) return Error(Errc::unavailable, "verification policies are not available on this node");
    MEDSIGN_TRY(api.pki->policy(policy));
    std::shared_ptr<services::PkiPolicyService> svc = api.pki;
    o.policy_name = policy;
    o.check = [svc, policy](const pki::Certificate& cert, std::span<const pki::Certificate>, std::int64_t at_ms) {
      auto r = svc->verify({policy, cert.der(), at_ms});
      if (r) return *r;
      pki::ValidationResult v;
      v.detail = r.error().detail;
      return v;
    };
    return o;
  }
  if (auto pem = api.platform.keys.certificate("dev-ca")) {
    if (auto certs = pki::Certificate::parse_pem(*pem); certs && !certs->empty()) {
      o.check = pdf::anchors_check({certs->front()});
      o.policy_name = "development CA";
    }
  }
  return o;
}
}  // namespace

void register_pdf_verify(Router& r, ApiContext& api) {
  r.add(http::verb::post, "/api/v1/pdf/verify", [&](RequestContext& ctx) {
    auto a = authorize_verifier(api, ctx);
    if (!a) return error_response(a.error(), ctx.request_id);
    const std::string type = ctx.header("Content-Type");
    if (type.rfind("application/pdf", 0) != 0 && type.rfind("application/octet-stream", 0) != 0)
      return error_response(Error(Errc::unsupported_media_type, "the body must be the PDF (application/pdf)"),
                            ctx.request_id);
    const std::string& body = ctx.req.body();
    if (body.empty()) return error_response(Error(Errc::missing_field, "the body must be the PDF"), ctx.request_id);
    const std::string format = ctx.query_or("format", "json");
    if (format != "json" && format != "text")
      return error_response(Error(Errc::invalid_argument, "format: json or text"), ctx.request_id);
    const ByteView doc(reinterpret_cast<const std::uint8_t*>(body.data()), body.size());
    const std::string digest = hex_encode(crypto::hash(crypto::HashAlg::sha256, doc));
    auto audit = [&](const Status& st, const std::string& detail) {
      (void)api.platform.audit->record({a->actor.name, std::string(services::role_name(a->actor.role)), "pdf.verify",
                                        "sha256:" + digest, st ? "success" : "failure", ctx.remote_addr,
                                        st ? detail : st.error().detail});
    };
    auto o = options_for(api, ctx.query_or("policy", ""));
    if (!o) {
      audit(o.error(), {});
      return error_response(o.error(), ctx.request_id);
    }
    auto report = pdf::verify_pdf(doc, *o);
    if (!report) {
      audit(report.error(), {});
      return error_response(report.error(), ctx.request_id);
    }
    audit({}, "status " + report->status + ", " + std::to_string(report->signatures.size()) + " signature(s)");
    if (format == "text") return text_response(200, pdf::to_text(*report), "text/plain; charset=utf-8");
    return json_response(200, pdf::to_json(*report));
  });
}

}  // namespace medsign::server::api
