// Copyright (c) 2026 The asyncio for Asio authors.
// Distributed under the Boost Software License, Version 1.0.

#include <asyncio/event.hpp>

namespace asyncio {

event::~event() {
    detail::abort_all(mutex_, waiters_);
}

awaitable<void> event::wait() {
    if (is_set())
        co_return;
    co_await detail::awaitable_wait<void>(initiate_wait{}, this);
}

void event::set() noexcept {
    detail::wait_op<>* first;
    {
        std::lock_guard<detail::spinlock> guard(mutex_);
        if (set_)
            return;
        set_ = true;
        first = detail::succeed_all(waiters_);
    }
    detail::complete_chain(first);
}

void event::clear() noexcept {
    std::lock_guard<detail::spinlock> guard(mutex_);
    set_ = false;
}

bool event::is_set() const noexcept {
    std::lock_guard<detail::spinlock> guard(mutex_);
    return set_;
}

} // namespace asyncio
