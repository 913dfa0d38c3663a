#include "common/clock.h"
#include "server/api.h"

namespace medsign::server::api {
namespace {

nlohmann::json entry_json(const services::AuditEntry& e) {
  nlohmann::json j = {{"seq", e.seq},       {"time", iso8601_millis(e.ts)}, {"actor", e.actor},
                      {"role", e.role},     {"action", e.action},           {"target", e.target},
                      {"result", e.result}, {"source", e.source},           {"detail", e.detail},
                      {"hash", e.hash},     {"reviewed", e.reviewed_by.has_value()}};
  if (e.reviewed_by) {
    j["reviewed_by"] = *e.reviewed_by;
    j["reviewed_at"] = iso8601_millis(e.reviewed_at);
    j["review_note"] = e.review_note;
  }
  return j;
}

Result<services::AuditQuery> parse_audit_query(const RequestContext& ctx) {
  services::AuditQuery q;
  auto time_param = [&](const char* k, std::int64_t& out) -> Status {
    std::string v = ctx.query_or(k, "");
    if (v.empty()) return {};
    out = parse_iso8601_millis(v);
    if (out < 0) return Error(Errc::invalid_argument, std::string(k) + " must be an ISO 8601 UTC time");
    return {};
  };
  MEDSIGN_TRY(time_param("from", q.from_ms));
  MEDSIGN_TRY(time_param("to", q.to_ms));
  q.actor = ctx.query_or("actor", "");
  q.action = ctx.query_or("action", "");
  q.result = ctx.query_or("result", "");
  std::string rev = ctx.query_or("reviewed", "");
  if (rev == "true") q.reviewed = true;
  else if (rev == "false") q.reviewed = false;
  else if (!rev.empty()) return Error(Errc::invalid_argument, "reviewed must be true or false");
  auto int_param = [&](const char* k, int& out, int lo, int hi) -> Status {
    std::string v = ctx.query_or(k, "");
    if (v.empty()) return {};
    if (v.size() > 9 || v.find_first_not_of("0123456789") != std::string::npos || std::stoi(v) < lo || std::stoi(v) > hi)
      return Error(Errc::invalid_argument, std::string(k) + " must be a number from " + std::to_string(lo) + " to " +
                                               std::to_string(hi));
    out = std::stoi(v);
    return {};
  };
  MEDSIGN_TRY(int_param("page", q.page, 1, 1000000));
  MEDSIGN_TRY(int_param("page_size", q.page_size, 1, 1000));
  return q;
}

std::string csv_field(const std::string& s) {
  std::string o = "\"";
  for (char c : s) {
    if (c == '"') o += '"';
    o += c;
  }
  // Keep spreadsheet programs from executing cell content.
  if (!s.empty() && (s[0] == '=' || s[0] == '+' || s[0] == '-' || s[0] == '@')) o.insert(1, "'");
  return o + "\"";
}

}  // namespace

void register_audit(Router& r, ApiContext& api) {
  auto& p = api.platform;
  r.add(http::verb::get, "/api/v1/audit", [&](RequestContext& ctx) {
    auto a = authorize(api, ctx, services::Permission::read_audit);
    if (!a) return error_response(a.error(), ctx.request_id);
    auto q = parse_audit_query(ctx);
    if (!q) return error_response(q.error(), ctx.request_id);
    auto page = p.audit->query(*q);
    if (!page) return error_response(page.error(), ctx.request_id);
    auto arr = nlohmann::json::array();
    for (auto& e : page->entries) arr.push_back(entry_json(e));
    return json_response(200, {{"entries", arr}, {"total", page->total}, {"page", q->page}, {"page_size", q->page_size}});
  });

  r.add(http::verb::get, "/api/v1/audit/export", [&](RequestContext& ctx) {
    auto a = authorize(api, ctx, services::Permission::read_audit);
    if (!a) return error_response(a.error(), ctx.request_id);
    auto q = parse_audit_query(ctx);
    if (!q) return error_response(q.error(), ctx.request_id);
    q->page_size = 1000;
    std::string csv = "\xEF\xBB\xBFseq,time,actor,role,action,target,result,source,detail,reviewed_by\r\n";
    for (q->page = 1; q->page <= 100; ++q->page) {
      auto page = p.audit->query(*q);
      if (!page) return error_response(page.error(), ctx.request_id);
      for (auto& e : page->entries) {
        csv += std::to_string(e.seq) + "," + iso8601_millis(e.ts);
        for (auto* f : {&e.actor, &e.role, &e.action, &e.target, &e.result, &e.source, &e.detail}) {
          csv += ',';
          csv += csv_field(*f);
        }
        csv += ',';
        csv += csv_field(e.reviewed_by.value_or(""));
        csv += "\r\n";
      }
      if (page->entries.size() < 1000) break;
    }
    (void)p.audit->record({a->actor.name, std::string(services::role_name(a->actor.role)), "audit.export", "audit_log",
                           "success", ctx.remote_addr, ""});
    auto res = text_response(200, std::move(csv), "text/csv; charset=utf-8");
    res.set(http::field::content_disposition, "attachment; filename=\"medsign-audit.csv\"");
    return res;
  });

  r.add(http::verb::get, "/api/v1/audit/verify", [&](RequestContext& ctx) {
    auto a = authorize(api, ctx, services::Permission::verify_audit);
    if (!a) return error_response(a.error(), ctx.request_id);
    auto verifier = p.audit_verifier();
    if (!verifier) return error_response(verifier.error(), ctx.request_id);
    auto rep = p.audit->verify(*verifier);
    if (!rep) return error_response(rep.error(), ctx.request_id);
    (void)p.audit->record({a->actor.name, std::string(services::role_name(a->actor.role)), "audit.verify", "audit_log",
                           rep->ok ? "success" : "failure", ctx.remote_addr, rep->problem});
    return json_response(200, {{"ok", rep->ok},
                               {"entries", rep->entries},
                               {"checkpoints", rep->checkpoints},
                               {"first_bad_seq", rep->first_bad_seq},
                               {"problem", rep->problem}});
  });

  r.add(http::verb::post, "/api/v1/audit/{seq}/review", [&](RequestContext& ctx) {
    auto a = authorize(api, ctx, services::Permission::review_audit);
    if (!a) return error_response(a.error(), ctx.request_id);
    const std::string& s = ctx.path_params["seq"];
    if (s.empty() || s.size() > 18 || s.find_first_not_of("0123456789") != std::string::npos)
      return error_response(Error(Errc::invalid_argument, "seq must be a number"), ctx.request_id);
    auto body = parse_json_body(ctx);
    if (!body) return error_response(body.error(), ctx.request_id);
    std::string note = body->value("note", "");
    if (note.size() > 2000) return error_response(Error(Errc::invalid_argument, "note is too long"), ctx.request_id);
    auto st = p.audit->review(std::stoll(s), a->actor.name, note);
    if (!st) return error_response(st.error(), ctx.request_id);
    (void)p.audit->record({a->actor.name, std::string(services::role_name(a->actor.role)), "audit.review",
                           "entry " + s, "success", ctx.remote_addr, note});
    return json_response(200, {{"reviewed", true}});
  });
}

}  // namespace medsign::server::api
