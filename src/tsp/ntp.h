// NTP/SNTP packets (RFC 5905 / RFC 4330): encoding, the client exchange used to watch time sources, and the
// reply of MedSign's SNTP server. Only the 48-byte header is used; extension fields and MACs are ignored on
// input and never sent.
#pragma once

#include <cstdint>
#include <string>

#include "common/bytes.h"

namespace medsign::tsp {

// Seconds and 2^-32 fractions since 1900-01-01 (NTP era 0).
struct NtpTimestamp {
  std::uint32_t seconds = 0, fraction = 0;
  static NtpTimestamp from_unix_micros(std::int64_t us);
  std::int64_t unix_micros() const;
  bool zero() const { return seconds == 0 && fraction == 0; }
};

struct NtpPacket {
  int leap = 0;      // 0 ok, 3 unsynchronised
  int version = 4;
  int mode = 3;      // 3 client, 4 server
  int stratum = 0;   // 0 unspecified / kiss-o'-death, 1 primary, 2..15 secondary, 16 unsynchronised
  int poll = 6;
  int precision = -20;
  std::uint32_t root_delay = 0, root_dispersion = 0;  // NTP short format (16.16 s)
  std::uint32_t reference_id = 0;
  NtpTimestamp reference, origin, receive, transmit;

  Bytes encode() const;
  // Errors (bad_encoding): shorter than 48 bytes, version not 1-4, mode 0 or 7.
  static Result<NtpPacket> decode(ByteView b);
};

// One measurement of a source (RFC 5905 §8 on-wire calculation).
struct NtpSample {
  double offset_ms = 0;  // source clock minus ours
  double delay_ms = 0;   // round trip minus the server's processing
  int stratum = 0;
  std::string reference_id;  // IPv4 dotted or 4-character code
  std::int64_t at_ms = 0;    // when the answer arrived (our clock)
};

// Sends one client request to host:port over UDP and waits up to timeout_ms. Errors: unavailable (no answer,
// unresolvable host), bad_encoding (malformed or mismatched reply, kiss-o'-death, unsynchronised server).
Result<NtpSample> ntp_query(const std::string& host, int port, int timeout_ms);

struct SntpServerState {
  bool synchronised = true;
  int stratum = 2;                  // our stratum when synchronised
  std::uint32_t reference_id = 0;   // e.g. the source's IPv4 or "LOCL"
  std::int64_t reference_unix_us = 0;
  double root_delay_ms = 0, root_dispersion_ms = 0;
};

// Builds the server reply to a client request received at recv_us and sent at tx_us (our clock). Errors for
// packets that are not client requests (mode != 3), so the server never answers other servers or itself.
Result<Bytes> make_sntp_reply(ByteView request, std::int64_t recv_us, std::int64_t tx_us, const SntpServerState& st);

std::int64_t now_unix_micros();
std::uint32_t reference_id_code(const char code[4]);

}  // namespace medsign::tsp
