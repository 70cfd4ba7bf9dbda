// Copyright (c) 2026 The asyncio for Asio authors.
// Distributed under the Boost Software License, Version 1.0.

#include <asyncio/detail/executor.hpp>
#include <asyncio/detail/task_state.hpp>

namespace asyncio::detail {

bool task_base::cancel() noexcept {
    {
        std::lock_guard lock(lock_);
        const auto status = status_.load(std::memory_order_relaxed);
        if (status == done_status)
            return false;
        cancel_requested_ = true;
        if (status == scheduled_status)
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

void task_base::finish(std::exception_ptr e) noexcept {
    const bool was_cancelled = is_cancellation(e);
    if (was_cancelled)
        e = std::make_exception_ptr(cancelled_error());
    waiter* to_complete = nullptr;
    executor_type strand = strip_strand(executor_);
    {
        std::lock_guard lock(lock_);
        exception_ = std::move(e);
        cancelled_ = was_cancelled;
        status_.store(done_status, std::memory_order_release);
        to_complete = waiters_.detach_all();
        executor_.swap(strand); // the strand dies here, while its loop still lives
    }
    loop_.remove(*this);
    while (waiter* w = to_complete) {
        to_complete = intrusive_list<waiter>::next(*w);
        w->complete(); // may free w
    }
}

bool task_base::add_waiter(waiter& w) noexcept {
    std::lock_guard lock(lock_);
    if (status_.load(std::memory_order_relaxed) == done_status)
        return false;
    waiters_.push_back(w);
    return true;
}

bool task_base::remove_waiter(waiter& w) noexcept {
    std::lock_guard lock(lock_);
    return waiters_.remove(w);
}

std::exception_ptr task_base::exception() const {
    if (!done())
        throw_invalid_state("the task is not done yet");
    if (cancelled_)
        throw_cancelled();
    return exception_;
}

void task_base::rethrow_if_failed() const {
    if (!done())
        throw_invalid_state("the task is not done yet");
    if (exception_)
        std::rethrow_exception(exception_);
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
