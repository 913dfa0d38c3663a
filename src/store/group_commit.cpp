#include "store/group_commit.h"

#include <cctype>
#include <future>
#include <string_view>

namespace medsign::store {

GroupCommitWriter::GroupCommitWriter(Database& db, std::string insert_sql, Options opts)
    : db_(db), sql_(std::move(insert_sql)), opts_(opts) {
  if (opts_.max_batch == 0) opts_.max_batch = 1;
  if (opts_.max_queue == 0) opts_.max_queue = 1;
  thread_ = std::thread([this] { run(); });
}

GroupCommitWriter::~GroupCommitWriter() {
  {
    std::lock_guard lock(mu_);
    stop_ = true;
  }
  cv_work_.notify_all();
  cv_space_.notify_all();
  thread_.join();
}

void GroupCommitWriter::append(Params row, OnCommit on_commit) {
  bool wake = false;
  {
    std::unique_lock lock(mu_);
    cv_space_.wait(lock, [&] { return queue_.size() < opts_.max_queue || stop_; });
    queue_.push_back(Item{std::move(row), std::move(on_commit)});
    ++enqueued_;
    // Wake the writer only when it waits for work, or lingers and the batch is complete: a writer that is
    // committing takes the queue when it comes back, and waking a lingering writer for every row would
    // cost a context switch per row.
    wake = waiting_idle_ || (lingering_ && queue_.size() >= linger_target_);
  }
  if (wake) cv_work_.notify_one();
}

Status GroupCommitWriter::append_and_wait(Params row) {
  std::promise<Status> done;
  auto result = done.get_future();
  append(std::move(row), [&done](const Status& st) { done.set_value(st); });
  return result.get();
}

void GroupCommitWriter::flush() {
  std::unique_lock lock(mu_);
  const std::uint64_t target = enqueued_;
  cv_done_.wait(lock, [&] { return completed_ >= target; });
}

GroupCommitWriter::Stats GroupCommitWriter::stats() const {
  std::lock_guard lock(mu_);
  return stats_;
}

namespace {

// Multi-row form of "INSERT ... VALUES (?, ?, ?)": statements carrying 1, 2, 4, ... 128 rows, so a batch
// costs a few statements instead of one round trip per row. Empty when the SQL is not of that shape
// (e.g. it has RETURNING or ON CONFLICT after the tuple); rows are then inserted one by one.
class MultiRowInsert {
 public:
  static constexpr std::size_t kShapes = 8;  // 2^0 .. 2^7 rows per statement

  explicit MultiRowInsert(std::string_view sql) {
    std::string lower(sql);
    for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    std::size_t v = lower.rfind("values");
    if (v == std::string::npos) return;
    std::size_t open = sql.find_first_not_of(" \t\r\n", v + 6);
    if (open == std::string_view::npos || sql[open] != '(') return;
    std::size_t end = sql.find_last_not_of(" \t\r\n;");
    if (end == std::string_view::npos || sql[end] != ')') return;
    std::string_view tuple = sql.substr(open, end - open + 1);
    // The tuple must be one balanced group with no quotes (plain placeholders and literals only).
    int depth = 0;
    for (std::size_t i = 0; i < tuple.size(); ++i) {
      char c = tuple[i];
      if (c == '\'' || c == '"' || c == '-' || c == '/' || c == '$') return;
      if (c == '(') ++depth;
      if (c == ')' && --depth == 0 && i + 1 != tuple.size()) return;
      if (c == '?') ++params_per_row_;
    }
    if (params_per_row_ == 0) return;
    std::string prefix(sql.substr(0, open));
    for (std::size_t k = 0; k < kShapes; ++k) {
      std::string stmt = prefix;
      for (std::size_t r = 0; r < (std::size_t{1} << k); ++r) {
        if (r) stmt += ", ";
        stmt += tuple;
      }
      sql_[k] = std::move(stmt);
    }
    usable_ = true;
  }

  bool usable() const { return usable_; }

  // Inserts rows [begin, end) of items with as few statements as the shapes allow.
  template <typename Items>
  Status insert(Tx& tx, const Items& items, std::size_t begin, std::size_t end) const {
    Params params;
    std::size_t i = begin;
    while (i < end) {
      std::size_t k = kShapes - 1;
      while ((std::size_t{1} << k) > end - i) --k;
      std::size_t rows = std::size_t{1} << k;
      params.clear();
      params.reserve(rows * params_per_row_);
      for (std::size_t r = 0; r < rows; ++r) {
        const Params& row = items[i + r].row;
        if (row.size() != params_per_row_) return Error(Errc::storage_error, "row has the wrong number of values");
        params.insert(params.end(), row.begin(), row.end());
      }
      MEDSIGN_TRY(tx.exec(sql_[k], params));
      i += rows;
    }
    return {};
  }

