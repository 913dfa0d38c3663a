// Roles and the permission matrix (separation of duties). docs/SECURITY.md shows the same table; a unit
// test keeps the two in step.
//
//   system administrator  manages operator and system-administrator accounts and system settings, backups
//   operator              runs business functions: keys, certificates, seals, devices
//   audit administrator   manages auditor and audit-administrator accounts and audit policy
//   auditor               reads, exports, verifies and reviews the audit log
// Nobody can delete or alter audit entries: there is no such permission and no such code path. Reviewing
// adds a separate record; it does not change the entry.
#pragma once

#include <array>
#include <optional>
#include <string_view>

namespace medsign::services {

enum class Role { sysadmin, operator_, audit_admin, auditor };
inline constexpr std::array kAllRoles = {Role::sysadmin, Role::operator_, Role::audit_admin, Role::auditor};

enum class Permission {
  manage_admin_accounts,    // create/lock/unlock/reset/re-role sysadmin and operator accounts
  manage_audit_accounts,    // the same for audit_admin and auditor accounts
  read_system_config,
  write_system_config,
  run_backup,
  read_system_status,
  operate_business,         // keys, certificates, seals, devices, applications
  read_audit,
  review_audit,
  verify_audit,
  manage_audit_policy,
};
inline constexpr std::array kAllPermissions = {
    Permission::manage_admin_accounts, Permission::manage_audit_accounts, Permission::read_system_config,
    Permission::write_system_config,   Permission::run_backup,            Permission::read_system_status,
    Permission::operate_business,      Permission::read_audit,            Permission::review_audit,
    Permission::verify_audit,          Permission::manage_audit_policy};

bool allowed(Role role, Permission p);
// Whether an account of role `manager` may create or manage an account of role `target`.
bool may_manage(Role manager, Role target);

std::string_view role_name(Role r);             // "sysadmin", "operator", "audit_admin", "auditor"
std::string_view role_title_zh(Role r);         // 系统管理员 ...
std::optional<Role> parse_role(std::string_view s);
std::string_view permission_name(Permission p); // "manage_admin_accounts", ...

}  // namespace medsign::services
