// A parallel command runner on asyncio subprocesses (our own program): runs shell
// commands, at most K at once, prints each command's output live, line by line, tagged
// with the command's number (its stderr merged into its stdout), kills a command that
// outlives its timeout, then prints a summary table in command order.
//
// The program in Python:
//
//     async def run(index, command, slots, timeout):
//         async with slots:  # at most K commands at once
//             start = time.monotonic()
//             proc = await asyncio.create_subprocess_shell(
//                 command, stdin=asyncio.subprocess.DEVNULL,
//                 stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT)
//
//             async def print_output():
//                 while line := await proc.stdout.readline():
//                     text = line.decode().rstrip("\n")
//                     print(f"[{index}] {text}")
//                 return await proc.wait()
//
//             try:
//                 code = await asyncio.wait_for(print_output(), timeout)
//                 status = "ok" if code == 0 else "failed"
//             except TimeoutError:
//                 proc.kill()
//                 code, status = await proc.wait(), "timed out"
//                 print(f"[{index}] timed out after {timeout:.2f} s: killed")
//             return code, status, time.monotonic() - start
//
//     async def main(commands, jobs, timeout):
//         slots = asyncio.Semaphore(jobs)
//         start = time.monotonic()
//         results = await asyncio.gather(
//             *(run(i, c, slots, timeout) for i, c in enumerate(commands, 1)))
//         print(f"{'#':>3} {'exit':>5}  {'status':<9}  {'time':>6}  command")
//         for i, (command, (code, status, secs)) in enumerate(zip(commands, results), 1):
//             print(f"{i:>3} {code:>5}  {status:<9}  {secs:5.2f}s  {command}")
//         failed = sum(code != 0 for code, _, _ in results)
//         print(f"{len(commands)} commands, {failed} failed, {time.monotonic() - start:.2f} s")
//         return failed
//
//     sys.exit(1 if asyncio.run(main(sys.argv[1:], jobs=3, timeout=1.0)) else 0)
//
// `parallel_runner [-j K] [-t SECONDS] COMMAND...` runs the given commands (K defaults
// to the number of CPUs; without -t there is no timeout) and exits 1 if any of them
// failed. Without arguments it runs a demo: nine commands, three at a time, each with a
// one-second timeout; some fail on purpose (an exit code, a signal, a timeout). The demo
// exits 0 when every command ended exactly as planned.
//
// A timeout kills the shell that runs the command (Python's proc.kill()), not what the
// shell started: a command that should die with it runs its last program with `exec`.
// The commands get no input (/dev/null). A line longer than the pipe's limit (64 KiB)
// is dropped, or the first 64 KiB of it, with a note in its place.
//
// Expected output without arguments (~1 s; the lines of different commands interleave,
// so their order varies a little from run to run, and so do the times):
//     [1] step 1
//     [2] to stdout
//     [2] to stderr
//     [3] Linux
//     [4] about to fail
//     [5] waiting forever
//     [6] c
//     [6] b
//     [6] a
//     [1] step 2
//     [7] slow hello
//     [8] no newline at the end
//     [9] about to be killed by a signal
//     [1] step 3
//     [5] timed out after 1.00 s: killed
//       #  exit  status       time  command
//       1     0  ok          0.61s  for i in 1 2 3; do echo step $i; sleep 0.2; done
//       2     0  ok          0.00s  echo to stdout; echo to stderr >&2
//       3     0  ok          0.00s  uname -s
//       4     3  failed      0.00s  echo about to fail; exit 3
//       5    -9  timed out   1.00s  echo waiting forever; exec sleep 10
//       6     0  ok          0.01s  printf 'a\nb\nc\n' | sort -r
//       7     0  ok          0.30s  sleep 0.3; echo slow hello
//       8     0  ok          0.00s  printf 'no newline at the end'
//       9   -15  failed      0.00s  echo about to be killed by a signal; kill -TERM $$
//     9 commands, 3 failed, 1.01 s
//     demo: every command ended as planned (exit 0, 3, -9 and -15 as expected)

