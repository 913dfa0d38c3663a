// Restore from the console (POST /api/v1/system/restore) on a real `medsign serve` process: the archive
// replaces the whole state in one transaction, the server restarts itself in place (same PID), the change
// made after the backup is gone and the audit chain verifies with system.restore on it. Bad archives are
// refused with backup_invalid and change nothing.
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <regex>

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>
#include <gtest/gtest.h>

#include "crypto/soft/keystore.h"
#include "harness.h"
#include "services/restore.h"

namespace medsign::test {
namespace {
namespace fs = std::filesystem;

const std::string kBin = MEDSIGN_BINARY;
const std::string kPassphrase = "restore passphrase 42";

std::string read_text(const fs::path& p) {
  auto b = crypto::read_file(p);
  return b ? std::string(b->begin(), b->end()) : std::string();
}

// One `medsign serve` child process on its own ports.
class ServedNode : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = make_temp_dir("restore");
    prepare_database_env();
    ::setenv("MEDSIGN_AUDIT_CHECKPOINT_EVERY", "3", 1);
    std::string out;
    ASSERT_EQ(run_command(kBin + " init --data " + dir_.string(), &out), 0) << out;
    for (const char* user : {"sysadmin", "auditadmin"}) {
      std::smatch m;
      ASSERT_TRUE(std::regex_search(out, m, std::regex(std::string(user) + " \\(\\w+\\)  password: (\\S+)  key: (\\S+)")))
          << out;
      passwords_[user] = m[1];
      pins_[user] = m[1];
      keys_[user] = m[2].str();
    }
    port_ = 21000 + (getpid() * 13) % 18000;
    log_ = dir_ / "serve.out";
    pid_ = fork();
    if (pid_ == 0) {
      const char* names[] = {"MEDSIGN_SERVER_HTTP_PORT", "MEDSIGN_SERVER_HTTPS_PORT", "MEDSIGN_TSA_TCP_PORT",
                             "MEDSIGN_TSA_UDP_PORT",     "MEDSIGN_SVS_TCP_PORT",      "MEDSIGN_SVS_UDP_PORT",
                             "MEDSIGN_SVS_TLS_PORT",     "MEDSIGN_TIME_SNTP_PORT"};
      for (int i = 0; i < 8; ++i) ::setenv(names[i], std::to_string(port_ + i).c_str(), 1);
      FILE* f = freopen(log_.c_str(), "w", stdout);
      (void)f;
      execl(kBin.c_str(), kBin.c_str(), "serve", "--data", dir_.c_str(), nullptr);
      _exit(127);
    }
    ASSERT_TRUE(wait_healthy()) << "server did not come up: " << read_text(log_);
  }
  void TearDown() override {
    if (pid_ > 0) {
      kill(pid_, SIGTERM);
      int status = 0;
      waitpid(pid_, &status, 0);
    }
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }
  bool wait_healthy() {
    for (int i = 0; i < 150; ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
      try {
        if (Client(port_).get("/healthz").status == 200) return true;
      } catch (...) {
      }
    }
    return false;
  }
  Client login(const std::string& user) {
    Client c(port_);
    auto ch = c.post("/api/v1/auth/challenge", {{"username", user}});
    if (ch.status != 200) throw std::runtime_error("challenge: " + ch.body);
    auto pem = crypto::read_file(keys_.at(user));
    auto key = crypto::EvpKey::from_pem(as_chars(*pem), pins_.at(user));
    if (!key) throw std::runtime_error("key: " + key.error().to_string());
    auto sig = key->sign(as_bytes(ch.j()["to_sign"].get<std::string>()));
    auto res = c.post("/api/v1/auth/login", {{"username", user},
                                             {"password", passwords_.at(user)},
                                             {"challenge_id", ch.j()["challenge_id"]},
                                             {"signature", base64_encode(*sig)}});
    if (res.status != 200) throw std::runtime_error("login: " + res.body);
    c.csrf = res.j()["csrf_token"];
    if (res.j()["must_change_password"].get<bool>()) {
      std::string np = passwords_.at(user) + "x9";
      auto r = c.post("/api/v1/auth/password", {{"old_password", passwords_.at(user)}, {"new_password", np}});
      if (r.status != 200) throw std::runtime_error("password: " + r.body);
      passwords_[user] = np;
    }
    return c;
  }
  Response restore(Client& c, const std::string& archive, const std::string& pass_header) {
    return c.request(http::verb::post, "/api/v1/system/restore", archive, "application/octet-stream",
                     {{"X-Backup-Passphrase", pass_header}, {"X-Backup-Filename", "nightly%20copy.msbak"}});
  }
  bool has_account(Client& c, const std::string& name) {
    auto r = c.get("/api/v1/accounts");
    EXPECT_EQ(r.status, 200) << r.body;
    const json list = r.j();
    for (auto& a : list["accounts"])
      if (a.value("username", "") == name) return true;
    return false;
  }

