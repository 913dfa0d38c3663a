#include "server/http_server.h"

#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <optional>
#include <random>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>

#include "common/bytes.h"
#include "common/logging.h"

namespace medsign::server {

namespace asio = boost::asio;
namespace beast = boost::beast;
using tcp = asio::ip::tcp;

namespace {

std::string new_request_id() {
  thread_local std::mt19937_64 rng{std::random_device{}()};
  std::uint64_t v = rng();
  std::uint8_t b[8];
  for (int i = 0; i < 8; ++i) b[i] = static_cast<std::uint8_t>(v >> (8 * i));
  return hex_encode(ByteView(b, 8));
}

// Keeps a client-supplied request id only when it is short and plain.
std::string sanitise_request_id(std::string_view s) {
  if (s.empty() || s.size() > 64) return new_request_id();
  for (char c : s)
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '_' && c != '.') return new_request_id();
  return std::string(s);
}

void add_common_headers(HttpResponse& res, const std::string& request_id) {
  res.set(http::field::server, "MedSign");
  res.set("X-Request-Id", request_id);
  res.set("X-Content-Type-Options", "nosniff");
  res.set("X-Frame-Options", "DENY");
  res.set("Referrer-Policy", "no-referrer");
}

}  // namespace

RoutedRequest route_target(const Router& router, http::verb method, std::string_view target,
                           const std::string& request_id) {
  RoutedRequest routed;
  routed.started = std::chrono::steady_clock::now();
  routed.route_name = "unmatched";
  auto qpos = target.find('?');
  std::string_view raw_path = target.substr(0, qpos);
  auto answer = [&](HttpResponse r) {
    routed.early = std::move(r);
    return std::move(routed);
  };
  if (raw_path.empty() || raw_path.front() != '/')
    return answer(error_response(Error(Errc::bad_request, "request target must be an absolute path"), request_id));
  auto path = url_decode(raw_path, false);
  if (!path) return answer(error_response(path.error(), request_id));
  if (path->find('\0') != std::string::npos || path->find("/../") != std::string::npos ||
      path->ends_with("/.."))
    return answer(error_response(Error(Errc::bad_request, "invalid path"), request_id));
  if (qpos != std::string_view::npos) {
    auto q = parse_query(target.substr(qpos + 1));
    if (!q) {
      // The route is still told, so that a stream route answers before reading the body.
      if (auto m = router.match(method, *path)) routed.route = m->route;
      return answer(error_response(q.error(), request_id));
    }
    routed.query = std::move(*q);
  }
  auto m = router.match(method, *path);
  if (!m) {
    bool is_get = method == http::verb::get || method == http::verb::head;
    if (m.error().code == Errc::route_not_found && is_get && router.fallback() && !path->starts_with("/api/")) {
      routed.route_name = "static";
      routed.handler = &router.fallback();
      return routed;
    }
    HttpResponse r = error_response(m.error(), request_id);
    if (m.error().code == Errc::method_not_allowed) r.set(http::field::allow, m.error().detail.substr(9));
    return answer(std::move(r));
  }
  const Route& route = *m->route;
  routed.route = &route;
  routed.route_name = route.pattern;
  routed.path_params = std::move(m->params);
  if (route.kind == RouteKind::buffered) {
    routed.handler = &route.handler;
    routed.blocking = route.options.blocking;
  }
  return routed;
}

void bind_route(RoutedRequest& routed, RequestContext& ctx) {
  ctx.route = std::move(routed.route_name);
  ctx.query = std::move(routed.query);
  ctx.path_params = std::move(routed.path_params);
}

RoutedRequest route_request(const Router& router, RequestContext& ctx) {
  std::string_view target(ctx.req.target().data(), ctx.req.target().size());
  RoutedRequest routed = route_target(router, ctx.req.method(), target, ctx.request_id);
  bind_route(routed, ctx);
  return routed;
}

