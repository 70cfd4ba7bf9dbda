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

// First in, first out (Python's Queue).
template <class T>
class fifo_store {
  public:
    void push(T&& item) { items_.push_back(std::move(item)); }

    T pop() {
        T item(std::move(items_.front()));
        items_.pop_front();
        return item;
    }

    std::size_t size() const noexcept { return items_.size(); }
    bool empty() const noexcept { return items_.empty(); }

    // Takes every item out at once, in no particular order.
    auto take_all() noexcept { return std::exchange(items_, {}); }

  private:
    std::deque<T> items_;
};

// Last in, first out (Python's LifoQueue).
template <class T>
class lifo_store {
  public:
    void push(T&& item) { items_.push_back(std::move(item)); }

    T pop() {
        T item(std::move(items_.back()));
        items_.pop_back();
        return item;
    }

    std::size_t size() const noexcept { return items_.size(); }
    bool empty() const noexcept { return items_.empty(); }

    // Takes every item out at once, in no particular order.
    auto take_all() noexcept { return std::exchange(items_, {}); }

  private:
    std::vector<T> items_;
};

// Smallest first by `Compare` (Python's PriorityQueue, a heapq min-heap).
template <class T, class Compare>
class priority_store {
  public:
    explicit priority_store(Compare less = Compare()) : greater_{std::move(less)} {}

    void push(T&& item) {
        items_.push_back(std::move(item));
        std::push_heap(items_.begin(), items_.end(), greater_);
    }

    T pop() {
        std::pop_heap(items_.begin(), items_.end(), greater_);
        T item(std::move(items_.back()));
        items_.pop_back();
        return item;
    }

    std::size_t size() const noexcept { return items_.size(); }
    bool empty() const noexcept { return items_.empty(); }

    // Takes every item out at once, in no particular order.
    auto take_all() noexcept { return std::exchange(items_, {}); }

  private:
    // std's heap algorithms keep the largest first; reversing the order keeps the smallest.
    struct reversed {
        Compare less;
        bool operator()(const T& a, const T& b) { return less(b, a); }
    };

    std::vector<T> items_;
    reversed greater_;
};

} // namespace asyncio::detail

#endif // ASYNCIO_DETAIL_QUEUE_STORE_HPP
