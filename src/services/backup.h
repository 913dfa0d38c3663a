// Backup and restore of a whole data dir as one encrypted archive.
//
// Archive: "MSBAK1\n" || salt(16) || seal(scrypt(passphrase, salt), payload, "medsign-backup-v1")
// payload (JSON): the configuration, the key store files (already sealed; the KEK travels inside the
// encrypted archive), TLS and bootstrap key files, and a consistent logical snapshot of every table —
// portable between SQLite and PostgreSQL.
#pragma once

#include <filesystem>
#include <map>
#include <string>

#include <nlohmann/json.hpp>

#include "services/platform.h"

namespace medsign::services {

struct BackupSummary {
  std::size_t files = 0, rows = 0, bytes = 0;
};

constexpr std::size_t kMinBackupPassphrase = 8;

Result<BackupSummary> write_backup(Platform& p, const std::filesystem::path& archive, const std::string& passphrase,
                                   const std::string& actor);
// Restores into data_dir, which must not be initialised. Database settings from the environment
// (MEDSIGN_DATABASE_*) apply, so a backup can be restored onto another backend.
Result<BackupSummary> restore_backup(const std::filesystem::path& archive, const std::filesystem::path& data_dir,
                                     const std::string& passphrase);

// A decrypted, checked archive.
struct BackupContent {
  std::map<std::string, Bytes> files;  // relative path (checked: no absolute path, no "..") -> content
  nlohmann::json tables;               // table name -> {"columns": [...], "rows": [[...], ...]}
  std::int64_t schema_version = 0;
  std::size_t archive_bytes = 0;
};
// Decrypts and checks an archive before anything is touched. backup_invalid, with a detail that says which:
// not a MedSign backup (magic, too short), the passphrase is wrong or the archive is damaged (sealed part
// does not open, e.g. truncated), unexpected content, a newer schema or format version, no configuration.
Result<BackupContent> read_backup(ByteView archive, const std::string& passphrase);
// The checks of read_backup on the decrypted payload (JSON), for a payload from any source (fuzzing).
Result<BackupContent> parse_backup_payload(ByteView plain);
// Inserts the archive's rows of every backup table; the tables must be empty. Returns the row count.
// On PostgreSQL it also moves identity sequences past the restored ids.
Result<std::size_t> insert_backup_rows(store::Tx& tx, store::Backend backend, const BackupContent& content);

}  // namespace medsign::services
