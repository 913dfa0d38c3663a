// CRL parsing and verification (openssl ca -gencrl lists, RSA and SM2, and lists built with our
// Writer), and the CrlStore's replacement rules.
#include <gtest/gtest.h>

#include "asn1/der_time.h"
#include "crl_builder.h"
#include "pki/crl_store.h"
#include "pki_world.h"

namespace medsign::pki {
namespace {

using namespace test;
constexpr std::int64_t kDay = 24LL * 3600 * 1000;

// Whole seconds, as X.509 times carry.
std::int64_t secs(std::int64_t ms) { return ms / 1000 * 1000; }

TEST(Crl, ParsesOpensslRsaCrlFieldsAndEntryReason) {
  auto& w = world();
  const Crl crl = w.pki.gencrl("rsa_inter", "parse_rsa");
  const Certificate inter = w.pki.cert("rsa_inter");
  EXPECT_EQ(crl.version(), 2);
  EXPECT_EQ(crl.issuer(), inter.subject());
  ASSERT_TRUE(crl.next_update_ms());
  EXPECT_EQ(*crl.next_update_ms() - crl.this_update_ms(), 7 * kDay);
  ASSERT_TRUE(crl.crl_number());
  EXPECT_GE(compare_magnitudes(*crl.crl_number(), Bytes{0x10, 0x00}), 0);
  ASSERT_TRUE(crl.authority_key_identifier() && crl.authority_key_identifier()->key_id);
  EXPECT_EQ(*crl.authority_key_identifier()->key_id, *inter.subject_key_identifier());
  const Certificate revoked = w.pki.cert("rsa_leaf2");
  const RevokedCertificate* e = crl.find(revoked.serial());
  ASSERT_NE(e, nullptr);
  EXPECT_EQ(e->reason, CrlReason::key_compromise);
  EXPECT_EQ(crl_reason_name(*e->reason), "keyCompromise");
  EXPECT_EQ(crl.find(w.pki.cert("rsa_leaf").serial()), nullptr);
  EXPECT_TRUE(crl.usable());
  auto st = crl.verify(inter);
  EXPECT_TRUE(st.ok()) << st.error().to_string();
  auto wrong = crl.verify(w.pki.cert("rsa_root"));
  ASSERT_FALSE(wrong.ok());
  EXPECT_EQ(wrong.error().code, Errc::invalid_argument);
  // DER and PEM give the same list; PEM text round-trips.
  auto der = Crl::parse(crl.der());
  ASSERT_TRUE(der.ok());
  EXPECT_EQ(der->tbs_der(), crl.tbs_der());
  auto pem = Crl::parse_pem(crl.to_pem());
  ASSERT_TRUE(pem.ok());
  EXPECT_EQ(pem->front().der(), crl.der());
}

TEST(Crl, OpensslSm2CrlWithDistidVerifiesAndCarriesInvalidityDate) {
  auto& w = world();
  const Crl crl = w.pki.gencrl("sm2_root", "parse_sm2");
  EXPECT_EQ(crl.signature_algorithm().oid, asn1::oid::kSm3WithSm2);
  auto st = crl.verify(w.pki.cert("sm2_root"));
  EXPECT_TRUE(st.ok()) << st.error().to_string();
  const RevokedCertificate* e = crl.find(w.pki.cert("sm2_leaf2").serial());
  ASSERT_NE(e, nullptr);
  EXPECT_EQ(e->reason, CrlReason::key_compromise);
  ASSERT_TRUE(e->invalidity_ms);
  EXPECT_EQ(asn1::format_iso8601(*e->invalidity_ms), "2024-01-01T00:00:00Z");
}

TEST(Crl, SignedByTheWrongKeyOrAnIssuerWithoutCrlSignIsRefused) {
  auto& w = world();
  const auto key = sm2_key_from_file(w.pki.path("sm2_root.key"));
  const Certificate inter = w.pki.cert("rsa_inter");
  const Crl forged = build_sm2_crl(inter.subject().der(), key, secs(w.made_ms), secs(w.made_ms) + kDay, {}, false);
  auto st = forged.verify(inter);
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().code, Errc::bad_signature);
  CrlStore store;
  auto added = store.add(forged, inter);
  ASSERT_FALSE(added.ok());
  EXPECT_EQ(added.error().code, Errc::bad_signature);
  EXPECT_EQ(store.size(), 0u);

