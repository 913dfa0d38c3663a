// SESeal and SES_Signature in both layouts: round trips, tampering, certificate lists, validity, and the
// lenient readings (hand-built DER).
#include <algorithm>
#include <cstdlib>
#include <filesystem>

#include <gtest/gtest.h>

#include "asn1/oids.h"
#include "asn1/writer.h"
#include "common/clock.h"
#include "crypto/soft/keystore.h"
#include "seal_fixture.h"

namespace medsign::seal {
namespace {
using testing::parties;
using testing::sample_info;

std::int64_t now() { return unix_millis(); }

Seal make(int version, std::vector<Bytes> certs) {
  const auto& p = parties();
  auto s = make_seal(sample_info(now(), std::move(certs)), version, p.maker.cert, p.maker.signer);
  EXPECT_TRUE(s.ok()) << (s ? "" : s.error().to_string());
  return std::move(s).value();
}

// Flips one byte of the first occurrence of `needle` in the DER.
Bytes flip_in(Bytes der, ByteView needle) {
  auto it = std::search(der.begin(), der.end(), needle.begin(), needle.end());
  EXPECT_NE(it, der.end());
  if (it != der.end()) *(it + needle.size() / 2) ^= 0x01;
  return der;
}

class SealVersions : public ::testing::TestWithParam<int> {};

TEST_P(SealVersions, MadeSealDecodesToTheSameFieldsAndReencodesIdentically) {
  const auto& p = parties();
  Seal s = make(GetParam(), {p.sm2_signer.cert.der(), p.rsa_signer.cert.der()});
  ASSERT_EQ(detect_seal_version(s.der).value(), GetParam());
  auto d = decode_seal(s.der);
  ASSERT_TRUE(d.ok()) << d.error().to_string();
  EXPECT_EQ(d->version, GetParam());
  EXPECT_EQ(d->info.header.id, "ES");
  EXPECT_EQ(d->info.header.version, GetParam());
  EXPECT_EQ(d->info.es_id, "seal-test-0001");
  EXPECT_EQ(d->info.property.name, "示范医院公章");
  EXPECT_EQ(d->info.property.certs.size(), 2u);
  EXPECT_EQ(d->info.property.valid_end_ms, s.info.property.valid_end_ms);
  EXPECT_EQ(d->info.picture.data, s.info.picture.data);
  EXPECT_EQ(d->maker_cert, p.maker.cert.der());
  EXPECT_EQ(d->sign_alg, asn1::oid::kSm3WithSm2);
  EXPECT_EQ(encode_seal(*d).value(), s.der);
  auto r = verify_seal(*d, now());
  ASSERT_TRUE(r.ok()) << r.error().to_string();
  EXPECT_EQ(r->reading, MakerReading::sequence);
}

TEST_P(SealVersions, FlippedPictureNameOrValidityBreaksTheMakerSignature) {
  const auto& p = parties();
  Seal s = make(GetParam(), {p.sm2_signer.cert.der()});
  std::string name = "示范医院公章";
  Bytes end_time;
  {
    asn1::Writer w;
    if (GetParam() == kVersion2014) w.add_utc_time(s.info.property.valid_end_ms);
    else w.add_generalized_time(s.info.property.valid_end_ms);
    end_time = std::move(w).finish().value();
  }
  for (const Bytes& needle : {s.info.picture.data, to_bytes(name), end_time}) {
    Bytes bad = flip_in(s.der, needle);
    auto d = decode_seal(bad);
    if (!d) {  // a flipped time digit may not be a time any more: a specific decode error then
      EXPECT_EQ(d.error().code, Errc::seal_malformed);
      continue;
    }
    auto r = verify_seal(*d, now());
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().code, Errc::seal_maker_signature_invalid) << r.error().to_string();
  }
}

TEST_P(SealVersions, SealOutsideItsValidityIsExpiredOrNotYetValid) {
  const auto& p = parties();
  Seal s = make(GetParam(), {p.sm2_signer.cert.der()});
  EXPECT_EQ(verify_seal(s, s.info.property.valid_end_ms + 1000).error().code, Errc::seal_expired);
  EXPECT_EQ(verify_seal(s, s.info.property.valid_start_ms - 1000).error().code, Errc::seal_not_yet_valid);
}

TEST_P(SealVersions, SignatureRoundTripsAndVerifiesAllSteps) {
  const auto& p = parties();
  Seal s = make(GetParam(), {p.sm2_signer.cert.der()});
  Bytes hash = crypto::hash(crypto::HashAlg::sm3, as_bytes("the document"));
  SignatureRequest req{hash, "/Doc_0/Signs/Sign_0/Signature.xml", now() / 1000 * 1000, {}};
  auto sig = sign_with_seal(s, req, p.sm2_signer.cert, p.sm2_signer.signer);
  ASSERT_TRUE(sig.ok()) << sig.error().to_string();
  EXPECT_EQ(detect_signature_version(sig->der).value(), GetParam());
  auto d = decode_signature(sig->der);
  ASSERT_TRUE(d.ok()) << d.error().to_string();
  EXPECT_EQ(d->tbs_version, GetParam());
  EXPECT_EQ(d->eseal.der, s.der);
  ASSERT_TRUE(d->time_ms.has_value());
  EXPECT_EQ(*d->time_ms, req.time_ms);
  EXPECT_EQ(d->data_hash, hash);
  EXPECT_EQ(d->property_info, req.property_info);
  EXPECT_EQ(d->cert, p.sm2_signer.cert.der());
  EXPECT_EQ(encode_signature(*d).value(), sig->der);

  SignatureCheck check;
  check.document_hash = hash;
  auto r = verify_signature(*d, check);
  ASSERT_TRUE(r.ok()) << r.error().to_string();
  EXPECT_TRUE(r->hash_checked);
  EXPECT_FALSE(r->time_from_timestamp);

  check.document_hash = crypto::hash(crypto::HashAlg::sm3, as_bytes("another document"));
  EXPECT_EQ(verify_signature(*d, check).error().code, Errc::seal_data_hash_mismatch);

  Bytes tampered = flip_in(sig->der, as_bytes("Signature.xml"));
  EXPECT_EQ(verify_signature(decode_signature(tampered).value(), {}).error().code, Errc::bad_signature);
}

TEST_P(SealVersions, SignerNotInTheCertListIsRefused) {
  const auto& p = parties();
  Seal s = make(GetParam(), {p.sm2_signer.cert.der()});
  Bytes hash(32, 7);
  SignatureRequest req{hash, "x", now(), {}};
  EXPECT_EQ(sign_with_seal(s, req, p.other.cert, p.other.signer).error().code, Errc::seal_signer_not_listed);
  // A signature made without sign_with_seal's check is refused by verification step (2).
  Signature forged = sign_with_seal(s, req, p.sm2_signer.cert, p.sm2_signer.signer).value();
  forged.cert = p.other.cert.der();
  forged.tbs_der = encode_tbs(forged).value();
  forged.signature = p.other.signer.sign(forged.tbs_der).value();
  forged.der = encode_signature(forged).value();
  auto r = verify_signature(decode_signature(forged.der).value(), {});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, Errc::seal_signer_not_listed);
}

