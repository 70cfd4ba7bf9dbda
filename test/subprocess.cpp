// Copyright (c) 2026 The asyncio for Asio authors.
// Distributed under the Boost Software License, Version 1.0.

#include <asyncio/subprocess.hpp>

#include "test_util.hpp"

#include "stream_util.hpp"
#include "sync_util.hpp"

#include <asyncio/error.hpp>
#include <asyncio/gather.hpp>
#include <asyncio/sleep.hpp>
#include <asyncio/task.hpp>
#include <asyncio/wait_for.hpp>

#include <boost/asio/error.hpp>

#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <dirent.h>
#include <pthread.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

namespace {

using namespace asyncio::test;
using asyncio::process;
using asyncio::subprocess_options;

using strings = std::vector<std::string>;

// The runner may start this program with signals ignored (b2 ignores SIGHUP), and
// children inherit ignored signals: the tests signal their children, so they start
// them with the default dispositions.
const bool default_dispositions = [] {
    for (int sig : {SIGHUP, SIGINT, SIGTERM, SIGUSR1, SIGUSR2})
        ::signal(sig, SIG_DFL);
    return true;
}();

// The common options.
const subprocess_options piped_in_out{.stdin_ = asyncio::pipe, .stdout_ = asyncio::pipe};
const subprocess_options piped_out{.stdout_ = asyncio::pipe};
const subprocess_options piped_all{
    .stdin_ = asyncio::pipe, .stdout_ = asyncio::pipe, .stderr_ = asyncio::pipe};

awaitable<process> shell(std::string command, subprocess_options options = piped_out) {
    co_return co_await asyncio::create_subprocess_shell(std::move(command), options);
}

// The descriptors this process has open.
int open_descriptors() {
    int n = 0;
    if (DIR* dir = ::opendir("/proc/self/fd")) {
        while (::readdir(dir))
            ++n;
        ::closedir(dir);
    }
    return n;
}

// Whether a child of ours is waiting to be reaped (`pid`, or any with -1). Looks
// without reaping (WNOWAIT), so it never does the library's work for it.
bool zombie(int pid = -1) {
    siginfo_t info{};
    const idtype_t which = pid < 0 ? P_ALL : P_PID;
    if (::waitid(which, pid < 0 ? 0 : pid, &info, WEXITED | WNOHANG | WNOWAIT) != 0)
        return false; // ECHILD: nothing to reap
    return info.si_pid != 0;
}

// Whether `pid` is gone for good: reaped by the library (no zombie left) and not running.
bool reaped(int pid) {
    return !zombie(pid) && ::kill(pid, 0) < 0 && errno == ESRCH;
}

// Whether `pid` is still running (not exited, or exited and not yet reaped).
bool alive(int pid) {
    return ::kill(pid, 0) == 0;
}

std::string repeat(std::size_t n, char c) {
    return std::string(n, c);
}

// --- the normal path ------------------------------------------------------------------

// cat through both pipes: each line written comes back; closing stdin ends it.
ASYNCIO_TEST_CASE(cat_echoes_lines_through_the_pipes) {
    strings args{"-"};
    process p = co_await asyncio::create_subprocess_exec("cat", args, piped_in_out);
    BOOST_TEST(p.pid() > 0);
    BOOST_TEST(!p.returncode());
    BOOST_TEST(p.stdin_().can_write_eof());
    for (int i = 0; i < 20; ++i) {
        const std::string line = "line " + std::to_string(i) + "\n";
        p.stdin_().write(line);
        co_await p.stdin_().drain();
        BOOST_TEST(co_await p.stdout_().readline() == line);
    }
    p.stdin_().write_eof();
    BOOST_TEST(co_await p.stdout_().read() == "");
    BOOST_TEST(p.stdout_().at_eof());
    BOOST_TEST(co_await p.wait() == 0);
    BOOST_TEST((p.returncode() == std::optional<int>(0)));
}

ASYNCIO_TEST_CASE(communicate_feeds_stdin_and_collects_both_outputs) {
    process p = co_await shell("cat; echo done >&2", piped_all);
    auto [out, err] = co_await p.communicate("hello\nworld\n");
    BOOST_TEST(out == "hello\nworld\n");
    BOOST_TEST(err == "done\n");
    BOOST_TEST((p.returncode() == std::optional<int>(0)));
    // Without input, stdin is closed at once.
    process q = co_await shell("cat", piped_in_out);
    auto [out2, err2] = co_await q.communicate();
    BOOST_TEST(out2 == "");
    BOOST_TEST(err2 == "");
    // Options written in place, inside the co_await (the way they are meant to be
    // written; g++ 12 destroys such temporaries twice, which they must survive).
    process r = co_await asyncio::create_subprocess_shell(
        "echo in place", {.stdout_ = asyncio::pipe, .stderr_ = asyncio::devnull});
    auto [out3, err3] = co_await r.communicate();
    BOOST_TEST(out3 == "in place\n");
}

// Several MiB on stdout and stderr at once, and through stdin: communicate feeds and
// reads together, so neither side blocks on a full pipe.
ASYNCIO_TEST_CASE(large_outputs_on_both_pipes_at_once) {
    process p = co_await shell("head -c 4194304 /dev/zero | tr '\\0' o & "
                               "head -c 3145728 /dev/zero | tr '\\0' e >&2; wait",
                               piped_all);
    auto [out, err] = co_await p.communicate();
    BOOST_TEST(out.size() == 4194304u);
    BOOST_TEST(err.size() == 3145728u);
    BOOST_TEST((out == repeat(out.size(), 'o')));
    BOOST_TEST((err == repeat(err.size(), 'e')));

    const std::string input = repeat(6 << 20, 'x');
    strings args{"-"};
    process cat = co_await asyncio::create_subprocess_exec("cat", args, piped_all);
    auto [echoed, none] = co_await cat.communicate(input);
    BOOST_TEST(echoed.size() == input.size());
    BOOST_TEST((echoed == input));
    BOOST_TEST(none == "");
}

ASYNCIO_TEST_CASE(exit_codes) {
    for (int code : {0, 1, 3, 42, 255}) {
        process p = co_await shell("exit " + std::to_string(code));
        BOOST_TEST(co_await p.wait() == code);
        BOOST_TEST((p.returncode() == std::optional<int>(code)));
    }
}

// The exit code is set once the child is reaped, without anyone waiting.
ASYNCIO_TEST_CASE(returncode_is_set_without_a_wait) {
    process p = co_await shell("exit 5");
    BOOST_TEST(co_await eventually([&] { return p.returncode().has_value(); }));
    BOOST_TEST((p.returncode() == std::optional<int>(5)));
    BOOST_TEST(co_await p.wait() == 5);
}

ASYNCIO_TEST_CASE(killed_by_signal_n_gives_minus_n) {
    strings ten{"10"};
    process a = co_await asyncio::create_subprocess_exec("sleep", ten);
    a.terminate();
    BOOST_TEST(co_await a.wait() == -SIGTERM);
    process b = co_await asyncio::create_subprocess_exec("sleep", ten);
    b.kill();
    BOOST_TEST(co_await b.wait() == -SIGKILL);
    process c = co_await asyncio::create_subprocess_exec("sleep", ten);
    c.send_signal(SIGHUP);
    BOOST_TEST(co_await c.wait() == -SIGHUP);
    process d = co_await shell("kill -USR1 $$; sleep 10");
    BOOST_TEST(co_await d.wait() == -SIGUSR1);
    // Signal 0 checks the child exists; signals after the exit do nothing.
    process e = co_await asyncio::create_subprocess_exec("sleep", ten);
    e.send_signal(0);
    BOOST_TEST(!e.returncode());
    e.kill();
    BOOST_TEST(co_await e.wait() == -SIGKILL);
    e.kill();
    e.terminate();
    e.send_signal(SIGHUP);
    BOOST_TEST((e.returncode() == std::optional<int>(-SIGKILL)));
}

// A signal the child handles does not end it.
ASYNCIO_TEST_CASE(a_handled_signal_does_not_end_the_child) {
    process p = co_await shell("trap 'echo got-hup' HUP; echo ready; "
                               "while :; do sleep 0.05; done");
    BOOST_TEST(co_await p.stdout_().readline() == "ready\n");
    p.send_signal(SIGHUP);
    BOOST_TEST(co_await p.stdout_().readline() == "got-hup\n");
    BOOST_TEST(!p.returncode());
    p.kill();
    BOOST_TEST(co_await p.wait() == -SIGKILL);
}

ASYNCIO_TEST_CASE(environment_and_working_directory) {
    std::map<std::string, std::string> env{{"GREETING", "hello there"}, {"EMPTY", ""}};
    // No PATH in the environment: the program is looked up in /bin:/usr/bin.
    strings args{"GREETING"};
    const subprocess_options with_env{.stdout_ = asyncio::pipe, .env = &env};
    process p = co_await asyncio::create_subprocess_exec("printenv", args, with_env);
    auto [out, err] = co_await p.communicate();
    BOOST_TEST(out == "hello there\n");
    BOOST_TEST((p.returncode() == std::optional<int>(0)));

    // The whole environment is replaced.
    process q = co_await asyncio::create_subprocess_exec("env", {}, with_env);
    auto [all, err2] = co_await q.communicate();
    BOOST_TEST(all == "EMPTY=\nGREETING=hello there\n");

    // The parent's, extended.
    auto extended = asyncio::current_environment();
    BOOST_TEST(extended.count("PATH") == 1u);
    extended["ASYNCIO_TEST_EXTRA"] = "1";
    const subprocess_options with_extended{.stdout_ = asyncio::pipe, .env = &extended};
    process r = co_await shell("echo \"$ASYNCIO_TEST_EXTRA:$PATH\"", with_extended);
    auto [line, err3] = co_await r.communicate();
    BOOST_TEST(line == "1:" + extended["PATH"] + "\n");

    // The working directory.
    const std::filesystem::path dir = std::filesystem::temp_directory_path();
    const std::string canonical = std::filesystem::canonical(dir).native();
    const subprocess_options in_dir{.stdout_ = asyncio::pipe, .cwd = canonical};
    process s = co_await asyncio::create_subprocess_exec("pwd", {}, in_dir);
    auto [pwd, err4] = co_await s.communicate();
    BOOST_TEST(pwd == canonical + "\n");
}

// argv[0] is the program as given; the shell gets /bin/sh -c.
ASYNCIO_TEST_CASE(argv_zero_is_the_program_as_given) {
    strings args{"-c", "echo $0"};
    process p = co_await asyncio::create_subprocess_exec("sh", args, piped_out);
    auto [out, err] = co_await p.communicate();
    BOOST_TEST(out == "sh\n");
    process q = co_await shell("echo $0");
    auto [out2, err2] = co_await q.communicate();
    BOOST_TEST(out2 == "/bin/sh\n");
}

ASYNCIO_TEST_CASE(devnull_and_stderr_merged_into_stdout) {
    const subprocess_options quiet{.stdout_ = asyncio::devnull, .stderr_ = asyncio::devnull};
    process p = co_await shell("echo lost; echo lost too >&2; exit 4", quiet);
    auto [out, err] = co_await p.communicate();
    BOOST_TEST(out == "");
    BOOST_TEST(err == "");
    BOOST_TEST((p.returncode() == std::optional<int>(4)));

    const subprocess_options merged{.stdout_ = asyncio::pipe, .stderr_ = asyncio::stdout_};
    process q = co_await shell("echo one; echo two >&2; echo three", merged);
    auto [both, none] = co_await q.communicate();
    BOOST_TEST(both == "one\ntwo\nthree\n");
    BOOST_TEST(none == "");
    BOOST_TEST(is_a<asyncio::invalid_state_error>(co_await failure_of([&]() -> awaitable<void> {
        q.stderr_();
        co_return;
    })));

    // stdin from /dev/null: cat sees the end at once.
    const subprocess_options from_null{.stdin_ = asyncio::devnull, .stdout_ = asyncio::pipe};
    strings dash{"-"};
    process r = co_await asyncio::create_subprocess_exec("cat", dash, from_null);
    auto [nothing, none2] = co_await r.communicate();
    BOOST_TEST(nothing == "");
    BOOST_TEST((r.returncode() == std::optional<int>(0)));
}

// A new session: the child leads it; otherwise it is in the parent's.
ASYNCIO_TEST_CASE(start_new_session) {
    strings ten{"10"};
    const subprocess_options own{.start_new_session = true};
    process p = co_await asyncio::create_subprocess_exec("sleep", ten, own);
    BOOST_TEST(::getsid(p.pid()) == p.pid());
    p.kill();
    co_await p.wait();
    process q = co_await asyncio::create_subprocess_exec("sleep", ten);
    BOOST_TEST(::getsid(q.pid()) == ::getsid(0));
    q.kill();
    co_await q.wait();
}

// Streaming: lines arrive while the child runs.
ASYNCIO_TEST_CASE(reading_lines_while_the_child_runs) {
    process p = co_await shell("for i in 1 2 3 4 5; do echo tick $i; sleep 0.02; done; exit 2");
    std::vector<std::string> lines;
    for (;;) {
        std::string line = co_await p.stdout_().readline();
        if (line.empty())
            break;
        lines.push_back(line);
    }
    BOOST_TEST(lines.size() == 5u);
    BOOST_TEST(lines.front() == "tick 1\n");
    BOOST_TEST(lines.back() == "tick 5\n");
    BOOST_TEST(co_await p.wait() == 2);
}

// 50 children in gather: the outputs come back in argument order.
ASYNCIO_TEST_CASE(fifty_children_in_gather_keep_argument_order) {
    const auto run_one = [](int i) -> awaitable<std::string> {
        process p = co_await shell("sleep 0.0" + std::to_string(9 - i % 10) + "; echo " +
                                   std::to_string(i));
        auto [out, err] = co_await p.communicate();
        co_return out;
    };
    std::vector<awaitable<std::string>> children;
    for (int i = 0; i < 50; ++i)
        children.push_back(run_one(i));
    auto all = asyncio::gather(std::move(children));
    std::vector<std::string> outs = co_await std::move(all);
    BOOST_TEST_REQUIRE(outs.size() == 50u);
    for (int i = 0; i < 50; ++i)
        BOOST_TEST(outs[i] == std::to_string(i) + "\n");
}

// --- waiting, cancellation, timeouts ---------------------------------------------------

ASYNCIO_TEST_CASE(many_concurrent_waits_all_get_the_code) {
    process p = co_await shell("read x; exit 7", piped_in_out);
    std::vector<asyncio::task<int>> waits;
    for (int i = 0; i < 10; ++i) {
        const auto wait_once = [](process proc) -> awaitable<int> {
            co_return co_await proc.wait();
        };
        waits.push_back(co_await asyncio::create_task(wait_once(p)));
    }
    co_await settle();
    for (auto& t : waits)
        BOOST_TEST(!t.done());
    p.stdin_().write("go\n");
    for (auto& t : waits)
        BOOST_TEST(co_await t.wait() == 7);
}

ASYNCIO_TEST_CASE(cancelling_wait_leaves_the_child_running) {
    process p = co_await shell("read x; exit 9", piped_in_out);
    const auto wait_once = [](process proc) -> awaitable<int> { co_return co_await proc.wait(); };
    auto t = co_await asyncio::create_task(wait_once(p));
    co_await settle();
    t.cancel();
    BOOST_TEST(asyncio::is_cancellation(co_await failure_of([&] { return t.wait(); })));
    co_await asyncio::sleep(20ms);
    BOOST_TEST(alive(p.pid()));
    BOOST_TEST(!p.returncode());
    p.stdin_().write("go\n");
    BOOST_TEST(co_await p.wait() == 9);
}

// wait_for around communicate: the timeout leaves the child running and the output
// read so far in the stream; the caller can then kill it, Python's usual pattern.
ASYNCIO_TEST_CASE(timeout_around_communicate_leaves_the_child_running) {
    process p = co_await shell("echo started; exec sleep 10");
    auto talk = p.communicate();
    const std::exception_ptr e =
        co_await failure_of([&] { return asyncio::wait_for(std::move(talk), 100ms); });
    BOOST_TEST(is_timeout(e));
    BOOST_TEST(alive(p.pid()));
    BOOST_TEST(!p.returncode());
    BOOST_TEST(co_await p.stdout_().readline() == "started\n");
    p.kill();
    BOOST_TEST(co_await p.wait() == -SIGKILL);
    // A communicate that finishes in time.
    process q = co_await shell("echo quick");
    auto talk2 = q.communicate();
    auto [out, err] = co_await asyncio::wait_for(std::move(talk2), 5s);
    BOOST_TEST(out == "quick\n");
}

ASYNCIO_TEST_CASE(cancelling_communicate_leaves_the_child_running) {
    process p = co_await shell("cat", piped_in_out);
    const auto talk = [](process proc) -> awaitable<void> { co_await proc.communicate("x"); };
    // The child reads its input and answers, then keeps running: cancel the
    // communicate while it waits for the end of the output.
    process q = co_await shell("read x; echo got $x; sleep 10", piped_in_out);
    auto t = co_await asyncio::create_task(talk(q));
    co_await asyncio::sleep(50ms);
    t.cancel();
    BOOST_TEST(asyncio::is_cancellation(co_await failure_of([&] { return t.wait(); })));
    BOOST_TEST(alive(q.pid()));
    BOOST_TEST(!q.returncode());
    // What the cancelled communicate had not returned is still in the stream.
    BOOST_TEST(co_await q.stdout_().readline() == "got x\n");
    q.kill();
    BOOST_TEST(co_await q.wait() == -SIGKILL);
    auto [out, err] = co_await p.communicate("abc");
    BOOST_TEST(out == "abc");
}

// Cancellation racing the child's exit: a wait ends with the code or with a
// cancellation, never both and never a hang; a later wait always gets the code.
ASYNCIO_TEST_CASE(cancellation_racing_the_exit) {
    int codes = 0;
    int cancellations = 0;
    for (int i = 0; i < 40; ++i) {
        process p = co_await shell("exit 3");
        const auto wait_once = [](process proc) -> awaitable<int> {
            co_return co_await proc.wait();
        };
        auto t = co_await asyncio::create_task(wait_once(p));
        // Let the child get close to its exit, by a varying amount.
        co_await asyncio::sleep(std::chrono::microseconds(100 * (i % 20)));
        t.cancel();
        std::optional<int> got;
        std::exception_ptr e;
        try {
            got = co_await t.wait();
        } catch (...) {
            e = std::current_exception();
        }
        if (got) {
            BOOST_TEST(*got == 3);
            ++codes;
        } else {
            BOOST_TEST(asyncio::is_cancellation(e));
            ++cancellations;
        }
        BOOST_TEST(co_await p.wait() == 3);
    }
    BOOST_TEST(codes + cancellations == 40);
}

// --- pipes ------------------------------------------------------------------------------

// A child that exits without reading its input: communicate ignores the broken pipe;
// a plain write reports it (and SIGPIPE does not kill this process).
ASYNCIO_TEST_CASE(a_child_that_does_not_read_its_input) {
    process p = co_await shell("exit 0", piped_in_out);
    co_await p.wait();
    auto [out, err] = co_await p.communicate(repeat(1 << 20, 'z'));
    BOOST_TEST(out == "");
    BOOST_TEST((p.returncode() == std::optional<int>(0)));

    process q = co_await shell("exec 0<&-; echo closed; sleep 10", piped_in_out);
    BOOST_TEST(co_await q.stdout_().readline() == "closed\n");
    const std::exception_ptr e = co_await failure_of([&]() -> awaitable<void> {
        for (int i = 0; i < 100; ++i) {
            q.stdin_().write(repeat(64 << 10, 'y'));
            co_await q.stdin_().drain();
        }
    });
    BOOST_TEST((code_of(e) == boost::asio::error::broken_pipe ||
                code_of(e) == boost::asio::error::connection_reset));
    q.kill();
    BOOST_TEST(co_await q.wait() == -SIGKILL);
}

// write_eof() on a pipe is close() (a pipe has no half-close), and communicate() after
// stdin was closed drops its input as Python does.
ASYNCIO_TEST_CASE(write_eof_closes_the_stdin_pipe) {
    process p = co_await shell("cat", piped_in_out);
    p.stdin_().write("last\n");
    p.stdin_().write_eof();
    BOOST_TEST(p.stdin_().is_closing());
    co_await p.stdin_().wait_closed();
    auto [out, err] = co_await p.communicate("dropped");
    BOOST_TEST(out == "last\n");
    BOOST_TEST((p.returncode() == std::optional<int>(0)));

    process q = co_await shell("cat", piped_in_out);
    q.stdin_().close();
    auto [out2, err2] = co_await q.communicate("dropped too");
    BOOST_TEST(out2 == "");
}

ASYNCIO_TEST_CASE(flow_control_on_stdin) {
    // The child reads slowly: drain keeps the write buffer bounded.
    const subprocess_options small{.stdin_ = asyncio::pipe,
                                   .stdout_ = asyncio::pipe,
                                   .streams = {.write_high_water = 4096, .write_low_water = 1024}};
    process p = co_await shell("wc -c", small);
    std::size_t most = 0;
    for (int i = 0; i < 200; ++i) {
        p.stdin_().write(repeat(8192, 'w'));
        most = std::max(most, p.stdin_().write_buffer_size());
        co_await p.stdin_().drain();
        BOOST_TEST(p.stdin_().write_buffer_size() <= 4096u);
    }
    p.stdin_().close();
    co_await p.stdin_().wait_closed();
    BOOST_TEST(p.stdin_().is_closing());
    BOOST_TEST(co_await p.stdout_().readline() == std::to_string(200 * 8192) + "\n");
    BOOST_TEST(co_await p.wait() == 0);
    BOOST_TEST(most > 0u);
}

// The reader's limit applies to the child's output.
ASYNCIO_TEST_CASE(stream_limit_applies_to_the_pipes) {
    const subprocess_options limited{.stdout_ = asyncio::pipe, .streams = {.limit = 16}};
    process p = co_await shell("echo 0123456789abcdefghijklmnop; echo short", limited);
    BOOST_TEST(p.stdout_().limit() == 16u);
    BOOST_TEST(
        is_a<std::invalid_argument>(co_await failure_of([&] { return p.stdout_().readline(); })));
    BOOST_TEST(co_await p.stdout_().readline() == "short\n");
    co_await p.wait();
}

// --- lifetime ---------------------------------------------------------------------------

// A destroyed process leaves no zombie: the loop reaps the child when it exits.
ASYNCIO_TEST_CASE(no_zombie_after_the_process_is_destroyed) {
    int pid;
    {
        process p = co_await shell("sleep 0.05", {});
        pid = p.pid();
    }
    BOOST_TEST(co_await eventually([&] { return reaped(pid); }));
    // Destroying the last handle closes the pipes: cat sees the end of its input.
    int cat_pid;
    {
        strings dash{"-"};
        process p = co_await asyncio::create_subprocess_exec("cat", dash, piped_in_out);
        cat_pid = p.pid();
        p.stdin_().write("unread\n");
    }
    BOOST_TEST(co_await eventually([&] { return reaped(cat_pid); }));
}

// A child still running when its loop is destroyed is killed and reaped (Python's
// transport does the same when the loop closes).
BOOST_AUTO_TEST_CASE(a_child_running_when_the_loop_ends_is_killed_and_reaped) {
    int pid = -1;
    const auto body = [&]() -> awaitable<void> {
        strings hundred{"100"};
        process p = co_await asyncio::create_subprocess_exec("sleep", hundred);
        pid = p.pid();
        // A task parked in wait() when the loop goes.
        const auto wait_once = [](process proc) -> awaitable<int> {
            co_return co_await proc.wait();
        };
        auto t = co_await asyncio::create_task(wait_once(p));
        (void)t;
        co_await asyncio::sleep(10ms);
    };
    asyncio::test::run(body());
    BOOST_TEST_REQUIRE(pid > 0);
    BOOST_TEST(reaped(pid));
}

// The same on a plain io_context destroyed with a task parked in wait() (asyncio::run
// cancels its tasks first; a plain context just goes): the task's frame owns the
// process, the child's waiters own the frame; the child is killed and reaped all the
// same and nothing leaks (the sanitizer builds check).
BOOST_AUTO_TEST_CASE(a_plain_loop_destroyed_with_a_task_parked_in_wait) {
    int pid = -1;
    std::optional<process> outliving; // a process without pipes may outlive its loop
    {
        boost::asio::io_context ctx;
        const auto body = [&]() -> awaitable<void> {
            strings hundred{"100"};
            process p = co_await asyncio::create_subprocess_exec("sleep", hundred);
            pid = p.pid();
            outliving = p;
            co_await p.wait();
        };
        (void)asyncio::create_task(ctx.get_executor(), body());
        const auto started = test_clock::now();
        while (pid < 0 && test_clock::now() - started < 5s)
            ctx.run_one_for(10ms);
        BOOST_TEST_REQUIRE(pid > 0);
        ctx.poll();
    }
    BOOST_TEST(reaped(pid));
    BOOST_TEST((outliving->returncode() == std::optional<int>(-SIGKILL)));
    outliving->kill(); // the child is gone: nothing to do
    outliving.reset();
}

// Copies share the child; an empty handle throws.
ASYNCIO_TEST_CASE(handles) {
    process p = co_await shell("echo shared");
    process copy = p;
    BOOST_TEST(copy.pid() == p.pid());
    auto [out, err] = co_await copy.communicate();
    BOOST_TEST(out == "shared\n");
    BOOST_TEST((p.returncode() == std::optional<int>(0)));
    process moved = std::move(p);
    BOOST_TEST(moved.pid() == copy.pid());

    process empty;
    BOOST_TEST(is_a<asyncio::invalid_state_error>(co_await failure_of([&]() -> awaitable<void> {
        (void)empty.pid();
        co_return;
    })));
    BOOST_TEST(is_a<asyncio::invalid_state_error>(
        co_await failure_of([&]() -> awaitable<void> { co_await empty.wait(); })));
    BOOST_TEST(is_a<asyncio::invalid_state_error>(co_await failure_of([&]() -> awaitable<void> {
        empty.kill();
        co_return;
    })));
    BOOST_TEST(is_a<asyncio::invalid_state_error>(co_await failure_of([&]() -> awaitable<void> {
        (void)empty.returncode();
        co_return;
    })));
}

// --- bad input -------------------------------------------------------------------------

ASYNCIO_TEST_CASE(a_program_that_cannot_start_throws_and_leaks_nothing) {
    const int before = open_descriptors();
    for (const char* program : {"asyncio-no-such-program", "/no/such/dir/program", ""}) {
        const std::exception_ptr e = co_await failure_of(
            [&] { return asyncio::create_subprocess_exec(program, {}, piped_all); });
        BOOST_TEST(is_a<boost::system::system_error>(e));
        BOOST_TEST((code_of(e) == std::errc::no_such_file_or_directory), program);
    }
    // A directory, and a file that is not executable.
    const std::string dir = std::filesystem::temp_directory_path().native();
    BOOST_TEST((code_of(co_await failure_of([&] {
                    return asyncio::create_subprocess_exec(dir, {}, piped_all);
                })) == std::errc::permission_denied));
    const std::string plain = dir + "/asyncio-test-not-executable-" + std::to_string(::getpid());
    std::FILE* f = std::fopen(plain.c_str(), "w");
    BOOST_TEST_REQUIRE(f);
    std::fputs("echo hi\n", f);
    std::fclose(f);
    BOOST_TEST((code_of(co_await failure_of([&] {
                    return asyncio::create_subprocess_exec(plain, {}, piped_all);
                })) == std::errc::permission_denied));
    std::remove(plain.c_str());
    // A working directory that does not exist.
    const subprocess_options nowhere{.stdout_ = asyncio::pipe, .cwd = "/no/such/directory"};
    BOOST_TEST((code_of(co_await failure_of([&] { return shell("true", nowhere); })) ==
                std::errc::no_such_file_or_directory));
    // The message names the program.
    const std::exception_ptr e = co_await failure_of(
        [&] { return asyncio::create_subprocess_exec("asyncio-no-such-program"); });
    BOOST_TEST(what_of(e).find("asyncio-no-such-program") != std::string::npos);
    BOOST_TEST(open_descriptors() == before);
    // Nothing left to reap.
    BOOST_TEST(!zombie());
}

ASYNCIO_TEST_CASE(bad_arguments) {
    const auto invalid = [](auto make) -> awaitable<bool> {
        co_return is_a<std::invalid_argument>(co_await failure_of(make));
    };
    const std::string nul("a\0b", 3);
    BOOST_TEST(co_await invalid([&] { return asyncio::create_subprocess_exec(nul); }));
    strings bad_args{"ok", nul};
    BOOST_TEST(co_await invalid([&] { return asyncio::create_subprocess_exec("echo", bad_args); }));
    BOOST_TEST(co_await invalid([&] { return asyncio::create_subprocess_shell(nul); }));
    for (const auto& env : std::vector<std::map<std::string, std::string>>{
             {{"", "x"}}, {{"A=B", "x"}}, {{nul, "x"}}, {{"A", nul}}}) {
        const subprocess_options o{.env = &env};
        BOOST_TEST(
            co_await invalid([&] { return asyncio::create_subprocess_exec("true", {}, o); }));
    }
    const subprocess_options nul_cwd{.cwd = nul};
    BOOST_TEST(co_await invalid([&] { return asyncio::create_subprocess_shell("true", nul_cwd); }));
    const subprocess_options stdin_merged{.stdin_ = asyncio::stdout_};
    BOOST_TEST(
        co_await invalid([&] { return asyncio::create_subprocess_shell("true", stdin_merged); }));
    const subprocess_options stdout_merged{.stdout_ = asyncio::stdout_};
    BOOST_TEST(
        co_await invalid([&] { return asyncio::create_subprocess_shell("true", stdout_merged); }));
    const subprocess_options not_a_redirect{.stderr_ = static_cast<asyncio::redirect>(42)};
    BOOST_TEST(
        co_await invalid([&] { return asyncio::create_subprocess_shell("true", not_a_redirect); }));
    const subprocess_options no_limit{.stdout_ = asyncio::pipe, .streams = {.limit = 0}};
    BOOST_TEST(
        co_await invalid([&] { return asyncio::create_subprocess_shell("true", no_limit); }));
    // The error comes when the operation is awaited, as in Python.
    auto op = asyncio::create_subprocess_exec(nul);
    BOOST_TEST(is_a<std::invalid_argument>(co_await failure_of([&] { return std::move(op); })));

    // Signals outside the range, and pipes that are not there.
    process p = co_await shell("exit 0", {});
    BOOST_TEST(is_a<std::invalid_argument>(co_await failure_of([&]() -> awaitable<void> {
        p.send_signal(-1);
        co_return;
    })));
    BOOST_TEST(is_a<std::invalid_argument>(co_await failure_of([&]() -> awaitable<void> {
        p.send_signal(NSIG);
        co_return;
    })));
    for (int end = 0; end < 3; ++end) {
        BOOST_TEST(is_a<asyncio::invalid_state_error>(co_await failure_of([&]() -> awaitable<void> {
            if (end == 0)
                p.stdin_();
            else if (end == 1)
                p.stdout_();
            else
                p.stderr_();
            co_return;
        })));
    }
    // Input for a stdin that is not piped would be lost: refused.
    BOOST_TEST(is_a<asyncio::invalid_state_error>(
        co_await failure_of([&] { return p.communicate("lost"); })));
    BOOST_TEST(co_await p.wait() == 0);
    // A second concurrent read is refused.
    process q = co_await shell("sleep 0.1; echo late");
    auto first = co_await asyncio::create_task(q.stdout_().readline());
    co_await settle();
    BOOST_TEST(is_a<asyncio::invalid_state_error>(
        co_await failure_of([&] { return q.stdout_().readline(); })));
    BOOST_TEST(co_await first.wait() == "late\n");
    co_await q.wait();
}

// The child starts with no signal blocked and SIGPIPE at its default, whatever the
// parent's thread blocks or ignores (Python's restore_signals).
ASYNCIO_TEST_CASE(the_child_gets_default_signal_state) {
    sigset_t term;
    sigemptyset(&term);
    sigaddset(&term, SIGTERM);
    sigset_t old_mask;
    pthread_sigmask(SIG_BLOCK, &term, &old_mask);
    struct sigaction ignore {};
    ignore.sa_handler = SIG_IGN;
    struct sigaction old_pipe {};
    ::sigaction(SIGPIPE, &ignore, &old_pipe);

    strings status{"^Sig\\(Blk\\|Ign\\)", "/proc/self/status"};
    process p = co_await asyncio::create_subprocess_exec("grep", status, piped_out);
    strings ten{"10"};
    process sleeper = co_await asyncio::create_subprocess_exec("sleep", ten);

    pthread_sigmask(SIG_SETMASK, &old_mask, nullptr);
    ::sigaction(SIGPIPE, &old_pipe, nullptr);

    auto [out, err] = co_await p.communicate();
    // SigBlk and SigIgn are hexadecimal masks, bit N-1 for signal N.
    const auto mask_of = [&](const std::string& name) -> unsigned long long {
        const auto at = out.find(name + ":");
        if (at == std::string::npos)
            return ~0ull;
        return std::strtoull(out.c_str() + at + name.size() + 1, nullptr, 16);
    };
    BOOST_TEST(mask_of("SigBlk") == 0u);
    BOOST_TEST((mask_of("SigIgn") & (1ull << (SIGPIPE - 1))) == 0u);
    sleeper.terminate();
    BOOST_TEST(co_await sleeper.wait() == -SIGTERM);
}

// --- several threads ----------------------------------------------------------------------

// 20 children on a four-thread loop, each echoing through cat with a writer and a
// reader task, others waiting and signalling from other tasks.
ASYNCIO_TEST_CASE_OPTS(children_on_four_threads, .threads = 4) {
    const auto echo_child = [](int k) -> awaitable<bool> {
        strings dash{"-"};
        process p = co_await asyncio::create_subprocess_exec("cat", dash, piped_in_out);
        const auto writer = [](process proc, int k) -> awaitable<void> {
            for (int i = 0; i < 50; ++i) {
                proc.stdin_().write(std::to_string(k) + ":" + std::to_string(i) + "\n");
                co_await proc.stdin_().drain();
            }
            proc.stdin_().write_eof();
        };
        auto w = co_await asyncio::create_task(writer(p, k));
        bool good = true;
        for (int i = 0; i < 50; ++i)
            good = good && co_await p.stdout_().readline() ==
                               std::to_string(k) + ":" + std::to_string(i) + "\n";
        co_await w.wait();
        const auto wait_once = [](process proc) -> awaitable<int> {
            co_return co_await proc.wait();
        };
        auto other = co_await asyncio::create_task(wait_once(p));
        const int code = co_await p.wait();
        co_return good&& code == 0 && co_await other.wait() == 0;
    };
    const auto killed_child = [](int) -> awaitable<bool> {
        strings ten{"10"};
        process p = co_await asyncio::create_subprocess_exec("sleep", ten);
        const auto killer = [](process proc) -> awaitable<void> {
            co_await asyncio::sleep(5ms);
            proc.kill();
        };
        auto k = co_await asyncio::create_task(killer(p));
        const int code = co_await p.wait();
        co_await k.wait();
        co_return code == -SIGKILL;
    };
    std::vector<awaitable<bool>> children;
    for (int k = 0; k < 20; ++k)
        children.push_back(k % 4 == 3 ? killed_child(k) : echo_child(k));
    auto all = asyncio::gather(std::move(children));
    std::vector<bool> results = co_await std::move(all);
    int good = 0;
    for (bool r : results)
        good += r ? 1 : 0;
    ASYNCIO_CHECK_EQUAL(good, 20);
}

// Waits and the exit racing on four threads.
ASYNCIO_TEST_CASE_OPTS(waits_racing_the_exit_on_four_threads, .threads = 4) {
    for (int round = 0; round < 10; ++round) {
        process p = co_await shell("exit 6", {});
        std::vector<asyncio::task<int>> waits;
        const auto wait_once = [](process proc) -> awaitable<int> {
            co_return co_await proc.wait();
        };
        for (int i = 0; i < 8; ++i)
            waits.push_back(co_await asyncio::create_task(wait_once(p)));
        int sixes = 0;
        for (auto& t : waits)
            sixes += (co_await t.wait()) == 6 ? 1 : 0;
        ASYNCIO_CHECK_EQUAL(sixes, 8);
    }
}

} // namespace
