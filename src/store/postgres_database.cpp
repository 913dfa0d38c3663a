// PostgreSQL backend over libpq: a pool of connections, `?` rewritten to `$n`, parameters in text format
// except Bytes (binary bytea), results read in text format and converted by column type.
#include <libpq-fe.h>

#include <charconv>
#include <cstring>
#include <condition_variable>
#include <cstdlib>
#include <mutex>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "store/internal.h"

namespace medsign::store::detail {
namespace {

constexpr int kMaxAttempts = 8;  // transaction attempts on serialization failure or deadlock

// Type OIDs from pg_type.h (stable across versions).
constexpr Oid kBoolOid = 16, kByteaOid = 17, kInt8Oid = 20, kInt2Oid = 21, kInt4Oid = 23, kFloat4Oid = 700,
              kFloat8Oid = 701;

struct ResultDeleter {
  void operator()(PGresult* r) const { PQclear(r); }
};
using PgResult = std::unique_ptr<PGresult, ResultDeleter>;

void ignore_notice(void*, const char*) {}

// One libpq connection. Used by one thread at a time.
struct Connection {
  PGconn* conn = nullptr;
  std::string last_sqlstate;  // of the last failed statement
  bool broken = false;        // set when the connection failed; the pool replaces it

  ~Connection() {
    if (conn) PQfinish(conn);
  }

  static Result<std::unique_ptr<Connection>> open(const std::string& url) {
    auto c = std::make_unique<Connection>();
    c->conn = PQconnectdb(url.c_str());
    if (!c->conn || PQstatus(c->conn) != CONNECTION_OK) {
      std::string msg = c->conn ? PQerrorMessage(c->conn) : "out of memory";
      while (!msg.empty() && (msg.back() == '\n' || msg.back() == ' ')) msg.pop_back();
      return Error(Errc::storage_error, "postgres: cannot connect: " + msg);
    }
    PQsetNoticeProcessor(c->conn, ignore_notice, nullptr);
    if (PQsetClientEncoding(c->conn, "UTF8") != 0) {
      return Error(Errc::storage_error, "postgres: cannot set client encoding UTF8");
    }
    return c;
  }

  // False when the server has closed the connection (e.g. restarted) while it sat idle in the pool.
  bool healthy() {
    if (broken || PQstatus(conn) != CONNECTION_OK) return false;
    // An idle connection receives nothing unless the server is closing it (it sends a FATAL error, then
    // EOF). The first read takes the message, the second sees the EOF; both return at once otherwise.
    for (int i = 0; i < 2; ++i) {
      if (!PQconsumeInput(conn) || PQstatus(conn) != CONNECTION_OK) return false;
    }
    return true;
  }

  Error fail(PGresult* r, std::string_view sql) {
    last_sqlstate.clear();
    std::string msg;
    if (r) {
      if (const char* s = PQresultErrorField(r, PG_DIAG_SQLSTATE)) last_sqlstate = s;
      msg = PQresultErrorMessage(r);
    }
    if (msg.empty()) msg = PQerrorMessage(conn);
    while (!msg.empty() && (msg.back() == '\n' || msg.back() == ' ')) msg.pop_back();
    if (PQstatus(conn) != CONNECTION_OK) broken = true;
    std::string detail = "postgres: " + msg + " (in: " + std::string(sql.substr(0, 200)) + ")";
    if (last_sqlstate == "23505") return Error(Errc::conflict, std::move(detail));
    return Error(Errc::storage_error, std::move(detail));
  }

  bool retryable() const { return last_sqlstate == "40001" || last_sqlstate == "40P01"; }

  // Runs a statement without parameters, possibly several (simple query protocol).
  Status simple(std::string_view sql) {
    PgResult r(PQexec(conn, std::string(sql).c_str()));
    auto s = r ? PQresultStatus(r.get()) : PGRES_FATAL_ERROR;
    if (s != PGRES_COMMAND_OK && s != PGRES_TUPLES_OK) return fail(r.get(), sql);
    return {};
  }