TEST_P(SealVersions, SignatureAfterTheSealExpiredFailsStepThree) {
  const auto& p = parties();
  Seal s = make(GetParam(), {p.sm2_signer.cert.der()});
  const Bytes hash(32, 1);
  SignatureRequest req{hash, "x", s.info.property.valid_end_ms + 60'000, {}};
  auto sig = sign_with_seal(s, req, p.sm2_signer.cert, p.sm2_signer.signer).value();
  EXPECT_EQ(verify_signature(sig, {}).error().code, Errc::seal_expired);
}

INSTANTIATE_TEST_SUITE_P(Both, SealVersions, ::testing::Values(kVersion2014, kVersion38540),
                         [](const auto& i) { return i.param == 2 ? std::string("v2") : std::string("v4"); });

TEST(SealV4, CertificateDigestListAdmitsTheListedSignerOnly) {
  const auto& p = parties();
  SealInfo info = sample_info(now(), {});
  info.property.cert_list_type = 2;
  info.property.cert_digests = {cert_digest(p.sm2_signer.cert.der(), "sm3").value(),
                                cert_digest(p.rsa_signer.cert.der(), "sha256").value()};
  Seal s = make_seal(info, kVersion38540, p.maker.cert, p.maker.signer).value();
  Seal d = decode_seal(s.der).value();
  EXPECT_EQ(d.info.property.cert_list_type, 2);
  ASSERT_EQ(d.info.property.cert_digests.size(), 2u);
  EXPECT_EQ(d.info.property.cert_digests[1].type, "sha256");
  EXPECT_TRUE(seal_lists_certificate(d, p.sm2_signer.cert.der()));
  EXPECT_TRUE(seal_lists_certificate(d, p.rsa_signer.cert.der()));
  EXPECT_FALSE(seal_lists_certificate(d, p.other.cert.der()));
  const Bytes hash(32, 9);
  SignatureRequest req{hash, "x", now(), {}};
  for (const auto* who : {&p.sm2_signer, &p.rsa_signer}) {
    auto sig = sign_with_seal(d, req, who->cert, who->signer);
    ASSERT_TRUE(sig.ok()) << sig.error().to_string();
    auto r = verify_signature(decode_signature(sig->der).value(), {});
    EXPECT_TRUE(r.ok()) << r.error().to_string();
  }
  EXPECT_EQ(sign_with_seal(d, req, p.other.cert, p.other.signer).error().code, Errc::seal_signer_not_listed);
}

TEST(SealV4, MakerSignatureOverSealInfoAloneIsAcceptedAndReported) {
  const auto& p = parties();
  Seal s = make(kVersion38540, {p.sm2_signer.cert.der()});
  s.signature = p.maker.signer.sign(s.info_der).value();
  Bytes der = encode_seal(s).value();
  auto r = verify_seal(decode_seal(der).value(), now());
  ASSERT_TRUE(r.ok()) << r.error().to_string();
  EXPECT_EQ(r->reading, MakerReading::seal_info_only);
  // The 2014 text is unambiguous: its seals never accept that reading.
  Seal v2 = make(kVersion2014, {p.sm2_signer.cert.der()});
  v2.signature = p.maker.signer.sign(v2.info_der).value();
  EXPECT_EQ(verify_seal(decode_seal(encode_seal(v2).value()).value(), now()).error().code,
            Errc::seal_maker_signature_invalid);
}

// SES_Signature v4 with an extra last element, built by hand.
Bytes with_last_element(const Signature& s, const std::function<void(asn1::Writer&)>& last) {
  asn1::Writer w;
  w.add_sequence([&](asn1::Writer& seq) {
    seq.add_raw(s.tbs_der);
    seq.add_octet_string(s.cert);
    seq.add_oid(s.sign_alg);
    seq.add_bit_string(s.signature);
    last(seq);
  });
  return std::move(w).finish().value();
}

TEST(SealV4, TimeStampIsReadTaggedOrUntaggedAndAGarbageTokenFailsStepSix) {
  const auto& p = parties();
  Seal s = make(kVersion38540, {p.sm2_signer.cert.der()});
  Signature sig = sign_with_seal(s, {Bytes(32, 3), "x", now(), {}}, p.sm2_signer.cert, p.sm2_signer.signer).value();
  const Bytes token = {0x30, 0x03, 0x02, 0x01, 0x00};
  ASSERT_TRUE(attach_timestamp(sig, token).ok());
  auto tagged = decode_signature(sig.der).value();
  ASSERT_TRUE(tagged.timestamp.has_value());
  EXPECT_EQ(*tagged.timestamp, token);
  EXPECT_FALSE(tagged.timestamp_untagged);
  Bytes untagged_der = with_last_element(sig, [&](asn1::Writer& w) { w.add_bit_string(token); });
  auto untagged = decode_signature(untagged_der);
  ASSERT_TRUE(untagged.ok()) << untagged.error().to_string();
  EXPECT_TRUE(untagged->timestamp_untagged);
  EXPECT_EQ(*untagged->timestamp, token);
  EXPECT_EQ(detect_signature_version(untagged_der).value(), kVersion38540);
  auto r = verify_signature(*untagged, {});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, Errc::seal_timestamp_invalid);
  // Something else in the last position is not a timestamp.
  Bytes odd = with_last_element(sig, [&](asn1::Writer& w) { w.add_int64(5); });
  EXPECT_EQ(decode_signature(odd).error().code, Errc::seal_signature_malformed);
}

