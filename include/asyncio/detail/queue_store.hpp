// Copyright (c) 2026 The asyncio for Asio authors.
// Distributed under the Boost Software License, Version 1.0.

#ifndef ASYNCIO_DETAIL_QUEUE_STORE_HPP
#define ASYNCIO_DETAIL_QUEUE_STORE_HPP

#include <algorithm>
#include <cstddef>
#include <deque>
#include <utility>
#include <vector>

// Where a queue keeps its items: the one thing that differs between queue,
// lifo_queue and priority_queue. Each store has push, pop (which takes the next item
// out), size, empty and take_all.

namespace asyncio::detail {

// A sequence that takes items out at the front (first in, first out: Python's
// Queue) or at the back (last in, first out: Python's LifoQueue).
template <class Container, bool FromFront>
class sequence_store {
  public:
    using value_type = typename Container::value_type;

    void push(value_type&& item) { items_.push_back(std::move(item)); }

    value_type pop() {
        if constexpr (FromFront) {
            value_type item(std::move(items_.front()));
            items_.pop_front();
            return item;
        } else {
            value_type item(std::move(items_.back()));
            items_.pop_back();
            return item;
        }
    }

    std::size_t size() const noexcept { return items_.size(); }
    bool empty() const noexcept { return items_.empty(); }

    // Takes every item out at once, in no particular order.
    Container take_all() noexcept { return std::exchange(items_, {}); }

  protected:
    Container items_;
};

template <class T>
using fifo_store = sequence_store<std::deque<T>, true>;

template <class T>
using lifo_store = sequence_store<std::vector<T>, false>;

// Smallest first by `Compare` (Python's PriorityQueue, a heapq min-heap).
template <class T, class Compare>
class priority_store : public sequence_store<std::vector<T>, false> {
  public:
    explicit priority_store(Compare less = Compare()) : greater_{std::move(less)} {}

    void push(T&& item) {
        this->items_.push_back(std::move(item));
        std::push_heap(this->items_.begin(), this->items_.end(), greater_);
    }

    T pop() {
        std::pop_heap(this->items_.begin(), this->items_.end(), greater_);
        return sequence_store<std::vector<T>, false>::pop();
    }

  private:
    // std's heap algorithms keep the largest first; reversing the order keeps the smallest.
    struct reversed {
        Compare less;
        bool operator()(const T& a, const T& b) { return less(b, a); }
    };

    reversed greater_;
};

} // namespace asyncio::detail

#endif // ASYNCIO_DETAIL_QUEUE_STORE_HPP
