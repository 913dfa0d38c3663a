#include "store/database.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <random>
#include <stdexcept>
#include <thread>
#include <vector>

#include "store_fixture.h"

namespace medsign::store {
namespace {

using testing::StoreTest;

class DatabaseTest : public StoreTest {
 protected:
  void make_items() {
    std::string sql = std::string("CREATE TABLE items (id ") +
                      translate_migration_sql("{id}", GetParam()) + ", i " +
                      translate_migration_sql("{bigint}", GetParam()) + ", r " + kDouble + ", s TEXT, b " +
                      translate_migration_sql("{blob}", GetParam()) + ", u TEXT UNIQUE)";
    auto r = db_->exec(sql);
    ASSERT_TRUE(r.ok()) << r.error().to_string();
  }
};

TEST_P(DatabaseTest, RoundTripsEveryValueTypeIncludingNullsAndBinary) {
  make_items();
  const Bytes binary = {0x00, 0x01, 0x00, 0xff, 0x00, 0x27, 0x5c, 0x00};
  struct Case {
    Value i, r, s, b;
  } cases[] = {
      {std::int64_t{INT64_MAX}, 3.25, std::string("签名 'quoted' \\ ?"), binary},
      {std::int64_t{INT64_MIN}, -1e-300, std::string(""), Bytes{}},
      {std::int64_t{0}, 0.1, std::string("plain"), Bytes{0x00}},
      {nullptr, nullptr, nullptr, nullptr},
  };
  for (const Case& c : cases) {
    auto ins = db_->query("INSERT INTO items (i, r, s, b) VALUES (?, ?, ?, ?) RETURNING id", {c.i, c.r, c.s, c.b});
    ASSERT_TRUE(ins.ok()) << ins.error().to_string();
    ASSERT_EQ(ins->size(), 1u);
    std::int64_t id = ins->at(0).int64(0);
    ASSERT_GT(id, 0);
    auto rows = db_->query("SELECT i, r, s, b FROM items WHERE id = ?", {id});
    ASSERT_TRUE(rows.ok()) << rows.error().to_string();
    ASSERT_EQ(rows->size(), 1u);
    const Row& row = rows->at(0);
    EXPECT_EQ(row.cols.at(0), c.i);
    EXPECT_EQ(row.cols.at(1), c.r);
    EXPECT_EQ(row.cols.at(2), c.s);
    EXPECT_EQ(row.cols.at(3), c.b);
  }
  auto nulls = db_->query("SELECT i, s, b FROM items WHERE i IS NULL");
  ASSERT_TRUE(nulls.ok());
  ASSERT_EQ(nulls->size(), 1u);
  EXPECT_TRUE(nulls->at(0).is_null(0));
  EXPECT_EQ(nulls->at(0).int64(0), 0);
  EXPECT_EQ(nulls->at(0).text(1), "");
  EXPECT_TRUE(nulls->at(0).blob(2).empty());
}

TEST_P(DatabaseTest, StoresLargeBlobsUnchanged) {
  make_items();
  Bytes big(4 << 20);
  std::mt19937 rng(42);
  for (auto& b : big) b = static_cast<std::uint8_t>(rng());
  ASSERT_TRUE(db_->exec("INSERT INTO items (u, b) VALUES ('big', ?)", {big}).ok());
  auto rows = db_->query("SELECT b FROM items WHERE u = 'big'");
  ASSERT_TRUE(rows.ok());
  ASSERT_EQ(rows->size(), 1u);
  EXPECT_EQ(rows->at(0).blob(0), big);
}

TEST_P(DatabaseTest, ReturningIdGivesDistinctIncreasingKeys) {
  make_items();
  std::int64_t last = 0;
  for (int k = 0; k < 5; ++k) {
    Status st = db_->transaction([&](Tx& tx) -> Status {
      MEDSIGN_ASSIGN(Rows r, tx.query("INSERT INTO items (i) VALUES (?) RETURNING id", {std::int64_t{k}}));
      EXPECT_GT(r.at(0).int64(0), last);
      last = r.at(0).int64(0);
      return {};
    });
    ASSERT_TRUE(st.ok()) << st.error().to_string();
  }
  EXPECT_EQ(count("items"), 5);
}

TEST_P(DatabaseTest, ExecReportsChangedRowCount) {
  make_items();
  for (int k = 0; k < 3; ++k) ASSERT_TRUE(db_->exec("INSERT INTO items (i) VALUES (?)", {std::int64_t{k}}).ok());
  auto n = db_->exec("UPDATE items SET s = 'x' WHERE i >= ?", {std::int64_t{1}});
  ASSERT_TRUE(n.ok());
  EXPECT_EQ(*n, 2);
}

TEST_P(DatabaseTest, UniqueViolationIsConflict) {
  make_items();
  ASSERT_TRUE(db_->exec("INSERT INTO items (u) VALUES (?)", {std::string("a")}).ok());
  auto again = db_->exec("INSERT INTO items (u) VALUES (?)", {std::string("a")});
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.error().code, Errc::conflict) << again.error().to_string();
  Status st = db_->transaction([](Tx& tx) -> Status {
    MEDSIGN_TRY(tx.exec("INSERT INTO items (u) VALUES ('b')"));
    MEDSIGN_TRY(tx.exec("INSERT INTO items (u) VALUES ('a')"));
    return {};
  });
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().code, Errc::conflict);
  EXPECT_EQ(count("items"), 1);  // 'b' rolled back with the failed transaction
}

