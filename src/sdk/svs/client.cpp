#include "sdk/svs/client.h"

#include <algorithm>
#include <charconv>

#include <openssl/err.h>
#include <openssl/ssl.h>

namespace medsign::sdk::svs {
namespace {

std::string trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return std::string(s);
}

bool valid_port(const std::string& p) {
  unsigned v = 0;
  auto [end, ec] = std::from_chars(p.data(), p.data() + p.size(), v);
  return ec == std::errc() && end == p.data() + p.size() && v >= 1 && v <= 65535;
}

bool parse_endpoint(const std::string& item, Endpoint& ep, std::string& why) {
  std::string host, port = "6029";
  if (!item.empty() && item.front() == '[') {
    auto close = item.find(']');
    if (close == std::string::npos) {
      why = "server \"" + item + "\": missing ']'";
      return false;
    }
    host = item.substr(1, close - 1);
    std::string rest = item.substr(close + 1);
    if (!rest.empty()) {
      if (rest.front() != ':') {
        why = "server \"" + item + "\": expected ':' after ']'";
        return false;
      }
      port = rest.substr(1);
    }
  } else {
    auto colon = item.rfind(':');
    if (colon != std::string::npos && item.find(':') != colon) {
      why = "server \"" + item + "\": write IPv6 addresses as [address]:port";
      return false;
    }
    host = item.substr(0, colon);
    if (colon != std::string::npos) port = item.substr(colon + 1);
  }
  if (host.empty()) {
    why = "server \"" + item + "\": no host";
    return false;
  }
  if (!valid_port(port)) {
    why = "server \"" + item + "\": bad port";
    return false;
  }
  ep = {host, port};
  return true;
}

CallFailure failure_of(IoFailure k) {
  switch (k) {
    case IoFailure::none: return CallFailure::none;
    case IoFailure::timeout: return CallFailure::timeout;
    case IoFailure::busy: return CallFailure::busy;
    case IoFailure::protocol: return CallFailure::protocol;
    case IoFailure::tls: return CallFailure::tls;
    case IoFailure::refused:
    case IoFailure::broken: return CallFailure::connect;
  }
  return CallFailure::connect;
}

}  // namespace

bool Client::init(const std::string& servers, ClientOptions opts, std::string& why) {
  opts_ = std::move(opts);
  if (opts_.pool_size == 0) opts_.pool_size = 1;
  std::size_t pos = 0;
  while (pos <= servers.size()) {
    auto comma = servers.find(',', pos);
    std::string item = trim(std::string_view(servers).substr(pos, comma == std::string::npos ? std::string::npos : comma - pos));
    if (!item.empty()) {
      auto s = std::make_unique<Server>();
      if (!parse_endpoint(item, s->ep, why)) return false;
      servers_.push_back(std::move(s));
    }
    if (comma == std::string::npos) break;
    pos = comma + 1;
  }
  if (servers_.empty()) {
    why = "no server given (expected \"host:port[,host:port...]\")";
    return false;
  }
  if (!opts_.tls_ca_file.empty()) {
    tls_ = SSL_CTX_new(TLS_client_method());
    if (!tls_) {
      why = "TLS: cannot create a context";
      return false;
    }
    SSL_CTX_set_min_proto_version(tls_, TLS1_2_VERSION);
    SSL_CTX_set_verify(tls_, SSL_VERIFY_PEER, nullptr);
    if (SSL_CTX_load_verify_locations(tls_, opts_.tls_ca_file.c_str(), nullptr) != 1) {
      ERR_clear_error();
      why = "TLS: cannot load CA certificates from " + opts_.tls_ca_file;
      return false;
    }
  }
  return true;
}

Client::~Client() {
  for (auto& s : servers_) s->idle.clear();
  if (tls_) SSL_CTX_free(tls_);
}

std::int64_t Client::now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now().time_since_epoch()).count();
}

unsigned Client::open_connections(std::size_t i) const {
  if (i >= servers_.size()) return 0;
  std::lock_guard lk(servers_[i]->mu);
  return servers_[i]->open;
}

bool Client::acquire(Server& s, Lease& lease, IoError& err) {
  const auto wait_until = Clock::now() + std::chrono::milliseconds(opts_.request_timeout_ms);
  std::unique_lock lk(s.mu);
  for (;;) {
    while (!s.idle.empty()) {
      std::unique_ptr<Connection> c = std::move(s.idle.back());
      s.idle.pop_back();
      if (c->idle_ok()) {
        lease = {std::move(c), true};
        return true;
      }
      --s.open;  // closed by the server while idle: dropped
    }
    if (s.open < opts_.pool_size) {
      ++s.open;
      lk.unlock();
      auto c = Connection::open(s.ep, tls_, opts_.tls_server_name,
                                Clock::now() + std::chrono::milliseconds(opts_.connect_timeout_ms), err);
      if (!c) {
        lk.lock();
        --s.open;
        s.cv.notify_one();
        return false;
      }
      lease = {std::move(c), false};
      return true;
    }
    if (s.cv.wait_until(lk, wait_until) == std::cv_status::timeout && s.idle.empty() && s.open >= opts_.pool_size) {
      err = {IoFailure::busy, s.ep.label() + ": no pooled connection came free within the request timeout"};
      return false;
    }
  }
}

void Client::release(Server& s, std::unique_ptr<Connection> conn, bool keep) {
  {
    std::lock_guard lk(s.mu);
    if (keep && conn) {
      s.idle.push_back(std::move(conn));
    } else {
      --s.open;
    }
    s.cv.notify_one();
  }
  // A dropped connection closes here, outside the lock.
}

IoError Client::try_server(Server& s, ByteView request, Bytes& answer) {
  bool retried = false;
  for (;;) {
    Lease lease;
    IoError err;
    if (!acquire(s, lease, err)) return err;
    const auto deadline = Clock::now() + std::chrono::milliseconds(opts_.request_timeout_ms);
    if (lease.conn->exchange(request, answer, opts_.max_answer, deadline, err)) {
      release(s, std::move(lease.conn), true);
      return {};
    }
    release(s, std::move(lease.conn), false);
    err.why = s.ep.label() + ": " + err.why;
    // A pooled connection may have been closed by the server (restart, idle timeout) just as it was
    // used: one more try on a new connection.
    if (err.kind == IoFailure::broken && lease.reused && !retried) {
      retried = true;
      continue;
    }
    return err;
  }
}

CallFailure Client::exchange(ByteView request, Bytes& answer, std::string& why) {
  const std::int64_t now = now_ms();
  std::vector<Server*> order;
  for (auto& s : servers_) {
    if (s->down_until_ms.load(std::memory_order_relaxed) <= now) order.push_back(s.get());
  }
  // Every server marked down: try them all anyway (in order) rather than fail without trying.
  for (auto& s : servers_) {
    if (s->down_until_ms.load(std::memory_order_relaxed) > now) order.push_back(s.get());
  }
  CallFailure last = CallFailure::connect;
  why.clear();
  for (Server* s : order) {
    IoError e = try_server(*s, request, answer);
    if (e.kind == IoFailure::none) {
      s->down_until_ms.store(0, std::memory_order_relaxed);
      return CallFailure::none;
    }
    if (!why.empty()) why += "; ";
    why += e.why;
    last = failure_of(e.kind);
    // The server answered, but not with a message: not a reason to ask another one.
    if (e.kind == IoFailure::protocol) return last;
    // A busy pool is not a failed server.
    if (e.kind != IoFailure::busy) s->down_until_ms.store(now_ms() + opts_.retry_after_ms, std::memory_order_relaxed);
  }
  return last;
}

}  // namespace medsign::sdk::svs
