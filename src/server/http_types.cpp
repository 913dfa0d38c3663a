#include "server/http_types.h"

namespace medsign::server {

std::string RequestContext::header(std::string_view name) const {
  auto it = req.find(boost::beast::string_view(name.data(), name.size()));
  if (it == req.end()) return {};
  return std::string(it->value());
}

HttpResponse json_response(int status, const nlohmann::json& body) {
  HttpResponse res{static_cast<http::status>(status), 11};
  res.set(http::field::content_type, "application/json; charset=utf-8");
  res.set(http::field::cache_control, "no-store");
  res.body() = body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  res.prepare_payload();
  return res;
}

HttpResponse error_response(const Error& e, const std::string& request_id) {
  const ErrorInfo& info = error_info(e.code);
  nlohmann::json body = {{"error",
                          {{"code", info.code},
                           {"message", info.message},
                           {"detail", e.detail.empty() ? std::string(info.message) : e.detail},
                           {"request_id", request_id}}}};
  return json_response(info.http_status, body);
}

HttpResponse text_response(int status, std::string body, std::string content_type) {
  HttpResponse res{static_cast<http::status>(status), 11};
  res.set(http::field::content_type, content_type);
  res.body() = std::move(body);
  res.prepare_payload();
  return res;
}

HttpResponse attachment_response(std::string body, std::string content_type, const std::string& filename) {
  auto res = text_response(200, std::move(body), std::move(content_type));
  std::string disposition = "attachment; filename=\"";
  disposition.append(filename).append("\"");
  res.set(http::field::content_disposition, disposition);
  return res;
}

// A certificate with its chain from a request body: raw PEM, or JSON {"certificate": PEM, "chain": PEM}.
Result<std::string> certificate_pem_body(const RequestContext& ctx) {
  if (ctx.header("Content-Type").rfind("application/json", 0) == 0) {
    MEDSIGN_ASSIGN(auto j, parse_json_body(ctx));
    if (!j.contains("certificate") || !j["certificate"].is_string())
      return Error(Errc::missing_field, "certificate: PEM text required");
    std::string pem = j["certificate"].get<std::string>();
    if (j.contains("chain") && j["chain"].is_string()) pem.append("\n").append(j["chain"].get<std::string>());
    return pem;
  }
  return ctx.req.body();
}

Result<nlohmann::json> parse_json_body(const RequestContext& ctx) {
  std::string ct = ctx.header("Content-Type");
  if (!ctx.req.body().empty() && ct.rfind("application/json", 0) != 0)
    return Error(Errc::unsupported_media_type, "expected Content-Type: application/json");
  if (ctx.req.body().empty()) return nlohmann::json::object();
  auto j = nlohmann::json::parse(ctx.req.body(), nullptr, false);
  if (j.is_discarded()) return Error(Errc::malformed_json, "the request body is not valid JSON");
  if (!j.is_object()) return Error(Errc::malformed_json, "the request body must be a JSON object");
  return j;
}

Result<std::string> url_decode(std::string_view s, bool plus_is_space) {
  std::string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    if (c == '%') {
      if (i + 2 >= s.size()) return Error(Errc::bad_request, "bad percent-escape");
      auto hv = [](char h) -> int {
        if (h >= '0' && h <= '9') return h - '0';
        if (h >= 'a' && h <= 'f') return h - 'a' + 10;
        if (h >= 'A' && h <= 'F') return h - 'A' + 10;
        return -1;
      };
      int hi = hv(s[i + 1]), lo = hv(s[i + 2]);
      if (hi < 0 || lo < 0) return Error(Errc::bad_request, "bad percent-escape");
      out.push_back(static_cast<char>(hi << 4 | lo));
      i += 2;
    } else if (c == '+' && plus_is_space) {
      out.push_back(' ');
    } else {
      out.push_back(c);
    }
  }
  return out;
}

Result<std::map<std::string, std::string>> parse_query(std::string_view q) {
  std::map<std::string, std::string> out;
  while (!q.empty()) {
    auto amp = q.find('&');
    std::string_view part = q.substr(0, amp);
    q = amp == std::string_view::npos ? std::string_view{} : q.substr(amp + 1);
    if (part.empty()) continue;
    auto eq = part.find('=');
    MEDSIGN_ASSIGN(std::string k, url_decode(part.substr(0, eq), true));
    std::string v;
    if (eq != std::string_view::npos) {
      MEDSIGN_ASSIGN(std::string dv, url_decode(part.substr(eq + 1), true));
      v = std::move(dv);
    }
    out[k] = v;
  }
  return out;
}

}  // namespace medsign::server
