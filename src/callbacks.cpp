// Copyright (c) 2026 The asyncio for Asio authors.
// Distributed under the Boost Software License, Version 1.0.

#include <asyncio/detail/callback.hpp>
#include <asyncio/detail/debug.hpp>
#include <asyncio/detail/executor.hpp>
#include <asyncio/detail/loop_service.hpp>
#include <asyncio/error.hpp>

#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>

#include <cstdio>
#include <string>

namespace asyncio::detail {

// The timer of call_later/call_at. Every operation on it runs on `strand`, since
// cancel() may come from any thread.
struct callback_timer {
    explicit callback_timer(executor_type ex) : strand(std::move(ex)), timer(strand) {}
    executor_type strand;
    boost::asio::steady_timer timer;
};

callback_state::callback_state(std::optional<std::chrono::steady_clock::time_point> when) noexcept
    : when_(when.value_or(std::chrono::steady_clock::time_point())) {}

callback_state::~callback_state() = default;

// What schedule() posts (or gives the timer): runs the callback, or, destroyed
// without running (the loop was destroyed first), settles it so that a later
// cancel() does not touch the dead loop.
struct callback_state::call {
    boost::intrusive_ptr<callback_state> self;
    executor_type ex;

    call(boost::intrusive_ptr<callback_state> s, executor_type e) noexcept
        : self(std::move(s)), ex(std::move(e)) {}
    call(call&&) noexcept = default;
    call& operator=(call&&) = delete;
    ~call() {
        if (self) {
            std::uint8_t expected = pending_status;
            self->status_.compare_exchange_strong(expected, ran_status, std::memory_order_acq_rel);
        }
    }

    void operator()() { std::exchange(self, nullptr)->run(ex); }
};

void callback_state::schedule(const executor_type& target, bool timed) {
    // Without the timing wrapper a task's coroutine sees in debug mode: a slow callback
    // is reported as itself, not as a step of the task that scheduled it.
    const executor_type ex = without_debug_wrapper(target);
    boost::intrusive_ptr<callback_state> self(this);
    if (!timed) {
        boost::asio::post(ex, call(self, ex));
        return;
    }
    auto timer = std::make_shared<callback_timer>(is_serialized(ex) ? ex : new_strand(ex));
    timer_ = timer;
    boost::asio::post(timer->strand, [timer, c = call(self, ex)]() mutable {
        timer->timer.expires_at(c.self->when_);
        timer->timer.async_wait(
            [timer, c = std::move(c)](boost::system::error_code) mutable { std::move(c)(); });
    });
}

bool callback_state::cancel() noexcept {
    std::uint8_t expected = pending_status;
    if (!status_.compare_exchange_strong(expected, cancelled_status, std::memory_order_acq_rel))
        return false;
    // Pending still, so its handlers (and their loop) still live: release the timer early.
    if (auto timer = timer_.lock()) {
        try {
            boost::asio::post(timer->strand, [timer] { timer->timer.cancel(); });
        } catch (...) {
            // Out of memory: the timer just runs out (the call is prevented anyway).
        }
    }
    return true;
}

void callback_state::run(const executor_type& ex) noexcept {
    std::uint8_t expected = pending_status;
    if (!status_.compare_exchange_strong(expected, ran_status, std::memory_order_acq_rel))
        return;
    try {
        if (const debug_config* debug = loop_service::of(ex).debug()) {
            slow_callback_timer timer(*debug);
            invoke();
            timer.finish([] { return std::string("a callback"); });
        } else {
            invoke();
        }
    } catch (...) {
        // Python's default exception handler: report, and keep the loop going.
        report_error(ex,
                     "exception in a callback: " + describe_exception(std::current_exception()));
    }
}

} // namespace asyncio::detail
