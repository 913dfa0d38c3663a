// Pieces shared by the two backends. Not part of the store interface.
#pragma once

#include <functional>
#include <memory>
#include <span>
#include <string>
#include <string_view>

#include "store/database.h"

namespace medsign::store::detail {

// Rewrites `?` placeholders to `$1`, `$2`, ... for PostgreSQL. A `?` inside a string literal ('...',
// E'...'), a quoted identifier ("..."), a dollar-quoted string ($tag$...$tag$) or a comment (-- and /* */)
// is left alone. `count` receives the number of placeholders found.
std::string rewrite_placeholders(std::string_view sql, int* count = nullptr);

// What run_migrations needs from a backend beyond the Database interface.
struct MigrationHooks {
  // Runs first in every migration transaction; serialises migrating processes (may do nothing).
  std::function<Status(Tx&)> lock;
  // Runs a script of one or more ';'-separated statements (already translated) inside tx.
  std::function<Status(Tx&, std::string_view script)> exec_script;
  // A query giving one row with 1 when table schema_migrations exists, else 0.
  std::string table_exists_sql;
};

Result<std::unique_ptr<Database>> open_sqlite(const DatabaseConfig& cfg);
Result<std::unique_ptr<Database>> open_postgres(const DatabaseConfig& cfg);

Status run_migrations(Database& db, std::span<const Migration> migrations, const MigrationHooks& hooks);
Result<int> read_schema_version(Database& db, const MigrationHooks& hooks);

}  // namespace medsign::store::detail
