// Copyright (c) 2026 The asyncio for Asio authors.
// Distributed under the Boost Software License, Version 1.0.

#ifndef ASYNCIO_CALLBACKS_HPP
#define ASYNCIO_CALLBACKS_HPP

#include <asyncio/config.hpp>
#include <asyncio/detail/callback.hpp>
#include <asyncio/detail/chrono.hpp>
#include <asyncio/detail/decayed_invocable.hpp>
#include <asyncio/task.hpp>

#include <chrono>
#include <concepts>
#include <tuple>
#include <type_traits>
#include <utility>

namespace asyncio {

/// Python's `asyncio.Handle`: a scheduled callback that can still be cancelled.
/// Cheap to copy; copies refer to the same callback. Thread-safe.
class handle {
  public:
    /// A handle that refers to no callback (cancel() returns false).
    handle() noexcept = default;

    /// Prevents the call if it has not started yet; returns whether it did. The call
    /// then never happens; a timer is released early.
    bool cancel() noexcept { return state_ && state_->cancel(); }

    /// Whether cancel() prevented the call.
    bool cancelled() const noexcept { return state_ && state_->cancelled(); }

    /// Internal: wraps a callback's state.
    explicit handle(boost::intrusive_ptr<detail::callback_state> st) noexcept
        : state_(std::move(st)) {}

  protected:
    boost::intrusive_ptr<detail::callback_state> state_;
};

/// Python's `asyncio.TimerHandle`: a callback scheduled for a time.
class timer_handle : public handle {
  public:
    timer_handle() noexcept = default;

    /// When the callback is due.
    std::chrono::steady_clock::time_point when() const noexcept {
        return state_ ? state_->when() : std::chrono::steady_clock::time_point();
    }

    /// Internal: wraps a callback's state.
    explicit timer_handle(boost::intrusive_ptr<detail::callback_state> st) noexcept
        : handle(std::move(st)) {}
};

/// Python's `loop.call_soon(fn, *args)` (and `call_soon_threadsafe`: this one may be
/// called from any thread): schedules `fn(args...)` on `ex` (an executor or an
/// execution context). Callbacks run in the order they were scheduled (on a
/// single-threaded loop). An exception escaping `fn` is reported on stderr, as
/// Python's default exception handler does, and the loop goes on.
template <executor_or_context E, class F, class... Args>
requires detail::decayed_invocable<F, Args...> handle call_soon(E&& ex, F&& fn, Args&&... args) {
    return handle(detail::schedule_callback(
        detail::to_executor(ex), std::nullopt,
        detail::bind_callback(std::forward<F>(fn), std::forward<Args>(args)...)));
}

/// Python's `loop.call_at(when, fn, *args)`: schedules `fn(args...)` on `ex` for the
/// time point `when` (of the steady clock). Thread-safe.
template <executor_or_context E, class F, class... Args>
requires detail::decayed_invocable<F, Args...> timer_handle
call_at(E&& ex, std::chrono::steady_clock::time_point when, F&& fn, Args&&... args) {
    return timer_handle(detail::schedule_callback(
        detail::to_executor(ex), when,
        detail::bind_callback(std::forward<F>(fn), std::forward<Args>(args)...)));
}

/// Python's `loop.call_later(delay, fn, *args)`: schedules `fn(args...)` on `ex` after
/// `delay` (a non-positive delay means as soon as possible). Thread-safe.
template <executor_or_context E, class Rep, class Period, class F, class... Args>
requires detail::decayed_invocable<F, Args...> timer_handle
call_later(E&& ex, std::chrono::duration<Rep, Period> delay, F&& fn, Args&&... args) {
    return call_at(std::forward<E>(ex), detail::deadline_after(delay), std::forward<F>(fn),
                   std::forward<Args>(args)...);
}

} // namespace asyncio

#endif // ASYNCIO_CALLBACKS_HPP
