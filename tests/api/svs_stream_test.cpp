// The signing service's multi-part operations against a real server: the GM/T 0029 Init/Update/Final
// families over the binary protocol, the HTTP forms and REST (running hash state carried by the client),
// streamed file signing/verification at constant memory (1 GB through curl), and digital envelopes;
// checked with the openssl CLI where the result is a standard object.
#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/write.hpp>
#include <gtest/gtest.h>

#include <chrono>
#include <fstream>

#include "common/clock.h"
#include "crypto/soft/keystore.h"
#include "harness.h"
#include "pki/certificate.h"
#include "server/svs_socket_server.h"
#include "services/platform.h"
#include "svs/message.h"

namespace medsign::test {
namespace {
namespace fs = std::filesystem;
namespace asio = boost::asio;

constexpr std::int64_t kSm2 = 0x00020201, kRsa = 0x00010004;

class SvsStreamTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    server_ = new TestServer();
    work_ = make_temp_dir("svs-stream");
    auto c = services::dev_app_credentials(server_->platform());
    ASSERT_TRUE(c.ok()) << c.error().to_string();
    app_ = c->first;
    secret_ = c->second;
  }
  static void TearDownTestSuite() {
    delete server_;
    fs::remove_all(work_);
  }
  static int sh(const std::string& cmd, std::string* out = nullptr) {
    return run_command("cd " + work_.string() + " && " + cmd, out);
  }
  static void put(const std::string& name, ByteView b) {
    ASSERT_TRUE(crypto::write_file_atomic(work_ / name, b, 0644).ok());
  }
  static std::string auth() { return "Basic " + base64_encode(as_bytes(app_ + ":" + secret_)); }
  static Response call(const std::string& path, const json& body) {
    return server_->client().request(http::verb::post, path, body.dump(), "application/json", {{"Authorization", auth()}});
  }
  static std::string ca() { return (server_->data_dir() / "keys" / "dev-ca.pem").string(); }
  static pki::Certificate key_cert(int index) {
    auto r = call("/api/v1/svs/certificate", {{"key", std::to_string(index)}});
    return pki::Certificate::parse_der(base64_decode(r.j()["certificate"].get<std::string>()).value()).value();
  }
  // One request over the binary protocol (TCP), its answer decoded.
  static svs::Response exchange(const svs::Request& r) {
    asio::io_context ioc;
    asio::ip::tcp::socket s(ioc);
    s.connect({asio::ip::make_address("127.0.0.1"), static_cast<unsigned short>(server_->svs_tcp_port())});
    Bytes q = svs::encode_request(r).value();
    asio::write(s, asio::buffer(q));
    Bytes buf;
    for (;;) {
      auto size = server::der_message_size(buf, 1u << 24);
      if (size.ok() && size->has_value() && buf.size() >= **size) return svs::decode_response(ByteView(buf.data(), **size)).value();
      std::uint8_t tmp[4096];
      boost::system::error_code ec;
      std::size_t got = s.read_some(asio::buffer(tmp), ec);
      if (ec) break;
      buf.insert(buf.end(), tmp, tmp + got);
    }
    ADD_FAILURE() << "no answer";
    return {};
  }
  static svs::Request base(svs::ReqType t, std::int64_t method) {
    svs::Request r;
    r.type = t;
    r.time_ms = 1795000000000;
    r.sign_method = method;
    return r;
  }
  static void set_data(svs::Request& r, const std::string& d) {
    r.in_data = Bytes(d.begin(), d.end());
    r.in_data_len = static_cast<std::int64_t>(d.size());
  }
  static void set_hash(svs::Request& r, const Bytes& h) {
    r.hash_value = h;
    r.hash_value_len = static_cast<std::int64_t>(h.size());
  }
  // Init with parts[0], then one Update per further part: the final running hash.
  static Bytes running_hash(svs::ReqType init, std::int64_t method, const std::vector<std::string>& parts,
                            std::optional<Bytes> public_key) {
    auto r = base(init, method);
    set_data(r, parts[0]);
    r.signer_public_key = public_key;
    auto a = exchange(r);
    EXPECT_EQ(a.resp_value, svs::kSuccess) << svs::resp_code_name(a.resp_value);
    Bytes h = a.hash_value.value_or(Bytes{});
    for (std::size_t i = 1; i < parts.size(); ++i) {
      auto u = base(static_cast<svs::ReqType>(static_cast<int>(init) + 1), method);
      set_hash(u, h);
      set_data(u, parts[i]);
      auto ua = exchange(u);
      EXPECT_EQ(ua.resp_value, svs::kSuccess) << svs::resp_code_name(ua.resp_value);
      h = ua.hash_value.value_or(Bytes{});
    }
    return h;
  }
  static TestServer* server_;
  static fs::path work_;
  static std::string app_, secret_;
};
TestServer* SvsStreamTest::server_ = nullptr;
fs::path SvsStreamTest::work_;
std::string SvsStreamTest::app_, SvsStreamTest::secret_;

