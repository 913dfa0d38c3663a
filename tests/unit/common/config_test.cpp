#include "common/config.h"

#include <gtest/gtest.h>

namespace medsign {
namespace {

TEST(Config, DefaultFileParsesToDefaults) {
  auto cfg = parse_config(default_config_toml(), "default");
  ASSERT_TRUE(cfg.ok()) << cfg.error().to_string();
  EXPECT_EQ(cfg->server.http_port, 8080);
  EXPECT_EQ(cfg->server.https_port, 8443);
  EXPECT_EQ(cfg->database.backend, "sqlite");
}

TEST(Config, UnknownKeyIsRefusedByName) {
  auto cfg = parse_config("[server]\nhttp_prot = 1\n", "medsign.toml");
  ASSERT_FALSE(cfg.ok());
  EXPECT_EQ(cfg.error().code, Errc::config_invalid);
  EXPECT_NE(cfg.error().detail.find("server.http_prot"), std::string::npos);
}

TEST(Config, UnknownSectionIsRefused) {
  auto cfg = parse_config("[sever]\nhttp_port = 1\n", "medsign.toml");
  ASSERT_FALSE(cfg.ok());
  EXPECT_NE(cfg.error().detail.find("[sever]"), std::string::npos);
}

TEST(Config, BadPortIsRefused) {
  auto cfg = parse_config("[server]\nhttp_port = 70000\n", "medsign.toml");
  ASSERT_FALSE(cfg.ok());
  EXPECT_NE(cfg.error().detail.find("between 1 and 65535"), std::string::npos);
  EXPECT_FALSE(parse_config("[server]\nhttp_port = \"80\"\n", "m").ok());
}

TEST(Config, SyntaxErrorNamesLine) {
  auto cfg = parse_config("[server]\nhttp_port = = 1\n", "medsign.toml");
  ASSERT_FALSE(cfg.ok());
  EXPECT_NE(cfg.error().detail.find("medsign.toml:2"), std::string::npos);
}

TEST(Config, EnvironmentOverridesFileAndIsValidated) {
  Config cfg;
  ASSERT_TRUE(apply_env_overrides(cfg, {{"MEDSIGN_SERVER_HTTP_PORT", "9090"}, {"PATH", "/bin"}}).ok());
  EXPECT_EQ(cfg.server.http_port, 9090);
  EXPECT_FALSE(apply_env_overrides(cfg, {{"MEDSIGN_SERVER_HTTP_PORT", "90x"}}).ok());
  EXPECT_FALSE(apply_env_overrides(cfg, {{"MEDSIGN_SERVER_NOPE", "1"}}).ok());
  ASSERT_TRUE(apply_env_overrides(cfg, {{"MEDSIGN_SERVER_HTTPS_ENABLED", "false"}}).ok());
  EXPECT_FALSE(cfg.server.https_enabled);
}

TEST(Config, CrossFieldValidation) {
  Config cfg;
  cfg.server.https_port = cfg.server.http_port;
  EXPECT_FALSE(validate_config(cfg).ok());
  Config pg;
  pg.database.backend = "postgres";
  EXPECT_FALSE(validate_config(pg).ok());
}

TEST(Config, ShowRoundTripsThroughParser) {
  Config cfg;
  cfg.server.http_port = 1234;
  cfg.log.file = "a \"quoted\" path";
  auto text = config_to_toml(cfg);
  auto back = parse_config(text, "show");
  ASSERT_TRUE(back.ok()) << back.error().to_string();
  EXPECT_EQ(back->server.http_port, 1234);
  EXPECT_EQ(back->log.file, cfg.log.file);
}

}  // namespace
}  // namespace medsign