TEST(SealV2, TimeInfoAsDerTimeOrTextGivesTheTimeAndATokenDoesNot) {
  const auto& p = parties();
  Seal s = make(kVersion2014, {p.sm2_signer.cert.der()});
  Signature sig = sign_with_seal(s, {Bytes(32, 3), "x", 1'700'000'000'000, {}}, p.sm2_signer.cert,
                                 p.sm2_signer.signer).value();
  EXPECT_EQ(as_chars(sig.time_info.empty() ? decode_signature(sig.der)->time_info : sig.time_info),
            "20231114221320Z");
  for (Bytes info : {Bytes{0x17, 0x0d, '2', '3', '1', '1', '1', '4', '2', '2', '1', '3', '2', '0', 'Z'},
                     to_bytes("231114221320Z"), Bytes{0x30, 0x00}}) {
    Signature v = sig;
    v.time_info = info;
    v.tbs_der = encode_tbs(v).value();
    v.signature = p.sm2_signer.signer.sign(v.tbs_der).value();
    v.der = encode_signature(v).value();
    auto d = decode_signature(v.der).value();
    if (info[0] == 0x30) {
      EXPECT_FALSE(d.time_ms.has_value());
    } else {
      ASSERT_TRUE(d.time_ms.has_value());
      EXPECT_EQ(*d.time_ms, 1'700'000'000'000);
    }
  }
}

