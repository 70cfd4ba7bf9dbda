// Copyright (c) 2026 The asyncio for Asio authors.
// Distributed under the Boost Software License, Version 1.0.

#ifndef ASYNCIO_RUN_HPP
#define ASYNCIO_RUN_HPP

#include <asyncio/config.hpp>
#include <asyncio/debug.hpp>
#include <asyncio/task.hpp>

#include <boost/asio/io_context.hpp>

#include <chrono>
#include <cstddef>
#include <functional>
#include <string_view>

namespace asyncio {

/// How `run` and `runner` drive the loop.
struct run_options {
    /// How many threads run the loop (at least 1). With more than one, every task
    /// gets a strand of its own and the library's facilities stay correct.
    std::size_t threads = 1;

    /// Python's debug mode: warnings about pending tasks destroyed, exceptions never
    /// retrieved and slow callbacks (see enable_debug).
    bool debug = false;

    /// With `debug`: receives each warning; empty means stderr (see debug_options).
    std::function<void(std::string_view)> debug_handler = {};

    /// With `debug`: a step of a task that runs longer than this is reported.
    std::chrono::steady_clock::duration slow_callback_duration = std::chrono::milliseconds(100);
};

/// Python's `asyncio.Runner`: owns an event loop (a `boost::asio::io_context`) and
/// runs coroutines on it to completion.
///
/// Not thread-safe itself: use one runner from one thread at a time.
class runner {
  public:
    /// Creates the loop. Throws `std::invalid_argument` when `opts.threads` is 0.
    explicit runner(run_options opts = {});

    /// Closes the runner (see close()).
    ~runner();

    runner(const runner&) = delete;
    runner& operator=(const runner&) = delete;

    /// Runs `main` as a task on the loop until it finishes; returns its value or
    /// rethrows its exception. Other tasks are left as they are (suspended) until the
    /// next run() or close(). Throws `invalid_state_error` when called from a thread
    /// that is already inside `asyncio::run` or `runner::run`, or after close().
    template <class T>
    T run(awaitable<T> main);

    /// Cancels every unfinished task, runs the loop until they have finished, then
    /// stops the loop. Idempotent. Throws `invalid_state_error` when called from inside
    /// the loop.
    void close();

    /// The loop's executor (for create_task, timers, sockets, ...).
    boost::asio::io_context::executor_type get_executor() noexcept {
        return context_.get_executor();
    }

    /// The loop itself (Python's `get_loop()`).
    boost::asio::io_context& get_loop() noexcept { return context_; }

    /// The options the runner was created with.
    const run_options& options() const noexcept { return options_; }

  private:
    void check_can_run() const;
    void run_until_done(const any_task& t);
    void run_loop_threads();

    run_options options_;
    boost::asio::io_context context_;
    bool closed_ = false;
};

/// Python's `asyncio.run`: runs `main` on a new loop and returns its value (or
/// rethrows its exception). When `main` ends, the tasks still running are cancelled
/// and awaited before `run` returns. Throws `invalid_state_error` when called from a
/// thread that is already inside `asyncio::run` or `runner::run`.
template <class T>
T run(awaitable<T> main, run_options opts = {}) {
    runner r(opts);
    if constexpr (std::is_void_v<T>) {
        r.run(std::move(main));
        r.close();
    } else {
        T value = r.run(std::move(main));
        r.close();
        return value;
    }
}

template <class T>
T runner::run(awaitable<T> main) {
    check_can_run();
    auto t = create_task(context_, std::move(main), "main");
    run_until_done(t);
    return t.result();
}

} // namespace asyncio

#endif // ASYNCIO_RUN_HPP
