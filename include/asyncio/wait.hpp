// Copyright (c) 2026 The asyncio for Asio authors.
// Distributed under the Boost Software License, Version 1.0.

#ifndef ASYNCIO_WAIT_HPP
#define ASYNCIO_WAIT_HPP

#include <asyncio/config.hpp>
#include <asyncio/detail/chrono.hpp>
#include <asyncio/detail/completion_watch.hpp>
#include <asyncio/error.hpp>
#include <asyncio/future.hpp>
#include <asyncio/task.hpp>
#include <asyncio/timeout.hpp>

#include <chrono>
#include <optional>
#include <vector>

namespace asyncio {

/// When `wait` returns (Python's `FIRST_COMPLETED`, `FIRST_EXCEPTION`, `ALL_COMPLETED`).
enum class return_when {
    /// As soon as one has finished (or been cancelled).
    first_completed,
    /// As soon as one has finished with an exception other than cancellation; when
    /// none does, once all have finished.
    first_exception,
    /// Once all have finished.
    all_completed,
};

/// What `wait` yields: the tasks (or futures) that are done, and those that are not.
template <class T, class Handle = task<T>>
struct wait_result {
    std::vector<Handle> done;
    std::vector<Handle> pending;
};

namespace detail {

template <class H>
awaitable<asyncio::wait_result<typename H::value_type, H>>
wait_handles(std::vector<H> handles, return_when when,
             std::optional<std::chrono::steady_clock::time_point> deadline) {
    if (handles.empty())
        throw_invalid_argument("asyncio::wait needs at least one task or future");
    auto watch = watch_handles(handles);
    {
        stop_watch_on_exit stop{*watch};
        const std::size_t count = when == return_when::first_completed ? 1 : handles.size();
        const bool or_failure = when == return_when::first_exception;
        if (deadline) {
            try {
                co_await timeout_at(*deadline, watch->wait_until(count, or_failure));
            } catch (const timeout_error&) {
                // Python's wait returns what is done when its timeout expires.
            }
        } else {
            co_await watch->wait_until(count, or_failure);
        }
    }
    asyncio::wait_result<typename H::value_type, H> result;
    for (auto& h : handles)
        (h.done() ? result.done : result.pending).push_back(std::move(h));
    co_return result;
}

} // namespace detail

/**
 * Python's `asyncio.wait`: waits for tasks (or futures) until `when` says, and yields
 * `{done, pending}` (each in the input's order; a handle given twice counts once).
 *
 * Never throws for a task's failure and never cancels anything: cancelling the
 * awaiting coroutine, or the timeout expiring, leaves the tasks running. On timeout
 * it returns what is done so far. Throws `std::invalid_argument` for an empty input.
 */
template <detail::future_handle H>
[[nodiscard]] awaitable<wait_result<typename H::value_type, H>>
wait(std::vector<H> tasks, return_when when = return_when::all_completed) {
    return detail::wait_handles(std::move(tasks), when, std::nullopt);
}

/// `wait` with a timeout (see the other overload). A non-positive timeout returns at once.
template <detail::future_handle H, class Rep, class Period>
[[nodiscard]] awaitable<wait_result<typename H::value_type, H>>
wait(std::vector<H> tasks, return_when when, std::chrono::duration<Rep, Period> timeout) {
    return detail::wait_handles(std::move(tasks), when, detail::deadline_after(timeout));
}

/// `wait` with an optional timeout (none: no limit).
template <detail::future_handle H>
[[nodiscard]] awaitable<wait_result<typename H::value_type, H>>
wait(std::vector<H> tasks, return_when when,
     std::optional<std::chrono::steady_clock::duration> timeout) {
    std::optional<std::chrono::steady_clock::time_point> deadline;
    if (timeout)
        deadline = detail::deadline_after(*timeout);
    return detail::wait_handles(std::move(tasks), when, deadline);
}

} // namespace asyncio

#endif // ASYNCIO_WAIT_HPP