HttpResponse run_routed(RoutedRequest& routed, Metrics* metrics, RequestContext& ctx) {
  auto finish = [&](HttpResponse r) {
    add_common_headers(r, ctx.request_id);
    if (metrics) {
      double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - routed.started).count();
      metrics->observe_request(ctx.route, std::string(http::to_string(ctx.req.method())), r.result_int(), secs);
    }
    return r;
  };
  if (routed.early) return finish(std::move(*routed.early));
  try {
    return finish((*routed.handler)(ctx));
  } catch (const std::exception& e) {
    log::error("handler threw", {{"request_id", ctx.request_id}, {"route", ctx.route}, {"what", e.what()}});
    return finish(error_response(Error(Errc::internal, "unexpected failure; see the server log"), ctx.request_id));
  }
}

namespace {

// Runs an async or stream route to its answer on this thread (dispatch_request only).
HttpResponse run_and_wait(const Route& route, RequestContext& ctx) {
  struct Waiter {
    std::mutex mu;
    std::condition_variable cv;
    std::optional<HttpResponse> res;
  };
  auto w = std::make_shared<Waiter>();
  AsyncDone done = [w](HttpResponse r) {
    std::lock_guard lk(w->mu);
    w->res = std::move(r);
    w->cv.notify_all();
  };
  if (route.kind == RouteKind::async) {
    route.async(ctx, done);
  } else {
    auto sink = route.stream(ctx);
    if (!sink) return error_response(sink.error(), ctx.request_id);
    if (auto st = sink->chunk(as_bytes(ctx.req.body())); !st) return error_response(st.error(), ctx.request_id);
    sink->end(done);
  }
  std::unique_lock lk(w->mu);
  w->cv.wait(lk, [&] { return w->res.has_value(); });
  return std::move(*w->res);
}

}  // namespace

HttpResponse dispatch_request(const Router& router, Metrics* metrics, RequestContext& ctx) {
  RoutedRequest routed = route_request(router, ctx);
  if (!routed.early && routed.route && routed.route->kind != RouteKind::buffered) {
    const Route& route = *routed.route;
    Handler run = [&route](RequestContext& c) { return run_and_wait(route, c); };
    routed.handler = &run;
    return run_routed(routed, metrics, ctx);
  }
  return run_routed(routed, metrics, ctx);
}

struct HttpServer::Impl : std::enable_shared_from_this<HttpServer::Impl> {
  HttpServer& owner;
  const Router& router;
  Metrics& metrics;
  HttpServerOptions opts;
  asio::io_context ioc;
  std::optional<asio::thread_pool> workers;
  std::optional<tcp::acceptor> http_acceptor, https_acceptor;
  std::optional<asio::executor_work_guard<asio::io_context::executor_type>> guard;
  std::atomic<bool> stopped{false};
  std::atomic<std::int64_t> in_flight{0};
  std::uint64_t max_stream_body = 0;  // the largest limit of the router's stream routes (set by start())

  Impl(HttpServer& o, const Router& r, Metrics& m, HttpServerOptions op)
      : owner(o), router(r), metrics(m), opts(std::move(op)) {}

  void accept(tcp::acceptor& acc, bool tls);
};

namespace {

// A SyncWriteStream appending to a string: serialises answers so several go out in one write.
struct StringWriter {
  std::string& out;
  template <typename ConstBuffers>
  std::size_t write_some(const ConstBuffers& buffers, beast::error_code& ec) {
    ec = {};
    std::size_t n = 0;
    for (auto it = asio::buffer_sequence_begin(buffers); it != asio::buffer_sequence_end(buffers); ++it) {
      asio::const_buffer b = *it;
      out.append(static_cast<const char*>(b.data()), b.size());
      n += b.size();
    }
    return n;
  }
  template <typename ConstBuffers>
  std::size_t write_some(const ConstBuffers& buffers) {
    beast::error_code ec;
    return write_some(buffers, ec);
  }
};

// Sets what an answer takes from its request: the HTTP version, keep-alive, and for HEAD no body (the length
// of the one GET would send stays).
void fit_answer(HttpResponse& res, unsigned version, bool keep_alive, bool head) {
  res.version(version);
  res.keep_alive(keep_alive);
  if (head) {
    auto len = res.body().size();
    res.body().clear();
    res.content_length(len);
  }
}

void append_serialized(HttpResponse& res, std::string& out) {
  StringWriter w{out};
  beast::error_code ec;
  http::write(w, res, ec);  // answers carry their Content-Length already, as for async_write
}

template <typename Stream>
class Connection : public std::enable_shared_from_this<Connection<Stream>> {
 public:
  Connection(HttpServer::Impl& srv, Stream stream, bool tls, std::string remote)
      : srv_(srv), stream_(std::move(stream)), tls_(tls), remote_(std::move(remote)),
        deadline_(beast::get_lowest_layer(stream_).get_executor()) {}

