// libFuzzer target: pki::parse_crl_source_url on arbitrary text. An accepted URL must name a host, a port
// other than 0, and (for ldap://) a DN and an attribute; parsing never reads past the input.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "pki/crl_fetch.h"

using namespace medsign;
using namespace medsign::pki;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);
  auto u = parse_crl_source_url(in);
  if (!u.ok()) {
    if (u.error().code != Errc::invalid_argument) std::abort();
    return 0;
  }
  if (u->host.empty() || u->port == 0) std::abort();
  if (u->scheme == CrlSourceUrl::Scheme::http && (u->target.empty() || u->target[0] != '/')) std::abort();
  if (u->scheme == CrlSourceUrl::Scheme::ldap && (u->dn.empty() || u->attribute.empty())) std::abort();
  return 0;
}