#include "python_print.hpp"

#include <asyncio.hpp>

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

using clock_type = std::chrono::steady_clock;
using seconds = std::chrono::duration<double>;

// How one command ended.
struct result {
    int code = 0;           // its exit status, or -N when signal N killed it
    bool timed_out = false; // killed (-9) for outliving its timeout
    double elapsed = 0;     // seconds, from its start to its end
};

// Python's f"{x:.2f}".
std::string fixed2(double x) {
    char text[32];
    std::snprintf(text, sizeof text, "%.2f", x);
    return text;
}

// Python's f"{text:>width}" and f"{text:<width}".
std::string right(std::string text, std::size_t width) {
    return text.size() < width ? std::string(width - text.size(), ' ') + text : text;
}
std::string left(std::string text, std::size_t width) {
    return text.size() < width ? text + std::string(width - text.size(), ' ') : text;
}

// Prints the command's output, one "[index] line" at a time, until the end of its
// stdout, then waits for it to exit.
asyncio::awaitable<int> print_output(int index, asyncio::process& proc) {
    const std::string tag = "[" + std::to_string(index) + "]";
    asyncio::stream_reader& out = proc.stdout_();
    for (;;) {
        std::string line;
        try {
            line = co_await out.readline();
        } catch (const std::invalid_argument&) { // longer than the stream's limit
            line = "... (part of a line over " + std::to_string(out.limit()) + " bytes, dropped)\n";
        }
        if (line.empty())
            break; // the end of the stream
        if (line.back() == '\n')
            line.pop_back(); // the last line may have none
        py::print(tag, line);
    }
    const int code = co_await proc.wait();
    co_return code;
}

// Runs command number `index` once a slot is free (no timeout when `timeout` is empty).
asyncio::awaitable<result> run(int index, std::string command, asyncio::semaphore& slots,
                               std::optional<seconds> timeout) {
    auto slot = co_await slots.scoped_acquire(); // async with slots:
    const auto start = clock_type::now();
    // No input (the commands do not fight over the terminal); stderr merged into stdout.
    asyncio::subprocess_options opts{
        .stdin_ = asyncio::devnull, .stdout_ = asyncio::pipe, .stderr_ = asyncio::stdout_};
    asyncio::process proc = co_await asyncio::create_subprocess_shell(command, opts);

    result r;
    auto output = print_output(index, proc);
    if (!timeout) {
        r.code = co_await std::move(output);
    } else {
        try {
            auto limited = asyncio::wait_for(std::move(output), *timeout);
            r.code = co_await std::move(limited);
        } catch (const asyncio::timeout_error&) {
            r.timed_out = true; // print_output was cancelled: the rest is read by no one
        }
    }
    if (r.timed_out) {
        proc.kill();
        r.code = co_await proc.wait();
        py::print("[" + std::to_string(index) + "]",
                  "timed out after " + fixed2(timeout->count()) + " s: killed");
    }
    r.elapsed = seconds(clock_type::now() - start).count();
    co_return r;
}

// Runs every command, at most `jobs` at once; prints the summary table.
asyncio::awaitable<std::vector<result>> run_all(std::vector<std::string> commands, std::size_t jobs,
                                                std::optional<seconds> timeout) {
    asyncio::semaphore slots(static_cast<std::ptrdiff_t>(jobs));
    const auto start = clock_type::now();
    std::vector<asyncio::awaitable<result>> runs;
    for (std::size_t i = 0; i < commands.size(); ++i)
        runs.push_back(run(static_cast<int>(i + 1), commands[i], slots, timeout));
    std::vector<result> results = co_await asyncio::gather(std::move(runs));

    py::print(right("#", 3), right("exit", 5), "", left("status", 9), "", right("time", 6), "",
              "command");
    int failed = 0;
    for (std::size_t i = 0; i < results.size(); ++i) {
        const result& r = results[i];
        const std::string status = r.timed_out ? "timed out" : r.code == 0 ? "ok" : "failed";
        failed += r.code != 0;
        py::print(right(std::to_string(i + 1), 3), right(std::to_string(r.code), 5), "",
                  left(status, 9), "", right(fixed2(r.elapsed), 5) + "s", "", commands[i]);
    }
    py::print(commands.size(), "commands,", failed, "failed,",
              fixed2(seconds(clock_type::now() - start).count()), "s");
    co_return results;
}