  void start() {
    if constexpr (std::is_same_v<Stream, beast::ssl_stream<beast::tcp_stream>>) {
      beast::get_lowest_layer(stream_).expires_after(std::chrono::milliseconds(srv_.opts.header_timeout_ms));
      stream_.async_handshake(asio::ssl::stream_base::server,
                              [self = this->shared_from_this()](beast::error_code ec) {
                                if (ec) return;  // failed handshakes are not requests
                                self->read_header();
                              });
    } else {
      read_header();
    }
  }

 private:
  auto& lowest() { return beast::get_lowest_layer(stream_); }

  void read_header() {
    in_request_ = true;
    read_pending_ = true;
    parser_.emplace();
    parser_->header_limit(srv_.opts.max_header_bytes);
    // With streaming routes the header may announce more than max_body_bytes: on_header decides per route.
    parser_->body_limit(std::max<std::uint64_t>(srv_.opts.max_body_bytes, srv_.max_stream_body));
    int t = requests_ == 0 ? srv_.opts.header_timeout_ms : srv_.opts.idle_timeout_ms;
    lowest().expires_never();
    arm_deadline(t);
    http::async_read_header(stream_, buffer_, *parser_,
                            [self = this->shared_from_this()](beast::error_code ec, std::size_t) {
                              self->on_header(ec);
                            });
  }

  // A read that outlives its deadline is cancelled (not closed), so the client can still be told 408.
  void arm_deadline(int ms) {
    timed_out_ = false;
    deadline_.expires_after(std::chrono::milliseconds(ms));
    deadline_.async_wait([weak = this->weak_from_this()](beast::error_code ec) {
      auto self = weak.lock();
      if (ec || !self) return;
      self->timed_out_ = true;
      beast::error_code ignored;
      self->lowest().socket().cancel(ignored);
    });
  }

  // Routes the request as soon as its header is in: a stream route takes the body from here, the others
  // get it whole (up to max_body_bytes).
  void on_header(beast::error_code ec) {
    read_pending_ = false;
    if (ec) return fail(ec, /*in_header=*/true);
    const auto& h = parser_->get();
    request_id_ = sanitise_request_id(h["X-Request-Id"]);
    routed_ = route_target(srv_.router, h.method(), std::string_view(h.target().data(), h.target().size()), request_id_);
    if (!owed_.empty() && !pipelined(routed_)) {
      // Answers to pipelined requests are still owed: this one (buffered or streaming) runs once they are out.
      // The answers being written keep a deadline of their own (the read's has ended).
      if (writing_) arm_deadline(srv_.opts.body_timeout_ms);
      else deadline_.cancel();
      deferred_ = [self = this->shared_from_this()] { self->read_body(); };
      return;
    }
    read_body();
  }

  // An async route's request may be served while earlier ones on the connection still wait for answers.
  static bool pipelined(const RoutedRequest& r) {
    return !r.early && r.route && r.route->kind == RouteKind::async;
  }

  void read_body() {
    if (routed_.route && routed_.route->kind == RouteKind::stream) return start_stream();
    if (srv_.max_stream_body > srv_.opts.max_body_bytes) {
      if (auto len = parser_->content_length(); len && *len > srv_.opts.max_body_bytes)
        return fail(http::error::body_limit, false);
      parser_->body_limit(srv_.opts.max_body_bytes);
    }
    arm_deadline(srv_.opts.body_timeout_ms);
    read_pending_ = true;
    http::async_read(stream_, buffer_, *parser_, [self = this->shared_from_this()](beast::error_code ec2, std::size_t) {
      self->on_body(ec2);
    });
  }

