// Copyright (c) 2026 The asyncio for Asio authors.
// Distributed under the Boost Software License, Version 1.0.

// Boost.Process v2 in this file only, with std::filesystem (no Boost.Filesystem
// library to link). Boost 1.81's v2 headers then miss two includes of their own.
#define BOOST_PROCESS_USE_STD_FS 1
#include <boost/optional.hpp>
#include <boost/type_traits/is_constructible.hpp>
#include <boost/type_traits/remove_pointer.hpp>

#include <asyncio/detail/executor.hpp>
#include <asyncio/detail/pipe_stream.hpp>
#include <asyncio/detail/wait_op.hpp>
#include <asyncio/error.hpp>
#include <asyncio/gather.hpp>
#include <asyncio/subprocess.hpp>

#include <boost/asio/this_coro.hpp>
#include <boost/process/v2/environment.hpp>
#include <boost/process/v2/process_handle.hpp>

#include <array>
#include <cerrno>
#include <csignal>
#include <cstdlib>
#include <exception>
#include <filesystem>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include <fcntl.h>
#include <spawn.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

extern char** environ;

// How the child starts: posix_spawn, not Boost.Process v2's launchers. In Boost 1.81
// those fork and then call io_context::notify_fork(fork_child) in the child, which
// takes Asio's reactor locks (a deadlock when another thread held one at the fork,
// boostorg/process#430) and, with the vfork launcher, rewrites the parent's reactor
// (boostorg/process#314). glibc's posix_spawn runs nothing but the file actions
// between clone(CLONE_VM | CLONE_VFORK) and exec, reports a failed exec as its
// result, and costs no page-table copy in a large parent.
//
// How the child is reaped: Boost.Process v2's process handle, which waits on a pidfd
// (Linux 5.3) in the loop's reactor: no SIGCHLD handler, no thread per child. Signals
// go through the same pidfd, so a signal can never reach another process that reused
// the pid of a reaped child.

namespace asyncio {

namespace detail {

namespace bp = boost::process::v2;

namespace {

// The exit code Python reports: the exit status, or -N for a death by signal N.
int returncode_of(int status) noexcept {
    if (WIFSIGNALED(status))
        return -WTERMSIG(status);
    return bp::evaluate_exit_code(status);
}

// What Python reports for a child someone else reaped.
constexpr int unknown_returncode = 255;

// Reaps `pid` (blocking): its exit code, or unknown_returncode if someone else reaped it.
int reap(int pid) noexcept {
    int status = 0;
    while (::waitpid(pid, &status, 0) < 0) {
        if (errno != EINTR)
            return unknown_returncode;
    }
    return returncode_of(status);
}

// Kills and reaps a child started moments ago that nothing else knows of yet.
int kill_and_reap(int pid) noexcept {
    ::kill(pid, SIGKILL);
    return reap(pid);
}

int send_through_pidfd(int pidfd, int sig) noexcept {
    return static_cast<int>(::syscall(SYS_pidfd_send_signal, pidfd, sig, nullptr, 0));
}

} // namespace

// One child: its pid and pidfd, its exit code once reaped, and the tasks waiting for
// it. The reaper (a wait on the pidfd, started with the child) owns a reference until
// the child exits, so a child is reaped even when every handle is gone.
//
// When the loop is destroyed first, the reaper's handler is destroyed without being
// called: then the child is killed (through its pidfd) and reaped at once, the waiters
// are completed (their handlers are posted to the dying loop, which destroys them and
// with them the coroutines parked in wait(), which may own this state), and the pidfd
// is closed while its reactor still exists (a `process` may outlive its loop).
class child_state : public std::enable_shared_from_this<child_state> {
  public:
    child_state(const executor_type& ex, int pid, int pidfd)
        : pid_(pid), pidfd_(pidfd), handle_(std::in_place, ex, pid, pidfd) {}

    child_state(const child_state&) = delete;
    child_state& operator=(const child_state&) = delete;

    ~child_state() {
        if (!returncode()) // the reaper never started
            end_with_loop();
    }

