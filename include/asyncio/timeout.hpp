// Copyright (c) 2026 The asyncio for Asio authors.
// Distributed under the Boost Software License, Version 1.0.

#ifndef ASYNCIO_TIMEOUT_HPP
#define ASYNCIO_TIMEOUT_HPP

#include <asyncio/config.hpp>
#include <asyncio/detail/chrono.hpp>
#include <asyncio/gather.hpp>

#include <boost/asio/steady_timer.hpp>

#include <chrono>
#include <concepts>
#include <cstddef>
#include <optional>

namespace asyncio {

/// The deadline of a running `timeout(d, [](timeout_scope& cm) -> awaitable<T> {...})`
/// (Python's `asyncio.Timeout`). Only usable from the scope's own body.
class timeout_scope {
  public:
    using clock = std::chrono::steady_clock;
    using time_point = clock::time_point;

    timeout_scope(const timeout_scope&) = delete;
    timeout_scope& operator=(const timeout_scope&) = delete;

    /// The current deadline; empty when the scope has none.
    std::optional<time_point> when() const noexcept { return when_; }

    /// Moves the deadline (empty: no deadline). A deadline in the past expires at once.
    /// Throws `invalid_state_error` once the scope has expired.
    void reschedule(std::optional<time_point> when);

    /// Whether the deadline was reached (the body was cancelled because of it).
    bool expired() const noexcept { return expired_; }

  protected:
    timeout_scope(const executor_type& ex, time_point when);
    ~timeout_scope();

    // Starts waiting for the current deadline, if any.
    void arm();

    // Stops waiting (the body is done); timer_settled() follows.
    void disarm();

    bool timer_idle() const noexcept { return waits_in_flight_ == 0; }

    // The deadline was reached while the body ran.
    virtual void deadline_reached() = 0;

    // A timer wait finished (fired, or was cancelled).
    virtual void timer_settled() = 0;

  private:
    void on_timer(const boost::system::error_code& ec, unsigned generation);

    boost::asio::steady_timer timer_;
    std::optional<time_point> when_;
    unsigned generation_ = 0;
    std::size_t waits_in_flight_ = 0;
    bool expired_ = false;
    bool disarmed_ = false;
};

} // namespace asyncio

#include <asyncio/detail/timeout.hpp>

namespace asyncio {

/// `co_await asyncio::timeout(d, aw)` awaits `aw` (an `awaitable<T>`, a `task<T>` or
/// an Asio deferred operation) for at most `d` (Python's `async with timeout(d)`).
///
/// On expiry the inner work is cancelled and awaited (its cleanup has run) before
/// `timeout_error` is thrown. If it swallows the cancellation and returns a value,
/// that value is returned. A non-positive `d` never starts a coroutine or operation
/// (it throws `timeout_error` at once); an already-finished task returns its result.
/// Nested timeouts: only a scope whose own deadline fired turns the cancellation into
/// `timeout_error`; when several enclosing scopes have expired, the outermost one
/// converts and the inner ones let the cancellation through.
template <class Rep, class Period, awaitable_input X>
[[nodiscard]] awaitable<awaited_t<X>> timeout(std::chrono::duration<Rep, Period> d, X aw) {
    return detail::with_deadline(detail::deadline::after(d), std::move(aw));
}

/// Like timeout(d, aw) with an absolute deadline (Python's `timeout_at`).
template <awaitable_input X>
[[nodiscard]] awaitable<awaited_t<X>> timeout_at(std::chrono::steady_clock::time_point when, X aw) {
    return detail::with_deadline(detail::deadline::at(when), std::move(aw));
}

/// The scope form: runs `body(scope)` with a deadline the body can inspect and move
/// (`scope.when()`, `scope.reschedule(t)`, `scope.expired()`). The rules are those of
/// timeout(d, aw). (With g++ 12, name a lambda that captures by copy before passing it
/// inside a `co_await` expression.)
template <class Rep, class Period, class F>
requires std::invocable<F&, timeout_scope&>
[[nodiscard]] awaitable<detail::scope_value_t<F>> timeout(std::chrono::duration<Rep, Period> d,
                                                          F body) {
    return detail::with_deadline_scope(detail::deadline::after(d), std::move(body));
}

/// The scope form with an absolute deadline.
template <class F>
requires std::invocable<F&, timeout_scope&>
[[nodiscard]] awaitable<detail::scope_value_t<F>>
timeout_at(std::chrono::steady_clock::time_point when, F body) {
    return detail::with_deadline_scope(detail::deadline::at(when), std::move(body));
}

} // namespace asyncio

#endif // ASYNCIO_TIMEOUT_HPP
