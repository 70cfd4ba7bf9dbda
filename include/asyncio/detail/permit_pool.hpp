// Copyright (c) 2026 The asyncio for Asio authors.
// Distributed under the Boost Software License, Version 1.0.

#ifndef ASYNCIO_DETAIL_PERMIT_POOL_HPP
#define ASYNCIO_DETAIL_PERMIT_POOL_HPP

#include <asyncio/acquire_guard.hpp>
#include <asyncio/config.hpp>
#include <asyncio/detail/wait_op.hpp>

#include <boost/asio/deferred.hpp>
#include <boost/system/error_code.hpp>

#include <cstddef>
#include <utility>

namespace asyncio::detail {

// A count of permits and a FIFO of tasks waiting for one: the state of a lock (one
// permit) and of a semaphore. A returned permit goes straight to the first waiter,
// so a task that returns one and asks again at once queues behind the waiters.
class permit_pool {
  public:
    explicit permit_pool(std::size_t permits) noexcept : available_(permits) {}
    permit_pool(const permit_pool&) = delete;
    permit_pool& operator=(const permit_pool&) = delete;

    // Waiters still queued fail with operation_aborted.
    ~permit_pool();

    // Takes a permit if one is free now.
    bool try_take() noexcept;

    // Waits for a permit; `deliver` shapes the completion (see wait_op.hpp).
    template <class Handler, class Deliver>
    void async_take(Handler&& handler, Deliver deliver) {
        start_list_wait<wait_op<>>(mutex_, waiters_, std::forward<Handler>(handler),
                                   std::move(deliver), take_now());
    }

    // The same, for a wait that ignores cancellation (a condition re-acquiring its lock).
    template <class Handler, class Deliver>
    void async_take_uncancellable(Handler&& handler, Deliver deliver) {
        start_wait<wait_op<>>(
            mutex_, std::forward<Handler>(handler), std::move(deliver), take_now(),
            [this](wait_op<>& op) { waiters_.push_back(op); }, ignore_cancellation());
    }

    // The body of `acquire()`: no suspension when a permit is free.
    awaitable<void> take();

    // Returns a permit: to the first waiter, or to the pool. Returns false, changing
    // nothing, when no task waits and the pool already holds `limit` permits.
    bool give(std::size_t limit) noexcept;

    // The permits free now.
    std::size_t available() const noexcept;

  private:
    // Under the lock: takes a permit for a wait if one is free.
    auto take_now() noexcept {
        return [this](auto& sink, waiter*&) {
            if (available_ == 0)
                return false;
            --available_;
            sink.succeed();
            return true;
        };
    }

    mutable spinlock mutex_;
    std::size_t available_;
    intrusive_list<wait_op<>> waiters_;
};

// The initiation of every "wait for a permit" operation.
struct initiate_take_permit {
    template <class Handler, class Deliver>
    void operator()(Handler&& handler, Deliver deliver, permit_pool* pool) const {
        pool->async_take(std::forward<Handler>(handler), deliver);
    }
};

// What a lock and a semaphore share: acquiring a permit of `permits_` (one for a
// lock). `Derived` adds release() and names the guard type.
template <class Derived>
class permit_holder {
  public:
    permit_holder(const permit_holder&) = delete;
    permit_holder& operator=(const permit_holder&) = delete;

    /// Acquires (the lock, or a permit of the semaphore), waiting if needed.
    ///
    /// @par Completion Signature
    /// @code void(boost::system::error_code) @endcode
    /// The handler runs on its associated executor (without one: the loop this thread runs, else
    /// the `system_executor`), even when nothing had to be waited for.
    ///
    /// @par Per-Operation Cancellation
    /// Every cancellation type: a waiting acquire is withdrawn from the queue and
    /// completes with `boost::asio::error::operation_aborted`; it never takes
    /// anything. Once the lock or permit was handed over, cancellation has no
    /// effect: the operation completes successfully and the caller owns it.
    template <BOOST_ASIO_COMPLETION_TOKEN_FOR(void(boost::system::error_code))
                  Token = boost::asio::deferred_t>
    auto async_acquire(Token&& token = {}) {
        return async_wait<void>(initiate_take_permit{}, std::forward<Token>(token), &permits_);
    }

    /// `co_await x.acquire()` (Python's `await x.acquire()`). Returns without
    /// suspending when nothing has to be waited for; a cancelled wait throws
    /// `cancelled_error` and takes nothing.
    [[nodiscard]] awaitable<void> acquire() { return permits_.take(); }

    /// `auto guard = co_await x.scoped_acquire()` acquires and returns a guard that
    /// releases (Python's `async with x:`).
    [[nodiscard]] awaitable<acquire_guard<Derived>> scoped_acquire() {
        // One frame, not one around acquire()'s: this is the hot `async with` path.
        if (!permits_.try_take())
            co_await awaitable_wait<void>(initiate_take_permit{}, &permits_);
        co_return acquire_guard<Derived>(static_cast<Derived&>(*this), std::adopt_lock);
    }

    /// Acquires if that needs no waiting (never ahead of waiting tasks).
    bool try_acquire() noexcept { return permits_.try_take(); }

    /// Whether an acquire would wait (the lock is held, or no permit is free).
    bool locked() const noexcept { return permits_.available() == 0; }

  protected:
    explicit permit_holder(std::size_t permits) noexcept : permits_(permits) {}
    ~permit_holder() = default;

    permit_pool permits_;
};

} // namespace asyncio::detail

#endif // ASYNCIO_DETAIL_PERMIT_POOL_HPP
