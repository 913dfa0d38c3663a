// The token log's imprint index (services/tsa_index.h): searches by imprint find every logged token —
// merged into the index, still waiting in memory, or lost with a process that stopped before merging —
// and recover() puts the lost entries back.
#include "services/tsa_index.h"

#include <gtest/gtest.h>

#include <random>

#include "../store/store_fixture.h"
#include "services/schema.h"
#include "services/tsa_log.h"
#include "store/group_commit.h"

namespace medsign::services {
namespace {

using store::testing::StoreTest;

class TokenImprintIndexTest : public StoreTest {
 protected:
  void SetUp() override {
    StoreTest::SetUp();
    if (IsSkipped() || HasFatalFailure()) return;
    ASSERT_TRUE(db_->migrate(migrations()).ok());
  }
  static constexpr const char* kInsert =
      "INSERT INTO tsa_tokens (serial, unit, gen_time, policy, hash_algorithm, imprint, nonce, requester, token) "
      "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)";
  std::string next_imprint() {
    std::string h;
    for (int i = 0; i < 32; ++i) h += hex_encode(Bytes{static_cast<std::uint8_t>(rng_())});
    return h;
  }
  store::Params row(const std::string& imprint, std::int64_t gen_time) {
    char serial[32];
    std::snprintf(serial, sizeof serial, "0100%020llx", static_cast<unsigned long long>(++serial_));
    return {std::string(serial), std::string("sm2"), gen_time, std::string("1.2.3"), std::string("sm3"),
            imprint, std::string(), std::string("test"), Bytes(100, 1)};
  }
  std::int64_t found(const std::string& imprint) {
    TokenQuery q;
    q.imprint = imprint;
    auto page = search_tokens(*db_, q);
    EXPECT_TRUE(page.ok()) << page.error().to_string();
    return page ? page->total : -1;
  }
  std::int64_t count(const char* sql) {
    auto r = db_->query(sql);
    EXPECT_TRUE(r.ok());
    return r && !r->empty() ? (*r)[0].int64(0) : -1;
  }
  std::mt19937 rng_{42};
  std::uint64_t serial_ = 0;
};

TEST_P(TokenImprintIndexTest, MergedPendingAndUnindexedTokensAreAllFound) {
  TokenImprintIndex::Options opts;
  opts.merge_rows = 50;
  opts.merge_after = std::chrono::hours(1);
  TokenImprintIndex index(*db_, opts, {});
  ASSERT_TRUE(index.recover().ok());
  std::vector<std::string> imprints;
  const std::int64_t t0 = 1'800'000'000'000;
  {
    store::GroupCommitWriter::Options wo;
    wo.max_batch = 10;
    wo.after_batch = [&](std::vector<store::Params>& rows) { index.committed(rows); };
    store::GroupCommitWriter w(*db_, kInsert, wo);
    for (int i = 0; i < 120; ++i) {
      imprints.push_back(next_imprint());
      ASSERT_TRUE(w.append_and_wait(row(imprints.back(), t0 + i * 100)).ok());
    }
  }
  // 50-entry merges: 100 entries in the index, 20 waiting in memory.
  EXPECT_EQ(count("SELECT COUNT(*) FROM tsa_token_imprints"), 100);
  EXPECT_EQ(index.pending(), 20u);
  for (auto& imp : imprints) EXPECT_EQ(found(imp), 1) << imp;
  EXPECT_EQ(found(next_imprint()), 0);

  // Two tokens with one imprint: both found.
  {
    store::GroupCommitWriter::Options wo;
    wo.after_batch = [&](std::vector<store::Params>& rows) { index.committed(rows); };
    store::GroupCommitWriter w(*db_, kInsert, wo);
    ASSERT_TRUE(w.append_and_wait(row(imprints[3], t0 + 20000)).ok());
  }
  EXPECT_EQ(found(imprints[3]), 2);

  ASSERT_TRUE(index.merge().ok());
  EXPECT_EQ(index.pending(), 0u);
  EXPECT_EQ(count("SELECT COUNT(*) FROM tsa_token_imprints"), 121);
  EXPECT_EQ(count("SELECT indexed_rows FROM tsa_index_state WHERE id = 1"), 121);
  // Complete up to the newest merged token, less the margin.
  EXPECT_EQ(count("SELECT indexed_through FROM tsa_index_state WHERE id = 1"), t0 + 20000 - opts.margin_ms);
  for (auto& imp : imprints) EXPECT_GE(found(imp), 1) << imp;
}

TEST_P(TokenImprintIndexTest, RecoverIndexesTokensLoggedAfterTheLastMerge) {
  TokenImprintIndex::Options opts;
  opts.merge_rows = 1000;
  const std::int64_t t0 = 1'800'000'000'000;
  std::vector<std::string> imprints;
  {
    TokenImprintIndex index(*db_, opts, {});
    ASSERT_TRUE(index.recover().ok());
    store::GroupCommitWriter::Options wo;
    wo.after_batch = [&](std::vector<store::Params>& rows) { index.committed(rows); };
    store::GroupCommitWriter w(*db_, kInsert, wo);
    for (int i = 0; i < 30; ++i) {
      imprints.push_back(next_imprint());
      ASSERT_TRUE(w.append_and_wait(row(imprints.back(), t0 + i)).ok());
    }
    w.flush();
    ASSERT_TRUE(index.merge().ok());
    // Then tokens whose entries never reach the index: the process stops before the next merge.
    for (int i = 0; i < 40; ++i) {
      imprints.push_back(next_imprint());
      ASSERT_TRUE(w.append_and_wait(row(imprints.back(), t0 + 10000 + i)).ok());
    }
  }
  EXPECT_EQ(count("SELECT COUNT(*) FROM tsa_token_imprints"), 30);
  for (auto& imp : imprints) EXPECT_EQ(found(imp), 1) << imp;  // the tail is scanned

  TokenImprintIndex restarted(*db_, opts, {});
  ASSERT_TRUE(restarted.recover().ok());
  EXPECT_EQ(count("SELECT COUNT(*) FROM tsa_token_imprints"), 70);
  EXPECT_EQ(count("SELECT indexed_through FROM tsa_index_state WHERE id = 1"), t0 + 10000 + 39 + 1);
  for (auto& imp : imprints) EXPECT_EQ(found(imp), 1) << imp;
  ASSERT_TRUE(restarted.recover().ok());  // again: nothing new, nothing doubled
  EXPECT_EQ(count("SELECT COUNT(*) FROM tsa_token_imprints"), 70);
}

TEST_P(TokenImprintIndexTest, EmptyLogAndUnknownImprint) {
  TokenImprintIndex index(*db_);
  ASSERT_TRUE(index.recover().ok());
  ASSERT_TRUE(index.merge().ok());
  EXPECT_EQ(found(next_imprint()), 0);
  EXPECT_EQ(count("SELECT COUNT(*) FROM tsa_token_imprints"), 0);
}

INSTANTIATE_TEST_SUITE_P(Backends, TokenImprintIndexTest,
                         ::testing::Values(store::Backend::sqlite, store::Backend::postgres),
                         [](const auto& info) { return info.param == store::Backend::sqlite ? "sqlite" : "postgres"; });

}  // namespace
}  // namespace medsign::services
