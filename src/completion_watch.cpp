// Copyright (c) 2026 The asyncio for Asio authors.
// Distributed under the Boost Software License, Version 1.0.

#include <asyncio/detail/completion_watch.hpp>

namespace asyncio::detail {

completion_watch::completion_watch(std::vector<boost::intrusive_ptr<future_base>> futures)
    : futures_(std::move(futures)), nodes_(new node[futures_.size()]) {
    order_.reserve(futures_.size());
}

void completion_watch::start() {
    for (std::size_t i = 0; i < futures_.size(); ++i) {
        nodes_[i].self = this;
        nodes_[i].index = i;
        // Each linked node keeps the watch alive until it fires or is withdrawn.
        intrusive_ptr_add_ref(this);
        if (!futures_[i]->add_waiter(nodes_[i]))
            finished_one(i);
    }
}

void completion_watch::stop() noexcept {
    for (std::size_t i = 0; i < futures_.size(); ++i)
        if (futures_[i]->remove_waiter(nodes_[i]))
            intrusive_ptr_release(this);
}

void completion_watch::finished_one(std::size_t index) noexcept {
    watch_op* woken = nullptr;
    watch_op** tail = &woken;
    wait_op<std::size_t>* taker = nullptr;
    {
        std::lock_guard lock(lock_);
        order_.push_back(index); // never reallocates: reserved
        if (futures_[index]->failed())
            failed_ = true;
        waiters_.for_each([&](watch_op& op) {
            if (satisfied(op.count, op.or_failure)) {
                waiters_.remove(op);
                op.succeed();
                *tail = &op;
                tail = &op.woken_next;
            }
        });
        if ((taker = takers_.pop_front()))
            taker->succeed(order_[taken_++]);
    }
    if (taker)
        taker->complete();
    while (woken) {
        watch_op* next = woken->woken_next;
        woken->complete();
        woken = next;
    }
    intrusive_ptr_release(this);
}

} // namespace asyncio::detail
