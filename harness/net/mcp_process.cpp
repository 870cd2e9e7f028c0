#include "harness/net/mcp_process.hpp"
#include "common/json_depth.hpp"

#include <fcntl.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstring>
#include <deque>
#include <thread>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>

extern char** environ;

namespace agentwork::harness {

namespace asio = boost::asio;
using nlohmann::json;
using Descriptor = asio::posix::basic_stream_descriptor<Executor>;
using Timer = asio::basic_waitable_timer<std::chrono::steady_clock,
                                         asio::wait_traits<std::chrono::steady_clock>, Executor>;
constexpr auto use_nothrow = asio::as_tuple(asio::use_awaitable_t<Executor>{});

namespace {

constexpr std::size_t kLinesKept = 200;        // stdout lines kept per exchange
constexpr std::size_t kStderrLineBytes = 400;  // of each stderr line kept

// Appends the next word of `s` from `i` to `out`; false with `error` on an unterminated quote.
bool next_word(std::string_view s, std::size_t& i, std::string& out, std::string& error) {
  while (i < s.size() && s[i] != ' ' && s[i] != '\t' && s[i] != '\n') {
    const char c = s[i++];
    if (c == '\\' && i < s.size()) {
      out += s[i++];
    } else if (c == '\'') {
      const auto end = s.find('\'', i);
      if (end == std::string_view::npos) {
        error = "unterminated single quote in the command";
        return false;
      }
      out.append(s.substr(i, end - i));
      i = end + 1;
    } else if (c == '"') {
      for (;; ++i) {
        if (i >= s.size()) {
          error = "unterminated double quote in the command";
          return false;
        }
        if (s[i] == '"') break;
        if (s[i] == '\\' && i + 1 < s.size() && (s[i + 1] == '"' || s[i + 1] == '\\')) ++i;
        out += s[i];
      }
      ++i;
    } else {
      out += c;
    }
  }
  return true;
}

std::vector<std::string> child_environment(const McpLaunch& launch) {
  std::vector<std::string> env;
  for (char** e = environ; e && *e; ++e) {
    const std::string_view entry(*e);
    bool replaced = false;
    for (const auto& [name, value] : launch.env) {
      replaced = replaced || (entry.starts_with(name) && entry.size() > name.size() &&
                              entry[name.size()] == '=');
    }
    if (!replaced) env.emplace_back(entry);
  }
  for (const auto& [name, value] : launch.env) {
    if (!value.empty()) env.push_back(name + "=" + value);
  }
  return env;
}

std::vector<char*> pointers(std::vector<std::string>& strings) {
  std::vector<char*> out;
  for (auto& s : strings) out.push_back(s.data());
  out.push_back(nullptr);
  return out;
}

// In the child, after fork: only async-signal-safe calls.
[[noreturn]] void exec_child(int in, int out, int err, int status, char** argv, char** envp) {
  setpgid(0, 0);
  prctl(PR_SET_PDEATHSIG, SIGKILL);
  sigset_t none;
  sigemptyset(&none);
  sigprocmask(SIG_SETMASK, &none, nullptr);
  signal(SIGPIPE, SIG_DFL);
  dup2(in, 0);
  dup2(out, 1);
  dup2(err, 2);
  execvpe(argv[0], argv, envp);
  const int e = errno;
  [[maybe_unused]] auto n = write(status, &e, sizeof e);
  _exit(127);
}

}  // namespace

std::optional<std::vector<std::string>> split_command(std::string_view command,
                                                      std::string& error) {
  std::vector<std::string> argv;
  std::size_t i = 0;
  while (i < command.size()) {
    if (command[i] == ' ' || command[i] == '\t' || command[i] == '\n') {
      ++i;
      continue;
    }
    std::string word;
    if (!next_word(command, i, word, error)) return std::nullopt;
    argv.push_back(std::move(word));
  }
  if (argv.empty()) {
    error = "the command is empty";
    return std::nullopt;
  }
  return argv;
}

std::string_view to_string(McpExchange::Failure f) {
  using F = McpExchange::Failure;
  switch (f) {
    case F::none:
      return "none";
    case F::not_running:
      return "the server is not running";
    case F::write:
      return "writing to its stdin failed";
    case F::died:
      return "its stdout ended (the server exited)";
    case F::timeout:
      return "no answer within the call timeout";
    case F::too_long:
      return "a stdout line over the length bound";
  }
  return "?";
}

struct McpProcess::Pipes {
  explicit Pipes(Executor ex) : in(ex), out(ex), err(ex), timer(ex) {}
  Descriptor in, out, err;
  Timer timer;
  std::string out_buf;
  std::deque<std::string> err_lines;
  std::string err_partial;
  bool timed_out = false;
  unsigned generation = 0;  // of the timer's wait: a stale expiry cancels nothing
  void close() {
    boost::system::error_code ignored;
    in.close(ignored);
    out.close(ignored);
    err.close(ignored);
    timer.cancel();
  }
};

namespace {

Awaitable<void> keep_stderr(std::shared_ptr<McpProcess::Pipes> p, std::size_t kept);

}  // namespace

McpProcess::McpProcess(Executor executor, McpLaunch launch)
    : executor_(executor), launch_(std::move(launch)) {}

McpProcess::~McpProcess() {
  stop();
}

bool McpProcess::start(std::string& error) {
  if (launch_.argv.empty()) {
    error = "no command";
    return false;
  }
  std::signal(SIGPIPE, SIG_IGN);  // a dead child's stdin is an error code, not a signal
  int in[2], out[2], err[2], status[2];
  if (pipe2(in, O_CLOEXEC) || pipe2(out, O_CLOEXEC) || pipe2(err, O_CLOEXEC) ||
      pipe2(status, O_CLOEXEC)) {
    error = std::string("pipe: ") + std::strerror(errno);
    return false;
  }
  auto args = launch_.argv;
  auto envs = child_environment(launch_);
  auto argv = pointers(args);
  auto envp = pointers(envs);
  const int pid = fork();
  if (pid == 0) exec_child(in[0], out[1], err[1], status[1], argv.data(), envp.data());
  for (int fd : {in[0], out[1], err[1], status[1]}) ::close(fd);
  int exec_errno = 0;
  const auto n = pid < 0 ? 0 : ::read(status[0], &exec_errno, sizeof exec_errno);
  ::close(status[0]);
  if (pid < 0 || n == sizeof exec_errno) {
    error = "cannot run " + launch_.argv[0] + ": " + std::strerror(pid < 0 ? errno : exec_errno);
    for (int fd : {in[1], out[0], err[0]}) ::close(fd);
    pid_ = pid;
    reap(true);
    return false;
  }
  pid_ = pid;
  ended_.clear();
  pipes_ = std::make_shared<Pipes>(executor_);
  pipes_->in.assign(in[1]);
  pipes_->out.assign(out[0]);
  pipes_->err.assign(err[0]);
  asio::co_spawn(executor_, keep_stderr(pipes_, launch_.stderr_lines_kept), asio::detached);
  return true;
}

namespace {

Awaitable<void> keep_stderr(std::shared_ptr<McpProcess::Pipes> p, std::size_t kept) {
  char chunk[4096];
  for (;;) {
    auto [ec, n] = co_await p->err.async_read_some(asio::buffer(chunk), use_nothrow);
    if (ec) break;
    for (std::size_t i = 0; i < n; ++i) {
      if (chunk[i] != '\n') {
        if (p->err_partial.size() < kStderrLineBytes) p->err_partial += chunk[i];
        continue;
      }
      p->err_lines.push_back(std::move(p->err_partial));
      p->err_partial.clear();
      while (p->err_lines.size() > kept) p->err_lines.pop_front();
    }
  }
  if (!p->err_partial.empty()) p->err_lines.push_back(std::move(p->err_partial));
  while (p->err_lines.size() > kept) p->err_lines.pop_front();
}

}  // namespace

std::vector<std::string> McpProcess::stderr_tail() const {
  if (!pipes_) return {};
  return {pipes_->err_lines.begin(), pipes_->err_lines.end()};
}

void McpProcess::notify(const std::string& method, const json& params) {
  if (!running() || !pipes_) return;
  const std::string line =
      json{{"jsonrpc", "2.0"}, {"method", method}, {"params", params}}.dump() + "\n";
  boost::system::error_code ec;
  asio::write(pipes_->in, asio::buffer(line), ec);
}

Awaitable<McpExchange::Failure> McpProcess::read_line(std::string& line,
                                                      std::chrono::milliseconds left) {
  using F = McpExchange::Failure;
  auto p = pipes_;
  p->timed_out = false;
  const unsigned generation = ++p->generation;
  p->timer.expires_after(left);
  p->timer.async_wait([p, generation](boost::system::error_code ec) {
    if (ec || generation != p->generation) return;
    p->timed_out = true;
    boost::system::error_code ignored;
    p->out.cancel(ignored);
    p->in.cancel(ignored);
  });
  auto [ec, n] = co_await asio::async_read_until(
      p->out, asio::dynamic_buffer(p->out_buf, launch_.max_line_bytes + 1), '\n', use_nothrow);
  p->timer.cancel();
  ++p->generation;
  if (p->timed_out) co_return F::timeout;
  if (ec == asio::error::not_found) co_return F::too_long;
  if (ec) co_return F::died;
  line = p->out_buf.substr(0, n - 1);
  if (!line.empty() && line.back() == '\r') line.pop_back();
  p->out_buf.erase(0, n);
  co_return F::none;
}

Awaitable<McpExchange> McpProcess::request(std::string method, json params,
                                           std::chrono::milliseconds timeout) {
  using F = McpExchange::Failure;
  McpExchange x;
  const auto started = std::chrono::steady_clock::now();
  const long long id = next_id_++;
  x.request_line = json{{"jsonrpc", "2.0"},
                        {"id", id},
                        {"method", std::move(method)},
                        {"params", std::move(params)}}
                       .dump();
  if (!running() || !pipes_) {
    x.failure = F::not_running;
    co_return x;
  }
  const std::string out = x.request_line + "\n";
  auto [wec, written] = co_await asio::async_write(pipes_->in, asio::buffer(out), use_nothrow);
  if (wec) x.failure = F::write;
  const auto deadline = started + timeout;
  while (x.ok()) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    std::string line;
    x.failure = left.count() <= 0 ? F::timeout : co_await read_line(line, left);
    if (!x.ok()) break;
    const json msg = parse_json_bounded(line);
    if (x.lines.size() < kLinesKept) x.lines.push_back(std::move(line));
    if (!msg.is_object() || msg.contains("method") || !msg.contains("id")) continue;
    const auto& rid = msg["id"];
    if ((rid.is_number_integer() && rid.get<long long>() == id) ||
        (rid.is_string() && rid.get<std::string>() == std::to_string(id))) {
      x.response = msg;
      break;
    }
  }
  if (x.failure == F::died || x.failure == F::write) reap(false);
  x.elapsed = std::chrono::duration_cast<std::chrono::microseconds>(
      std::chrono::steady_clock::now() - started);
  co_return x;
}

void McpProcess::reap(bool wait) {
  if (pid_ <= 0) return;
  int st = 0;
  for (int i = 0; i < (wait ? 1 : 20); ++i) {
    const int r = waitpid(pid_, &st, wait ? 0 : WNOHANG);
    if (r == pid_ || (r < 0 && errno == ECHILD)) {
      ended_ = WIFSIGNALED(st) ? "killed by signal " + std::to_string(WTERMSIG(st))
                               : "exit " + std::to_string(WEXITSTATUS(st));
      pid_ = -1;
      return;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
}

void McpProcess::stop() {
  if (pipes_) {
    boost::system::error_code ignored;
    pipes_->in.close(ignored);  // a well-behaved server exits when its stdin ends
  }
  reap(false);
  if (pid_ > 0) {
    ::kill(-pid_, SIGKILL);
    ::kill(pid_, SIGKILL);
    reap(true);
  }
  if (pipes_) pipes_->close();
}

}  // namespace agentwork::harness
