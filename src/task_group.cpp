// Copyright (c) 2026 The asyncio for Asio authors.
// Distributed under the Boost Software License, Version 1.0.

#include <asyncio/detail/loop_service.hpp>
#include <asyncio/detail/task_group.hpp>
#include <asyncio/error.hpp>

#include <mutex>

namespace asyncio::detail {
namespace {

// What create_task throws on an aborting group. A child (or the body) that was still
// running when the group began to abort may hit it before it sees its own
// cancellation (on a multi-threaded loop): such an error is part of the abort, not a
// failure of its own.
class group_shutting_down final : public invalid_state_error {
  public:
    group_shutting_down() : invalid_state_error("the task_group is shutting down") {}
};

} // namespace

// For task_base, which holds its group through an incomplete type.
void intrusive_ptr_add_ref(task_group_state* p) noexcept {
    boost::sp_adl_block::intrusive_ptr_add_ref(
        static_cast<
            const boost::intrusive_ref_counter<task_group_state, boost::thread_safe_counter>*>(p));
}

void intrusive_ptr_release(task_group_state* p) noexcept {
    boost::sp_adl_block::intrusive_ptr_release(
        static_cast<
            const boost::intrusive_ref_counter<task_group_state, boost::thread_safe_counter>*>(p));
}

task_group_state::task_group_state(executor_type ex) noexcept : executor_(std::move(ex)) {}

void task_group_state::enter() {
    std::lock_guard lock(lock_);
    if (closed_)
        throw_invalid_state("the task_group has finished");
    if (aborting_)
        throw group_shutting_down();
    ++live_;
}

void task_group_state::enter_failed() noexcept {
    wait_op<>* joiner;
    {
        std::lock_guard lock(lock_);
        joiner = leave_locked();
    }
    if (joiner)
        joiner->complete();
}

wait_op<>* task_group_state::leave_locked() noexcept {
    if (--live_ != 0 || !joiner_)
        return nullptr;
    closed_ = true;
    joiner_->succeed();
    return std::exchange(joiner_, nullptr);
}

void task_group_state::entered(task_base& child) noexcept {
    bool aborting;
    {
        std::lock_guard lock(lock_);
        aborting = aborting_;
    }
    if (aborting)
        child.cancel();
}

void task_group_state::set_body(task_base& body) noexcept {
    std::lock_guard lock(lock_);
    body_ = &body;
}

void task_group_state::child_done(task_base& child) noexcept {
    bool failed = !child.cancelled() && child.raw_exception();
    const bool maybe_abort_echo = failed && holds<group_shutting_down>(child.raw_exception());
    wait_op<>* joiner = nullptr;
    bool abort = false;
    {
        std::lock_guard lock(lock_);
        if (maybe_abort_echo && aborting_)
            failed = false; // see group_shutting_down
        if (failed) {
            try {
                errors_.push_back(child.raw_exception());
            } catch (...) {
                // Out of memory: the failure still aborts the group.
            }
            abort = start_abort_locked();
        } else if (&child == body_ && child.cancelled()) {
            // The body ended by cancellation: the group is being cancelled.
            cancelled_ = true;
            abort = start_abort_locked();
        }
        if (&child == body_)
            body_ = nullptr;
        joiner = leave_locked();
    }
    if (abort)
        cancel_children();
    if (joiner)
        joiner->complete();
}

void task_group_state::begin_join() {
    std::lock_guard lock(lock_);
    if (joining_)
        throw_invalid_state("the task_group is already joined");
    joining_ = true;
}

void task_group_state::rethrow_outcome() const {
    std::lock_guard lock(lock_);
    if (!errors_.empty())
        throw exception_group("unhandled errors in a task_group", errors_);
    if (cancelled_)
        throw_cancelled();
}

void task_group_state::abandon() noexcept {
    bool abort;
    {
        std::lock_guard lock(lock_);
        // A join that completed closed the group; one that never started, or that
        // was interrupted (its coroutine destroyed, or cancelled before it began to
        // wait), leaves children behind: they are cancelled.
        joining_ = true;
        abort = start_abort_locked();
    }
    if (abort)
        cancel_children();
}

void task_group_state::abort_on_cancel::operator()(
    boost::asio::cancellation_type_t) const noexcept {
    bool abort;
    {
        std::lock_guard lock(self->lock_);
        if (op->served())
            return;
        self->cancelled_ = true;
        abort = self->start_abort_locked();
    }
    if (abort)
        self->cancel_children();
}

bool task_group_state::start_abort_locked() noexcept {
    if (closed_ || aborting_)
        return false;
    aborting_ = true;
    return true;
}

void task_group_state::cancel_children() noexcept {
    try {
        for (auto& t : loop_service::of(executor_).tasks())
            if (t->group() == this)
                t->cancel();
    } catch (...) {
        // Out of memory taking the snapshot: the children cannot be cancelled now.
    }
}

} // namespace asyncio::detail
