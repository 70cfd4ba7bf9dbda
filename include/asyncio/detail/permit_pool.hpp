// Copyright (c) 2026 The asyncio for Asio authors.
// Distributed under the Boost Software License, Version 1.0.

#ifndef ASYNCIO_DETAIL_PERMIT_POOL_HPP
#define ASYNCIO_DETAIL_PERMIT_POOL_HPP

#include <asyncio/detail/wait_op.hpp>

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

} // namespace asyncio::detail

#endif // ASYNCIO_DETAIL_PERMIT_POOL_HPP
