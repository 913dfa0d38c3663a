// Downloading a CRL from a distribution point (RFC 5280 §4.2.1.13):
//
//   http://host[:port]/path                               GET, the body is the DER (or PEM) CRL
//   ldap://host[:port]/dn?certificateRevocationList;binary  base-object search, the attribute's value
//
// Every fetch is bounded: connect_timeout_ms for reaching the server, timeout_ms for the whole exchange
// and max_bytes for what is read. A source that hangs, answers with an error, sends more than max_bytes
// or sends something that is not a CRL gives a specific error within those bounds. Redirects are not
// followed (a distribution point names the CRL itself). Thread-safe: each call uses its own connection.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "common/bytes.h"
#include "common/error.h"
#include "pki/crl.h"

namespace medsign::pki {

struct CrlFetchOptions {
  int connect_timeout_ms = 5000;
  int timeout_ms = 15000;           // the whole exchange, connection included
  std::size_t max_bytes = 16u << 20;  // largest CRL accepted
};

struct CrlSourceUrl {
  enum class Scheme { http, ldap };
  Scheme scheme = Scheme::http;
  std::string host;
  std::uint16_t port = 0;  // 80 / 389 when the URL has none
  std::string target;      // http: path and query ("/crl/ca.crl")
  std::string dn;          // ldap: the entry (percent-decoded)
  std::string attribute;   // ldap: "certificateRevocationList;binary" when the URL names none
};

// Errors: invalid_argument naming what is wrong (scheme, host, port, missing DN, control characters,
// more than one attribute, an LDAP scope or filter other than base / objectClass=*).
Result<CrlSourceUrl> parse_crl_source_url(std::string_view url);

// The raw bytes of the CRL at `url`. Errors: invalid_argument (URL), crl_fetch_failed (connection
// refused, HTTP status other than 200, LDAP error, no such entry or attribute, malformed answer),
// crl_fetch_timeout, crl_too_large.
Result<Bytes> fetch_crl_bytes(std::string_view url, const CrlFetchOptions& opts = {});

// fetch_crl_bytes, then Crl::parse (DER or PEM). Errors: as above, and bad_encoding when the answer
// is not a CRL.
Result<Crl> fetch_crl(std::string_view url, const CrlFetchOptions& opts = {});

}  // namespace medsign::pki