  const Certificate leaf = w.pki.cert("rsa_leaf");  // keyUsage without cRLSign
  const Crl by_leaf = build_sm2_crl(leaf.subject().der(), key, secs(w.made_ms), secs(w.made_ms) + kDay, {}, false);
  auto ku = by_leaf.verify(leaf);
  ASSERT_FALSE(ku.ok());
  EXPECT_NE(ku.error().detail.find("cRLSign"), std::string::npos);
}

TEST(Crl, OurSm2CrlVerifiesAndUnknownCriticalExtensionsMakeItUnusable) {
  auto& w = world();
  const auto key = sm2_key_from_file(w.pki.path("sm2_root.key"));
  const Certificate root = w.pki.cert("sm2_root");
  const Bytes serial = w.pki.cert("sm2_leaf").serial();
  const Crl good = build_sm2_crl(root.subject().der(), key, secs(w.made_ms), secs(w.made_ms) + kDay, {{serial, secs(w.made_ms), false}}, false);
  EXPECT_TRUE(good.usable());
  EXPECT_TRUE(good.verify(root).ok());
  ASSERT_NE(good.find(serial), nullptr);
  EXPECT_FALSE(good.find(serial)->reason);

  const Crl delta = build_sm2_crl(root.subject().der(), key, secs(w.made_ms), secs(w.made_ms) + kDay, {}, true);
  EXPECT_FALSE(delta.usable());
  ASSERT_EQ(delta.unknown_critical_extensions().size(), 1u);
  EXPECT_EQ(delta.unknown_critical_extensions()[0], "2.5.29.27");
  const Crl entry = build_sm2_crl(root.subject().der(), key, secs(w.made_ms), secs(w.made_ms) + kDay, {{serial, secs(w.made_ms), true}}, false);
  EXPECT_FALSE(entry.usable());
  EXPECT_NE(entry.unknown_critical_extensions()[0].find("1.2.3.4.5"), std::string::npos);
  CrlStore store;
  for (const Crl* c : {&delta, &entry}) {
    auto r = store.add(*c, root);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().code, Errc::invalid_argument);
  }
  EXPECT_EQ(store.generation(), 0u);
}

TEST(Crl, MalformedInputIsBadEncoding) {
  auto& w = world();
  const Crl crl = w.pki.gencrl("ec_root", "malformed");
  for (std::size_t cut : {std::size_t{0}, std::size_t{1}, crl.der().size() / 2, crl.der().size() - 1}) {
    auto r = Crl::parse_der(ByteView(crl.der()).first(cut));
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().code, Errc::bad_encoding);
  }
  Bytes extra = crl.der();
  extra.push_back(0);
  EXPECT_FALSE(Crl::parse_der(extra).ok());
  EXPECT_FALSE(Crl::parse(to_bytes("-----BEGIN CERTIFICATE-----\nAA==\n-----END CERTIFICATE-----\n")).ok());
}

TEST(CrlStore, KeepsTheNewestNumberAndBumpsGenerationOnEveryChange) {
  auto& w = world();
  const auto key = sm2_key_from_file(w.pki.path("sm2_root.key"));
  const Certificate root = w.pki.cert("sm2_root");
  const Crl v7 = build_sm2_crl(root.subject().der(), key, secs(w.made_ms), secs(w.made_ms) + kDay, {}, false, 7);
  const Crl v6 = build_sm2_crl(root.subject().der(), key, secs(w.made_ms) + 1000, secs(w.made_ms) + kDay, {}, false, 6);
  const Crl v300 = build_sm2_crl(root.subject().der(), key, secs(w.made_ms), secs(w.made_ms) + kDay, {}, false, 300);
  CrlStore store;
  EXPECT_EQ(*store.add(v7, root), CrlStore::AddOutcome::added);
  EXPECT_EQ(store.generation(), 1u);
  EXPECT_EQ(*store.add(v6, root), CrlStore::AddOutcome::kept_newer);
  EXPECT_EQ(*store.add(v7, root), CrlStore::AddOutcome::kept_newer);
  EXPECT_EQ(store.generation(), 1u);
  EXPECT_EQ(*store.add(v300, root), CrlStore::AddOutcome::replaced);
  EXPECT_EQ(store.generation(), 2u);
  auto found = store.find(root);
  ASSERT_NE(found, nullptr);
  EXPECT_EQ(*found->crl.crl_number(), (Bytes{0x01, 0x2c}));
  EXPECT_EQ(store.find(w.pki.cert("rsa_root")), nullptr);
  EXPECT_TRUE(store.remove(root));
  EXPECT_EQ(store.generation(), 3u);
  EXPECT_EQ(store.size(), 0u);
}

}  // namespace
}  // namespace medsign::pki