  Result<PgResult> run(std::string_view sql, const Params& params) {
    int count = 0;
    std::string text = rewrite_placeholders(sql, &count);
    if (count != static_cast<int>(params.size())) {
      return Error(Errc::storage_error, "postgres: statement takes " + std::to_string(count) + " parameters, " +
                                            std::to_string(params.size()) + " given (in: " + std::string(sql) + ")");
    }
    std::vector<std::string> owned(params.size());
    std::vector<const char*> values(params.size());
    std::vector<int> lengths(params.size()), formats(params.size());
    std::vector<Oid> types(params.size());
    for (std::size_t i = 0; i < params.size(); ++i) {
      std::visit(
          [&](const auto& v) {
            using T = std::decay_t<decltype(v)>;
            if constexpr (std::is_same_v<T, std::nullptr_t>) {
              values[i] = nullptr;
            } else if constexpr (std::is_same_v<T, std::int64_t>) {
              owned[i] = std::to_string(v);
              values[i] = owned[i].c_str();
              types[i] = kInt8Oid;
            } else if constexpr (std::is_same_v<T, double>) {
              char buf[64];
              auto res = std::to_chars(buf, buf + sizeof buf, v);
              owned[i].assign(buf, res.ptr);
              values[i] = owned[i].c_str();
              types[i] = kFloat8Oid;
            } else if constexpr (std::is_same_v<T, std::string>) {
              values[i] = v.c_str();  // type left to the server (text, timestamps, ... by context)
            } else {
              values[i] = v.empty() ? "" : reinterpret_cast<const char*>(v.data());
              lengths[i] = static_cast<int>(v.size());
              formats[i] = 1;
              types[i] = kByteaOid;
            }
          },
          params[i]);
    }
    PgResult r(PQexecParams(conn, text.c_str(), static_cast<int>(params.size()), types.data(), values.data(),
                            lengths.data(), formats.data(), 0));
    auto s = r ? PQresultStatus(r.get()) : PGRES_FATAL_ERROR;
    if (s != PGRES_COMMAND_OK && s != PGRES_TUPLES_OK) return fail(r.get(), sql);
    return r;
  }
};

Value column(PGresult* r, int row, int col) {
  if (PQgetisnull(r, row, col)) return nullptr;
  const char* p = PQgetvalue(r, row, col);
  auto n = static_cast<std::size_t>(PQgetlength(r, row, col));
  switch (PQftype(r, col)) {
    case kInt8Oid:
    case kInt4Oid:
    case kInt2Oid: {
      std::int64_t v = 0;
      std::from_chars(p, p + n, v);
      return v;
    }
    case kFloat4Oid:
    case kFloat8Oid:
      return std::strtod(p, nullptr);
    case kBoolOid:
      return std::int64_t{p[0] == 't' ? 1 : 0};
    case kByteaOid: {
      std::size_t len = 0;
      unsigned char* raw = PQunescapeBytea(reinterpret_cast<const unsigned char*>(p), &len);
      if (!raw) return std::string(p, n);
      Bytes b(raw, raw + len);
      PQfreemem(raw);
      return b;
    }
    default:
      return std::string(p, n);
  }
}

Rows to_rows(PGresult* r) {
  Rows rows;
  int nrows = PQntuples(r), ncols = PQnfields(r);
  rows.reserve(static_cast<std::size_t>(nrows));
  for (int i = 0; i < nrows; ++i) {
    Row row;
    row.cols.reserve(static_cast<std::size_t>(ncols));
    for (int c = 0; c < ncols; ++c) row.cols.push_back(column(r, i, c));
    rows.push_back(std::move(row));
  }
  return rows;
}

std::int64_t affected(PGresult* r) {
  const char* t = PQcmdTuples(r);
  std::int64_t v = 0;
  if (t && *t) std::from_chars(t, t + std::strlen(t), v);
  return v;
}

class PgTx final : public Tx {
 public:
  PgTx(Connection& c, bool read_only) : c_(c), read_only_(read_only) {}
  Result<Rows> query(std::string_view sql, const Params& params) override {
    MEDSIGN_ASSIGN(PgResult r, c_.run(sql, params));
    return to_rows(r.get());
  }
  Result<std::int64_t> exec(std::string_view sql, const Params& params) override {
    MEDSIGN_ASSIGN(PgResult r, c_.run(sql, params));
    return affected(r.get());
  }
  Connection& connection() { return c_; }
  bool read_only() const { return read_only_; }

 private:
  Connection& c_;
  bool read_only_;
};

void backoff(int attempt) {
  thread_local std::minstd_rand rng(std::random_device{}());
  int cap = 1 << std::min(attempt + 1, 7);
  std::this_thread::sleep_for(std::chrono::milliseconds(1 + static_cast<int>(rng() % static_cast<unsigned>(cap))));
}

class PostgresDatabase final : public Database {
 public:
  static Result<std::unique_ptr<Database>> create(const DatabaseConfig& cfg) {
    auto db = std::unique_ptr<PostgresDatabase>(new PostgresDatabase(cfg));
    MEDSIGN_ASSIGN(auto first, Connection::open(cfg.postgres_url));  // fail early on a bad URL
    db->free_.push_back(std::move(first));
    db->open_count_ = 1;
    return std::unique_ptr<Database>(std::move(db));
  }

  Backend backend() const override { return Backend::postgres; }

  Status transaction(const std::function<Status(Tx&)>& fn) override {
    return run_tx("BEGIN", false, fn);
  }

  Status snapshot(const std::function<Status(Tx&)>& fn) override {
    return run_tx("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", true, fn);
  }

  Result<Rows> query(std::string_view sql, const Params& params) override {
    for (int attempt = 1;; ++attempt) {
      MEDSIGN_ASSIGN(Lease c, acquire());
      auto r = c->run(sql, params);
      if (r.ok()) return to_rows(r->get());
      if (!c->retryable() || attempt >= kMaxAttempts) return r.error();
      backoff(attempt);
    }
  }

  Result<std::int64_t> exec(std::string_view sql, const Params& params) override {
    for (int attempt = 1;; ++attempt) {
      MEDSIGN_ASSIGN(Lease c, acquire());
      auto r = c->run(sql, params);
      if (r.ok()) return affected(r->get());
      if (!c->retryable() || attempt >= kMaxAttempts) return r.error();
      backoff(attempt);
    }
  }