  fs::path dir_, log_;
  int port_ = 0;
  pid_t pid_ = -1;
  std::map<std::string, std::string> passwords_, pins_, keys_;
};

TEST_F(ServedNode, RestoreReplacesTheStateRestartsInPlaceAndIsAudited) {
  Client sys = login("sysadmin");
  Client aud = login("auditadmin");
  auto backup = sys.post("/api/v1/system/backup", {{"passphrase", kPassphrase}});
  ASSERT_EQ(backup.status, 200) << backup.body;
  const std::string archive = backup.body;

  // A change after the backup: an operator account.
  auto created = sys.post("/api/v1/accounts", {{"username", "nurse7"}, {"role", "operator"}});
  ASSERT_EQ(created.status, 201) << created.body;
  ASSERT_TRUE(has_account(sys, "nurse7")) << sys.get("/api/v1/accounts").body;

  // Bad archives: specific errors, nothing changed.
  auto wrong = restore(sys, archive, "not%20the%20passphrase");
  EXPECT_EQ(wrong.status, 400) << wrong.body;
  EXPECT_EQ(wrong.error_code(), "backup_invalid");
  EXPECT_NE(wrong.body.find("passphrase is wrong"), std::string::npos) << wrong.body;
  auto truncated = restore(sys, archive.substr(0, archive.size() / 2), "restore%20passphrase%2042");
  EXPECT_EQ(truncated.status, 400) << truncated.body;
  EXPECT_EQ(truncated.error_code(), "backup_invalid");
  EXPECT_NE(truncated.body.find("truncated"), std::string::npos) << truncated.body;
  auto not_backup = restore(sys, "PK\x03\x04 this is a zip file, not a backup", "restore%20passphrase%2042");
  EXPECT_EQ(not_backup.error_code(), "backup_invalid");
  EXPECT_NE(not_backup.body.find("not a MedSign backup"), std::string::npos) << not_backup.body;
  auto short_pass = restore(sys, archive, "short");
  EXPECT_EQ(short_pass.status, 400) << short_pass.body;
  EXPECT_EQ(short_pass.error_code(), "invalid_argument");
  // The permission is the system administrator's.
  auto denied = restore(aud, archive, "restore%20passphrase%2042");
  EXPECT_EQ(denied.status, 403) << denied.body;
  EXPECT_TRUE(has_account(sys, "nurse7"));
  bool any_previous = false;
  for (auto& e : fs::directory_iterator(dir_))
    any_previous |= e.path().filename().string().starts_with("restore-");
  EXPECT_FALSE(any_previous) << "a refused restore leaves no folder behind";

  // The real restore.
  auto res = restore(sys, archive, "restore%20passphrase%2042");
  ASSERT_EQ(res.status, 200) << res.body;
  EXPECT_TRUE(res.j()["restarting"].get<bool>());
  EXPECT_GT(res.j()["rows"].get<int>(), 10);
  EXPECT_GE(res.j()["files"].get<int>(), 5);
  const std::string previous = res.j()["previous"];
  // Same process, restarted: the log shows the restart and the second start.
  bool restarted = false;
  for (int i = 0; i < 150 && !restarted; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    std::string s = read_text(log_);
    auto first = s.find(" is running ");
    restarted = s.find("restarting after a restore") != std::string::npos &&
                first != std::string::npos && s.find(" is running ", first + 1) != std::string::npos;
  }
  ASSERT_TRUE(restarted) << read_text(log_);
  ASSERT_TRUE(wait_healthy());
  EXPECT_EQ(waitpid(pid_, nullptr, WNOHANG), 0) << "the server process must still be the same";

  // Sessions are gone; the restored state has no nurse7.
  EXPECT_EQ(sys.get("/api/v1/accounts").status, 401);
  Client sys2 = login("sysadmin");
  EXPECT_FALSE(has_account(sys2, "nurse7"));
  // The restored tables take new rows (on PostgreSQL the identity sequences stay ahead of restored ids).
  auto again = sys2.post("/api/v1/accounts", {{"username", "nurse8"}, {"role", "operator"}});
  EXPECT_EQ(again.status, 201) << again.body;

  // Audit: the chain verifies and holds the restore (who, which file, counts).
  Client aud2 = login("auditadmin");
  auto v = aud2.get("/api/v1/audit/verify");
  ASSERT_EQ(v.status, 200) << v.body;
  EXPECT_TRUE(v.j()["ok"].get<bool>()) << v.body;
  auto q = aud2.get("/api/v1/audit?action=system.restore");
  ASSERT_EQ(q.status, 200) << q.body;
  ASSERT_EQ(q.j()["total"].get<int>(), 1) << q.body;
  auto entry = q.j()["entries"][0];
  EXPECT_EQ(entry["actor"], "sysadmin");
  EXPECT_EQ(entry["result"], "success");
  EXPECT_EQ(entry["target"], "nightly copy.msbak");
  EXPECT_NE(entry["detail"].get<std::string>().find(" rows, "), std::string::npos) << entry.dump();

  // The replaced state is kept: a full archive of it and the previous files.
  EXPECT_TRUE(fs::exists(dir_ / previous / "before-restore.msbak"));
  EXPECT_TRUE(fs::exists(dir_ / previous / "keys" / "kek"));
  EXPECT_TRUE(fs::exists(dir_ / previous / "medsign.toml"));
  EXPECT_TRUE(fs::exists(dir_ / "keys" / "kek"));
  for (auto& e : fs::directory_iterator(dir_))
    EXPECT_FALSE(e.path().filename().string().starts_with("restore-staging-")) << e.path();

  // Stops cleanly; the offline verifier agrees.
  kill(pid_, SIGTERM);
  int status = 0;
  waitpid(pid_, &status, 0);
  pid_ = -1;
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  std::string out;
  EXPECT_EQ(run_command(kBin + " audit verify --data " + dir_.string(), &out), 0) << out;
}

