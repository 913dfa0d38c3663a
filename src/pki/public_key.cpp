#include "pki/public_key.h"

#include "asn1/oids.h"

namespace medsign::pki {

std::string AlgorithmIdentifier::name() const { return asn1::oid_name(oid); }

Result<AlgorithmIdentifier> AlgorithmIdentifier::parse(asn1::Reader& r) {
  asn1::Reader probe = r;
  MEDSIGN_ASSIGN(asn1::Element whole, probe.read_element(asn1::tag::kSequence));
  MEDSIGN_ASSIGN(asn1::Reader seq, probe.enter(whole));
  AlgorithmIdentifier a;
  MEDSIGN_ASSIGN(a.oid, seq.read_oid());
  if (!seq.empty()) {
    MEDSIGN_ASSIGN(asn1::Element p, seq.read_any());
    a.parameters.assign(p.raw.begin(), p.raw.end());
  }
  MEDSIGN_TRY(seq.expect_end());
  a.der.assign(whole.raw.begin(), whole.raw.end());
  r = probe;
  return a;
}

std::string_view key_type_name(KeyType t) {
  switch (t) {
    case KeyType::sm2: return "sm2";
    case KeyType::ecdsa_p256: return "ecdsa-p256";
    case KeyType::ecdsa_p384: return "ecdsa-p384";
    case KeyType::ecdsa_p521: return "ecdsa-p521";
    case KeyType::rsa: return "rsa";
    case KeyType::ed25519: return "ed25519";
    case KeyType::unknown: return "unknown";
  }
  return "unknown";
}

namespace {

std::size_t bit_length(ByteView magnitude) {
  std::size_t i = 0;
  while (i < magnitude.size() && magnitude[i] == 0) ++i;
  if (i == magnitude.size()) return 0;
  std::size_t bits = (magnitude.size() - i) * 8;
  for (std::uint8_t top = magnitude[i]; (top & 0x80) == 0; top <<= 1) --bits;
  return bits;
}

}  // namespace

Result<SubjectPublicKeyInfo> SubjectPublicKeyInfo::parse(asn1::Reader& r) {
  asn1::Reader probe = r;
  MEDSIGN_ASSIGN(asn1::Element whole, probe.read_element(asn1::tag::kSequence));
  MEDSIGN_ASSIGN(asn1::Reader seq, probe.enter(whole));
  SubjectPublicKeyInfo spki;
  MEDSIGN_ASSIGN(spki.algorithm, AlgorithmIdentifier::parse(seq));
  MEDSIGN_ASSIGN(asn1::BitString bits, seq.read_bit_string());
  MEDSIGN_TRY(seq.expect_end());
  if (bits.unused_bits != 0) return Error(Errc::bad_encoding, "subjectPublicKey has unused bits");
  spki.key.assign(bits.bytes.begin(), bits.bytes.end());
  spki.der.assign(whole.raw.begin(), whole.raw.end());

  const asn1::Oid& alg = spki.algorithm.oid;
  if (alg == asn1::oid::kEcPublicKey || alg == asn1::oid::kSm2) {
    if (!spki.algorithm.parameters.empty()) {
      asn1::Reader params(spki.algorithm.parameters);
      if (params.peek(asn1::tag::kOid)) {
        MEDSIGN_ASSIGN(spki.curve, params.read_oid());
      } else if (alg == asn1::oid::kEcPublicKey) {
        return Error(Errc::bad_encoding, "EC public key without a named curve (explicit parameters refused)");
      }
    }
    if (alg == asn1::oid::kSm2 && spki.curve.empty()) spki.curve = asn1::oid::kSm2;
    if (spki.curve == asn1::oid::kSm2) {
      spki.type = KeyType::sm2, spki.bits = 256;
    } else if (spki.curve == asn1::oid::kPrime256v1) {
      spki.type = KeyType::ecdsa_p256, spki.bits = 256;
    } else if (spki.curve == asn1::oid::kSecp384r1) {
      spki.type = KeyType::ecdsa_p384, spki.bits = 384;
    } else if (spki.curve == asn1::oid::kSecp521r1) {
      spki.type = KeyType::ecdsa_p521, spki.bits = 521;
    }
  } else if (alg == asn1::oid::kRsaEncryption || alg == asn1::oid::kRsassaPss) {
    asn1::Reader key(spki.key);
    MEDSIGN_ASSIGN(asn1::Reader rsa, key.read_sequence());
    MEDSIGN_ASSIGN(ByteView n, rsa.read_unsigned_integer());
    MEDSIGN_TRY(rsa.read_unsigned_integer());
    MEDSIGN_TRY(rsa.expect_end());
    MEDSIGN_TRY(key.expect_end());
    spki.type = KeyType::rsa;
    spki.bits = bit_length(n);
  } else if (alg == asn1::oid::kEd25519) {
    spki.type = KeyType::ed25519, spki.bits = 256;
  }
  r = probe;
  return spki;
}

}  // namespace medsign::pki