  Status migrate(std::span<const Migration> migrations) override { return run_migrations(*this, migrations, hooks()); }
  Result<int> schema_version() override { return read_schema_version(*this, hooks()); }

 private:
  explicit PostgresDatabase(const DatabaseConfig& cfg) : cfg_(cfg) {}

  // A pooled connection; returned on destruction (closed instead when broken).
  class Lease {
   public:
    Lease(PostgresDatabase* db, std::unique_ptr<Connection> c) : db_(db), c_(std::move(c)) {}
    Lease(Lease&& o) noexcept : db_(std::exchange(o.db_, nullptr)), c_(std::move(o.c_)) {}
    Lease& operator=(Lease&&) = delete;
    ~Lease() {
      if (db_) db_->release(std::move(c_));
    }
    Connection* operator->() { return c_.get(); }
    Connection& operator*() { return *c_; }

   private:
    PostgresDatabase* db_;
    std::unique_ptr<Connection> c_;
  };

  Result<Lease> acquire() {
    std::unique_ptr<Connection> c;
    {
      std::unique_lock lock(mu_);
      cv_.wait(lock, [&] { return !free_.empty() || open_count_ < cfg_.pool_size; });
      if (!free_.empty()) {
        c = std::move(free_.back());
        free_.pop_back();
      } else {
        ++open_count_;
      }
    }
    if (c && !c->healthy()) c.reset();  // dropped by the server meanwhile: replace it
    if (!c) {
      auto opened = Connection::open(cfg_.postgres_url);
      if (!opened.ok()) {
        {
          std::lock_guard lock(mu_);
          --open_count_;
        }
        cv_.notify_one();
        return opened.error();
      }
      c = std::move(opened).value();
    }
    c->last_sqlstate.clear();
    return Lease(this, std::move(c));
  }

  void release(std::unique_ptr<Connection> c) {
    {
      std::lock_guard lock(mu_);
      if (c->broken || PQstatus(c->conn) != CONNECTION_OK ||
          PQtransactionStatus(c->conn) != PQTRANS_IDLE) {
        --open_count_;  // closed below; a new one is opened on demand
      } else {
        free_.push_back(std::move(c));
      }
    }
    cv_.notify_one();
  }

  Status run_tx(std::string_view begin, bool read_only, const std::function<Status(Tx&)>& fn) {
    for (int attempt = 1;; ++attempt) {
      MEDSIGN_ASSIGN(Lease c, acquire());
      Status st = c->simple(begin);
      if (!st.ok()) {
        // Nothing was done yet, so a connection that turned out dead is safe to retry on another.
        if ((c->broken || c->retryable()) && attempt < kMaxAttempts) continue;
        return st;
      }
      if (read_only) st = c->simple("SELECT 1");  // takes the snapshot now
      PgTx tx(*c, read_only);
      if (st.ok()) {
        try {
          st = fn(tx);
        } catch (...) {
          rollback(*c);
          throw;
        }
      }
      if (read_only) {
        rollback(*c);  // nothing to commit; fn's status stands even if it ignored a failed statement
        return st;
      }
      if (st.ok()) {
        PgResult r(PQexec(c->conn, "COMMIT"));
        auto s = r ? PQresultStatus(r.get()) : PGRES_FATAL_ERROR;
        if (s != PGRES_COMMAND_OK) {
          st = c->fail(r.get(), "COMMIT");
        } else if (std::string_view(PQcmdStatus(r.get())) != "COMMIT") {
          // The server answers ROLLBACK when a statement failed and fn went on regardless.
          return Error(Errc::storage_error, "postgres: transaction rolled back after a failed statement");
        } else {
          return {};
        }
      } else {
        rollback(*c);
      }
      if (!c->retryable() || attempt >= kMaxAttempts) return st;
      backoff(attempt);
    }
  }

  static void rollback(Connection& c) {
    if (c.broken) return;
    PgResult r(PQexec(c.conn, "ROLLBACK"));
    if (!r || PQresultStatus(r.get()) != PGRES_COMMAND_OK) c.broken = true;
  }

  static MigrationHooks hooks() {
    MigrationHooks h;
    // One migrating node at a time; the key is arbitrary but fixed ("MEDSIGN" in ASCII, truncated).
    h.lock = [](Tx& tx) -> Status {
      MEDSIGN_TRY(tx.query("SELECT pg_advisory_xact_lock(77691368)"));
      return {};
    };
    h.exec_script = [](Tx& tx, std::string_view sql) { return static_cast<PgTx&>(tx).connection().simple(sql); };
    h.table_exists_sql = "SELECT CASE WHEN to_regclass('schema_migrations') IS NULL THEN 0 ELSE 1 END";
    return h;
  }

  DatabaseConfig cfg_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<std::unique_ptr<Connection>> free_;
  int open_count_ = 0;  // connections open, in the pool or leased
};

}  // namespace

Result<std::unique_ptr<Database>> open_postgres(const DatabaseConfig& cfg) { return PostgresDatabase::create(cfg); }

}  // namespace medsign::store::detail
