// NTP/SNTP packets: decoding, re-encoding and the server's reply to arbitrary datagrams; and the text
// parsers of the clock monitor (time-source lists from the configuration, `chronyc -c tracking` output).
#include <cstdint>

#include <string_view>

#include "tsp/clock_monitor.h"
#include "tsp/ntp.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  medsign::ByteView in(data, size);
  auto p = medsign::tsp::NtpPacket::decode(in);
  if (p.ok()) {
    auto again = medsign::tsp::NtpPacket::decode(p->encode());
    if (!again.ok() || again->encode() != p->encode()) __builtin_trap();
  }
  medsign::tsp::SntpServerState st;
  auto reply = medsign::tsp::make_sntp_reply(in, 1, 2, st);
  if (reply.ok() && reply->size() != 48) __builtin_trap();
  std::string_view text(reinterpret_cast<const char*>(data), size);
  (void)medsign::tsp::parse_time_sources(text);
  (void)medsign::tsp::parse_chrony_tracking(text);
  return 0;
}
