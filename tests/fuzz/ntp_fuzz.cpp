// NTP/SNTP packets: decoding, re-encoding and the server's reply to arbitrary datagrams.
#include <cstdint>

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
  return 0;
}
