#include "sdk/tsp/transport.h"

#include <netdb.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>

namespace medsign::sdk {
namespace {
using Clock = std::chrono::steady_clock;
constexpr std::size_t kMaxResponse = 4 * 1024 * 1024;

struct Url {
  std::string scheme, host, port, path;
};

Result<Url> parse_url(const std::string& s) {
  Url u;
  auto sep = s.find("://");
  if (sep == std::string::npos) return Error(Errc::invalid_argument, "TSA URL: expected http://host[:port]/path or tcp://host[:port]");
  u.scheme = s.substr(0, sep);
  if (u.scheme != "http" && u.scheme != "tcp")
    return Error(Errc::invalid_argument, "TSA URL: only http:// and tcp:// are supported");
  std::string rest = s.substr(sep + 3);
  auto slash = rest.find('/');
  std::string hostport = rest.substr(0, slash);
  u.path = slash == std::string::npos ? "/" : rest.substr(slash);
  if (!hostport.empty() && hostport[0] == '[') {  // [v6]:port
    auto close = hostport.find(']');
    if (close == std::string::npos) return Error(Errc::invalid_argument, "TSA URL: bad IPv6 address");
    u.host = hostport.substr(1, close - 1);
    if (close + 1 < hostport.size() && hostport[close + 1] == ':') u.port = hostport.substr(close + 2);
  } else {
    auto colon = hostport.rfind(':');
    u.host = hostport.substr(0, colon);
    if (colon != std::string::npos) u.port = hostport.substr(colon + 1);
  }
  if (u.host.empty()) return Error(Errc::invalid_argument, "TSA URL: no host");
  if (u.port.empty()) u.port = u.scheme == "http" ? "80" : "3318";
  return u;
}

class Socket {
 public:
  ~Socket() {
    if (fd_ >= 0) ::close(fd_);
  }
  Status connect(const Url& u, Clock::time_point deadline) {
    addrinfo hints{};
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    addrinfo* res = nullptr;
    if (getaddrinfo(u.host.c_str(), u.port.c_str(), &hints, &res) != 0 || !res)
      return Error(Errc::unavailable, "cannot resolve " + u.host);
    std::string why = "cannot connect to " + u.host + ":" + u.port;
    for (addrinfo* a = res; a; a = a->ai_next) {
      int fd = ::socket(a->ai_family, a->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, a->ai_protocol);
      if (fd < 0) continue;
      int rc = ::connect(fd, a->ai_addr, a->ai_addrlen);
      if (rc != 0 && errno == EINPROGRESS && wait(fd, POLLOUT, deadline)) {
        int err = 0;
        socklen_t len = sizeof err;
        getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len);
        rc = err == 0 ? 0 : -1;
      }
      if (rc == 0) {
        fd_ = fd;
        break;
      }
      ::close(fd);
    }
    freeaddrinfo(res);
    if (fd_ < 0) return Error(Errc::unavailable, why);
    return {};
  }
  Status send_all(ByteView data, Clock::time_point deadline) {
    std::size_t off = 0;
    while (off < data.size()) {
      ssize_t n = ::send(fd_, data.data() + off, data.size() - off, MSG_NOSIGNAL);
      if (n > 0) {
        off += static_cast<std::size_t>(n);
      } else if (n < 0 && (errno == EAGAIN || errno == EINTR)) {
        if (!wait(fd_, POLLOUT, deadline)) return Error(Errc::unavailable, "timeout sending to the TSA");
      } else {
        return Error(Errc::unavailable, "the TSA closed the connection");
      }
    }
    return {};
  }
  // Appends what arrives to `out`; returns false at end of stream.
  Result<bool> receive(Bytes& out, Clock::time_point deadline) {
    std::uint8_t buf[16384];
    for (;;) {
      ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
      if (n > 0) {
        out.insert(out.end(), buf, buf + n);
        if (out.size() > kMaxResponse) return Error(Errc::unavailable, "the TSA response is too large");
        return true;
      }
      if (n == 0) return false;
      if (errno != EAGAIN && errno != EINTR) return Error(Errc::unavailable, "connection to the TSA failed");
      if (!wait(fd_, POLLIN, deadline)) return Error(Errc::unavailable, "timeout waiting for the TSA");
    }
  }

