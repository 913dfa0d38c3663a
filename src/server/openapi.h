// The OpenAPI description of the REST API (api/openapi.yaml, compiled in) as JSON.
#pragma once

#include <nlohmann/json.hpp>

#include "common/error.h"

namespace medsign::server {

// Parsed once; internal error when the compiled-in YAML is invalid (caught by the unit tests).
Result<nlohmann::json> openapi_json();

}  // namespace medsign::server