struct SvsStreamTestPort {
  static inline int port = 0;
};

const std::vector<std::string> kParts = {"出院小结 part one; ", std::string(100, 'x') + " part two; ", "", "part four, the end"};
std::string whole() {
  std::string s;
  for (const auto& p : kParts) s += p;
  return s;
}

TEST_F(SvsStreamTest, SignDataInitUpdateFinalMatchesOneShotSignData) {
  pki::Certificate cert = key_cert(1);
  // Init carries the signer's public key (SPKI DER here) so that Z is hashed first; three Updates follow.
  Bytes h = running_hash(svs::ReqType::sign_data_init, kSm2, kParts, cert.public_key().der);
  auto fin = base(svs::ReqType::sign_data_final, kSm2);
  fin.key_index = 1;
  fin.key_value = Bytes{};
  set_hash(fin, h);
  auto signed_ = exchange(fin);
  ASSERT_EQ(signed_.resp_value, svs::kSuccess) << svs::resp_code_name(signed_.resp_value);
  ASSERT_TRUE(signed_.signature);
  // The multi-part signature verifies as a one-shot signature of the whole message (REST and binary).
  auto v = call("/api/v1/svs/verify-data", {{"key", "1"}, {"data", base64_encode(as_bytes(whole()))},
                                            {"signature", base64_encode(*signed_.signature)}});
  ASSERT_EQ(v.status, 200) << v.body;
  EXPECT_TRUE(v.j()["valid"].get<bool>()) << v.body;
  // A one-shot SignData signature verifies through VerifySignedDataInit/Update/Final (the public key as
  // 64 bytes X||Y this time), and one changed part does not.
  auto one = call("/api/v1/svs/sign-data", {{"key", "1"}, {"data", base64_encode(as_bytes(whole()))}});
  ASSERT_EQ(one.status, 200) << one.body;
  Bytes sig = base64_decode(one.j()["signature"].get<std::string>()).value();
  Bytes xy(cert.public_key().der.end() - 64, cert.public_key().der.end());
  auto verify = [&](const std::vector<std::string>& parts) {
    Bytes vh = running_hash(svs::ReqType::verify_signed_data_init, kSm2, parts, xy);
    auto vf = base(svs::ReqType::verify_signed_data_final, kSm2);
    vf.cert_type = 1;
    vf.cert = cert.der();
    set_hash(vf, vh);
    vf.signature = sig;
    vf.verify_level = 1;
    return exchange(vf).resp_value;
  };
  EXPECT_EQ(verify(kParts), svs::kSuccess);
  auto changed = kParts;
  changed[1][3] = 'y';
  EXPECT_EQ(verify(changed), svs::kInvalidSignature);
}

