// Copyright (c) 2026 The asyncio for Asio authors.
// Distributed under the Boost Software License, Version 1.0.

#include <asyncio/detail/executor.hpp>
#include <asyncio/detail/task_group.hpp>
#include <asyncio/detail/task_state.hpp>

namespace asyncio::detail {

// --- future_base -------------------------------------------------------------------

bool future_base::exception_unretrieved() const noexcept {
    return debug_ && exception_ && !cancelled_ && !retrieved_.load(std::memory_order_relaxed);
}

future_base::~future_base() {
    if (exception_unretrieved())
        debug_->warn("Future exception was never retrieved: " + describe_exception(exception_));
}

bool future_base::cancel() noexcept {
    return try_settle(
        nullptr, [] {}, true);
}

waiter* future_base::settle_locked(std::exception_ptr e, bool cancelled) noexcept {
    if (cancelled)
        e = std::make_exception_ptr(cancelled_error());
    exception_ = std::move(e);
    cancelled_ = cancelled;
    status_.store(done_status, std::memory_order_release);
    return waiters_.detach_all();
}

void future_base::complete_waiters(waiter* first) noexcept {
    while (waiter* w = first) {
        first = intrusive_list<waiter>::next(*w);
        w->complete(); // may free w
    }
}

bool future_base::add_waiter(waiter& w) noexcept {
    std::lock_guard lock(lock_);
    if (status_.load(std::memory_order_relaxed) == done_status)
        return false;
    waiters_.push_back(w);
    return true;
}

bool future_base::remove_waiter(waiter& w) noexcept {
    std::lock_guard lock(lock_);
    return waiters_.remove(w);
}

std::exception_ptr future_base::exception() const {
    if (!done())
        throw_invalid_state("the result is not set yet");
    if (cancelled_)
        throw_cancelled();
    return raw_exception();
}

void future_base::rethrow_if_failed() const {
    if (!done())
        throw_invalid_state("the result is not set yet");
    if (const auto& e = raw_exception())
        std::rethrow_exception(e);
}

// --- task_base ---------------------------------------------------------------------

task_base::~task_base() {
    if (exception_unretrieved()) {
        debug_->warn("Task exception was never retrieved: task '" + get_name() +
                     "': " + describe_exception(exception_));
        retrieved_.store(true, std::memory_order_relaxed);
    }
}

bool task_base::cancel() noexcept {
    {
        std::lock_guard lock(lock_);
        const auto status = status_.load(std::memory_order_relaxed);
        if (status == done_status)
            return false;
        cancel_requested_ = true;
        if (status == pending_status)
            return true; // begin() will see it: the body never runs
    }
    // The coroutine runs on its executor (serialized), and so does the emission, so
    // the signal never races with the coroutine installing or clearing its handlers.
    try {
        boost::asio::post(get_executor(), [self = boost::intrusive_ptr<task_base>(this)] {
            if (!self->done())
                self->signal_.emit(boost::asio::cancellation_type::terminal);
        });
    } catch (...) {
        // Out of memory: the request stays recorded but cannot be delivered now.
    }
    return true;
}

bool task_base::begin() noexcept {
    std::lock_guard lock(lock_);
    if (cancel_requested_)
        return false;
    status_.store(running_status, std::memory_order_relaxed);
    return true;
}

void task_base::join_group(task_group_state& group, bool body) noexcept {
    group_.reset(&group);
    if (body)
        group.set_body(*this);
}

void task_base::check_group_abort() noexcept {
    group_->entered(*this);
}

void task_base::finish(std::exception_ptr e) noexcept {
    const bool was_cancelled = is_cancellation(e);
    waiter* to_complete = nullptr;
    executor_type strand = strip_strand(executor_);
    {
        std::lock_guard lock(lock_);
        to_complete = settle_locked(std::move(e), was_cancelled);
        executor_.swap(strand); // the strand dies here, while its loop still lives
    }
    loop_.remove(*this);
    if (group_)
        group_->child_done(*this);
    complete_waiters(to_complete);
}

void task_base::abandoned() noexcept {
    if (debug_)
        debug_->warn("Task was destroyed but it is pending: task '" + get_name() + "'");
    finish(std::make_exception_ptr(cancelled_error("the event loop was destroyed")));
}

std::string task_base::get_name() const {
    std::lock_guard lock(lock_);
    return name_ ? *name_ : "Task-" + std::to_string(id_);
}

void task_base::set_name(std::string name) {
    auto p = std::make_unique<std::string>(std::move(name));
    std::lock_guard lock(lock_);
    name_.swap(p);
}

} // namespace asyncio::detail
