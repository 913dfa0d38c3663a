// One TCP (or TLS) connection of a message protocol with framed messages (GM/T 0029 DER messages, the
// RFC 3161 §3.3 TCP protocol): reads as the bytes come, hands every complete message to the service as
// soon as it is in (pipelining, up to max_pipeline at once), and writes the answers in request order —
// all that are ready in one write. All members are touched on the connection's strand only.
//
// Protocol provides:
//   Frame frame(ByteView buffered);      // what the front of the buffer holds
//   void handle(Bytes message, const std::string& remote, Answer done);  // done runs once, on any thread
//   std::size_t max_pipeline() const; int idle_timeout_ms() const; bool stopping() const;
//   void pending(int delta);             // messages handed to the service and not answered yet
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <type_traits>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>

#include "common/bytes.h"

namespace medsign::server::framing {

// What the front of the read buffer holds.
struct Frame {
  enum Kind { need_more, message, bad } kind = need_more;
  std::size_t size = 0;  // message: its length in the buffer
  Bytes answer;          // bad: what to answer before closing (empty: close without an answer)
};

// An answer in request order; keep_alive false closes the connection once it is written (nothing after it
// is answered).
struct Answer {
  Bytes bytes;
  bool keep_alive = true;
};
using AnswerFn = std::function<void(Answer)>;

template <typename Stream, typename Protocol>
class FramedConnection : public std::enable_shared_from_this<FramedConnection<Stream, Protocol>> {
 public:
  using TlsStream = boost::asio::ssl::stream<boost::asio::ip::tcp::socket>;

  FramedConnection(Protocol& proto, Stream s, std::string remote)
      : proto_(proto), sock_(std::move(s)), remote_(std::move(remote)), timer_(sock_.get_executor()) {}

  void start() {
    if constexpr (std::is_same_v<Stream, TlsStream>) {
      arm_timer();
      sock_.async_handshake(boost::asio::ssl::stream_base::server,
                            [self = this->shared_from_this()](boost::system::error_code ec) {
                              if (ec) return self->close();  // a failed handshake is not a request
                              self->read_more();
                            });
    } else {
      read_more();
    }
  }

 private:
  boost::asio::ip::tcp::socket& lowest() {
    if constexpr (std::is_same_v<Stream, TlsStream>) return sock_.next_layer();
    else return sock_;
  }

  void arm_timer() {
    timer_.expires_after(std::chrono::milliseconds(proto_.idle_timeout_ms()));
    timer_.async_wait([weak = this->weak_from_this()](boost::system::error_code ec) {
      if (ec) return;
      if (auto self = weak.lock()) self->close();
    });
  }

  void read_more() {
    if (reading_ || closed_ || in_flight_ >= proto_.max_pipeline() || stop_reading_) return;
    reading_ = true;
    arm_timer();
    std::size_t old = buf_.size();
    buf_.resize(old + kReadChunk);
    sock_.async_read_some(boost::asio::buffer(buf_.data() + old, kReadChunk),
                          [self = this->shared_from_this(), old](boost::system::error_code ec, std::size_t n) {
                            self->reading_ = false;
                            self->buf_.resize(old + (ec ? 0 : n));
                            if (ec) {
                              self->peer_done_ = true;
                              return self->maybe_close();
                            }
                            self->parse();
                          });
  }

  void parse() {
    std::size_t pos = 0;
    while (pos < buf_.size() && in_flight_ < proto_.max_pipeline() && !stop_reading_) {
      Frame f = proto_.frame(ByteView(buf_).subspan(pos));
      if (f.kind == Frame::need_more) break;
      if (f.kind == Frame::bad) {
        // Not a message: answer once in order, then close after the earlier answers.
        const std::uint64_t seq = next_seq_++;
        ++in_flight_;
        done_[seq] = Answer{std::move(f.answer), false};
        stop_reading_ = true;
        buf_.clear();
        pos = 0;
        flush();
        return;
      }
      Bytes msg(buf_.begin() + static_cast<std::ptrdiff_t>(pos),
                buf_.begin() + static_cast<std::ptrdiff_t>(pos + f.size));
      pos += f.size;
      dispatch(std::move(msg));
    }
    buf_.erase(buf_.begin(), buf_.begin() + static_cast<std::ptrdiff_t>(pos));
    read_more();
  }

  void dispatch(Bytes msg) {
    const std::uint64_t seq = next_seq_++;
    ++in_flight_;
    proto_.pending(+1);
    proto_.handle(std::move(msg), remote_, [self = this->shared_from_this(), seq](Answer a) {
      boost::asio::post(self->sock_.get_executor(), [self, seq, a = std::move(a)]() mutable {
        self->proto_.pending(-1);
        if (!a.keep_alive) self->stop_reading_ = true;
        self->done_[seq] = std::move(a);
        self->flush();
      });
    });
  }

  // Writes every answer that is next in order, as one write: a pipelining client gets the answers that are
  // ready together in one segment rather than one system call each.
  void flush() {
    if (writing_ || closed_) return;
    out_.clear();
    std::size_t count = 0;
    bool close_after = false;
    for (auto it = done_.find(next_write_); it != done_.end(); it = done_.find(next_write_)) {
      out_.insert(out_.end(), it->second.bytes.begin(), it->second.bytes.end());
      close_after = !it->second.keep_alive;
      done_.erase(it);
      ++next_write_;
      ++count;
      if (close_after) break;
    }
    if (count == 0) return maybe_close();
    if (out_.empty()) return close();  // only a close without an answer
    writing_ = true;
    boost::asio::async_write(sock_, boost::asio::buffer(out_),
                             [self = this->shared_from_this(), count, close_after](boost::system::error_code ec,
                                                                                   std::size_t) {
                               self->writing_ = false;
                               if (ec || close_after) return self->close();
                               self->in_flight_ -= count;
                               if (self->proto_.stopping() && self->done_.empty() && self->in_flight_ == 0)
                                 return self->close();
                               self->flush();
                               // Messages that came while max_pipeline were in flight wait in buf_: serve them
                               // before reading more (no read is outstanding while in_flight_ was at the limit).
                               if (!self->reading_ && !self->buf_.empty()) return self->parse();
                               self->read_more();
                             });
  }

  void maybe_close() {
    if ((peer_done_ || stop_reading_) && in_flight_ == 0 && done_.empty() && !writing_) close();
  }

  void close() {
    if (closed_) return;
    closed_ = true;
    timer_.cancel();
    boost::system::error_code ec;
    lowest().shutdown(boost::asio::ip::tcp::socket::shutdown_both, ec);
    lowest().close(ec);
  }

  static constexpr std::size_t kReadChunk = 16384;
  Protocol& proto_;
  Stream sock_;
  std::string remote_;
  boost::asio::steady_timer timer_;
  Bytes buf_, out_;
  std::map<std::uint64_t, Answer> done_;
  std::uint64_t next_seq_ = 0, next_write_ = 0;
  std::size_t in_flight_ = 0;
  bool reading_ = false, writing_ = false, closed_ = false, peer_done_ = false, stop_reading_ = false;
};

}  // namespace medsign::server::framing
