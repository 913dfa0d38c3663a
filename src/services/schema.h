// The database schema of MedSign as versioned migrations (store/database.h tokens), and the tables a backup
// carries, in an order that restores cleanly.
#pragma once

#include <span>
#include <string>
#include <vector>

#include "store/database.h"

namespace medsign::services {

std::span<const store::Migration> migrations();
// Tables in dependency order with their columns, for backup and restore.
struct TableSpec {
  std::string name;
  std::vector<std::string> columns;
  std::string order_by;
};
const std::vector<TableSpec>& backup_tables();

}  // namespace medsign::services
