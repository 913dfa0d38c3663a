// The medsign binary as an operator uses it: init, config, serve, audit verify, backup/restore, admin.
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>
#include <regex>

#include <gtest/gtest.h>

#include "crypto/soft/keystore.h"
#include "harness.h"

namespace medsign::test {
namespace {
namespace fs = std::filesystem;

const std::string kBin = MEDSIGN_BINARY;

class CliTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = make_temp_dir("cli");
    prepare_database_env();
    ::setenv("MEDSIGN_AUDIT_CHECKPOINT_EVERY", "3", 1);
  }
  void TearDown() override {
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }
  int run(const std::string& args, std::string* out = nullptr) {
    return run_command(kBin + " " + args, out);
  }
  std::string data() const { return "--data " + dir_.string(); }
  fs::path dir_;
};

TEST_F(CliTest, VersionAndUsageErrors) {
  std::string out;
  EXPECT_EQ(run("version", &out), 0);
  EXPECT_NE(out.find("medsign "), std::string::npos);
  EXPECT_EQ(run("no-such-command", &out), 2);
}

TEST_F(CliTest, InitCreatesADataDirOnceAndPrintsBootstrapPasswords) {
  std::string out;
  ASSERT_EQ(run("init " + data(), &out), 0) << out;
  EXPECT_NE(out.find("sysadmin (sysadmin)  password: "), std::string::npos);
  EXPECT_NE(out.find("auditadmin (audit_admin)  password: "), std::string::npos);
  EXPECT_TRUE(fs::exists(dir_ / "medsign.toml"));
  EXPECT_TRUE(fs::exists(dir_ / "keys" / "kek"));
  // No private key is stored in plaintext.
  for (auto& e : fs::recursive_directory_iterator(dir_)) {
    if (!e.is_regular_file()) continue;
    auto b = crypto::read_file(e.path());
    std::string s(b->begin(), b->end());
    EXPECT_EQ(s.find("BEGIN PRIVATE KEY"), std::string::npos) << e.path();
    EXPECT_EQ(s.find("BEGIN EC PRIVATE KEY"), std::string::npos) << e.path();
  }
  EXPECT_EQ(run("init " + data(), &out), 3);
  EXPECT_NE(out.find("already initialised"), std::string::npos) << out;
}

TEST_F(CliTest, ConfigShowAppliesEnvironmentOverrides) {
  ASSERT_EQ(run("init " + data()), 0);
  std::string out;
  ASSERT_EQ(run_command("MEDSIGN_SERVER_HTTP_PORT=9999 " + kBin + " config show " + data(), &out), 0) << out;
  EXPECT_NE(out.find("http_port = 9999"), std::string::npos) << out;
  EXPECT_EQ(run_command("MEDSIGN_SERVER_HTTP_PORT=99999 " + kBin + " config show " + data(), &out), 3);
  EXPECT_NE(out.find("MEDSIGN_SERVER_HTTP_PORT must be between 1 and 65535"), std::string::npos) << out;
  EXPECT_EQ(run("config show --data /nonexistent/dir", &out), 3);
  EXPECT_NE(out.find("medsign init"), std::string::npos) << out;
}

TEST_F(CliTest, ServeRefusesAnUnknownKeyAndNamesIt) {
  ASSERT_EQ(run("init " + data()), 0);
  auto toml = crypto::read_file(dir_ / "medsign.toml");
  std::string s(toml->begin(), toml->end());
  s = std::regex_replace(s, std::regex("http_port = 8080"), "http_prot = 8080");
  ASSERT_TRUE(crypto::write_file_atomic(dir_ / "medsign.toml", as_bytes(s)).ok());
  std::string out;
  EXPECT_EQ(run("serve " + data(), &out), 3);
  EXPECT_NE(out.find("unknown key server.http_prot"), std::string::npos) << out;
}

TEST_F(CliTest, ServeStartsPrintsFirstStartPasswordsAndStopsGracefullyOnSigterm) {
  ASSERT_EQ(run("init " + data()), 0);
  // Free ports: bind to 0 once through a short-lived server is racy; pick from a high random range instead.
  int http_port = 20000 + (getpid() * 7) % 20000, https_port = http_port + 1;
  std::string log = (dir_ / "serve.out").string();
  pid_t pid = fork();
  if (pid == 0) {
    std::string hp = std::to_string(http_port), sp = std::to_string(https_port);
    ::setenv("MEDSIGN_SERVER_HTTP_PORT", hp.c_str(), 1);
    ::setenv("MEDSIGN_SERVER_HTTPS_PORT", sp.c_str(), 1);
    FILE* f = freopen(log.c_str(), "w", stdout);
    (void)f;
    execl(kBin.c_str(), kBin.c_str(), "serve", "--data", dir_.c_str(), nullptr);
    _exit(127);
  }
  bool up = false;
  for (int i = 0; i < 100 && !up; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    try {
      up = Client(http_port).get("/healthz").status == 200;
    } catch (...) {
    }
  }
  ASSERT_TRUE(up) << "server did not come up";
  kill(pid, SIGTERM);
  int status = 0;
  waitpid(pid, &status, 0);
  EXPECT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 0);
  auto out = crypto::read_file(log);
  std::string s(out->begin(), out->end());
  EXPECT_NE(s.find("console  http://127.0.0.1:" + std::to_string(http_port)), std::string::npos) << s;
  EXPECT_NE(s.find("First start"), std::string::npos) << s;
  EXPECT_FALSE(fs::exists(dir_ / "bootstrap" / "first-start.sealed"));
  std::string verify;
  EXPECT_EQ(run("audit verify " + data(), &verify), 0) << verify;
}

