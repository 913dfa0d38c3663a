// Structured JSON logging on spdlog: one JSON object a line with time, level, message and fields.
// Never pass secrets (keys, passwords, session tokens) as fields.
#pragma once

#include <filesystem>
#include <string_view>

#include <nlohmann/json.hpp>

#include "common/error.h"

namespace medsign::log {

enum class Level { debug, info, warn, error };

// Sends logs to stderr and, when file is not empty, to that file too. level: debug|info|warn|error.
Status init(std::string_view level, const std::filesystem::path& file);
Result<Level> parse_level(std::string_view s);

void write(Level level, std::string_view msg, const nlohmann::json& fields = nlohmann::json::object());
inline void debug(std::string_view m, const nlohmann::json& f = nlohmann::json::object()) { write(Level::debug, m, f); }
inline void info(std::string_view m, const nlohmann::json& f = nlohmann::json::object()) { write(Level::info, m, f); }
inline void warn(std::string_view m, const nlohmann::json& f = nlohmann::json::object()) { write(Level::warn, m, f); }
inline void error(std::string_view m, const nlohmann::json& f = nlohmann::json::object()) { write(Level::error, m, f); }

}  // namespace medsign::log