TEST_F(SvsStreamTest, RsaSignMessageInitUpdateFinalVerifiesWithOpenSslCms) {
  Bytes h = running_hash(svs::ReqType::sign_message_init, kRsa, kParts, std::nullopt);
  auto fin = base(svs::ReqType::sign_message_final, kRsa);
  fin.key_index = 2;
  fin.key_value = Bytes{};
  set_hash(fin, h);
  auto a = exchange(fin);
  ASSERT_EQ(a.resp_value, svs::kSuccess) << svs::resp_code_name(a.resp_value);
  ASSERT_TRUE(a.signed_message);
  put("parts.p7s", *a.signed_message);
  put("parts.txt", as_bytes(whole()));
  std::string out;
  EXPECT_EQ(sh("openssl cms -verify -binary -inform DER -in parts.p7s -content parts.txt -CAfile " + ca() +
                   " -purpose any -out /dev/null",
               &out),
            0)
      << out;
  // VerifySignedMessageInit/Update/Final accepts it, and refuses it for other content.
  auto verify = [&](const std::vector<std::string>& parts) {
    auto vf = base(svs::ReqType::verify_signed_message_final, kRsa);
    set_hash(vf, running_hash(svs::ReqType::verify_signed_message_init, kRsa, parts, std::nullopt));
    vf.signed_message = a.signed_message;
    return exchange(vf).resp_value;
  };
  EXPECT_EQ(verify(kParts), svs::kSuccess);
  EXPECT_NE(verify({"other content"}), svs::kSuccess);
  // SM2: a GM/T 0010 detached message that the one-shot verify-message accepts with the content.
  Bytes sh2 = running_hash(svs::ReqType::sign_message_init, kSm2, kParts, std::nullopt);
  auto f2 = base(svs::ReqType::sign_message_final, kSm2);
  f2.key_index = 1;
  f2.key_value = Bytes{};
  set_hash(f2, sh2);
  auto a2 = exchange(f2);
  ASSERT_EQ(a2.resp_value, svs::kSuccess);
  auto v2 = call("/api/v1/svs/verify-message",
                 {{"signed_message", base64_encode(*a2.signed_message)}, {"data", base64_encode(as_bytes(whole()))}});
  EXPECT_TRUE(v2.j()["valid"].get<bool>()) << v2.body;
}

TEST_F(SvsStreamTest, BadRunningHashesGetSpecificCodes) {
  auto u = base(svs::ReqType::sign_data_update, kSm2);
  set_hash(u, Bytes(50, 7));  // not a state
  set_data(u, "x");
  EXPECT_EQ(exchange(u).resp_value, svs::kInvalidDataFormat);
  // A SHA-256 state continued as SM3: GM_ERROR_SIGN_METHOD.
  Bytes h = running_hash(svs::ReqType::sign_data_init, kRsa, {"abc"}, std::nullopt);
  auto wrong = base(svs::ReqType::sign_data_update, kSm2);
  set_hash(wrong, h);
  set_data(wrong, "x");
  EXPECT_EQ(exchange(wrong).resp_value, svs::kErrorSignMethod);
  // An unknown method at Init.
  auto init = base(svs::ReqType::sign_data_init, 0x00010002);  // SGD_SHA1_RSA
  set_data(init, "abc");
  EXPECT_EQ(exchange(init).resp_value, svs::kErrorSignMethod);
  // An SM2 key with an RSA method at Final; a key index that does not exist.
  auto fin = base(svs::ReqType::sign_data_final, kRsa);
  fin.key_index = 1;
  fin.key_value = Bytes{};
  set_hash(fin, h);
  EXPECT_EQ(exchange(fin).resp_value, svs::kErrorSignMethod);
  fin.key_index = 99;
  EXPECT_EQ(exchange(fin).resp_value, svs::kErrorKeyIndex);
  // A signer public key that is not a point.
  auto badkey = base(svs::ReqType::sign_data_init, kSm2);
  set_data(badkey, "abc");
  badkey.signer_public_key = Bytes(64, 0xff);
  EXPECT_EQ(exchange(badkey).resp_value, svs::kInvalidDataFormat);
}

std::string url_b64(const std::string& b64) {
  std::string out;
  for (char c : b64) out += c == '+' ? "%2B" : c == '/' ? "%2F" : c == '=' ? "%3D" : std::string(1, c);
  return out;
}