TEST_P(DatabaseTest, SqlErrorsAreStorageErrors) {
  auto r = db_->query("SELECT * FROM no_such_table");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, Errc::storage_error);
  EXPECT_FALSE(r.error().detail.empty());
  auto wrong_count = db_->query("SELECT ?", {});
  ASSERT_FALSE(wrong_count.ok());
  EXPECT_EQ(wrong_count.error().code, Errc::storage_error);
}

TEST_P(DatabaseTest, TransactionRollsBackWhenFnReturnsError) {
  make_items();
  Status st = db_->transaction([](Tx& tx) -> Status {
    MEDSIGN_TRY(tx.exec("INSERT INTO items (i) VALUES (1)"));
    return Error(Errc::invalid_argument, "changed my mind");
  });
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().code, Errc::invalid_argument);
  EXPECT_EQ(st.error().detail, "changed my mind");
  EXPECT_EQ(count("items"), 0);
}

TEST_P(DatabaseTest, TransactionRollsBackAndRethrowsWhenFnThrows) {
  make_items();
  EXPECT_THROW((void)db_->transaction([](Tx& tx) -> Status {
                 EXPECT_TRUE(tx.exec("INSERT INTO items (i) VALUES (1)").ok());
                 throw std::runtime_error("boom");
               }),
               std::runtime_error);
  EXPECT_EQ(count("items"), 0);
  // The connection is usable afterwards.
  Status st = db_->transaction([](Tx& tx) -> Status {
    MEDSIGN_TRY(tx.exec("INSERT INTO items (i) VALUES (2)"));
    return {};
  });
  ASSERT_TRUE(st.ok()) << st.error().to_string();
  EXPECT_EQ(count("items"), 1);
}

TEST_P(DatabaseTest, ConcurrentTransactionsLoseNoIncrement) {
  ASSERT_TRUE(db_->exec("CREATE TABLE counters (name TEXT PRIMARY KEY, n INTEGER NOT NULL)").ok());
  ASSERT_TRUE(db_->exec("CREATE TABLE seqlog (seq INTEGER PRIMARY KEY, by_thread INTEGER)").ok());
  ASSERT_TRUE(db_->exec("INSERT INTO counters VALUES ('a', 0)").ok());
  constexpr int kThreads = 8, kPerThread = 40;
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int k = 0; k < kPerThread; ++k) {
        // Read-modify-write made safe by touching the counter row first (the documented lock-row pattern).
        Status st = db_->transaction([&](Tx& tx) -> Status {
          MEDSIGN_TRY(tx.exec("UPDATE counters SET n = n + 1 WHERE name = 'a'"));
          MEDSIGN_ASSIGN(Rows r, tx.query("SELECT n FROM counters WHERE name = 'a'"));
          MEDSIGN_TRY(tx.exec("INSERT INTO seqlog (seq, by_thread) VALUES (?, ?)",
                              {r.at(0).int64(0), std::int64_t{t}}));
          return {};
        });
        if (!st.ok()) {
          ++failures;
          ADD_FAILURE() << st.error().to_string();
        }
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(failures.load(), 0);
  auto r = db_->query("SELECT n FROM counters WHERE name = 'a'");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->at(0).int64(0), kThreads * kPerThread);
  EXPECT_EQ(count("seqlog"), kThreads * kPerThread);
}

TEST_P(DatabaseTest, ReadersDoNotWaitForAnOpenWriteTransaction) {
  make_items();
  std::mutex mu;
  std::condition_variable cv;
  bool inserted = false, read_done = false;
  std::int64_t seen = -1;
  std::thread reader([&] {
    {
      std::unique_lock lock(mu);
      cv.wait(lock, [&] { return inserted; });
    }
    auto r = db_->query("SELECT count(*) FROM items");
    std::lock_guard lock(mu);
    seen = r.ok() ? r->at(0).int64(0) : -2;
    read_done = true;
    cv.notify_all();
  });
  Status st = db_->transaction([&](Tx& tx) -> Status {
    MEDSIGN_TRY(tx.exec("INSERT INTO items (i) VALUES (1)"));
    std::unique_lock lock(mu);
    inserted = true;
    cv.notify_all();
    cv.wait_for(lock, std::chrono::seconds(5), [&] { return read_done; });
    EXPECT_TRUE(read_done) << "the reader was blocked by the write transaction";
    return {};
  });
  reader.join();
  ASSERT_TRUE(st.ok());
  EXPECT_EQ(seen, 0);  // uncommitted insert not visible
  EXPECT_EQ(count("items"), 1);
}