  // Answers protocol-level failures with a catalogue error where the client can still read one.
  void fail(beast::error_code ec, bool in_header) {
    deadline_.cancel();
    if (timed_out_) ec = beast::error::timeout;
    in_request_ = false;
    read_pending_ = false;
    if (!owed_.empty() || writing_) {
      // Pipelined answers are still owed: they go out first, then this failure is handled (and the
      // connection closes); nothing more is read.
      stop_reading_ = true;
      if (writing_) arm_deadline(srv_.opts.body_timeout_ms);  // the answers being written keep a deadline
      deferred_ = [self = this->shared_from_this(), ec, in_header] {
        self->timed_out_ = false;
        self->fail(ec, in_header);
      };
      return;
    }
    if (ec == http::error::end_of_stream || ec == asio::error::eof || ec == asio::error::connection_reset ||
        ec == asio::error::operation_aborted)
      return close();
    if (in_header && requests_ > 0 && ec == beast::error::timeout && buffer_.size() == 0) return close();
    Errc code = Errc::bad_request;
    if (ec == beast::error::timeout) code = Errc::request_timeout;
    else if (ec == http::error::body_limit) code = Errc::body_too_large;
    else if (ec == http::error::header_limit) code = Errc::header_too_large;
    std::string rid = new_request_id();
    log::warn("http protocol error", {{"request_id", rid}, {"remote", remote_}, {"error", ec.message()}});
    auto res = std::make_shared<HttpResponse>(error_response(Error(code, ec.message()), rid));
    add_common_headers(*res, rid);
    res->keep_alive(false);
    srv_.metrics.observe_request("protocol", "-", res->result_int(), 0);
    lowest().expires_after(std::chrono::seconds(2));
    http::async_write(stream_, *res, [self = this->shared_from_this(), res](beast::error_code, std::size_t) {
      self->close();
    });
  }

  void on_body(beast::error_code ec) {
    read_pending_ = false;
    if (ec) return fail(ec, false);
    deadline_.cancel();
    ++requests_;
    lowest().expires_never();
    srv_.in_flight.fetch_add(1);
    srv_.metrics.inc_in_flight();
    if (pipelined(routed_)) {
      auto req = std::make_shared<BeastRequest>(parser_->release());
      auto ctx = std::make_shared<RequestContext>(RequestContext{*req, remote_, std::move(request_id_), tls_, {}, {}, {}, {}});
      bind_route(routed_, *ctx);
      routed_.started = std::chrono::steady_clock::now();
      in_request_ = false;
      return dispatch_async(ctx, std::move(req));
    }
    req_ = parser_->release();
    auto ctx = std::make_shared<RequestContext>(RequestContext{req_, remote_, std::move(request_id_), tls_, {}, {}, {}, {}});
    bind_route(routed_, *ctx);
    routed_.started = std::chrono::steady_clock::now();
    // A buffered route runs on the worker pool (database, crypto) or inline, as it asks.
    auto run = [self = this->shared_from_this(), ctx] {
      auto res = std::make_shared<HttpResponse>(run_routed(self->routed_, &self->srv_.metrics, *ctx));
      log::info("request", {{"request_id", ctx->request_id}, {"method", std::string(http::to_string(self->req_.method()))},
                             {"route", ctx->route}, {"status", res->result_int()}, {"remote", self->remote_}});
      asio::post(self->lowest().get_executor(), [self, res] { self->write(res); });
    };
    if (routed_.blocking) asio::post(*srv_.workers, run);
    else run();
  }