std::map<std::string, std::string> form_fields(const std::string& body) {
  std::map<std::string, std::string> out;
  std::size_t pos = 0;
  while (pos <= body.size()) {
    auto amp = body.find('&', pos);
    std::string part = body.substr(pos, amp == std::string::npos ? std::string::npos : amp - pos);
    auto eq = part.find('=');
    std::string v = part.substr(eq + 1);
    for (auto [from, to] : {std::pair{"%2B", "+"}, std::pair{"%2F", "/"}, std::pair{"%3D", "="}}) {
      for (auto p = v.find(from); p != std::string::npos; p = v.find(from)) v.replace(p, 3, to);
    }
    out[part.substr(0, eq)] = v;
    if (amp == std::string::npos) break;
    pos = amp + 1;
  }
  return out;
}

TEST_F(SvsStreamTest, FormsAndRestCarryTheRunningHashToo) {
  auto form = [](const std::string& path, const std::string& body) {
    auto r = server_->client().request(http::verb::post, path, body, "application/x-www-form-urlencoded");
    EXPECT_EQ(r.status, 200) << r.body;
    return form_fields(r.body);
  };
  auto init = form("/SignDataInit", "signMethod=65540&inData=" + url_b64(base64_encode(as_bytes(kParts[0]))));
  ASSERT_EQ(init["respValue"], "0");
  auto upd = form("/SignDataUpdate", "signMethod=65540&hashValue=" + url_b64(init["hashValue"]) +
                                         "&inData=" + url_b64(base64_encode(as_bytes(kParts[1] + kParts[3]))));
  ASSERT_EQ(upd["respValue"], "0");
  auto fin = form("/SignDataFinal", "signMethod=65540&keyIndex=2&keyValue=&hashValue=" + url_b64(upd["hashValue"]));
  ASSERT_EQ(fin["respValue"], "0");
  // REST: hash-init / hash-update, then verify-data with the state.
  auto hi = call("/api/v1/svs/hash-init", {{"algorithm", "sha256"}, {"data", base64_encode(as_bytes(kParts[0]))}});
  ASSERT_EQ(hi.status, 200) << hi.body;
  auto hu = call("/api/v1/svs/hash-update",
                 {{"hash_state", hi.j()["hash_state"]}, {"data", base64_encode(as_bytes(kParts[1] + kParts[3]))}});
  ASSERT_EQ(hu.status, 200) << hu.body;
  auto v = call("/api/v1/svs/verify-data",
                {{"key", "2"}, {"hash_state", hu.j()["hash_state"]}, {"signature", fin["signature"]}});
  ASSERT_EQ(v.status, 200) << v.body;
  EXPECT_TRUE(v.j()["valid"].get<bool>()) << v.body;
  // The same state signed over REST is an RSA signature of the whole text (deterministic PKCS#1 v1.5).
  auto s = call("/api/v1/svs/sign-data", {{"key", "2"}, {"hash_state", hu.j()["hash_state"]}});
  ASSERT_EQ(s.status, 200) << s.body;
  EXPECT_EQ(s.j()["signature"], fin["signature"]);
  // SM2 over REST: Z from the key's public key at hash-init.
  pki::Certificate cert = key_cert(1);
  auto zi = call("/api/v1/svs/hash-init", {{"algorithm", "sm3"},
                                           {"public_key", base64_encode(cert.public_key().der)},
                                           {"data", base64_encode(as_bytes(whole()))}});
  ASSERT_EQ(zi.status, 200) << zi.body;
  auto zs = call("/api/v1/svs/sign-data", {{"key", "1"}, {"hash_state", zi.j()["hash_state"]}});
  ASSERT_EQ(zs.status, 200) << zs.body;
  auto zv = call("/api/v1/svs/verify-data",
                 {{"key", "1"}, {"data", base64_encode(as_bytes(whole()))}, {"signature", zs.j()["signature"]}});
  EXPECT_TRUE(zv.j()["valid"].get<bool>()) << zv.body;
  // A SHA-256 state for the SM2 key, and a state that is not one: specific errors.
  auto mismatch = call("/api/v1/svs/sign-data", {{"key", "1"}, {"hash_state", hu.j()["hash_state"]}});
  EXPECT_EQ(mismatch.status, 400) << mismatch.body;
  auto garbage = call("/api/v1/svs/hash-update", {{"hash_state", base64_encode(Bytes(10))}, {"data", ""}});
  EXPECT_EQ(garbage.status, 400) << garbage.body;
}

