#include "sdk/svs/connection.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <optional>

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

namespace medsign::sdk::svs {
namespace {

int millis_left(Clock::time_point deadline) {
  auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
  if (left <= 0) return 0;
  return left > 0x7fffffff ? 0x7fffffff : static_cast<int>(left);
}

bool poll_fd(int fd, short events, Clock::time_point deadline) {
  for (;;) {
    pollfd p{fd, events, 0};
    int r = ::poll(&p, 1, millis_left(deadline));
    if (r > 0) return true;
    if (r == 0) return false;
    if (errno != EINTR) return true;  // let the next read/write report the error
  }
}

// OpenSSL writes to the socket with write(2), which raises SIGPIPE on a connection the peer has closed;
// a library must not kill its host process. While one of these lives, SIGPIPE is blocked on this thread
// and one raised meanwhile is consumed (the approach of libpq and curl).
class SigpipeGuard {
 public:
  SigpipeGuard() {
    sigset_t pipe;
    sigemptyset(&pipe);
    sigaddset(&pipe, SIGPIPE);
    sigset_t pending;
    sigpending(&pending);
    was_pending_ = sigismember(&pending, SIGPIPE) == 1;
    pthread_sigmask(SIG_BLOCK, &pipe, &old_);
  }
  ~SigpipeGuard() {
    sigset_t pending;
    sigpending(&pending);
    if (!was_pending_ && sigismember(&pending, SIGPIPE) == 1) {
      sigset_t pipe;
      sigemptyset(&pipe);
      sigaddset(&pipe, SIGPIPE);
      timespec zero{0, 0};
      sigtimedwait(&pipe, nullptr, &zero);
    }
    pthread_sigmask(SIG_SETMASK, &old_, nullptr);
  }

 private:
  sigset_t old_;
  bool was_pending_ = false;
};

std::string tls_error_text() {
  unsigned long e = ERR_get_error();
  ERR_clear_error();
  if (!e) return "TLS failure";
  char buf[256];
  ERR_error_string_n(e, buf, sizeof buf);
  return buf;
}

// Size of the DER element at the start of buf: nullopt while the header is incomplete; 0 for input
// that is not a definite-length SEQUENCE.
std::optional<std::size_t> der_size(ByteView buf) {
  if (buf.empty()) return std::nullopt;
  if (buf[0] != 0x30) return 0;
  if (buf.size() < 2) return std::nullopt;
  std::uint8_t l = buf[1];
  if (l < 0x80) return std::size_t{2} + l;
  std::size_t n = l & 0x7f;
  if (n == 0 || n > 4) return 0;
  if (buf.size() < 2 + n) return std::nullopt;
  std::size_t len = 0;
  for (std::size_t i = 0; i < n; ++i) len = (len << 8) | buf[2 + i];
  return 2 + n + len;
}

int connect_one(const addrinfo* ai, Clock::time_point deadline, std::string& why) {
  int fd = ::socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC | SOCK_NONBLOCK, ai->ai_protocol);
  if (fd < 0) {
    why = std::strerror(errno);
    return -1;
  }
  int r = ::connect(fd, ai->ai_addr, ai->ai_addrlen);
  if (r != 0 && errno != EINPROGRESS) {
    why = std::strerror(errno);
    ::close(fd);
    return -1;
  }
  if (r != 0) {
    if (!poll_fd(fd, POLLOUT, deadline)) {
      why = "connect timed out";
      ::close(fd);
      return -1;
    }
    int soerr = 0;
    socklen_t len = sizeof soerr;
    ::getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &len);
    if (soerr != 0) {
      why = std::strerror(soerr);
      ::close(fd);
      return -1;
    }
  }
  int one = 1;
  ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  ::setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &one, sizeof one);
  return fd;
}

}  // namespace

