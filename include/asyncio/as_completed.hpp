// Copyright (c) 2026 The asyncio for Asio authors.
// Distributed under the Boost Software License, Version 1.0.

#ifndef ASYNCIO_AS_COMPLETED_HPP
#define ASYNCIO_AS_COMPLETED_HPP

#include <asyncio/config.hpp>
#include <asyncio/detail/chrono.hpp>
#include <asyncio/detail/completion_watch.hpp>
#include <asyncio/error.hpp>
#include <asyncio/future.hpp>
#include <asyncio/task.hpp>
#include <asyncio/timeout.hpp>

#include <atomic>
#include <chrono>
#include <cstddef>
#include <optional>
#include <utility>
#include <vector>

namespace asyncio {

/**
 * What `as_completed` returns: the results of its tasks (or futures) in the order
 * they finish. The k-th `next()` yields the k-th result to finish, or rethrows that
 * task's exception.
 *
 * Watching cancels nothing: cancelling a `next()`, or its timeout expiring, leaves
 * the tasks running. Thread-safe: several coroutines may call `next()` at once; each
 * gets a different result, in the order they called.
 */
template <class H>
class as_completed_iterator {
  public:
    using value_type = typename H::value_type;

    as_completed_iterator(as_completed_iterator&& other) noexcept
        : handles_(std::move(other.handles_)), watch_(std::move(other.watch_)),
          deadline_(other.deadline_), claimed_(other.claimed_.load()) {}
    as_completed_iterator& operator=(as_completed_iterator&&) = delete;

    ~as_completed_iterator() {
        if (watch_)
            watch_->stop();
    }

    /// How many distinct tasks are watched (how many `next()` calls yield a result).
    std::size_t size() const noexcept { return handles_.size(); }

    /// Yields the next result to finish, or rethrows that task's exception (a
    /// `cancelled_error` for a cancelled task). Past the timeout, throws
    /// `timeout_error`; once every result was taken, `invalid_state_error`. A `next()`
    /// that is cancelled (or times out) takes nothing: the next call gets that result.
    [[nodiscard]] awaitable<value_type> next() {
        H h = co_await next_task();
        co_return h.result();
    }

    /// Yields the next task (or future) to finish, itself (Python 3.13's `async for`
    /// over `as_completed`). Same rules as next().
    [[nodiscard]] awaitable<H> next_task() {
        if (claimed_.fetch_add(1, std::memory_order_relaxed) >= handles_.size()) {
            claimed_.fetch_sub(1, std::memory_order_relaxed);
            detail::throw_invalid_state("as_completed: every result was already taken");
        }
        struct unclaim_unless_taken {
            std::atomic<std::size_t>& claimed;
            bool taken = false;
            ~unclaim_unless_taken() {
                if (!taken)
                    claimed.fetch_sub(1, std::memory_order_relaxed);
            }
        } claim{claimed_};
        std::size_t index;
        if (deadline_)
            index = co_await timeout_at(*deadline_, watch_->take());
        else
            index = co_await watch_->take();
        claim.taken = true;
        co_return handles_[index];
    }

    /// Internal: see as_completed().
    as_completed_iterator(std::vector<H> handles,
                          std::optional<std::chrono::steady_clock::time_point> deadline)
        : handles_(std::move(handles)), watch_(detail::watch_handles(handles_)),
          deadline_(deadline) {}

  private:
    std::vector<H> handles_;
    boost::intrusive_ptr<detail::completion_watch> watch_;
    std::optional<std::chrono::steady_clock::time_point> deadline_;
    std::atomic<std::size_t> claimed_{0}; // next() calls under way or done
};

/// Python's `asyncio.as_completed(tasks)`: see as_completed_iterator. A handle given
/// twice counts once.
///
/// @code
/// auto ac = asyncio::as_completed(tasks);
/// for (std::size_t i = 0; i < ac.size(); ++i)
///     int v = co_await ac.next();
/// @endcode
template <detail::future_handle H>
[[nodiscard]] as_completed_iterator<H> as_completed(std::vector<H> tasks) {
    return {std::move(tasks), std::nullopt};
}

/// `as_completed` with a timeout counted from now: a `next()` past it throws
/// `timeout_error`, and the unfinished tasks keep running.
template <detail::future_handle H, class Rep, class Period>
[[nodiscard]] as_completed_iterator<H> as_completed(std::vector<H> tasks,
                                                    std::chrono::duration<Rep, Period> timeout) {
    return {std::move(tasks), detail::deadline_after(timeout)};
}

} // namespace asyncio

#endif // ASYNCIO_AS_COMPLETED_HPP
