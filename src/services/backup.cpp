#include "services/backup.h"

#include <algorithm>
#include <cstring>

#include <nlohmann/json.hpp>

#include "common/clock.h"
#include "crypto/soft/key_seal.h"
#include "services/schema.h"

namespace medsign::services {
namespace fs = std::filesystem;
using nlohmann::json;

namespace {
constexpr char kMagic[] = "MSBAK1\n";
constexpr std::size_t kMagicLen = sizeof kMagic - 1;

json encode_value(const store::Value& v) {
  if (std::holds_alternative<std::nullptr_t>(v)) return nullptr;
  if (auto i = std::get_if<std::int64_t>(&v)) return *i;
  if (auto d = std::get_if<double>(&v)) return json{{"f", *d}};
  if (auto s = std::get_if<std::string>(&v)) return *s;
  return json{{"b64", base64_encode(std::get<Bytes>(v))}};
}

Result<store::Value> decode_value(const json& j) {
  if (j.is_null()) return store::Value(nullptr);
  if (j.is_number_integer()) return store::Value(j.get<std::int64_t>());
  if (j.is_string()) return store::Value(j.get<std::string>());
  if (j.is_object() && j.contains("f") && j["f"].is_number()) return store::Value(j["f"].get<double>());
  if (j.is_object() && j.contains("b64") && j["b64"].is_string()) {
    MEDSIGN_ASSIGN(Bytes b, base64_decode(j["b64"].get<std::string>()));
    return store::Value(std::move(b));
  }
  return Error(Errc::backup_invalid, "unexpected value in the archive");
}

// Files of a data dir that a backup carries (relative paths). The SQLite file is not among them: tables
// travel as a logical snapshot.
std::vector<fs::path> carried_files(const fs::path& dir) {
  std::vector<fs::path> out{"medsign.toml"};
  for (const char* sub : {"keys", "tls", "bootstrap", "blobs"}) {
    std::error_code ec;
    if (!fs::is_directory(dir / sub)) continue;
    for (auto& e : fs::recursive_directory_iterator(dir / sub, ec))
      if (e.is_regular_file() && e.path().extension() != ".tmp" && e.path().filename() != "first-start.sealed")
        out.push_back(fs::relative(e.path(), dir));
  }
  return out;
}
}  // namespace

Result<BackupSummary> write_backup(Platform& p, const fs::path& archive, const std::string& passphrase,
                                   const std::string& actor) {
  if (passphrase.size() < kMinBackupPassphrase)
    return Error(Errc::invalid_argument, "the backup passphrase needs at least 8 characters");
  MEDSIGN_TRY(p.audit->record({actor, actor == "cli" ? "offline" : "sysadmin", "system.backup", archive.filename().string(),
                               "success", actor == "cli" ? "cli" : "api", ""}));
  BackupSummary sum;
  json payload = {{"format", "medsign-backup"}, {"version", 1}, {"created_at", iso8601_now()},
                  {"source_backend", p.cfg.database.backend}};
  json files = json::object();
  for (auto& rel : carried_files(p.cfg.data_dir)) {
    MEDSIGN_ASSIGN(Bytes b, crypto::read_file(p.cfg.data_dir / rel));
    files[rel.string()] = base64_encode(b);
    ++sum.files;
  }
  payload["files"] = std::move(files);
  json tables = json::object();
  MEDSIGN_TRY(p.db->snapshot([&](store::Tx& tx) -> Status {
    MEDSIGN_ASSIGN(auto ver, tx.query("SELECT MAX(version) FROM schema_migrations"));
    payload["schema_version"] = ver.empty() ? 0 : ver[0].int64(0);
    for (auto& t : backup_tables()) {
      std::string cols;
      for (auto& c : t.columns) {
        if (!cols.empty()) cols += ", ";
        cols += c;
      }
      MEDSIGN_ASSIGN(auto rows, tx.query("SELECT " + cols + " FROM " + t.name + " ORDER BY " + t.order_by));
      json arr = json::array();
      for (auto& r : rows) {
        json row = json::array();
        for (auto& v : r.cols) row.push_back(encode_value(v));
        arr.push_back(std::move(row));
        ++sum.rows;
      }
      tables[t.name] = {{"columns", t.columns}, {"rows", std::move(arr)}};
    }
    return {};
  }));
  payload["tables"] = std::move(tables);
  std::string text = payload.dump();
  Bytes salt = crypto::random_bytes(16);
  MEDSIGN_ASSIGN(SecretBytes key, crypto::derive_passphrase_key(passphrase, salt));
  MEDSIGN_ASSIGN(Bytes sealed, crypto::seal(key.view(), as_bytes(text), "medsign-backup-v1"));
  secure_wipe(text.data(), text.size());
  Bytes out(kMagic, kMagic + kMagicLen);
  out.insert(out.end(), salt.begin(), salt.end());
  out.insert(out.end(), sealed.begin(), sealed.end());
  MEDSIGN_TRY(crypto::write_file_atomic(archive, out, 0600));
  sum.bytes = out.size();
  return sum;
}

Result<BackupContent> read_backup(ByteView raw, const std::string& passphrase) {
  if (raw.size() < kMagicLen + 16 || std::memcmp(raw.data(), kMagic, kMagicLen) != 0)
    return Error(Errc::backup_invalid, "not a MedSign backup (no MSBAK1 header)");
  ByteView salt = raw.subspan(kMagicLen, 16);
  MEDSIGN_ASSIGN(SecretBytes key, crypto::derive_passphrase_key(passphrase, salt));
  auto plain = crypto::unseal(key.view(), raw.subspan(kMagicLen + 16), "medsign-backup-v1");
  if (!plain) return Error(Errc::backup_invalid, "the passphrase is wrong or the archive is damaged (truncated or altered)");
  MEDSIGN_ASSIGN(BackupContent out, parse_backup_payload(plain->view()));
  out.archive_bytes = raw.size();
  return out;
}

Result<BackupContent> parse_backup_payload(ByteView plain) {
  json payload = json::parse(as_chars(plain), nullptr, false);
  if (payload.is_discarded() || !payload.is_object() || !payload.contains("format") || !payload["format"].is_string() ||
      payload["format"].get<std::string>() != "medsign-backup" ||
      !payload.contains("files") || !payload["files"].is_object() || !payload.contains("tables") ||
      !payload["tables"].is_object())
    return Error(Errc::backup_invalid, "the archive content is not a MedSign backup");
  if (!payload.contains("version") || !payload["version"].is_number_integer() || payload["version"].get<int>() != 1)
    return Error(Errc::backup_invalid, "the archive has an unsupported format version (this MedSign reads version 1)");
  BackupContent out;
  out.archive_bytes = plain.size();
  if (payload.contains("schema_version") && payload["schema_version"].is_number_integer())
    out.schema_version = payload["schema_version"].get<std::int64_t>();
  if (out.schema_version > static_cast<std::int64_t>(migrations().back().version))
    return Error(Errc::backup_invalid, "the backup comes from a newer MedSign version (schema " +
                                           std::to_string(out.schema_version) + ")");
  for (auto& [rel, b64] : payload["files"].items()) {
    fs::path relp(rel);
    if (rel.empty() || relp.is_absolute() || rel.find("..") != std::string::npos)
      return Error(Errc::backup_invalid, "unsafe path in archive: " + rel);
    if (!b64.is_string()) return Error(Errc::backup_invalid, "file " + rel + " in the archive is not base64 text");
    MEDSIGN_ASSIGN(Bytes b, base64_decode(b64.get<std::string>()));
    out.files.emplace(rel, std::move(b));
  }
  if (!out.files.contains("medsign.toml")) return Error(Errc::backup_invalid, "archive has no configuration");
  for (auto& [name, tj] : payload["tables"].items()) {
    if (!tj.is_object() || !tj.contains("columns") || !tj["columns"].is_array() || !tj.contains("rows") ||
        !tj["rows"].is_array())
      return Error(Errc::backup_invalid, "table " + name + " in the archive is malformed");
    for (auto& c : tj["columns"])
      if (!c.is_string()) return Error(Errc::backup_invalid, "table " + name + " has a malformed column name");
    for (auto& row : tj["rows"]) {
      if (!row.is_array() || row.size() != tj["columns"].size())
        return Error(Errc::backup_invalid, "a row of table " + name + " in the archive is malformed");
      for (auto& v : row)
        if (auto d = decode_value(v); !d) return d.error();
    }
  }
  out.tables = std::move(payload["tables"]);
  return out;
}

Result<std::size_t> insert_backup_rows(store::Tx& tx, store::Backend backend, const BackupContent& content) {
  std::size_t n = 0;
  for (auto& t : backup_tables()) {
    if (!content.tables.contains(t.name)) continue;
    auto& tj = content.tables[t.name];
    std::vector<std::string> cols = tj["columns"].get<std::vector<std::string>>();
    std::string names, marks;
    for (auto& c : cols) {
      // Column names go into SQL: only the ones this version knows for the table.
      if (std::find(t.columns.begin(), t.columns.end(), c) == t.columns.end())
        return Error(Errc::backup_invalid, "table " + t.name + " in the archive has an unknown column " + c);
      if (!names.empty()) names += ", ";
      names += c;
      marks += marks.empty() ? "?" : ", ?";
    }
    std::string sql = "INSERT INTO " + t.name + " (" + names + ") VALUES (" + marks + ")";
    for (auto& row : tj["rows"]) {
      if (!row.is_array() || row.size() != cols.size())
        return Error(Errc::backup_invalid, "a row of table " + t.name + " in the archive is malformed");
      store::Params params;
      for (auto& v : row) {
        MEDSIGN_ASSIGN(store::Value val, decode_value(v));
        params.push_back(std::move(val));
      }
      MEDSIGN_TRY(tx.exec(sql, params));
      ++n;
    }
  }
  if (backend == store::Backend::postgres) {
    // Keep identity sequences ahead of restored ids.
    for (auto& t : backup_tables()) {
      if (std::find(t.columns.begin(), t.columns.end(), "id") == t.columns.end()) continue;
      MEDSIGN_ASSIGN(auto seq, tx.query("SELECT pg_get_serial_sequence(?, 'id')", {t.name}));
      if (seq.empty() || seq[0].is_null(0)) continue;
      MEDSIGN_TRY(tx.query("SELECT setval(CAST(? AS regclass), COALESCE((SELECT MAX(id) FROM " + t.name + "), 0) + 1, false)",
                           {seq[0].text(0)}));
    }
  }
  return n;
}

Result<BackupSummary> restore_backup(const fs::path& archive, const fs::path& data_dir, const std::string& passphrase) {
  if (fs::exists(data_dir / "medsign.toml") || fs::exists(data_dir / "keys"))
    return Error(Errc::data_dir_not_empty, data_dir.string() + " is already initialised; restore into an empty directory");
  MEDSIGN_ASSIGN(Bytes raw, crypto::read_file(archive));
  auto content = read_backup(raw, passphrase);
  if (!content) return Error(Errc::backup_invalid, archive.string() + ": " + content.error().detail);
  BackupSummary sum;
  // Configuration last, so an interrupted restore leaves a directory that is not taken as initialised.
  for (auto& [rel, b] : content->files) {
    if (rel == "medsign.toml") continue;
    fs::path relp(rel);
    MEDSIGN_TRY(crypto::write_file_atomic(data_dir / relp, b, relp.extension() == ".pem" ? 0644 : 0600));
    ++sum.files;
  }
  const Bytes& toml = content->files.at("medsign.toml");
  MEDSIGN_ASSIGN(Config cfg, parse_config(as_chars(toml), "backup medsign.toml"));
  MEDSIGN_TRY(apply_env_overrides(cfg, process_environment()));
  cfg.data_dir = data_dir;
  MEDSIGN_ASSIGN(auto db, store::Database::open(database_config(cfg)));
  MEDSIGN_TRY(db->migrate(migrations()));
  MEDSIGN_TRY(db->transaction([&](store::Tx& tx) -> Status {
    MEDSIGN_ASSIGN(auto existing, tx.query("SELECT COUNT(*) FROM accounts"));
    if (!existing.empty() && existing[0].int64(0) > 0)
      return Error(Errc::data_dir_not_empty, "the target database already holds accounts; use an empty database");
    MEDSIGN_TRY(tx.exec("DELETE FROM audit_head"));
    MEDSIGN_ASSIGN(sum.rows, insert_backup_rows(tx, db->backend(), *content));
    return {};
  }));
  MEDSIGN_TRY(crypto::write_file_atomic(data_dir / "medsign.toml", toml, 0600));
  ++sum.files;
  sum.bytes = raw.size();
  return sum;
}

}  // namespace medsign::services
