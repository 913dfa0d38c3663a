#include <fstream>
#include <sstream>

#include <gtest/gtest.h>

#include "common/config.h"

namespace medsign {
namespace {

TEST(ConfigDoc, EveryKeyIsDocumented) {
  std::ifstream in(std::string(MEDSIGN_SOURCE_DIR) + "/docs/CONFIG.md");
  ASSERT_TRUE(in);
  std::stringstream ss;
  ss << in.rdbuf();
  std::string doc = ss.str();
  std::string section;
  for (auto& k : config_keys()) {
    EXPECT_NE(doc.find("## [" + k.section + "]"), std::string::npos) << k.section;
    EXPECT_NE(doc.find("| `" + k.name + "` |"), std::string::npos) << k.section << "." << k.name;
  }
}

}  // namespace
}  // namespace medsign