 private:
  static bool wait(int fd, short events, Clock::time_point deadline) {
    for (;;) {
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
      if (left <= 0) return false;
      pollfd p{fd, events, 0};
      int rc = ::poll(&p, 1, static_cast<int>(left));
      if (rc > 0) return true;
      if (rc == 0 || errno != EINTR) return false;
    }
  }
  int fd_ = -1;
};

Result<Bytes> over_http(const Url& u, ByteView request, Clock::time_point deadline) {
  Socket s;
  MEDSIGN_TRY(s.connect(u, deadline));
  std::string head = "POST ";
  head.append(u.path).append(" HTTP/1.1\r\nHost: ").append(u.host).append(":").append(u.port);
  head.append("\r\nContent-Type: application/timestamp-query\r\nAccept: application/timestamp-reply\r\nContent-Length: ");
  head.append(std::to_string(request.size())).append("\r\nConnection: close\r\n\r\n");
  MEDSIGN_TRY(s.send_all(as_bytes(head), deadline));
  MEDSIGN_TRY(s.send_all(request, deadline));
  Bytes in;
  std::size_t header_end = std::string::npos, content_length = std::string::npos;
  for (;;) {
    MEDSIGN_ASSIGN(bool more, s.receive(in, deadline));
    std::string_view text = as_chars(in);
    if (header_end == std::string::npos) {
      auto e = text.find("\r\n\r\n");
      if (e != std::string::npos) {
        header_end = e + 4;
        std::string head_lower(text.substr(0, e));
        for (auto& c : head_lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        if (head_lower.rfind("http/1.", 0) != 0 || head_lower.size() < 12)
          return Error(Errc::unavailable, "the TSA did not answer HTTP");
        std::string status = head_lower.substr(9, 3);
        if (status != "200") return Error(Errc::unavailable, "the TSA answered HTTP " + status);
        if (head_lower.find("transfer-encoding: chunked") != std::string::npos)
          return Error(Errc::unavailable, "chunked TSA responses are not supported");
        auto cl = head_lower.find("content-length:");
        if (cl != std::string::npos) content_length = std::strtoul(head_lower.c_str() + cl + 15, nullptr, 10);
      }
    }
    if (header_end != std::string::npos && content_length != std::string::npos &&
        in.size() >= header_end + content_length)
      return Bytes(in.begin() + static_cast<std::ptrdiff_t>(header_end),
                   in.begin() + static_cast<std::ptrdiff_t>(header_end + content_length));
    if (!more) {
      if (header_end == std::string::npos || content_length != std::string::npos)
        return Error(Errc::unavailable, "the TSA closed the connection early");
      return Bytes(in.begin() + static_cast<std::ptrdiff_t>(header_end), in.end());
    }
  }
}

Result<Bytes> over_tcp(const Url& u, ByteView request, Clock::time_point deadline) {
  Socket s;
  MEDSIGN_TRY(s.connect(u, deadline));
  std::uint32_t len = static_cast<std::uint32_t>(request.size() + 1);
  Bytes frame = {static_cast<std::uint8_t>(len >> 24), static_cast<std::uint8_t>(len >> 16),
                 static_cast<std::uint8_t>(len >> 8), static_cast<std::uint8_t>(len), 0x00 /* tsaMsg */};
  frame.insert(frame.end(), request.begin(), request.end());
  MEDSIGN_TRY(s.send_all(frame, deadline));
  Bytes in;
  for (;;) {
    MEDSIGN_ASSIGN(bool more, s.receive(in, deadline));
    if (in.size() >= 5) {
      std::size_t n = (std::size_t{in[0]} << 24) | (std::size_t{in[1]} << 16) | (std::size_t{in[2]} << 8) | in[3];
      if (n < 1 || n > kMaxResponse) return Error(Errc::unavailable, "bad TCP frame from the TSA");
      if (in.size() >= 4 + n) {
        std::uint8_t flag = in[4];
        Bytes value(in.begin() + 5, in.begin() + static_cast<std::ptrdiff_t>(4 + n));
        if (flag == 0x05) return value;  // finalMsgRep
        if (flag == 0x06) return Error(Errc::unavailable, "the TSA reported an error: " + std::string(as_chars(value)));
        return Error(Errc::unavailable, "unexpected TCP message flag " + std::to_string(flag));
      }
    }
    if (!more) return Error(Errc::unavailable, "the TSA closed the connection early");
  }
}
}  // namespace

Result<Bytes> exchange(const std::string& url, ByteView request, int timeout_ms) {
  MEDSIGN_ASSIGN(Url u, parse_url(url));
  auto deadline = Clock::now() + std::chrono::milliseconds(timeout_ms);
  return u.scheme == "http" ? over_http(u, request, deadline) : over_tcp(u, request, deadline);
}

}  // namespace medsign::sdk
