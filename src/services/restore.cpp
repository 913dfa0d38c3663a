#include "services/restore.h"

#include <fcntl.h>
#include <unistd.h>

#include <atomic>

#include "common/clock.h"
#include "common/logging.h"
#include "crypto/soft/keystore.h"
#include "services/schema.h"

namespace medsign::services {
namespace fs = std::filesystem;

namespace {
// What a restore swaps in the data dir (the database travels as rows, logs stay).
constexpr const char* kSwapped[] = {"keys", "tls", "bootstrap", "blobs", "medsign.toml"};
constexpr const char* kStagingPrefix = "restore-staging-";
constexpr const char* kPreviousPrefix = "restore-previous-";

std::atomic<bool> g_restore_running{false};

std::string restore_id() {
  std::string iso = iso8601_now();  // 2026-11-28T04:15:02.123Z
  std::string id;
  for (char c : iso.substr(0, 19))
    if (c != '-' && c != ':') id += c;
  return id + "Z";
}

std::string audit_detail_prefix(const std::string& id) { return "restore " + id + ":"; }

void sync_dir(const fs::path& dir) {
  int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return;
  ::fsync(fd);
  ::close(fd);
}

// Moves each staged entry into the data dir, the entry it replaces into previous/. Idempotent: an entry
// still in staging has not been swapped yet, so whatever the data dir holds under its name is the old one.
Status apply_staged(const fs::path& data_dir, const fs::path& staging, const fs::path& previous) {
  std::error_code ec;
  fs::create_directories(previous, ec);
  for (const char* name : kSwapped) {
    if (!fs::exists(staging / name)) continue;
    if (fs::exists(data_dir / name)) {
      fs::rename(data_dir / name, previous / name, ec);
      if (ec) return Error(Errc::io_error, "cannot move " + (data_dir / name).string() + " aside: " + ec.message());
    }
    fs::rename(staging / name, data_dir / name, ec);
    if (ec) return Error(Errc::io_error, "cannot move the restored " + std::string(name) + " in: " + ec.message());
  }
  sync_dir(previous);
  sync_dir(data_dir);
  fs::remove_all(staging, ec);
  return {};
}

Status check_same_database(const Platform& p, const Bytes& toml) {
  auto cfg = parse_config(as_chars(toml), "backup medsign.toml");
  if (!cfg) return Error(Errc::backup_invalid, "the archive's configuration does not parse: " + cfg.error().detail);
  MEDSIGN_TRY(apply_env_overrides(*cfg, process_environment()));
  cfg->data_dir = p.cfg.data_dir;
  auto mine = database_config(p.cfg), theirs = database_config(*cfg);
  if (mine.backend != theirs.backend || mine.sqlite_path != theirs.sqlite_path || mine.postgres_url != theirs.postgres_url)
    return Error(Errc::conflict,
                 "the backup's database settings differ from this node's; restore it into a new data directory "
                 "with `medsign restore`");
  return {};
}

Status stage_files(const BackupContent& content, const fs::path& staging) {
  std::error_code ec;
  fs::create_directories(staging, ec);
  if (ec) return Error(Errc::io_error, "cannot create " + staging.string() + ": " + ec.message());
  for (auto& [rel, bytes] : content.files) {
    fs::path relp(rel);
    MEDSIGN_TRY(crypto::write_file_atomic(staging / relp, bytes, relp.extension() == ".pem" ? 0644 : 0600));
  }
  // A directory the archive does not have replaces the current one too (empty).
  for (const char* name : kSwapped)
    if (!fs::exists(staging / name)) fs::create_directories(staging / name, ec);
  sync_dir(staging);
  return {};
}
}  // namespace

Result<RestoreSummary> restore_in_place(Platform& p, ByteView archive, const std::string& passphrase,
                                        const RestoreRequest& req) {
  MEDSIGN_ASSIGN(BackupContent content, read_backup(archive, passphrase));
  MEDSIGN_TRY(check_same_database(p, content.files.at("medsign.toml")));
  bool expected = false;
  if (!g_restore_running.compare_exchange_strong(expected, true))
    return Error(Errc::conflict, "a restore is already running");
  struct Release {
    ~Release() { g_restore_running = false; }
  } release;

  const fs::path& data = p.cfg.data_dir;
  RestoreSummary sum;
  sum.id = restore_id();
  for (int n = 2; fs::exists(data / (kPreviousPrefix + sum.id)); ++n) sum.id = restore_id() + "-" + std::to_string(n);
  sum.previous_dir = data / (kPreviousPrefix + sum.id);
  const fs::path staging = data / (kStagingPrefix + sum.id);
  sum.files = content.files.size();
  sum.bytes = content.archive_bytes;

  // The state being replaced, whole (database included), so an operator can go back with `medsign restore`.
  std::error_code ec;
  fs::create_directories(sum.previous_dir, ec);
  if (ec) return Error(Errc::io_error, "cannot create " + sum.previous_dir.string() + ": " + ec.message());
  auto before = write_backup(p, sum.previous_dir / "before-restore.msbak", passphrase, req.actor);
  if (!before) {
    fs::remove_all(sum.previous_dir, ec);
    return before.error();
  }
  auto staged = stage_files(content, staging);
  if (!staged) {
    fs::remove_all(staging, ec);
    fs::remove_all(sum.previous_dir, ec);
    return staged.error();
  }

  AuditLog restored_log(*p.db, nullptr, p.cfg.audit.checkpoint_every);
  auto committed = p.db->transaction([&](store::Tx& tx) -> Status {
    MEDSIGN_TRY(tx.exec("DELETE FROM sessions"));
    MEDSIGN_TRY(tx.exec("DELETE FROM auth_challenges"));
    const auto& tables = backup_tables();
    for (auto it = tables.rbegin(); it != tables.rend(); ++it) MEDSIGN_TRY(tx.exec("DELETE FROM " + it->name));
    MEDSIGN_ASSIGN(sum.rows, insert_backup_rows(tx, p.db->backend(), content));
    MEDSIGN_ASSIGN(auto head, tx.query("SELECT COUNT(*) FROM audit_head"));
    if (head.empty() || head[0].int64(0) == 0)
      MEDSIGN_TRY(tx.exec("INSERT INTO audit_head (id, seq, hash) VALUES (1, 0, ?)", {std::string(64, '0')}));
    // Into the restored chain, in the same commit: this entry is also what marks the restore as done for
    // finish_interrupted_restore(). No checkpoint signature here (the running audit key may not be the
    // restored one); the next checkpoint after the restart covers it.
    std::string detail = audit_detail_prefix(sum.id) + " " + std::to_string(sum.rows) + " rows, " +
                         std::to_string(sum.files) + " files; previous state in " + kPreviousPrefix + sum.id;
    MEDSIGN_TRY(restored_log.record_in(tx, {req.actor, req.role, "system.restore", req.archive_name, "success",
                                            req.source, detail}));
    return {};
  });
  if (!committed) {
    fs::remove_all(staging, ec);
    fs::remove_all(sum.previous_dir, ec);
    return committed.error();
  }
  auto swapped = apply_staged(data, staging, sum.previous_dir);
  if (!swapped) {
    // The database is restored; the next start completes the swap (finish_interrupted_restore).
    log::warn("restore: files not swapped yet; completed at the next start", {{"detail", swapped.error().detail}});
    sum.files_pending = true;
  }
  log::info("restore done", {{"id", sum.id}, {"rows", sum.rows}, {"files", sum.files}});
  return sum;
}

std::vector<fs::path> staged_restores(const fs::path& data_dir) {
  std::vector<fs::path> staged;
  std::error_code ec;
  for (fs::directory_iterator it(data_dir, ec), end; !ec && it != end; it.increment(ec))
    if (it->is_directory() && it->path().filename().string().starts_with(kStagingPrefix)) staged.push_back(it->path());
  return staged;
}

Status finish_interrupted_restore(const fs::path& data_dir) {
  std::error_code ec;
  for (auto& staging : staged_restores(data_dir)) {
    std::string id = staging.filename().string().substr(std::string(kStagingPrefix).size());
    // The configuration is the old or the new one (same database settings, checked before the restore).
    auto cfg = load_config(fs::exists(data_dir / "medsign.toml") ? data_dir : staging);
    if (!cfg) return cfg.error();
    cfg->data_dir = data_dir;
    MEDSIGN_ASSIGN(auto db, store::Database::open(database_config(*cfg)));
    MEDSIGN_ASSIGN(auto rows, db->query("SELECT seq FROM audit_log WHERE action = 'system.restore' AND detail LIKE ?",
                                        {audit_detail_prefix(id) + "%"}));
    if (rows.empty()) {
      log::warn("restore: dropping a restore that did not commit", {{"id", id}});
      fs::remove_all(staging, ec);
      continue;
    }
    log::warn("restore: completing an interrupted restore", {{"id", id}});
    MEDSIGN_TRY(apply_staged(data_dir, staging, data_dir / (kPreviousPrefix + id)));
  }
  return {};
}

}  // namespace medsign::services
