// pki::fetch_crl against real servers: an asio HTTP server in the test and a throw-away slapd.
#include <gtest/gtest.h>

#include <chrono>

#include "crl_test_server.h"
#include "pki/crl_fetch.h"
#include "policy_world.h"

namespace medsign::pki::test {
namespace {

std::int64_t elapsed_ms(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - t0).count();
}

CrlFetchOptions quick(int timeout_ms = 400) {
  CrlFetchOptions o;
  o.connect_timeout_ms = timeout_ms;
  o.timeout_ms = timeout_ms;
  o.max_bytes = 1 << 20;
  return o;
}

TEST(CrlSourceUrl, ParsesHttpAndLdapForms) {
  auto h = parse_crl_source_url("http://crl.example.cn:8080/ca/nhc.crl?x=1");
  ASSERT_TRUE(h.ok()) << h.error().to_string();
  EXPECT_EQ(h->scheme, CrlSourceUrl::Scheme::http);
  EXPECT_EQ(h->host, "crl.example.cn");
  EXPECT_EQ(h->port, 8080);
  EXPECT_EQ(h->target, "/ca/nhc.crl?x=1");
  auto d = parse_crl_source_url("HTTP://10.0.0.1");
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(d->port, 80);
  EXPECT_EQ(d->target, "/");
  auto l = parse_crl_source_url("ldap://ldap.ca.cn/cn=NHC%20CA,o=NHC,c=CN?certificateRevocationList;binary");
  ASSERT_TRUE(l.ok()) << l.error().to_string();
  EXPECT_EQ(l->scheme, CrlSourceUrl::Scheme::ldap);
  EXPECT_EQ(l->port, 389);
  EXPECT_EQ(l->dn, "cn=NHC CA,o=NHC,c=CN");
  EXPECT_EQ(l->attribute, "certificateRevocationList;binary");
  auto l2 = parse_crl_source_url("ldap://[::1]:3890/cn=x?certificateRevocationList?base?(objectClass=*)");
  ASSERT_TRUE(l2.ok()) << l2.error().to_string();
  EXPECT_EQ(l2->host, "::1");
  EXPECT_EQ(l2->port, 3890);
  EXPECT_EQ(l2->attribute, "certificateRevocationList");
  auto l3 = parse_crl_source_url("ldap://h/cn=x");
  ASSERT_TRUE(l3.ok());
  EXPECT_EQ(l3->attribute, "certificateRevocationList;binary");
}

TEST(CrlSourceUrl, RefusesWhatItCannotFetchWithSpecificErrors) {
  for (const char* bad : {"ftp://h/x", "http://", "http:///x", "http://h:0/", "http://h:70000/", "http://h:8x/",
                          "http://u:p@h/", "http://h /x", "ldap://h", "ldap://h/", "ldap://h/cn=x?a,b",
                          "ldap://h/cn=x?crl?sub", "ldap://h/cn=x?crl?base?(cn=*)", "ldap://h/cn=%4", "ldap://h/cn=%00",
                          "ldap://h/cn=x?crl?base??ext", "crl.example.cn/ca.crl", "http://[::1/"}) {
    auto r = parse_crl_source_url(bad);
    ASSERT_FALSE(r.ok()) << bad;
    EXPECT_EQ(r.error().code, Errc::invalid_argument) << bad;
  }
}

TEST(CrlFetchHttp, DownloadsTheCrlTheServerServes) {
  CrlTestServer server;
  server.set(CrlTestServer::Mode::serve, policy_world().inter_crl.der());
  auto crl = fetch_crl(server.url(), quick());
  ASSERT_TRUE(crl.ok()) << crl.error().to_string();
  EXPECT_EQ(crl->der(), policy_world().inter_crl.der());
  EXPECT_EQ(crl->revoked().size(), 1u);
}

TEST(CrlFetchHttp, AcceptsPemToo) {
  CrlTestServer server;
  server.set(CrlTestServer::Mode::serve, to_bytes(policy_world().inter_crl.to_pem()));
  auto crl = fetch_crl(server.url(), quick());
  ASSERT_TRUE(crl.ok()) << crl.error().to_string();
  EXPECT_EQ(crl->der(), policy_world().inter_crl.der());
}

TEST(CrlFetchHttp, HttpErrorStatusIsFetchFailed) {
  CrlTestServer server;
  server.set(CrlTestServer::Mode::not_found);
  auto r = fetch_crl(server.url(), quick());
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, Errc::crl_fetch_failed);
  EXPECT_NE(r.error().detail.find("404"), std::string::npos) << r.error().detail;
}