    void start_reaping() { handle_->async_wait(reaper{shared_from_this()}); }

    int pid() const noexcept { return pid_; }

    std::optional<int> returncode() const {
        std::lock_guard<spinlock> guard(mutex_);
        return returncode_;
    }

    void send_signal(int sig) {
        if (sig < 0 || sig >= NSIG)
            throw std::invalid_argument("asyncio::process::send_signal: no such signal");
        if (returncode())
            return; // Python's Popen.send_signal: nothing to signal any more
        // A child that exited but is not reaped yet still owns its pidfd: ESRCH at worst.
        if (send_through_pidfd(pidfd_, sig) != 0 && errno != ESRCH)
            throw boost::system::system_error(errno, boost::system::system_category(),
                                              "asyncio::process::send_signal");
    }

    // Waits for the exit code. The wait owns the state while it is parked (its
    // cancellation handler uses the state's lock); the state completes its waiters
    // when the loop goes, which ends that cycle.
    struct initiate_wait {
        std::shared_ptr<child_state> child;

        template <class Handler, class Deliver>
        void operator()(Handler&& handler, Deliver deliver) const {
            child_state& self = *child;
            start_list_wait<wait_op<int>>(self.mutex_, self.waiters_,
                                          std::forward<Handler>(handler), deliver,
                                          [&](auto& sink, waiter*&) {
                                              if (!self.returncode_)
                                                  return false;
                                              sink.succeed(*self.returncode_);
                                              return true;
                                          });
        }
    };

  private:
    // The reaper's handler: called when the child exits, or destroyed uncalled when the
    // loop goes first.
    class reaper {
      public:
        explicit reaper(std::shared_ptr<child_state> child) noexcept : child_(std::move(child)) {}
        reaper(reaper&&) noexcept = default;
        reaper& operator=(reaper&&) = delete;
        ~reaper() {
            if (child_)
                child_->end_with_loop();
        }

        void operator()(const bp::error_code& ec, int status) {
            std::shared_ptr<child_state> child = std::move(child_);
            child->reaped(ec, status);
        }

      private:
        std::shared_ptr<child_state> child_;
    };

    void reaped(const bp::error_code& ec, int status) noexcept {
        if (ec == boost::system::errc::interrupted) { // waitpid was interrupted: again
            try {
                start_reaping();
                return;
            } catch (const std::bad_alloc&) {
                publish(reap(pid_)); // the pidfd said it exited: this does not block
                return;
            }
        }
        publish(ec ? unknown_returncode : returncode_of(status));
    }

    void end_with_loop() noexcept {
        if (!returncode()) {
            send_through_pidfd(pidfd_, SIGKILL);
            publish(reap(pid_));
        }
        handle_.reset(); // closes the pidfd
    }

    void publish(int code) noexcept {
        wait_op<int>* woken;
        {
            std::lock_guard<spinlock> guard(mutex_);
            returncode_ = code;
            woken = waiters_.detach_all();
            for (wait_op<int>* op = woken; op; op = intrusive_list<wait_op<int>>::next(*op))
                op->succeed(code);
        }
        complete_chain(woken);
    }

    const int pid_;
    const int pidfd_; // owned by handle_
    std::optional<bp::basic_process_handle<executor_type>> handle_;
    mutable spinlock mutex_;
    std::optional<int> returncode_;
    intrusive_list<wait_op<int>> waiters_;
};

struct process_access {
    static process make(std::shared_ptr<child_state> child, std::shared_ptr<stream_core> in,
                        std::shared_ptr<stream_core> out, std::shared_ptr<stream_core> err) {
        process p;
        p.child_ = std::move(child);
        if (in)
            p.stdin_pipe_ = stream_access::make(std::move(in)).second;
        if (out)
            p.stdout_pipe_ = stream_access::make(std::move(out)).first;
        if (err)
            p.stderr_pipe_ = stream_access::make(std::move(err)).first;
        return p;
    }
};

namespace {

[[noreturn]] void throw_errno(int error, const std::string& what) {
    throw boost::system::system_error(error, boost::system::system_category(), what);
}

class unique_fd {
  public:
    unique_fd() noexcept = default;
    explicit unique_fd(int fd) noexcept : fd_(fd) {}
    unique_fd(unique_fd&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}
    unique_fd& operator=(unique_fd&& other) noexcept {
        reset(std::exchange(other.fd_, -1));
        return *this;
    }
    ~unique_fd() { reset(); }

