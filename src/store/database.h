// The storage interface every repository is written on, with two backends: SQLite (embedded default, WAL)
// and PostgreSQL (libpq). Domain code never sees which one it talks to.
//
// SQL is written once, in the common subset of both dialects:
//   - parameters are written `?` (the PostgreSQL backend rewrites them to $1, $2, ...);
//   - `INSERT ... RETURNING id` gives generated keys on both;
//   - in migrations, the tokens `{id}` (64-bit auto-increment primary key), `{blob}` (binary column) and
//     `{bigint}` (64-bit integer) are replaced per backend before execution.
// Errors are Errc::storage_error (or Errc::conflict for a unique-constraint violation) with the backend's
// message in `detail`.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "common/bytes.h"
#include "common/error.h"

namespace medsign::store {

enum class Backend { sqlite, postgres };

struct DatabaseConfig {
  Backend backend = Backend::sqlite;
  std::filesystem::path sqlite_path;  // used when backend == sqlite
  std::string postgres_url;           // libpq connection string or URI, when backend == postgres
  int pool_size = 4;                  // connections kept open
  int busy_timeout_ms = 5000;         // how long a writer waits for a lock before failing
};

// One SQL value. Text is UTF-8; Bytes is a BLOB / BYTEA.
using Value = std::variant<std::nullptr_t, std::int64_t, double, std::string, Bytes>;

struct Row {
  std::vector<Value> cols;
  bool is_null(std::size_t i) const { return std::holds_alternative<std::nullptr_t>(cols.at(i)); }
  // Conversions are lenient where the backends differ (PostgreSQL returns text for some numerics):
  // int64 accepts integer or decimal text; text accepts any non-null value's text form; blob accepts Bytes
  // or text. A NULL gives 0 / "" / {}.
  std::int64_t int64(std::size_t i) const;
  double real(std::size_t i) const;
  std::string text(std::size_t i) const;
  Bytes blob(std::size_t i) const;
};
using Rows = std::vector<Row>;
using Params = std::vector<Value>;

// Statements inside one transaction.
class Tx {
 public:
  virtual ~Tx() = default;
  virtual Result<Rows> query(std::string_view sql, const Params& params = {}) = 0;
  // Returns the number of rows changed.
  virtual Result<std::int64_t> exec(std::string_view sql, const Params& params = {}) = 0;
};

struct Migration {
  int version;              // strictly increasing, starting at 1
  std::string name;         // short description, stored in schema_migrations
  std::string sql;          // one or more statements separated by ';', with the tokens above
};

class Database {
 public:
  virtual ~Database() = default;

  // Opens (and for SQLite creates) the database. Does not migrate.
  static Result<std::unique_ptr<Database>> open(const DatabaseConfig& cfg);

  virtual Backend backend() const = 0;

  // Runs fn inside one read-write transaction: commits when fn returns ok, rolls back when it returns an
  // error or throws. Retries fn (up to a few times) when the backend reports a serialization failure or a
  // busy database, so fn must have no side effects outside the transaction.
  // Thread-safe: may be called from many threads at once.
  // An exception thrown by fn rolls back and propagates. REQUIRES: fn writes only through its Tx (with
  // SQLite a write through this Database from inside fn would wait for the writer fn holds). With PostgreSQL
  // a failed statement aborts the transaction: return its error rather than carry on. PostgreSQL runs at
  // READ COMMITTED; a read-modify-write starts by updating the row it depends on (docs/STORAGE.md).
  virtual Status transaction(const std::function<Status(Tx&)>& fn) = 0;

  // A single statement in its own transaction (auto-commit). Thread-safe.
  virtual Result<Rows> query(std::string_view sql, const Params& params = {}) = 0;
  virtual Result<std::int64_t> exec(std::string_view sql, const Params& params = {}) = 0;

  // Applies every migration whose version is above the recorded one, each in its own transaction, and
  // records it in table schema_migrations(version, name, applied_at). Refuses (config_invalid) when the
  // database has a version newer than the newest migration given.
  virtual Status migrate(std::span<const Migration> migrations) = 0;
  virtual Result<int> schema_version() = 0;

  // Runs fn inside one read-only transaction that sees a consistent snapshot (SQLite: a read transaction;
  // PostgreSQL: REPEATABLE READ READ ONLY). Used by backup.
  virtual Status snapshot(const std::function<Status(Tx&)>& fn) = 0;
};

// Replaces the migration tokens for a backend (exposed for tests).
std::string translate_migration_sql(std::string_view sql, Backend backend);

}  // namespace medsign::store