 private:
  std::string sql_[kShapes];
  std::size_t params_per_row_ = 0;
  bool usable_ = false;
};

}  // namespace

void GroupCommitWriter::run() {
  const MultiRowInsert multi(sql_);
  std::vector<Item> batch;
  batch.reserve(opts_.max_batch);
  std::size_t last_batch = 0;
  for (;;) {
    {
      std::unique_lock lock(mu_);
      waiting_idle_ = true;
      cv_work_.wait(lock, [&] { return !queue_.empty() || stop_; });
      waiting_idle_ = false;
      if (queue_.empty()) return;  // stop_ and drained
      // Lingering waits for a full batch; a busy writer waits only for as many rows as its last batch had
      // (the callers answered by that commit come back with their next rows), so closed-loop clients are not
      // held for the whole time while a pipelining load still gets batches that do not shrink.
      auto linger = opts_.linger;
      linger_target_ = opts_.max_batch;
      if (opts_.busy_rows > 0 && last_batch >= opts_.busy_rows && opts_.busy_linger > linger) {
        linger = opts_.busy_linger;
        linger_target_ = std::min(last_batch, opts_.max_batch);
      }
      if (linger.count() > 0 && queue_.size() < linger_target_ && !stop_) {
        lingering_ = true;
        cv_work_.wait_for(lock, linger, [&] { return queue_.size() >= linger_target_ || stop_; });
        lingering_ = false;
      }
      std::size_t n = std::min(queue_.size(), opts_.max_batch);
      for (std::size_t i = 0; i < n; ++i) {
        batch.push_back(std::move(queue_.front()));
        queue_.pop_front();
      }
    }
    cv_space_.notify_all();

    // Commit the batch. When one row's insert fails, that row alone is reported failed and the rows around
    // it are committed in further transactions, so a bad row never costs the others. When the transaction
    // itself fails (begin/commit: the database is down or full), every row of the batch is reported failed.
    std::vector<Status> results(batch.size());
    std::uint64_t ok_rows = 0, failed_rows = 0, transactions = 0;
    std::size_t from = 0;
    if (multi.usable() && batch.size() > 1) {
      // Fast path: the whole batch in multi-row statements. Any failure falls back to the row-by-row path
      // below, which finds the bad row (a failed multi-row statement does not say which row it was).
      ++transactions;
      Status st = db_.transaction([&](Tx& tx) { return multi.insert(tx, batch, 0, batch.size()); });
      if (st.ok()) {
        ok_rows = batch.size();
        from = batch.size();
      }
    }
    while (from < batch.size()) {
      std::size_t bad = batch.size();
      ++transactions;
      Status st = db_.transaction([&](Tx& tx) -> Status {
        bad = batch.size();
        for (std::size_t i = from; i < batch.size(); ++i) {
          auto r = tx.exec(sql_, batch[i].row);
          if (!r.ok()) {
            bad = i;
            return r.error();
          }
        }
        bad = batch.size();
        return {};
      });
      if (st.ok()) {
        ok_rows += batch.size() - from;
        break;
      }
      if (bad == batch.size()) {  // not a row's fault: fail what is left
        for (std::size_t i = from; i < batch.size(); ++i) results[i] = st;
        failed_rows += batch.size() - from;
        break;
      }
      // Commit the good prefix [from, bad) first, then go on after the bad row.
      if (bad > from) {
        ++transactions;
        Status pst = db_.transaction([&](Tx& tx) -> Status {
          for (std::size_t i = from; i < bad; ++i) MEDSIGN_TRY(tx.exec(sql_, batch[i].row));
          return {};
        });
        if (pst.ok()) {
          ok_rows += bad - from;
        } else {
          // Unlikely (the same rows just inserted fine): report them failed rather than loop.
          for (std::size_t i = from; i < bad; ++i) results[i] = pst;
          failed_rows += bad - from;
        }
      }
      results[bad] = st;
      ++failed_rows;
      from = bad + 1;
    }

    for (std::size_t i = 0; i < batch.size(); ++i) {
      if (!batch[i].cb) continue;
      try {
        batch[i].cb(results[i]);
      } catch (...) {
        // A callback must not stop the writer; its exception has nowhere to go.
      }
    }
    if (opts_.after_batch) {
      std::vector<Params> committed;
      committed.reserve(ok_rows);
      for (std::size_t i = 0; i < batch.size(); ++i)
        if (results[i].ok()) committed.push_back(std::move(batch[i].row));
      try {
        if (!committed.empty()) opts_.after_batch(committed);
      } catch (...) {
        // Like a callback, the follow-up work must not stop the writer.
      }
    }
    {
      std::lock_guard lock(mu_);
      stats_.rows += ok_rows;
      stats_.failures += failed_rows;
      stats_.batches += transactions;
      completed_ += batch.size();
    }
    cv_done_.notify_all();
    last_batch = batch.size();
    batch.clear();
  }
}

}  // namespace medsign::store
