#include "pki/crl_fetch.h"

#include <sys/time.h>

#include <chrono>
#include <memory>
#include <optional>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http.hpp>

#include <lber.h>
#include <ldap.h>

namespace medsign::pki {
namespace {
namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

Result<std::string> percent_decode(std::string_view s, const char* what) {
  std::string out;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] != '%') {
      out.push_back(s[i]);
      continue;
    }
    if (i + 2 >= s.size()) return Error(Errc::invalid_argument, std::string(what) + ": truncated %-escape");
    const int hi = hex_value(s[i + 1]), lo = hex_value(s[i + 2]);
    if (hi < 0 || lo < 0) return Error(Errc::invalid_argument, std::string(what) + ": bad %-escape");
    const char c = static_cast<char>(hi * 16 + lo);
    if (c == '\0') return Error(Errc::invalid_argument, std::string(what) + ": NUL in %-escape");
    out.push_back(c);
    i += 2;
  }
  return out;
}

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

Error fetch_error(const std::string& url, const std::string& what) {
  std::string d = "CRL source ";
  d.append(url).append(": ").append(what);
  return Error(Errc::crl_fetch_failed, d);
}

// ---- HTTP ----

Result<Bytes> fetch_http(const CrlSourceUrl& u, std::string_view url, const CrlFetchOptions& o) {
  asio::io_context ioc;
  tcp::resolver resolver(ioc);
  beast::tcp_stream stream(ioc);
  beast::flat_buffer buffer(64 * 1024);
  http::request<http::empty_body> req(http::verb::get, u.target, 11);
  std::string host_header = u.host;
  if (u.port != 80) host_header.append(":").append(std::to_string(u.port));
  req.set(http::field::host, host_header);
  req.set(http::field::user_agent, "MedSign CRL fetch");
  req.set(http::field::accept, "application/pkix-crl, application/octet-stream, */*");
  req.set(http::field::connection, "close");
  http::response_parser<http::vector_body<std::uint8_t>> parser;
  parser.header_limit(16 * 1024);
  parser.body_limit(o.max_bytes);

  const auto start = std::chrono::steady_clock::now();
  const auto deadline = start + std::chrono::milliseconds(o.timeout_ms);
  std::optional<Error> failure;
  bool done = false;
  auto fail = [&](beast::error_code ec, const char* stage) {
    if (ec == beast::error::timeout || ec == asio::error::operation_aborted) {
      std::string d = "CRL source ";
      d.append(url).append(": no answer within ");
      d.append(std::to_string(std::string_view(stage) == "connect" ? o.connect_timeout_ms : o.timeout_ms));
      d.append(" ms (").append(stage).append(")");
      failure = Error(Errc::crl_fetch_timeout, d);
    } else if (ec == http::error::body_limit) {
      failure = Error(Errc::crl_too_large, "CRL source " + std::string(url) + ": more than " +
                                               std::to_string(o.max_bytes) + " bytes");
    } else {
      failure = fetch_error(std::string(url), std::string(stage) + ": " + ec.message());
    }
  };

  resolver.async_resolve(u.host, std::to_string(u.port), [&](beast::error_code ec, tcp::resolver::results_type rs) {
    if (ec) return fail(ec, "resolve");
    stream.expires_after(std::chrono::milliseconds(std::min(o.connect_timeout_ms, o.timeout_ms)));
    stream.async_connect(rs, [&](beast::error_code ec2, const tcp::endpoint&) {
      if (ec2) return fail(ec2, "connect");
      stream.expires_at(deadline);
      http::async_write(stream, req, [&](beast::error_code ec3, std::size_t) {
        if (ec3) return fail(ec3, "send");
        // The header first: a Content-Length over the limit is refused before any of the body is read.
        http::async_read_header(stream, buffer, parser, [&](beast::error_code ec4, std::size_t) {
          if (ec4) return fail(ec4, "read");
          if (parser.content_length() && *parser.content_length() > o.max_bytes)
            return fail(http::error::body_limit, "read");
          http::async_read(stream, buffer, parser, [&](beast::error_code ec5, std::size_t) {
            if (ec5) return fail(ec5, "read");
            done = true;
          });
        });
      });
    });
  });
  // The resolver is not covered by the stream's timer; the overall deadline is a backstop for it.
  ioc.run_until(deadline + std::chrono::milliseconds(200));
  if (!done && !failure) {
    failure = Error(Errc::crl_fetch_timeout, "CRL source " + std::string(url) + ": no answer within " +
                                                 std::to_string(o.timeout_ms) + " ms");
  }
  beast::error_code ignored;
  stream.socket().shutdown(tcp::socket::shutdown_both, ignored);
  if (failure) return *failure;
  auto& res = parser.get();
  if (res.result_int() != 200) {
    std::string what = "HTTP status ";
    what.append(std::to_string(res.result_int()));
    what.append(" ").append(std::string(res.reason()));
    return fetch_error(std::string(url), what);
  }
  return Bytes(res.body().begin(), res.body().end());
}

