// SealService over a freshly initialised data dir: the demo seals of `medsign init`, for_signing (state,
// validity, grants, server-held key) and the lifecycle rules.
#include <filesystem>

#include <gtest/gtest.h>

#include "common/clock.h"
#include "seal/sign.h"
#include "services/platform.h"
#include "services/seal_service.h"

namespace medsign::services {
namespace {
namespace fs = std::filesystem;

class SealServiceTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new fs::path(fs::temp_directory_path() / ("medsign-seal-svc-" + std::to_string(::getpid())));
    fs::remove_all(*dir_);
    ASSERT_TRUE(init_data_dir(*dir_).ok());
    platform_ = Platform::open(*dir_).value().release();
    svc_ = SealService::open(platform_->keys, *platform_->db, platform_->audit.get()).value().release();
  }
  static void TearDownTestSuite() {
    delete svc_;
    delete platform_;
    fs::remove_all(*dir_);
    delete dir_;
  }
  static SealRecord demo(const std::string& key) {
    SealQuery q;
    q.state = SealState::active;
    auto seals = svc_->list(q);
    if (!seals) ADD_FAILURE() << seals.error().to_string();
    for (auto& s : seals.value_or({}))
      if (!s.certificates.empty() && s.certificates[0].key_name == key) return s;
    ADD_FAILURE() << "no demo seal for " << key;
    return {};
  }
  static std::string cert_pem(const std::string& key) { return platform_->keys.certificate(key).value(); }

  static inline fs::path* dir_ = nullptr;
  static inline Platform* platform_ = nullptr;
  static inline SealService* svc_ = nullptr;
  const Actor op_{"op", Role::operator_, "test"};
};

TEST_F(SealServiceTest, InitMadeTwoActiveDemoSealsThatVerify) {
  for (const char* key : {"sm2-sign", "rsa-sign"}) {
    SealRecord s = demo(key);
    ASSERT_FALSE(s.id.empty()) << key;
    EXPECT_EQ(s.owner, "MedSign 示范医院");
    EXPECT_EQ(s.type, 1);
    auto full = svc_->get(s.id).value();
    auto decoded = seal::decode_seal(full.eseal);
    ASSERT_TRUE(decoded.ok()) << decoded.error().to_string();
    EXPECT_EQ(decoded->info.property.certs.at(0), full.certificates.at(0).certificate.der());
    // Structure maker-signed with SM2 even for the RSA-bound seal.
    EXPECT_EQ(pki::Certificate::parse_der(decoded->maker_cert)->key_type(), pki::KeyType::sm2);
    auto v = seal::verify_seal(*decoded, unix_millis());
    EXPECT_TRUE(v.ok()) << v.error().to_string();
    EXPECT_EQ(full.picture.at(1), 'P');
  }
}

TEST_F(SealServiceTest, ForSigningGivesMaterialToOperatorsAndGranteesOnly) {
  SealRecord s = demo("sm2-sign");
  auto m = svc_->for_signing(s.id, op_, unix_millis());
  ASSERT_TRUE(m.ok()) << m.error().to_string();
  EXPECT_EQ(m->key_name, "sm2-sign");
  EXPECT_EQ(m->seal_id, s.id);
  EXPECT_FALSE(m->chain.empty());
  EXPECT_EQ(m->eseal_version, 4);
  EXPECT_EQ(seal::decode_seal(m->eseal)->info.es_id, s.id);
  EXPECT_EQ(m->picture_type, "PNG");

  ASSERT_TRUE(platform_->accounts->create(nullptr, NewAccount{"doc1", "Doctor", Role::auditor, "Pw-very-long-123!",
                                                              cert_pem("sm2-sign")}).ok());
  const Actor doc{"doc1", Role::auditor, "test"};
  EXPECT_EQ(svc_->for_signing(s.id, doc, unix_millis()).error().code, Errc::seal_not_granted);
  auto user = svc_->add_user({"doc1", "Dr. One", ""}, op_, unix_millis());
  ASSERT_TRUE(user.ok()) << user.error().to_string();
  ASSERT_TRUE(svc_->grant(s.id, user->id, op_, unix_millis()).ok());
  EXPECT_TRUE(svc_->for_signing(s.id, doc, unix_millis()).ok());
  // A grant on one seal does not open another.
  EXPECT_EQ(svc_->for_signing(demo("rsa-sign").id, doc, unix_millis()).error().code, Errc::seal_not_granted);
  ASSERT_TRUE(svc_->ungrant(s.id, user->id, op_).ok());
  EXPECT_EQ(svc_->for_signing(s.id, doc, unix_millis()).error().code, Errc::seal_not_granted);
  EXPECT_EQ(svc_->add_user({"nobody-here", "", ""}, op_, unix_millis()).error().code, Errc::not_found);
}