TEST_F(CliTest, AuditVerifyDetectsAOneByteChange) {
  ASSERT_EQ(run("init " + data()), 0);
  ASSERT_EQ(run("admin create op1 --role operator " + data()), 0);
  std::string out;
  ASSERT_EQ(run("audit verify " + data(), &out), 0) << out;
  EXPECT_NE(out.find("audit chain OK"), std::string::npos);
  {
    auto p = services::Platform::open(dir_);
    ASSERT_TRUE(p.ok());
    auto rows = (*p)->db->query("SELECT target FROM audit_log WHERE seq = 2");
    std::string t = (*rows)[0].text(0);
    t[0] = static_cast<char>(t[0] ^ 0x01);  // one byte
    ASSERT_TRUE((*p)->db->exec("UPDATE audit_log SET target = ? WHERE seq = 2", {t}).ok());
  }
  EXPECT_EQ(run("audit verify " + data(), &out), 4);
  EXPECT_NE(out.find("BROKEN at entry 2"), std::string::npos) << out;
}

TEST_F(CliTest, AdminCommandsWorkOffline) {
  ASSERT_EQ(run("init " + data()), 0);
  std::string out;
  ASSERT_EQ(run("admin create nurse1 --role operator " + data(), &out), 0) << out;
  EXPECT_NE(out.find("one-time password: "), std::string::npos);
  EXPECT_EQ(run("admin create nurse1 --role operator " + data(), &out), 1);
  EXPECT_EQ(run("admin lock nurse1 " + data(), &out), 0) << out;
  ASSERT_EQ(run("admin list " + data(), &out), 0);
  EXPECT_NE(out.find("nurse1\toperator\tlocked"), std::string::npos) << out;
  EXPECT_EQ(run("admin unlock nurse1 " + data(), &out), 0);
  EXPECT_EQ(run("admin reset nurse1 " + data(), &out), 0);
  EXPECT_NE(out.find("one-time password for nurse1"), std::string::npos);
  EXPECT_EQ(run("admin lock nobody " + data(), &out), 1);
  EXPECT_EQ(run("audit verify " + data(), &out), 0) << out;
}

TEST_F(CliTest, BackupRestoresAWorkingSystem) {
  std::string out;
  ASSERT_EQ(run("init " + data(), &out), 0);
  std::smatch m;
  ASSERT_TRUE(std::regex_search(out, m, std::regex("sysadmin \\(sysadmin\\)  password: (\\S+)  key: (\\S+)")));
  std::string pw = m[1], key_rel = fs::path(m[2].str()).filename().string();
  ASSERT_EQ(run("admin create op1 --role operator " + data()), 0);
  fs::path pass = dir_ / "pass.txt";
  ASSERT_TRUE(crypto::write_file_atomic(pass, as_bytes("correct horse battery\n")).ok());
  fs::path archive = dir_ / "backup.msbak";
  ASSERT_EQ(run("backup " + archive.string() + " --passphrase-file " + pass.string() + " " + data(), &out), 0) << out;
  auto raw = crypto::read_file(archive);
  std::string rs(raw->begin(), raw->end());
  EXPECT_EQ(rs.find("sysadmin"), std::string::npos) << "archive content must be encrypted";

  fs::path restored = make_temp_dir("restored");
  prepare_database_env();  // a fresh, empty database for the restore (PostgreSQL)
  fs::path wrong = dir_ / "wrong.txt";
  ASSERT_TRUE(crypto::write_file_atomic(wrong, as_bytes("not the passphrase")).ok());
  EXPECT_EQ(run("restore " + archive.string() + " --passphrase-file " + wrong.string() + " --data " + restored.string(), &out), 4);
  ASSERT_EQ(run("restore " + archive.string() + " --passphrase-file " + pass.string() + " --data " + restored.string(), &out), 0)
      << out;
  EXPECT_EQ(run("restore " + archive.string() + " --passphrase-file " + pass.string() + " --data " + restored.string(), &out), 3);
  ASSERT_EQ(run("audit verify --data " + restored.string(), &out), 0) << out;
  ASSERT_EQ(run("admin list --data " + restored.string(), &out), 0);
  EXPECT_NE(out.find("op1\toperator"), std::string::npos) << out;

  // The restored system logs the administrator in with the original password and smart key.
  auto p = services::Platform::open(restored);
  ASSERT_TRUE(p.ok()) << p.error().to_string();
  auto ch = (*p)->auth->login_challenge("sysadmin", "test");
  ASSERT_TRUE(ch.ok());
  auto pem = crypto::read_file(restored / "bootstrap" / key_rel);
  ASSERT_TRUE(pem.ok());
  auto key = crypto::EvpKey::from_pem(as_chars(*pem), pw);
  ASSERT_TRUE(key.ok());
  auto sig = key->sign(as_bytes(ch->to_sign));
  auto login = (*p)->auth->login("sysadmin", pw, ch->id, *sig, "test");
  EXPECT_TRUE(login.ok()) << login.error().to_string();
  EXPECT_TRUE((*p)->keys.get("audit").ok());
  std::error_code ec;
  fs::remove_all(restored, ec);
}

}  // namespace
}  // namespace medsign::test
