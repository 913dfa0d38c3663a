#include "store/group_commit.h"

#include <gtest/gtest.h>

#include <atomic>
#include <memory>
#include <thread>
#include <vector>

#include "store_fixture.h"

namespace medsign::store {
namespace {

using testing::StoreTest;

class GroupCommitTest : public StoreTest {
 protected:
  void SetUp() override {
    StoreTest::SetUp();
    if (IsSkipped() || HasFatalFailure()) return;
    std::string sql = "CREATE TABLE log (id " + translate_migration_sql("{id}", GetParam()) +
                      ", producer INTEGER NOT NULL, seq INTEGER NOT NULL, digest " +
                      translate_migration_sql("{blob}", GetParam()) + ", note TEXT, UNIQUE (producer, seq))";
    ASSERT_TRUE(db_->exec(sql).ok());
  }
  static constexpr const char* kInsert = "INSERT INTO log (producer, seq, digest, note) VALUES (?, ?, ?, ?)";
  static Params row(int producer, int seq) {
    return {std::int64_t{producer}, std::int64_t{seq}, Bytes(32, static_cast<std::uint8_t>(seq)),
            std::string("row")};
  }
};

TEST_P(GroupCommitTest, RowsFromManyThreadsAllLandWithOneOkCallbackEach) {
  constexpr int kThreads = 8, kRows = 500;
  std::vector<std::atomic<int>> calls(kThreads * kRows);
  std::atomic<int> not_ok{0};
  GroupCommitWriter w(*db_, kInsert);
  std::vector<std::thread> producers;
  for (int t = 0; t < kThreads; ++t) {
    producers.emplace_back([&, t] {
      for (int k = 0; k < kRows; ++k) {
        w.append(row(t, k), [&, idx = t * kRows + k](const Status& st) {
          ++calls[static_cast<std::size_t>(idx)];
          if (!st.ok()) ++not_ok;
        });
      }
    });
  }
  for (auto& p : producers) p.join();
  w.flush();
  EXPECT_EQ(count("log"), kThreads * kRows);
  EXPECT_EQ(not_ok.load(), 0);
  for (auto& c : calls) ASSERT_EQ(c.load(), 1);
  auto s = w.stats();
  EXPECT_EQ(s.rows, std::uint64_t{kThreads * kRows});
  EXPECT_EQ(s.failures, 0u);
  EXPECT_GE(s.batches, 1u);
  EXPECT_LT(s.batches, s.rows) << "rows must share transactions";
}

TEST_P(GroupCommitTest, FlushWaitsForEveryEarlierRowAndItsCallback) {
  GroupCommitWriter w(*db_, kInsert);
  std::atomic<int> done{0};
  for (int k = 0; k < 1000; ++k) w.append(row(0, k), [&](const Status&) { ++done; });
  w.flush();
  EXPECT_EQ(done.load(), 1000);
  EXPECT_EQ(count("log"), 1000);
  w.flush();  // nothing pending: returns at once
}

TEST_P(GroupCommitTest, AppendAndWaitReturnsAfterCommit) {
  GroupCommitWriter w(*db_, kInsert);
  Status st = w.append_and_wait(row(1, 1));
  ASSERT_TRUE(st.ok()) << st.error().to_string();
  EXPECT_EQ(count("log"), 1);  // visible to another connection: committed
}

TEST_P(GroupCommitTest, BadRowFailsAloneAndTheRestOfItsBatchCommits) {
  GroupCommitWriter::Options opts;
  opts.linger = std::chrono::milliseconds(50);  // make the rows share a batch
  GroupCommitWriter w(*db_, kInsert, opts);
  std::vector<Status> results(100);
  for (int k = 0; k < 100; ++k) {
    int seq = k == 50 || k == 70 ? 10 : k;  // two duplicates of row 10
    w.append(row(0, seq), [&results, k](const Status& st) { results[static_cast<std::size_t>(k)] = st; });
  }
  w.flush();
  for (int k = 0; k < 100; ++k) {
    if (k == 50 || k == 70) {
      ASSERT_FALSE(results[static_cast<std::size_t>(k)].ok()) << k;
      EXPECT_EQ(results[static_cast<std::size_t>(k)].error().code, Errc::conflict);
    } else {
      EXPECT_TRUE(results[static_cast<std::size_t>(k)].ok()) << k;
    }
  }
  EXPECT_EQ(count("log"), 98);
  EXPECT_EQ(w.stats().failures, 2u);
  EXPECT_EQ(w.stats().rows, 98u);
}

TEST_P(GroupCommitTest, FailingStatementIsReportedToEveryRow) {
  GroupCommitWriter w(*db_, "INSERT INTO no_such_table (a) VALUES (?)");
  std::atomic<int> failed{0};
  for (int k = 0; k < 20; ++k) {
    w.append({std::int64_t{k}}, [&](const Status& st) {
      if (!st.ok() && st.error().code == Errc::storage_error) ++failed;
    });
  }
  w.flush();
  EXPECT_EQ(failed.load(), 20);
  EXPECT_EQ(w.stats().failures, 20u);
  EXPECT_EQ(w.stats().rows, 0u);
  EXPECT_EQ(w.append_and_wait({std::int64_t{1}}).error().code, Errc::storage_error);
}

TEST_P(GroupCommitTest, DestructorDrainsTheQueue) {
  std::atomic<int> ok{0};
  {
    GroupCommitWriter w(*db_, kInsert);
    for (int k = 0; k < 2000; ++k) w.append(row(2, k), [&](const Status& st) { ok += st.ok(); });
  }
  EXPECT_EQ(ok.load(), 2000);
  EXPECT_EQ(count("log"), 2000);
}

TEST_P(GroupCommitTest, SmallQueueAppliesBackpressureWithoutLosingRows) {
  GroupCommitWriter::Options opts;
  opts.max_queue = 8;
  opts.max_batch = 5;
  GroupCommitWriter w(*db_, kInsert, opts);
  std::vector<std::thread> producers;
  for (int t = 0; t < 4; ++t) {
    producers.emplace_back([&, t] {
      for (int k = 0; k < 100; ++k) w.append(row(t, k));
    });
  }
  for (auto& p : producers) p.join();
  w.flush();
  EXPECT_EQ(count("log"), 400);
  EXPECT_GE(w.stats().batches, 400u / 5u);  // never more than max_batch rows per transaction
}

MEDSIGN_STORE_BACKENDS(GroupCommitTest);

}  // namespace
}  // namespace medsign::store