    int get() const noexcept { return fd_; }
    int release() noexcept { return std::exchange(fd_, -1); }
    void reset(int fd = -1) noexcept {
        if (fd_ >= 0)
            ::close(fd_);
        fd_ = fd;
    }

  private:
    int fd_ = -1;
};

class spawn_actions {
  public:
    spawn_actions() { check(posix_spawn_file_actions_init(&actions_)); }
    spawn_actions(const spawn_actions&) = delete;
    spawn_actions& operator=(const spawn_actions&) = delete;
    ~spawn_actions() { posix_spawn_file_actions_destroy(&actions_); }

    void dup2(int fd, int target) {
        check(posix_spawn_file_actions_adddup2(&actions_, fd, target));
    }
    void open(int target, const char* path, int flags) {
        check(posix_spawn_file_actions_addopen(&actions_, target, path, flags, 0));
    }
    void chdir(const char* path) { check(posix_spawn_file_actions_addchdir_np(&actions_, path)); }
    void close_from(int fd) { check(posix_spawn_file_actions_addclosefrom_np(&actions_, fd)); }

    const posix_spawn_file_actions_t* get() const noexcept { return &actions_; }

  private:
    static void check(int error) {
        if (error != 0)
            throw_errno(error, "asyncio: preparing a child");
    }

    posix_spawn_file_actions_t actions_;
};

class spawn_attributes {
  public:
    explicit spawn_attributes(bool new_session) {
        check(posix_spawnattr_init(&attr_));
        try {
            configure(new_session);
        } catch (...) {
            posix_spawnattr_destroy(&attr_);
            throw;
        }
    }
    spawn_attributes(const spawn_attributes&) = delete;
    spawn_attributes& operator=(const spawn_attributes&) = delete;
    ~spawn_attributes() { posix_spawnattr_destroy(&attr_); }

    const posix_spawnattr_t* get() const noexcept { return &attr_; }

  private:
    void configure(bool new_session) {
        // The child starts with no signal blocked (a parent that blocks signals in its
        // threads for a signal_set must not make its children unkillable by SIGTERM),
        // and with SIGPIPE and SIGXFSZ at their defaults (Python's restore_signals).
        sigset_t none;
        sigemptyset(&none);
        check(posix_spawnattr_setsigmask(&attr_, &none));
        sigset_t defaults;
        sigemptyset(&defaults);
        sigaddset(&defaults, SIGPIPE);
        sigaddset(&defaults, SIGXFSZ);
        check(posix_spawnattr_setsigdefault(&attr_, &defaults));
        short flags = POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF;
        if (new_session)
            flags |= POSIX_SPAWN_SETSID;
        check(posix_spawnattr_setflags(&attr_, flags));
    }

    static void check(int error) {
        if (error != 0)
            throw_errno(error, "asyncio: preparing a child");
    }