// ---- LDAP ----

struct LdapCloser {
  void operator()(LDAP* ld) const { ldap_unbind_ext_s(ld, nullptr, nullptr); }
};
struct MessageCloser {
  void operator()(LDAPMessage* m) const { ldap_msgfree(m); }
};

Error ldap_error(std::string_view url, int rc, const char* stage, const CrlFetchOptions& o) {
  std::string d = "CRL source ";
  d.append(url).append(": ");
  if (rc == LDAP_TIMEOUT) {
    d.append("no answer within ").append(std::to_string(o.timeout_ms)).append(" ms (").append(stage).append(")");
    return Error(Errc::crl_fetch_timeout, d);
  }
  d.append(stage).append(": ").append(ldap_err2string(rc));
  return Error(Errc::crl_fetch_failed, d);
}

timeval to_timeval(int ms) {
  timeval tv{};
  tv.tv_sec = ms / 1000;
  tv.tv_usec = (ms % 1000) * 1000;
  return tv;
}

Result<Bytes> fetch_ldap(const CrlSourceUrl& u, std::string_view url, const CrlFetchOptions& o) {
  std::string server = "ldap://";
  server.append(u.host).append(":").append(std::to_string(u.port));
  LDAP* raw = nullptr;
  int rc = ldap_initialize(&raw, server.c_str());
  if (rc != LDAP_SUCCESS || !raw) return ldap_error(url, rc, "initialise", o);
  std::unique_ptr<LDAP, LdapCloser> ld(raw);
  const int version = LDAP_VERSION3;
  const timeval net = to_timeval(std::min(o.connect_timeout_ms, o.timeout_ms)), all = to_timeval(o.timeout_ms);
  ldap_set_option(ld.get(), LDAP_OPT_PROTOCOL_VERSION, &version);
  ldap_set_option(ld.get(), LDAP_OPT_NETWORK_TIMEOUT, &net);
  ldap_set_option(ld.get(), LDAP_OPT_TIMEOUT, &all);
  ldap_set_option(ld.get(), LDAP_OPT_REFERRALS, LDAP_OPT_OFF);
  const int one = 1;
  ldap_set_option(ld.get(), LDAP_OPT_SIZELIMIT, &one);
  rc = ldap_connect(ld.get());
  if (rc != LDAP_SUCCESS) return ldap_error(url, rc, "connect", o);
  // Bounds what one incoming LDAP message may be, so a source cannot make us buffer without limit.
  Sockbuf* sb = nullptr;
  if (ldap_get_option(ld.get(), LDAP_OPT_SOCKBUF, &sb) == LDAP_OPT_SUCCESS && sb) {
    ber_len_t max = static_cast<ber_len_t>(o.max_bytes + 4096);
    ber_sockbuf_ctrl(sb, LBER_SB_OPT_SET_MAX_INCOMING, &max);
  }
  std::string attr = u.attribute;
  char* attrs[] = {attr.data(), nullptr};
  timeval search_tv = all;
  LDAPMessage* res_raw = nullptr;
  rc = ldap_search_ext_s(ld.get(), u.dn.c_str(), LDAP_SCOPE_BASE, "(objectClass=*)", attrs, 0, nullptr, nullptr,
                         &search_tv, 1, &res_raw);
  std::unique_ptr<LDAPMessage, MessageCloser> res(res_raw);
  if (rc == LDAP_NO_SUCH_OBJECT) return fetch_error(std::string(url), "no entry " + u.dn);
  if (rc != LDAP_SUCCESS) return ldap_error(url, rc, "search", o);
  LDAPMessage* entry = ldap_first_entry(ld.get(), res.get());
  if (!entry) return fetch_error(std::string(url), "no entry " + u.dn);
  berval** values = ldap_get_values_len(ld.get(), entry, attr.c_str());
  if (!values || !values[0]) {
    // Some servers return the attribute without its ";binary" option.
    if (values) ldap_value_free_len(values);
    const std::string base = attr.substr(0, attr.find(';'));
    values = ldap_get_values_len(ld.get(), entry, base.c_str());
  }
  if (!values || !values[0]) {
    if (values) ldap_value_free_len(values);
    return fetch_error(std::string(url), "entry " + u.dn + " has no " + attr);
  }
  const berval* v = values[0];
  Result<Bytes> out = v->bv_len > o.max_bytes
                          ? Result<Bytes>(Error(Errc::crl_too_large, "CRL source " + std::string(url) + ": more than " +
                                                                          std::to_string(o.max_bytes) + " bytes"))
                          : Result<Bytes>(Bytes(reinterpret_cast<const std::uint8_t*>(v->bv_val),
                                                reinterpret_cast<const std::uint8_t*>(v->bv_val) + v->bv_len));
  ldap_value_free_len(values);
  return out;
}
}  // namespace

