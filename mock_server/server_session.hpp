// Internal to the mock's server (included by server.cpp only, so that the Beast code stays in one
// translation unit): one connection's coroutine. It reads, parses (Beast's parser, fed by hand),
// calls the handler and writes a response whose head it formats itself. Deadlines are a value per
// connection watched by one timer that wakes only when a deadline may have passed, not re-armed
// per operation. Parse errors become 400/413/431 responses.
#pragma once

#include "mock_server/request_parser.hpp"
#include "mock_server/server_core.hpp"

namespace agentwork::mock::server_detail {

// Closing, timeouts and stop() end connections all the time: not worth a log line.
inline bool is_normal_close(const error_code& ec) {
  return ec == http::error::end_of_stream || ec == asio::error::eof ||
         ec == asio::error::operation_aborted || ec == ssl::error::stream_truncated;
}

// One connection: its stream, buffer, deadline and timers, served by one coroutine on the
// thread of its io_context.
template <class Stream>
class Session final : public Connection, public std::enable_shared_from_this<Session<Stream>> {
 public:
  template <class... StreamArgs>
  Session(ServerCore& core, std::string peer, bool over_capacity, StreamArgs&&... stream_args)
      : core_(core),
        peer_(std::move(peer)),
        over_capacity_(over_capacity),
        stream_(std::forward<StreamArgs>(stream_args)...),
        watchdog_(lowest_layer(stream_).get_executor()),
        delay_timer_(lowest_layer(stream_).get_executor()) {}
  ~Session() override { core_.release_connection(this, !over_capacity_); }
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;

  static Awaitable<void> run(std::shared_ptr<Session> self) {
    self->head_started_ = Clock::now();
    self->deadline_ = self->head_started_ + self->core_.options().head_timeout;
    asio::co_spawn(self->watchdog_.get_executor(), watch(self), asio::detached);
    co_await self->serve();
    self->finished_ = true;
    self->watchdog_.cancel();
  }

  void close_if_idle() override {
    if (idle_) close_transport();
  }
  void force_close() override {
    delay_timer_.cancel();
    close_transport();
  }
  void evict() override {
    evicting.store(false, std::memory_order_relaxed);
    if (phase() == Phase::busy || closed_) return;
    core_.count_eviction();
    if (core_.options().log_requests) core_.log(peer_ + " evicted: the server is full");
    close_transport();
  }

 private:
  // Closes the connection once its deadline has passed. It sleeps until the deadline that
  // was set when it went to sleep and re-arms for a later one; set_deadline() wakes it early
  // only when a deadline moves closer.
  static Awaitable<void> watch(std::shared_ptr<Session> self) {
    while (!self->finished_) {
      self->armed_ = self->deadline_;
      self->watchdog_.expires_at(self->armed_);
      auto [ec] = co_await self->watchdog_.async_wait(use_nothrow);
      if (self->finished_) break;
      if (!ec && Clock::now() >= self->deadline_) {
        self->timed_out_ = true;
        self->close_transport();
        break;
      }
    }
  }
  void set_deadline(std::chrono::milliseconds timeout) { set_deadline_at(Clock::now() + timeout); }
  void set_deadline_at(Clock::time_point deadline) {
    deadline_ = deadline;
    if (deadline_ < armed_) watchdog_.cancel();
  }

  Awaitable<void> serve();
  Awaitable<error_code> handshake();
  Awaitable<void> close_gracefully();
  Awaitable<bool> wait_for_request();
  Awaitable<error_code> read_request(RequestParser& parser);
  Awaitable<Ending> serve_request();
  Awaitable<Ending> on_read_error(const error_code& ec, Clock::time_point started);
  Awaitable<bool> wait(std::chrono::milliseconds delay);
  Awaitable<error_code> write(HttpResponse& response, unsigned version, bool keep_alive,
                              bool head_only, bool truncate);
  void log_request(std::string_view method, std::string_view target, unsigned status,
                   std::size_t bytes, Clock::time_point started, std::string_view note);
  void close_transport() {
    closed_ = true;
    error_code ignored;
    lowest_layer(stream_).close(ignored);
  }

