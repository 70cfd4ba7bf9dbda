// Copyright (c) 2026 The asyncio for Asio authors.
// Distributed under the Boost Software License, Version 1.0.

#ifndef ASYNCIO_LOCK_HPP
#define ASYNCIO_LOCK_HPP

#include <asyncio/acquire_guard.hpp>
#include <asyncio/config.hpp>
#include <asyncio/detail/permit_pool.hpp>

#include <boost/asio/deferred.hpp>
#include <boost/system/error_code.hpp>

#include <utility>

namespace asyncio {

/// A mutual-exclusion lock for coroutines (Python's `asyncio.Lock`).
///
/// The lock is handed over in FIFO order: `release()` gives it straight to the
/// longest waiter, so a task that releases and re-acquires at once queues behind the
/// tasks already waiting. A waiter is resumed on its own executor, never inside
/// `release()`. Every member is thread-safe. The lock is not tied to an executor and
/// is neither copyable nor movable. Destroying it fails the pending waits with
/// `boost::asio::error::operation_aborted`.
class lock {
  public:
    /// An unlocked lock.
    lock() noexcept : permits_(1) {}

    lock(const lock&) = delete;
    lock& operator=(const lock&) = delete;

    /// Acquires the lock, waiting for it if needed.
    ///
    /// @par Completion Signature
    /// @code void(boost::system::error_code) @endcode
    /// The handler runs on its associated executor (the `system_executor` if it has
    /// none), even when the lock was free.
    ///
    /// @par Per-Operation Cancellation
    /// Every cancellation type: a waiting acquire is withdrawn from the queue and
    /// completes with `boost::asio::error::operation_aborted`; it never takes the
    /// lock. Once the lock was handed over, cancellation has no effect: the
    /// operation completes successfully and the caller owns the lock.
    template <BOOST_ASIO_COMPLETION_TOKEN_FOR(void(boost::system::error_code))
                  Token = boost::asio::deferred_t>
    auto async_acquire(Token&& token = {}) {
        return detail::async_wait<void>(detail::initiate_take_permit{}, std::forward<Token>(token),
                                        &permits_);
    }

    /// `co_await l.acquire()` acquires the lock (Python's `await lock.acquire()`).
    /// Returns without suspending when the lock is free; a cancelled wait throws
    /// `cancelled_error` and does not take the lock.
    [[nodiscard]] awaitable<void> acquire() { return permits_.take(); }

    /// `auto guard = co_await l.scoped_acquire()` acquires the lock and returns a guard
    /// that releases it (Python's `async with lock:`).
    [[nodiscard]] awaitable<acquire_guard<lock>> scoped_acquire() {
        return detail::scoped_acquire(*this);
    }

    /// Acquires the lock if it is free now (no task waits for a free lock).
    bool try_acquire() noexcept { return permits_.try_take(); }

    /// Releases the lock, handing it to the first waiter if there is one. Throws
    /// `invalid_state_error` if the lock is not locked.
    void release();

    /// Whether the lock is held.
    bool locked() const noexcept { return permits_.available() == 0; }

  private:
    friend class condition; // releases and re-acquires the lock around its waits

    detail::permit_pool permits_;
};

} // namespace asyncio

#endif // ASYNCIO_LOCK_HPP
