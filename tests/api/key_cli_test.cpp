// `medsign key gen|list|export-pub|sign|verify|encrypt|decrypt` as an operator runs them, against the soft
// provider of a data dir, the sdf provider loading libmedsign-softsdf.so, and the pkcs11 provider on a
// SoftHSM2 token. Signatures are also checked with the openssl CLI.
#include <fstream>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "harness.h"

namespace medsign::test {
namespace {
namespace fs = std::filesystem;

const std::string kBin = MEDSIGN_BINARY;
const std::string kSoftsdf = (fs::path(MEDSIGN_BINARY).parent_path().parent_path() / "lib" / "libmedsign-softsdf.so").string();
constexpr const char* kSoftHsm = "/usr/lib/softhsm/libsofthsm2.so";

class KeyCliTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = make_temp_dir("keycli");
    std::ofstream(dir_ / "msg") << "prescription 2026-001: amoxicillin 500 mg";
  }
  void TearDown() override {
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }
  int key(const std::string& args, std::string* out = nullptr) { return run_command(env_ + kBin + " key " + args, out); }
  std::string path(const std::string& name) const { return (dir_ / name).string(); }
  fs::path dir_;
  std::string env_;
};

TEST_F(KeyCliTest, SoftProviderKeyLifecycleInAnInitialisedDataDir) {
  prepare_database_env();
  std::string out;
  ASSERT_EQ(run_command(kBin + " init --data " + path("data"), &out), 0) << out;
  const std::string data = " --data " + path("data");
  ASSERT_EQ(key("gen --alg sm2 --label discharge --password pw-1 --json" + data, &out), 0) << out;
  auto j = nlohmann::json::parse(out);
  EXPECT_EQ(j["algorithm"], "sm2");
  EXPECT_EQ(j["label"], "discharge");
  const int index = j["index"];
  ASSERT_EQ(key("gen --alg rsa-2048 --label lab" + data, &out), 0) << out;
  ASSERT_EQ(key("list --json" + data, &out), 0) << out;
  EXPECT_EQ(nlohmann::json::parse(out)["keys"].size(), 2u);

  // Sign, verify inside, verify with openssl.
  ASSERT_EQ(key("sign --label discharge --password pw-1 --in " + path("msg") + " --out " + path("sig") + data, &out), 0) << out;
  ASSERT_EQ(key("verify --label discharge --in " + path("msg") + " --sig " + path("sig") + data, &out), 0) << out;
  EXPECT_NE(out.find("signature OK"), std::string::npos);
  ASSERT_EQ(key("export-pub --index " + std::to_string(index) + " --out " + path("pub.pem") + data, &out), 0) << out;
  ASSERT_EQ(run_command("openssl dgst -sm3 -sigopt distid:1234567812345678 -verify " + path("pub.pem") + " -signature " +
                            path("sig") + " " + path("msg"), &out), 0) << out;
  // External verification with the exported key; an altered message fails.
  std::ofstream(dir_ / "msg2") << "prescription 2026-001: amoxicillin 5000 mg";
  EXPECT_EQ(key("verify --pub " + path("pub.pem") + " --in " + path("msg2") + " --sig " + path("sig") + data, &out), 1);
  EXPECT_NE(out.find("error:"), std::string::npos) << out;

  // A wrong password is refused; no password means no access to a protected key.
  EXPECT_EQ(key("sign --label discharge --password nope --in " + path("msg") + data, &out), 1);
  EXPECT_NE(out.find("wrong access password"), std::string::npos) << out;
  EXPECT_EQ(key("sign --label discharge --in " + path("msg") + data, &out), 1);
  EXPECT_NE(out.find("wrong access password"), std::string::npos) << out;

  // Encrypt / decrypt (SM2 and RSA-OAEP), and a tampered ciphertext.
  for (std::string label : {"discharge", "lab"}) {
    std::string pw = label == "discharge" ? " --password pw-1" : "";
    ASSERT_EQ(key("encrypt --label " + label + " --in " + path("msg") + " --out " + path("ct") + data, &out), 0) << out;
    ASSERT_EQ(key("decrypt --label " + label + pw + " --in " + path("ct") + " --out " + path("pt") + data, &out), 0) << out;
    std::ifstream pt(dir_ / "pt");
    std::string text((std::istreambuf_iterator<char>(pt)), {});
    EXPECT_EQ(text, "prescription 2026-001: amoxicillin 500 mg");
    {
      std::fstream ct(dir_ / "ct", std::ios::in | std::ios::out | std::ios::binary);
      ct.seekg(-1, std::ios::end);
      char c = static_cast<char>(ct.get());
      ct.seekp(-1, std::ios::end);
      ct.put(static_cast<char>(c ^ 1));
    }
    EXPECT_EQ(key("decrypt --label " + label + pw + " --in " + path("ct") + data, &out), 1);
    EXPECT_NE(out.find("error:"), std::string::npos) << out;
  }
  EXPECT_EQ(key("export-pub --index 99" + data, &out), 1);
  EXPECT_NE(out.find("no key at index 99"), std::string::npos) << out;

  // Generation is audited (SQLite data dirs: read the log directly).
  if (fs::exists(dir_ / "data" / "medsign.db")) {
    ASSERT_EQ(run_command("sqlite3 " + path("data/medsign.db") +
                              " \"select count(*) from audit_log where action = 'key.generate' and result = 'success'\"",
                          &out),
              0)
        << out;
    EXPECT_EQ(out, "2\n");
  }
}

