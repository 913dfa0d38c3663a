// X.501 Name as used in certificates and CRLs: an ordered list of RDNs, each a set of attributes.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "asn1/oid.h"
#include "asn1/reader.h"
#include "asn1/tag.h"
#include "common/bytes.h"
#include "common/error.h"

namespace medsign::pki {

struct NameAttribute {
  asn1::Oid type;
  asn1::Tag value_tag;  // the string type used (PrintableString, UTF8String, BMPString, ...)
  std::string value;    // UTF-8; for a non-string value, the hex of its DER
  Bytes raw;            // DER of the whole AttributeTypeAndValue
  // Short name from the OID table ("CN", "O", ...) or dotted OID.
  std::string short_name() const;
};

using RelativeDistinguishedName = std::vector<NameAttribute>;

class Name {
 public:
  // Reads a Name (SEQUENCE OF SET OF AttributeTypeAndValue). Empty RDNs are refused. Attribute values
  // that are string types are decoded to UTF-8; other values are kept as hex.
  static Result<Name> parse(asn1::Reader& r);
  static Result<Name> parse_der(ByteView der);

  const std::vector<RelativeDistinguishedName>& rdns() const { return rdns_; }
  // The exact DER of the Name (for issuer/subject matching, as RFC 5280 allows binary comparison).
  const Bytes& der() const { return der_; }
  bool empty() const { return rdns_.empty(); }

  // The first attribute of this type, in order, or nullptr.
  const NameAttribute* find(const asn1::Oid& type) const;
  // All values of this type, in order.
  std::vector<std::string> values(const asn1::Oid& type) const;
  // "C=CN, O=Hospital, CN=张三" in encoded order, multi-valued RDNs joined by " + ", with RFC 4514
  // escaping of , + " \ < > ; and of a leading # or space.
  std::string to_string() const;

  bool operator==(const Name& o) const { return der_ == o.der_; }

 private:
  std::vector<RelativeDistinguishedName> rdns_;
  Bytes der_;
};

}  // namespace medsign::pki
