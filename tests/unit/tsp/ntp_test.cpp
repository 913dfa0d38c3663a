#include "tsp/ntp.h"

#include <gtest/gtest.h>

#include "tsp/clock_monitor.h"

namespace medsign::tsp {
namespace {

TEST(NtpTimestamp, ConvertsUnixTimeBothWays) {
  std::int64_t us = 1795795200123456;  // 2026-11-27
  auto t = NtpTimestamp::from_unix_micros(us);
  EXPECT_EQ(t.seconds, static_cast<std::uint32_t>(1795795200 + 2208988800LL));
  EXPECT_NEAR(static_cast<double>(t.unix_micros()), static_cast<double>(us), 1.0);
  // After the 2036 era rollover the short form still maps forward in time.
  auto late = NtpTimestamp::from_unix_micros(2100000000LL * 1000000);
  EXPECT_EQ(late.unix_micros(), 2100000000LL * 1000000);
}

TEST(NtpPacket, RoundTripsAndRejectsMalformed) {
  NtpPacket p;
  p.mode = 4;
  p.stratum = 2;
  p.reference_id = reference_id_code("GPS ");
  p.transmit = NtpTimestamp::from_unix_micros(1000000);
  auto b = p.encode();
  ASSERT_EQ(b.size(), 48u);
  auto back = NtpPacket::decode(b).value();
  EXPECT_EQ(back.mode, 4);
  EXPECT_EQ(back.stratum, 2);
  EXPECT_EQ(back.reference_id, p.reference_id);
  EXPECT_EQ(back.transmit.seconds, p.transmit.seconds);
  EXPECT_EQ(NtpPacket::decode(ByteView(b).first(47)).error().code, Errc::bad_encoding);
  Bytes bad = b;
  bad[0] = static_cast<std::uint8_t>((0 << 6) | (0 << 3) | 3);  // version 0
  EXPECT_FALSE(NtpPacket::decode(bad).ok());
  bad[0] = static_cast<std::uint8_t>((4 << 3) | 7);  // private mode
  EXPECT_FALSE(NtpPacket::decode(bad).ok());
}

TEST(SntpReply, AnswersClientsOnlyAndEchoesTheirTransmitTime) {
  NtpPacket req;
  req.transmit = NtpTimestamp::from_unix_micros(5000000);
  SntpServerState st;
  st.stratum = 3;
  auto reply = NtpPacket::decode(make_sntp_reply(req.encode(), 6000000, 6000100, st).value()).value();
  EXPECT_EQ(reply.mode, 4);
  EXPECT_EQ(reply.leap, 0);
  EXPECT_EQ(reply.stratum, 3);
  EXPECT_EQ(reply.origin.seconds, req.transmit.seconds);
  EXPECT_EQ(reply.origin.fraction, req.transmit.fraction);
  EXPECT_NEAR(static_cast<double>(reply.receive.unix_micros()), 6000000.0, 1.0);
  NtpPacket server_pkt;
  server_pkt.mode = 4;
  EXPECT_FALSE(make_sntp_reply(server_pkt.encode(), 1, 2, st).ok());
  st.synchronised = false;
  auto unsync = NtpPacket::decode(make_sntp_reply(req.encode(), 1, 2, st).value()).value();
  EXPECT_EQ(unsync.leap, 3);
  EXPECT_EQ(unsync.stratum, 16);
}

TEST(TimeSources, ParseListsAndNameBadEntries) {
  auto s = parse_time_sources(" ntp1.example , 10.0.0.5:1123,").value();
  ASSERT_EQ(s.size(), 2u);
  EXPECT_EQ(s[0].host, "ntp1.example");
  EXPECT_EQ(s[0].port, 123);
  EXPECT_EQ(s[1].port, 1123);
  auto bad = parse_time_sources("a:99999");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.error().detail.find("a:99999"), std::string::npos);
  EXPECT_TRUE(parse_time_sources("").value().empty());
}

TEST(Chrony, ParsesTrackingCsv) {
  auto t = parse_chrony_tracking(
               "C0A80001,ntp.example,3,1795795200.123,-0.000012345,0.000001,0.000020,-12.3,0.001,0.05,0.01,0.001,64.2,"
               "Normal\n")
               .value();
  EXPECT_EQ(t.reference, "ntp.example");
  EXPECT_EQ(t.stratum, 3);
  EXPECT_NEAR(t.system_offset_ms, -0.012345, 1e-9);
  EXPECT_EQ(t.leap_status, "Normal");
  EXPECT_FALSE(parse_chrony_tracking("1,2,3").ok());
  EXPECT_FALSE(parse_chrony_tracking("a,b,x,d,e,f,g,h,i,j,k,l,m,n").ok());
}

TEST(ClockMonitor, WithoutSourcesTrustsTheLocalClockAndSaysSo) {
  ClockMonitor m({});
  auto st = m.status();
  EXPECT_TRUE(st.ok);
  EXPECT_NE(st.reason.find("no time sources configured"), std::string::npos);
  EXPECT_EQ(m.sntp_state().stratum, 10);
}

}  // namespace
}  // namespace medsign::tsp
