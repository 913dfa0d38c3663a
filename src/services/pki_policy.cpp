#include "services/pki_policy.h"

#include <algorithm>
#include <map>

#include "common/clock.h"

namespace medsign::services {

namespace {
Status check_name(const std::string& what, const std::string& name) {
  bool ok = !name.empty() && name.size() <= 64;
  for (char c : name)
    ok = ok && (std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-' || c == '.');
  if (!ok) return Error(Errc::invalid_argument, what + " name: 1 to 64 of A-Z, a-z, 0-9, '_', '-' and '.'");
  return {};
}

Result<std::string> normalise_fingerprint(std::string_view s) {
  std::string out;
  for (char c : s) {
    if (c == ':') continue;
    if (!std::isxdigit(static_cast<unsigned char>(c)))
      return Error(Errc::invalid_argument, "fingerprint: 64 hex digits (SHA-256) expected");
    out.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
  }
  if (out.size() != 64) return Error(Errc::invalid_argument, "fingerprint: 64 hex digits (SHA-256) expected");
  return out;
}

Status check_kind(const std::string& kind) {
  if (kind != "anchor" && kind != "intermediate")
    return Error(Errc::invalid_argument, "kind: anchor or intermediate");
  return {};
}

std::string join(const std::vector<std::string>& v) {
  std::string s;
  for (auto& x : v) s.append(s.empty() ? "" : ",").append(x);
  return s;
}
}  // namespace

std::string_view list_mode_name(ListMode m) {
  switch (m) {
    case ListMode::whitelist: return "whitelist";
    case ListMode::blacklist: return "blacklist";
    case ListMode::none: break;
  }
  return "none";
}
Result<ListMode> list_mode_from_name(std::string_view s) {
  if (s == "none" || s.empty()) return ListMode::none;
  if (s == "whitelist") return ListMode::whitelist;
  if (s == "blacklist") return ListMode::blacklist;
  return Error(Errc::invalid_argument, "list_mode: none, whitelist or blacklist");
}
std::string_view crl_failure_name(CrlFailure f) {
  switch (f) {
    case CrlFailure::fail_closed: return "fail_closed";
    case CrlFailure::soft_fail: return "soft_fail";
    case CrlFailure::project: break;
  }
  return "project";
}
Result<CrlFailure> crl_failure_from_name(std::string_view s) {
  if (s == "project" || s.empty()) return CrlFailure::project;
  if (s == "fail_closed") return CrlFailure::fail_closed;
  if (s == "soft_fail") return CrlFailure::soft_fail;
  return Error(Errc::invalid_argument, "crl_failure: project, fail_closed or soft_fail");
}

PkiPolicyService::PkiPolicyService(store::Database& db, AuditLog& audit) : db_(db), audit_(audit) {}

Result<std::unique_ptr<PkiPolicyService>> PkiPolicyService::open(store::Database& db, AuditLog& audit) {
  std::unique_ptr<PkiPolicyService> s(new PkiPolicyService(db, audit));
  MEDSIGN_TRY(s->reload());
  return s;
}

std::shared_ptr<const PkiPolicyService::Snapshot> PkiPolicyService::snapshot() const {
  std::lock_guard lock(mu_);
  return snap_;
}

Status PkiPolicyService::reload_if_changed() {
  MEDSIGN_ASSIGN(store::Rows rows, db_.query("SELECT version FROM pki_state WHERE id = 1"));
  const std::int64_t v = rows.empty() ? 0 : rows[0].int64(0);
  {
    std::lock_guard lock(mu_);
    if (v == version_) return {};
  }
  return reload();
}

Status PkiPolicyService::reload() {
  auto s = std::make_shared<Snapshot>();
  Status st = db_.snapshot([&](store::Tx& tx) -> Status {
    MEDSIGN_ASSIGN(store::Rows v, tx.query("SELECT version FROM pki_state WHERE id = 1"));
    s->version = v.empty() ? 0 : v[0].int64(0);
    MEDSIGN_ASSIGN(store::Rows certs, tx.query("SELECT fingerprint, kind, der, created_at, created_by FROM pki_certificates"));
    for (auto& r : certs) {
      auto c = pki::Certificate::parse_der(r.blob(2));
      if (!c) return Error(Errc::storage_error, "pki_certificates " + r.text(0) + ": " + c.error().detail);
      s->certs[r.text(0)] = {r.text(0), r.text(1), std::make_shared<const pki::Certificate>(std::move(*c)), r.int64(3),
                             r.text(4)};
    }
    MEDSIGN_ASSIGN(store::Rows projects,
                   tx.query("SELECT name, description, purpose, revocation, crl_grace_ms, list_mode, max_path_length "
                            "FROM pki_projects"));
    for (auto& r : projects) {
      PkiProject p;
      p.name = r.text(0);
      p.description = r.text(1);
      p.purpose = pki::purpose_from_name(r.text(2)).value_or(pki::Purpose::any);
      p.revocation = pki::revocation_mode_from_name(r.text(3)).value_or(pki::RevocationMode::crl_required);
      p.crl_grace_ms = r.int64(4);
      p.list_mode = list_mode_from_name(r.text(5)).value_or(ListMode::none);
      p.max_path_length = static_cast<int>(r.int64(6));
      s->projects[p.name] = std::move(p);
    }
    MEDSIGN_ASSIGN(store::Rows pa, tx.query("SELECT project, fingerprint FROM pki_project_anchors ORDER BY fingerprint"));
    for (auto& r : pa)
      if (auto it = s->projects.find(r.text(0)); it != s->projects.end()) it->second.anchors.push_back(r.text(1));
    MEDSIGN_ASSIGN(store::Rows le, tx.query("SELECT project, fingerprint FROM pki_list_entries ORDER BY fingerprint"));
    for (auto& r : le)
      if (auto it = s->projects.find(r.text(0)); it != s->projects.end()) it->second.list.push_back(r.text(1));
    MEDSIGN_ASSIGN(store::Rows pols, tx.query("SELECT name, description, crl_failure FROM pki_policies"));
    for (auto& r : pols)
      s->policies[r.text(0)] = {r.text(0), r.text(1), {}, crl_failure_from_name(r.text(2)).value_or(CrlFailure::project)};
    MEDSIGN_ASSIGN(store::Rows pp, tx.query("SELECT policy, project FROM pki_policy_projects ORDER BY policy, position"));
    for (auto& r : pp)
      if (auto it = s->policies.find(r.text(0)); it != s->policies.end()) it->second.projects.push_back(r.text(1));
    MEDSIGN_ASSIGN(store::Rows crls, tx.query("SELECT ca_fingerprint, der, source, stored_at FROM pki_crls"));
    for (auto& r : crls) {
      auto issuer = s->certs.find(r.text(0));
      auto crl = pki::Crl::parse_der(r.blob(1));
      if (issuer == s->certs.end() || !crl) continue;
      StoredCrlInfo info{r.text(0), crl->issuer().to_string(), crl->this_update_ms(), crl->next_update_ms().value_or(0),
                         crl->crl_number() ? hex_encode(*crl->crl_number()) : "", crl->revoked().size(), r.text(2),
                         r.int64(3)};
      if (!s->crl_store->add(*crl, *issuer->second.cert)) continue;
      s->crl_info[info.ca_fingerprint] = std::move(info);
      s->crls.emplace(r.text(0), std::move(*crl));
    }
    return {};
  });
  if (!st) return st;

  // The validation policies. Their names carry the snapshot version, so cache entries of an older
  // configuration can never be taken for current ones.
  pki::CertificatePool intermediates;
  for (auto& [fp, c] : s->certs)
    if (c.kind == "intermediate") intermediates.add(c.cert);
  std::map<std::string, pki::TrustPolicy> trust;
  for (auto& [name, p] : s->projects) {
    pki::TrustPolicy t;
    t.name = name;
    for (auto& fp : p.anchors)
      if (auto it = s->certs.find(fp); it != s->certs.end()) t.anchors.add(it->second.cert);
    t.intermediates = intermediates;
    t.purpose = p.purpose;
    t.revocation = p.revocation;
    t.crl_grace_ms = p.crl_grace_ms;
    t.max_path_length = static_cast<std::size_t>(std::max(2, p.max_path_length));
    if (p.list_mode != ListMode::none) {
      auto list = std::make_shared<pki::FingerprintList>();
      for (auto& fp : p.list) (void)list->add(fp);
      (p.list_mode == ListMode::whitelist ? t.whitelist : t.blacklist) = std::move(list);
    }
    trust.emplace(name, std::move(t));
  }
  for (auto& [name, pol] : s->policies) {
    pki::VerificationPolicy vp;
    vp.name = name + "#" + std::to_string(s->version);
    for (auto& pn : pol.projects) {
      auto it = trust.find(pn);
      if (it == trust.end()) continue;
      pki::TrustPolicy t = it->second;
      if (t.revocation != pki::RevocationMode::off && pol.crl_failure != CrlFailure::project)
        t.revocation = pol.crl_failure == CrlFailure::fail_closed ? pki::RevocationMode::crl_required
                                                                  : pki::RevocationMode::crl_best_effort;
      vp.projects.push_back(std::move(t));
    }
    s->built.emplace(name, std::move(vp));
  }
  {
    std::lock_guard lock(mu_);
    snap_ = std::move(s);
    version_ = snap_->version;
  }
  cache_.clear();
  return {};
}

Status PkiPolicyService::change(const PkiActor& actor, const std::string& action, const std::string& target,
                                const std::function<Status(store::Tx&)>& fn, const std::string& detail) {
  Status st = db_.transaction([&](store::Tx& tx) -> Status {
    MEDSIGN_TRY(tx.exec("UPDATE pki_state SET version = version + 1 WHERE id = 1"));
    MEDSIGN_TRY(fn(tx));
    MEDSIGN_TRY(audit_.record_in(tx, {actor.name, actor.role, action, target, "success", actor.source, detail}));
    return {};
  });
  if (!st) {
    (void)audit_.record({actor.name, actor.role, action, target, "failure", actor.source, st.error().detail});
    return st;
  }
  return reload();
}

// ---- anchors and intermediates ----

Result<std::vector<PkiCertificateInfo>> PkiPolicyService::add_certificates(const std::string& kind, ByteView data,
                                                                           const PkiActor& actor) {
  MEDSIGN_TRY(check_kind(kind));
  std::vector<pki::Certificate> certs;
  const std::string_view text(reinterpret_cast<const char*>(data.data()), data.size());
  if (text.find("-----BEGIN") != std::string_view::npos) {
    MEDSIGN_ASSIGN(certs, pki::Certificate::parse_pem(text));
  } else {
    MEDSIGN_ASSIGN(pki::Certificate c, pki::Certificate::parse_der(data));
    certs.push_back(std::move(c));
  }
  auto snap = snapshot();
  std::vector<PkiCertificateInfo> out;
  std::vector<std::string> fps;
  for (auto& c : certs) {
    if (!c.basic_constraints() || !c.basic_constraints()->ca)
      return Error(Errc::invalid_argument, "not a CA certificate (basicConstraints cA): " + c.subject().to_string());
    if (auto it = snap->certs.find(c.fingerprint_sha256()); it != snap->certs.end() && it->second.kind != kind)
      return Error(Errc::conflict, c.subject().to_string() + " is already stored as " + it->second.kind);
    fps.push_back(c.fingerprint_sha256());
  }
  const std::int64_t now = unix_millis();
  MEDSIGN_TRY(change(actor, "pki." + kind + "_add", join(fps), [&](store::Tx& tx) -> Status {
    for (auto& c : certs) {
      if (snap->certs.count(c.fingerprint_sha256())) continue;
      MEDSIGN_TRY(tx.exec("INSERT INTO pki_certificates (fingerprint, kind, subject, der, created_at, created_by) "
                          "VALUES (?, ?, ?, ?, ?, ?)",
                          {c.fingerprint_sha256(), kind, c.subject().to_string(), c.der(), now, actor.name}));
    }
    return {};
  }));
  auto cur = snapshot();
  for (auto& fp : fps) out.push_back(cur->certs.at(fp));
  return out;
}

std::vector<PkiCertificateInfo> PkiPolicyService::certificates(const std::string& kind) const {
  std::vector<PkiCertificateInfo> out;
  for (auto& [fp, c] : snapshot()->certs)
    if (kind.empty() || c.kind == kind) out.push_back(c);
  return out;
}

Status PkiPolicyService::remove_certificate(const std::string& kind, const std::string& fingerprint,
                                            const PkiActor& actor) {
  MEDSIGN_TRY(check_kind(kind));
  MEDSIGN_ASSIGN(std::string fp, normalise_fingerprint(fingerprint));
  auto snap = snapshot();
  auto it = snap->certs.find(fp);
  if (it == snap->certs.end() || it->second.kind != kind) return Error(Errc::not_found, "no " + kind + " " + fp);
  for (auto& [name, p] : snap->projects)
    if (std::find(p.anchors.begin(), p.anchors.end(), fp) != p.anchors.end())
      return Error(Errc::conflict, "project " + name + " uses this anchor; remove it from the project first");
  return change(actor, "pki." + kind + "_remove", fp, [&](store::Tx& tx) -> Status {
    MEDSIGN_ASSIGN(store::Rows used, tx.query("SELECT id FROM pki_crl_sources WHERE ca_fingerprint = ?", {fp}));
    if (!used.empty())
      return Error(Errc::conflict, "CRL source " + std::to_string(used[0].int64(0)) + " belongs to this CA; remove it first");
    MEDSIGN_TRY(tx.exec("DELETE FROM pki_crls WHERE ca_fingerprint = ?", {fp}));
    MEDSIGN_TRY(tx.exec("DELETE FROM pki_certificates WHERE fingerprint = ?", {fp}));
    return {};
  }, it->second.cert->subject().to_string());
}

// ---- projects ----

Status PkiPolicyService::put_project(const PkiProject& in, bool create, const PkiActor& actor) {
  MEDSIGN_TRY(check_name("project", in.name));
  if (in.max_path_length < 2 || in.max_path_length > 16)
    return Error(Errc::invalid_argument, "max_path_length: 2 to 16");
  if (in.crl_grace_ms < 0) return Error(Errc::invalid_argument, "crl_grace_ms: not negative");
  auto snap = snapshot();
  std::vector<std::string> anchors;
  for (auto& a : in.anchors) {
    MEDSIGN_ASSIGN(std::string fp, normalise_fingerprint(a));
    auto it = snap->certs.find(fp);
    if (it == snap->certs.end() || it->second.kind != "anchor") return Error(Errc::not_found, "no trust anchor " + fp);
    if (std::find(anchors.begin(), anchors.end(), fp) == anchors.end()) anchors.push_back(fp);
  }
  const bool exists = snap->projects.count(in.name) > 0;
  if (create && exists) return Error(Errc::conflict, "project " + in.name + " exists");
  if (!create && !exists) return Error(Errc::not_found, "no project " + in.name);
  const std::string detail = "purpose " + std::string(pki::purpose_name(in.purpose)) + ", revocation " +
                             std::string(pki::revocation_mode_name(in.revocation)) + ", list " +
                             std::string(list_mode_name(in.list_mode)) + ", anchors " + join(anchors);
  return change(actor, create ? "pki.project_create" : "pki.project_update", in.name, [&](store::Tx& tx) -> Status {
    if (!create) MEDSIGN_TRY(tx.exec("DELETE FROM pki_projects WHERE name = ?", {in.name}));
    MEDSIGN_TRY(tx.exec("INSERT INTO pki_projects (name, description, purpose, revocation, crl_grace_ms, list_mode, "
                        "max_path_length, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                        {in.name, in.description, std::string(pki::purpose_name(in.purpose)),
                         std::string(pki::revocation_mode_name(in.revocation)), in.crl_grace_ms,
                         std::string(list_mode_name(in.list_mode)), std::int64_t{in.max_path_length}, unix_millis()}));
    MEDSIGN_TRY(tx.exec("DELETE FROM pki_project_anchors WHERE project = ?", {in.name}));
    for (auto& fp : anchors)
      MEDSIGN_TRY(tx.exec("INSERT INTO pki_project_anchors (project, fingerprint) VALUES (?, ?)", {in.name, fp}));
    return {};
  }, detail);
}

Result<PkiProject> PkiPolicyService::project(const std::string& name) const {
  auto snap = snapshot();
  auto it = snap->projects.find(name);
  if (it == snap->projects.end()) return Error(Errc::not_found, "no project " + name);
  return it->second;
}

std::vector<PkiProject> PkiPolicyService::projects() const {
  std::vector<PkiProject> out;
  for (auto& [n, p] : snapshot()->projects) out.push_back(p);
  return out;
}

Status PkiPolicyService::remove_project(const std::string& name, const PkiActor& actor) {
  auto snap = snapshot();
  if (!snap->projects.count(name)) return Error(Errc::not_found, "no project " + name);
  for (auto& [pn, pol] : snap->policies)
    if (std::find(pol.projects.begin(), pol.projects.end(), name) != pol.projects.end())
      return Error(Errc::conflict, "policy " + pn + " uses project " + name);
  return change(actor, "pki.project_remove", name, [&](store::Tx& tx) -> Status {
    MEDSIGN_TRY(tx.exec("DELETE FROM pki_list_entries WHERE project = ?", {name}));
    MEDSIGN_TRY(tx.exec("DELETE FROM pki_project_anchors WHERE project = ?", {name}));
    MEDSIGN_TRY(tx.exec("DELETE FROM pki_projects WHERE name = ?", {name}));
    return {};
  });
}

Result<std::string> PkiPolicyService::add_to_list(const std::string& project, ByteView entry, const PkiActor& actor) {
  auto snap = snapshot();
  auto it = snap->projects.find(project);
  if (it == snap->projects.end()) return Error(Errc::not_found, "no project " + project);
  std::string text(reinterpret_cast<const char*>(entry.data()), entry.size());
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back()))) text.pop_back();
  std::string fp, subject;
  if (auto n = normalise_fingerprint(text)) {
    fp = *n;
  } else {
    auto cert = pki::Certificate::parse(entry);
    if (!cert) return Error(Errc::bad_encoding, "list entry: a SHA-256 fingerprint or a certificate (PEM or DER)");
    fp = cert->fingerprint_sha256();
    subject = cert->subject().to_string();
  }
  const std::string mode(list_mode_name(it->second.list_mode));
  MEDSIGN_TRY(change(actor, "pki.list_add", project + "/" + fp, [&](store::Tx& tx) -> Status {
    MEDSIGN_TRY(tx.exec("DELETE FROM pki_list_entries WHERE project = ? AND fingerprint = ?", {project, fp}));
    MEDSIGN_TRY(tx.exec("INSERT INTO pki_list_entries (project, fingerprint, note, added_at) VALUES (?, ?, ?, ?)",
                        {project, fp, subject, unix_millis()}));
    return {};
  }, "list mode " + mode + (subject.empty() ? "" : ", " + subject)));
  return fp;
}

