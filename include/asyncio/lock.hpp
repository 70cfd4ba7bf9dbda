// Copyright (c) 2026 The asyncio for Asio authors.
// Distributed under the Boost Software License, Version 1.0.

#ifndef ASYNCIO_LOCK_HPP
#define ASYNCIO_LOCK_HPP

#include <asyncio/acquire_guard.hpp>
#include <asyncio/config.hpp>
#include <asyncio/detail/permit_pool.hpp>

namespace asyncio {

/// A mutual-exclusion lock for coroutines (Python's `asyncio.Lock`).
///
/// The lock is handed over in FIFO order: `release()` gives it straight to the
/// longest waiter, so a task that releases and re-acquires at once queues behind the
/// tasks already waiting. A waiter is resumed on its own executor, never inside
/// `release()`. Every member is thread-safe. The lock is not tied to an executor and
/// is neither copyable nor movable. Destroying it fails the pending waits with
/// `boost::asio::error::operation_aborted`. Members: `async_acquire(token)`,
/// `acquire()`, `scoped_acquire()`, `try_acquire()`, `locked()` (see
/// detail::permit_holder) and `release()`.
class lock : public detail::permit_holder<lock> {
  public:
    /// An unlocked lock.
    lock() noexcept : permit_holder(1) {}

    /// Releases the lock, handing it to the first waiter if there is one. Throws
    /// `invalid_state_error` if the lock is not locked.
    void release();

  private:
    friend class condition; // releases and re-acquires the lock around its waits
};

} // namespace asyncio

#endif // ASYNCIO_LOCK_HPP
