// Backup and restore of a whole data dir as one encrypted archive.
//
// Archive: "MSBAK1\n" || salt(16) || seal(scrypt(passphrase, salt), payload, "medsign-backup-v1")
// payload (JSON): the configuration, the key store files (already sealed; the KEK travels inside the
// encrypted archive), TLS and bootstrap key files, and a consistent logical snapshot of every table —
// portable between SQLite and PostgreSQL.
#pragma once

#include <filesystem>
#include <string>

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

}  // namespace medsign::services
