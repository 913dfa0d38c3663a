// A small TCP/HTTP server for CRL fetch tests, on 127.0.0.1 and an ephemeral port, that can serve a CRL,
// answer 404, hang (accept and never answer), send garbage as soon as a client connects, or announce a
// body larger than any limit. Also stands in for a hanging or garbage-sending LDAP server.
#pragma once

#include <gtest/gtest.h>
#include <sys/wait.h>

#include <array>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <boost/asio.hpp>

#include "common/bytes.h"

namespace medsign::pki::test {

class CrlTestServer {
 public:
  enum class Mode { serve, not_found, hang, garbage, oversized };

  CrlTestServer() : acceptor_(ioc_, {boost::asio::ip::make_address("127.0.0.1"), 0}) {
    accept();
    thread_ = std::thread([this] { ioc_.run(); });
  }
  ~CrlTestServer() {
    ioc_.stop();
    thread_.join();
  }

  std::uint16_t port() const { return acceptor_.local_endpoint().port(); }
  std::string url(const std::string& path = "/ca.crl") const {
    return "http://127.0.0.1:" + std::to_string(port()) + path;
  }
  void set(Mode m, Bytes body = {}) {
    std::lock_guard lock(mu_);
    mode_ = m;
    body_ = std::move(body);
  }
  int requests() const {
    std::lock_guard lock(mu_);
    return requests_;
  }

 private:
  using tcp = boost::asio::ip::tcp;

  void accept() {
    acceptor_.async_accept([this](boost::system::error_code ec, tcp::socket s) {
      if (!ec) handle(std::make_shared<tcp::socket>(std::move(s)));
      accept();
    });
  }

  void handle(std::shared_ptr<tcp::socket> sock) {
    Mode m;
    Bytes body;
    {
      std::lock_guard lock(mu_);
      m = mode_;
      body = body_;
      ++requests_;
    }
    if (m == Mode::hang) {
      hung_.push_back(sock);  // kept open, never answered
      return;
    }
    if (m == Mode::garbage) {
      auto junk = std::make_shared<std::string>("\x30\x84\xff\xff\xff\xff garbage that is neither HTTP nor LDAP\r\n\r\n");
      boost::asio::async_write(*sock, boost::asio::buffer(*junk), [sock, junk](boost::system::error_code, std::size_t) {
        boost::system::error_code ignored;
        sock->shutdown(tcp::socket::shutdown_both, ignored);
      });
      return;
    }
    auto in = std::make_shared<boost::asio::streambuf>(64 * 1024);
    boost::asio::async_read_until(*sock, *in, "\r\n\r\n", [this, sock, in, m, body](boost::system::error_code ec,
                                                                                   std::size_t) {
      if (ec) return;
      auto out = std::make_shared<std::string>();
      if (m == Mode::serve) {
        out->append("HTTP/1.1 200 OK\r\nContent-Type: application/pkix-crl\r\nContent-Length: ");
        out->append(std::to_string(body.size())).append("\r\nConnection: close\r\n\r\n");
        out->append(body.begin(), body.end());
      } else if (m == Mode::not_found) {
        out->append("HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
      } else {  // oversized
        out->append("HTTP/1.1 200 OK\r\nContent-Length: 4000000000\r\nConnection: close\r\n\r\n");
        out->append(std::string(64 * 1024, 'x'));
      }
      boost::asio::async_write(*sock, boost::asio::buffer(*out), [sock, out](boost::system::error_code, std::size_t) {
        boost::system::error_code ignored;
        sock->shutdown(tcp::socket::shutdown_send, ignored);
      });
    });
  }

  boost::asio::io_context ioc_;
  tcp::acceptor acceptor_;
  std::thread thread_;
  mutable std::mutex mu_;
  Mode mode_ = Mode::serve;
  Bytes body_;
  int requests_ = 0;
  std::vector<std::shared_ptr<tcp::socket>> hung_;
};

// A throw-away slapd (scripts/slapd-test.sh) for the lifetime of the object. available() is false, with
// the reason in why(), when slapd is not installed.
class SlapdServer {
 public:
  SlapdServer() {
    std::string tmpl = (std::filesystem::path(::testing::TempDir()) / "medsign-slapd-XXXXXX").string();
    dir_ = mkdtemp(tmpl.data());
    const std::string script = std::string(MEDSIGN_SOURCE_DIR) + "/scripts/slapd-test.sh";
    FILE* p = popen((script + " start " + dir_ + " 2>" + dir_ + "/start.err").c_str(), "r");
    char buf[256] = {0};
    if (p) {
      if (fgets(buf, sizeof buf, p)) url_ = buf;
      const int rc = pclose(p);
      if (WEXITSTATUS(rc) == 3) why_ = "slapd is not installed (apt-get install slapd ldap-utils)";
      else if (rc != 0) why_ = "slapd-test.sh start failed";
    }
    while (!url_.empty() && (url_.back() == '\n' || url_.back() == '\r')) url_.pop_back();
    if (url_.empty() && why_.empty()) why_ = "slapd-test.sh printed no URL";
  }
  ~SlapdServer() {
    if (!url_.empty()) (void)std::system((std::string(MEDSIGN_SOURCE_DIR) + "/scripts/slapd-test.sh stop " + dir_ + " 2>/dev/null").c_str());
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }
  bool available() const { return !url_.empty(); }
  const std::string& why() const { return why_; }
  const std::string& url() const { return url_; }
  // Stores a DER CRL file under cn=<cn>; returns the ldap:// URL of its certificateRevocationList;binary.
  std::string put_crl(const std::string& cn, const std::string& der_file) {
    const std::string cmd = std::string(MEDSIGN_SOURCE_DIR) + "/scripts/slapd-test.sh put-crl " + dir_ + " '" + cn +
                            "' " + der_file + " >/dev/null 2>&1";
    EXPECT_EQ(std::system(cmd.c_str()), 0) << cmd;
    std::string dn = "cn=" + cn + ",dc=medsign,dc=test";
    std::string enc;
    for (char c : dn) enc += c == ' ' ? std::string("%20") : std::string(1, c);
    return url_ + "/" + enc + "?certificateRevocationList;binary";
  }

 private:
  std::string dir_, url_, why_;
};

}  // namespace medsign::pki::test
