#include "services/roles.h"

namespace medsign::services {

bool allowed(Role role, Permission p) {
  switch (p) {
    case Permission::manage_admin_accounts:
    case Permission::read_system_config:
    case Permission::write_system_config:
    case Permission::run_backup: return role == Role::sysadmin;
    case Permission::read_system_status: return true;
    case Permission::operate_business: return role == Role::operator_;
    case Permission::manage_audit_accounts:
    case Permission::manage_audit_policy: return role == Role::audit_admin;
    case Permission::read_audit:
    case Permission::verify_audit: return role == Role::auditor || role == Role::audit_admin;
    case Permission::review_audit: return role == Role::auditor;
  }
  return false;
}

bool may_manage(Role manager, Role target) {
  if (manager == Role::sysadmin) return target == Role::sysadmin || target == Role::operator_;
  if (manager == Role::audit_admin) return target == Role::audit_admin || target == Role::auditor;
  return false;
}

std::string_view role_name(Role r) {
  switch (r) {
    case Role::sysadmin: return "sysadmin";
    case Role::operator_: return "operator";
    case Role::audit_admin: return "audit_admin";
    case Role::auditor: return "auditor";
  }
  return "?";
}

std::string_view role_title_zh(Role r) {
  switch (r) {
    case Role::sysadmin: return "系统管理员";
    case Role::operator_: return "业务操作员";
    case Role::audit_admin: return "审计管理员";
    case Role::auditor: return "审计员";
  }
  return "?";
}

std::optional<Role> parse_role(std::string_view s) {
  for (Role r : kAllRoles)
    if (role_name(r) == s) return r;
  return std::nullopt;
}

std::string_view permission_name(Permission p) {
  switch (p) {
    case Permission::manage_admin_accounts: return "manage_admin_accounts";
    case Permission::manage_audit_accounts: return "manage_audit_accounts";
    case Permission::read_system_config: return "read_system_config";
    case Permission::write_system_config: return "write_system_config";
    case Permission::run_backup: return "run_backup";
    case Permission::read_system_status: return "read_system_status";
    case Permission::operate_business: return "operate_business";
    case Permission::read_audit: return "read_audit";
    case Permission::review_audit: return "review_audit";
    case Permission::verify_audit: return "verify_audit";
    case Permission::manage_audit_policy: return "manage_audit_policy";
  }
  return "?";
}

}  // namespace medsign::services