// ---- streamed files ----

std::int64_t status_kb(const char* field) {
  std::ifstream in("/proc/self/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind(field, 0) == 0) return std::stoll(line.substr(std::string(field).size()));
  }
  return -1;
}

// curl streams a file as the raw body (-T reads it as it sends; no 100-continue wait); returns the JSON
// answer and the status.
json upload(const std::string& target, const fs::path& file, const std::string& auth, int* status) {
  std::string out;
  std::string cmd = "curl -s -w '\\n%{http_code}' -X POST -H 'Expect:' -H 'Content-Type: application/octet-stream' "
                    "-H 'Authorization: ";
  cmd.append(auth).append("' -T ").append(file.string()).append(" 'http://127.0.0.1:");
  cmd.append(std::to_string(SvsStreamTestPort::port)).append(target).append("'");
  EXPECT_EQ(run_command(cmd, &out), 0) << out;
  auto nl = out.rfind('\n');
  *status = std::atoi(out.substr(nl + 1).c_str());
  return json::parse(out.substr(0, nl), nullptr, false);
}

std::string q(const Bytes& b) {
  std::string out;
  for (char c : base64_encode(b)) out += c == '+' ? "%2B" : c == '/' ? "%2F" : c == '=' ? "%3D" : std::string(1, c);
  return out;
}

TEST_F(SvsStreamTest, SignFileAndVerifyFileSmallFilesInteroperate) {
  SvsStreamTestPort::port = server_->port();
  std::string text = whole();
  put("small.txt", as_bytes(text));
  int st = 0;
  // SM2 raw signature of the file: the same as sign-data of its bytes.
  json s = upload("/api/v1/svs/sign-file?key=1", work_ / "small.txt", auth(), &st);
  ASSERT_EQ(st, 200) << s.dump();
  EXPECT_EQ(s["bytes"], text.size());
  auto v = call("/api/v1/svs/verify-data", {{"key", "1"}, {"data", base64_encode(as_bytes(text))}, {"signature", s["signature"]}});
  EXPECT_TRUE(v.j()["valid"].get<bool>()) << v.body;
  Bytes sig = base64_decode(s["signature"].get<std::string>()).value();
  json vf = upload("/api/v1/svs/verify-file?key=1&signature=" + q(sig), work_ / "small.txt", auth(), &st);
  ASSERT_EQ(st, 200) << vf.dump();
  EXPECT_TRUE(vf["valid"].get<bool>()) << vf.dump();
  // RSA CMS of the file (detached) verifies with openssl cms and through verify-file.
  json c = upload("/api/v1/svs/sign-file?key=2&format=cms", work_ / "small.txt", auth(), &st);
  ASSERT_EQ(st, 200) << c.dump();
  Bytes p7 = base64_decode(c["signed_message"].get<std::string>()).value();
  put("small.p7s", p7);
  std::string out;
  EXPECT_EQ(sh("openssl cms -verify -binary -inform DER -in small.p7s -content small.txt -CAfile " + ca() +
                   " -purpose any -out /dev/null",
               &out),
            0)
      << out;
  json vc = upload("/api/v1/svs/verify-file?signed_message=" + q(p7), work_ / "small.txt", auth(), &st);
  ASSERT_EQ(st, 200) << vc.dump();
  EXPECT_TRUE(vc["valid"].get<bool>()) << vc.dump();
  // Another file: invalid; bad parameters: specific errors before the body is read.
  put("other.txt", as_bytes("other"));
  json bad = upload("/api/v1/svs/verify-file?key=1&signature=" + q(sig), work_ / "other.txt", auth(), &st);
  EXPECT_EQ(bad["code_name"], "GM_INVALID_SIGNATURE") << bad.dump();
  json nokey = upload("/api/v1/svs/sign-file", work_ / "small.txt", auth(), &st);
  EXPECT_EQ(st, 400) << nokey.dump();
  json noauth = upload("/api/v1/svs/sign-file?key=1", work_ / "small.txt", "Basic eDp5", &st);
  EXPECT_EQ(st, 401) << noauth.dump();
  json badsig = upload("/api/v1/svs/verify-file?key=1&signature=%25%25", work_ / "small.txt", auth(), &st);
  EXPECT_EQ(st, 400) << badsig.dump();
  // A client that waits for 100 Continue gets it and is then answered.
  std::string cont;
  ASSERT_EQ(sh("curl -s -v -X POST -H 'Expect: 100-continue' -H 'Authorization: " + auth() +
                   "' --data-binary @small.txt 'http://127.0.0.1:" + std::to_string(server_->port()) +
                   "/api/v1/svs/sign-file?key=2' 2>&1",
               &cont),
            0);
  EXPECT_NE(cont.find("100 Continue"), std::string::npos) << cont;
  EXPECT_NE(cont.find("\"signature\""), std::string::npos) << cont;
}