// --- The demo ---------------------------------------------------------------------

// A command of the demo and how it is meant to end.
struct demo_command {
    std::string command;
    int code;
    bool timed_out = false;
};

const std::vector<demo_command> demo = {
    {"for i in 1 2 3; do echo step $i; sleep 0.2; done", 0},
    {"echo to stdout; echo to stderr >&2", 0}, // both reach the pipe, in order
    {"uname -s", 0},
    {"echo about to fail; exit 3", 3},
    {"echo waiting forever; exec sleep 10", -9, true}, // killed after one second
    {"printf 'a\\nb\\nc\\n' | sort -r", 0},
    {"sleep 0.3; echo slow hello", 0},
    {"printf 'no newline at the end'", 0},
    {"echo about to be killed by a signal; kill -TERM $$", -15},
};

int run_demo() {
    std::vector<std::string> commands;
    for (const demo_command& d : demo)
        commands.push_back(d.command);
    const std::vector<result> results = asyncio::run(run_all(commands, 3, seconds(1)));

    bool as_planned = true;
    for (std::size_t i = 0; i < demo.size(); ++i) {
        if (results[i].code != demo[i].code || results[i].timed_out != demo[i].timed_out) {
            std::cerr << "demo: command " << i + 1 << " ended with " << results[i].code
                      << (results[i].timed_out ? " (timed out)" : "") << ", not " << demo[i].code
                      << (demo[i].timed_out ? " (timed out)" : "") << '\n';
            as_planned = false;
        }
    }
    if (!as_planned)
        return 1;
    py::print("demo: every command ended as planned (exit 0, 3, -9 and -15 as expected)");
    return 0;
}

// --- The command line -------------------------------------------------------------

int usage() {
    std::cerr << "usage: parallel_runner [-j JOBS] [-t SECONDS] COMMAND...\n"
                 "       parallel_runner            (runs a demo)\n";
    return 2;
}

int main(int argc, char** argv) {
    if (argc == 1)
        return run_demo();

    std::size_t jobs = std::max(1u, std::thread::hardware_concurrency());
    std::optional<seconds> timeout;
    int i = 1;
    for (; i < argc; ++i) {
        const std::string_view arg = argv[i];
        if (arg == "--") { // what follows are commands, even one starting with '-'
            ++i;
            break;
        }
        if (!arg.starts_with('-'))
            break; // the first command
        if ((arg != "-j" && arg != "-t") || i + 1 == argc)
            return usage();
        const char* value = argv[++i];
        char* end = nullptr;
        if (arg == "-j") {
            const long n = std::strtol(value, &end, 10);
            if (*end != '\0' || n < 1 || n > 100000)
                return usage();
            jobs = static_cast<std::size_t>(n);
        } else {
            const double t = std::strtod(value, &end);
            if (*end != '\0' || !(t > 0))
                return usage();
            timeout = seconds(t);
        }
    }
    if (i == argc)
        return usage();

    const std::vector<std::string> commands(argv + i, argv + argc);
    try {
        const std::vector<result> results = asyncio::run(run_all(commands, jobs, timeout));
        for (const result& r : results)
            if (r.code != 0)
                return 1;
        return 0;
    } catch (const std::exception& e) {
        // E.g. no more processes or file descriptors for a shell and its pipe (-j too high).
        std::cerr << "parallel_runner: " << e.what() << '\n';
        return 1;
    }
}
