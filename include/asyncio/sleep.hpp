// Copyright (c) 2026 The asyncio for Asio authors.
// Distributed under the Boost Software License, Version 1.0.

#ifndef ASYNCIO_SLEEP_HPP
#define ASYNCIO_SLEEP_HPP

#include <asyncio/config.hpp>
#include <asyncio/detail/chrono.hpp>
#include <asyncio/detail/sleep.hpp>

#include <chrono>
#include <utility>

namespace asyncio {

/// `co_await asyncio::sleep(d)` suspends the calling coroutine for `d` (Python's
/// `asyncio.sleep`).
///
/// `sleep(0s)` (or any non-positive `d`) lets every other handler that is ready now
/// run once, then resumes. A cancellation requested while sleeping wins even if the
/// timer has already fired: the sleep throws the cancellation error, as in Python.
/// Huge durations saturate (they sleep "forever", until cancelled).
template <class Rep, class Period>
[[nodiscard]] awaitable<void> sleep(std::chrono::duration<Rep, Period> d) {
    return detail::sleep_for(detail::to_clock_duration(d));
}

/// `co_await asyncio::sleep(d, result)` sleeps like `sleep(d)`, then yields `result`.
template <class Rep, class Period, class T>
[[nodiscard]] awaitable<T> sleep(std::chrono::duration<Rep, Period> d, T result) {
    co_await detail::sleep_for(detail::to_clock_duration(d));
    co_return std::move(result);
}

} // namespace asyncio

#endif // ASYNCIO_SLEEP_HPP