  // Runs an async route. Its answer takes the next slot of owed_, so answers go out in request order however
  // the routes complete; the next request is read meanwhile (HTTP/1.1 pipelining, up to kMaxPipeline owed).
  void dispatch_async(const std::shared_ptr<RequestContext>& ctx, std::shared_ptr<BeastRequest> req) {
    const Route& route = *routed_.route;
    auto t0 = routed_.started;
    bool log = route.async_options.access_log;
    const std::uint64_t seq = first_owed_ + owed_.size();
    owed_.push_back(Owed{nullptr, req->version(), req->keep_alive(), req->method() == http::verb::head});
    if (!req->keep_alive()) stop_reading_ = true;
    auto done = [self = this->shared_from_this(), ctx, req, t0, log, seq](HttpResponse r) {
      add_common_headers(r, ctx->request_id);
      double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
      const std::string method(http::to_string(req->method()));
      self->srv_.metrics.observe_request(ctx->route, method, r.result_int(), secs);
      if (log)
        log::info("request", {{"request_id", ctx->request_id}, {"method", method},
                               {"route", ctx->route}, {"status", r.result_int()}, {"remote", self->remote_}});
      auto res = std::make_shared<HttpResponse>(std::move(r));
      asio::post(self->lowest().get_executor(), [self, res, seq] { self->answered(seq, res); });
    };
    try {
      route.async(*ctx, done);
    } catch (const std::exception& e) {
      log::error("handler threw", {{"request_id", ctx->request_id}, {"route", ctx->route}, {"what", e.what()}});
      done(error_response(Error(Errc::internal, "unexpected failure; see the server log"), ctx->request_id));
    }
    continue_reading();
  }

  void continue_reading() {
    if (in_request_ || stop_reading_ || closed_) return;
    if (srv_.owner.draining()) {
      stop_reading_ = true;
      return;
    }
    if (owed_.size() >= kMaxPipeline) return;  // flush_answers() resumes
    read_header();
  }

  void answered(std::uint64_t seq, std::shared_ptr<HttpResponse> res) {
    owed_[seq - first_owed_].res = std::move(res);
    flush_answers();
  }

  // Writes every answer that is ready at the head of owed_, in order, in one write.
  void flush_answers() {
    if (writing_ || closed_) return;
    std::size_t n = 0;
    bool close_after = false;
    out_.clear();
    for (; n < owed_.size() && owed_[n].res; ++n) {
      Owed& o = owed_[n];
      const bool keep = o.keep_alive && !srv_.owner.draining();
      fit_answer(*o.res, o.version, keep, o.head);
      append_serialized(*o.res, out_);
      if (!keep) {
        close_after = true;
        ++n;
        break;
      }
    }
    if (n == 0) return;
    owed_.erase(owed_.begin(), owed_.begin() + static_cast<std::ptrdiff_t>(n));
    first_owed_ += n;
    writing_ = true;
    if (!read_pending_) arm_deadline(srv_.opts.body_timeout_ms);  // else the read's deadline covers the write
    asio::async_write(stream_, asio::buffer(out_),
                      [self = this->shared_from_this(), n, close_after](beast::error_code ec, std::size_t) {
                        self->writing_ = false;
                        self->srv_.in_flight.fetch_sub(static_cast<std::int64_t>(n));
                        for (std::size_t i = 0; i < n; ++i) self->srv_.metrics.dec_in_flight();
                        if (!self->read_pending_) self->deadline_.cancel();
                        if (ec || close_after) {
                          self->stop_reading_ = true;
                          self->deferred_ = nullptr;
                          return self->close();
                        }
                        if (!self->owed_.empty() && self->owed_.front().res) return self->flush_answers();
                        if (self->owed_.empty() && self->deferred_) {
                          auto next = std::move(self->deferred_);
                          self->deferred_ = nullptr;
                          return next();
                        }
                        self->continue_reading();
                      });
  }

  // ---- streaming-body routes ----