TEST_P(DatabaseTest, SnapshotDoesNotSeeConcurrentCommit) {
  make_items();
  ASSERT_TRUE(db_->exec("INSERT INTO items (i) VALUES (1)").ok());
  std::int64_t before = -1, after_commit = -1;
  Status st = db_->snapshot([&](Tx& tx) -> Status {
    MEDSIGN_ASSIGN(Rows a, tx.query("SELECT count(*) FROM items"));
    before = a.at(0).int64(0);
    // Another connection commits while the snapshot is open.
    MEDSIGN_TRY(db_->exec("INSERT INTO items (i) VALUES (2)"));
    MEDSIGN_ASSIGN(Rows b, tx.query("SELECT count(*) FROM items"));
    after_commit = b.at(0).int64(0);
    auto write = tx.exec("INSERT INTO items (i) VALUES (3)");
    EXPECT_FALSE(write.ok()) << "a snapshot must be read-only";
    return {};
  });
  ASSERT_TRUE(st.ok()) << st.error().to_string();
  EXPECT_EQ(before, 1);
  EXPECT_EQ(after_commit, 1);
  EXPECT_EQ(count("items"), 2);
}

TEST_P(DatabaseTest, QuestionMarksInsideLiteralsAreNotParameters) {
  make_items();
  auto r = db_->query("SELECT 'is it?' AS a, ? AS b, 'it''s ?' AS c /* ? */ -- ?\n", {std::string("yes")});
  ASSERT_TRUE(r.ok()) << r.error().to_string();
  EXPECT_EQ(r->at(0).text(0), "is it?");
  EXPECT_EQ(r->at(0).text(1), "yes");
  EXPECT_EQ(r->at(0).text(2), "it's ?");
  ASSERT_TRUE(db_->exec("INSERT INTO items (s, u) VALUES ('what?', ?)", {std::string("k?")}).ok());
  auto back = db_->query("SELECT s FROM items WHERE u = 'k?'");
  ASSERT_TRUE(back.ok());
  ASSERT_EQ(back->size(), 1u);
  EXPECT_EQ(back->at(0).text(0), "what?");
}

TEST_P(DatabaseTest, IntegerAggregatesConvertToInt64) {
  make_items();
  ASSERT_TRUE(db_->exec("INSERT INTO items (i, r) VALUES (40, 1.5), (2, 2.5)").ok());
  auto r = db_->query("SELECT count(*), sum(i), max(r) FROM items");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->at(0).int64(0), 2);
  EXPECT_EQ(r->at(0).int64(1), 42);  // PostgreSQL: sum(bigint) is numeric, read leniently
  EXPECT_DOUBLE_EQ(r->at(0).real(2), 2.5);
}

TEST_P(DatabaseTest, SurvivesServerDroppingPooledConnections) {
  if (GetParam() != Backend::postgres) GTEST_SKIP() << "PostgreSQL only";
  ASSERT_TRUE(db_->query("SELECT 1").ok());
  std::vector<std::thread> warm;  // open several pooled connections
  for (int i = 0; i < 4; ++i) warm.emplace_back([&] { EXPECT_TRUE(db_->query("SELECT pg_sleep(0.05)").ok()); });
  for (auto& t : warm) t.join();
  auto killed = admin_->query(
      "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE application_name = ?", {app_name()});
  ASSERT_TRUE(killed.ok()) << killed.error().to_string();
  EXPECT_GE(killed->at(0).int64(0), 1);
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  for (int i = 0; i < 6; ++i) {
    auto r = db_->query("SELECT 1");
    EXPECT_TRUE(r.ok()) << r.error().to_string();
    Status st = db_->transaction([](Tx& tx) -> Status { return tx.query("SELECT 1").ok() ? Status{} : Status(Errc::internal); });
    EXPECT_TRUE(st.ok()) << st.error().to_string();
  }
}

TEST_P(DatabaseTest, OpenFailsCleanlyOnBadLocation) {
  DatabaseConfig bad = cfg_;
  bad.sqlite_path = "/nonexistent-dir/x/y.db";
  bad.postgres_url = "postgresql://postgres@127.0.0.1:1/nowhere?connect_timeout=2";
  auto db = Database::open(bad);
  ASSERT_FALSE(db.ok());
  EXPECT_EQ(db.error().code, Errc::storage_error);
}

MEDSIGN_STORE_BACKENDS(DatabaseTest);

}  // namespace
}  // namespace medsign::store
