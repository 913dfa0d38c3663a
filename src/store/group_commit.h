// GroupCommitWriter: appends rows to one table at a high rate by committing many rows per transaction.
//
// Producers call append() from any thread; a single writer thread collects what is queued and inserts it in
// one transaction as soon as the previous commit finishes (or the batch reaches max_batch rows). The
// on_commit callbacks run on the writer thread after the commit (or failure) of the batch their row was in,
// so a caller that must not answer before its record is durable waits for its callback (append_and_wait).
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "store/database.h"

namespace medsign::store {

class GroupCommitWriter {
 public:
  struct Options {
    std::size_t max_batch = 2000;          // rows per transaction at most
    std::size_t max_queue = 200000;        // append() blocks while this many rows wait
    std::chrono::microseconds linger{0};   // extra wait for more rows before a commit (0 = none)
    // Under load only: when the previous batch had at least busy_rows rows, wait up to busy_linger until as
    // many rows are queued again before committing. Busy writers then keep committing large batches (one
    // fsync and one set of page writes for many rows); a lightly loaded writer commits each row at once.
    std::size_t busy_rows = 0;             // 0 = off
    std::chrono::microseconds busy_linger{0};
    // Runs on the writer thread after each batch, once the batch's callbacks have run, with the rows that
    // were committed (failed rows are left out). flush() returns only after it has run for the rows it
    // waits for. Used for work that follows the log in bulk (e.g. maintaining a secondary index in order).
    std::function<void(std::vector<Params>& committed)> after_batch;
  };
  struct Stats {
    std::uint64_t rows = 0, batches = 0, failures = 0;
  };
  using OnCommit = std::function<void(const Status&)>;

  // insert_sql: "INSERT INTO t(a, b, c) VALUES (?, ?, ?)"; each appended row binds its values in order.
  GroupCommitWriter(Database& db, std::string insert_sql, Options opts);
  GroupCommitWriter(Database& db, std::string insert_sql) : GroupCommitWriter(db, std::move(insert_sql), Options{}) {}
  // Flushes what is queued, then stops the writer thread.
  ~GroupCommitWriter();
  GroupCommitWriter(const GroupCommitWriter&) = delete;
  GroupCommitWriter& operator=(const GroupCommitWriter&) = delete;

  void append(Params row, OnCommit on_commit = {});
  // Appends and blocks until the row's batch has committed; returns the commit's status.
  Status append_and_wait(Params row);
  // Blocks until every row appended before the call has been committed (or failed).
  void flush();
  Stats stats() const;

 private:
  void run();

  struct Item {
    Params row;
    OnCommit cb;
  };
  Database& db_;
  std::string sql_;
  Options opts_;
  mutable std::mutex mu_;
  std::condition_variable cv_work_, cv_space_, cv_done_;
  std::deque<Item> queue_;
  std::uint64_t enqueued_ = 0, completed_ = 0;
  Stats stats_;
  bool stop_ = false;
  bool waiting_idle_ = false, lingering_ = false;  // what the writer thread is doing (under mu_)
  std::size_t linger_target_ = 0;                   // rows a lingering writer waits for
  std::thread thread_;
};

}  // namespace medsign::store