Status PkiPolicyService::remove_from_list(const std::string& project, const std::string& fingerprint,
                                          const PkiActor& actor) {
  MEDSIGN_ASSIGN(std::string fp, normalise_fingerprint(fingerprint));
  auto snap = snapshot();
  auto it = snap->projects.find(project);
  if (it == snap->projects.end()) return Error(Errc::not_found, "no project " + project);
  if (std::find(it->second.list.begin(), it->second.list.end(), fp) == it->second.list.end())
    return Error(Errc::not_found, fp + " is not on the list of project " + project);
  return change(actor, "pki.list_remove", project + "/" + fp, [&](store::Tx& tx) -> Status {
    return tx.exec("DELETE FROM pki_list_entries WHERE project = ? AND fingerprint = ?", {project, fp}).ok()
               ? Status{}
               : Status(Error(Errc::storage_error, "delete list entry"));
  });
}

// ---- policies ----

Status PkiPolicyService::put_policy(const PkiPolicy& in, bool create, const PkiActor& actor) {
  MEDSIGN_TRY(check_name("policy", in.name));
  auto snap = snapshot();
  if (in.projects.empty()) return Error(Errc::invalid_argument, "projects: at least one");
  std::vector<std::string> projects;
  for (auto& p : in.projects) {
    if (!snap->projects.count(p)) return Error(Errc::not_found, "no project " + p);
    if (std::find(projects.begin(), projects.end(), p) == projects.end()) projects.push_back(p);
  }
  const bool exists = snap->policies.count(in.name) > 0;
  if (create && exists) return Error(Errc::conflict, "policy " + in.name + " exists");
  if (!create && !exists) return Error(Errc::not_found, "no policy " + in.name);
  const std::string detail = "projects " + join(projects) + ", crl_failure " + std::string(crl_failure_name(in.crl_failure));
  return change(actor, create ? "pki.policy_create" : "pki.policy_update", in.name, [&](store::Tx& tx) -> Status {
    if (!create) MEDSIGN_TRY(tx.exec("DELETE FROM pki_policies WHERE name = ?", {in.name}));
    MEDSIGN_TRY(tx.exec("INSERT INTO pki_policies (name, description, crl_failure, updated_at) VALUES (?, ?, ?, ?)",
                        {in.name, in.description, std::string(crl_failure_name(in.crl_failure)), unix_millis()}));
    MEDSIGN_TRY(tx.exec("DELETE FROM pki_policy_projects WHERE policy = ?", {in.name}));
    for (std::size_t i = 0; i < projects.size(); ++i)
      MEDSIGN_TRY(tx.exec("INSERT INTO pki_policy_projects (policy, project, position) VALUES (?, ?, ?)",
                          {in.name, projects[i], static_cast<std::int64_t>(i)}));
    return {};
  }, detail);
}

