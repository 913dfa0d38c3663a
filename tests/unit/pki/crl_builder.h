// CRLs built with asn1::Writer and signed with our SM2 (for shapes openssl cannot make: unknown
// critical extensions on the list or on an entry, a list signed by the wrong key).
#pragma once

#include <string>
#include <vector>

#include "asn1/oids.h"
#include "asn1/writer.h"
#include "crypto/sm2/sm2.h"
#include "pki/crl.h"
#include "pki_test_util.h"

namespace medsign::pki::test {

// The SM2 private key of an openssl PEM key file (via `openssl pkey -text`).
inline crypto::sm2::PrivateKey sm2_key_from_file(const std::string& path) {
  const std::string text = capture("openssl pkey -in " + path + " -noout -text");
  std::string hex;
  const std::size_t start = text.find("priv:"), end = text.find("pub:");
  for (std::size_t i = start + 5; i < end; ++i) {
    if (std::isxdigit(static_cast<unsigned char>(text[i]))) hex.push_back(text[i]);
  }
  Bytes d = hex_decode(hex).value();
  while (d.size() > 32 && d.front() == 0) d.erase(d.begin());
  while (d.size() < 32) d.insert(d.begin(), 0);
  return crypto::sm2::PrivateKey::from_bytes(d).value();
}

struct BuiltEntry {
  Bytes serial;  // INTEGER contents
  std::int64_t revoked_ms = 0;
  bool unknown_critical = false;
};

// A v2 CRL from `issuer` (Name DER) signed with sm3WithSM2 by `key`.
inline Crl build_sm2_crl(ByteView issuer, const crypto::sm2::PrivateKey& key, std::int64_t this_ms,
                         std::int64_t next_ms, const std::vector<BuiltEntry>& entries, bool unknown_critical,
                         std::int64_t number = 7) {
  auto alg = [](asn1::Writer& w) { w.add_sequence([](asn1::Writer& a) { a.add_oid(asn1::oid::kSm3WithSm2); }); };
  asn1::Writer tbs;
  tbs.add_sequence([&](asn1::Writer& t) {
    t.add_int64(1);
    alg(t);
    t.add_raw(issuer);
    t.add_x509_time(this_ms);
    t.add_x509_time(next_ms);
    if (!entries.empty()) {
      t.add_sequence([&](asn1::Writer& list) {
        for (const BuiltEntry& e : entries) {
          list.add_sequence([&](asn1::Writer& en) {
            en.add_integer_bytes(e.serial);
            en.add_x509_time(e.revoked_ms);
            if (e.unknown_critical) {
              en.add_sequence([&](asn1::Writer& exts) {
                exts.add_sequence([&](asn1::Writer& x) {
                  x.add_oid(asn1::Oid::literal("1.2.3.4.5"));
                  x.add_boolean(true);
                  x.add_octet_string(Bytes{0x05, 0x00});
                });
              });
            }
          });
        }
      });
    }
    t.add_explicit(0, [&](asn1::Writer& e0) {
      e0.add_sequence([&](asn1::Writer& exts) {
        exts.add_sequence([&](asn1::Writer& x) {
          x.add_oid(asn1::oid::kCrlNumber);
          asn1::Writer n;
          n.add_int64(number);
          x.add_octet_string(std::move(n).finish().value());
        });
        if (unknown_critical) {
          exts.add_sequence([&](asn1::Writer& x) {
            x.add_oid(asn1::oid::kDeltaCrlIndicator);
            x.add_boolean(true);
            x.add_octet_string(Bytes{0x02, 0x01, 0x05});
          });
        }
      });
    });
  });
  const Bytes tbs_der = std::move(tbs).finish().value();
  const Bytes sig = crypto::sm2::encode_signature_der(crypto::sm2::sign(key, tbs_der).value());
  asn1::Writer w;
  w.add_sequence([&](asn1::Writer& s) {
    s.add_raw(tbs_der);
    alg(s);
    s.add_bit_string(sig);
  });
  return Crl::parse_der(std::move(w).finish().value()).value();
}

}  // namespace medsign::pki::test
