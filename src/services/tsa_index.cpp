#include "services/tsa_index.h"

#include <algorithm>

#include "common/logging.h"

namespace medsign::services {

namespace {
constexpr const char* kUpsertState =
    "INSERT INTO tsa_index_state (id, indexed_through, indexed_rows) VALUES (1, ?, ?) "
    "ON CONFLICT (id) DO UPDATE SET indexed_through = excluded.indexed_through, indexed_rows = excluded.indexed_rows";
constexpr std::size_t kRowsPerInsert = 128;

Result<std::pair<std::int64_t, std::int64_t>> read_state(store::Tx& tx) {
  MEDSIGN_ASSIGN(auto rows, tx.query("SELECT indexed_through, indexed_rows FROM tsa_index_state WHERE id = 1"));
  if (rows.empty()) return std::make_pair(std::int64_t{0}, std::int64_t{0});
  return std::make_pair(rows[0].int64(0), rows[0].int64(1));
}

std::string text_of(const store::Value& v) {
  if (auto s = std::get_if<std::string>(&v)) return *s;
  return {};
}
std::int64_t int_of(const store::Value& v) {
  if (auto i = std::get_if<std::int64_t>(&v)) return *i;
  return 0;
}
}  // namespace

TokenImprintIndex::TokenImprintIndex(store::Database& db, Options opts, Columns cols)
    : db_(db), opts_(opts), cols_(cols) {}

Status TokenImprintIndex::recover() {
  std::lock_guard lock(mu_);
  std::int64_t added = 0, through = 0;
  MEDSIGN_TRY(db_.transaction([&](store::Tx& tx) -> Status {
    MEDSIGN_ASSIGN(auto state, read_state(tx));
    const std::int64_t from = state.first > opts_.margin_ms ? state.first - opts_.margin_ms : 0;
    MEDSIGN_ASSIGN(added, tx.exec("INSERT INTO tsa_token_imprints (imprint_key, serial) "
                                  "SELECT substr(imprint, 1, 16), serial FROM tsa_tokens WHERE gen_time >= ? "
                                  "ON CONFLICT DO NOTHING",
                                  {from}));
    MEDSIGN_ASSIGN(auto max, tx.query("SELECT MAX(gen_time) FROM tsa_tokens"));
    through = std::max(state.first, max.empty() || max[0].is_null(0) ? std::int64_t{0} : max[0].int64(0) + 1);
    indexed_rows_ = state.second + added;
    MEDSIGN_TRY(tx.exec(kUpsertState, {through, indexed_rows_}));
    return {};
  }));
  if (added > 0)
    log::info("timestamp imprint index: indexed the tokens logged after its last merge",
              {{"tokens", std::to_string(added)}});
  return {};
}

void TokenImprintIndex::committed(std::vector<store::Params>& rows) {
  std::lock_guard lock(mu_);
  if (pending_.empty()) oldest_ = std::chrono::steady_clock::now();
  for (auto& r : rows) {
    if (r.size() <= std::max({cols_.serial, cols_.gen_time, cols_.imprint})) continue;
    pending_.push_back(Entry{key_of(text_of(r[cols_.imprint])), text_of(r[cols_.serial]), int_of(r[cols_.gen_time])});
  }
  const std::size_t threshold =
      std::max(opts_.merge_rows, static_cast<std::size_t>(indexed_rows_) / std::max<std::size_t>(opts_.merge_fraction, 1));
  if (pending_.size() >= threshold || std::chrono::steady_clock::now() - oldest_ >= opts_.merge_after) {
    auto st = merge_locked();
    if (!st) log::warn("timestamp imprint index: merge failed; will retry", {{"error", st.error().to_string()}});
  }
}

Status TokenImprintIndex::merge() {
  std::lock_guard lock(mu_);
  return merge_locked();
}

std::size_t TokenImprintIndex::pending() const {
  std::lock_guard lock(mu_);
  return pending_.size();
}

Status TokenImprintIndex::merge_locked() {
  if (pending_.empty()) return {};
  std::sort(pending_.begin(), pending_.end(),
            [](const Entry& a, const Entry& b) { return a.key != b.key ? a.key < b.key : a.serial < b.serial; });
  std::int64_t newest = 0;
  for (auto& e : pending_) newest = std::max(newest, e.gen_time);
  std::string multi = "INSERT INTO tsa_token_imprints (imprint_key, serial) VALUES (?, ?)";
  for (std::size_t i = 1; i < kRowsPerInsert; ++i) multi += ", (?, ?)";
  multi += " ON CONFLICT DO NOTHING";
  const std::string single = "INSERT INTO tsa_token_imprints (imprint_key, serial) VALUES (?, ?) ON CONFLICT DO NOTHING";
  std::int64_t rows_after = 0;
  MEDSIGN_TRY(db_.transaction([&](store::Tx& tx) -> Status {
    MEDSIGN_ASSIGN(auto state, read_state(tx));
    std::int64_t added = 0;
    store::Params params;
    params.reserve(2 * kRowsPerInsert);
    std::size_t i = 0;
    for (; i + kRowsPerInsert <= pending_.size(); i += kRowsPerInsert) {
      params.clear();
      for (std::size_t k = i; k < i + kRowsPerInsert; ++k) {
        params.emplace_back(pending_[k].key);
        params.emplace_back(pending_[k].serial);
      }
      MEDSIGN_ASSIGN(auto n, tx.exec(multi, params));
      added += n;
    }
    for (; i < pending_.size(); ++i) {
      MEDSIGN_ASSIGN(auto n, tx.exec(single, {pending_[i].key, pending_[i].serial}));
      added += n;
    }
    // Every token committed so far is in the index now; tokens still on their way to the log were issued at
    // most margin_ms before the newest one merged.
    const std::int64_t through = std::max(state.first, newest - opts_.margin_ms);
    rows_after = state.second + added;
    MEDSIGN_TRY(tx.exec(kUpsertState, {through, rows_after}));
    return {};
  }));
  indexed_rows_ = rows_after;
  pending_.clear();
  return {};
}

std::pair<std::string, store::Params> TokenImprintIndex::serials_sql(store::Database& db,
                                                                     const std::string& imprint_hex) {
  std::int64_t through = 0;
  auto rows = db.query("SELECT indexed_through FROM tsa_index_state WHERE id = 1");
  if (rows && !rows->empty()) through = (*rows)[0].int64(0);
  return {"SELECT serial FROM tsa_token_imprints WHERE imprint_key = ? "
          "UNION SELECT serial FROM tsa_tokens WHERE gen_time >= ? AND imprint = ?",
          {key_of(imprint_hex), through, imprint_hex}};
}

}  // namespace medsign::services
