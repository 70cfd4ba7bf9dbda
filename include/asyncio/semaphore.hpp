// Copyright (c) 2026 The asyncio for Asio authors.
// Distributed under the Boost Software License, Version 1.0.

#ifndef ASYNCIO_SEMAPHORE_HPP
#define ASYNCIO_SEMAPHORE_HPP

#include <asyncio/acquire_guard.hpp>
#include <asyncio/config.hpp>
#include <asyncio/detail/permit_pool.hpp>

#include <cstddef>
#include <limits>

namespace asyncio {

/// A counting semaphore for coroutines (Python's `asyncio.Semaphore`).
///
/// Permits are handed over in FIFO order: `release()` gives its permit straight to
/// the longest waiter, so a task that releases and re-acquires at once queues behind
/// the tasks already waiting. A waiter is resumed on its own executor, never inside
/// `release()`. Every member is thread-safe. The semaphore is not tied to an executor
/// and is neither copyable nor movable. Destroying it fails the pending waits with
/// `boost::asio::error::operation_aborted`. Members: `async_acquire(token)`,
/// `acquire()`, `scoped_acquire()`, `try_acquire()`, `locked()` (see
/// detail::permit_holder) and `release()`.
class semaphore : public detail::permit_holder<semaphore> {
  public:
    /// A semaphore holding `value` permits. Throws `std::invalid_argument` if `value`
    /// is negative.
    explicit semaphore(std::ptrdiff_t value = 1);

    /// Gives a permit back, to the first waiter if there is one. A
    /// `bounded_semaphore` throws `std::invalid_argument` when this would hold more
    /// permits than it started with.
    void release();

  protected:
    semaphore(std::ptrdiff_t value, std::size_t bound);

  private:
    std::size_t bound_;
};

/// A semaphore that may not be released past its initial value (Python's
/// `asyncio.BoundedSemaphore`): such a `release()` throws `std::invalid_argument`.
class bounded_semaphore : public semaphore {
  public:
    /// A semaphore holding, and bounded by, `value` permits. Throws
    /// `std::invalid_argument` if `value` is negative.
    explicit bounded_semaphore(std::ptrdiff_t value = 1);
};

} // namespace asyncio

#endif // ASYNCIO_SEMAPHORE_HPP
