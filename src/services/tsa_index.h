// The imprint index of the issued-token log.
//
// A token's imprint is a hash: an index on it in the token table would take a random leaf page per token,
// written (and checkpointed) with every commit of the log — most of what the log costs once the table is
// large. Instead the log's writer hands each committed batch to TokenImprintIndex, which keeps the new
// entries in memory and merges them into tsa_token_imprints (key: the first 16 hex digits of the imprint,
// then the serial) in imprint order, many thousands at a time, so each leaf page is written once per merge.
//
// tsa_index_state.indexed_through (T) says how far the index is complete: every token with gen_time < T has
// its entry. A search by imprint looks up the index and scans the tokens with gen_time >= T (the few seconds
// not merged yet; served by the gen_time index), so answers never depend on when the last merge ran.
// A process that stops without merging loses only the in-memory entries: recover() indexes again every
// token from T - margin on at start-up.
#pragma once

#include <chrono>
#include <cstdint>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "store/database.h"

namespace medsign::services {

class TokenImprintIndex {
 public:
  struct Options {
    std::size_t merge_rows = 20000;                    // merge when this many entries wait ...
    std::size_t merge_fraction = 16;                   // ... or 1/merge_fraction of the index, if more
    std::chrono::milliseconds merge_after{5000};       // ... or the oldest waiting entry is this old
    std::int64_t margin_ms = 2000;                     // issue-to-commit skew covered by T and recover()
  };
  // Column positions of serial, gen_time and imprint in the log's rows.
  struct Columns {
    std::size_t serial = 0, gen_time = 2, imprint = 5;
  };

  TokenImprintIndex(store::Database& db, Options opts, Columns cols);
  TokenImprintIndex(store::Database& db) : TokenImprintIndex(db, Options{}, Columns{}) {}

  // Indexes the tokens committed after the last merge (from T - margin on). Call before logging starts.
  Status recover();
  // Writer thread: rows of the token log that have just been committed. Merges when a threshold is reached.
  void committed(std::vector<store::Params>& rows);
  // Merges every waiting entry now (also called at shutdown).
  Status merge();

  std::size_t pending() const;

  // The first 16 hex digits of an imprint (hex, lower case): the index key.
  static std::string key_of(const std::string& imprint_hex) { return imprint_hex.substr(0, 16); }
  // The serials of tokens whose imprint is imprint_hex (exact match), newest first: for the search.
  // SQL fragment usable as "serial IN (<fragment>)" with the params it returns.
  static std::pair<std::string, store::Params> serials_sql(store::Database& db, const std::string& imprint_hex);

 private:
  struct Entry {
    std::string key, serial;
    std::int64_t gen_time;
  };
  Status merge_locked();

  store::Database& db_;
  Options opts_;
  Columns cols_;
  mutable std::mutex mu_;
  std::vector<Entry> pending_;
  std::chrono::steady_clock::time_point oldest_{};
  std::int64_t indexed_rows_ = 0;
};

}  // namespace medsign::services
