// Copyright (c) 2026 The asyncio for Asio authors.
// Distributed under the Boost Software License, Version 1.0.

#ifndef ASYNCIO_CONDITION_HPP
#define ASYNCIO_CONDITION_HPP

#include <asyncio/acquire_guard.hpp>
#include <asyncio/config.hpp>
#include <asyncio/detail/wait_op.hpp>
#include <asyncio/error.hpp>
#include <asyncio/lock.hpp>

#include <boost/asio/deferred.hpp>
#include <boost/system/error_code.hpp>

#include <cstddef>
#include <tuple>
#include <type_traits>
#include <utility>

namespace asyncio {

/// A condition variable for coroutines (Python's `asyncio.Condition`), over its own
/// lock or over a `lock` it shares with other code.
///
/// `wait()` releases the lock, waits for a notification, and re-acquires the lock
/// before returning, also when it is cancelled: the cancellation propagates only
/// once the lock is held again. Notifications are served FIFO; a cancelled waiter
/// never consumes one. Waiters are resumed on their own executors, never inside
/// `notify()`. Every member is thread-safe. Neither copyable nor movable.
/// Destroying a condition fails the pending waits with
/// `boost::asio::error::operation_aborted` (they do not re-acquire the lock); a
/// condition must outlive the waits it has already notified.
class condition {
  public:
    /// A condition with its own lock.
    condition() noexcept : lock_(own_lock_) {}

    /// A condition over `shared`, which must outlive it.
    explicit condition(lock& shared) noexcept : lock_(shared) {}

    condition(const condition&) = delete;
    condition& operator=(const condition&) = delete;

    ~condition();

    /// Acquires the underlying lock (see `lock::async_acquire`).
    template <BOOST_ASIO_COMPLETION_TOKEN_FOR(void(boost::system::error_code))
                  Token = boost::asio::deferred_t>
    auto async_acquire(Token&& token = {}) {
        return lock_.async_acquire(std::forward<Token>(token));
    }

    /// `co_await c.acquire()` acquires the underlying lock.
    [[nodiscard]] awaitable<void> acquire() { return lock_.acquire(); }

    /// `auto guard = co_await c.scoped_acquire()` acquires the underlying lock and
    /// returns a guard that releases it (Python's `async with cond:`).
    [[nodiscard]] awaitable<acquire_guard<condition>> scoped_acquire() {
        co_await acquire();
        co_return acquire_guard<condition>(*this, std::adopt_lock);
    }

    /// Acquires the underlying lock if it is free now.
    bool try_acquire() noexcept { return lock_.try_acquire(); }

    /// Releases the underlying lock; throws `invalid_state_error` if it is not locked.
    void release() { lock_.release(); }

    /// Whether the underlying lock is held.
    bool locked() const noexcept { return lock_.locked(); }

    /// Releases the lock, waits for a notification, and re-acquires the lock. The
    /// caller must hold the lock.
    ///
    /// @par Completion Signature
    /// @code void(boost::system::error_code) @endcode
    /// `asyncio::error::invalid_state` when the lock was not held (nothing is
    /// released). The handler runs on its associated executor (without one: the loop this thread
    /// runs, else the `system_executor`), with the lock held again.
    ///
    /// @par Per-Operation Cancellation
    /// Every cancellation type: a waiter that was not notified yet is withdrawn,
    /// re-acquires the lock (that wait cannot be cancelled), and then completes
    /// with `boost::asio::error::operation_aborted`. Once notified, cancellation has
    /// no effect.
    template <BOOST_ASIO_COMPLETION_TOKEN_FOR(void(boost::system::error_code))
                  Token = boost::asio::deferred_t>
    auto async_wait(Token&& token = {}) {
        return detail::async_wait<void>(initiate_wait{}, std::forward<Token>(token), this);
    }

    /// `co_await c.wait()` (Python's `await cond.wait()`): see async_wait. Throws
    /// `invalid_state_error` if the lock is not held, `cancelled_error` (with the lock
    /// held again) if cancelled.
    [[nodiscard]] awaitable<void> wait();

