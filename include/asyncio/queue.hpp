// Copyright (c) 2026 The asyncio for Asio authors.
// Distributed under the Boost Software License, Version 1.0.

#ifndef ASYNCIO_QUEUE_HPP
#define ASYNCIO_QUEUE_HPP

#include <asyncio/config.hpp>
#include <asyncio/detail/queue_store.hpp>
#include <asyncio/detail/wait_op.hpp>
#include <asyncio/error.hpp>

#include <boost/asio/deferred.hpp>
#include <boost/system/error_code.hpp>

#include <cstddef>
#include <functional>
#include <optional>
#include <utility>

namespace asyncio {

/// What `queue`, `lifo_queue` and `priority_queue` share (Python's `asyncio.Queue`
/// family); `Store` decides the order in which items come out.
///
/// A queue with `maxsize() == 0` is unbounded; otherwise `put` waits while
/// `qsize() == maxsize()`. Blocked getters and putters are served FIFO, and an item
/// goes straight to the longest-waiting getter. A cancelled `get` never loses an item
/// and a cancelled `put` never inserts one. Waiters are resumed on their own
/// executors, never inside `put`/`get`/`shutdown`. Items may be move-only. Every
/// member is thread-safe. Neither copyable nor movable. Destroying a queue fails
/// the pending waits with `boost::asio::error::operation_aborted`.
template <class T, class Store>
class basic_queue {
  public:
    /// The type of the items.
    using value_type = T;

    /// A queue holding at most `maxsize` items (0: unbounded). Throws
    /// `std::invalid_argument` if `maxsize` is negative.
    explicit basic_queue(std::ptrdiff_t maxsize = 0, Store store = Store());

    basic_queue(const basic_queue&) = delete;
    basic_queue& operator=(const basic_queue&) = delete;

    ~basic_queue();

    /// Puts `item` into the queue, waiting while it is full.
    ///
    /// @par Completion Signature
    /// @code void(boost::system::error_code) @endcode
    /// `asyncio::error::queue_shut_down` when the queue is or gets shut down before
    /// the item went in (the item is dropped). The handler runs on its associated
    /// executor (without one: the loop this thread runs, else the `system_executor`), even when
    /// there was room.
    ///
    /// @par Per-Operation Cancellation
    /// Every cancellation type: a waiting put is withdrawn, its item is dropped, and
    /// it completes with `boost::asio::error::operation_aborted`. Once the item went
    /// in, cancellation has no effect.
    template <BOOST_ASIO_COMPLETION_TOKEN_FOR(void(boost::system::error_code))
                  Token = boost::asio::deferred_t>
    auto async_put(T item, Token&& token = {}) {
        return detail::async_wait<void>(initiate_put{}, std::forward<Token>(token), this,
                                        std::move(item));
    }

    /// Takes the next item out of the queue, waiting while it is empty.
    ///
    /// @par Completion Signature
    /// @code void(boost::system::error_code, T) @endcode
    /// `asyncio::error::queue_shut_down` when the queue is shut down and empty (the
    /// `T` is then default-constructed, so this form needs a default constructor;
    /// `get()` does not). The handler runs on its associated executor (without one: the loop this
    /// thread runs, else the `system_executor`), even when an item was ready.
    ///
    /// @par Per-Operation Cancellation
    /// Every cancellation type: a waiting get is withdrawn and completes with
    /// `boost::asio::error::operation_aborted`; the item it would have received goes
    /// to the next getter or stays in the queue. Once an item was handed over,
    /// cancellation has no effect: the operation completes with the item.
    template <BOOST_ASIO_COMPLETION_TOKEN_FOR(void(boost::system::error_code, T))
                  Token = boost::asio::deferred_t>
    auto async_get(Token&& token = {}) {
        return detail::async_wait<T>(initiate_get{}, std::forward<Token>(token), this);
    }

    /// Waits until every item put has been marked done with `task_done()`.
    ///
    /// @par Completion Signature
    /// @code void(boost::system::error_code) @endcode
    /// The handler runs on its associated executor (without one: the loop this thread runs, else
    /// the `system_executor`), even when no task was unfinished.
    ///
    /// @par Per-Operation Cancellation
    /// Every cancellation type: the wait is withdrawn and completes with
    /// `boost::asio::error::operation_aborted`.
    template <BOOST_ASIO_COMPLETION_TOKEN_FOR(void(boost::system::error_code))
                  Token = boost::asio::deferred_t>
    auto async_join(Token&& token = {}) {
        return detail::async_wait<void>(initiate_join{}, std::forward<Token>(token), this);
    }

    /// `co_await q.put(item)` (Python's `await queue.put(item)`): see async_put.
    /// Returns without suspending when there is room. Throws `queue_shut_down` or
    /// `cancelled_error`.
    [[nodiscard]] awaitable<void> put(T item);

    /// `T item = co_await q.get()` (Python's `await queue.get()`): see async_get.
    /// Returns without suspending when an item is ready. Throws `queue_shut_down`
    /// once the queue is shut down and empty, or `cancelled_error`.
    [[nodiscard]] awaitable<T> get();

    /// `co_await q.join()` (Python's `await queue.join()`): see async_join.
    [[nodiscard]] awaitable<void> join();

