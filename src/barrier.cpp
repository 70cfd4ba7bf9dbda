// Copyright (c) 2026 The asyncio for Asio authors.
// Distributed under the Boost Software License, Version 1.0.

#include <asyncio/barrier.hpp>

namespace asyncio {
barrier::barrier(std::ptrdiff_t parties)
    : parties_(detail::to_count(parties, 1, "barrier needs at least one party")) {}

barrier::~barrier() {
    detail::abort_all(mutex_, waiters_);
}

barrier::arrival barrier::arrive(waiter_op*& released) noexcept {
    if (broken_)
        return arrival::broken;
    if (waiters_.size() + 1 < parties_)
        return arrival::wait;
    // The last arrival: release the round, giving each waiter its arrival index.
    released = waiters_.detach_all();
    std::size_t index = 0;
    for (waiter_op* op = released; op; op = decltype(waiters_)::next(*op))
        op->succeed(index++);
    return arrival::last;
}

awaitable<std::size_t> barrier::wait() {
    waiter_op* released = nullptr;
    arrival a;
    {
        std::lock_guard<detail::spinlock> guard(mutex_);
        a = arrive(released);
    }
    if (a == arrival::broken)
        throw broken_barrier_error();
    if (a == arrival::last) {
        detail::complete_chain(released);
        co_return parties_ - 1;
    }
    co_return co_await detail::awaitable_wait<std::size_t>(initiate_wait{}, this);
}

void barrier::end_round(bool broken) noexcept {
    waiter_op* first;
    {
        std::lock_guard<detail::spinlock> guard(mutex_);
        first = detail::fail_all(waiters_, error::broken_barrier);
        broken_ = broken;
    }
    detail::complete_chain(first);
}

void barrier::reset() noexcept {
    end_round(false);
}

void barrier::abort() noexcept {
    end_round(true);
}

std::size_t barrier::n_waiting() const noexcept {
    std::lock_guard<detail::spinlock> guard(mutex_);
    return waiters_.size();
}

bool barrier::broken() const noexcept {
    std::lock_guard<detail::spinlock> guard(mutex_);
    return broken_;
}

void barrier::break_on_cancel::operator()(boost::asio::cancellation_type_t type) const noexcept {
    using boost::asio::cancellation_type;
    if ((type & (cancellation_type::terminal | cancellation_type::partial)) ==
            cancellation_type::none ||
        op_->served())
        return;
    waiter_op* others;
    {
        std::lock_guard<detail::spinlock> guard(self_->mutex_);
        if (!self_->waiters_.remove(*op_))
            return;
        op_->fail(boost::asio::error::operation_aborted);
        others = detail::fail_all(self_->waiters_, error::broken_barrier);
        self_->broken_ = true;
    }
    op_->complete();
    detail::complete_chain(others);
}

} // namespace asyncio
