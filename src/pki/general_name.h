// GeneralName (RFC 5280 §4.2.1.6), as found in subjectAltName, CRL distribution points, AIA and
// authorityKeyIdentifier.
#pragma once

#include <string>
#include <vector>

#include "asn1/oid.h"
#include "asn1/reader.h"
#include "common/bytes.h"
#include "common/error.h"

namespace medsign::pki {

struct GeneralName {
  enum class Type { other_name, email, dns, x400_address, directory_name, edi_party_name, uri, ip_address, registered_id };
  Type type = Type::dns;
  // email, dns, uri: the IA5String text. ip_address: dotted IPv4 or RFC 5952 IPv6 text (with "/mask"
  // bits for the 8- and 32-byte forms of name constraints). directory_name: Name::to_string().
  // other_name: the value as UTF-8 when it is [0] EXPLICIT <string type>, else the hex of its DER.
  // registered_id: dotted OID. x400_address, edi_party_name: hex of the content.
  std::string value;
  asn1::Oid type_id;  // other_name: type-id; registered_id: the OID
  Bytes raw;          // DER of the GeneralName element

  // "dns", "email", "uri", "ip", "dirName", "otherName", "registeredID", "x400Address", "ediPartyName".
  std::string_view type_name() const;
};

// Reads one GeneralName. Errors: bad_encoding for an unknown tag, invalid IA5 text, a bad IP length.
Result<GeneralName> read_general_name(asn1::Reader& r);
// Reads the contents of a GeneralNames SEQUENCE (at least one name) from `seq` until it is empty.
Result<std::vector<GeneralName>> read_general_names(asn1::Reader& seq);

}  // namespace medsign::pki
