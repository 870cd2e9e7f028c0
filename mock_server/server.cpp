// The mock's HTTP/1.1 (and HTTPS) server on Boost.Beast and C++20 coroutines. One io_context
// per thread, each run by its own thread; the acceptor hands connections out in turn, so a
// connection lives on one thread and needs no strand (the wrk/nginx model). One coroutine per
// connection serves it (server_session.hpp). This file: listening, TLS set-up, the threads, and
// stop(), which drains in-flight requests and closes idle connections.
#include "mock_server/server.hpp"

#include "mock_server/server_core.hpp"
#include "mock_server/server_session.hpp"

namespace agentwork::mock {
namespace server_detail {
namespace {

std::string endpoint_text(const tcp::endpoint& endpoint) {
  const auto address = endpoint.address();
  const std::string host = address.is_v6() ? "[" + address.to_string() + "]" : address.to_string();
  return host + ":" + std::to_string(endpoint.port());
}

}  // namespace

std::uint16_t ServerCore::start() {
  std::lock_guard lifecycle(lifecycle_mutex_);
  if (state_ != State::idle) throw std::logic_error("agentwork::mock::Server: started twice");
  if (tls()) {
    load_tls_context();
  } else if (!options_.tls_cert_file.empty() || !options_.tls_key_file.empty()) {
    throw std::runtime_error("TLS needs both tls_cert_file and tls_key_file");
  }
  open_acceptor();
  asio::co_spawn(acceptor_->get_executor(), accept_loop(), [](const std::exception_ptr&) {});
  for (auto& ioc : iocs_) {
    work_.push_back(asio::make_work_guard(*ioc));
    threads_.emplace_back([this, &ioc = *ioc] {
      for (;;) {
        try {
          ioc.run();
          return;
        } catch (const std::exception& e) {
          if (options_.log_requests) log(std::string("server thread: ") + e.what());
        }
      }
    });
  }
  state_ = State::running;
  return port_.load();
}

void ServerCore::load_tls_context() {
  auto& context = ssl_context_.emplace(ssl::context::tls_server);
  context.set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 |
                      ssl::context::no_sslv3 | ssl::context::single_dh_use);
  error_code ec;
  context.use_certificate_chain_file(options_.tls_cert_file, ec);
  if (ec) {
    throw std::runtime_error("cannot load TLS certificate chain " + options_.tls_cert_file + ": " +
                             ec.message());
  }
  context.use_private_key_file(options_.tls_key_file, ssl::context::pem, ec);
  if (ec) {
    throw std::runtime_error("cannot load TLS private key " + options_.tls_key_file + ": " +
                             ec.message());
  }
}

void ServerCore::open_acceptor() {
  const std::string where = options_.bind_address + ":" + std::to_string(options_.port);
  tcp::resolver resolver(*iocs_[0]);
  error_code ec;
  const auto endpoints =
      resolver.resolve(options_.bind_address, std::to_string(options_.port),
                       tcp::resolver::passive | tcp::resolver::numeric_service, ec);
  if (ec) throw std::runtime_error("cannot listen on " + where + ": " + ec.message());
  ec = asio::error::host_not_found;
  for (const auto& entry : endpoints) {
    error_code ignored;
    acceptor_->close(ignored);
    const auto endpoint = entry.endpoint();
    acceptor_->open(endpoint.protocol(), ec);
    if (!ec) acceptor_->set_option(tcp::acceptor::reuse_address(true), ec);
    if (!ec) acceptor_->bind(endpoint, ec);
    if (!ec) acceptor_->listen(asio::socket_base::max_listen_connections, ec);
    if (!ec) acceptor_->non_blocking(true, ec);  // accept_queued() must not block
    if (!ec) {
      port_ = acceptor_->local_endpoint().port();
      return;
    }
  }
  acceptor_->close(ec);
  throw std::runtime_error("cannot listen on " + where + ": " + ec.message());
}

Awaitable<void> ServerCore::accept_loop() {
  for (;;) {
    // Connections go to the threads in turn; each lives on its thread's io_context.
    Socket socket(iocs_[next_ioc_]->get_executor());
    next_ioc_ = (next_ioc_ + 1) % iocs_.size();
    auto [ec] = co_await acceptor_->async_accept(socket, use_nothrow);
    if (stopping_ || !acceptor_->is_open()) co_return;
    if (ec) {  // EMFILE, ENOBUFS, ...: the listener itself is fine, try again shortly
      log_error("accept", options_.bind_address, ec);
      Timer backoff(acceptor_->get_executor(), kAcceptBackoff);
      co_await backoff.async_wait(use_nothrow);
      continue;
    }
    on_accept(std::move(socket));
    accept_queued();
  }
}

// Takes the connections already waiting in the listen queue, up to kAcceptBatch, without
// waiting for more.
void ServerCore::accept_queued() {
  for (int i = 0; i < kAcceptBatch && !stopping_; ++i) {
    Socket socket(iocs_[next_ioc_]->get_executor());
    error_code ec;
    acceptor_->accept(socket, ec);
    if (ec) return;  // would_block: the queue is empty; anything else: the async accept sees it
    next_ioc_ = (next_ioc_ + 1) % iocs_.size();
    on_accept(std::move(socket));
  }
}

void ServerCore::on_accept(Socket socket) {
  error_code ec;
  std::string peer = endpoint_text(socket.remote_endpoint(ec));
  socket.set_option(tcp::no_delay(true), ec);
  socket.non_blocking(true, ec);  // Session::write tries a write at once
  bool over_capacity = false;
  if (open_.fetch_add(1) >= options_.max_connections && !(options_.evict && evict_one())) {
    open_.fetch_sub(1);
    over_capacity = true;
  }
  if (ssl_context_) {
    spawn_session<TlsStream>(std::move(socket), std::move(peer), over_capacity, *ssl_context_);
  } else {
    spawn_session<PlainStream>(std::move(socket), std::move(peer), over_capacity);
  }
}

// At max_connections: closes the connection that has waited longest on its client - an idle
// keep-alive one idle at least evict_after first, else the unfinished head or handshake that
// started first - so that clients sending nothing, or a byte at a time, cannot keep others out. The
// new connection is counted at once; the evicted one uncounts itself when it ends (or stays
// counted, if it turned busy before the eviction reached its thread). One pass over the
// registry: about 10 us at 10,000 connections, paid only by connections arriving when full.
bool ServerCore::evict_one() {
  const auto now = Clock::now().time_since_epoch().count();
  const auto waited_enough =
      now - std::chrono::duration_cast<Clock::duration>(options_.evict_after).count();
  std::lock_guard lock(registry_mutex_);
  const Entry* victim = nullptr;
  Connection* victim_connection = nullptr;
  Phase victim_phase = Phase::busy;
  Clock::rep victim_since = 0;
  for (const auto& [key, entry] : registry_) {
    auto* connection = const_cast<Connection*>(key);  // alive while registered (see Connection)
    const Phase phase = connection->phase();
    if (phase == Phase::busy || connection->evicting.load(std::memory_order_relaxed)) continue;
    const auto since = connection->phase_since();
    // An idle keep-alive connection that served a request moments ago belongs to a client that
    // is active: spared for evict_after. An unfinished head of any age may give way (a client's
    // head normally arrives in one packet, so the oldest unfinished one is the slowest sender).
    if (phase == Phase::idle && since > waited_enough) continue;
    // Idle beats head; among equals the longest waiting.
    const bool better = victim == nullptr ||
                        (phase == Phase::idle && victim_phase != Phase::idle) ||
                        (phase == victim_phase && since < victim_since);
    if (!better) continue;
    victim = &entry;
    victim_connection = connection;
    victim_phase = phase;
    victim_since = since;
  }
  if (victim == nullptr) return false;
  victim_connection->evicting.store(true, std::memory_order_relaxed);
  asio::post(victim->executor, [connection = victim->connection] {
    if (const auto alive = connection.lock()) alive->evict();
  });
  return true;
}

template <class Stream, class... StreamArgs>
void ServerCore::spawn_session(Socket socket, std::string peer, bool over_capacity,
                               StreamArgs&... stream_args) {
  const Executor executor = socket.get_executor();
  auto session = std::make_shared<Session<Stream>>(*this, std::move(peer), over_capacity,
                                                   std::move(socket), stream_args...);
  if (!over_capacity) {
    std::lock_guard lock(registry_mutex_);
    registry_.emplace(session.get(), Entry{session, executor});
  }
  asio::co_spawn(executor, Session<Stream>::run(std::move(session)),
                 [this](const std::exception_ptr& error) {
                   if (!error || !options_.log_requests) return;
                   try {
                     std::rethrow_exception(error);
                   } catch (const std::exception& e) {
                     log(std::string("session: ") + e.what());
                   }
                 });
}

HttpResponse ServerCore::handle(const HttpRequest& request) const {
  try {
    return handler_(request);
  } catch (...) {
    return internal_error();
  }
}

void ServerCore::release_connection(const Connection* connection, bool counted) {
  if (!counted) return;
  {
    std::lock_guard lock(registry_mutex_);
    registry_.erase(connection);
    open_.fetch_sub(1);
  }
  registry_cv_.notify_all();
}

void ServerCore::log(const std::string& line) {
  std::lock_guard lock(log_mutex_);
  if (options_.log_sink) {
    options_.log_sink(line);
  } else {
    std::cerr << line << '\n';
  }
}

void ServerCore::log_error(std::string_view context, const std::string& peer,
                           const error_code& ec) {
  if (options_.log_requests) log(peer + " " + std::string(context) + ": " + ec.message());
}

// Posts the action to each connection's thread; connections that ended meanwhile are skipped.
void ServerCore::for_each_connection(void (Connection::*action)()) {
  std::vector<Entry> entries;
  {
    std::lock_guard lock(registry_mutex_);
    for (const auto& [key, entry] : registry_) entries.push_back(entry);
  }
  for (auto& entry : entries) {
    asio::post(entry.executor, [connection = std::move(entry.connection), action] {
      if (const auto alive = connection.lock()) ((*alive).*action)();
    });
  }
}

bool ServerCore::wait_for_connections(std::chrono::milliseconds timeout) {
  std::unique_lock lock(registry_mutex_);
  return registry_cv_.wait_for(lock, timeout, [this] { return open_.load() == 0; });
}

void ServerCore::wake_signal_waiter() {
  {
    std::lock_guard lock(wake_mutex_);
    wake_ = true;
  }
  wake_cv_.notify_all();
}

void ServerCore::stop() {
  std::lock_guard lifecycle(lifecycle_mutex_);
  if (state_ != State::running) return;
  for (const auto& thread : threads_) {
    if (thread.get_id() == std::this_thread::get_id()) {
      std::cerr << "agentwork::mock::Server::stop() called from a worker thread\n";
      std::abort();
    }
  }
  stopping_ = true;
  wake_signal_waiter();
  asio::post(acceptor_->get_executor(), [this] {
    error_code ignored;
    acceptor_->close(ignored);
  });
  for_each_connection(&Connection::close_if_idle);
  if (!wait_for_connections(options_.shutdown_grace)) {
    for_each_connection(&Connection::force_close);
    wait_for_connections(kForceCloseWait);
  }
  work_.clear();
  for (auto& ioc : iocs_) ioc->stop();
  for (auto& thread : threads_) thread.join();
  threads_.clear();
  // The posted close may not have run before ioc_.stop(); the port must be free on return.
  error_code ignored;
  acceptor_->close(ignored);
  state_ = State::stopped;
}

void ServerCore::run_until_signal() {
  {
    std::lock_guard lifecycle(lifecycle_mutex_);
    if (state_ != State::running) return;
  }
  asio::signal_set signals(*iocs_[0], SIGINT, SIGTERM);
  signals.async_wait([this](const error_code& ec, int) {
    if (!ec) wake_signal_waiter();
  });
  {
    std::unique_lock lock(wake_mutex_);
    wake_cv_.wait(lock, [this] { return wake_; });
  }
  stop();
}

}  // namespace server_detail

struct Server::Impl {
  Impl(ServerOptions options, Handler handler) : core(std::move(options), std::move(handler)) {}
  server_detail::ServerCore core;
};

Server::Server(ServerOptions options, Handler handler)
    : impl_(std::make_unique<Impl>(std::move(options), std::move(handler))) {}

Server::~Server() = default;  // ~ServerCore stops

std::uint16_t Server::start() {
  return impl_->core.start();
}
void Server::stop() {
  impl_->core.stop();
}
void Server::run_until_signal() {
  impl_->core.run_until_signal();
}
std::uint16_t Server::port() const {
  return impl_->core.port();
}
bool Server::tls() const {
  return impl_->core.tls();
}
std::size_t Server::open_connections() const {
  return impl_->core.open_connections();
}

std::size_t Server::evicted_connections() const {
  return impl_->core.evicted_connections();
}

}  // namespace agentwork::mock
