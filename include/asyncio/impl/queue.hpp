// Copyright (c) 2026 The asyncio for Asio authors.
// Distributed under the Boost Software License, Version 1.0.

#ifndef ASYNCIO_IMPL_QUEUE_HPP
#define ASYNCIO_IMPL_QUEUE_HPP

#include <algorithm>
#include <mutex>

namespace asyncio {

template <class T, class Store>
template <class Handler, class Deliver>
void basic_queue<T, Store>::initiate_put::operator()(Handler&& handler, Deliver deliver,
                                                     basic_queue* self, T&& item) const {
    detail::start_wait<putter_op>(
        self->mutex_, std::forward<Handler>(handler), deliver,
        [&](auto& sink, detail::waiter*& woken) {
            getter_op* getter = nullptr;
            const status s = self->put_locked(item, getter);
            woken = getter;
            if (s == status::wait)
                return false;
            if (s == status::done)
                sink.succeed();
            else
                sink.fail(error::queue_shut_down);
            return true;
        },
        [&](putter_op& op) {
            op.item.emplace(std::move(item));
            self->putters_.push_back(op);
        },
        [self](putter_op& op) {
            return detail::withdraw_on_cancel<putter_op>(self->mutex_, self->putters_, op);
        });
}

template <class T, class Store>
template <class Handler, class Deliver>
void basic_queue<T, Store>::initiate_get::operator()(Handler&& handler, Deliver deliver,
                                                     basic_queue* self) const {
    detail::start_list_wait<getter_op>(
        self->mutex_, self->getters_, std::forward<Handler>(handler), deliver,
        [self](auto& sink, detail::waiter*& woken) {
            putter_op* putter = nullptr;
            const status s =
                self->get_locked([&](T&& item) { sink.succeed(std::move(item)); }, putter);
            woken = putter;
            if (s == status::wait)
                return false;
            if (s == status::shut_down)
                sink.fail(error::queue_shut_down);
            return true;
        });
}

template <class T, class Store>
template <class Handler, class Deliver>
void basic_queue<T, Store>::initiate_join::operator()(Handler&& handler, Deliver deliver,
                                                      basic_queue* self) const {
    detail::start_list_wait<joiner_op>(self->mutex_, self->joiners_, std::forward<Handler>(handler),
                                       deliver, [self](auto& sink, detail::waiter*&) {
                                           if (self->unfinished_ != 0)
                                               return false;
                                           sink.succeed();
                                           return true;
                                       });
}

template <class T, class Store>
basic_queue<T, Store>::basic_queue(std::ptrdiff_t maxsize, Store store)
    : items_(std::move(store)),
      maxsize_(detail::to_count(maxsize, 0, "queue maxsize must be >= 0 (0: unbounded)")) {}

template <class T, class Store>
basic_queue<T, Store>::~basic_queue() {
    detail::abort_all(mutex_, getters_);
    detail::abort_all(mutex_, putters_);
    detail::abort_all(mutex_, joiners_);
}

template <class T, class Store>
auto basic_queue<T, Store>::put_locked(T& item, getter_op*& woken) -> status {
    if (shut_down_)
        return status::shut_down;
    if (!getters_.empty()) {
        // The queue is empty: the item goes straight to the longest-waiting getter.
        woken = getters_.front();
        woken->succeed(std::move(item));
        getters_.remove(*woken);
    } else if (maxsize_ == 0 || items_.size() < maxsize_) {
        items_.push(std::move(item));
    } else {
        return status::wait;
    }
    ++unfinished_;
    return status::done;
}

template <class T, class Store>
template <class Sink>
auto basic_queue<T, Store>::get_locked(Sink&& sink, putter_op*& woken) -> status {
    if (items_.empty())
        return shut_down_ ? status::shut_down : status::wait;
    sink(items_.pop());
    if (!putters_.empty()) {
        // There is room now: the longest-waiting putter's item goes in.
        putter_op* putter = putters_.front();
        items_.push(std::move(*putter->item));
        putters_.remove(*putter);
        putter->succeed();
        ++unfinished_;
        woken = putter;
    }
    return status::done;
}

template <class T, class Store>
auto basic_queue<T, Store>::put_now(T& item) -> status {
    getter_op* woken = nullptr;
    status s;
    {
        std::lock_guard<detail::spinlock> guard(mutex_);
        s = put_locked(item, woken);
    }
    if (woken)
        woken->complete();
    return s;
}

template <class T, class Store>
auto basic_queue<T, Store>::get_now(std::optional<T>& item) -> status {
    putter_op* woken = nullptr;
    status s;
    {
        std::lock_guard<detail::spinlock> guard(mutex_);
        s = get_locked([&](T&& v) { item.emplace(std::move(v)); }, woken);
    }
    if (woken)
        woken->complete();
    return s;
}

// The Python-named members try at once in their own frame: cheaper than an
// asynchronous operation that completes inline.
template <class T, class Store>
awaitable<void> basic_queue<T, Store>::put(T item) {
    switch (put_now(item)) {
    case status::done:
        co_return;
    case status::shut_down:
        throw queue_shut_down();
    case status::wait:
        break;
    }
    co_await detail::awaitable_wait<void>(initiate_put{}, this, std::move(item));
}

template <class T, class Store>
awaitable<T> basic_queue<T, Store>::get() {
    std::optional<T> item;
    switch (get_now(item)) {
    case status::done:
        co_return std::move(*item);
    case status::shut_down:
        throw queue_shut_down();
    case status::wait:
        break;
    }
    co_return co_await detail::awaitable_wait<T>(initiate_get{}, this);
}

template <class T, class Store>
awaitable<void> basic_queue<T, Store>::join() {
    {
        std::lock_guard<detail::spinlock> guard(mutex_);
        if (unfinished_ == 0)
            co_return;
    }
    co_await detail::awaitable_wait<void>(initiate_join{}, this);
}

template <class T, class Store>
void basic_queue<T, Store>::put_nowait(T&& item) {
    switch (put_now(item)) {
    case status::done:
        return;
    case status::shut_down:
        throw queue_shut_down();
    case status::wait:
        throw queue_full();
    }
}

template <class T, class Store>
void basic_queue<T, Store>::put_nowait(const T& item) {
    T copy(item);
    put_nowait(std::move(copy));
}

template <class T, class Store>
T basic_queue<T, Store>::get_nowait() {
    std::optional<T> item;
    const status s = get_now(item);
    if (s == status::shut_down)
        throw queue_shut_down();
    if (s == status::wait)
        throw queue_empty();
    return std::move(*item);
}

template <class T, class Store>
void basic_queue<T, Store>::task_done() {
    bool too_many = false;
    joiner_op* released = nullptr;
    {
        std::lock_guard<detail::spinlock> guard(mutex_);
        if (unfinished_ == 0)
            too_many = true;
        else if (--unfinished_ == 0)
            released = detail::succeed_all(joiners_);
    }
    if (too_many)
        detail::throw_invalid_argument("task_done() called more times than items were put");
    detail::complete_chain(released);
}

template <class T, class Store>
std::size_t basic_queue<T, Store>::qsize() const noexcept {
    std::lock_guard<detail::spinlock> guard(mutex_);
    return items_.size();
}

template <class T, class Store>
void basic_queue<T, Store>::shutdown(bool immediate) {
    decltype(items_.take_all()) dropped; // destroyed after unlocking
    getter_op* getters;
    putter_op* putters;
    joiner_op* joiners = nullptr;
    {
        std::lock_guard<detail::spinlock> guard(mutex_);
        shut_down_ = true;
        if (immediate) {
            dropped = items_.take_all();
            unfinished_ -= std::min(dropped.size(), unfinished_);
            if (unfinished_ == 0)
                joiners = detail::succeed_all(joiners_);
        }
        getters = detail::fail_all(getters_, error::queue_shut_down);
        putters = detail::fail_all(putters_, error::queue_shut_down);
    }
    detail::complete_chain(getters);
    detail::complete_chain(putters);
    detail::complete_chain(joiners);
}

} // namespace asyncio

#endif // ASYNCIO_IMPL_QUEUE_HPP