    /// `co_await c.wait_for(pred)` waits until `pred()` is true, checking it first and
    /// after every wake-up, with the lock held; yields the last result of `pred()`.
    template <class Predicate>
    [[nodiscard]] awaitable<std::decay_t<std::invoke_result_t<Predicate&>>>
    wait_for(Predicate pred) {
        auto result = pred();
        while (!result) {
            co_await wait();
            result = pred();
        }
        co_return result;
    }

    /// Wakes up to `n` waiting tasks. The caller must hold the lock: throws
    /// `invalid_state_error` otherwise.
    void notify(std::size_t n = 1);

    /// Wakes every waiting task. The caller must hold the lock: throws
    /// `invalid_state_error` otherwise.
    void notify_all();

  private:
    // A waiter that, once notified (or withdrawn), re-acquires the lock it was given
    // when it joined the queue.
    class waiter_op : public detail::wait_op<> {
      public:
        waiter_op() noexcept = default;

        // Under the condition's lock: the condition is going away, do not re-acquire.
        void forget_lock() noexcept { relock_ = nullptr; }

        std::tuple<detail::wait_result<void>, lock*> take_args() noexcept {
            auto [result] = wait_op<>::take_args();
            return {std::move(result), relock_};
        }

      private:
        friend class condition;
        lock* relock_ = nullptr;
    };

    // Delivers a saved result once the lock is held again (or the failure of the
    // re-acquire: the lock was destroyed meanwhile).
    template <class Deliver>
    struct deliver_saved {
        Deliver deliver;
        detail::wait_result<void> saved;

        template <class Handler>
        void operator()(Handler&& handler, detail::wait_result<void>&& reacquired) {
            deliver(std::forward<Handler>(handler),
                    reacquired.ec ? std::move(reacquired) : std::move(saved));
        }
    };

    // Runs on the waiter's executor once it was notified or withdrawn.
    template <class Deliver>
    struct relock_then {
        Deliver deliver;

        // A wait that failed at once (the lock was not held): nothing to re-acquire.
        template <class Handler>
        void operator()(Handler&& handler, detail::wait_result<void>&& result) {
            deliver(std::forward<Handler>(handler), std::move(result));
        }

        template <class Handler>
        void operator()(Handler&& handler, detail::wait_result<void>&& result, lock* relock) {
            if (!relock || relock->try_acquire()) {
                deliver(std::forward<Handler>(handler), std::move(result));
                return;
            }
            relock->permits_.async_take_uncancellable(std::forward<Handler>(handler),
                                                      deliver_saved<Deliver>{deliver, result});
        }
    };

    struct initiate_wait {
        template <class Handler, class Deliver>
        void operator()(Handler&& handler, Deliver deliver, condition* self) const {
            self->start_wait(std::forward<Handler>(handler), relock_then<Deliver>{deliver});
        }
    };

    template <class Handler, class Deliver>
    void start_wait(Handler&& handler, Deliver deliver) {
        // The waiter joins the queue before the lock is released, so a notify()
        // made by the next holder of the lock cannot be missed.
        const bool held = lock_.locked();
        detail::start_wait<waiter_op>(
            mutex_, std::forward<Handler>(handler), std::move(deliver),
            [held](auto& sink, detail::waiter*&) {
                if (held)
                    return false;
                sink.fail(error::invalid_state); // and, with no lock set, no re-acquire
                return true;
            },
            [this](waiter_op& op) {
                op.relock_ = &lock_;
                waiters_.push_back(op);
            },
            [this](waiter_op& op) {
                return detail::withdraw_on_cancel<waiter_op>(mutex_, waiters_, op);
            });
        if (held)
            lock_.permits_.give(1);
    }

    lock own_lock_;
    lock& lock_;
    detail::spinlock mutex_;
    detail::intrusive_list<waiter_op> waiters_;
};

} // namespace asyncio

#endif // ASYNCIO_CONDITION_HPP