    /// Puts an item without waiting. Throws `queue_full` when the queue is full and
    /// `queue_shut_down` after `shutdown()`; `item` is then left untouched.
    void put_nowait(T&& item);

    /// Puts a copy of `item` without waiting (see the other overload).
    void put_nowait(const T& item);

    /// Puts `item` if there is room now; returns whether it went in (`item` is left
    /// untouched otherwise, also after `shutdown()`). Neither waits nor throws: the
    /// C++ extension for hot loops that try before they wait.
    bool try_put(T&& item) { return put_now(item) == status::done; }

    /// Takes an item if one is ready now; empty otherwise. Neither waits nor throws.
    std::optional<T> try_get() {
        std::optional<T> item;
        get_now(item);
        return item;
    }

    /// Takes an item without waiting. Throws `queue_empty` when there is none, or
    /// `queue_shut_down` when the queue is shut down and empty.
    T get_nowait();

    /// Marks one item taken out of the queue as processed (Python's `task_done()`).
    /// Throws `std::invalid_argument` if called more times than items were put.
    void task_done();

    /// The number of items in the queue.
    std::size_t qsize() const noexcept;

    /// Whether the queue holds no item.
    bool empty() const noexcept { return qsize() == 0; }

    /// Whether the queue holds `maxsize()` items (never for an unbounded queue).
    bool full() const noexcept { return maxsize_ != 0 && qsize() >= maxsize_; }

    /// The bound given at construction (0: unbounded).
    std::size_t maxsize() const noexcept { return maxsize_; }

    /// Shuts the queue down (Python 3.13's `Queue.shutdown`): later puts fail with
    /// `queue_shut_down`, blocked putters and getters are woken with it, and gets
    /// fail with it once the queue is empty. With `immediate`, the items left are
    /// dropped (each counts as done for `join()`), so gets fail at once.
    void shutdown(bool immediate = false);

  private:
    using getter_op = detail::wait_op<T>;
    using joiner_op = detail::wait_op<>;

    // A blocked put: the item waits in the waiter until there is room.
    class putter_op : public detail::wait_op<> {
      public:
        std::optional<T> item;
    };

    enum class status { done, wait, shut_down };

    // Under the lock: moves `item` into the queue, or to the first getter (`woken`).
    // `item` is left untouched unless the status is `done`.
    status put_locked(T& item, getter_op*& woken);

    // Under the lock: takes the next item out through `sink(T&&)`, refilling from the
    // first putter (`woken`).
    template <class Sink>
    status get_locked(Sink&& sink, putter_op*& woken);

    // A put without waiting: the status, having completed what it woke.
    status put_now(T& item);

    // A get without waiting: the status, having completed what it woke.
    status get_now(std::optional<T>& item);

    struct initiate_put {
        template <class Handler, class Deliver>
        void operator()(Handler&& handler, Deliver deliver, basic_queue* self, T&& item) const;
    };
    struct initiate_get {
        template <class Handler, class Deliver>
        void operator()(Handler&& handler, Deliver deliver, basic_queue* self) const;
    };
    struct initiate_join {
        template <class Handler, class Deliver>
        void operator()(Handler&& handler, Deliver deliver, basic_queue* self) const;
    };

    mutable detail::spinlock mutex_;
    Store items_;
    std::size_t maxsize_;
    std::size_t unfinished_ = 0;
    bool shut_down_ = false;
    detail::intrusive_list<getter_op> getters_;
    detail::intrusive_list<putter_op> putters_;
    detail::intrusive_list<joiner_op> joiners_;
};

/// A first-in, first-out queue (Python's `asyncio.Queue`).
template <class T>
class queue : public basic_queue<T, detail::fifo_store<T>> {
  public:
    /// A queue holding at most `maxsize` items (0: unbounded).
    explicit queue(std::ptrdiff_t maxsize = 0) : basic_queue<T, detail::fifo_store<T>>(maxsize) {}
};

/// A last-in, first-out queue (Python's `asyncio.LifoQueue`).
template <class T>
class lifo_queue : public basic_queue<T, detail::lifo_store<T>> {
  public:
    /// A queue holding at most `maxsize` items (0: unbounded).
    explicit lifo_queue(std::ptrdiff_t maxsize = 0)
        : basic_queue<T, detail::lifo_store<T>>(maxsize) {}
};

/// A queue that yields its smallest item first by `Compare` (Python's
/// `asyncio.PriorityQueue`; put `std::pair<priority, data>` or `std::tuple` items for
/// Python's `(priority, data)` entries). Items that compare equal come out in no
/// particular order, as in Python.
template <class T, class Compare = std::less<T>>
class priority_queue : public basic_queue<T, detail::priority_store<T, Compare>> {
  public:
    /// A queue holding at most `maxsize` items (0: unbounded), ordered by `less`.
    explicit priority_queue(std::ptrdiff_t maxsize = 0, Compare less = Compare())
        : basic_queue<T, detail::priority_store<T, Compare>>(
              maxsize, detail::priority_store<T, Compare>(std::move(less))) {}
};

} // namespace asyncio

#include <asyncio/impl/queue.hpp>

#endif // ASYNCIO_QUEUE_HPP