// 1 GiB (a sparse file) signed through the stream at constant memory: the process's peak resident set
// grows by far less than the file, and openssl verifies the signature over the whole file. (verify-file
// streams through the same path; the small-file test covers it.)
TEST_F(SvsStreamTest, OneGigabyteFileIsStreamedAtConstantMemory) {
  SvsStreamTestPort::port = server_->port();
  fs::path big = work_ / "big.bin";
  ASSERT_EQ(sh("truncate -s 1G big.bin"), 0);
  {
    std::ofstream reset("/proc/self/clear_refs");
    reset << "5";  // resets VmHWM to the current resident set
  }
  std::int64_t rss0 = status_kb("VmRSS:");
  auto t0 = std::chrono::steady_clock::now();
  int st = 0;
  json s = upload("/api/v1/svs/sign-file?key=2", big, auth(), &st);
  ASSERT_EQ(st, 200) << s.dump();
  EXPECT_EQ(s["bytes"], std::uint64_t{1} << 30);
  Bytes sig = base64_decode(s["signature"].get<std::string>()).value();
  double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  std::int64_t hwm = status_kb("VmHWM:");
  std::printf("[ figures  ] 1 GiB streamed and signed in %.2f s; peak RSS +%lld kB over a start of %lld kB\n", secs,
              static_cast<long long>(hwm - rss0), static_cast<long long>(rss0));
  EXPECT_LT(hwm - rss0, 64 * 1024) << "peak RSS grew by " << (hwm - rss0) << " kB";
  // openssl agrees: RSA PKCS#1 v1.5 with SHA-256 over the whole file.
  put("big.sig", sig);
  auto cert = call("/api/v1/svs/certificate", {{"key", "2"}});
  put("rsa.pem", as_bytes(cert.j()["pem"].get<std::string>()));
  std::string out;
  ASSERT_EQ(sh("openssl x509 -in rsa.pem -pubkey -noout > rsa.pub"), 0);
  EXPECT_EQ(sh("openssl dgst -sha256 -verify rsa.pub -signature big.sig big.bin", &out), 0) << out;
  fs::remove(big);
}

// ---- digital envelopes ----