    posix_spawnattr_t attr_;
};

void check_no_nul(std::string_view s, const char* who, const char* what) {
    if (s.find('\0') != std::string_view::npos)
        throw std::invalid_argument(std::string(who) + ": embedded NUL byte in " + what);
}

// Everything a start needs, owned: made when create_subprocess_* is called (the
// options only refer to the environment and the directory).
struct launch {
    const char* who = nullptr;
    std::string path{}; // what to execute
    std::vector<std::string> argv{};
    std::optional<std::vector<std::string>> env{}; // NAME=value
    std::string cwd{};
    std::array<redirect, 3> ends{};
    bool new_session = false;
    stream_options streams{};
};

void check_redirect(redirect r, bool may_merge, const char* who, const char* end) {
    switch (r) {
    case redirect::inherit:
    case redirect::pipe:
    case redirect::devnull:
        return;
    case redirect::stdout_:
        if (may_merge)
            return;
        throw std::invalid_argument(std::string(who) + ": only stderr_ may be asyncio::stdout_");
    }
    throw std::invalid_argument(std::string(who) + ": not a redirect for " + end);
}

// Checks the options and copies them into `l` (all but the program and arguments).
void take_options(launch& l, const subprocess_options& options) {
    check_redirect(options.stdin_, false, l.who, "stdin_");
    check_redirect(options.stdout_, false, l.who, "stdout_");
    check_redirect(options.stderr_, true, l.who, "stderr_");
    l.ends = {options.stdin_, options.stdout_, options.stderr_};
    if (options.env) {
        l.env.emplace();
        l.env->reserve(options.env->size());
        for (const auto& [name, value] : *options.env) {
            if (name.empty() || name.find('=') != std::string::npos)
                throw std::invalid_argument(std::string(l.who) +
                                            ": illegal environment variable name '" + name + "'");
            check_no_nul(name, l.who, "an environment variable name");
            check_no_nul(value, l.who, "an environment variable value");
            l.env->push_back(name + '=' + value);
        }
    }
    check_no_nul(options.cwd, l.who, "cwd");
    l.cwd = options.cwd;
    l.new_session = options.start_new_session;
    check_stream_options(options.streams);
    l.streams = options.streams;
}

// The path to execute: `program` itself when it names a path, else the first match in
// the child's PATH (the parent's when the child gets the parent's environment; the
// default search path when there is none, like Python's os.get_exec_path).
std::string resolve_program(const std::string& program, const subprocess_options& options,
                            const char* who) {
    if (program.empty() || program.find('/') != std::string::npos)
        return program; // (exec reports a missing one)
    std::string search = "/bin:/usr/bin";
    if (options.env) {
        if (auto it = options.env->find("PATH"); it != options.env->end())
            search = it->second;
    } else if (const char* parent = std::getenv("PATH")) {
        search = parent;
    }
    const std::array<std::pair<std::string, std::string>, 1> path{{{"PATH", search}}};
    std::filesystem::path found = bp::environment::find_executable(program, path);
    if (found.empty())
        throw_errno(ENOENT, std::string(who) + ": cannot start '" + program + "'");
    return found.native();
}

launch prepare_exec(std::string program, std::vector<std::string> args,
                    const subprocess_options& options) {
    launch l{.who = "asyncio::create_subprocess_exec"};
    check_no_nul(program, l.who, "the program");
    for (const std::string& arg : args)
        check_no_nul(arg, l.who, "an argument");
    take_options(l, options);
    l.path = resolve_program(program, options, l.who);
    l.argv = std::move(args);
    l.argv.insert(l.argv.begin(), std::move(program));
    return l;
}

launch prepare_shell(std::string command, const subprocess_options& options) {
    launch l{.who = "asyncio::create_subprocess_shell"};
    check_no_nul(command, l.who, "the command");
    take_options(l, options);
    l.path = "/bin/sh";
    l.argv = {"/bin/sh", "-c", std::move(command)};
    return l;
}

// The parent's ends of the pipes, the child's pid and its pidfd.
struct started_child {
    int pid = -1;
    unique_fd pidfd;
    std::array<unique_fd, 3> pipes; // stdin (write end), stdout, stderr (read ends)
};

started_child spawn(launch& l) {
    std::vector<char*> argv;
    argv.reserve(l.argv.size() + 1);
    for (std::string& arg : l.argv)
        argv.push_back(arg.data());
    argv.push_back(nullptr);

    std::vector<char*> envp;
    char** env = environ;
    if (l.env) {
        envp.reserve(l.env->size() + 1);
        for (std::string& entry : *l.env)
            envp.push_back(entry.data());
        envp.push_back(nullptr);
        env = envp.data();
    }

    started_child child;
    std::array<unique_fd, 3> child_ends; // closed in the parent once the child has them
    spawn_actions actions;
    for (int target = 0; target != 3; ++target) {
        switch (l.ends[target]) {
        case redirect::inherit:
            break;
        case redirect::pipe: {
            // Close-on-exec: no other child started meanwhile inherits an end (which
            // would keep a pipe open after this child closed it).
            int fds[2];
            if (::pipe2(fds, O_CLOEXEC) != 0)
                throw_errno(errno, std::string(l.who) + ": pipe");
            unique_fd read_end(fds[0]);
            unique_fd write_end(fds[1]);
            child_ends[target] = std::move(target == 0 ? read_end : write_end);
            child.pipes[target] = std::move(target == 0 ? write_end : read_end);
            // An end that got number 0..2 (the parent closed its own) would be dup2'ed
            // onto itself and keep close-on-exec: move it out of the way.
            if (child_ends[target].get() <= 2) {
                const int moved = ::fcntl(child_ends[target].get(), F_DUPFD_CLOEXEC, 3);
                if (moved < 0)
                    throw_errno(errno, std::string(l.who) + ": pipe");
                child_ends[target].reset(moved);
            }
            actions.dup2(child_ends[target].get(), target);
            break;
        }
        case redirect::devnull:
            actions.open(target, "/dev/null", target == 0 ? O_RDONLY : O_WRONLY);
            break;
        case redirect::stdout_:
            actions.dup2(STDOUT_FILENO, STDERR_FILENO);
            break;
        }
    }
    if (!l.cwd.empty())
        actions.chdir(l.cwd.c_str());
    actions.close_from(3); // Python's close_fds=True
    spawn_attributes attributes(l.new_session);

    pid_t pid;
    if (const int error =
            ::posix_spawn(&pid, l.path.c_str(), actions.get(), attributes.get(), argv.data(), env))
        throw_errno(error, std::string(l.who) + ": cannot start '" + l.argv.front() + "'");
    child.pid = pid;

    const int pidfd = static_cast<int>(::syscall(SYS_pidfd_open, pid, 0));
    if (pidfd < 0) {
        const int error = errno;
        kill_and_reap(pid);
        throw_errno(error, std::string(l.who) + (error == ENOSYS
                                                     ? ": pidfd_open (Linux 5.3 or later is needed)"
                                                     : ": pidfd_open"));
    }
    child.pidfd.reset(pidfd);
    return child;
}

// Starts the child when awaited (so a bad argument, found when the call was made,
// throws there too, as in Python).
awaitable<process> start(std::optional<launch> l, std::exception_ptr bad) {
    if (bad)
        std::rethrow_exception(bad);
    const executor_type ex = without_debug_wrapper(co_await boost::asio::this_coro::executor);
    started_child started = spawn(*l);

    std::shared_ptr<child_state> child;
    try {
        child = std::make_shared<child_state>(ex, started.pid, started.pidfd.get());
    } catch (...) {
        kill_and_reap(started.pid);
        throw;
    }
    const int pidfd = started.pidfd.release(); // the state's process handle owns it
    try {
        child->start_reaping();
        std::array<std::shared_ptr<stream_core>, 3> cores;
        if (started.pipes[0].get() >= 0)
            cores[0] = make_pipe_writer(ex, started.pipes[0].release(), l->streams);
        for (int i = 1; i != 3; ++i)
            if (started.pipes[i].get() >= 0)
                cores[i] = make_pipe_reader(ex, started.pipes[i].release(), l->streams);
        co_return process_access::make(std::move(child), std::move(cores[0]), std::move(cores[1]),
                                       std::move(cores[2]));
    } catch (...) {
        // (If the reaper started, it owns the state and reaps the child.)
        send_through_pidfd(pidfd, SIGKILL);
        throw;
    }
}

template <class Prepare, class... Args>
awaitable<process> start_with(Prepare prepare, Args&&... args) {
    std::optional<launch> l;
    std::exception_ptr bad;
    try {
        l.emplace(prepare(std::forward<Args>(args)...));
    } catch (...) {
        bad = std::current_exception();
    }
    return start(std::move(l), std::move(bad));
}

} // namespace

awaitable<int> wait_child(std::shared_ptr<child_state> child) {
    if (const std::optional<int> code = child->returncode())
        co_return *code;
    // (Named first: g++ 12 destroys an aggregate temporary of a co_await expression twice.)
    auto wait = awaitable_wait<int>(child_state::initiate_wait{std::move(child)});
    co_return co_await std::move(wait);
}

} // namespace detail

// --- process ---

detail::child_state& process::child() const {
    if (!child_)
        detail::throw_invalid_state(
            "asyncio::process: no process (default-constructed or moved-from)");
    return *child_;
}

int process::pid() const {
    return child().pid();
}

std::optional<int> process::returncode() const {
    return child().returncode();
}

awaitable<int> process::wait() {
    child();
    return detail::wait_child(child_);
}

void process::send_signal(int sig) {
    child().send_signal(sig);
}

void process::terminate() {
    send_signal(SIGTERM);
}

void process::kill() {
    send_signal(SIGKILL);
}

namespace {

template <class Stream>
Stream& piped(std::optional<Stream>& end, const char* what) {
    if (!end)
        detail::throw_invalid_state(what);
    return *end;
}

awaitable<void> feed_stdin(std::optional<stream_writer> in, std::string input) {
    if (!in)
        co_return;
    try {
        if (!input.empty()) {
            in->write(input);
            co_await in->drain();
        }
    } catch (const invalid_state_error&) {
        // stdin was closed already: the input is dropped, as Python's closed pipe
        // transport drops it.
    } catch (const boost::system::system_error& e) {
        // The child exited, or closed its stdin, without reading everything: not an
        // error for communicate() (Python ignores BrokenPipeError and
        // ConnectionResetError here).
        if (e.code() != boost::asio::error::broken_pipe &&
            e.code() != boost::asio::error::connection_reset)
            throw;
    }
    in->close();
}

awaitable<std::string> read_to_end(std::optional<stream_reader> out) {
    if (!out)
        co_return std::string();
    co_return co_await out->read();
}

awaitable<std::pair<std::string, std::string>>
communicate_with(std::shared_ptr<detail::child_state> child, std::optional<stream_writer> in,
                 std::optional<stream_reader> out, std::optional<stream_reader> err,
                 std::string input) {
    auto all = gather(feed_stdin(std::move(in), std::move(input)), read_to_end(std::move(out)),
                      read_to_end(std::move(err)));
    auto results = co_await std::move(all);
    co_await detail::wait_child(std::move(child));
    co_return std::pair<std::string, std::string>(std::move(std::get<1>(results)),
                                                  std::move(std::get<2>(results)));
}

} // namespace

stream_writer& process::stdin_() {
    child();
    return piped(stdin_pipe_, "asyncio::process::stdin_: stdin is not a pipe");
}

stream_reader& process::stdout_() {
    child();
    return piped(stdout_pipe_, "asyncio::process::stdout_: stdout is not a pipe");
}

stream_reader& process::stderr_() {
    child();
    return piped(stderr_pipe_, "asyncio::process::stderr_: stderr is not a pipe");
}

awaitable<std::pair<std::string, std::string>> process::communicate(std::string input) {
    child();
    if (!input.empty() && !stdin_pipe_)
        detail::throw_invalid_state(
            "asyncio::process::communicate: input given, but stdin is not a pipe");
    return communicate_with(child_, stdin_pipe_, stdout_pipe_, stderr_pipe_, std::move(input));
}

// --- starting ---

std::map<std::string, std::string> current_environment() {
    std::map<std::string, std::string> env;
    for (char** entry = environ; *entry; ++entry) {
        const std::string_view item(*entry);
        const std::size_t eq = item.find('=');
        if (eq != std::string_view::npos && eq != 0)
            env.emplace(item.substr(0, eq), item.substr(eq + 1));
    }
    return env;
}

awaitable<process> create_subprocess_exec(std::string program, std::vector<std::string> args,
                                          subprocess_options options) {
    return detail::start_with(detail::prepare_exec, std::move(program), std::move(args), options);
}

awaitable<process> create_subprocess_shell(std::string command, subprocess_options options) {
    return detail::start_with(detail::prepare_shell, std::move(command), options);
}

} // namespace asyncio
