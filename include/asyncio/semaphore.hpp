// Copyright (c) 2026 The asyncio for Asio authors.
// Distributed under the Boost Software License, Version 1.0.

#ifndef ASYNCIO_SEMAPHORE_HPP
#define ASYNCIO_SEMAPHORE_HPP

#include <asyncio/acquire_guard.hpp>
#include <asyncio/config.hpp>
#include <asyncio/detail/permit_pool.hpp>

#include <boost/asio/deferred.hpp>
#include <boost/system/error_code.hpp>

#include <utility>

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
/// `boost::asio::error::operation_aborted`.
class semaphore {
  public:
    /// A semaphore holding `value` permits. Throws `std::invalid_argument` if `value`
    /// is negative.
    explicit semaphore(std::ptrdiff_t value = 1);

    semaphore(const semaphore&) = delete;
    semaphore& operator=(const semaphore&) = delete;

    /// Takes a permit, waiting for one if none is free.
    ///
    /// @par Completion Signature
    /// @code void(boost::system::error_code) @endcode
    /// The handler runs on its associated executor (the `system_executor` if it has
    /// none), even when a permit was free.
    ///
    /// @par Per-Operation Cancellation
    /// Every cancellation type: a waiting acquire is withdrawn from the queue and
    /// completes with `boost::asio::error::operation_aborted`; it never consumes a
    /// permit. Once a permit was handed over, cancellation has no effect: the
    /// operation completes successfully and the caller holds the permit.
    template <BOOST_ASIO_COMPLETION_TOKEN_FOR(void(boost::system::error_code))
                  Token = boost::asio::deferred_t>
    auto async_acquire(Token&& token = {}) {
        return detail::async_wait<void>(detail::initiate_take_permit{}, std::forward<Token>(token),
                                        &permits_);
    }

    /// `co_await s.acquire()` takes a permit (Python's `await sem.acquire()`). Returns
    /// without suspending when a permit is free; a cancelled wait throws
    /// `cancelled_error` and consumes no permit.
    [[nodiscard]] awaitable<void> acquire() { return permits_.take(); }

    /// `auto guard = co_await s.scoped_acquire()` takes a permit and returns a guard
    /// that gives it back (Python's `async with sem:`).
    [[nodiscard]] awaitable<acquire_guard<semaphore>> scoped_acquire() {
        return detail::scoped_acquire(*this);
    }

    /// Takes a permit if one is free now.
    bool try_acquire() noexcept { return permits_.try_take(); }

    /// Gives a permit back, to the first waiter if there is one. A
    /// `bounded_semaphore` throws `std::invalid_argument` when this would hold more
    /// permits than it started with.
    void release();

    /// Whether no permit is free (an acquire would wait).
    bool locked() const noexcept { return permits_.available() == 0; }

  protected:
    semaphore(std::ptrdiff_t value, std::size_t bound);

  private:
    detail::permit_pool permits_;
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