TEST_F(SvsStreamTest, RsaEnvelopesInteroperateWithOpenSslCms) {
  const std::string secret_text = "检验报告 lab report 0042: potassium 4.1 mmol/L";
  // The recipient's key and certificate for openssl (test only; the server keeps its key sealed).
  auto key = server_->platform().keys.get("rsa-enc");
  ASSERT_TRUE(key.ok()) << key.error().to_string();
  auto der = key->private_der();
  ASSERT_TRUE(der.ok());
  put("rsa-enc.der", der->view());
  auto cert = call("/api/v1/svs/certificate", {{"key", "4"}});
  ASSERT_EQ(cert.status, 200) << cert.body;
  put("rsa-enc.pem", as_bytes(cert.j()["pem"].get<std::string>()));
  std::string out;
  ASSERT_EQ(sh("openssl pkey -inform DER -in rsa-enc.der -out rsa-enc.key", &out), 0) << out;
  // Server -> openssl.
  auto e = call("/api/v1/svs/envelope/encrypt", {{"data", base64_encode(as_bytes(secret_text))}, {"keys", {4}}});
  ASSERT_EQ(e.status, 200) << e.body;
  put("env.der", base64_decode(e.j()["envelope"].get<std::string>()).value());
  ASSERT_EQ(sh("openssl cms -decrypt -inform DER -in env.der -recip rsa-enc.pem -inkey rsa-enc.key -out env.txt", &out), 0)
      << out;
  std::string plain;
  sh("cat env.txt", &plain);
  EXPECT_EQ(plain, secret_text);
  // openssl -> server (PKCS#1 v1.5 key transport, AES-256-CBC).
  put("msg.txt", as_bytes(secret_text));
  ASSERT_EQ(sh("openssl cms -encrypt -binary -aes256 -in msg.txt -outform DER -out ossl.der rsa-enc.pem", &out), 0) << out;
  auto ossl = crypto::read_file(work_ / "ossl.der").value();
  auto d = call("/api/v1/svs/envelope/decrypt", {{"envelope", base64_encode(ossl)}, {"key", "4"}});
  ASSERT_EQ(d.status, 200) << d.body;
  EXPECT_EQ(base64_decode(d.j()["data"].get<std::string>()).value(), Bytes(secret_text.begin(), secret_text.end()));
  fs::remove(work_ / "rsa-enc.der");
  fs::remove(work_ / "rsa-enc.key");
  // A signing key whose certificate lacks keyEncipherment, a key the envelope is not for, garbage.
  EXPECT_EQ(call("/api/v1/svs/envelope/decrypt", {{"envelope", base64_encode(ossl)}, {"key", "2"}}).status, 403);
  EXPECT_EQ(call("/api/v1/svs/envelope/decrypt", {{"envelope", base64_encode(ossl)}, {"key", "3"}}).status, 404);
  EXPECT_EQ(call("/api/v1/svs/envelope/decrypt", {{"envelope", base64_encode(as_bytes("junk"))}, {"key", "4"}}).status, 400);
  EXPECT_EQ(call("/api/v1/svs/envelope/encrypt", {{"data", "AA=="}}).status, 400);
}

TEST_F(SvsStreamTest, Sm2EnvelopesOverRestAndForms) {
  const std::string text = "SM2 envelope content";
  pki::Certificate sm2 = key_cert(3);
  auto e = call("/api/v1/svs/envelope/encrypt",
                {{"data", base64_encode(as_bytes(text))}, {"certificates", {base64_encode(sm2.der())}}});
  ASSERT_EQ(e.status, 200) << e.body;
  auto d = call("/api/v1/svs/envelope/decrypt", {{"envelope", e.j()["envelope"]}, {"key", "sm2-enc"}});
  ASSERT_EQ(d.status, 200) << d.body;
  EXPECT_EQ(base64_decode(d.j()["data"].get<std::string>()).value(), Bytes(text.begin(), text.end()));
  // The vendor form routes.
  auto enc = server_->client().request(http::verb::post, "/envelopeEnc",
                                       "cert=" + url_b64(base64_encode(sm2.der())) + "&inData=" +
                                           url_b64(base64_encode(as_bytes(text))),
                                       "application/x-www-form-urlencoded");
  auto ef = form_fields(enc.body);
  ASSERT_EQ(ef["respValue"], "0") << enc.body;
  auto dec = server_->client().request(http::verb::post, "/envelopeDec",
                                       "keyIndex=3&keyValue=&envelopedData=" + url_b64(ef["envelopedData"]),
                                       "application/x-www-form-urlencoded");
  auto df = form_fields(dec.body);
  ASSERT_EQ(df["respValue"], "0") << dec.body;
  EXPECT_EQ(base64_decode(df["outData"]).value(), Bytes(text.begin(), text.end()));
  auto wrong = server_->client().request(http::verb::post, "/envelopeDec",
                                         "keyIndex=9&envelopedData=" + url_b64(ef["envelopedData"]),
                                         "application/x-www-form-urlencoded");
  EXPECT_EQ(form_fields(wrong.body)["respValue"], std::to_string(svs::kErrorKeyIndex)) << wrong.body;
  auto badcert = server_->client().request(http::verb::post, "/envelopeEnc", "cert=AAAA&inData=AAAA",
                                           "application/x-www-form-urlencoded");
  EXPECT_EQ(form_fields(badcert.body)["respValue"], std::to_string(svs::kErrorCertDecode)) << badcert.body;
}

