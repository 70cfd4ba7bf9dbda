// Copyright (c) 2026 The asyncio for Asio authors.
// Distributed under the Boost Software License, Version 1.0.

#include <asyncio/condition.hpp>

namespace asyncio {

condition::~condition() {
    waiter_op* first;
    {
        std::lock_guard<detail::spinlock> guard(mutex_);
        first = detail::fail_all(waiters_, boost::asio::error::operation_aborted);
        for (waiter_op* op = first; op; op = decltype(waiters_)::next(*op))
            op->forget_lock();
    }
    detail::complete_chain(first);
}

awaitable<void> condition::wait() {
    co_await detail::awaitable_wait<void>(initiate_wait{}, this);
}

void condition::notify(std::size_t n) {
    if (!locked())
        detail::throw_invalid_state("cannot notify on a condition whose lock is not acquired");
    waiter_op* first;
    {
        std::lock_guard<detail::spinlock> guard(mutex_);
        first = detail::succeed_front(waiters_, n);
    }
    detail::complete_chain(first);
}

void condition::notify_all() {
    if (!locked())
        detail::throw_invalid_state("cannot notify on a condition whose lock is not acquired");
    waiter_op* first;
    {
        std::lock_guard<detail::spinlock> guard(mutex_);
        first = detail::succeed_all(waiters_);
    }
    detail::complete_chain(first);
}

} // namespace asyncio
