// Copyright (c) 2026 The asyncio for Asio authors.
// Distributed under the Boost Software License, Version 1.0.

#ifndef ASYNCIO_DEBUG_HPP
#define ASYNCIO_DEBUG_HPP

#include <asyncio/config.hpp>

#include <boost/asio/execution_context.hpp>

#include <chrono>
#include <functional>
#include <string_view>

namespace asyncio {

/// Settings of Python's debug mode (`asyncio.run(main(), debug=True)`).
struct debug_options {
    /// Receives each warning (one line, no trailing newline). Empty: warnings go to
    /// stderr, prefixed with "asyncio: ". Called on whichever thread noticed the
    /// problem; must not throw (if it does, the warning goes to stderr).
    std::function<void(std::string_view)> handler;

    /// A step of a task's coroutine (or a call_soon/call_later callback) that runs
    /// longer than this is reported (Python's `loop.slow_callback_duration`).
    std::chrono::steady_clock::duration slow_callback_duration = std::chrono::milliseconds(100);
};

/**
 * Turns on Python's debug mode for the loop `ctx` (an `io_context` you own; `run` and
 * `runner` do it for you with `run_options::debug`). Call it before creating tasks
 * on the loop. In debug mode the library warns about:
 * - a task destroyed while still pending (its loop was destroyed first);
 * - a task or future whose exception nobody retrieved;
 * - a step of a task (between two suspension points) or a callback of call_soon /
 *   call_later / call_at that blocked the loop longer than `slow_callback_duration`.
 *
 * Throws `std::invalid_argument` for a negative duration.
 */
void enable_debug(boost::asio::execution_context& ctx, debug_options opts = {});

} // namespace asyncio

#endif // ASYNCIO_DEBUG_HPP