std::unique_ptr<Connection> Connection::open(const Endpoint& ep, SSL_CTX* tls, const std::string& tls_name,
                                             Clock::time_point deadline, IoError& err) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_ADDRCONFIG;
  addrinfo* res = nullptr;
  int gr = ::getaddrinfo(ep.host.c_str(), ep.port.c_str(), &hints, &res);
  if (gr != 0) {
    err = {IoFailure::refused, ep.label() + ": " + ::gai_strerror(gr)};
    return nullptr;
  }
  int fd = -1;
  std::string why = "no address";
  for (addrinfo* ai = res; ai && fd < 0; ai = ai->ai_next) {
    if (Clock::now() >= deadline) {
      why = "connect timed out";
      break;
    }
    fd = connect_one(ai, deadline, why);
  }
  ::freeaddrinfo(res);
  if (fd < 0) {
    err = {why == "connect timed out" ? IoFailure::timeout : IoFailure::refused, ep.label() + ": " + why};
    return nullptr;
  }
  if (!tls) return std::unique_ptr<Connection>(new Connection(fd, nullptr));

  SSL* ssl = SSL_new(tls);
  if (!ssl) {
    ::close(fd);
    err = {IoFailure::tls, ep.label() + ": " + tls_error_text()};
    return nullptr;
  }
  std::unique_ptr<Connection> c(new Connection(fd, ssl));
  // The certificate must name the host: an IP address literal as an iPAddress entry, else a dNSName
  // (sent as SNI too).
  const std::string& name = tls_name.empty() ? ep.host : tls_name;
  in6_addr probe;
  if (::inet_pton(AF_INET, name.c_str(), &probe) == 1 || ::inet_pton(AF_INET6, name.c_str(), &probe) == 1) {
    X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl), name.c_str());
  } else {
    SSL_set_tlsext_host_name(ssl, name.c_str());
    SSL_set1_host(ssl, name.c_str());
  }
  SSL_set_fd(ssl, fd);
  SigpipeGuard no_sigpipe;
  for (;;) {
    int r = SSL_connect(ssl);
    if (r == 1) break;
    int e = SSL_get_error(ssl, r);
    if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE) {
      if (!poll_fd(fd, e == SSL_ERROR_WANT_READ ? POLLIN : POLLOUT, deadline)) {
        err = {IoFailure::timeout, ep.label() + ": TLS handshake timed out"};
        return nullptr;
      }
      continue;
    }
    long vr = SSL_get_verify_result(ssl);
    std::string detail = vr != X509_V_OK ? std::string("certificate: ") + X509_verify_cert_error_string(vr)
                                         : tls_error_text();
    err = {e == SSL_ERROR_SYSCALL || e == SSL_ERROR_ZERO_RETURN ? IoFailure::broken : IoFailure::tls,
           ep.label() + ": TLS handshake failed: " + detail};
    if (vr != X509_V_OK) err.kind = IoFailure::tls;
    return nullptr;
  }
  return c;
}

Connection::~Connection() {
  if (ssl_) {
    SigpipeGuard no_sigpipe;
    SSL_free(ssl_);
    ERR_clear_error();
  }
  if (fd_ >= 0) ::close(fd_);
}

bool Connection::wait(bool for_write, Clock::time_point deadline, IoError& err) const {
  if (poll_fd(fd_, for_write ? POLLOUT : POLLIN, deadline)) return true;
  err = {IoFailure::timeout, for_write ? "sending the request timed out" : "no answer within the request timeout"};
  return false;
}

long Connection::write_some(const std::uint8_t* p, std::size_t n, Clock::time_point deadline, IoError& err) {
  std::optional<SigpipeGuard> no_sigpipe;
  if (ssl_) no_sigpipe.emplace();
  for (;;) {
    if (ssl_) {
      int r = SSL_write(ssl_, p, static_cast<int>(n > 0x40000000 ? 0x40000000 : n));
      if (r > 0) return r;
      int e = SSL_get_error(ssl_, r);
      if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE) {
        if (!wait(e == SSL_ERROR_WANT_WRITE, deadline, err)) return -1;
        continue;
      }
      ERR_clear_error();
      err = {IoFailure::broken, "the connection broke while sending"};
      return -1;
    }
    ssize_t r = ::send(fd_, p, n, MSG_NOSIGNAL);
    if (r > 0) return r;
    if (r < 0 && errno == EINTR) continue;
    if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      if (!wait(true, deadline, err)) return -1;
      continue;
    }
    err = {IoFailure::broken, std::string("the connection broke while sending: ") + std::strerror(errno)};
    return -1;
  }
}

