// SQLite backend: one writer connection (serialised by a mutex, transactions BEGIN IMMEDIATE) and a pool
// of read-only connections, all on one WAL database file, so readers never wait for the writer.
#include <sqlite3.h>

#include <algorithm>
#include <cctype>
#include <condition_variable>
#include <mutex>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include "store/internal.h"

namespace medsign::store::detail {
namespace {

constexpr int kMaxAttempts = 8;          // transaction attempts when the database is busy
constexpr std::size_t kMaxCached = 128;  // prepared statements kept per connection

// One sqlite3 handle with its prepared-statement cache. Used by one thread at a time.
class Connection {
 public:
  ~Connection() {
    for (auto& [sql, stmt] : cache_) sqlite3_finalize(stmt);
    sqlite3_close_v2(db_);
  }

  static Result<std::unique_ptr<Connection>> open(const DatabaseConfig& cfg, bool writer) {
    auto c = std::unique_ptr<Connection>(new Connection);
    int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX | (writer ? SQLITE_OPEN_CREATE : 0);
    int rc = sqlite3_open_v2(cfg.sqlite_path.c_str(), &c->db_, flags, nullptr);
    if (rc != SQLITE_OK) {
      std::string msg = c->db_ ? sqlite3_errmsg(c->db_) : sqlite3_errstr(rc);
      return Error(Errc::storage_error, "sqlite: cannot open " + cfg.sqlite_path.string() + ": " + msg);
    }
    sqlite3_extended_result_codes(c->db_, 1);
    sqlite3_busy_timeout(c->db_, cfg.busy_timeout_ms);
    if (writer) {
      MEDSIGN_ASSIGN(Rows mode, c->run("PRAGMA journal_mode=WAL", {}, nullptr));
      if (mode.empty() || mode[0].text(0) != "wal") {
        return Error(Errc::storage_error, "sqlite: cannot switch " + cfg.sqlite_path.string() + " to WAL");
      }
    }
    // FULL: every commit syncs the WAL, so a committed row survives power loss (group commit pays for it).
    MEDSIGN_TRY(c->run("PRAGMA synchronous=FULL", {}, nullptr));
    MEDSIGN_TRY(c->run("PRAGMA foreign_keys=ON", {}, nullptr));
    if (!writer) MEDSIGN_TRY(c->run("PRAGMA query_only=ON", {}, nullptr));
    return c;
  }

  sqlite3* handle() const { return db_; }
  // True when the last failure was SQLITE_BUSY or SQLITE_LOCKED (worth retrying the transaction).
  bool last_busy() const { return last_busy_; }

  Result<sqlite3_stmt*> prepare(std::string_view sql) {
    std::string key(sql);
    if (auto it = cache_.find(key); it != cache_.end()) return it->second;
    sqlite3_stmt* stmt = nullptr;
    const char* tail = nullptr;
    int rc = sqlite3_prepare_v3(db_, sql.data(), static_cast<int>(sql.size()), SQLITE_PREPARE_PERSISTENT,
                                &stmt, &tail);
    if (rc != SQLITE_OK) return fail(rc, sql);
    if (!stmt) return Error(Errc::storage_error, "sqlite: empty statement");
    for (; tail && tail < sql.data() + sql.size(); ++tail) {
      if (!std::isspace(static_cast<unsigned char>(*tail)) && *tail != ';') {
        sqlite3_finalize(stmt);
        return Error(Errc::storage_error, "sqlite: more than one statement in: " + key);
      }
    }
    if (cache_.size() >= kMaxCached) {
      for (auto& [s, st] : cache_) sqlite3_finalize(st);
      cache_.clear();
    }
    cache_.emplace(std::move(key), stmt);
    return stmt;
  }

  // Runs one statement; rows are collected, the change count goes to *changes when given.
  Result<Rows> run(std::string_view sql, const Params& params, std::int64_t* changes) {
    MEDSIGN_ASSIGN(sqlite3_stmt * stmt, prepare(sql));
    return step(stmt, params, changes);
  }

