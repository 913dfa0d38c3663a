// A fixture that runs each backend test against SQLite (a fresh file in a temp dir) and, when the
// environment variable MEDSIGN_TEST_PG_URL is set, against PostgreSQL (a fresh schema per test).
// To run the PostgreSQL half locally:
//   url=$(scripts/pg-cluster.sh start /tmp/medsign-pg) && MEDSIGN_TEST_PG_URL=$url build/bin/unit_store
#pragma once

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <memory>
#include <random>
#include <string>

#include "store/database.h"

namespace medsign::store::testing {

inline std::string random_suffix() {
  std::random_device rd;
  std::uint64_t v = (std::uint64_t{rd()} << 32) | rd();
  static const char* digits = "0123456789abcdef";
  std::string s;
  for (int i = 0; i < 12; ++i, v >>= 4) s += digits[v & 15];
  return s;
}

inline const char* pg_url_from_env() {
  const char* url = std::getenv("MEDSIGN_TEST_PG_URL");
  return url && *url ? url : nullptr;
}

// Adds libpq options to a URI or key=value connection string.
inline std::string with_pg_options(const std::string& url, const std::string& schema, const std::string& app) {
  if (url.rfind("postgresql://", 0) == 0 || url.rfind("postgres://", 0) == 0) {
    char sep = url.find('?') == std::string::npos ? '?' : '&';
    return url + sep + "options=-csearch_path%3D" + schema + "&application_name=" + app;
  }
  return url + " options='-csearch_path=" + schema + "' application_name=" + app;
}

class StoreTest : public ::testing::TestWithParam<Backend> {
 protected:
  void SetUp() override {
    suffix_ = random_suffix();
    if (GetParam() == Backend::postgres) {
      const char* url = pg_url_from_env();
      if (!url) GTEST_SKIP() << "MEDSIGN_TEST_PG_URL is not set";
      DatabaseConfig admin_cfg;
      admin_cfg.backend = Backend::postgres;
      admin_cfg.postgres_url = url;
      admin_cfg.pool_size = 1;
      auto admin = Database::open(admin_cfg);
      ASSERT_TRUE(admin.ok()) << admin.error().to_string();
      admin_ = std::move(admin).value();
      schema_ = "t_" + suffix_;
      ASSERT_TRUE(admin_->exec("CREATE SCHEMA " + schema_).ok());
      cfg_.backend = Backend::postgres;
      cfg_.postgres_url = with_pg_options(url, schema_, app_name());
    } else {
      dir_ = std::filesystem::temp_directory_path() / ("medsign-store-" + suffix_);
      std::filesystem::create_directories(dir_);
      cfg_.backend = Backend::sqlite;
      cfg_.sqlite_path = dir_ / "test.db";
    }
    cfg_.pool_size = 4;
    auto db = Database::open(cfg_);
    ASSERT_TRUE(db.ok()) << db.error().to_string();
    db_ = std::move(db).value();
  }

  void TearDown() override {
    db_.reset();
    if (admin_) (void)admin_->exec("DROP SCHEMA IF EXISTS " + schema_ + " CASCADE");
    if (!dir_.empty()) std::filesystem::remove_all(dir_);
  }

  std::string app_name() const { return "medsign_store_test_" + suffix_; }

  // Opens a second handle on the same database.
  std::unique_ptr<Database> reopen() {
    auto db = Database::open(cfg_);
    EXPECT_TRUE(db.ok()) << db.error().to_string();
    return db.ok() ? std::move(db).value() : nullptr;
  }

  std::int64_t count(const std::string& table) {
    auto r = db_->query("SELECT count(*) FROM " + table);
    EXPECT_TRUE(r.ok()) << r.error().to_string();
    return r.ok() ? r->at(0).int64(0) : -1;
  }

  // SQL for a double column in both dialects (REAL is single precision in PostgreSQL).
  static constexpr const char* kDouble = "DOUBLE PRECISION";

  DatabaseConfig cfg_;
  std::unique_ptr<Database> db_;
  std::unique_ptr<Database> admin_;
  std::string schema_, suffix_;
  std::filesystem::path dir_;
};

inline std::string backend_name(const ::testing::TestParamInfo<Backend>& info) {
  return info.param == Backend::sqlite ? "sqlite" : "postgres";
}

#define MEDSIGN_STORE_BACKENDS(suite)                                                                  \
  INSTANTIATE_TEST_SUITE_P(Backends, suite, ::testing::Values(Backend::sqlite, Backend::postgres), \
                           ::medsign::store::testing::backend_name)

}  // namespace medsign::store::testing
