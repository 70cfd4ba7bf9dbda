// Copyright (c) 2026 The asyncio for Asio authors.
// Distributed under the Boost Software License, Version 1.0.

#ifndef ASYNCIO_DETAIL_TASK_GROUP_HPP
#define ASYNCIO_DETAIL_TASK_GROUP_HPP

#include <asyncio/config.hpp>
#include <asyncio/detail/spinlock.hpp>
#include <asyncio/detail/task_state.hpp>
#include <asyncio/detail/wait_op.hpp>

#include <boost/asio/cancellation_type.hpp>
#include <boost/smart_ptr/intrusive_ref_counter.hpp>

#include <atomic>
#include <cstddef>
#include <exception>
#include <vector>

namespace asyncio::detail {

// The shared state of a task_group: its children (counted; the loop's registry holds
// them), the errors they raised, and the one join() waiting for them.
//
// Every child is a task whose group_ points here; it reports through child_done()
// when it finishes. The first real failure (or the joiner's own cancellation, or the
// body ending by cancellation) makes the group abort: it cancels every child and
// accepts no new one. Once the join started and no child is left, the joiner is
// completed and the group is closed.
class task_group_state
    : public boost::intrusive_ref_counter<task_group_state, boost::thread_safe_counter> {
  public:
    explicit task_group_state(executor_type ex) noexcept;
    task_group_state(const task_group_state&) = delete;
    task_group_state& operator=(const task_group_state&) = delete;

    const executor_type& get_executor() const noexcept { return executor_; }

    // Counts a new child; throws invalid_state_error when the group is closed or
    // aborting (the child must then not be started).
    void enter();

    // Undoes enter() when the child could not be created.
    void enter_failed() noexcept;

    // After a child counted by enter() is in the loop's registry: cancels it if the
    // group began to abort in between (abort() may have missed it).
    void entered(task_base& child) noexcept;

    // Called by a child task when it finishes (from task_base::finish).
    void child_done(task_base& child) noexcept;

    // Marks `body` as with_task_group's body: ending by cancellation, it aborts the group.
    void set_body(task_base& body) noexcept;

    // The start of join(): throws invalid_state_error when a join already started.
    void begin_join();

    // After join() completed: throws exception_group when children failed, the
    // cancellation when the joiner was cancelled (or the body ended by cancellation).
    void rethrow_outcome() const;

    // The group object is destroyed: unless a join completed, cancels the children.
    void abandon() noexcept;

    // Waits for the end of the join (completion signature void(error_code), never
    // failing). Cancelling it aborts the group; the wait goes on until every child ended.
    template <class Handler, class Deliver>
    void async_join(Handler&& handler, Deliver deliver);

  private:
    // The joiner's cancellation handler.
    struct abort_on_cancel {
        task_group_state* self;
        wait_op<>* op;
        void operator()(boost::asio::cancellation_type_t) const noexcept;
    };

    // Under lock_: starts aborting unless closed or aborting already; returns whether
    // the caller must now cancel the children (after unlocking).
    bool start_abort_locked() noexcept;

    // Under lock_: one child fewer; returns the joiner to complete (after unlocking)
    // when that was the last one.
    wait_op<>* leave_locked() noexcept;

    // Cancels every unfinished child (those of the loop's registry that belong here).
    void cancel_children() noexcept;

    executor_type executor_;
    mutable spinlock lock_;
    std::size_t live_ = 0;      // unfinished children
    bool joining_ = false;      // join() started
    bool aborting_ = false;     // children are being cancelled
    bool closed_ = false;       // join() completed
    bool cancelled_ = false;    // the joiner was cancelled, or the body ended by cancellation
    task_base* body_ = nullptr; // with_task_group's body (identity only)
    std::vector<std::exception_ptr> errors_; // in completion order
    wait_op<>* joiner_ = nullptr;
};

template <class Handler, class Deliver>
void task_group_state::async_join(Handler&& handler, Deliver deliver) {
    start_wait<wait_op<>>(
        lock_, std::forward<Handler>(handler), std::move(deliver),
        [this](auto& sink, waiter*&) {
            if (live_ != 0)
                return false;
            closed_ = true;
            sink.succeed();
            return true;
        },
        [this](wait_op<>& op) { joiner_ = &op; },
        [this](wait_op<>& op) {
            return abort_on_cancel{this, &op};
        });
}

} // namespace asyncio::detail

#endif // ASYNCIO_DETAIL_TASK_GROUP_HPP