TEST(CrlFetchHttp, HangingSourceTimesOutWithinTheBound) {
  CrlTestServer server;
  server.set(CrlTestServer::Mode::hang);
  const auto t0 = std::chrono::steady_clock::now();
  auto r = fetch_crl(server.url(), quick(300));
  const auto ms = elapsed_ms(t0);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, Errc::crl_fetch_timeout) << r.error().to_string();
  EXPECT_GE(ms, 250);
  EXPECT_LT(ms, 1500);
}

TEST(CrlFetchHttp, GarbageAnswerIsASpecificError) {
  CrlTestServer server;
  server.set(CrlTestServer::Mode::garbage);
  auto r = fetch_crl(server.url(), quick());
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, Errc::crl_fetch_failed) << r.error().to_string();
}

TEST(CrlFetchHttp, NonCrlBodyIsBadEncoding) {
  CrlTestServer server;
  server.set(CrlTestServer::Mode::serve, to_bytes("<html>not a CRL</html>"));
  auto r = fetch_crl(server.url(), quick());
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, Errc::bad_encoding) << r.error().to_string();
}

TEST(CrlFetchHttp, OversizedBodyIsRefusedBeforeItIsRead) {
  CrlTestServer server;
  server.set(CrlTestServer::Mode::oversized);
  auto r = fetch_crl(server.url(), quick());
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, Errc::crl_too_large) << r.error().to_string();
  EXPECT_LT(r.error().detail.size(), 400u);
}

TEST(CrlFetchHttp, RefusedConnectionIsFetchFailed) {
  std::uint16_t port;
  {
    CrlTestServer gone;
    port = gone.port();
  }
  auto r = fetch_crl("http://127.0.0.1:" + std::to_string(port) + "/x.crl", quick());
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, Errc::crl_fetch_failed) << r.error().to_string();
}

TEST(CrlFetchLdap, DownloadsCertificateRevocationListBinaryFromSlapd) {
  SlapdServer slapd;
  if (!slapd.available()) GTEST_SKIP() << "LDAP test skipped: " << slapd.why();
  const std::string url = slapd.put_crl("NHC Issuing CA", policy_world().inter_crl_der_file);
  auto crl = fetch_crl(url, quick(2000));
  ASSERT_TRUE(crl.ok()) << crl.error().to_string();
  EXPECT_EQ(crl->der(), policy_world().inter_crl.der());

  auto missing = fetch_crl(slapd.url() + "/cn=Nobody,dc=medsign,dc=test", quick(2000));
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().code, Errc::crl_fetch_failed);
  EXPECT_NE(missing.error().detail.find("no entry"), std::string::npos) << missing.error().detail;

  auto no_attr = fetch_crl(slapd.url() + "/dc=medsign,dc=test", quick(2000));
  ASSERT_FALSE(no_attr.ok());
  EXPECT_EQ(no_attr.error().code, Errc::crl_fetch_failed) << no_attr.error().to_string();
}

TEST(CrlFetchLdap, HangingLdapSourceTimesOutWithinTheBound) {
  CrlTestServer server;
  server.set(CrlTestServer::Mode::hang);
  const auto t0 = std::chrono::steady_clock::now();
  auto r = fetch_crl("ldap://127.0.0.1:" + std::to_string(server.port()) + "/cn=CA", quick(300));
  const auto ms = elapsed_ms(t0);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, Errc::crl_fetch_timeout) << r.error().to_string();
  EXPECT_LT(ms, 1500);
}

TEST(CrlFetchLdap, GarbageFromAnLdapPortIsFetchFailed) {
  CrlTestServer server;
  server.set(CrlTestServer::Mode::garbage);
  const auto t0 = std::chrono::steady_clock::now();
  auto r = fetch_crl("ldap://127.0.0.1:" + std::to_string(server.port()) + "/cn=CA", quick(500));
  ASSERT_FALSE(r.ok());
  EXPECT_TRUE(r.error().code == Errc::crl_fetch_failed || r.error().code == Errc::crl_fetch_timeout)
      << r.error().to_string();
  EXPECT_LT(elapsed_ms(t0), 1500);
}

}  // namespace
}  // namespace medsign::pki::test
