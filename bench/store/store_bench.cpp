// bench_store: rows/s appending a typical log row (time, app, op, 32-byte digest, result, short text), with
// one transaction per row versus GroupCommitWriter, on SQLite (a file in a temp dir, production settings:
// WAL, synchronous=FULL) and on PostgreSQL when MEDSIGN_BENCH_PG_URL is set.
//
//   bench_store                          (SQLite only)
//   MEDSIGN_BENCH_PG_URL=postgresql://... bench_store
//   MEDSIGN_BENCH_SECONDS=2 (per case, default 2)   MEDSIGN_BENCH_DIR=/path (SQLite file location)
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "store/database.h"
#include "store/group_commit.h"

using namespace medsign;
using namespace medsign::store;
using Clock = std::chrono::steady_clock;

namespace {

constexpr const char* kInsert =
    "INSERT INTO bench_log (at, app, op, digest, result, detail) VALUES (?, ?, ?, ?, ?, ?)";

Params log_row(std::uint64_t n) {
  Bytes digest(32);
  for (std::size_t i = 0; i < digest.size(); ++i) digest[i] = static_cast<std::uint8_t>(n * 31 + i);
  return {std::int64_t(std::chrono::system_clock::now().time_since_epoch().count() / 1000), std::string("his-01"),
          std::string("timestamp"), std::move(digest), std::int64_t{0}, std::string("sha256 granted")};
}

struct Outcome {
  std::uint64_t rows = 0;
  double seconds = 0;
  std::uint64_t errors = 0;
  std::uint64_t batches = 0;
};

// Runs `threads` producers calling one_row() until the deadline; returns rows done and elapsed time.
template <typename F>
Outcome run_producers(int threads, double seconds, F one_row) {
  std::atomic<std::uint64_t> rows{0}, errors{0};
  auto start = Clock::now();
  auto deadline = start + std::chrono::duration<double>(seconds);
  std::vector<std::thread> ts;
  for (int t = 0; t < threads; ++t) {
    ts.emplace_back([&] {
      std::uint64_t n = 0;
      while (Clock::now() < deadline) {
        if (one_row(n++)) {
          ++rows;
        } else {
          ++errors;
        }
      }
    });
  }
  for (auto& t : ts) t.join();
  Outcome o;
  o.rows = rows;
  o.errors = errors;
  o.seconds = std::chrono::duration<double>(Clock::now() - start).count();
  return o;
}

void print_row(const char* backend, const char* mode, const Outcome& o, double base_rate) {
  double rate = o.rows / o.seconds;
  std::printf("| %-10s | %-40s | %9llu | %7.2f | %10.0f | %7.1fx |%s\n", backend, mode,
              static_cast<unsigned long long>(o.rows), o.seconds, rate, base_rate > 0 ? rate / base_rate : 1.0,
              o.errors ? " ERRORS" : "");
  std::fflush(stdout);
}

bool bench_backend(const char* name, Database& db, double seconds) {
  (void)db.exec("DROP TABLE IF EXISTS bench_log");
  auto created = db.exec(translate_migration_sql(
      "CREATE TABLE bench_log (id {id}, at {bigint} NOT NULL, app TEXT NOT NULL, op TEXT NOT NULL, "
      "digest {blob} NOT NULL, result {bigint} NOT NULL, detail TEXT)",
      db.backend()));
  if (!created.ok()) {
    std::fprintf(stderr, "%s: create table failed: %s\n", name, created.error().to_string().c_str());
    return false;
  }
  auto per_row = [&](std::uint64_t n) { return db.exec(kInsert, log_row(n)).ok(); };

  Outcome a1 = run_producers(1, seconds, per_row);
  double base = a1.rows / a1.seconds;
  print_row(name, "1 tx per row, 1 thread", a1, base);
  Outcome a8 = run_producers(8, seconds, per_row);
  print_row(name, "1 tx per row, 8 threads", a8, base);

  {
    GroupCommitWriter w(db, kInsert);
    Outcome g = run_producers(8, seconds, [&](std::uint64_t n) { return w.append_and_wait(log_row(n)).ok(); });
    g.batches = w.stats().batches;
    print_row(name, "group commit, 8 threads append_and_wait", g, base);
  }
  {
    GroupCommitWriter::Options opts;
    opts.max_queue = 20000;  // bounds the drain after the deadline
    GroupCommitWriter w(db, kInsert, opts);
    auto start = Clock::now();
    Outcome g = run_producers(8, seconds, [&](std::uint64_t n) {
      w.append(log_row(n));
      return true;
    });
    w.flush();
    g.seconds = std::chrono::duration<double>(Clock::now() - start).count();
    auto s = w.stats();
    g.errors = s.failures;
    g.rows = s.rows;
    print_row(name, "group commit, 8 threads append (async)", g, base);
    std::fprintf(stderr, "%s: async group commit: %llu rows in %llu transactions\n", name,
                 static_cast<unsigned long long>(s.rows), static_cast<unsigned long long>(s.batches));
  }
  auto total = db.query("SELECT count(*) FROM bench_log");
  if (total.ok()) std::fprintf(stderr, "%s: %lld rows in bench_log\n", name, static_cast<long long>(total->at(0).int64(0)));
  (void)db.exec("DROP TABLE bench_log");
  return true;
}

}  // namespace

int main() {
  double seconds = 2.0;
  if (const char* s = std::getenv("MEDSIGN_BENCH_SECONDS")) seconds = std::atof(s);
  if (seconds <= 0) seconds = 2.0;

  std::printf("| backend    | mode                                     |      rows | seconds |     rows/s | speed-up |\n");
  std::printf("|------------|------------------------------------------|-----------|---------|------------|----------|\n");
  bool ok = true;

  std::filesystem::path dir;
  if (const char* d = std::getenv("MEDSIGN_BENCH_DIR")) {
    dir = d;
  } else {
    dir = std::filesystem::temp_directory_path() / ("medsign-bench-" + std::to_string(std::random_device{}()));
  }
  std::filesystem::create_directories(dir);
  {
    DatabaseConfig cfg;
    cfg.backend = Backend::sqlite;
    cfg.sqlite_path = dir / "bench.db";
    auto db = Database::open(cfg);
    if (!db.ok()) {
      std::fprintf(stderr, "sqlite: %s\n", db.error().to_string().c_str());
      ok = false;
    } else {
      ok &= bench_backend("sqlite", **db, seconds);
    }
  }
  std::filesystem::remove_all(dir);

  if (const char* url = std::getenv("MEDSIGN_BENCH_PG_URL"); url && *url) {
    DatabaseConfig cfg;
    cfg.backend = Backend::postgres;
    cfg.postgres_url = url;
    cfg.pool_size = 9;  // 8 producers plus the group-commit writer
    auto db = Database::open(cfg);
    if (!db.ok()) {
      std::fprintf(stderr, "postgres: %s\n", db.error().to_string().c_str());
      ok = false;
    } else {
      ok &= bench_backend("postgres", **db, seconds);
    }
  } else {
    std::fprintf(stderr, "postgres: skipped (MEDSIGN_BENCH_PG_URL is not set)\n");
  }
  return ok ? 0 : 1;
}
