#include <gtest/gtest.h>

#include "store/database.h"
#include "store/internal.h"

namespace medsign::store {
namespace {

TEST(Placeholders, RewrittenOutsideLiteralsAndCommentsOnly) {
  int n = 0;
  EXPECT_EQ(detail::rewrite_placeholders("SELECT ? , '?', \"a?\", ? -- ?\n, ? /* ? */", &n),
            "SELECT $1 , '?', \"a?\", $2 -- ?\n, $3 /* ? */");
  EXPECT_EQ(n, 3);
  EXPECT_EQ(detail::rewrite_placeholders("'it''s ?' ? E'\\'?' ?", &n), "'it''s ?' $1 E'\\'?' $2");
  EXPECT_EQ(n, 2);
  EXPECT_EQ(detail::rewrite_placeholders("$$ ? $$ ? $f$ ?; $f$ ?", &n), "$$ ? $$ $1 $f$ ?; $f$ $2");
  EXPECT_EQ(n, 2);
  EXPECT_EQ(detail::rewrite_placeholders("'unterminated ?", &n), "'unterminated ?");
  EXPECT_EQ(n, 0);
}

TEST(RowConversions, AreLenientAcrossBackends) {
  Row r{{std::int64_t{7}, std::string("12"), std::string("3.9"), 2.5, nullptr, Bytes{'h', 'i'}}};
  EXPECT_EQ(r.int64(0), 7);
  EXPECT_EQ(r.int64(1), 12);
  EXPECT_EQ(r.int64(2), 3);
  EXPECT_EQ(r.int64(3), 2);
  EXPECT_EQ(r.int64(4), 0);
  EXPECT_EQ(r.text(0), "7");
  EXPECT_EQ(r.text(3), "2.5");
  EXPECT_EQ(r.text(4), "");
  EXPECT_EQ(r.text(5), "hi");
  EXPECT_DOUBLE_EQ(r.real(2), 3.9);
  EXPECT_EQ(r.blob(1), (Bytes{'1', '2'}));
  EXPECT_TRUE(r.blob(4).empty());
  EXPECT_TRUE(r.is_null(4));
  EXPECT_THROW((void)r.int64(9), std::out_of_range);
}

TEST(DatabaseOpen, RejectsInvalidConfig) {
  DatabaseConfig cfg;
  cfg.backend = Backend::sqlite;
  EXPECT_EQ(Database::open(cfg).error().code, Errc::config_invalid);
  cfg.sqlite_path = "/tmp/x.db";
  cfg.pool_size = 0;
  EXPECT_EQ(Database::open(cfg).error().code, Errc::config_invalid);
  DatabaseConfig pg;
  pg.backend = Backend::postgres;
  EXPECT_EQ(Database::open(pg).error().code, Errc::config_invalid);
}

}  // namespace
}  // namespace medsign::store
