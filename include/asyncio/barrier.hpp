// Copyright (c) 2026 The asyncio for Asio authors.
// Distributed under the Boost Software License, Version 1.0.

#ifndef ASYNCIO_BARRIER_HPP
#define ASYNCIO_BARRIER_HPP

#include <asyncio/config.hpp>
#include <asyncio/detail/wait_op.hpp>
#include <asyncio/error.hpp>

#include <boost/asio/cancellation_type.hpp>
#include <boost/asio/deferred.hpp>
#include <boost/system/error_code.hpp>

#include <cstddef>
#include <utility>

namespace asyncio {

/// A meeting point for a fixed number of tasks (Python's `asyncio.Barrier`).
///
/// Each `wait()` blocks until `parties()` tasks are waiting; then all of them are
/// released, each with its arrival index (0 for the first to arrive, `parties() - 1`
/// for the last), and the barrier is ready for the next round. `abort()` breaks the
/// barrier: the waiting tasks, and every later `wait()` until `reset()`, fail with
/// `broken_barrier_error`. A waiter that is cancelled breaks the barrier too (the
/// others could never be released). Waiters are resumed on their own executors.
/// Every member is thread-safe. Neither copyable nor movable. Destroying a barrier
/// fails the pending waits with `boost::asio::error::operation_aborted`.
class barrier {
  public:
    /// A barrier for `parties` tasks. Throws `std::invalid_argument` if `parties` < 1.
    explicit barrier(std::ptrdiff_t parties);

    barrier(const barrier&) = delete;
    barrier& operator=(const barrier&) = delete;

    ~barrier();

    /// Waits until `parties()` tasks wait, and yields this task's arrival index.
    ///
    /// @par Completion Signature
    /// @code void(boost::system::error_code, std::size_t) @endcode
    /// `asyncio::error::broken_barrier` when the barrier is or becomes broken, or
    /// is reset while waiting. The handler runs on its associated executor (without one: the loop
    /// this thread runs, else the `system_executor`), also for the task that completes the round.
    ///
    /// @par Per-Operation Cancellation
    /// Terminal and partial: a waiter still waiting is withdrawn and completes with
    /// `boost::asio::error::operation_aborted`, and the barrier breaks. Once the round
    /// completed, cancellation has no effect.
    template <BOOST_ASIO_COMPLETION_TOKEN_FOR(void(boost::system::error_code, std::size_t))
                  Token = boost::asio::deferred_t>
    auto async_wait(Token&& token = {}) {
        return detail::async_wait<std::size_t>(initiate_wait{}, std::forward<Token>(token), this);
    }

    /// `co_await b.wait()` (Python's `await barrier.wait()`) yields the arrival index.
    /// Returns without suspending for the task that completes the round. Throws
    /// `broken_barrier_error` if the barrier is broken, `cancelled_error` if cancelled.
    [[nodiscard]] awaitable<std::size_t> wait();

    /// Returns the barrier to its initial, empty state; the tasks waiting now fail
    /// with `broken_barrier_error`.
    void reset() noexcept;

    /// Breaks the barrier: the tasks waiting now, and later `wait()` calls until
    /// `reset()`, fail with `broken_barrier_error`.
    void abort() noexcept;

    /// How many tasks a round needs.
    std::size_t parties() const noexcept { return parties_; }

    /// How many tasks wait in the current round.
    std::size_t n_waiting() const noexcept;

    /// Whether the barrier is broken.
    bool broken() const noexcept;

  private:
    using waiter_op = detail::wait_op<std::size_t>;

    // What an arrival does, decided under the lock.
    enum class arrival { wait, last, broken };

    // Under the lock: `arrival::last` comes with the released waiters in `released`.
    arrival arrive(waiter_op*& released) noexcept;

    // Fails the tasks waiting now with broken_barrier; the barrier is then broken or not.
    void end_round(bool broken) noexcept;

    // The cancellation handler: withdraws a waiter and breaks the barrier.
    class break_on_cancel {
      public:
        break_on_cancel(barrier& self, waiter_op& op) noexcept : self_(&self), op_(&op) {}
        void operator()(boost::asio::cancellation_type_t type) const noexcept;

      private:
        barrier* self_;
        waiter_op* op_;
    };

    struct initiate_wait {
        template <class Handler, class Deliver>
        void operator()(Handler&& handler, Deliver deliver, barrier* self) const {
            detail::start_wait<waiter_op>(
                self->mutex_, std::forward<Handler>(handler), deliver,
                [self](auto& sink, detail::waiter*& released) {
                    waiter_op* round = nullptr;
                    switch (self->arrive(round)) {
                    case arrival::wait:
                        return false;
                    case arrival::last:
                        released = round;
                        sink.succeed(self->parties_ - 1);
                        return true;
                    case arrival::broken:
                        break;
                    }
                    sink.fail(error::broken_barrier);
                    return true;
                },
                [self](waiter_op& op) { self->waiters_.push_back(op); },
                [self](waiter_op& op) { return break_on_cancel(*self, op); });
        }
    };

    mutable detail::spinlock mutex_;
    std::size_t parties_;
    bool broken_ = false;
    detail::intrusive_list<waiter_op> waiters_;
};

} // namespace asyncio

#endif // ASYNCIO_BARRIER_HPP