long Connection::read_some(std::uint8_t* p, std::size_t n, Clock::time_point deadline, IoError& err) {
  std::optional<SigpipeGuard> no_sigpipe;
  if (ssl_) no_sigpipe.emplace();
  for (;;) {
    if (ssl_) {
      int r = SSL_read(ssl_, p, static_cast<int>(n));
      if (r > 0) return r;
      int e = SSL_get_error(ssl_, r);
      if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE) {
        if (!wait(e == SSL_ERROR_WANT_WRITE, deadline, err)) return -1;
        continue;
      }
      ERR_clear_error();
      return 0;
    }
    ssize_t r = ::recv(fd_, p, n, 0);
    if (r >= 0) return r;
    if (errno == EINTR) continue;
    if (errno == EAGAIN || errno == EWOULDBLOCK) {
      if (!wait(false, deadline, err)) return -1;
      continue;
    }
    return 0;  // reset: reported as a closed connection
  }
}

bool Connection::exchange(ByteView request, Bytes& answer, std::size_t max_answer, Clock::time_point deadline,
                          IoError& err) {
  std::size_t off = 0;
  while (off < request.size()) {
    long w = write_some(request.data() + off, request.size() - off, deadline, err);
    if (w <= 0) {
      if (w == 0) err = {IoFailure::broken, "the connection broke while sending"};
      return false;
    }
    off += static_cast<std::size_t>(w);
  }
  std::uint8_t tmp[16384];
  for (;;) {
    auto size = der_size(buf_);
    if (size && *size == 0) {
      err = {IoFailure::protocol, "the server's answer is not a DER SEQUENCE"};
      return false;
    }
    if (size && *size > max_answer) {
      err = {IoFailure::protocol, "the server's answer is larger than " + std::to_string(max_answer) + " bytes"};
      return false;
    }
    if (size && buf_.size() >= *size) {
      answer.assign(buf_.begin(), buf_.begin() + static_cast<std::ptrdiff_t>(*size));
      buf_.erase(buf_.begin(), buf_.begin() + static_cast<std::ptrdiff_t>(*size));
      return true;
    }
    std::size_t want = sizeof tmp;
    if (size) want = std::min(want, *size - buf_.size());
    long r = read_some(tmp, want, deadline, err);
    if (r < 0) return false;
    if (r == 0) {
      err = {IoFailure::broken, "the server closed the connection", !buf_.empty()};
      return false;
    }
    buf_.insert(buf_.end(), tmp, tmp + r);
  }
}

bool Connection::idle_ok() const {
  if (!buf_.empty()) return false;
  pollfd p{fd_, POLLIN, 0};
  if (::poll(&p, 1, 0) <= 0) return true;
  if (p.revents & (POLLERR | POLLHUP | POLLNVAL)) return false;
  if (ssl_) {
    // TLS 1.3 servers send session tickets after the handshake: SSL_peek consumes those and reports
    // "want read" when no application data is there.
    std::uint8_t b;
    int r = SSL_peek(ssl_, &b, 1);
    if (r > 0) return false;
    int e = SSL_get_error(ssl_, r);
    ERR_clear_error();
    return e == SSL_ERROR_WANT_READ;
  }
  std::uint8_t b;
  ssize_t r = ::recv(fd_, &b, 1, MSG_PEEK | MSG_DONTWAIT);
  return r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK);
}

}  // namespace medsign::sdk::svs
