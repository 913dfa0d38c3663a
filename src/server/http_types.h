// Request and response types shared by the HTTP transport, the router and API handlers.
#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <string>

#include <boost/beast/http.hpp>
#include <nlohmann/json.hpp>

#include "common/error.h"

namespace medsign::server {

namespace http = boost::beast::http;
using BeastRequest = http::request<http::string_body>;
using HttpResponse = http::response<http::string_body>;

struct RequestContext {
  const BeastRequest& req;
  std::string remote_addr;          // client IP
  std::string request_id;           // from X-Request-Id (sanitised) or generated
  bool tls = false;
  std::map<std::string, std::string> path_params;
  std::map<std::string, std::string> query;
  std::string route;                // the route pattern that matched, for metrics and logs
  // Filled in by the authentication layer for routes that need a session; opaque to the transport.
  std::shared_ptr<void> principal;

  std::string header(std::string_view name) const;
  std::string query_or(const std::string& k, const std::string& fallback) const {
    auto it = query.find(k);
    return it == query.end() ? fallback : it->second;
  }
};

// A JSON body with the standard headers.
HttpResponse json_response(int status, const nlohmann::json& body);
// A catalogue error as {"error": {"code", "message", "detail", "request_id"}}.
HttpResponse error_response(const Error& e, const std::string& request_id);
HttpResponse text_response(int status, std::string body, std::string content_type);
// 200 with the body as a download named filename (Content-Disposition: attachment).
HttpResponse attachment_response(std::string body, std::string content_type, const std::string& filename);

// Parses the JSON body; malformed_json / unsupported_media_type on failure.
Result<nlohmann::json> parse_json_body(const RequestContext& ctx);
// A certificate with its chain from the body: raw PEM, or JSON {"certificate": PEM, "chain": PEM (optional)}.
Result<std::string> certificate_pem_body(const RequestContext& ctx);

// Percent-decoding of a URL component; rejects bad escapes.
Result<std::string> url_decode(std::string_view s, bool plus_is_space);
// Splits "a=1&b=2".
Result<std::map<std::string, std::string>> parse_query(std::string_view q);

}  // namespace medsign::server