  void start_stream() {
    deadline_.cancel();
    ++requests_;
    const Route& route = *routed_.route;
    const StreamRouteOptions& options = route.stream_options;
    req_ = BeastRequest(parser_->get().base());
    stream_parser_.emplace(std::move(*parser_));
    parser_.reset();
    stream_parser_->body_limit(options.max_body_bytes);
    const auto announced = stream_parser_->content_length();
    srv_.in_flight.fetch_add(1);
    srv_.metrics.inc_in_flight();
    stream_ctx_ = std::make_shared<RequestContext>(RequestContext{req_, remote_, std::move(request_id_), tls_, {}, {}, {}, {}});
    stream_t0_ = std::chrono::steady_clock::now();
    bind_route(routed_, *stream_ctx_);
    if (routed_.early) {  // a malformed query
      stream_ctx_->route = route.pattern;
      return stream_answer(std::move(*routed_.early), false);
    }
    Result<BodySink> sink = Error(Errc::internal, "stream handler failed");
    try {
      sink = route.stream(*stream_ctx_);
    } catch (const std::exception& e) {
      log::error("handler threw", {{"request_id", stream_ctx_->request_id}, {"route", stream_ctx_->route}, {"what", e.what()}});
    }
    if (!sink) return stream_answer(error_response(sink.error(), stream_ctx_->request_id), false);
    if (announced && *announced > options.max_body_bytes) {
      return stream_answer(error_response(Error(Errc::body_too_large, "the body is larger than this route accepts"),
                                          stream_ctx_->request_id),
                           false);
    }
    sink_ = std::move(sink).value();
    if (beast::iequals(req_[http::field::expect], "100-continue")) {
      static const char kContinue[] = "HTTP/1.1 100 Continue\r\n\r\n";
      lowest().expires_after(std::chrono::milliseconds(srv_.opts.body_timeout_ms));
      return asio::async_write(stream_, asio::buffer(kContinue, sizeof kContinue - 1),
                               [self = this->shared_from_this()](beast::error_code ec, std::size_t) {
                                 if (ec) return self->stream_abort();
                                 self->lowest().expires_never();
                                 self->read_chunk();
                               });
    }
    read_chunk();
  }

  void read_chunk() {
    if (stream_parser_->is_done()) return end_stream();
    if (!chunk_buf_) chunk_buf_ = std::make_unique<std::uint8_t[]>(kChunk);
    auto& body = stream_parser_->get().body();
    body.data = chunk_buf_.get();
    body.size = kChunk;
    arm_deadline(srv_.opts.body_timeout_ms);
    http::async_read(stream_, buffer_, *stream_parser_, [self = this->shared_from_this()](beast::error_code ec, std::size_t) {
      self->on_chunk(ec);
    });
  }

  void on_chunk(beast::error_code ec) {
    if (ec == http::error::need_buffer) ec = {};
    if (ec) {
      deadline_.cancel();
      if (timed_out_) ec = beast::error::timeout;
      if (ec == http::error::end_of_stream || ec == asio::error::eof || ec == asio::error::connection_reset ||
          ec == asio::error::operation_aborted)
        return stream_abort();
      Errc code = ec == beast::error::timeout ? Errc::request_timeout
                  : ec == http::error::body_limit ? Errc::body_too_large
                                                  : Errc::bad_request;
      return stream_answer(error_response(Error(code, ec.message()), stream_ctx_->request_id), false);
    }
    std::size_t got = kChunk - stream_parser_->get().body().size;
    if (got > 0) {
      Status st = Error(Errc::internal, "stream handler failed");
      try {
        st = sink_.chunk(ByteView(chunk_buf_.get(), got));
      } catch (const std::exception& e) {
        log::error("handler threw", {{"request_id", stream_ctx_->request_id}, {"route", stream_ctx_->route}, {"what", e.what()}});
      }
      if (!st) return stream_answer(error_response(st.error(), stream_ctx_->request_id), false);
    }
    read_chunk();
  }

  void end_stream() {
    deadline_.cancel();
    auto done = [self = this->shared_from_this()](HttpResponse r) {
      asio::post(self->lowest().get_executor(), [self, r = std::make_shared<HttpResponse>(std::move(r))]() mutable {
        self->stream_answer(std::move(*r), true);
      });
    };
    try {
      sink_.end(done);
    } catch (const std::exception& e) {
      log::error("handler threw", {{"request_id", stream_ctx_->request_id}, {"route", stream_ctx_->route}, {"what", e.what()}});
      done(error_response(Error(Errc::internal, "unexpected failure; see the server log"), stream_ctx_->request_id));
    }
  }

  // The answer of a streaming route; `complete` = the whole body was read (else the connection closes).
  void stream_answer(HttpResponse r, bool complete) {
    deadline_.cancel();
    add_common_headers(r, stream_ctx_->request_id);
    double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - stream_t0_).count();
    srv_.metrics.observe_request(stream_ctx_->route, std::string(http::to_string(req_.method())), r.result_int(), secs);
    log::info("request", {{"request_id", stream_ctx_->request_id}, {"method", std::string(http::to_string(req_.method()))},
                          {"route", stream_ctx_->route}, {"status", r.result_int()}, {"remote", remote_}});
    if (!complete) req_.keep_alive(false);
    sink_ = {};
    stream_parser_.reset();
    write(std::make_shared<HttpResponse>(std::move(r)));
  }