  Result<Rows> step(sqlite3_stmt* stmt, const Params& params, std::int64_t* changes) {
    last_busy_ = false;
    struct Reset {
      sqlite3_stmt* s;
      ~Reset() {
        sqlite3_reset(s);
        sqlite3_clear_bindings(s);
      }
    } reset{stmt};
    if (static_cast<int>(params.size()) != sqlite3_bind_parameter_count(stmt)) {
      return Error(Errc::storage_error, "sqlite: statement takes " +
                                            std::to_string(sqlite3_bind_parameter_count(stmt)) +
                                            " parameters, " + std::to_string(params.size()) + " given");
    }
    for (std::size_t i = 0; i < params.size(); ++i) {
      int idx = static_cast<int>(i) + 1;
      int rc = std::visit(
          [&](const auto& v) -> int {
            using T = std::decay_t<decltype(v)>;
            if constexpr (std::is_same_v<T, std::nullptr_t>) {
              return sqlite3_bind_null(stmt, idx);
            } else if constexpr (std::is_same_v<T, std::int64_t>) {
              return sqlite3_bind_int64(stmt, idx, v);
            } else if constexpr (std::is_same_v<T, double>) {
              return sqlite3_bind_double(stmt, idx, v);
            } else if constexpr (std::is_same_v<T, std::string>) {
              return sqlite3_bind_text64(stmt, idx, v.data(), v.size(), SQLITE_STATIC, SQLITE_UTF8);
            } else {
              if (v.empty()) return sqlite3_bind_zeroblob(stmt, idx, 0);
              return sqlite3_bind_blob64(stmt, idx, v.data(), v.size(), SQLITE_STATIC);
            }
          },
          params[i]);
      if (rc != SQLITE_OK) return fail(rc, sqlite3_sql(stmt));
    }
    Rows rows;
    for (;;) {
      int rc = sqlite3_step(stmt);
      if (rc == SQLITE_DONE) break;
      if (rc != SQLITE_ROW) return fail(rc, sqlite3_sql(stmt));
      int n = sqlite3_column_count(stmt);
      Row row;
      row.cols.reserve(static_cast<std::size_t>(n));
      for (int c = 0; c < n; ++c) row.cols.push_back(column(stmt, c));
      rows.push_back(std::move(row));
    }
    if (changes) *changes = sqlite3_changes64(db_);
    return rows;
  }

  // Runs a script of several statements (migrations): CREATE TRIGGER bodies with ';' are handled by SQLite.
  Status script(std::string_view sql) {
    const char* p = sql.data();
    const char* end = sql.data() + sql.size();
    while (p < end) {
      sqlite3_stmt* stmt = nullptr;
      const char* tail = nullptr;
      int rc = sqlite3_prepare_v2(db_, p, static_cast<int>(end - p), &stmt, &tail);
      if (rc != SQLITE_OK) return fail(rc, std::string_view(p, static_cast<std::size_t>(end - p)));
      p = tail;
      if (!stmt) continue;  // whitespace or comment only
      auto r = step(stmt, {}, nullptr);
      sqlite3_finalize(stmt);
      if (!r.ok()) return r.error();
    }
    return {};
  }

  Status simple(const char* sql) {
    int rc = sqlite3_exec(db_, sql, nullptr, nullptr, nullptr);
    if (rc != SQLITE_OK) return fail(rc, sql);
    return {};
  }

 private:
  Connection() = default;

  static Value column(sqlite3_stmt* stmt, int c) {
    switch (sqlite3_column_type(stmt, c)) {
      case SQLITE_INTEGER:
        return std::int64_t{sqlite3_column_int64(stmt, c)};
      case SQLITE_FLOAT:
        return sqlite3_column_double(stmt, c);
      case SQLITE_TEXT: {
        auto p = reinterpret_cast<const char*>(sqlite3_column_text(stmt, c));
        return std::string(p, static_cast<std::size_t>(sqlite3_column_bytes(stmt, c)));
      }
      case SQLITE_BLOB: {
        auto p = static_cast<const std::uint8_t*>(sqlite3_column_blob(stmt, c));
        auto n = static_cast<std::size_t>(sqlite3_column_bytes(stmt, c));
        return p ? Bytes(p, p + n) : Bytes{};
      }
      default:
        return nullptr;
    }
  }

  Error fail(int rc, std::string_view sql) {
    int ext = sqlite3_extended_errcode(db_);
    int primary = rc & 0xff;
    last_busy_ = primary == SQLITE_BUSY || primary == SQLITE_LOCKED;
    std::string msg = "sqlite: ";
    msg += sqlite3_errmsg(db_);
    msg += " (in: ";
    msg += sql.substr(0, 200);
    msg += ")";
    if (ext == SQLITE_CONSTRAINT_UNIQUE || ext == SQLITE_CONSTRAINT_PRIMARYKEY) {
      return Error(Errc::conflict, std::move(msg));
    }
    return Error(Errc::storage_error, std::move(msg));
  }

  sqlite3* db_ = nullptr;
  std::unordered_map<std::string, sqlite3_stmt*> cache_;
  bool last_busy_ = false;
};

class SqliteTx final : public Tx {
 public:
  SqliteTx(Connection& c, bool read_only) : c_(c), read_only_(read_only) {}
  Result<Rows> query(std::string_view sql, const Params& params) override { return c_.run(sql, params, nullptr); }
  Result<std::int64_t> exec(std::string_view sql, const Params& params) override {
    if (read_only_) {
      MEDSIGN_ASSIGN(sqlite3_stmt * stmt, c_.prepare(sql));
      if (!sqlite3_stmt_readonly(stmt)) return Error(Errc::storage_error, "sqlite: write in a read-only snapshot");
    }
    std::int64_t changes = 0;
    MEDSIGN_TRY(c_.run(sql, params, &changes));
    return changes;
  }
  Connection& connection() { return c_; }