TEST_F(KeyCliTest, SdfProviderDrivesLibmedsignSoftsdf) {
  ASSERT_TRUE(fs::exists(kSoftsdf)) << kSoftsdf;
  env_ = "MEDSIGN_SOFTSDF_DIR=" + path("card") + " ";
  const std::string sdf = " --provider sdf --library " + kSoftsdf;
  std::string out;
  ASSERT_EQ(key("gen --alg sm2 --index 3 --password 12345678" + sdf, &out), 0) << out;
  ASSERT_EQ(key("gen --alg rsa-2048 --index 4" + sdf, &out), 0) << out;
  EXPECT_EQ(key("gen --alg ecdsa-p256" + sdf, &out), 1);
  ASSERT_EQ(key("list" + sdf, &out), 0) << out;
  EXPECT_NE(out.find("3\tsm2"), std::string::npos) << out;
  EXPECT_NE(out.find("4\trsa-2048"), std::string::npos) << out;
  for (std::string idx : {"3", "4"}) {
    std::string pw = idx == "3" ? " --password 12345678" : "";
    ASSERT_EQ(key("sign --index " + idx + pw + " --in " + path("msg") + " --out " + path("sig") + sdf, &out), 0) << out;
    ASSERT_EQ(key("export-pub --index " + idx + " --out " + path("pub.pem") + sdf, &out), 0) << out;
    std::string opts = idx == "3" ? "-sm3 -sigopt distid:1234567812345678" : "-sha256 -sigopt rsa_padding_mode:pss -sigopt rsa_pss_saltlen:32";
    ASSERT_EQ(run_command("openssl dgst " + opts + " -verify " + path("pub.pem") + " -signature " + path("sig") + " " +
                              path("msg"), &out), 0) << out;
    ASSERT_EQ(key("encrypt --index " + idx + " --in " + path("msg") + " --out " + path("ct") + sdf, &out), 0) << out;
    ASSERT_EQ(key("decrypt --index " + idx + pw + " --in " + path("ct") + sdf, &out), 0) << out;
    EXPECT_EQ(out, "prescription 2026-001: amoxicillin 500 mg");
  }
  // The device's own error code reaches the operator.
  EXPECT_EQ(key("sign --index 3 --password 0000 --in " + path("msg") + sdf, &out), 1);
  EXPECT_NE(out.find("SDF_GetPrivateKeyAccessRight: SDR_PRKRERR (0x01000018)"), std::string::npos) << out;
  EXPECT_EQ(key("export-pub --index 9" + sdf, &out), 1);
  EXPECT_NE(out.find("SDR_KEYNOTEXIST"), std::string::npos) << out;
  // A library that is missing, or is no SDF library.
  EXPECT_EQ(key("list --provider sdf --library " + path("nope.so"), &out), 1);
  EXPECT_NE(out.find("cannot load " + path("nope.so")), std::string::npos) << out;
  EXPECT_EQ(key("list --provider sdf --library libz.so.1", &out), 1);
  EXPECT_NE(out.find("has no SDF_OpenDevice"), std::string::npos) << out;
}

TEST_F(KeyCliTest, Pkcs11ProviderOnASoftHsmToken) {
  if (!fs::exists(kSoftHsm)) GTEST_SKIP() << "SoftHSM2 is not installed (Debian package softhsm2)";
  fs::create_directories(dir_ / "tokens");
  std::ofstream(dir_ / "softhsm2.conf") << "directories.tokendir = " << path("tokens")
                                        << "\nobjectstore.backend = file\nlog.level = ERROR\n";
  env_ = "SOFTHSM2_CONF=" + path("softhsm2.conf") + " ";
  std::string out;
  ASSERT_EQ(run_command(env_ + "softhsm2-util --init-token --free --label ward --pin 4321 --so-pin 87654321", &out), 0) << out;
  const std::string p11 = std::string(" --provider pkcs11 --library ") + kSoftHsm + " --token ward --pin 4321";
  ASSERT_EQ(key("gen --alg ecdsa-p256 --label nurse-station --json" + p11, &out), 0) << out;
  EXPECT_EQ(nlohmann::json::parse(out)["index"], 1);
  EXPECT_EQ(key("gen --alg sm2" + p11, &out), 1);
  EXPECT_NE(out.find("no SM2"), std::string::npos) << out;
  ASSERT_EQ(key("sign --label nurse-station --in " + path("msg") + " --out " + path("sig") + p11, &out), 0) << out;
  ASSERT_EQ(key("export-pub --label nurse-station --out " + path("pub.pem") + p11, &out), 0) << out;
  ASSERT_EQ(run_command("openssl dgst -sha256 -verify " + path("pub.pem") + " -signature " + path("sig") + " " + path("msg"), &out), 0)
      << out;
  ASSERT_EQ(key("verify --index 1 --in " + path("msg") + " --sig " + path("sig") + p11, &out), 0) << out;
  EXPECT_EQ(key("sign --label nurse-station --in " + path("msg") + std::string(" --provider pkcs11 --library ") + kSoftHsm +
                    " --token ward --pin 9999", &out), 1);
  EXPECT_NE(out.find("CKR_PIN_INCORRECT"), std::string::npos) << out;
}

}  // namespace
}  // namespace medsign::test