  // The client went away mid-body: nothing to answer.
  void stream_abort() {
    deadline_.cancel();
    sink_ = {};
    stream_parser_.reset();
    srv_.in_flight.fetch_sub(1);
    srv_.metrics.dec_in_flight();
    close();
  }

  void write(std::shared_ptr<HttpResponse> res) {
    bool keep = req_.keep_alive() && !srv_.owner.draining();
    fit_answer(*res, req_.version(), keep, req_.method() == http::verb::head);
    lowest().expires_after(std::chrono::milliseconds(srv_.opts.body_timeout_ms));
    http::async_write(stream_, *res, [self = this->shared_from_this(), res, keep](beast::error_code ec, std::size_t) {
      self->srv_.in_flight.fetch_sub(1);
      self->srv_.metrics.dec_in_flight();
      if (ec || !keep) return self->close();
      self->read_header();
    });
  }

  void close() {
    if (closed_) return;
    closed_ = true;
    beast::error_code ec;
    if constexpr (std::is_same_v<Stream, beast::ssl_stream<beast::tcp_stream>>) {
      lowest().expires_after(std::chrono::seconds(1));
      stream_.async_shutdown([self = this->shared_from_this()](beast::error_code) {
        beast::error_code ec2;
        self->lowest().socket().shutdown(tcp::socket::shutdown_both, ec2);
        self->lowest().close();
      });
    } else {
      lowest().socket().shutdown(tcp::socket::shutdown_send, ec);
      lowest().close();
    }
  }

  HttpServer::Impl& srv_;
  Stream stream_;
  bool tls_;
  std::string remote_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  BeastRequest req_;
  static constexpr std::size_t kChunk = 256 * 1024;
  std::optional<http::request_parser<http::buffer_body>> stream_parser_;
  std::unique_ptr<std::uint8_t[]> chunk_buf_;
  BodySink sink_;
  std::shared_ptr<RequestContext> stream_ctx_;
  // The request being served (one at a time per connection): its routing, done when the header is in.
  std::string request_id_;
  RoutedRequest routed_;
  std::chrono::steady_clock::time_point stream_t0_;
  std::uint64_t requests_ = 0;
  // Pipelined async requests whose answers are owed, in request order (the front is request first_owed_).
  struct Owed {
    std::shared_ptr<HttpResponse> res;  // null until the route answers
    unsigned version;
    bool keep_alive, head;
  };
  static constexpr std::size_t kMaxPipeline = 32;
  std::deque<Owed> owed_;
  std::uint64_t first_owed_ = 0;
  std::string out_;                 // the answers being written
  bool writing_ = false;            // out_ is being written
  bool in_request_ = false;         // a request is being read (or waits in deferred_)
  bool read_pending_ = false;       // a read is outstanding on the socket
  bool stop_reading_ = false;       // no further request is read (Connection: close, draining, failure)
  bool closed_ = false;
  std::function<void()> deferred_;  // what runs once every owed answer is written
  boost::asio::steady_timer deadline_;
  bool timed_out_ = false;
};

}  // namespace

void HttpServer::Impl::accept(tcp::acceptor& acc, bool tls) {
  acc.async_accept(asio::make_strand(ioc), [this, &acc, tls](beast::error_code ec, tcp::socket sock) {
    if (ec) {
      if (ec == asio::error::operation_aborted || !acc.is_open()) return;
      log::warn("accept failed", {{"error", ec.message()}});
    } else {
      beast::error_code ec2;
      auto ep = sock.remote_endpoint(ec2);
      std::string remote = ec2 ? "" : ep.address().to_string();
      sock.set_option(tcp::no_delay(true), ec2);
      if (tls) {
        std::make_shared<Connection<beast::ssl_stream<beast::tcp_stream>>>(
            *this, beast::ssl_stream<beast::tcp_stream>(beast::tcp_stream(std::move(sock)), *opts.tls), true, remote)
            ->start();
      } else {
        std::make_shared<Connection<beast::tcp_stream>>(*this, beast::tcp_stream(std::move(sock)), false, remote)
            ->start();
      }
    }
    if (acc.is_open()) accept(acc, tls);
  });
}