TEST_F(ServedNode, AnArchiveForAnotherDatabaseIsRefusedWithConflict) {
  if (using_postgres()) GTEST_SKIP() << "the database URL comes from the environment for every node here";
  // Another node whose configuration names another SQLite file.
  fs::path other = make_temp_dir("restore-other");
  std::string out;
  ASSERT_EQ(run_command(kBin + " init --data " + other.string(), &out), 0) << out;
  std::string toml = read_text(other / "medsign.toml");
  toml = std::regex_replace(toml, std::regex("sqlite_path = 'medsign.db'"), "sqlite_path = 'other.db'");
  ASSERT_TRUE(crypto::write_file_atomic(other / "medsign.toml", as_bytes(toml)).ok());
  ASSERT_TRUE(crypto::write_file_atomic(other / "pass", as_bytes(kPassphrase)).ok());
  fs::path archive = other / "other.msbak";
  ASSERT_EQ(run_command(kBin + " backup " + archive.string() + " --passphrase-file " + (other / "pass").string() +
                            " --data " + other.string(), &out), 0) << out;
  Client sys = login("sysadmin");
  auto r = restore(sys, read_text(archive), "restore%20passphrase%2042");
  EXPECT_EQ(r.status, 409) << r.body;
  EXPECT_EQ(r.error_code(), "conflict");
  EXPECT_NE(r.body.find("database settings differ"), std::string::npos) << r.body;
  std::error_code ec;
  fs::remove_all(other, ec);
}

TEST_F(ServedNode, AnArchiveAboveTheLimitIsRefusedWith413BeforeItsBodyIsRead) {
  Client sys = login("sysadmin");
  namespace asio = boost::asio;
  asio::io_context ioc;
  asio::ip::tcp::socket s(ioc);
  s.connect({asio::ip::make_address("127.0.0.1"), static_cast<unsigned short>(port_)});
  std::string head = "POST /api/v1/system/restore HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/octet-stream\r\n"
                     "Content-Length: 2000000000\r\nX-Backup-Passphrase: restore%20passphrase%2042\r\nCookie: " +
                     sys.cookie() + "\r\nX-CSRF-Token: " + sys.csrf + "\r\n\r\n";
  asio::write(s, asio::buffer(head));
  std::string reply;
  boost::system::error_code ec;
  char buf[4096];
  for (;;) {
    std::size_t n = s.read_some(asio::buffer(buf), ec);
    reply.append(buf, n);
    if (ec || reply.find("}") != std::string::npos) break;
  }
  EXPECT_NE(reply.find("HTTP/1.1 413"), std::string::npos) << reply;
  EXPECT_NE(reply.find("body_too_large"), std::string::npos) << reply;
}