Result<PkiPolicy> PkiPolicyService::policy(const std::string& name) const {
  auto snap = snapshot();
  auto it = snap->policies.find(name);
  if (it == snap->policies.end()) return Error(Errc::not_found, "no verification policy " + name);
  return it->second;
}

std::vector<PkiPolicy> PkiPolicyService::policies() const {
  std::vector<PkiPolicy> out;
  for (auto& [n, p] : snapshot()->policies) out.push_back(p);
  return out;
}

Status PkiPolicyService::remove_policy(const std::string& name, const PkiActor& actor) {
  if (!snapshot()->policies.count(name)) return Error(Errc::not_found, "no verification policy " + name);
  return change(actor, "pki.policy_remove", name, [&](store::Tx& tx) -> Status {
    MEDSIGN_TRY(tx.exec("DELETE FROM pki_policy_projects WHERE policy = ?", {name}));
    MEDSIGN_TRY(tx.exec("DELETE FROM pki_policies WHERE name = ?", {name}));
    return {};
  });
}

// ---- verification ----

Result<pki::ValidationResult> PkiPolicyService::verify(const VerifyRequest& req) const {
  auto snap = snapshot();
  auto it = snap->built.find(req.policy);
  if (it == snap->built.end()) return Error(Errc::not_found, "no verification policy " + req.policy);
  MEDSIGN_ASSIGN(pki::Certificate cert, pki::Certificate::parse(req.certificate));
  const std::int64_t at = req.at_ms.value_or(unix_millis());
  pki::ValidationResult r = cache_.validate(cert, at, it->second, *snap->crl_store);
  return r;
}

}  // namespace medsign::services