  ServerCore& core_;
  const std::string peer_;
  const bool over_capacity_;  // answer 503 and close
  Stream stream_;
  beast::flat_buffer buffer_;
  std::string head_;       // response head, reused
  HttpRequest request_;    // the request being served; its strings' capacity is reused
  Timer watchdog_;
  Timer delay_timer_;
  Clock::time_point deadline_ = Clock::time_point::max();
  Clock::time_point armed_ = Clock::time_point::max();
  Clock::time_point head_started_;  // the head being read is due head_timeout after this
  bool idle_ = true;        // no request in progress: stop() may close the connection at once
  bool closed_ = false;     // the transport was closed (stop, deadline, fault)
  bool timed_out_ = false;  // closed because a deadline passed
  bool finished_ = false;   // serve() returned
  std::uint64_t served_ = 0;  // requests read (or failed to read) on this connection
};

template <class Stream>
Awaitable<error_code> Session<Stream>::handshake() {
  if constexpr (kIsTls<Stream>) {
    set_deadline_at(head_started_ + core_.options().head_timeout);
    auto [ec] = co_await stream_.async_handshake(ssl::stream_base::server, use_nothrow);
    co_return ec;
  } else {
    co_return error_code{};
  }
}

// TLS close_notify, then FIN, then drain what the peer still sends (bounded), then close.
template <class Stream>
Awaitable<void> Session<Stream>::close_gracefully() {
  auto& socket = lowest_layer(stream_);
  if constexpr (kIsTls<Stream>) {
    set_deadline(kTlsShutdownTimeout);
    co_await stream_.async_shutdown(use_nothrow);
  }
  error_code ec;
  socket.shutdown(tcp::socket::shutdown_send, ec);
  set_deadline(kLingerTimeout);
  std::array<char, 4096> discard{};
  while (!ec && !closed_) {
    std::tie(ec, std::ignore) = co_await socket.async_read_some(asio::buffer(discard), use_nothrow);
  }
  close_transport();
}

template <class Stream>
Awaitable<void> Session<Stream>::serve() {
  const error_code handshake_ec = co_await handshake();
  if (handshake_ec) {
    if (!is_normal_close(handshake_ec)) core_.log_error("handshake", peer_, handshake_ec);
    close_transport();
    co_return;
  }
  if (over_capacity_) {
    HttpResponse busy;
    busy.status = 503;
    busy.body = error_body("too many connections (limit " +
                           std::to_string(core_.options().max_connections) + ")");
    const error_code ec = co_await write(busy, 11, false, false, false);
    if (!ec) co_await close_gracefully();
    close_transport();
    co_return;
  }
  Ending ending = Ending::keep_alive;
  while (ending == Ending::keep_alive && !core_.stopping() && !closed_) {
    const bool arrived = co_await wait_for_request();
    if (!arrived) {
      ending = Ending::abort;
      break;
    }
    ending = co_await serve_request();
    idle_ = true;
  }
  if (ending != Ending::abort && !closed_) co_await close_gracefully();
  close_transport();
}

// Waits for the first byte of the next request: up to head_timeout from the accept for the
// first request, up to idle_timeout on a keep-alive connection (evictable meanwhile).
template <class Stream>
Awaitable<bool> Session<Stream>::wait_for_request() {
  if (buffer_.size() > 0) {  // a pipelined request is already here
    idle_ = false;
    head_started_ = Clock::now();
    set_phase(Phase::head);
    co_return true;
  }
  if (served_ == 0) {
    set_deadline_at(head_started_ + core_.options().head_timeout);
  } else {
    set_phase(Phase::idle);
    set_deadline(core_.options().idle_timeout);
  }
  auto [ec, bytes] = co_await stream_.async_read_some(buffer_.prepare(kReadChunk), use_nothrow);
  idle_ = false;
  if (served_ > 0) {
    head_started_ = Clock::now();
    set_phase(Phase::head);
  }
  if (ec) {
    if (!is_normal_close(ec)) core_.log_error("read", peer_, ec);
    co_return false;
  }
  buffer_.commit(bytes);
  co_return true;
}

// Feeds the parser from the buffer, reading more within request_timeout, until one request
// is complete; answers "Expect: 100-continue" once its head is in.
template <class Stream>
Awaitable<error_code> Session<Stream>::read_request(RequestParser& parser) {
  set_deadline_at(head_started_ + core_.options().head_timeout);
  bool continue_sent = false;
  bool head_done = false;
  for (;;) {
    if (buffer_.size() > 0) {
      error_code ec;
      const std::size_t used = parser.put(buffer_.data(), ec);
      buffer_.consume(used);
      if (!head_done && parser.is_header_done()) {  // the body is due within request_timeout
        head_done = true;
        set_phase(Phase::busy);
        set_deadline(core_.options().request_timeout);
      }
      if (ec && ec != http::error::need_more) co_return ec;
      if (parser.is_done()) co_return error_code{};
      if (used > 0 && buffer_.size() > 0) continue;  // more of the message is already here
    }
    if (parser.is_header_done() && !continue_sent && parser.expects_continue()) {
      continue_sent = true;
      static constexpr std::string_view kContinue = "HTTP/1.1 100 Continue\r\n\r\n";
      auto [wec, wbytes] =
          co_await asio::async_write(stream_, asio::buffer(kContinue), use_nothrow);
      if (wec) co_return wec;
    }
    auto [ec, bytes] = co_await stream_.async_read_some(buffer_.prepare(kReadChunk), use_nothrow);
    if (ec == asio::error::eof || ec == ssl::error::stream_truncated) {
      co_return parser.got_some() ? http::error::partial_message : http::error::end_of_stream;
    }
    if (ec) co_return ec;
    buffer_.commit(bytes);
  }
}

template <class Stream>
Awaitable<Ending> Session<Stream>::serve_request() {
  const auto started = Clock::now();
  const auto& options = core_.options();
  RequestParser parser(request_);
  parser.eager(true);
  parser.header_limit(static_cast<std::uint32_t>(
      std::min<std::size_t>(options.max_header_bytes, std::numeric_limits<std::uint32_t>::max())));
  parser.body_limit(options.max_body_bytes);
  const error_code read_ec = co_await read_request(parser);
  set_phase(Phase::busy);
  ++served_;
  if (read_ec) co_return co_await on_read_error(read_ec, started);

  const unsigned version = parser.version();
  const bool head_only = parser.head();
  const bool client_keep_alive = parser.keep_alive();
  request_.tls = kIsTls<Stream>;
  const HttpRequest& request = request_;
  HttpResponse response = core_.handle(request);
  if (response.delay.count() > 0) {
    const bool waited = co_await wait(response.delay);
    if (!waited) co_return Ending::abort;
  }

  if (response.fault == FaultAction::drop) {
    log_request(request.method, request.target, static_cast<unsigned>(response.status), 0, started,
                " drop");
    close_transport();
    co_return Ending::abort;
  }
  const bool truncate = response.fault == FaultAction::truncate;
  const bool keep_alive = client_keep_alive && !response.close && !truncate && !core_.stopping();
  const error_code ec = co_await write(response, version, keep_alive, head_only, truncate);
  log_request(request.method, request.target, static_cast<unsigned>(response.status),
              response.body.size(), started, truncate ? " truncate" : "");
  if (ec) {
    if (!is_normal_close(ec)) core_.log_error("write", peer_, ec);
    co_return Ending::abort;
  }
  if (truncate) co_return Ending::abort;
  co_return keep_alive ? Ending::keep_alive : Ending::close;
}

template <class Stream>
Awaitable<Ending> Session<Stream>::on_read_error(const error_code& ec, Clock::time_point started) {
  if (closed_) co_return Ending::abort;  // deadline passed or stop() closed it
  const auto reply = error_reply_for(ec, core_.options());
  if (!reply) {
    if (!is_normal_close(ec) && ec != http::error::partial_message) {
      core_.log_error("read", peer_, ec);
    }
    co_return Ending::abort;
  }
  HttpResponse response;
  response.status = reply->status;
  response.body = error_body(reply->detail);
  const auto write_ec = co_await write(response, 11, false, false, false);
  log_request("-", "-", static_cast<unsigned>(response.status), response.body.size(), started,
              " " + ec.message());
  co_return write_ec ? Ending::abort : Ending::close;
}

// Injected latency: a timer, so the thread serves other connections meanwhile.
template <class Stream>
Awaitable<bool> Session<Stream>::wait(std::chrono::milliseconds delay) {
  if (closed_) co_return false;
  delay_timer_.expires_after(delay);
  auto [ec] = co_await delay_timer_.async_wait(use_nothrow);
  co_return !ec && !closed_;
}

// Head and body in one gather write. HEAD: the head only (Content-Length of the body a GET
// would get). Truncate: the head announcing the full body, then only its first half.
template <class Stream>
Awaitable<error_code> Session<Stream>::write(HttpResponse& response, unsigned version,
                                             bool keep_alive, bool head_only, bool truncate) {
  format_head(head_, response, version, keep_alive);
  std::size_t body_bytes = response.body.size();
  if (head_only) body_bytes = 0;
  if (truncate) body_bytes /= 2;
  const std::array<asio::const_buffer, 2> buffers{asio::buffer(head_),
                                                  asio::buffer(response.body.data(), body_bytes)};
  set_deadline(kWriteTimeout);
  if constexpr (!kIsTls<Stream>) {
    // Written at once when the socket takes it all (the usual case), so that the next read
    // starts in this same turn of the loop, before the client can have answered, and waits
    // for the reactor like every other connection. Resumed instead from a posted completion a
    // whole turn later, the read found the next request already there and completed at once:
    // such connections went round without the reactor, ahead of those it had reported (at most
    // 128 per turn), and at 10,000 connections some of those waited seconds (bench/connections.sh).
    error_code ec;
    const std::size_t done = stream_.write_some(buffers, ec);  // non-blocking: would_block
    if (ec && ec != asio::error::would_block) co_return ec;
    if (done == head_.size() + body_bytes) co_return error_code{};
    const std::size_t from_head = std::min(done, head_.size());
    const std::array<asio::const_buffer, 2> rest{
        asio::buffer(head_) + from_head,
        asio::buffer(response.body.data(), body_bytes) + (done - from_head)};
    auto [rest_ec, bytes] = co_await asio::async_write(stream_, rest, use_nothrow);
    co_return rest_ec;
  } else {
    auto [tls_ec, bytes] = co_await asio::async_write(stream_, buffers, use_nothrow);
    co_return tls_ec;
  }
}

template <class Stream>
void Session<Stream>::log_request(std::string_view method, std::string_view target, unsigned status,
                                  std::size_t bytes, Clock::time_point started,
                                  std::string_view note) {
  if (!core_.options().log_requests) return;
  const std::chrono::duration<double, std::milli> elapsed = Clock::now() - started;
  std::array<char, 64> figures{};
  std::snprintf(figures.data(), figures.size(), " %u %zuB %.2fms", status, bytes, elapsed.count());
  core_.log(peer_ + " " + std::string(method) + " " + std::string(target) + figures.data() +
            std::string(note));
}

}  // namespace agentwork::mock::server_detail
