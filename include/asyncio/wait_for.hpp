// Copyright (c) 2026 The asyncio for Asio authors.
// Distributed under the Boost Software License, Version 1.0.

#ifndef ASYNCIO_WAIT_FOR_HPP
#define ASYNCIO_WAIT_FOR_HPP

#include <asyncio/config.hpp>
#include <asyncio/timeout.hpp>

#include <chrono>

namespace asyncio {

/// `co_await asyncio::wait_for(aw, d)` awaits `aw` for at most `d` (Python's
/// `asyncio.wait_for`): the same operation, and the same rules, as `timeout(d, aw)`.
/// On expiry the inner work (a task included) is cancelled and awaited, then
/// `timeout_error` is thrown.
template <awaitable_input X, class Rep, class Period>
[[nodiscard]] awaitable<awaited_t<X>> wait_for(X aw, std::chrono::duration<Rep, Period> d) {
    return detail::with_deadline(detail::deadline::after(d), std::move(aw));
}

} // namespace asyncio

#endif // ASYNCIO_WAIT_FOR_HPP
