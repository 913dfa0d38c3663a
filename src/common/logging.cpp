#include "common/logging.h"

#include <spdlog/sinks/basic_file_sink.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include "common/clock.h"

namespace medsign::log {
namespace {
std::shared_ptr<spdlog::logger>& logger() {
  static std::shared_ptr<spdlog::logger> l = [] {
    auto lg = std::make_shared<spdlog::logger>("medsign", std::make_shared<spdlog::sinks::stderr_sink_mt>());
    lg->set_pattern("%v");
    lg->set_level(spdlog::level::info);
    return lg;
  }();
  return l;
}
spdlog::level::level_enum to_spd(Level l) {
  switch (l) {
    case Level::debug: return spdlog::level::debug;
    case Level::info: return spdlog::level::info;
    case Level::warn: return spdlog::level::warn;
    case Level::error: return spdlog::level::err;
  }
  return spdlog::level::info;
}
const char* name(Level l) {
  switch (l) {
    case Level::debug: return "debug";
    case Level::info: return "info";
    case Level::warn: return "warn";
    case Level::error: return "error";
  }
  return "info";
}
}  // namespace

Result<Level> parse_level(std::string_view s) {
  if (s == "debug") return Level::debug;
  if (s == "info") return Level::info;
  if (s == "warn") return Level::warn;
  if (s == "error") return Level::error;
  return Error(Errc::config_invalid, "log level must be debug, info, warn or error");
}

Status init(std::string_view level, const std::filesystem::path& file) {
  MEDSIGN_ASSIGN(Level lv, parse_level(level));
  std::vector<spdlog::sink_ptr> sinks{std::make_shared<spdlog::sinks::stderr_sink_mt>()};
  if (!file.empty()) {
    try {
      std::filesystem::create_directories(file.parent_path());
      sinks.push_back(std::make_shared<spdlog::sinks::basic_file_sink_mt>(file.string()));
    } catch (const std::exception& e) {
      return Error(Errc::io_error, "cannot open log file " + file.string() + ": " + e.what());
    }
  }
  auto lg = std::make_shared<spdlog::logger>("medsign", sinks.begin(), sinks.end());
  lg->set_pattern("%v");
  lg->set_level(to_spd(lv));
  lg->flush_on(spdlog::level::warn);
  logger() = lg;
  return {};
}

void write(Level level, std::string_view msg, const nlohmann::json& fields) {
  auto& lg = logger();
  if (!lg->should_log(to_spd(level))) return;
  nlohmann::json j = {{"ts", iso8601_now()}, {"level", name(level)}, {"msg", msg}};
  if (fields.is_object())
    for (auto it = fields.begin(); it != fields.end(); ++it) j[it.key()] = it.value();
  lg->log(to_spd(level), "{}", j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
}

}  // namespace medsign::log
