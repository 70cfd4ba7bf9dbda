// Copyright (c) 2026 The asyncio for Asio authors.
// Distributed under the Boost Software License, Version 1.0.

#ifndef ASYNCIO_SUBPROCESS_HPP
#define ASYNCIO_SUBPROCESS_HPP

#include <asyncio/config.hpp>
#include <asyncio/streams.hpp>

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

// Python's asyncio subprocesses (asyncio.create_subprocess_exec / _shell and
// asyncio.subprocess.Process) on POSIX: the child's piped standard streams are this
// library's stream_reader / stream_writer, and its exit is awaited through a pidfd
// (Boost.Process v2's process handle), so no SIGCHLD handler is installed.

namespace asyncio {

/// Where one of the child's standard streams goes (Python's `None`, `subprocess.PIPE`,
/// `subprocess.DEVNULL` and `subprocess.STDOUT`).
enum class redirect : unsigned char {
    inherit, ///< the parent's own stream (the default)
    pipe,    ///< a pipe to the parent: `process::stdin_()` / `stdout_()` / `stderr_()`
    devnull, ///< /dev/null
    stdout_, ///< stderr only: wherever the child's stdout goes
};

inline constexpr redirect inherit = redirect::inherit;
inline constexpr redirect pipe = redirect::pipe;
inline constexpr redirect devnull = redirect::devnull;
/// For `subprocess_options::stderr_`: merge the child's stderr into its stdout.
inline constexpr redirect stdout_ = redirect::stdout_;

/// How to start a child (the keyword arguments of Python's `create_subprocess_exec`).
///
/// Everything here is read when `create_subprocess_exec` / `_shell` is called, so what
/// `env` and `cwd` refer to need only live until then. (They refer rather than own
/// to keep this struct trivially destructible: g++ 12 destroys an aggregate temporary
/// of a `co_await` expression twice, and `co_await create_subprocess_exec(p, args,
/// {.stdout_ = asyncio::pipe})` is the way this struct is meant to be written.)
struct subprocess_options {
    redirect stdin_ = inherit;
    redirect stdout_ = inherit;
    redirect stderr_ = inherit;

    /// The child's whole environment (Python's `env=`); the parent's when null. The
    /// program is looked up in this environment's `PATH`. See current_environment().
    const std::map<std::string, std::string>* env = nullptr;

    /// The child's working directory (`cwd=`); the parent's when empty.
    std::string_view cwd{};

    /// Runs the child in a new session (`start_new_session=True`): a signal sent to the
    /// parent's process group (Ctrl-C) does not reach it.
    bool start_new_session = false;

    /// The pipes' stream settings: `limit` (Python's `limit=`) for stdout and stderr,
    /// the write buffer limits for stdin.
    stream_options streams{};
};

/// A copy of this process's environment, to extend for a child (Python's
/// `{**os.environ, "NAME": "value"}`).
std::map<std::string, std::string> current_environment();

namespace detail {
class child_state;
struct process_access;
} // namespace detail

/// A started child (Python's `asyncio.subprocess.Process`). A handle: copies share the
/// child. Destroying the last handle closes the parent's ends of the pipes and
/// neither waits for nor kills the child; the loop still reaps it when it exits, so
/// it never lingers as a zombie (and a plain `io_context::run()` returns only once
/// every child has exited). A child still running when its loop is destroyed is
/// killed and reaped (as Python's transport does when the loop closes); its pipes,
/// like any Asio I/O object, must not outlive the loop.
class process {
  public:
    /// An empty handle: every member but the destructor throws `invalid_state_error`.
    process() noexcept = default;

    /// The child's process id (still valid, as a number, after it exited).
    int pid() const;

    /// The exit code once the child has exited and been reaped: its exit status, or
    /// `-N` if signal N killed it. Empty while it runs.
    std::optional<int> returncode() const;

    /// Waits for the child to exit and returns `returncode()`. Any number of tasks may
    /// wait at once. Cancelling the wait leaves the child running. (Unlike Python
    /// 3.12, it does not wait for the pipes to close as well: read them to the end
    /// first, or use communicate(), if the child may fill them.)
    [[nodiscard]] awaitable<int> wait();

    /// Writes `input` to the child's stdin and closes it, while reading its stdout and
    /// stderr to the end, then waits for it to exit; returns {stdout, stderr} (empty for
    /// an end that is not piped). A child that exits without reading its input is not
    /// an error. Cancelling it (or a timeout around it) leaves the child running; what
    /// was read stays in the streams. Input for a stdin that is not piped throws
    /// `invalid_state_error`.
    [[nodiscard]] awaitable<std::pair<std::string, std::string>>
    communicate(std::string input = {});

    /// Sends signal `sig` to the child (`std::invalid_argument` outside 0..NSIG-1).
    /// Does nothing once the child has exited.
    void send_signal(int sig);
    /// SIGTERM.
    void terminate();
    /// SIGKILL.
    void kill();

    /// The parent's ends of the pipes; `invalid_state_error` for an end that is not
    /// `redirect::pipe`.
    stream_writer& stdin_();
    stream_reader& stdout_();
    stream_reader& stderr_();

  private:
    friend struct detail::process_access;

    detail::child_state& child() const;

    std::shared_ptr<detail::child_state> child_;
    std::optional<stream_writer> stdin_pipe_;
    std::optional<stream_reader> stdout_pipe_;
    std::optional<stream_reader> stderr_pipe_;
};

/// Starts `program` with `args` (Python's `asyncio.create_subprocess_exec(program,
/// *args)`). (With g++ 12, name the argument vector: a braced list inside a `co_await`
/// expression does not compile.) A `program` without a '/' is looked up in the
/// child's `PATH`, and the
/// child's `argv[0]` is `program` as given. A program that cannot be started throws
/// `boost::system::system_error` with the OS's error (no such file, permission
/// denied, a `cwd` that does not exist) and leaves nothing behind. `std::invalid_argument`
/// for a NUL byte in a string, an environment name that is empty or contains '=', or a
/// redirection an end cannot have (only stderr may be `stdout_`).
[[nodiscard]] awaitable<process> create_subprocess_exec(std::string program,
                                                        std::vector<std::string> args = {},
                                                        subprocess_options options = {});

/// Runs `command` with `/bin/sh -c` (Python's `asyncio.create_subprocess_shell`).
[[nodiscard]] awaitable<process> create_subprocess_shell(std::string command,
                                                         subprocess_options options = {});

} // namespace asyncio

#endif // ASYNCIO_SUBPROCESS_HPP
