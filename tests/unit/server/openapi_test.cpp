#include "server/openapi.h"

#include <gtest/gtest.h>

namespace medsign::server {
namespace {

TEST(OpenApi, CompiledInSpecParses) {
  auto spec = openapi_json();
  ASSERT_TRUE(spec.ok()) << spec.error().to_string();
  EXPECT_EQ((*spec)["openapi"], "3.0.3");
  EXPECT_TRUE((*spec)["paths"].contains("/api/v1/auth/login"));
  EXPECT_TRUE((*spec)["paths"]["/api/v1/auth/login"].contains("post"));
}

}  // namespace
}  // namespace medsign::server
