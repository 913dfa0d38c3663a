#include <fstream>
#include <thread>

#include "common/clock.h"
#include "crypto/soft/dev_ca.h"
#include "crypto/soft/keystore.h"
#include "pki/certificate.h"
#include "server/api.h"
#include "server/openapi.h"
#include "services/backup.h"
#include "services/pki_policy.h"
#include "services/key_certificates.h"
#include "services/restore.h"

namespace medsign::server::api {
namespace {
const std::int64_t kStartedAt = unix_millis();

std::string mime_type(const std::string& path) {
  auto ends = [&](const char* s) { return path.ends_with(s); };
  if (ends(".html")) return "text/html; charset=utf-8";
  if (ends(".js") || ends(".mjs")) return "text/javascript; charset=utf-8";
  if (ends(".css")) return "text/css; charset=utf-8";
  if (ends(".svg")) return "image/svg+xml";
  if (ends(".png")) return "image/png";
  if (ends(".json")) return "application/json";
  if (ends(".woff2")) return "font/woff2";
  if (ends(".ico")) return "image/x-icon";
  return "application/octet-stream";
}

nlohmann::json key_json(const crypto::SoftKeyStore& ks, const std::string& name) {
  nlohmann::json j = {{"name", name}, {"provider", "soft"}};
  auto key = ks.get(name);
  if (key) j["algorithm"] = crypto::key_type_name(key->type());
  auto pem = ks.certificate(name);
  if (pem) {
    auto info = crypto::certificate_info(*pem);
    if (info)
      j["certificate"] = {{"subject", info->subject},   {"issuer", info->issuer},
                          {"serial", info->serial_hex}, {"not_before", info->not_before},
                          {"not_after", info->not_after}, {"sha256", info->fingerprint_sha256}};
  }
  return j;
}
}  // namespace

void register_system(Router& r, ApiContext& api) {
  auto& p = api.platform;
  RouteOptions inline_route{false};

  r.add(http::verb::get, "/healthz", [](RequestContext&) { return json_response(200, {{"status", "ok"}}); },
        inline_route);

  r.add(http::verb::get, "/readyz", [&](RequestContext& ctx) {
    if (api.draining()) return error_response(Error(Errc::unavailable, "shutting down"), ctx.request_id);
    auto ping = p.db->query("SELECT 1");
    if (!ping) return error_response(Error(Errc::unavailable, "database: " + ping.error().detail), ctx.request_id);
    nlohmann::json checks = {{"database", "ok"}};
    if (api.clock) {
      auto t = api.clock->status();
      if (!t.ok) return error_response(Error(Errc::unavailable, "time: " + t.reason), ctx.request_id);
      checks["time"] = t.reason;
    }
    return json_response(200, {{"status", "ready"}, {"checks", checks}});
  });

  r.add(http::verb::get, "/metrics", [&](RequestContext&) {
    return text_response(200, api.metrics.render(), "text/plain; version=0.0.4; charset=utf-8");
  }, inline_route);

  r.add(http::verb::get, "/api/v1/openapi.json", [](RequestContext& ctx) {
    auto spec = openapi_json();
    return spec ? json_response(200, *spec) : error_response(spec.error(), ctx.request_id);
  }, inline_route);

  r.add(http::verb::get, "/api/v1/errors", [](RequestContext&) {
    auto arr = nlohmann::json::array();
    for (auto& e : error_catalogue())
      arr.push_back({{"code", e.code}, {"http_status", e.http_status}, {"message", e.message}});
    return json_response(200, {{"errors", arr}});
  }, inline_route);

  r.add(http::verb::get, "/api/v1/system/status", [&](RequestContext& ctx) {
    auto a = authorize(api, ctx, services::Permission::read_system_status);
    if (!a) return error_response(a.error(), ctx.request_id);
    nlohmann::json warnings = nlohmann::json::array();
    std::int64_t now = unix_millis();
    for (auto& name : p.keys.names()) {
      auto pem = p.keys.certificate(name);
      if (!pem) continue;
      auto info = crypto::certificate_info(*pem);
      if (info && info->not_after_ms - now < 30LL * 86400 * 1000)
        warnings.push_back({{"kind", "certificate_expiry"}, {"key", name}, {"not_after", info->not_after}});
    }
    // Revocation data the node relies on: a CRL past (or within a day of) its nextUpdate, a source whose last
    // fetch failed.
    if (api.pki) {
      for (const auto& c : api.pki->crls()) {
        if (c.next_update > 0 && c.next_update - now < 86400LL * 1000)
          warnings.push_back({{"kind", c.next_update < now ? "crl_stale" : "crl_expiring"},
                              {"key", c.issuer},
                              {"not_after", iso8601_millis(c.next_update)}});
      }
      if (auto sources = api.pki->crl_sources()) {
        for (const auto& s : *sources) {
          if (s.enabled && s.last_status == "error")
            warnings.push_back({{"kind", "crl_fetch_failed"}, {"key", s.url}, {"detail", s.last_error}});
        }
      }
    }
    return json_response(200, {{"version", MEDSIGN_VERSION},
                               {"started_at", iso8601_millis(kStartedAt)},
                               {"uptime_s", (now - kStartedAt) / 1000},
                               {"database", p.cfg.database.backend},
                               {"services", {{"http", "up"},
                                             {"https", p.cfg.server.https_enabled ? "up" : "off"},
                                             {"tsa", p.cfg.tsa.enabled ? "up" : "off"},
                                             {"svs", p.cfg.svs.enabled ? "up" : "off"},
                                             {"sntp", p.cfg.time.sntp_enabled ? "up" : "off"}}},
                               {"warnings", warnings}});
  });

  r.add(http::verb::get, "/api/v1/system/permissions", [&](RequestContext& ctx) {
    auto a = authorize(api, ctx, std::nullopt);
    if (!a) return error_response(a.error(), ctx.request_id);
    nlohmann::json m = nlohmann::json::object();
    for (auto role : services::kAllRoles) {
      auto perms = nlohmann::json::array();
      for (auto perm : services::kAllPermissions)
        if (services::allowed(role, perm)) perms.push_back(services::permission_name(perm));
      m[std::string(services::role_name(role))] = perms;
    }
    return json_response(200, {{"roles", m}});
  });

  r.add(http::verb::get, "/api/v1/system/config", [&](RequestContext& ctx) {
    auto a = authorize(api, ctx, services::Permission::read_system_config);
    if (!a) return error_response(a.error(), ctx.request_id);
    nlohmann::json keys = nlohmann::json::array();
    for (auto& k : config_keys()) {
      nlohmann::json v;
      std::visit([&](auto&& x) { v = x; }, k.get(p.cfg));
      keys.push_back({{"section", k.section}, {"key", k.name}, {"value", v}, {"doc", k.doc}});
    }
    return json_response(200, {{"keys", keys}, {"toml", config_to_toml(p.cfg)}});
  });

  r.add(http::verb::get, "/api/v1/system/settings", [&](RequestContext& ctx) {
    auto a = authorize(api, ctx, services::Permission::read_system_config);
    if (!a) return error_response(a.error(), ctx.request_id);
    auto file = crypto::read_file(p.cfg.data_dir / "medsign.toml");
    if (!file) return error_response(file.error(), ctx.request_id);
    (void)p.audit->record({a->actor.name, std::string(services::role_name(a->actor.role)), "system.settings_export",
                           "medsign.toml", "success", ctx.remote_addr, ""});
    auto res = text_response(200, std::string(file->begin(), file->end()), "application/toml; charset=utf-8");
    res.set(http::field::content_disposition, "attachment; filename=\"medsign.toml\"");
    return res;
  });

  r.add(http::verb::put, "/api/v1/system/settings", [&](RequestContext& ctx) {
    auto a = authorize(api, ctx, services::Permission::write_system_config);
    if (!a) return error_response(a.error(), ctx.request_id);
    const std::string& text = ctx.req.body();
    auto parsed = parse_config(text, "uploaded settings");
    Status valid = parsed ? validate_config(*parsed) : Status(parsed.error());
    if (!valid) {
      (void)p.audit->record({a->actor.name, std::string(services::role_name(a->actor.role)), "system.settings_import",
                             "medsign.toml", "failure", ctx.remote_addr, valid.error().detail});
      return error_response(Error(Errc::invalid_argument, valid.error().detail), ctx.request_id);
    }
    auto st = crypto::write_file_atomic(p.cfg.data_dir / "medsign.toml", as_bytes(text), 0600);
    if (!st) return error_response(st.error(), ctx.request_id);
    (void)p.audit->record({a->actor.name, std::string(services::role_name(a->actor.role)), "system.settings_import",
                           "medsign.toml", "success", ctx.remote_addr, "takes effect at restart"});
    return json_response(200, {{"saved", true}, {"restart_required", true}});
  });

  r.add(http::verb::post, "/api/v1/system/backup", [&](RequestContext& ctx) {
    auto a = authorize(api, ctx, services::Permission::run_backup);
    if (!a) return error_response(a.error(), ctx.request_id);
    auto body = parse_json_body(ctx);
    if (!body) return error_response(body.error(), ctx.request_id);
    std::string pass = body->value("passphrase", "");
    if (pass.size() < services::kMinBackupPassphrase)
      return error_response(Error(Errc::invalid_argument, "passphrase: at least 8 characters"), ctx.request_id);
    auto tmp = std::filesystem::temp_directory_path() / ("medsign-backup-" + ctx.request_id + ".msbak");
    auto sum = services::write_backup(p, tmp, pass, a->actor.name);
    if (!sum) return error_response(sum.error(), ctx.request_id);
    auto bytes = crypto::read_file(tmp);
    std::error_code ec;
    std::filesystem::remove(tmp, ec);
    if (!bytes) return error_response(bytes.error(), ctx.request_id);
    auto res = text_response(200, std::string(bytes->begin(), bytes->end()), "application/octet-stream");
    res.set(http::field::content_disposition,
            "attachment; filename=\"medsign-" + iso8601_now().substr(0, 10) + ".msbak\"");
    return res;
  });

  // Restore from the console: the archive is the body (application/octet-stream, at most
  // kMaxRestoreArchive), the passphrase percent-encoded in X-Backup-Passphrase, the file's name (audited) in
  // X-Backup-Filename. Replaces every table and the key store, TLS and configuration files
  // (services/restore.h), answers the summary, then the server restarts itself in place.
  constexpr std::uint64_t kMaxRestoreArchive = std::uint64_t{1} << 30;
  r.add_stream(http::verb::post, "/api/v1/system/restore", [&api](RequestContext& ctx) -> Result<BodySink> {
    auto a = authorize(api, ctx, services::Permission::run_backup);
    if (!a) return a.error();
    if (!api.restart)
      return Error(Errc::unavailable, "this server cannot restart itself; restore with `medsign restore` instead");
    auto pass = url_decode(std::string(ctx.req["X-Backup-Passphrase"]), false);
    if (!pass || pass->size() < services::kMinBackupPassphrase)
      return Error(Errc::invalid_argument, "X-Backup-Passphrase: the archive's passphrase, percent-encoded (8+ characters)");
    std::string name = "upload.msbak";
    if (auto n = url_decode(std::string(ctx.req["X-Backup-Filename"]), false); n && !n->empty())
      name = std::filesystem::path(*n).filename().string().substr(0, 200);
    auto body = std::make_shared<Bytes>();
    BodySink sink;
    sink.chunk = [body](ByteView piece) -> Status {
      if (body->size() + piece.size() > kMaxRestoreArchive)
        return Error(Errc::body_too_large, "the archive exceeds 1 GiB; restore it with `medsign restore`");
      body->insert(body->end(), piece.begin(), piece.end());
      return {};
    };
    services::RestoreRequest req{a->actor.name, std::string(services::role_name(a->actor.role)), ctx.remote_addr, name};
    sink.end = [&api, body, req, pass = std::move(*pass), request_id = ctx.request_id](AsyncDone done) mutable {
      // Minutes of database work at most: on its own thread, never on an I/O thread.
      std::thread([&api, body, req, pass = std::move(pass), request_id, done = std::move(done)]() mutable {
        auto& p = api.platform;
        auto sum = services::restore_in_place(p, *body, pass, req);
        secure_wipe(pass.data(), pass.size());
        if (!sum) {
          (void)p.audit->record({req.actor, req.role, "system.restore", req.archive_name, "failure", req.source,
                                 sum.error().detail});
          done(error_response(sum.error(), request_id));
          return;
        }
        auto res = json_response(200, {{"restored", true},
                                 {"id", sum->id},
                                 {"rows", sum->rows},
                                 {"files", sum->files},
                                 {"bytes", sum->bytes},
                                 {"previous", sum->previous_dir.filename().string()},
                                 {"files_pending", sum->files_pending},
                                 {"restarting", true}});
        // Stop first (listeners close; this request is in flight, so the stop waits for its answer), then
        // answer: after done() this thread touches nothing the server owns.
        api.restart();
        done(std::move(res));
      }).detach();
    };
    return sink;
  }, StreamRouteOptions{kMaxRestoreArchive});

  r.add(http::verb::get, "/api/v1/keys", [&](RequestContext& ctx) {
    auto a = authorize(api, ctx, services::Permission::operate_business);
    if (!a) return error_response(a.error(), ctx.request_id);
    auto arr = nlohmann::json::array();
    for (auto& name : p.keys.names()) arr.push_back(key_json(p.keys, name));
    if (auto tls = tls_key_json(api)) arr.push_back(std::move(*tls));
    return json_response(200, {{"keys", arr}});
  });

  // A key-store key's certificate and the issuers above it that the key store holds (e.g. the development CA),
  // leaf first: PEM and the full JSON view of each, for the console's chain view and export.
  r.add(http::verb::get, "/api/v1/keys/{name}/certificate", [&](RequestContext& ctx) {
    auto a = authorize(api, ctx, services::Permission::operate_business);
    if (!a) return error_response(a.error(), ctx.request_id);
    const std::string name = ctx.path_params["name"];
    auto pem = p.keys.certificate(name);
    if (!pem && name == services::kTlsKeyName) pem = tls_key_chain_pem(api);
    if (!pem) return error_response(Error(Errc::not_found, "key " + name + " has no certificate in the key store"), ctx.request_id);
    auto leaf = pki::Certificate::parse(as_bytes(*pem));
    if (!leaf) return error_response(leaf.error(), ctx.request_id);
    std::vector<pki::Certificate> held;
    if (auto own = pki::Certificate::parse_pem(*pem))  // the chain imported with the certificate
      held.insert(held.end(), own->begin() + (own->empty() ? 0 : 1), own->end());
    for (auto& n : p.keys.names()) {
      auto c = p.keys.certificate(n);
      if (!c) continue;
      if (auto x = pki::Certificate::parse(as_bytes(*c))) held.push_back(std::move(*x));
    }
    auto view = [](const pki::Certificate& c) { return nlohmann::json{{"pem", c.to_pem()}, {"details", c.to_json()}}; };
    nlohmann::json chain = nlohmann::json::array({view(*leaf)});
    const pki::Certificate* cur = &*leaf;
    for (int depth = 0; depth < 8 && !cur->is_self_issued(); ++depth) {
      const pki::Certificate* up = nullptr;
      for (const auto& c : held) {
        if (c.subject() == cur->issuer() && cur->verify_signature(c)) {
          up = &c;
          break;
        }
      }
      if (!up) break;
      chain.push_back(view(*up));
      cur = up;
    }
    return json_response(200, {{"name", name}, {"complete", cur->is_self_issued()}, {"chain", chain}});
  });

  if (!api.web_root.empty()) {
    r.set_fallback([&api](RequestContext& ctx) {
      namespace fs = std::filesystem;
      std::string path(ctx.req.target().substr(0, ctx.req.target().find('?')));
      fs::path root = fs::weakly_canonical(api.web_root);
      fs::path file = fs::weakly_canonical(root / path.substr(1));
      auto rel = file.lexically_relative(root);
      if (rel.empty() || rel.native().starts_with("..") || !fs::is_regular_file(file)) file = root / "index.html";
      auto body = crypto::read_file(file);
      if (!body) return error_response(Error(Errc::not_found, "no such page"), ctx.request_id);
      auto res = text_response(200, std::string(body->begin(), body->end()), mime_type(file.string()));
      res.set(http::field::cache_control, file.filename() == "index.html" ? "no-cache" : "public, max-age=86400");
      return res;
    });
  }
}

}  // namespace medsign::server::api

namespace medsign::server {
void register_api(Router& router, ApiContext& ctx) {
  api::register_system(router, ctx);
  api::register_time(router, ctx);
  api::register_tsa(router, ctx);
  api::register_tsa_admin(router, ctx);
  api::register_providers(router, ctx);
  api::register_key_certificates(router, ctx);
  api::register_ca(router, ctx);
  api::register_seal_images(router, ctx);
  api::register_svs(router, ctx);
  api::register_pki(router, ctx);
  api::register_seals(router, ctx);
  api::register_pdf(router, ctx);
  api::register_pdf_verify(router, ctx);
  api::register_auth(router, ctx);
  api::register_accounts(router, ctx);
  api::register_audit(router, ctx);
}
}  // namespace medsign::server
