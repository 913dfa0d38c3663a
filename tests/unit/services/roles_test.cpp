#include "services/roles.h"

#include <fstream>
#include <sstream>

#include <gtest/gtest.h>

namespace medsign::services {
namespace {

TEST(Roles, NamesRoundTrip) {
  for (Role r : kAllRoles) EXPECT_EQ(parse_role(role_name(r)), r);
  EXPECT_FALSE(parse_role("root").has_value());
}

TEST(Roles, NoRoleBothOperatesAndReviewsAudit) {
  for (Role r : kAllRoles) {
    EXPECT_FALSE(allowed(r, Permission::operate_business) && allowed(r, Permission::review_audit));
    EXPECT_FALSE(allowed(r, Permission::manage_admin_accounts) && allowed(r, Permission::read_audit));
    EXPECT_FALSE(allowed(r, Permission::write_system_config) && allowed(r, Permission::manage_audit_policy));
  }
}

TEST(Roles, ManagersManageOnlyTheirFamily) {
  EXPECT_TRUE(may_manage(Role::sysadmin, Role::operator_));
  EXPECT_FALSE(may_manage(Role::sysadmin, Role::auditor));
  EXPECT_TRUE(may_manage(Role::audit_admin, Role::auditor));
  EXPECT_FALSE(may_manage(Role::audit_admin, Role::operator_));
  EXPECT_FALSE(may_manage(Role::operator_, Role::operator_));
  EXPECT_FALSE(may_manage(Role::auditor, Role::auditor));
}

TEST(Roles, SecurityDocShowsTheMatrixInCode) {
  std::ifstream in(std::string(MEDSIGN_SOURCE_DIR) + "/docs/SECURITY.md");
  ASSERT_TRUE(in) << "docs/SECURITY.md is missing";
  std::stringstream ss;
  ss << in.rdbuf();
  std::string doc = ss.str();
  for (Permission p : kAllPermissions) {
    std::string row = "| " + std::string(permission_name(p)) + " |";
    for (Role r : kAllRoles) row += allowed(r, p) ? " yes |" : " no |";
    EXPECT_NE(doc.find(row), std::string::npos) << "docs/SECURITY.md lacks the row: " << row;
  }
}

}  // namespace
}  // namespace medsign::services
