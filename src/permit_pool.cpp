// Copyright (c) 2026 The asyncio for Asio authors.
// Distributed under the Boost Software License, Version 1.0.

#include <asyncio/detail/permit_pool.hpp>

namespace asyncio::detail {

permit_pool::~permit_pool() {
    abort_all(mutex_, waiters_);
}

bool permit_pool::try_take() noexcept {
    std::lock_guard<spinlock> guard(mutex_);
    if (available_ == 0)
        return false;
    --available_;
    return true;
}

awaitable<void> permit_pool::take() {
    if (try_take())
        co_return;
    co_await awaitable_wait<void>(initiate_take_permit{}, this);
}

bool permit_pool::give(std::size_t limit) noexcept {
    wait_op<>* next;
    {
        std::lock_guard<spinlock> guard(mutex_);
        next = waiters_.pop_front();
        if (next) {
            next->succeed();
        } else if (available_ >= limit) {
            return false;
        } else {
            ++available_;
            return true;
        }
    }
    next->complete();
    return true;
}

std::size_t permit_pool::available() const noexcept {
    std::lock_guard<spinlock> guard(mutex_);
    return available_;
}

} // namespace asyncio::detail
