// Copyright (c) 2026 The asyncio for Asio authors.
// Distributed under the Boost Software License, Version 1.0.

#include <asyncio/debug.hpp>
#include <asyncio/detail/debug.hpp>
#include <asyncio/detail/loop_service.hpp>

#include <boost/asio/execution_context.hpp>

#include <cstdio>
#include <string>

namespace asyncio {
namespace detail {

void debug_config::warn(std::string_view message) const noexcept {
    try {
        if (handler_) {
            handler_(message);
            return;
        }
    } catch (...) {
        // A throwing handler: fall back to stderr.
    }
    std::fprintf(stderr, "asyncio: %.*s\n", static_cast<int>(message.size()), message.data());
}

void report_error(const executor_type& ex, std::string_view message) noexcept {
    try {
        if (const debug_config* debug = loop_service::of(ex).debug()) {
            debug->warn(message);
            return;
        }
    } catch (...) {
        // No loop service to ask: stderr.
    }
    std::fprintf(stderr, "asyncio: %.*s\n", static_cast<int>(message.size()), message.data());
}

namespace {
thread_local bool timing_a_callback = false;
} // namespace

slow_callback_timer::slow_callback_timer(const debug_config& debug) noexcept
    : debug_(debug), start_(std::chrono::steady_clock::now()),
      outermost_(!std::exchange(timing_a_callback, true)) {}

slow_callback_timer::~slow_callback_timer() {
    if (outermost_)
        timing_a_callback = false;
}

void slow_callback_timer::finish(const std::function<std::string()>& describe) noexcept {
    if (!outermost_)
        return;
    const auto elapsed = std::chrono::steady_clock::now() - start_;
    if (elapsed <= debug_.slow_callback_duration())
        return;
    try {
        char seconds[32];
        std::snprintf(seconds, sizeof seconds, "%.3f",
                      std::chrono::duration<double>(elapsed).count());
        debug_.warn("Executing " + describe() + " took " + seconds + " seconds");
    } catch (...) {
        // Out of memory describing it: say nothing.
    }
}

} // namespace detail

void enable_debug(boost::asio::execution_context& ctx, debug_options opts) {
    if (opts.slow_callback_duration < std::chrono::steady_clock::duration::zero())
        throw std::invalid_argument("debug_options::slow_callback_duration must not be negative");
    boost::intrusive_ptr<const detail::debug_config> config(
        new detail::debug_config(std::move(opts.handler), opts.slow_callback_duration));
    boost::asio::use_service<detail::loop_service>(ctx).set_debug(std::move(config));
}

} // namespace asyncio