 private:
  Connection& c_;
  bool read_only_;
};

void backoff(int attempt) { std::this_thread::sleep_for(std::chrono::milliseconds(1 << std::min(attempt, 6))); }

class SqliteDatabase final : public Database {
 public:
  static Result<std::unique_ptr<Database>> create(const DatabaseConfig& cfg) {
    auto db = std::unique_ptr<SqliteDatabase>(new SqliteDatabase);
    MEDSIGN_ASSIGN(db->writer_, Connection::open(cfg, true));
    int readers = std::max(1, cfg.pool_size - 1);
    for (int i = 0; i < readers; ++i) {
      MEDSIGN_ASSIGN(auto r, Connection::open(cfg, false));
      db->free_.push_back(r.get());
      db->readers_.push_back(std::move(r));
    }
    return std::unique_ptr<Database>(std::move(db));
  }

  Backend backend() const override { return Backend::sqlite; }

  Status transaction(const std::function<Status(Tx&)>& fn) override {
    std::lock_guard lock(writer_mu_);
    Connection& c = *writer_;
    for (int attempt = 1;; ++attempt) {
      Status begin = c.simple("BEGIN IMMEDIATE");
      if (!begin.ok()) {
        if (c.last_busy() && attempt < kMaxAttempts) {
          backoff(attempt);
          continue;
        }
        return begin;
      }
      SqliteTx tx(c, false);
      Status st;
      try {
        st = fn(tx);
      } catch (...) {
        rollback(c);
        throw;
      }
      if (st.ok()) {
        st = c.simple("COMMIT");
        if (st.ok()) return st;
      }
      bool busy = c.last_busy();
      rollback(c);
      if (!busy || attempt >= kMaxAttempts) return st;
      backoff(attempt);
    }
  }

  Result<Rows> query(std::string_view sql, const Params& params) override {
    {
      Lease r(*this);
      MEDSIGN_ASSIGN(sqlite3_stmt * stmt, r->prepare(sql));
      if (sqlite3_stmt_readonly(stmt)) return r->step(stmt, params, nullptr);
    }
    std::lock_guard lock(writer_mu_);  // a write with RETURNING
    return writer_->run(sql, params, nullptr);
  }

  Result<std::int64_t> exec(std::string_view sql, const Params& params) override {
    std::lock_guard lock(writer_mu_);
    std::int64_t changes = 0;
    MEDSIGN_TRY(writer_->run(sql, params, &changes));
    return changes;
  }

  Status migrate(std::span<const Migration> migrations) override { return run_migrations(*this, migrations, hooks()); }
  Result<int> schema_version() override { return read_schema_version(*this, hooks()); }

  Status snapshot(const std::function<Status(Tx&)>& fn) override {
    Lease r(*this);
    MEDSIGN_TRY(r->simple("BEGIN DEFERRED"));
    // The read transaction (and so the snapshot) starts with the first read, so read now.
    auto first = r->run("SELECT count(*) FROM sqlite_schema", {}, nullptr);
    if (!first.ok()) {
      rollback(*r);
      return first.error();
    }
    SqliteTx tx(*r, true);
    Status st;
    try {
      st = fn(tx);
    } catch (...) {
      rollback(*r);
      throw;
    }
    rollback(*r);  // nothing to commit; ends the read transaction
    return st;
  }

 private:
  SqliteDatabase() = default;

  // A reader connection borrowed from the pool for the lifetime of the lease.
  class Lease {
   public:
    explicit Lease(SqliteDatabase& db) : db_(db) {
      std::unique_lock lock(db_.pool_mu_);
      db_.pool_cv_.wait(lock, [&] { return !db_.free_.empty(); });
      c_ = db_.free_.back();
      db_.free_.pop_back();
    }
    ~Lease() {
      {
        std::lock_guard lock(db_.pool_mu_);
        db_.free_.push_back(c_);
      }
      db_.pool_cv_.notify_one();
    }
    Lease(const Lease&) = delete;
    Lease& operator=(const Lease&) = delete;
    Connection* operator->() { return c_; }
    Connection& operator*() { return *c_; }

   private:
    SqliteDatabase& db_;
    Connection* c_;
  };

  static void rollback(Connection& c) {
    if (!sqlite3_get_autocommit(c.handle())) (void)c.simple("ROLLBACK");
  }

  static MigrationHooks hooks() {
    MigrationHooks h;
    h.lock = [](Tx&) -> Status { return {}; };  // BEGIN IMMEDIATE already excludes other writers
    h.exec_script = [](Tx& tx, std::string_view sql) { return static_cast<SqliteTx&>(tx).connection().script(sql); };
    h.table_exists_sql = "SELECT count(*) FROM sqlite_schema WHERE type = 'table' AND name = 'schema_migrations'";
    return h;
  }

  std::mutex writer_mu_;
  std::unique_ptr<Connection> writer_;
  std::mutex pool_mu_;
  std::condition_variable pool_cv_;
  std::vector<std::unique_ptr<Connection>> readers_;
  std::vector<Connection*> free_;
};

}  // namespace

Result<std::unique_ptr<Database>> open_sqlite(const DatabaseConfig& cfg) { return SqliteDatabase::create(cfg); }

}  // namespace medsign::store::detail
