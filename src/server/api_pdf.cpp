// PDF signing with seals (docs/PDF.md): POST /api/v1/pdf/sign (the PDF as the raw application/pdf body,
// options in the query; answers the signed PDF) and POST /api/v1/pdf/sign-digest (distributed stamping: a
// ByteRange digest in, the CMS out). Operators (operate_business) and accounts granted the seal
// (SealService::for_signing decides). The document lives only in a temporary directory during the request.
#include <cmath>
#include <random>

#include "common/clock.h"
#include "crypto/soft/keystore.h"
#include "server/api.h"
#include "services/pdf_service.h"
#include "services/seal_service.h"

namespace medsign::server::api {
namespace {
namespace fs = std::filesystem;
using services::Permission;

// A private temporary directory removed when the request ends.
struct RequestDir {
  fs::path path;
  RequestDir() {
    std::string name = "medsign-pdf-";
    name.append(std::to_string(std::random_device{}())).append("-").append(std::to_string(unix_millis()));
    path = fs::temp_directory_path() / name;
    fs::create_directories(path);
    fs::permissions(path, fs::perms::owner_all, fs::perm_options::replace);
  }
  ~RequestDir() {
    std::error_code ec;
    fs::remove_all(path, ec);
  }
};

pdf::TimestampFunction tsa_function(ApiContext& api, const std::string& unit, const std::string& requester) {
  if (!api.tsa) return {};
  services::TsaService* tsa = api.tsa;
  return [tsa, unit, requester](ByteView req) -> Result<Bytes> {
    MEDSIGN_ASSIGN(tsp::IssueResult r, tsa->issue(unit, req, requester));
    if (!r.granted) return Error(Errc::unavailable, "the timestamp authority refused the request");
    return r.token;
  };
}

Result<double> number_param(const RequestContext& ctx, const char* key, double fallback) {
  std::string v = ctx.query_or(key, "");
  if (v.empty()) return fallback;
  char* end = nullptr;
  double d = std::strtod(v.c_str(), &end);
  if (end != v.c_str() + v.size() || !std::isfinite(d))
    return Error(Errc::invalid_argument, std::string(key).append(" must be a number"));
  return d;
}

Result<services::PdfSignOptions> sign_options(const RequestContext& ctx) {
  services::PdfSignOptions o;
  MEDSIGN_ASSIGN(double page, number_param(ctx, "page", 1));
  o.placement.page = static_cast<int>(page);
  std::string keyword = ctx.query_or("keyword", "");
  if (!keyword.empty()) {
    o.placement.mode = pdf::PlacementMode::keyword;
    o.placement.keyword = keyword;
    std::string occ = ctx.query_or("occurrence", "first");
    if (occ == "first") o.placement.occurrence = pdf::Occurrence::first;
    else if (occ == "last") o.placement.occurrence = pdf::Occurrence::last;
    else if (occ == "all") o.placement.occurrence = pdf::Occurrence::all;
    else return Error(Errc::invalid_argument, "occurrence must be first, last or all");
    MEDSIGN_ASSIGN(o.placement.dx, number_param(ctx, "dx", 0));
    MEDSIGN_ASSIGN(o.placement.dy, number_param(ctx, "dy", 0));
  } else if (!ctx.query_or("viewer_x", "").empty() || !ctx.query_or("viewer_y", "").empty()) {
    o.placement.mode = pdf::PlacementMode::viewer;
    MEDSIGN_ASSIGN(o.placement.x, number_param(ctx, "viewer_x", 0));
    MEDSIGN_ASSIGN(o.placement.y, number_param(ctx, "viewer_y", 0));
  } else {
    MEDSIGN_ASSIGN(o.placement.x, number_param(ctx, "x", 36));
    MEDSIGN_ASSIGN(o.placement.y, number_param(ctx, "y", 36));
  }
  std::string certify = ctx.query_or("certify", "");
  if (!certify.empty()) {
    MEDSIGN_ASSIGN(o.certify, services::parse_certify(certify));
  }
  o.timestamp = !ctx.query_or("tsa", "").empty();
  std::string invisible = ctx.query_or("invisible", "false");
  if (invisible != "true" && invisible != "false") return Error(Errc::invalid_argument, "invisible must be true or false");
  o.visible = invisible == "false";
  std::string ses = ctx.query_or("ses", "false");
  if (ses != "true" && ses != "false") return Error(Errc::invalid_argument, "ses must be true or false");
  o.ses = ses == "true";
  o.reason = ctx.query_or("reason", "");
  o.location = ctx.query_or("location", "");
  if (o.reason.size() > 500 || o.location.size() > 500) return Error(Errc::invalid_argument, "reason and location: at most 500 bytes");
  return o;
}

Result<services::SealMaterial> seal_for(ApiContext& api, const std::string& seal_id, const services::Actor& actor) {
  if (!api.seals) return Error(Errc::unavailable, "electronic seals are not available");
  if (seal_id.empty()) return Error(Errc::missing_field, "seal: the seal ID");
  return api.seals->for_signing(seal_id, actor, unix_millis());
}

std::string unit_of(const std::string& tsa) { return tsa == "default" || tsa == "true" ? std::string() : tsa; }

}  // namespace

void register_pdf(Router& r, ApiContext& api) {
  r.add(http::verb::post, "/api/v1/pdf/sign", [&api](RequestContext& ctx) {
    auto a = authorize(api, ctx, Permission::operate_business);
    if (!a) return error_response(a.error(), ctx.request_id);
    std::string type = ctx.header("Content-Type");
    if (type.rfind("application/pdf", 0) != 0 && type.rfind("application/octet-stream", 0) != 0)
      return error_response(Error(Errc::unsupported_media_type, "send the PDF as application/pdf"), ctx.request_id);
    services::Actor actor = a->actor;
    actor.source = ctx.remote_addr;
    auto o = sign_options(ctx);
    if (!o) return error_response(o.error(), ctx.request_id);
    auto seal = seal_for(api, ctx.query_or("seal", ""), actor);
    if (!seal) return error_response(seal.error(), ctx.request_id);
    RequestDir dir;
    auto st = crypto::write_file_atomic(dir.path / "in.pdf", as_bytes(ctx.req.body()), 0600);
    if (!st) return error_response(st.error(), ctx.request_id);
    services::PdfService svc(api.platform.keys, api.platform.audit.get(),
                             tsa_function(api, unit_of(ctx.query_or("tsa", "")), actor.name));
    services::PdfActor who{actor.name, std::string(services::role_name(actor.role)), actor.source};
    auto res = svc.sign(*seal, dir.path / "in.pdf", dir.path / "out.pdf", *o, who);
    if (!res) return error_response(res.error(), ctx.request_id);
    auto signed_pdf = crypto::read_file(dir.path / "out.pdf");
    if (!signed_pdf) return error_response(signed_pdf.error(), ctx.request_id);
    auto out = text_response(200, std::string(signed_pdf->begin(), signed_pdf->end()), "application/pdf");
    out.set("X-Signature-Field", res->prepared.field_name);
    out.set("X-Document-Sha256", res->input_sha256);
    out.set(http::field::cache_control, "no-store");
    return out;
  });

  r.add(http::verb::post, "/api/v1/pdf/sign-digest", [&api](RequestContext& ctx) {
    auto a = authorize(api, ctx, Permission::operate_business);
    if (!a) return error_response(a.error(), ctx.request_id);
    auto j = parse_json_body(ctx);
    if (!j) return error_response(j.error(), ctx.request_id);
    if (!j->is_object() || !(*j)["seal"].is_string() || !(*j)["digest"].is_string())
      return error_response(Error(Errc::missing_field, "seal and digest (Base64) are required"), ctx.request_id);
    services::Actor actor = a->actor;
    actor.source = ctx.remote_addr;
    auto seal = seal_for(api, (*j)["seal"].get<std::string>(), actor);
    if (!seal) return error_response(seal.error(), ctx.request_id);
    auto digest = base64_decode((*j)["digest"].get<std::string>());
    if (!digest) return error_response(Error(Errc::invalid_argument, "digest is not Base64"), ctx.request_id);
    const std::string want = pdf::pades_digest(seal->certificate) == cms::DigestAlgorithm::sm3 ? "sm3" : "sha256";
    std::string alg = j->value("alg", want);
    if (alg != want)
      return error_response(Error(Errc::invalid_argument, std::string("this seal signs ").append(want).append(" digests")), ctx.request_id);
    std::string tsa = j->contains("tsa") && (*j)["tsa"].is_string() ? (*j)["tsa"].get<std::string>() : "";
    bool timestamp = !tsa.empty() || j->value("timestamp", false);
    services::PdfService svc(api.platform.keys, api.platform.audit.get(), tsa_function(api, unit_of(tsa), actor.name));
    services::PdfActor who{actor.name, std::string(services::role_name(actor.role)), actor.source};
    auto cms_der = svc.sign_digest(*seal, *digest, timestamp, who);
    if (!cms_der) return error_response(cms_der.error(), ctx.request_id);
    return json_response(200, {{"cms", base64_encode(*cms_der)}, {"alg", want}, {"timestamp", timestamp},
                               {"signer", seal->certificate.subject().to_string()}});
  });
}

}  // namespace medsign::server::api
