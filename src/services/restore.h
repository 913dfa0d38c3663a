// In-place restore of a running node's data dir from a backup archive (services/backup.h), as the console
// asks for it. All or nothing:
//   1. the archive is decrypted and checked (read_backup) and its database settings must be this node's;
//      nothing is touched before that;
//   2. the current state is written as an archive (same passphrase) to <data>/restore-previous-<id>/, and
//      the archive's files are written to <data>/restore-staging-<id>/;
//   3. ONE database transaction empties every backup table (and the sessions and login challenges, which no
//      backup carries), inserts the archive's rows and appends `system.restore` to the restored audit chain
//      — this commit is the point of no return;
//   4. medsign.toml, keys/, tls/, bootstrap/ and blobs/ are swapped by rename: the previous ones go to
//      restore-previous-<id>/, the staged ones take their place.
// An interruption before 3 leaves the old state (the staging folder is dropped at the next start); after 3,
// finish_interrupted_restore() completes the swap at the next start. The `system.restore` entry names the
// restore id, which is how the next start tells the two apart.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "services/backup.h"

namespace medsign::services {

struct RestoreRequest {
  std::string actor, role, source;  // who asks (audited)
  std::string archive_name;         // as uploaded (audited)
};

struct RestoreSummary {
  std::size_t files = 0, rows = 0, bytes = 0;
  std::string id;                     // e.g. 20261128T041502Z
  std::filesystem::path previous_dir; // where the replaced state is kept
  bool files_pending = false;         // database restored, files swapped at the next start
};

// REQUIRES: after success the caller stops serving and restarts the process (every in-memory view of the
// data dir is stale); after a failure nothing has changed. Errors: backup_invalid (see read_backup),
// conflict when the archive's database settings differ from this node's or a restore is already running.
Result<RestoreSummary> restore_in_place(Platform& p, ByteView archive, const std::string& passphrase,
                                        const RestoreRequest& req);

// The staging folders (restore-staging-<id>/) of restores running or interrupted in data_dir.
std::vector<std::filesystem::path> staged_restores(const std::filesystem::path& data_dir);

// Completes (database committed) or drops (not committed) a restore interrupted by a crash. Call before
// Platform::open; a no-op when there is nothing to finish.
Status finish_interrupted_restore(const std::filesystem::path& data_dir);

}  // namespace medsign::services