// ---- TLS ----

TEST_F(SvsStreamTest, BinaryProtocolOverTls) {
  asio::io_context ioc;
  asio::ssl::context ctx(asio::ssl::context::tls_client);
  ctx.set_verify_mode(asio::ssl::verify_none);  // the test checks the protocol, not the certificate
  asio::ssl::stream<asio::ip::tcp::socket> s(ioc, ctx);
  ASSERT_GT(server_->svs_tls_port(), 0);
  s.next_layer().connect({asio::ip::make_address("127.0.0.1"), static_cast<unsigned short>(server_->svs_tls_port())});
  s.handshake(asio::ssl::stream_base::client);
  // Two pipelined requests in one write: SignData, then VerifySignedData of another text (invalid).
  auto sign = base(svs::ReqType::sign_data, kSm2);
  sign.key_index = 1;
  sign.key_value = Bytes{};
  set_data(sign, "over TLS");
  auto exp = base(svs::ReqType::export_cert, kSm2);
  exp.sign_method.reset();
  exp.identification = Bytes{'1'};
  Bytes batch = svs::encode_request(sign).value();
  Bytes e = svs::encode_request(exp).value();
  batch.insert(batch.end(), e.begin(), e.end());
  asio::write(s, asio::buffer(batch));
  std::vector<svs::Response> got;
  Bytes buf;
  while (got.size() < 2) {
    auto size = server::der_message_size(buf, 1u << 24);
    if (size.ok() && size->has_value() && buf.size() >= **size) {
      got.push_back(svs::decode_response(ByteView(buf.data(), **size)).value());
      buf.erase(buf.begin(), buf.begin() + static_cast<std::ptrdiff_t>(**size));
      continue;
    }
    std::uint8_t tmp[4096];
    boost::system::error_code ec;
    std::size_t n = s.read_some(asio::buffer(tmp), ec);
    ASSERT_FALSE(ec) << ec.message();
    buf.insert(buf.end(), tmp, tmp + n);
  }
  ASSERT_EQ(got[0].type, svs::ReqType::sign_data);
  ASSERT_EQ(got[0].resp_value, svs::kSuccess);
  ASSERT_EQ(got[1].type, svs::ReqType::export_cert);
  ASSERT_TRUE(got[1].cert);
  auto v = base(svs::ReqType::verify_signed_data, kSm2);
  v.sign_method.reset();
  v.cert_type = 1;
  v.cert = got[1].cert;
  set_data(v, "over TLS");
  v.signature = got[0].signature;
  v.verify_level = 1;
  Bytes vq = svs::encode_request(v).value();
  asio::write(s, asio::buffer(vq));
  buf.clear();
  for (;;) {
    auto size = server::der_message_size(buf, 1u << 24);
    if (size.ok() && size->has_value() && buf.size() >= **size) break;
    std::uint8_t tmp[4096];
    boost::system::error_code ec;
    std::size_t n = s.read_some(asio::buffer(tmp), ec);
    ASSERT_FALSE(ec) << ec.message();
    buf.insert(buf.end(), tmp, tmp + n);
  }
  EXPECT_EQ(svs::decode_response(buf).value().resp_value, svs::kSuccess);
  // Plain bytes on the TLS port are not a handshake: the connection closes, the server carries on.
  asio::ip::tcp::socket raw(ioc);
  raw.connect({asio::ip::make_address("127.0.0.1"), static_cast<unsigned short>(server_->svs_tls_port())});
  Bytes plain = svs::encode_request(exp).value();
  asio::write(raw, asio::buffer(plain));
  std::uint8_t tmp[256];
  boost::system::error_code ec;
  while (!ec) raw.read_some(asio::buffer(tmp), ec);
  EXPECT_TRUE(ec == asio::error::eof || ec == asio::error::connection_reset) << ec.message();
}

}  // namespace
}  // namespace medsign::test