TEST(SealDecode, MalformedInputGetsSpecificErrors) {
  const auto& p = parties();
  Seal s = make(kVersion38540, {p.sm2_signer.cert.der()});
  for (std::size_t cut : {std::size_t{0}, std::size_t{1}, std::size_t{5}, s.der.size() / 2, s.der.size() - 1}) {
    auto d = decode_seal(ByteView(s.der).first(cut));
    ASSERT_FALSE(d.ok());
    EXPECT_EQ(d.error().code, Errc::seal_malformed) << cut;
    auto g = decode_signature(ByteView(s.der).first(cut));
    ASSERT_FALSE(g.ok());
    EXPECT_EQ(g.error().code, Errc::seal_signature_malformed) << cut;
  }
  // Three elements: neither layout.
  asn1::Writer w;
  w.add_sequence([](asn1::Writer& q) { q.add_int64(1).add_int64(2).add_int64(3); });
  auto three = decode_seal(std::move(w).finish().value());
  EXPECT_EQ(three.error().code, Errc::seal_malformed);
  EXPECT_NE(three.error().detail.find("found 3"), std::string::npos);
  // A seal is not a signature.
  EXPECT_EQ(decode_signature(s.der).error().code, Errc::seal_signature_malformed);
  // Header version 5 in the 4-element layout.
  Seal v5 = s;
  v5.info.header.version = 5;
  auto d5 = decode_seal(encode_seal(v5).value());
  ASSERT_FALSE(d5.ok());
  EXPECT_NE(d5.error().detail.find("GM/T 0031-2025"), std::string::npos);
  // Header id other than ES.
  Seal xx = s;
  xx.info.header.id = "XX";
  EXPECT_EQ(decode_seal(encode_seal(xx).value()).error().code, Errc::seal_malformed);
}

TEST(SealMake, RefusesAMakerKeyThatIsNotTheCertificates) {
  const auto& p = parties();
  auto s = make_seal(sample_info(now(), {p.sm2_signer.cert.der()}), kVersion38540, p.maker.cert, p.other.signer);
  EXPECT_EQ(s.error().code, Errc::invalid_argument);
  auto none = make_seal(sample_info(now(), {}), kVersion38540, p.maker.cert, p.maker.signer);
  EXPECT_EQ(none.error().code, Errc::invalid_argument);
}

// The seed corpus of fuzz_seal (tests/fuzz/corpus/seal): seal_* decode as SESeal, sig_* as SES_Signature,
// bad_* as neither. With MEDSIGN_TEST_SEAL_SEEDS=1 the seeds are written afresh first.
TEST(SealCorpus, SeedFilesDecodeAsTheirNamesSay) {
  namespace fs = std::filesystem;
  const fs::path dir = fs::path(MEDSIGN_SOURCE_DIR) / "tests" / "fuzz" / "corpus" / "seal";
  if (std::getenv("MEDSIGN_TEST_SEAL_SEEDS")) {
    const auto& p = parties();
    fs::create_directories(dir);
    for (int v : {kVersion2014, kVersion38540}) {
      std::string tag = v == 2 ? "v2" : "v4";
      Seal s = make(v, {p.sm2_signer.cert.der()});
      ASSERT_TRUE(crypto::write_file_atomic(dir / ("seal_" + tag + ".der"), s.der, 0644).ok());
      auto sig = sign_with_seal(s, {Bytes(32, 5), "/Doc_0/Signs/Sign_0/Signature.xml", now(), {}}, p.sm2_signer.cert,
                                p.sm2_signer.signer).value();
      if (v == kVersion38540) {
        ASSERT_TRUE(attach_timestamp(sig, Bytes{0x30, 0x03, 0x02, 0x01, 0x00}).ok());
      }
      ASSERT_TRUE(crypto::write_file_atomic(dir / ("sig_" + tag + ".der"), sig.der, 0644).ok());
    }
    SealInfo info = sample_info(now(), {});
    info.property.cert_list_type = 2;
    info.property.cert_digests = {cert_digest(p.sm2_signer.cert.der()).value()};
    Seal d = make_seal(info, kVersion38540, p.maker.cert, p.maker.signer).value();
    ASSERT_TRUE(crypto::write_file_atomic(dir / "seal_v4_digests.der", d.der, 0644).ok());
    ASSERT_TRUE(crypto::write_file_atomic(dir / "bad_truncated.der", ByteView(d.der).first(d.der.size() / 2), 0644).ok());
  }
  int seen = 0;
  for (const auto& e : fs::directory_iterator(dir)) {
    const std::string name = e.path().filename().string();
    Bytes b = crypto::read_file(e.path()).value();
    ++seen;
    if (name.rfind("seal_", 0) == 0) {
      EXPECT_TRUE(decode_seal(b).ok()) << name;
    } else if (name.rfind("sig_", 0) == 0) {
      EXPECT_TRUE(decode_signature(b).ok()) << name;
    } else {
      EXPECT_EQ(decode_seal(b).error().code, Errc::seal_malformed) << name;
      EXPECT_EQ(decode_signature(b).error().code, Errc::seal_signature_malformed) << name;
    }
  }
  EXPECT_GE(seen, 6);
}

}  // namespace
}  // namespace medsign::seal