Result<CrlSourceUrl> parse_crl_source_url(std::string_view url) {
  auto bad = [](const std::string& what) {
    return Error(Errc::invalid_argument, "CRL source URL: " + what);
  };
  if (url.size() > 4096) return bad("longer than 4096 characters");
  for (char c : url)
    if (static_cast<unsigned char>(c) <= 0x20 || c == 0x7f) return bad("control character or space");
  CrlSourceUrl u;
  const std::size_t sep = url.find("://");
  if (sep == std::string_view::npos) return bad("expected http://host[:port]/path or ldap://host[:port]/dn");
  const std::string scheme = lower(url.substr(0, sep));
  if (scheme == "http") {
    u.scheme = CrlSourceUrl::Scheme::http;
    u.port = 80;
  } else if (scheme == "ldap") {
    u.scheme = CrlSourceUrl::Scheme::ldap;
    u.port = 389;
  } else {
    return bad("scheme '" + scheme + "' is not supported (http, ldap)");
  }
  std::string_view rest = url.substr(sep + 3);
  const std::size_t slash = rest.find('/');
  std::string_view authority = rest.substr(0, slash);
  std::string_view tail = slash == std::string_view::npos ? std::string_view() : rest.substr(slash);
  if (authority.find('@') != std::string_view::npos) return bad("credentials in the URL are not supported");
  std::string_view host = authority, port;
  if (!authority.empty() && authority.front() == '[') {
    const std::size_t close = authority.find(']');
    if (close == std::string_view::npos) return bad("unterminated IPv6 address");
    host = authority.substr(1, close - 1);
    std::string_view after = authority.substr(close + 1);
    if (!after.empty()) {
      if (after.front() != ':') return bad("junk after IPv6 address");
      port = after.substr(1);
    }
  } else if (const std::size_t colon = authority.rfind(':'); colon != std::string_view::npos) {
    host = authority.substr(0, colon);
    port = authority.substr(colon + 1);
  }
  if (host.empty()) return bad("no host");
  for (char c : host)
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '-' || c == ':' || c == '_'))
      return bad("host has a character outside letters, digits, '.', '-', '_' and ':'");
  u.host = std::string(host);
  if (!port.empty()) {
    if (port.size() > 5 || port.find_first_not_of("0123456789") != std::string_view::npos) return bad("bad port");
    const int p = std::stoi(std::string(port));
    if (p < 1 || p > 65535) return bad("port out of range");
    u.port = static_cast<std::uint16_t>(p);
  }
  if (u.scheme == CrlSourceUrl::Scheme::http) {
    if (tail.find('#') != std::string_view::npos) tail = tail.substr(0, tail.find('#'));
    u.target = tail.empty() ? "/" : std::string(tail);
    return u;
  }
  // ldap://host:port/dn?attributes?scope?filter?extensions (RFC 4516)
  if (tail.size() <= 1) return bad("no DN");
  std::string_view q = tail.substr(1);
  std::string_view parts[5];
  int n = 0;
  while (true) {
    const std::size_t qm = q.find('?');
    if (n == 4) {
      parts[n++] = q;
      break;
    }
    parts[n++] = q.substr(0, qm);
    if (qm == std::string_view::npos) break;
    q = q.substr(qm + 1);
  }
  if (n == 5 && parts[4].find('?') != std::string_view::npos) return bad("too many '?' parts");
  MEDSIGN_ASSIGN(u.dn, percent_decode(parts[0], "CRL source URL: DN"));
  if (u.dn.empty()) return bad("no DN");
  u.attribute = "certificateRevocationList;binary";
  if (n > 1 && !parts[1].empty()) {
    if (parts[1].find(',') != std::string_view::npos) return bad("more than one attribute");
    MEDSIGN_ASSIGN(u.attribute, percent_decode(parts[1], "CRL source URL: attribute"));
    for (char c : u.attribute)
      if (!(std::isalnum(static_cast<unsigned char>(c)) || c == ';' || c == '-' || c == '.'))
        return bad("attribute has an unexpected character");
  }
  if (n > 2 && !parts[2].empty() && lower(parts[2]) != "base") return bad("only scope 'base' is supported");
  if (n > 3 && !parts[3].empty()) {
    MEDSIGN_ASSIGN(std::string filter, percent_decode(parts[3], "CRL source URL: filter"));
    if (lower(filter) != "(objectclass=*)" && lower(filter) != "objectclass=*")
      return bad("only the filter (objectClass=*) is supported");
  }
  if (n > 4 && !parts[4].empty()) return bad("LDAP URL extensions are not supported");
  return u;
}

Result<Bytes> fetch_crl_bytes(std::string_view url, const CrlFetchOptions& opts) {
  MEDSIGN_ASSIGN(CrlSourceUrl u, parse_crl_source_url(url));
  CrlFetchOptions o = opts;
  if (o.timeout_ms <= 0) o.timeout_ms = 1;
  if (o.connect_timeout_ms <= 0) o.connect_timeout_ms = o.timeout_ms;
  if (u.scheme == CrlSourceUrl::Scheme::http) return fetch_http(u, url, o);
  return fetch_ldap(u, url, o);
}

Result<Crl> fetch_crl(std::string_view url, const CrlFetchOptions& opts) {
  MEDSIGN_ASSIGN(Bytes data, fetch_crl_bytes(url, opts));
  if (data.empty()) return fetch_error(std::string(url), "empty answer");
  auto crl = Crl::parse(data);
  if (!crl) {
    std::string d = "CRL source ";
    d.append(url).append(": the answer is not a CRL: ").append(crl.error().detail);
    return Error(Errc::bad_encoding, d);
  }
  return crl;
}

}  // namespace medsign::pki