TEST_F(SealServiceTest, LifecycleRulesAndForSigningRefusals) {
  NewSeal spec;
  spec.name = "测试专用章";
  spec.owner = "MedSign 示范医院";
  image::SealOptions o;
  o.name = spec.owner;
  o.text = "测试专用章";
  o.dpi = 150;
  spec.render = o;
  spec.key_names = {"rsa-sign"};
  spec.version = 2;
  auto s = svc_->make(spec, op_, unix_millis());
  ASSERT_TRUE(s.ok()) << s.error().to_string();
  EXPECT_EQ(s->state, SealState::made);
  EXPECT_EQ(svc_->for_signing(s->id, op_, unix_millis()).error().code, Errc::seal_state_invalid);
  EXPECT_EQ(svc_->resume(s->id, op_).error().code, Errc::seal_state_invalid);
  ASSERT_TRUE(svc_->activate(s->id, op_).ok());
  EXPECT_EQ(svc_->suspend(s->id, "", op_).error().code, Errc::missing_field);
  ASSERT_TRUE(svc_->suspend(s->id, "stamp lost", op_).ok());
  EXPECT_EQ(svc_->for_signing(s->id, op_, unix_millis()).error().code, Errc::seal_state_invalid);
  ASSERT_TRUE(svc_->resume(s->id, op_).ok());
  EXPECT_TRUE(svc_->for_signing(s->id, op_, unix_millis()).ok());
  auto revoked = svc_->revoke(s->id, "department closed", op_);
  ASSERT_TRUE(revoked.ok());
  EXPECT_EQ(revoked->state_reason, "department closed");
  auto again = svc_->resume(s->id, op_);
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.error().code, Errc::seal_state_invalid);
  EXPECT_NE(again.error().detail.find("final"), std::string::npos);
  EXPECT_EQ(svc_->activate(s->id, op_).error().code, Errc::seal_state_invalid);
  EXPECT_EQ(svc_->suspend("seal-none", "x", op_).error().code, Errc::not_found);
  auto audited = platform_->db->query("SELECT COUNT(*) FROM audit_log WHERE target = ? AND action LIKE 'seal.%'", {s->id});
  // make, resume (refused), activate, suspend, resume, revoke, resume (refused), activate (refused)
  EXPECT_EQ(audited->at(0).int64(0), 8);
}

TEST_F(SealServiceTest, UserHeldSealHasNoServerKeyAndExpiredSealIsRefused) {
  NewSeal spec;
  spec.name = "张三";
  spec.type = 2;
  spec.owner = "张三";
  image::SealOptions o;
  o.kind = image::SealKind::name;
  o.name = "张三";
  o.dpi = 150;
  spec.render = o;
  spec.certificates_pem = {cert_pem("sm2-sign")};
  spec.activate = true;
  auto s = svc_->make(spec, op_, unix_millis());
  ASSERT_TRUE(s.ok()) << s.error().to_string();
  auto m = svc_->for_signing(s->id, op_, unix_millis());
  ASSERT_FALSE(m.ok());
  EXPECT_EQ(m.error().code, Errc::invalid_argument);
  EXPECT_NE(m.error().detail.find("has no server-held key"), std::string::npos);

  spec.certificates_pem.clear();
  spec.key_names = {"sm2-sign"};
  spec.valid_start_ms = unix_millis() - 10 * 86400'000LL;
  spec.valid_end_ms = unix_millis() - 86400'000LL;
  auto old = svc_->make(spec, op_, unix_millis());
  ASSERT_TRUE(old.ok()) << old.error().to_string();
  EXPECT_EQ(svc_->for_signing(old->id, op_, unix_millis()).error().code, Errc::seal_expired);
  EXPECT_EQ(svc_->make(NewSeal{}, op_, unix_millis()).error().code, Errc::missing_field);
  spec.key_names = {"no-such-key"};
  EXPECT_EQ(svc_->make(spec, op_, unix_millis()).error().code, Errc::key_not_found);
  spec.key_names = {"sm2-sign"};
  spec.render.reset();
  spec.picture_png = {1, 2, 3};
  EXPECT_EQ(svc_->make(spec, op_, unix_millis()).error().code, Errc::image_malformed);
}

}  // namespace
}  // namespace medsign::services