HttpServer::HttpServer(const Router& router, Metrics& metrics, HttpServerOptions opts)
    : impl_(std::make_unique<Impl>(*this, router, metrics, std::move(opts))) {}

HttpServer::~HttpServer() {
  if (impl_->workers) impl_->workers->join();
}

Status HttpServer::start() {
  auto& o = impl_->opts;
  impl_->max_stream_body = impl_->router.max_stream_body();
  unsigned cores = std::max(1u, std::thread::hardware_concurrency());
  int workers = o.worker_threads > 0 ? o.worker_threads : static_cast<int>(std::max(4u, 2 * cores));
  impl_->workers.emplace(static_cast<std::size_t>(workers));
  beast::error_code ec;
  auto addr = asio::ip::make_address(o.listen, ec);
  if (ec) return Error(Errc::config_invalid, "server.listen: '" + o.listen + "' is not an IP address");
  auto open = [&](int port, std::optional<tcp::acceptor>& acc, int& bound) -> Status {
    if (port < 0) return {};
    acc.emplace(impl_->ioc);
    tcp::endpoint ep(addr, static_cast<unsigned short>(port));
    acc->open(ep.protocol(), ec);
    if (!ec) acc->set_option(asio::socket_base::reuse_address(true), ec);
    if (!ec) acc->bind(ep, ec);
    if (!ec) acc->listen(asio::socket_base::max_listen_connections, ec);
    if (ec)
      return Error(Errc::config_invalid,
                   "cannot listen on " + o.listen + ":" + std::to_string(port) + ": " + ec.message());
    bound = acc->local_endpoint().port();
    return {};
  };
  if (o.https_port >= 0 && !o.tls) return Error(Errc::config_invalid, "HTTPS needs a TLS context");
  MEDSIGN_TRY(open(o.http_port, impl_->http_acceptor, bound_http_));
  MEDSIGN_TRY(open(o.https_port, impl_->https_acceptor, bound_https_));
  if (impl_->http_acceptor) impl_->accept(*impl_->http_acceptor, false);
  if (impl_->https_acceptor) impl_->accept(*impl_->https_acceptor, true);
  impl_->guard.emplace(impl_->ioc.get_executor());
  return {};
}

void HttpServer::run() {
  auto& o = impl_->opts;
  unsigned cores = std::max(1u, std::thread::hardware_concurrency());
  int n = o.io_threads > 0 ? o.io_threads : static_cast<int>(cores);
  std::vector<std::thread> threads;
  for (int i = 1; i < n; ++i) threads.emplace_back([this] { impl_->ioc.run(); });
  impl_->ioc.run();
  for (auto& t : threads) t.join();
}

std::int64_t HttpServer::in_flight() const { return impl_->in_flight.load(); }

void HttpServer::stop() {
  if (draining_.exchange(true)) return;
  asio::post(impl_->ioc, [this] {
    beast::error_code ec;
    if (impl_->http_acceptor) impl_->http_acceptor->close(ec);
    if (impl_->https_acceptor) impl_->https_acceptor->close(ec);
    log::info("shutting down: listeners closed, waiting for in-flight requests",
              {{"in_flight", impl_->in_flight.load()}});
    auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(impl_->opts.shutdown_grace_ms);
    auto timer = std::make_shared<asio::steady_timer>(impl_->ioc);
    auto poll = std::make_shared<std::function<void()>>();
    *poll = [this, timer, deadline, poll] {
      if (impl_->in_flight.load() == 0 || std::chrono::steady_clock::now() >= deadline) {
        if (impl_->in_flight.load() > 0) log::warn("shutdown grace expired", {{"in_flight", impl_->in_flight.load()}});
        impl_->guard.reset();
        impl_->ioc.stop();
        *poll = nullptr;
        return;
      }
      timer->expires_after(std::chrono::milliseconds(20));
      timer->async_wait([poll](beast::error_code) {
        if (*poll) (*poll)();
      });
    };
    (*poll)();
  });
}

}  // namespace medsign::server