TEST(RestoreInProcess, AServerThatCannotRestartItselfRefusesAndChangesNothing) {
  TestServer server;
  Client sys = server.login("sysadmin");
  auto backup = sys.post("/api/v1/system/backup", {{"passphrase", kPassphrase}});
  ASSERT_EQ(backup.status, 200) << backup.body;
  auto r = sys.request(http::verb::post, "/api/v1/system/restore", backup.body, "application/octet-stream",
                       {{"X-Backup-Passphrase", "restore%20passphrase%2042"}});
  EXPECT_EQ(r.status, 503) << r.body;
  EXPECT_EQ(r.error_code(), "unavailable");
  EXPECT_EQ(sys.get("/api/v1/accounts").status, 200);
}

}  // namespace
}  // namespace medsign::test

namespace medsign::test {
namespace {

// A restore interrupted by a crash is finished at the next start: committed (its id is in the audit log) →
// the staged files are swapped in, even when the crash came half-way through the swap; not committed → the
// staging folder is dropped and the data dir is untouched.
class InterruptedRestore : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = make_temp_dir("restore-crash");
    prepare_database_env();
    std::string out;
    ASSERT_EQ(run_command(kBin + " init --data " + dir_.string(), &out), 0) << out;
    toml_ = read_text(dir_ / "medsign.toml");
    kek_ = read_text(dir_ / "keys" / "kek");
  }
  void TearDown() override {
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }
  // The staged state of restore `id`: a configuration with a marker comment and a key store.
  void stage(const std::string& id) {
    fs::path st = dir_ / ("restore-staging-" + id);
    ASSERT_TRUE(crypto::write_file_atomic(st / "medsign.toml", as_bytes(toml_ + "\n# restored " + id + "\n")).ok());
    fs::create_directories(st / "keys");
    fs::copy(dir_ / "keys", st / "keys", fs::copy_options::recursive);
  }
  void commit(const std::string& id) {
    auto p = services::Platform::open(dir_);
    ASSERT_TRUE(p.ok()) << p.error().to_string();
    ASSERT_TRUE((*p)->audit->record({"sysadmin", "sysadmin", "system.restore", "x.msbak", "success", "test",
                                     "restore " + id + ": 1 rows, 2 files; previous state in restore-previous-" + id})
                    .ok());
  }
  fs::path dir_;
  std::string toml_, kek_;
};

TEST_F(InterruptedRestore, NotCommittedIsDroppedAndTheDataDirIsUntouched) {
  stage("20990101T000000Z");
  ASSERT_TRUE(services::finish_interrupted_restore(dir_).ok());
  EXPECT_FALSE(fs::exists(dir_ / "restore-staging-20990101T000000Z"));
  EXPECT_FALSE(fs::exists(dir_ / "restore-previous-20990101T000000Z"));
  EXPECT_EQ(read_text(dir_ / "medsign.toml"), toml_);
  EXPECT_EQ(read_text(dir_ / "keys" / "kek"), kek_);
}

TEST_F(InterruptedRestore, CommittedIsSwappedInEvenWhenTheSwapStoppedHalfWay) {
  const std::string id = "20990101T000001Z";
  commit(id);  // the audit entry of the committed restore (written before staging here: a data dir with a
  stage(id);   // staging folder does not open until the restore is finished)
  EXPECT_EQ(services::Platform::open(dir_).error().code, Errc::unavailable);
  // The crash came after the old keys/ was moved aside, before the staged one was moved in.
  fs::create_directories(dir_ / ("restore-previous-" + id));
  fs::rename(dir_ / "keys", dir_ / ("restore-previous-" + id) / "keys");
  ASSERT_TRUE(services::finish_interrupted_restore(dir_).ok());
  EXPECT_FALSE(fs::exists(dir_ / ("restore-staging-" + id)));
  EXPECT_NE(read_text(dir_ / "medsign.toml").find("# restored " + id), std::string::npos);
  EXPECT_EQ(read_text(dir_ / ("restore-previous-" + id) / "medsign.toml"), toml_);
  EXPECT_EQ(read_text(dir_ / "keys" / "kek"), kek_);
  EXPECT_EQ(read_text(dir_ / ("restore-previous-" + id) / "keys" / "kek"), kek_);
  // A second run has nothing left to do; the node opens.
  ASSERT_TRUE(services::finish_interrupted_restore(dir_).ok());
  auto p = services::Platform::open(dir_);
  EXPECT_TRUE(p.ok()) << p.error().to_string();
}

}  // namespace
}  // namespace medsign::test
