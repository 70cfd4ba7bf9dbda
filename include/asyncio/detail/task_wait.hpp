// Copyright (c) 2026 The asyncio for Asio authors.
// Distributed under the Boost Software License, Version 1.0.

#ifndef ASYNCIO_DETAIL_TASK_WAIT_HPP
#define ASYNCIO_DETAIL_TASK_WAIT_HPP

#include <asyncio/detail/task_state.hpp>
#include <asyncio/detail/waiter.hpp>

#include <boost/asio/async_result.hpp>
#include <boost/asio/cancellation_type.hpp>
#include <boost/asio/deferred.hpp>

#include <utility>

namespace asyncio::detail {

// What happened to a cancellation request that reached a coroutine waiting for a task.
enum class forwarded_cancel : unsigned char {
    none,      // no request
    forwarded, // passed on to the running task (Python: the task consumes it)
    too_late,  // the task had already finished: the waiter itself is cancelled
};

// Installed in the waiting operation's cancellation slot: cancelling the wait cancels
// the task, as Python's `await task` does; the wait then goes on until the task ends.
class forward_cancel_to_task {
  public:
    forward_cancel_to_task(future_base* st, forwarded_cancel* outcome) noexcept
        : st_(st), outcome_(outcome) {}

    void operator()(boost::asio::cancellation_type_t) const noexcept {
        const bool forwarded = st_->cancel();
        if (outcome_)
            *outcome_ = forwarded ? forwarded_cancel::forwarded : forwarded_cancel::too_late;
    }

  private:
    future_base* st_;
    forwarded_cancel* outcome_;
};

// Completes `handler` with `deliver(std::move(handler))` once the task `st` is done.
// `deliver` must keep `st` alive.
template <class Handler, class Deliver>
void start_task_wait(future_base& st, Handler handler, Deliver deliver,
                     forwarded_cancel* outcome = nullptr) {
    auto* w = handler_waiter<Handler, Deliver>::create(std::move(handler), std::move(deliver),
                                                       st.get_executor());
    auto slot = w->cancellation_slot();
    if (slot.is_connected())
        slot.template emplace<forward_cancel_to_task>(&st, outcome);
    if (!st.add_waiter(*w))
        w->complete(); // already done: still completes through the handler's executor
}

// Calls the handler with no arguments; keeps the task alive until then.
struct resume_after_task {
    boost::intrusive_ptr<future_base> st;

    template <class Handler>
    void operator()(Handler&& handler) {
        auto keep = std::move(st);
        std::forward<Handler>(handler)();
    }
};

struct initiate_task_done {
    template <class Handler>
    void operator()(Handler&& handler, boost::intrusive_ptr<future_base> st,
                    forwarded_cancel* outcome) const {
        future_base& ref = *st;
        start_task_wait(ref, std::forward<Handler>(handler), resume_after_task{std::move(st)},
                        outcome);
    }
};

// co_await async_task_done(st, &outcome) suspends until `st` is done.
inline auto async_task_done(boost::intrusive_ptr<future_base> st, forwarded_cancel* outcome) {
    return boost::asio::async_initiate<const boost::asio::deferred_t&, void()>(
        initiate_task_done{}, boost::asio::deferred, std::move(st), outcome);
}

} // namespace asyncio::detail

#endif // ASYNCIO_DETAIL_TASK_WAIT_HPP
