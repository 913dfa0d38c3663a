#include "tsp/ntp.h"

#include <arpa/inet.h>
#include <netdb.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <algorithm>
#include <cstdio>
#include <cstring>

namespace medsign::tsp {
namespace {
constexpr std::int64_t kNtpUnixDelta = 2208988800LL;  // seconds from 1900 to 1970

void put32(Bytes& b, std::uint32_t v) {
  for (int i = 3; i >= 0; --i) b.push_back(static_cast<std::uint8_t>(v >> (8 * i)));
}
std::uint32_t get32(ByteView b, std::size_t off) {
  return (std::uint32_t{b[off]} << 24) | (std::uint32_t{b[off + 1]} << 16) | (std::uint32_t{b[off + 2]} << 8) |
         std::uint32_t{b[off + 3]};
}
void put_ts(Bytes& b, const NtpTimestamp& t) {
  put32(b, t.seconds);
  put32(b, t.fraction);
}
NtpTimestamp get_ts(ByteView b, std::size_t off) { return {get32(b, off), get32(b, off + 4)}; }
std::uint32_t to_short(double ms) {
  double s = ms / 1000.0;
  if (s < 0) s = 0;
  if (s > 65535) s = 65535;
  return static_cast<std::uint32_t>(s * 65536.0);
}
std::string refid_text(std::uint32_t id, int stratum) {
  char buf[32];
  if (stratum <= 1) {
    char code[5] = {static_cast<char>(id >> 24), static_cast<char>(id >> 16), static_cast<char>(id >> 8),
                    static_cast<char>(id), 0};
    for (char& c : code)
      if (c && !std::isprint(static_cast<unsigned char>(c))) c = '?';
    return code;
  }
  std::snprintf(buf, sizeof buf, "%u.%u.%u.%u", id >> 24, (id >> 16) & 255, (id >> 8) & 255, id & 255);
  return buf;
}
}  // namespace

std::int64_t now_unix_micros() {
  return std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::uint32_t reference_id_code(const char code[4]) {
  return (std::uint32_t(static_cast<unsigned char>(code[0])) << 24) |
         (std::uint32_t(static_cast<unsigned char>(code[1])) << 16) |
         (std::uint32_t(static_cast<unsigned char>(code[2])) << 8) | std::uint32_t(static_cast<unsigned char>(code[3]));
}

NtpTimestamp NtpTimestamp::from_unix_micros(std::int64_t us) {
  std::int64_t secs = us / 1000000 + kNtpUnixDelta;
  std::int64_t rem = us % 1000000;
  NtpTimestamp t;
  t.seconds = static_cast<std::uint32_t>(secs);
  t.fraction = static_cast<std::uint32_t>((static_cast<std::uint64_t>(rem) << 32) / 1000000);
  return t;
}

std::int64_t NtpTimestamp::unix_micros() const {
  // Era 0 ends in 2036: seconds below 2^31 are taken as era 1 (RFC 4330 §3).
  std::int64_t secs = seconds;
  if (seconds < 0x80000000u) secs += 0x100000000LL;
  std::int64_t us = static_cast<std::int64_t>((static_cast<std::uint64_t>(fraction) * 1000000) >> 32);
  return (secs - kNtpUnixDelta) * 1000000 + us;
}

Bytes NtpPacket::encode() const {
  Bytes b;
  b.reserve(48);
  b.push_back(static_cast<std::uint8_t>(((leap & 3) << 6) | ((version & 7) << 3) | (mode & 7)));
  b.push_back(static_cast<std::uint8_t>(stratum));
  b.push_back(static_cast<std::uint8_t>(static_cast<std::int8_t>(poll)));
  b.push_back(static_cast<std::uint8_t>(static_cast<std::int8_t>(precision)));
  put32(b, root_delay);
  put32(b, root_dispersion);
  put32(b, reference_id);
  put_ts(b, reference);
  put_ts(b, origin);
  put_ts(b, receive);
  put_ts(b, transmit);
  return b;
}

Result<NtpPacket> NtpPacket::decode(ByteView b) {
  if (b.size() < 48) return Error(Errc::bad_encoding, "NTP: packet shorter than 48 bytes");
  NtpPacket p;
  p.leap = b[0] >> 6;
  p.version = (b[0] >> 3) & 7;
  p.mode = b[0] & 7;
  if (p.version < 1 || p.version > 4) return Error(Errc::bad_encoding, "NTP: unsupported version");
  if (p.mode == 0 || p.mode == 7) return Error(Errc::bad_encoding, "NTP: reserved or private mode");
  p.stratum = b[1];
  p.poll = static_cast<std::int8_t>(b[2]);
  p.precision = static_cast<std::int8_t>(b[3]);
  p.root_delay = get32(b, 4);
  p.root_dispersion = get32(b, 8);
  p.reference_id = get32(b, 12);
  p.reference = get_ts(b, 16);
  p.origin = get_ts(b, 24);
  p.receive = get_ts(b, 32);
  p.transmit = get_ts(b, 40);
  return p;
}

Result<Bytes> make_sntp_reply(ByteView request, std::int64_t recv_us, std::int64_t tx_us, const SntpServerState& st) {
  MEDSIGN_ASSIGN(NtpPacket req, NtpPacket::decode(request));
  if (req.mode != 3) return Error(Errc::bad_encoding, "NTP: only client requests (mode 3) are answered");
  NtpPacket r;
  r.version = req.version;
  r.mode = 4;
  r.leap = st.synchronised ? 0 : 3;
  r.stratum = st.synchronised ? std::clamp(st.stratum, 1, 15) : 16;
  r.poll = req.poll;
  r.precision = -20;
  r.root_delay = to_short(st.root_delay_ms);
  r.root_dispersion = to_short(st.root_dispersion_ms);
  r.reference_id = st.reference_id;
  r.reference = NtpTimestamp::from_unix_micros(st.reference_unix_us ? st.reference_unix_us : recv_us);
  r.origin = req.transmit;
  r.receive = NtpTimestamp::from_unix_micros(recv_us);
  r.transmit = NtpTimestamp::from_unix_micros(tx_us);
  return r.encode();
}

Result<NtpSample> ntp_query(const std::string& host, int port, int timeout_ms) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_DGRAM;
  addrinfo* res = nullptr;
  std::string service = std::to_string(port);
  if (getaddrinfo(host.c_str(), service.c_str(), &hints, &res) != 0 || !res)
    return Error(Errc::unavailable, "NTP: cannot resolve " + host);
  int fd = ::socket(res->ai_family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    freeaddrinfo(res);
    return Error(Errc::unavailable, "NTP: cannot open a UDP socket");
  }
  NtpPacket req;
  std::int64_t t1 = now_unix_micros();
  req.transmit = NtpTimestamp::from_unix_micros(t1);
  Bytes out = req.encode();
  bool sent = ::connect(fd, res->ai_addr, res->ai_addrlen) == 0 && ::send(fd, out.data(), out.size(), 0) == 48;
  freeaddrinfo(res);
  if (!sent) {
    ::close(fd);
    return Error(Errc::unavailable, "NTP: cannot send to " + host + ":" + service);
  }
  std::uint8_t buf[512];
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  for (;;) {
    int left = static_cast<int>(
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now()).count());
    pollfd pfd{fd, POLLIN, 0};
    if (left <= 0 || ::poll(&pfd, 1, left) <= 0) {
      ::close(fd);
      return Error(Errc::unavailable, "NTP: no answer from " + host + ":" + service);
    }
    ssize_t n = ::recv(fd, buf, sizeof buf, 0);
    std::int64_t t4 = now_unix_micros();
    if (n < 0) {
      ::close(fd);
      return Error(Errc::unavailable, "NTP: " + host + ":" + service + " refused the request");
    }
    auto p = NtpPacket::decode(ByteView(buf, static_cast<std::size_t>(n)));
    if (!p || p->mode != 4 || p->origin.seconds != req.transmit.seconds || p->origin.fraction != req.transmit.fraction)
      continue;  // not our answer: keep waiting
    ::close(fd);
    if (p->stratum == 0) return Error(Errc::bad_encoding, "NTP: kiss-o'-death from " + host);
    if (p->leap == 3 || p->stratum >= 16) return Error(Errc::bad_encoding, "NTP: " + host + " is not synchronised");
    double t2 = static_cast<double>(p->receive.unix_micros()), t3 = static_cast<double>(p->transmit.unix_micros());
    NtpSample s;
    s.offset_ms = ((t2 - static_cast<double>(t1)) + (t3 - static_cast<double>(t4))) / 2000.0;
    s.delay_ms = ((static_cast<double>(t4) - static_cast<double>(t1)) - (t3 - t2)) / 1000.0;
    s.stratum = p->stratum;
    s.reference_id = refid_text(p->reference_id, p->stratum);
    s.at_ms = t4 / 1000;
    return s;
  }
}

}  // namespace medsign::tsp
