#include "server/openapi.h"

#include <regex>

#include <yaml-cpp/yaml.h>

namespace medsign::server {
extern const char* const kOpenApiYaml;

namespace {
nlohmann::json to_json(const YAML::Node& n) {
  switch (n.Type()) {
    case YAML::NodeType::Null:
    case YAML::NodeType::Undefined: return nullptr;
    case YAML::NodeType::Sequence: {
      auto a = nlohmann::json::array();
      for (const auto& e : n) a.push_back(to_json(e));
      return a;
    }
    case YAML::NodeType::Map: {
      auto o = nlohmann::json::object();
      for (const auto& kv : n) o[kv.first.as<std::string>()] = to_json(kv.second);
      return o;
    }
    case YAML::NodeType::Scalar: {
      const std::string& s = n.Scalar();
      if (n.Tag() == "!") return s;  // quoted: always a string
      static const std::regex integer("^-?[0-9]+$"), real("^-?[0-9]+\\.[0-9]+$");
      if (s == "true") return true;
      if (s == "false") return false;
      if (s == "null" || s == "~") return nullptr;
      if (std::regex_match(s, integer)) return std::stoll(s);
      if (std::regex_match(s, real)) return std::stod(s);
      return s;
    }
  }
  return nullptr;
}
}  // namespace

Result<nlohmann::json> openapi_json() {
  static const Result<nlohmann::json> spec = []() -> Result<nlohmann::json> {
    try {
      return to_json(YAML::Load(kOpenApiYaml));
    } catch (const std::exception& e) {
      return Error(Errc::internal, std::string("api/openapi.yaml: ") + e.what());
    }
  }();
  return spec;
}

}  // namespace medsign::server
