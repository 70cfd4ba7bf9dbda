// Copyright (c) 2026 The asyncio for Asio authors.
// Distributed under the Boost Software License, Version 1.0.

#ifndef ASYNCIO_DETAIL_COMPLETION_WATCH_HPP
#define ASYNCIO_DETAIL_COMPLETION_WATCH_HPP

#include <asyncio/config.hpp>
#include <asyncio/detail/spinlock.hpp>
#include <asyncio/detail/task_state.hpp>
#include <asyncio/detail/wait_op.hpp>

#include <boost/asio/async_result.hpp>
#include <boost/asio/deferred.hpp>
#include <boost/smart_ptr/intrusive_ptr.hpp>
#include <boost/smart_ptr/intrusive_ref_counter.hpp>

#include <atomic>
#include <concepts>
#include <cstddef>
#include <memory>
#include <mutex>
#include <unordered_set>
#include <vector>

// What wait, as_completed and shield are built on: a watch over futures (tasks) that
// records the order in which they finish and lets coroutines wait until a given
// number has finished (or one has failed). Watching never affects the futures:
// cancelling a wait withdraws it and cancels nothing.

namespace asyncio {
template <class T>
class task;
template <class T>
class future;
} // namespace asyncio

namespace asyncio::detail {

class completion_watch
    : public boost::intrusive_ref_counter<completion_watch, boost::thread_safe_counter> {
  public:
    // Starts watching `futures` (distinct, non-null).
    static boost::intrusive_ptr<completion_watch>
    create(std::vector<boost::intrusive_ptr<future_base>> futures) {
        boost::intrusive_ptr<completion_watch> watch(new completion_watch(std::move(futures)));
        watch->start(); // after the caller's reference exists: a node may fire at once
        return watch;
    }

    completion_watch(const completion_watch&) = delete;
    completion_watch& operator=(const completion_watch&) = delete;

    // Stops watching the futures that have not finished (call once, when done).
    void stop() noexcept;

    // Waits until `count` futures have finished, or, with `or_failure`, one has
    // failed (an exception other than cancellation). Completion signature
    // void(wait_result<void>); cancellation withdraws the wait
    // (operation_aborted).
    auto async_wait(std::size_t count, bool or_failure) {
        return awaitable_wait<void>(initiate_wait{}, this, count, or_failure);
    }

    // The same as a coroutine (for timeout_at): throws cancelled_error when cancelled.
    awaitable<void> wait_until(std::size_t count, bool or_failure) {
        co_await async_wait(count, or_failure);
    }

    // Takes the next finished future nobody took yet: yields its index. Takers are
    // served in FIFO order, one future each; a cancelled take takes nothing.
    awaitable<std::size_t> take() {
        co_return co_await awaitable_wait<std::size_t>(initiate_take{}, this);
    }

  private:
    // One per watched future: a waiter in that future's list.
    struct node final : waiter {
        completion_watch* self = nullptr;
        std::size_t index = 0;
        void complete() noexcept override { self->finished_one(index); }
    };

    // A coroutine waiting for a number of completions.
    struct watch_op : wait_op<> {
        std::size_t count = 0;
        bool or_failure = false;
        watch_op* woken_next = nullptr; // the chain of ops finished_one() completes
    };

    struct initiate_wait {
        template <class Handler, class Deliver>
        void operator()(Handler&& handler, Deliver deliver, completion_watch* self,
                        std::size_t count, bool or_failure) const {
            start_wait<watch_op>(
                self->lock_, std::forward<Handler>(handler), deliver,
                [=](auto& sink, waiter*&) {
                    if (!self->satisfied(count, or_failure))
                        return false;
                    sink.succeed();
                    return true;
                },
                [=](watch_op& op) {
                    op.count = count;
                    op.or_failure = or_failure;
                    self->waiters_.push_back(op);
                },
                [=](watch_op& op) {
                    return withdraw_on_cancel<watch_op>(self->lock_, self->waiters_, op);
                });
        }
    };

    explicit completion_watch(std::vector<boost::intrusive_ptr<future_base>> futures);
    struct initiate_take {
        template <class Handler, class Deliver>
        void operator()(Handler&& handler, Deliver deliver, completion_watch* self) const {
            start_list_wait<wait_op<std::size_t>>(self->lock_, self->takers_,
                                                  std::forward<Handler>(handler), deliver,
                                                  [self](auto& sink, waiter*&) {
                                                      if (self->taken_ == self->order_.size())
                                                          return false;
                                                      sink.succeed(self->order_[self->taken_++]);
                                                      return true;
                                                  });
        }
    };

    // Links a node into each future's waiters.
    void start();

    // Under lock_.
    bool satisfied(std::size_t count, bool or_failure) const noexcept {
        return order_.size() >= count || (or_failure && failed_);
    }

    void finished_one(std::size_t index) noexcept;

    std::vector<boost::intrusive_ptr<future_base>> futures_;
    std::unique_ptr<node[]> nodes_;
    mutable spinlock lock_;
    std::vector<std::size_t> order_; // guarded by lock_; reserved up front
    bool failed_ = false;            // guarded by lock_
    intrusive_list<watch_op> waiters_;
    std::size_t taken_ = 0; // guarded by lock_: how many take() got
    intrusive_list<wait_op<std::size_t>> takers_;
};

// Stops a watch when leaving a scope.
struct stop_watch_on_exit {
    completion_watch& watch;
    ~stop_watch_on_exit() { watch.stop(); }
};

template <class H>
inline constexpr bool is_future_handle_v = false;
template <class T>
inline constexpr bool is_future_handle_v<task<T>> = true;
template <class T>
inline constexpr bool is_future_handle_v<future<T>> = true;

// A handle to a Python Future: task<T> or future<T>.
template <class H>
concept future_handle = is_future_handle_v<H>;

// Removes repeated handles (keeping the first of each), as Python's set does, and
// starts watching the rest.
template <class H>
boost::intrusive_ptr<completion_watch> watch_handles(std::vector<H>& handles) {
    std::vector<boost::intrusive_ptr<future_base>> states;
    states.reserve(handles.size());
    std::unordered_set<const future_base*> seen;
    auto kept = handles.begin();
    for (auto& h : handles) {
        future_base* st = &task_access::state(h);
        if (!seen.insert(st).second)
            continue;
        states.emplace_back(st);
        *kept++ = std::move(h);
    }
    handles.erase(kept, handles.end());
    return completion_watch::create(std::move(states));
}

} // namespace asyncio::detail

#endif // ASYNCIO_DETAIL_COMPLETION_WATCH_HPP
