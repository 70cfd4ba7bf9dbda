// Copyright (c) 2026 The asyncio for Asio authors.
// Distributed under the Boost Software License, Version 1.0.

#include <asyncio/queue.hpp>

#include "test_util.hpp"

#include "sync_util.hpp"

#include <asyncio/error.hpp>
#include <asyncio/sleep.hpp>
#include <asyncio/task.hpp>
#include <asyncio/timeout.hpp>
#include <asyncio/wait_for.hpp>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/bind_executor.hpp>
#include <boost/asio/deferred.hpp>
#include <boost/asio/error.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_future.hpp>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <functional>
#include <future>
#include <memory>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <thread>
#include <utility>
#include <vector>

BOOST_TEST_DONT_PRINT_LOG_VALUE(asyncio::error)

namespace {

using namespace asyncio::test;

// How many turns the queue tests let the loop run to settle: enough for freshly created
// tasks to start and block, and for posted completions to be delivered.
constexpr int settle_rounds = 5;

awaitable<void> settle() {
    return asyncio::test::settle(settle_rounds);
}

// Takes every item left in `q` out without waiting.
template <class Q>
std::vector<typename Q::value_type> drain(Q& q) {
    std::vector<typename Q::value_type> items;
    while (!q.empty())
        items.push_back(q.get_nowait());
    return items;
}

// Gets an item from `q` and appends it to `out`.
awaitable<void> get_into(asyncio::queue<int>& q, std::vector<int>& out) {
    const int v = co_await q.get();
    out.push_back(v);
}

// Puts `v` into `q`, then sets `returned`.
awaitable<void> put_and_flag(asyncio::queue<int>& q, int v, bool& returned) {
    co_await q.put(v);
    returned = true;
}

// The next item of `q`, or nothing once `q` is shut down (and empty, unless shut down
// immediately).
awaitable<std::optional<int>> get_unless_shut_down(asyncio::queue<int>& q) {
    std::optional<int> v;
    try {
        v = co_await q.get();
    } catch (const asyncio::queue_shut_down&) {
    }
    co_return v;
}

// Interleaving `k` of `act()` and `cancel()`: for an even k the action, the cancellation,
// then k / 2 turns of the loop; for an odd k the cancellation, k / 2 turns, the action.
template <class Act, class Cancel>
awaitable<void> interleave(int k, Act act, Cancel cancel) {
    if (k % 2 == 0) {
        act();
        cancel();
        co_await asyncio::test::settle(k / 2);
    } else {
        cancel();
        co_await asyncio::test::settle(k / 2);
        act();
    }
}

// An item type without a default constructor.
struct no_default {
    explicit no_default(int v) : value(v) {}
    int value;
};

BOOST_AUTO_TEST_SUITE(queue)

// --- order and the basic operations --------------------------------------------------

ASYNCIO_TEST_CASE(items_come_out_in_fifo_order) {
    asyncio::queue<int> q;
    co_await q.put(1);
    q.put_nowait(2);
    co_await q.put(3);
    const int four = 4;
    q.put_nowait(four); // the copying overload
    std::vector<int> out;
    out.push_back(co_await q.get());
    out.push_back(q.get_nowait());
    out.push_back(co_await q.get());
    out.push_back(q.get_nowait());
    BOOST_TEST(out == (std::vector<int>{1, 2, 3, 4}));
    BOOST_TEST(q.empty());
}

ASYNCIO_TEST_CASE(put_blocks_at_maxsize_and_resumes_in_fifo_order_when_a_get_makes_room) {
    asyncio::queue<int> q(2);
    co_await q.put(1);
    co_await q.put(2);
    BOOST_TEST(q.full());
    std::vector<int> put_returned;
    auto putter = [&](int v) -> awaitable<void> {
        co_await q.put(v);
        put_returned.push_back(v);
    };
    auto a = co_await asyncio::create_task(putter(3));
    auto b = co_await asyncio::create_task(putter(4));
    auto c = co_await asyncio::create_task(putter(5));
    co_await settle();
    BOOST_TEST(put_returned.empty()); // all three wait for room
    BOOST_TEST(!a.done());
    BOOST_TEST(q.qsize() == 2u);

    BOOST_TEST(q.get_nowait() == 1);
    // The longest-waiting putter's item went in at once, so the room is taken already
    // (no barging past a waiting putter)...
    BOOST_TEST(q.qsize() == 2u);
    BOOST_CHECK_THROW(q.put_nowait(99), asyncio::queue_full);
    // ...but the putter is resumed later, on its own executor.
    BOOST_TEST(put_returned.empty());
    co_await settle();
    BOOST_TEST(put_returned == (std::vector<int>{3}));

    BOOST_TEST(co_await q.get() == 2);
    co_await settle();
    BOOST_TEST(put_returned == (std::vector<int>{3, 4}));
    BOOST_TEST(!c.done());

    std::vector<int> rest;
    for (int i = 0; i < 3; ++i)
        rest.push_back(co_await q.get());
    BOOST_TEST(rest == (std::vector<int>{3, 4, 5}));
    co_await a.wait();
    co_await b.wait();
    co_await c.wait();
    BOOST_TEST(put_returned == (std::vector<int>{3, 4, 5}));
    BOOST_TEST(q.empty());
}

ASYNCIO_TEST_CASE(get_blocks_when_empty_and_an_item_goes_to_the_longest_waiting_getter) {
    asyncio::queue<int> q;
    std::vector<int> got(3, -1);
    std::vector<int> wake_order;
    auto getter = [&](int id) -> awaitable<void> {
        const int v = co_await q.get();
        got[id] = v;
        wake_order.push_back(id);
    };
    std::vector<asyncio::task<void>> getters;
    for (int id = 0; id < 3; ++id)
        getters.push_back(co_await asyncio::create_task(getter(id)));
    co_await settle();
    BOOST_TEST(wake_order.empty()); // all three wait for an item

    q.put_nowait(10);
    // The item went straight to the first getter: it is not in the queue any more,
    // so a get_nowait() cannot steal it...
    BOOST_TEST(q.qsize() == 0u);
    BOOST_CHECK_THROW(q.get_nowait(), asyncio::queue_empty);
    // ...and the getter is resumed later, never inside put_nowait().
    BOOST_TEST(got[0] == -1);

    co_await q.put(20);
    q.put_nowait(30);
    BOOST_TEST(q.empty());
    for (auto& t : getters)
        co_await t.wait();
    BOOST_TEST(got == (std::vector<int>{10, 20, 30}));
    BOOST_TEST(wake_order == (std::vector<int>{0, 1, 2}));
}

ASYNCIO_TEST_CASE(get_and_put_return_without_suspending_when_they_can) {
    bool other_ran = false;
    auto t = co_await asyncio::create_task(set_flag(other_ran)); // only scheduled
    asyncio::queue<int> bounded(2);
    co_await bounded.put(1);
    co_await bounded.put(2);
    const int first = co_await bounded.get();
    asyncio::queue<std::string> unbounded;
    co_await unbounded.put("x");
    const std::string x = co_await unbounded.get();
    // Had any of these suspended, the scheduled task would have run meanwhile.
    BOOST_TEST(!other_ran);
    BOOST_TEST(first == 1);
    BOOST_TEST(x == "x");
    BOOST_TEST(bounded.qsize() == 1u);
    co_await t.wait();
    BOOST_TEST(other_ran);
}

ASYNCIO_TEST_CASE(put_nowait_on_a_full_queue_throws_queue_full_and_leaves_the_item_untouched) {
    asyncio::queue<std::unique_ptr<int>> q(1);
    q.put_nowait(std::make_unique<int>(1));
    auto item = std::make_unique<int>(2);
    const auto e = exception_from([&] { q.put_nowait(std::move(item)); });
    BOOST_TEST(is_a<asyncio::queue_full>(e));
    BOOST_TEST((code_of(e) == asyncio::error::queue_full));
    BOOST_TEST_REQUIRE(item != nullptr); // not moved from
    BOOST_TEST(*item == 2);
    BOOST_TEST(q.qsize() == 1u);
    BOOST_TEST(*q.get_nowait() == 1);

    asyncio::queue<std::string> strings(1);
    strings.put_nowait("a");
    const std::string b = "b";
    BOOST_CHECK_THROW(strings.put_nowait(b), asyncio::queue_full); // the copying overload
    BOOST_TEST(b == "b");
    BOOST_TEST(strings.get_nowait() == "a");
    co_return;
}

ASYNCIO_TEST_CASE(get_nowait_on_an_empty_queue_throws_queue_empty) {
    asyncio::queue<int> q;
    const auto e = exception_from([&] { (void)q.get_nowait(); });
    BOOST_TEST(is_a<asyncio::queue_empty>(e));
    BOOST_TEST((code_of(e) == asyncio::error::queue_empty));
    q.put_nowait(1);
    BOOST_TEST(q.get_nowait() == 1);
    BOOST_CHECK_THROW((void)q.get_nowait(), asyncio::queue_empty);
    co_return;
}

ASYNCIO_TEST_CASE(try_put_and_try_get_neither_wait_nor_throw) {
    asyncio::queue<std::unique_ptr<int>> q(1);
    BOOST_TEST(!q.try_get().has_value());
    BOOST_TEST(q.try_put(std::make_unique<int>(1)));
    auto second = std::make_unique<int>(2);
    BOOST_TEST(!q.try_put(std::move(second))); // full: the item is left untouched
    BOOST_TEST((second && *second == 2));
    auto first = q.try_get();
    BOOST_TEST((first && *first && **first == 1));
    BOOST_TEST(q.empty());
    q.shutdown();
    BOOST_TEST(!q.try_put(std::move(second))); // shut down: refused, untouched
    BOOST_TEST((second && *second == 2));
    BOOST_TEST(!q.try_get().has_value());
    co_return;
}

ASYNCIO_TEST_CASE(try_put_hands_an_item_to_a_waiting_getter) {
    asyncio::queue<int> q;
    auto getter = co_await asyncio::create_task(q.get());
    co_await settle();
    BOOST_TEST(q.try_put(7));
    BOOST_TEST(q.empty()); // handed over, not queued
    BOOST_TEST(!q.try_get().has_value());
    BOOST_TEST(co_await getter.wait() == 7);
    q.task_done();
}

ASYNCIO_TEST_CASE(try_get_makes_room_for_a_blocked_putter) {
    asyncio::queue<int> q(1);
    q.put_nowait(1);
    auto putter = co_await asyncio::create_task(q.put(2));
    co_await settle();
    BOOST_TEST(!putter.done());
    BOOST_TEST((q.try_get() == std::optional<int>(1)));
    BOOST_TEST(q.full()); // the putter's item went in at once
    co_await putter.wait();
    BOOST_TEST((q.try_get() == std::optional<int>(2)));
}

// A ready async_get awaited directly resumes its coroutine inside the operation,
// one nested level deeper each time; the depth is bounded (then the wake-up is
// posted), so a long run of ready items cannot overflow the stack.
ASYNCIO_TEST_CASE(a_long_run_of_ready_async_gets_does_not_grow_the_stack) {
    constexpr int n = 200'000;
    asyncio::queue<int> q;
    for (int i = 0; i < n; ++i)
        q.put_nowait(i);
    long sum = 0;
    for (int i = 0; i < n; ++i) {
        const int v = co_await q.async_get(); // the coroutine's own handler: resumed inline
        if (v != i) {
            BOOST_TEST(false, "item " << i << " came out as " << v);
            co_return;
        }
        sum += v;
    }
    BOOST_TEST(sum == long(n) * (n - 1) / 2);
}

BOOST_AUTO_TEST_CASE(negative_maxsize_throws_invalid_argument) {
    BOOST_CHECK_THROW(asyncio::queue<int>(-1), std::invalid_argument);
    BOOST_CHECK_THROW(asyncio::lifo_queue<int>(-1), std::invalid_argument);
    BOOST_CHECK_THROW(asyncio::priority_queue<int>(-5), std::invalid_argument);
    BOOST_CHECK_NO_THROW(asyncio::queue<int>(0));
}

ASYNCIO_TEST_CASE(maxsize_zero_is_unbounded) {
    asyncio::queue<int> q(0);
    BOOST_TEST(q.maxsize() == 0u);
    for (int i = 0; i < 5000; ++i)
        q.put_nowait(i);
    for (int i = 5000; i < 10000; ++i)
        co_await q.put(i);
    BOOST_TEST(q.qsize() == 10000u);
    BOOST_TEST(!q.full());
    asyncio::queue<int> defaulted;
    BOOST_TEST(defaulted.maxsize() == 0u);
    BOOST_TEST(!defaulted.full());
    long long sum = 0;
    for (int i = 0; i < 10000; ++i) {
        const int v = q.get_nowait();
        BOOST_TEST_REQUIRE(v == i);
        sum += v;
    }
    BOOST_TEST(sum == 9999LL * 10000 / 2);
}

ASYNCIO_TEST_CASE(qsize_empty_full_and_maxsize_track_the_contents) {
    asyncio::queue<int> q(3);
    BOOST_TEST(q.maxsize() == 3u);
    BOOST_TEST(q.qsize() == 0u);
    BOOST_TEST(q.empty());
    BOOST_TEST(!q.full());
    q.put_nowait(1);
    BOOST_TEST(q.qsize() == 1u);
    BOOST_TEST(!q.empty());
    BOOST_TEST(!q.full());
    co_await q.put(2);
    q.put_nowait(3);
    BOOST_TEST(q.qsize() == 3u);
    BOOST_TEST(q.full());
    (void)q.get_nowait();
    BOOST_TEST(q.qsize() == 2u);
    BOOST_TEST(!q.full());
    BOOST_TEST(q.maxsize() == 3u);
}

// --- task_done and join ----------------------------------------------------------------

ASYNCIO_TEST_CASE(task_done_past_zero_throws_invalid_argument) {
    asyncio::queue<int> q;
    BOOST_CHECK_THROW(q.task_done(), std::invalid_argument);
    q.put_nowait(1);
    co_await q.put(2);
    (void)q.get_nowait();
    (void)co_await q.get();
    q.task_done();
    q.task_done();
    BOOST_CHECK_THROW(q.task_done(), std::invalid_argument);
    // The failed call changed nothing: the next item is counted as usual.
    q.put_nowait(3);
    BOOST_CHECK_NO_THROW(q.task_done());
    BOOST_CHECK_THROW(q.task_done(), std::invalid_argument);
}

ASYNCIO_TEST_CASE(join_waits_until_every_item_put_is_marked_done) {
    asyncio::queue<int> q;
    for (int i = 0; i < 3; ++i)
        q.put_nowait(i);
    bool joined = false;
    auto joiner = [&]() -> awaitable<void> {
        co_await q.join();
        joined = true;
    };
    auto j1 = co_await asyncio::create_task(joiner());
    auto j2 = co_await asyncio::create_task(q.join());
    co_await settle();
    BOOST_TEST(!joined);
    // Taking the items out is not enough: each must be marked done.
    for (int i = 0; i < 3; ++i)
        (void)q.get_nowait();
    co_await settle();
    BOOST_TEST(!joined);
    q.task_done();
    q.task_done();
    co_await settle();
    BOOST_TEST(!joined);
    BOOST_TEST(!j2.done());
    q.task_done();
    BOOST_TEST(!joined); // released later, never inside task_done()
    co_await j1.wait();
    co_await j2.wait();
    BOOST_TEST(joined);
}

ASYNCIO_TEST_CASE(join_returns_at_once_when_nothing_is_unfinished) {
    bool other_ran = false;
    auto t = co_await asyncio::create_task(set_flag(other_ran)); // only scheduled
    asyncio::queue<int> q;
    co_await q.join(); // nothing was ever put
    q.put_nowait(1);
    (void)q.get_nowait();
    q.task_done();
    co_await q.join();      // everything put was marked done
    BOOST_TEST(!other_ran); // neither join suspended
    co_await t.wait();
}

// --- shutdown ---------------------------------------------------------------------------

ASYNCIO_TEST_CASE(after_shutdown_put_and_put_nowait_throw_queue_shut_down) {
    asyncio::queue<std::unique_ptr<int>> q;
    q.put_nowait(std::make_unique<int>(1));
    q.shutdown();
    auto item = std::make_unique<int>(2);
    const auto e = exception_from([&] { q.put_nowait(std::move(item)); });
    BOOST_TEST(is_a<asyncio::queue_shut_down>(e));
    BOOST_TEST((code_of(e) == asyncio::error::queue_shut_down));
    BOOST_TEST_REQUIRE(item != nullptr); // left untouched
    BOOST_TEST(*item == 2);
    BOOST_CHECK_THROW(co_await q.put(std::make_unique<int>(3)), asyncio::queue_shut_down);
    BOOST_TEST(q.qsize() == 1u); // nothing went in
    q.shutdown();                // a second shutdown is harmless
    BOOST_TEST(*q.get_nowait() == 1);
}

ASYNCIO_TEST_CASE(shutdown_wakes_blocked_putters_with_queue_shut_down) {
    asyncio::queue<int> q(1);
    q.put_nowait(1);
    auto p1 = co_await asyncio::create_task(q.put(2));
    auto p2 = co_await asyncio::create_task(q.put(3));
    co_await settle();
    BOOST_TEST(!p1.done());
    BOOST_TEST(!p2.done());
    q.shutdown();
    const auto e1 = co_await exception_of(p1.wait());
    const auto e2 = co_await exception_of(p2.wait());
    BOOST_TEST(is_a<asyncio::queue_shut_down>(e1));
    BOOST_TEST(is_a<asyncio::queue_shut_down>(e2));
    // Their items were dropped; the one already in is still there.
    BOOST_TEST(drain(q) == (std::vector<int>{1}));
}

ASYNCIO_TEST_CASE(shutdown_wakes_blocked_getters_with_queue_shut_down) {
    asyncio::queue<int> q;
    std::vector<asyncio::task<int>> getters;
    for (int i = 0; i < 3; ++i)
        getters.push_back(co_await asyncio::create_task(q.get()));
    co_await settle();
    for (auto& t : getters)
        BOOST_TEST(!t.done());
    q.shutdown();
    for (auto& t : getters) {
        const auto e = co_await exception_of(t.wait());
        BOOST_TEST(is_a<asyncio::queue_shut_down>(e));
    }
}

ASYNCIO_TEST_CASE(get_drains_the_remaining_items_after_shutdown_then_throws_queue_shut_down) {
    asyncio::queue<int> q;
    q.put_nowait(1);
    q.put_nowait(2);
    q.put_nowait(3);
    q.shutdown();
    BOOST_TEST(q.qsize() == 3u);
    BOOST_TEST(co_await q.get() == 1);
    BOOST_TEST(q.get_nowait() == 2);
    BOOST_TEST(co_await q.get() == 3);
    BOOST_CHECK_THROW(co_await q.get(), asyncio::queue_shut_down);
    // Not queue_empty: the queue will never get an item again.
    BOOST_CHECK_THROW((void)q.get_nowait(), asyncio::queue_shut_down);
}

ASYNCIO_TEST_CASE(join_still_waits_for_task_done_after_a_plain_shutdown) {
    asyncio::queue<int> q;
    q.put_nowait(1);
    q.put_nowait(2);
    auto j = co_await asyncio::create_task(q.join());
    co_await settle();
    q.shutdown();
    co_await settle();
    BOOST_TEST(!j.done());
    (void)q.get_nowait();
    q.task_done();
    co_await settle();
    BOOST_TEST(!j.done());
    (void)q.get_nowait();
    q.task_done();
    co_await j.wait();
    BOOST_TEST(j.done());
}

ASYNCIO_TEST_CASE(immediate_shutdown_drops_the_items_releases_join_and_fails_get_at_once) {
    asyncio::queue<int> q(3);
    for (int i = 0; i < 3; ++i)
        q.put_nowait(i);
    auto putter = co_await asyncio::create_task(q.put(3)); // blocked: the queue is full
    auto j = co_await asyncio::create_task(q.join());
    co_await settle();
    BOOST_TEST(!putter.done());
    BOOST_TEST(!j.done());
    q.shutdown(true);
    BOOST_TEST(q.qsize() == 0u);
    BOOST_TEST(q.empty());
    co_await j.wait(); // every dropped item counts as done
    const auto e = co_await exception_of(putter.wait());
    BOOST_TEST(is_a<asyncio::queue_shut_down>(e));
    BOOST_CHECK_THROW(co_await q.get(), asyncio::queue_shut_down);
    BOOST_CHECK_THROW((void)q.get_nowait(), asyncio::queue_shut_down);
    BOOST_CHECK_THROW(q.put_nowait(4), asyncio::queue_shut_down);
    BOOST_CHECK_THROW(q.task_done(), std::invalid_argument); // nothing is unfinished
}

ASYNCIO_TEST_CASE(immediate_shutdown_still_waits_for_items_already_taken) {
    asyncio::queue<int> q;
    for (int i = 0; i < 3; ++i)
        q.put_nowait(i);
    BOOST_TEST(q.get_nowait() == 0); // being processed
    auto j = co_await asyncio::create_task(q.join());
    co_await settle();
    q.shutdown(true);
    co_await settle();
    BOOST_TEST(!j.done()); // the item taken is not done yet
    q.task_done();
    co_await j.wait();
    BOOST_CHECK_THROW(q.task_done(), std::invalid_argument);
}

ASYNCIO_TEST_CASE(immediate_shutdown_wakes_blocked_getters_with_queue_shut_down) {
    asyncio::queue<int> q;
    auto g = co_await asyncio::create_task(q.get());
    co_await settle();
    q.shutdown(true);
    const auto e = co_await exception_of(g.wait());
    BOOST_TEST(is_a<asyncio::queue_shut_down>(e));
}

// --- priority and LIFO order -------------------------------------------------------------

ASYNCIO_TEST_CASE(priority_queue_yields_the_smallest_item_first) {
    asyncio::priority_queue<int> q;
    for (int v : {5, 1, 4, 2, 3, 1})
        co_await q.put(v);
    std::vector<int> out;
    while (!q.empty())
        out.push_back(co_await q.get());
    BOOST_TEST(out == (std::vector<int>{1, 1, 2, 3, 4, 5}));
}

ASYNCIO_TEST_CASE(priority_queue_with_std_greater_yields_the_largest_item_first) {
    asyncio::priority_queue<int, std::greater<int>> q;
    for (int v : {5, 1, 4, 2, 3})
        q.put_nowait(v);
    std::vector<int> out;
    while (!q.empty())
        out.push_back(q.get_nowait());
    BOOST_TEST(out == (std::vector<int>{5, 4, 3, 2, 1}));
    co_return;
}

ASYNCIO_TEST_CASE(priority_queue_with_a_stateful_comparator_uses_it) {
    // Order by distance from a pivot held in the comparator.
    struct closest_to {
        int pivot;
        bool operator()(int a, int b) const { return std::abs(a - pivot) < std::abs(b - pivot); }
    };
    asyncio::priority_queue<int, closest_to> q(0, closest_to{10});
    for (int v : {0, 20, 9, 13, 10})
        q.put_nowait(v);
    std::vector<int> out;
    while (!q.empty())
        out.push_back(q.get_nowait());
    BOOST_TEST_REQUIRE(out.size() == 5u);
    BOOST_TEST(out[0] == 10);
    BOOST_TEST(out[1] == 9);
    BOOST_TEST(out[2] == 13);
    co_return;
}

ASYNCIO_TEST_CASE(priority_queue_orders_pair_entries_by_priority_first) {
    asyncio::priority_queue<std::pair<int, std::string>> q;
    co_await q.put({3, "low"});
    co_await q.put({1, "urgent"});
    q.put_nowait({2, "normal-b"});
    q.put_nowait({2, "normal-a"});
    std::vector<std::string> out;
    while (!q.empty()) {
        auto [priority, data] = co_await q.get();
        out.push_back(std::to_string(priority) + ":" + data);
    }
    BOOST_TEST(out == (std::vector<std::string>{"1:urgent", "2:normal-a", "2:normal-b", "3:low"}));
}

ASYNCIO_TEST_CASE(priority_queue_blocked_putter_item_enters_in_priority_order) {
    asyncio::priority_queue<int> q(2);
    q.put_nowait(5);
    q.put_nowait(1);
    auto putter = co_await asyncio::create_task(q.put(0));
    co_await settle();
    BOOST_TEST(!putter.done());
    BOOST_TEST(q.get_nowait() == 1); // the smallest of the items in the queue
    BOOST_TEST(q.get_nowait() == 0); // the putter's item went in, and is now the smallest
    BOOST_TEST(q.get_nowait() == 5);
    co_await putter.wait();
}

ASYNCIO_TEST_CASE(lifo_queue_yields_the_newest_item_first) {
    asyncio::lifo_queue<int> q;
    for (int v = 1; v <= 4; ++v)
        co_await q.put(v);
    std::vector<int> out;
    out.push_back(co_await q.get());
    out.push_back(q.get_nowait());
    q.put_nowait(9);
    while (!q.empty())
        out.push_back(co_await q.get());
    BOOST_TEST(out == (std::vector<int>{4, 3, 9, 2, 1}));
}

ASYNCIO_TEST_CASE(lifo_queue_hands_an_item_to_a_waiting_getter_and_bounds_putters) {
    asyncio::lifo_queue<int> q(1);
    auto g = co_await asyncio::create_task(q.get());
    co_await settle();
    q.put_nowait(7);
    BOOST_TEST(co_await g.wait() == 7);
    q.put_nowait(1);
    BOOST_CHECK_THROW(q.put_nowait(2), asyncio::queue_full);
    BOOST_TEST(q.full());
}

// --- item types ---------------------------------------------------------------------------

ASYNCIO_TEST_CASE(move_only_items_pass_through_every_operation) {
    auto ex = co_await asio::this_coro::executor;
    asyncio::queue<std::unique_ptr<int>> q(1);
    co_await q.put(std::make_unique<int>(1));
    auto one = co_await q.get();
    BOOST_TEST(*one == 1);

    q.put_nowait(std::make_unique<int>(2));
    // A blocked put holds the move-only item until there is room.
    auto putter = co_await asyncio::create_task(q.put(std::make_unique<int>(3)));
    co_await settle();
    BOOST_TEST(!putter.done());
    BOOST_TEST(*q.get_nowait() == 2);
    co_await putter.wait();
    // async_get and async_put with move-only items.
    auto [ec, three] = co_await q.async_get(asio::as_tuple(asio::deferred));
    BOOST_TEST(!ec);
    BOOST_TEST_REQUIRE(three != nullptr);
    BOOST_TEST(*three == 3);
    co_await q.async_put(std::make_unique<int>(4));
    auto four = co_await q.async_get(asio::deferred);
    BOOST_TEST(*four == 4);

    // A blocked get handed a move-only item; and a callback receiving one.
    auto getter = co_await asyncio::create_task(q.get());
    co_await settle();
    q.put_nowait(std::make_unique<int>(5));
    BOOST_TEST(*(co_await getter.wait()) == 5);
    std::unique_ptr<int> from_callback;
    q.async_get(asio::bind_executor(
        ex, [&](error_code, std::unique_ptr<int> p) { from_callback = std::move(p); }));
    co_await q.put(std::make_unique<int>(6));
    co_await settle();
    BOOST_TEST_REQUIRE(from_callback != nullptr);
    BOOST_TEST(*from_callback == 6);

    // The other stores.
    asyncio::lifo_queue<std::unique_ptr<int>> lifo;
    lifo.put_nowait(std::make_unique<int>(1));
    lifo.put_nowait(std::make_unique<int>(2));
    BOOST_TEST(*lifo.get_nowait() == 2);
    auto by_value = [](const std::unique_ptr<int>& a, const std::unique_ptr<int>& b) {
        return *a < *b;
    };
    asyncio::priority_queue<std::unique_ptr<int>, decltype(by_value)> pq(0, by_value);
    pq.put_nowait(std::make_unique<int>(8));
    co_await pq.put(std::make_unique<int>(7));
    BOOST_TEST(*(co_await pq.get()) == 7);
    BOOST_TEST(*pq.get_nowait() == 8);
}

ASYNCIO_TEST_CASE(items_without_a_default_constructor_work_with_get_and_put) {
    asyncio::queue<no_default> q(1);
    co_await q.put(no_default(1));
    BOOST_TEST((co_await q.get()).value == 1);
    // A blocked getter is handed one...
    auto getter = co_await asyncio::create_task(q.get());
    co_await settle();
    co_await q.put(no_default(2));
    BOOST_TEST((co_await getter.wait()).value == 2);
    // ...and a blocked putter keeps one until there is room.
    q.put_nowait(no_default(3));
    auto putter = co_await asyncio::create_task(q.put(no_default(4)));
    co_await settle();
    BOOST_TEST(!putter.done());
    BOOST_TEST(q.get_nowait().value == 3);
    co_await putter.wait();
    BOOST_TEST(q.get_nowait().value == 4);
    // And the shut-down path needs no value either.
    q.shutdown();
    BOOST_CHECK_THROW(co_await q.get(), asyncio::queue_shut_down);
}

// --- cancellation ---------------------------------------------------------------------------

ASYNCIO_TEST_CASE(cancelled_get_never_loses_an_item) {
    asyncio::queue<int> q;
    // With another getter behind: the item goes to it.
    std::vector<int> got_first, got_second;
    auto first = co_await asyncio::create_task(get_into(q, got_first));
    auto second = co_await asyncio::create_task(get_into(q, got_second));
    co_await settle();
    first.cancel();
    const auto e = co_await exception_of(first.wait());
    BOOST_TEST(is_a<asyncio::cancelled_error>(e));
    BOOST_TEST(first.cancelled());
    q.put_nowait(1);
    co_await second.wait();
    BOOST_TEST(got_first.empty());
    BOOST_TEST(got_second == (std::vector<int>{1}));
    BOOST_TEST(q.empty());

    // With no getter behind: the item stays in the queue.
    auto lone = co_await asyncio::create_task(q.get());
    co_await settle();
    lone.cancel();
    const auto e2 = co_await exception_of(lone.wait());
    BOOST_TEST(is_a<asyncio::cancelled_error>(e2));
    q.put_nowait(2);
    BOOST_TEST(q.qsize() == 1u);
    BOOST_TEST(q.get_nowait() == 2);
}

ASYNCIO_TEST_CASE(cancelled_put_never_inserts_its_item) {
    asyncio::queue<int> q(1);
    q.put_nowait(1);
    bool cancelled_returned = false;
    auto a = co_await asyncio::create_task(put_and_flag(q, 2, cancelled_returned));
    auto b = co_await asyncio::create_task(q.put(3));
    co_await settle();
    a.cancel();
    const auto e = co_await exception_of(a.wait());
    BOOST_TEST(is_a<asyncio::cancelled_error>(e));
    BOOST_TEST(!cancelled_returned);
    BOOST_TEST(q.qsize() == 1u);
    // The room made by a get goes to the next putter, not to the cancelled one.
    BOOST_TEST(q.get_nowait() == 1);
    co_await b.wait();
    BOOST_TEST(drain(q) == (std::vector<int>{3}));

    // A lone cancelled putter: after a get, the queue is simply empty.
    q.put_nowait(4);
    auto lone = co_await asyncio::create_task(q.put(5));
    co_await settle();
    lone.cancel();
    const auto e2 = co_await exception_of(lone.wait());
    BOOST_TEST(is_a<asyncio::cancelled_error>(e2));
    BOOST_TEST(drain(q) == (std::vector<int>{4}));
    BOOST_CHECK_THROW((void)q.get_nowait(), asyncio::queue_empty);
}

ASYNCIO_TEST_CASE(cancellation_racing_a_hand_over_to_a_getter_never_loses_nor_duplicates_it) {
    // put_nowait() hands the item to a waiting getter whose task is cancelled around
    // the same time, at several interleavings: the item ends up received by that getter
    // or by the next one, exactly once.
    int received_by_cancelled = 0, received_by_next = 0;
    for (int k = 0; k < 6; ++k) {
        asyncio::queue<int> q;
        std::vector<int> got_first, got_second;
        auto first = co_await asyncio::create_task(get_into(q, got_first));
        auto second = co_await asyncio::create_task(get_into(q, got_second));
        co_await settle();
        auto hand_over = [&] { q.put_nowait(42); };
        auto cancel = [&] { first.cancel(); };
        co_await interleave(k, hand_over, cancel);
        const auto e = co_await exception_of(first.wait());
        co_await settle();
        if (got_first.empty())
            BOOST_TEST(is_a<asyncio::cancelled_error>(e));
        else
            BOOST_TEST(!e);
        std::vector<int> all = got_first;
        all.insert(all.end(), got_second.begin(), got_second.end());
        const auto left = drain(q);
        all.insert(all.end(), left.begin(), left.end());
        BOOST_TEST(all == (std::vector<int>{42}), "interleaving " << k);
        BOOST_TEST(left.empty()); // a waiting getter takes it: it never lingers in the queue
        received_by_cancelled += static_cast<int>(got_first.size());
        received_by_next += static_cast<int>(got_second.size());
        if (!second.done()) {
            second.cancel();
            const auto e2 = co_await exception_of(second.wait());
            BOOST_TEST(is_a<asyncio::cancelled_error>(e2));
        }
    }
    BOOST_TEST(received_by_cancelled + received_by_next == 6);
    BOOST_WARN(received_by_cancelled > 0); // both outcomes were exercised
    BOOST_WARN(received_by_next > 0);
}

ASYNCIO_TEST_CASE(cancellation_racing_room_for_a_putter_never_loses_nor_duplicates_its_item) {
    // get_nowait() makes room for a waiting putter whose task is cancelled around the
    // same time: the item is in the queue exactly when the put returned.
    int went_in = 0, withdrawn = 0;
    for (int k = 0; k < 6; ++k) {
        asyncio::queue<int> q(1);
        q.put_nowait(1);
        bool put_returned = false;
        auto p = co_await asyncio::create_task(put_and_flag(q, 2, put_returned));
        co_await settle();
        auto make_room = [&] { BOOST_TEST(q.get_nowait() == 1); };
        auto cancel = [&] { p.cancel(); };
        co_await interleave(k, make_room, cancel);
        const auto e = co_await exception_of(p.wait());
        const auto left = drain(q);
        if (put_returned) {
            BOOST_TEST(!e);
            BOOST_TEST(left == (std::vector<int>{2}), "interleaving " << k);
            ++went_in;
        } else {
            BOOST_TEST(is_a<asyncio::cancelled_error>(e));
            BOOST_TEST(left.empty(), "interleaving " << k);
            ++withdrawn;
        }
    }
    BOOST_TEST(went_in + withdrawn == 6);
    BOOST_WARN(went_in > 0);
    BOOST_WARN(withdrawn > 0);
}

ASYNCIO_TEST_CASE(async_get_put_and_join_are_withdrawn_by_every_cancellation_type) {
    for (auto type : {asio::cancellation_type::terminal, asio::cancellation_type::partial,
                      asio::cancellation_type::total}) {
        asyncio::queue<int> q(1);

        auto get = [&](auto handler) { q.async_get(std::move(handler)); };
        co_await expect_withdrawn_by(type, get, settle_rounds);
        q.put_nowait(1);
        BOOST_TEST(q.qsize() == 1u); // the withdrawn get took nothing

        auto put = [&](auto handler) { q.async_put(2, std::move(handler)); };
        co_await expect_withdrawn_by(type, put, settle_rounds);
        BOOST_TEST(drain(q) == (std::vector<int>{1})); // the withdrawn put inserted nothing

        auto join = [&](auto handler) { q.async_join(std::move(handler)); };
        co_await expect_withdrawn_by(type, join, settle_rounds); // one item is not done
        q.task_done();
    }
}

ASYNCIO_TEST_CASE(get_and_put_under_wait_for_and_timeout_give_up_without_taking_or_inserting) {
    asyncio::queue<int> q(1);
    BOOST_CHECK_THROW(co_await asyncio::wait_for(q.get(), 10ms), asyncio::timeout_error);
    BOOST_CHECK_THROW(co_await asyncio::timeout(10ms, q.get()), asyncio::timeout_error);
    q.put_nowait(1);
    BOOST_TEST(q.qsize() == 1u); // the timed-out gets took nothing
    // The queue is full now: a put times out and inserts nothing.
    BOOST_CHECK_THROW(co_await asyncio::wait_for(q.put(2), 10ms), asyncio::timeout_error);
    BOOST_CHECK_THROW(co_await asyncio::timeout(10ms, q.put(3)), asyncio::timeout_error);
    BOOST_TEST(q.qsize() == 1u);
    BOOST_TEST(co_await asyncio::wait_for(q.get(), 1s) == 1);
    BOOST_TEST(q.empty());

    // An item arriving in time is returned.
    auto producer = [&q]() -> awaitable<void> {
        co_await asyncio::sleep(5ms);
        q.put_nowait(4);
    };
    auto p = co_await asyncio::create_task(producer());
    asyncio::test::stopwatch clock;
    BOOST_TEST(co_await asyncio::timeout(5s, q.get()) == 4);
    BOOST_TEST(clock.seconds() < 2.0);
    co_await p.wait();
    co_await asyncio::wait_for(q.put(5), 1s);
    BOOST_TEST(q.get_nowait() == 5);
}

// --- Asio tokens ---------------------------------------------------------------------------

ASYNCIO_TEST_CASE(callbacks_run_on_their_executor_never_inline_even_when_ready) {
    auto ex = co_await asio::this_coro::executor;
    asyncio::queue<int> q(1);

    std::optional<error_code> put_ec;
    q.async_put(7, store_code(ex, put_ec));
    BOOST_TEST(q.qsize() == 1u);     // the item went in at once...
    BOOST_TEST(!put_ec.has_value()); // ...but the handler is posted
    co_await settle();
    BOOST_TEST_REQUIRE(put_ec.has_value());
    BOOST_TEST(!*put_ec);

    std::optional<int> got;
    q.async_get(asio::bind_executor(ex, [&](error_code ec, int v) {
        BOOST_TEST(!ec);
        got = v;
    }));
    BOOST_TEST(q.empty());
    BOOST_TEST(!got.has_value());
    co_await settle();
    BOOST_TEST((got == 7));

    q.task_done();
    std::optional<error_code> join_ec;
    q.async_join(store_code(ex, join_ec));
    BOOST_TEST(!join_ec.has_value()); // nothing unfinished, still posted
    co_await settle();
    BOOST_TEST_REQUIRE(join_ec.has_value());
    BOOST_TEST(!*join_ec);
}

ASYNCIO_TEST_CASE(callbacks_wait_for_an_item_for_room_and_for_task_done) {
    auto ex = co_await asio::this_coro::executor;
    asyncio::queue<int> q(1);

    std::optional<int> got;
    q.async_get(asio::bind_executor(ex, [&](error_code ec, int v) {
        BOOST_TEST(!ec);
        got = v;
    }));
    co_await settle();
    BOOST_TEST(!got.has_value());
    co_await q.put(8);
    BOOST_TEST(q.empty()); // handed to the waiting callback
    co_await settle();
    BOOST_TEST((got == 8));

    q.put_nowait(9);
    std::optional<error_code> put_ec;
    q.async_put(10, store_code(ex, put_ec));
    co_await settle();
    BOOST_TEST(!put_ec.has_value());
    BOOST_TEST(q.get_nowait() == 9);
    co_await settle();
    BOOST_TEST_REQUIRE(put_ec.has_value());
    BOOST_TEST(!*put_ec);
    BOOST_TEST(q.get_nowait() == 10);

    std::optional<error_code> join_ec;
    q.async_join(store_code(ex, join_ec));
    for (int i = 0; i < 2; ++i) {
        q.task_done();
        co_await settle();
        BOOST_TEST(!join_ec.has_value());
    }
    q.task_done(); // the third item (8, 9, 10)
    co_await settle();
    BOOST_TEST_REQUIRE(join_ec.has_value());
    BOOST_TEST(!*join_ec);
}

ASYNCIO_TEST_CASE(async_operations_report_queue_shut_down_through_the_error_code) {
    auto ex = co_await asio::this_coro::executor;
    asyncio::queue<int> q(1);
    q.put_nowait(1);
    std::optional<error_code> blocked_put_ec;
    q.async_put(2, store_code(ex, blocked_put_ec));
    co_await settle();
    q.shutdown();
    co_await settle();
    BOOST_TEST_REQUIRE(blocked_put_ec.has_value());
    BOOST_TEST(*blocked_put_ec == asyncio::error::queue_shut_down);

    std::optional<error_code> late_put_ec;
    q.async_put(3, store_code(ex, late_put_ec));
    std::optional<error_code> get_ec1, get_ec2;
    int v1 = -1, v2 = -1;
    q.async_get(asio::bind_executor(ex, [&](error_code ec, int v) {
        get_ec1 = ec;
        v1 = v;
    }));
    q.async_get(asio::bind_executor(ex, [&](error_code ec, int v) {
        get_ec2 = ec;
        v2 = v;
    }));
    co_await settle();
    BOOST_TEST_REQUIRE(late_put_ec.has_value());
    BOOST_TEST(*late_put_ec == asyncio::error::queue_shut_down);
    BOOST_TEST_REQUIRE(get_ec1.has_value());
    BOOST_TEST(!*get_ec1); // drains the item left
    BOOST_TEST(v1 == 1);
    BOOST_TEST_REQUIRE(get_ec2.has_value());
    BOOST_TEST(*get_ec2 == asyncio::error::queue_shut_down);
    BOOST_TEST(v2 == 0); // default-constructed
}

ASYNCIO_TEST_CASE(async_get_and_async_put_work_with_deferred_and_as_tuple_deferred) {
    asyncio::queue<std::string> q;
    co_await q.async_put("a"); // deferred is the default token
    co_await q.async_put("b", asio::deferred);
    co_await q.async_put("c", asio::as_tuple(asio::deferred));
    const std::string a = co_await q.async_get();
    BOOST_TEST(a == "a");
    const std::string b = co_await q.async_get(asio::deferred);
    BOOST_TEST(b == "b");
    auto [ec, c] = co_await q.async_get(asio::as_tuple(asio::deferred));
    BOOST_TEST(!ec);
    BOOST_TEST(c == "c");

    // A deferred operation starts only when awaited.
    auto op = q.async_get(asio::deferred);
    q.put_nowait("d");
    BOOST_TEST(q.qsize() == 1u);
    BOOST_TEST(co_await std::move(op) == "d");

    q.shutdown();
    auto [get_ec, empty] = co_await q.async_get(asio::as_tuple(asio::deferred));
    BOOST_TEST(get_ec == asyncio::error::queue_shut_down);
    BOOST_TEST(empty.empty());
    auto [put_ec] = co_await q.async_put("e", asio::as_tuple(asio::deferred));
    BOOST_TEST(put_ec == asyncio::error::queue_shut_down);
    BOOST_CHECK_EXCEPTION(co_await q.async_get(), boost::system::system_error,
                          [](const boost::system::system_error& e) {
                              return e.code() == asyncio::error::queue_shut_down;
                          });
}

ASYNCIO_TEST_CASE(parallel_group_races_a_get_against_a_timer) {
    // The get bound to the loop's executor (the unbound form is
    // unbound_deferred_get_in_a_parallel_group_completes_on_the_loop_thread).
    auto ex = co_await asio::this_coro::executor;
    const auto loop_thread = std::this_thread::get_id();
    asyncio::queue<int> q;
    std::mutex m;
    std::vector<std::thread::id> threads;
    {
        // The timer wins: the get is withdrawn and takes nothing.
        asio::steady_timer timer(ex, 10ms);
        auto race = race_with_timer(asio::bind_executor(ex, q.async_get(asio::deferred)), timer,
                                    wait_for_one_recording_threads{&m, &threads});
        auto [order, get_ec, value, timer_ec] = co_await std::move(race);
        BOOST_TEST(order[0] == 1u);
        BOOST_TEST(get_ec == asio::error::operation_aborted);
        BOOST_TEST(value == 0);
        BOOST_TEST(!timer_ec);
        q.put_nowait(5);
        BOOST_TEST(q.qsize() == 1u); // the withdrawn get took nothing
        BOOST_TEST(q.get_nowait() == 5);
    }
    {
        // The get wins: the timer is cancelled.
        asio::steady_timer timer(ex, 5s);
        auto producer = [&q]() -> awaitable<void> {
            co_await asyncio::sleep(5ms);
            q.put_nowait(6);
        };
        auto p = co_await asyncio::create_task(producer());
        auto race = race_with_timer(asio::bind_executor(ex, q.async_get(asio::deferred)), timer,
                                    wait_for_one_recording_threads{&m, &threads});
        auto [order, get_ec, value, timer_ec] = co_await std::move(race);
        BOOST_TEST(order[0] == 0u);
        BOOST_TEST(!get_ec);
        BOOST_TEST(value == 6);
        BOOST_TEST(timer_ec == asio::error::operation_aborted);
        co_await p.wait();
        BOOST_TEST(q.empty());
    }
    {
        // An item already there: the get wins at once.
        q.put_nowait(7);
        asio::steady_timer timer(ex, 5s);
        auto race = race_with_timer(asio::bind_executor(ex, q.async_get(asio::deferred)), timer,
                                    wait_for_one_recording_threads{&m, &threads});
        auto [order, get_ec, value, timer_ec] = co_await std::move(race);
        BOOST_TEST(order[0] == 0u);
        BOOST_TEST(!get_ec);
        BOOST_TEST(value == 7);
        BOOST_TEST(timer_ec == asio::error::operation_aborted);
    }
    std::lock_guard<std::mutex> guard(m);
    BOOST_TEST(threads.size() == 6u);
    for (const auto& id : threads)
        BOOST_TEST((id == loop_thread));
}

ASYNCIO_TEST_CASE(unbound_deferred_get_in_a_parallel_group_completes_on_the_loop_thread) {
    // In `make_parallel_group(q.async_get(deferred), timer.async_wait(deferred))` Asio
    // 1.26 gives the get a handler with no associated executor. Were it completed on the
    // system_executor, the group's bookkeeping, its cancellation of the timer and the
    // dispatch of its completion into the loop would run on a foreign thread, and
    // asyncio::run could destroy the io_context while that thread still held a tracked
    // executor of it (an intermittent SIGSEGV under ThreadSanitizer, seen with an earlier
    // version). It completes on the loop that started it.
    auto ex = co_await asio::this_coro::executor;
    const auto loop_thread = std::this_thread::get_id();
    asyncio::queue<int> q;
    asio::steady_timer timer(ex, 5ms);
    std::mutex m;
    std::vector<std::thread::id> threads;
    auto race = race_with_timer(q.async_get(asio::deferred), timer,
                                wait_for_one_recording_threads{&m, &threads});
    auto [order, get_ec, value, timer_ec] = co_await std::move(race);
    co_await asyncio::sleep(20ms); // let a foreign thread leave the loop alone before it ends
    BOOST_TEST(order[0] == 1u);
    BOOST_TEST(get_ec == asio::error::operation_aborted);
    BOOST_TEST(value == 0);
    BOOST_TEST(!timer_ec);
    q.put_nowait(1);
    BOOST_TEST(q.qsize() == 1u); // the withdrawn get took nothing
    std::lock_guard<std::mutex> guard(m);
    BOOST_TEST(threads.size() == 2u);
    for (const auto& id : threads)
        BOOST_TEST((id == loop_thread),
                   "an operation of the group completed on a thread that does not run the loop");
}

ASYNCIO_TEST_CASE(callbacks_without_an_executor_complete_on_the_loop_that_started_them) {
    const auto loop_thread = std::this_thread::get_id();
    asyncio::queue<int> q(1);
    std::optional<std::thread::id> put_thread, ready_get_thread, waiting_get_thread, join_thread;
    int got = -1;
    q.async_put(1, [&](error_code ec) {
        BOOST_TEST(!ec);
        put_thread = std::this_thread::get_id();
    });
    q.async_get([&](error_code ec, int v) {
        BOOST_TEST(!ec);
        got = v;
        ready_get_thread = std::this_thread::get_id();
    });
    BOOST_TEST(!put_thread.has_value()); // posted, never inline
    BOOST_TEST(!ready_get_thread.has_value());
    co_await settle();
    BOOST_TEST(got == 1);
    q.async_get([&](error_code ec, int v) {
        BOOST_TEST(!ec);
        got = v;
        waiting_get_thread = std::this_thread::get_id();
    });
    co_await settle();
    BOOST_TEST(!waiting_get_thread.has_value());
    q.put_nowait(2);
    q.async_join([&](error_code ec) {
        BOOST_TEST(!ec);
        join_thread = std::this_thread::get_id();
    });
    co_await settle();
    BOOST_TEST(got == 2);
    BOOST_TEST(!join_thread.has_value());
    q.task_done();
    q.task_done();
    co_await settle();
    BOOST_TEST_REQUIRE(put_thread.has_value());
    BOOST_TEST_REQUIRE(ready_get_thread.has_value());
    BOOST_TEST_REQUIRE(waiting_get_thread.has_value());
    BOOST_TEST_REQUIRE(join_thread.has_value());
    BOOST_TEST((*put_thread == loop_thread));
    BOOST_TEST((*ready_get_thread == loop_thread));
    BOOST_TEST((*waiting_get_thread == loop_thread));
    BOOST_TEST((*join_thread == loop_thread));
}

BOOST_AUTO_TEST_CASE(use_future_works_with_a_raw_io_context_on_another_thread) {
    asio::io_context ctx;
    asyncio::queue<int> q(1);
    auto producer = [&q]() -> awaitable<void> {
        for (int i = 1; i <= 3; ++i)
            co_await q.put(i);
    };
    auto first = q.async_get(asio::use_future); // waits: the queue is empty
    auto t = asyncio::create_task(ctx, producer());
    {
        asyncio::test::watchdog dog;
        std::thread loop([&] { ctx.run(); });
        BOOST_TEST(first.get() == 1);
        BOOST_TEST(q.async_get(asio::use_future).get() == 2);
        BOOST_TEST(q.async_get(asio::use_future).get() == 3);
        loop.join(); // the loop runs out of work once the producer is done
    }
    BOOST_CHECK_NO_THROW(t.result());

    q.async_put(4, asio::use_future).get();
    BOOST_TEST(q.get_nowait() == 4);
    auto joined = q.async_join(asio::use_future);
    for (int i = 0; i < 3; ++i)
        q.task_done();
    BOOST_TEST((joined.wait_for(20ms) == std::future_status::timeout)); // one left
    q.task_done();
    {
        asyncio::test::watchdog dog;
        BOOST_CHECK_NO_THROW(joined.get());
    }
    q.shutdown();
    // The error path through a plain callback (it runs on the system_executor): an
    // exception thrown through a use_future future would be freed on the
    // system_context's thread by libstdc++'s uninstrumented reference count, which
    // ThreadSanitizer reports as a race (and Asio 1.26 cannot combine as_tuple with
    // use_future).
    auto failed = std::make_shared<std::promise<std::pair<error_code, int>>>();
    auto result = failed->get_future();
    q.async_get([failed](error_code ec, int v) { failed->set_value({ec, v}); });
    const auto [ec, value] = result.get();
    BOOST_TEST(ec == asyncio::error::queue_shut_down);
    BOOST_TEST(value == 0);
}

ASYNCIO_TEST_CASE(destroying_a_queue_completes_pending_callbacks_with_operation_aborted) {
    auto ex = co_await asio::this_coro::executor;
    std::optional<error_code> get_ec, put_ec, join_ec;
    int get_value = -1;
    {
        asyncio::queue<int> empty_queue;
        empty_queue.async_get(asio::bind_executor(ex, [&](error_code ec, int v) {
            get_ec = ec;
            get_value = v;
        }));
        asyncio::queue<int> full_queue(1);
        full_queue.put_nowait(1);
        full_queue.async_put(2, store_code(ex, put_ec));
        full_queue.async_join(store_code(ex, join_ec));
        co_await settle();
        BOOST_TEST(!get_ec.has_value());
        BOOST_TEST(!put_ec.has_value());
        BOOST_TEST(!join_ec.has_value());
    }
    BOOST_TEST(!get_ec.has_value()); // posted, not run inside the destructor
    co_await settle();
    BOOST_TEST_REQUIRE(get_ec.has_value());
    BOOST_TEST(*get_ec == asio::error::operation_aborted);
    BOOST_TEST(get_value == 0);
    BOOST_TEST_REQUIRE(put_ec.has_value());
    BOOST_TEST(*put_ec == asio::error::operation_aborted);
    BOOST_TEST_REQUIRE(join_ec.has_value());
    BOOST_TEST(*join_ec == asio::error::operation_aborted);
}

// --- several threads ------------------------------------------------------------------------

ASYNCIO_TEST_CASE_OPTS(producers_and_consumers_on_four_threads_move_every_item_exactly_once,
                       .threads = 4) {
    constexpr int producers = 4, consumers = 4, per_producer = 10000;
    constexpr int total = producers * per_producer;
    asyncio::queue<int> q(16);
    std::vector<std::atomic<int>> seen(total);
    std::atomic<long long> sum{0};
    auto producer = [&q](int p) -> awaitable<void> {
        for (int i = 0; i < per_producer; ++i) {
            const int v = p * per_producer + i;
            if (i % 3 == 0) {
                try {
                    q.put_nowait(v);
                    continue;
                } catch (const asyncio::queue_full&) {
                }
            }
            co_await q.put(v);
        }
    };
    auto consumer = [&]() -> awaitable<int> {
        int n = 0;
        for (;;) {
            const auto item = co_await get_unless_shut_down(q);
            if (!item)
                break;
            const int v = *item;
            if (v >= 0 && v < total)
                seen[v].fetch_add(1);
            sum += v;
            ++n;
            q.task_done();
        }
        co_return n;
    };
    std::vector<asyncio::task<void>> ps;
    std::vector<asyncio::task<int>> cs;
    for (int c = 0; c < consumers; ++c)
        cs.push_back(co_await asyncio::create_task(consumer()));
    for (int p = 0; p < producers; ++p)
        ps.push_back(co_await asyncio::create_task(producer(p)));
    for (auto& t : ps)
        co_await t.wait();
    co_await q.join(); // every item was received and marked done
    q.shutdown();
    int received = 0;
    for (auto& t : cs)
        received += co_await t.wait();
    ASYNCIO_CHECK_EQUAL(received, total);
    ASYNCIO_CHECK_EQUAL(sum.load(), static_cast<long long>(total - 1) * total / 2);
    int wrong = 0;
    for (auto& s : seen)
        wrong += s.load() != 1;
    ASYNCIO_CHECK_EQUAL(wrong, 0);
    ASYNCIO_CHECK(q.empty());
}

ASYNCIO_TEST_CASE_OPTS(join_with_task_done_from_several_threads, .threads = 4) {
    constexpr int n = 20000, workers = 8;
    asyncio::queue<int> q;
    for (int i = 0; i < n; ++i)
        q.put_nowait(i);
    std::atomic<int> processed{0};
    auto worker = [&]() -> awaitable<void> {
        for (;;) {
            const auto item = co_await get_unless_shut_down(q);
            if (!item)
                break;
            const int v = *item;
            if (v % 16 == 0)
                co_await asyncio::sleep(0s);
            ++processed;
            q.task_done();
        }
    };
    std::atomic<int> joiners_released{0};
    auto joiner = [&]() -> awaitable<void> {
        co_await q.join();
        ASYNCIO_CHECK_EQUAL(processed.load(), n); // not released before the last task_done
        ++joiners_released;
    };
    std::vector<asyncio::task<void>> joiners;
    for (int i = 0; i < 3; ++i)
        joiners.push_back(co_await asyncio::create_task(joiner()));
    std::vector<asyncio::task<void>> ws;
    for (int i = 0; i < workers; ++i)
        ws.push_back(co_await asyncio::create_task(worker()));
    co_await q.join();
    ASYNCIO_CHECK_EQUAL(processed.load(), n);
    for (auto& t : joiners)
        co_await t.wait();
    ASYNCIO_CHECK_EQUAL(joiners_released.load(), 3);
    q.shutdown();
    for (auto& t : ws)
        co_await t.wait();
    bool threw = false;
    try {
        q.task_done();
    } catch (const std::invalid_argument&) {
        threw = true;
    }
    ASYNCIO_CHECK(threw);
}

ASYNCIO_TEST_CASE_OPTS(cancelled_getters_on_four_threads_never_lose_nor_duplicate_items,
                       .threads = 4) {
    constexpr int n = 2000;
    asyncio::queue<int> q;
    std::vector<std::atomic<int>> seen(n);
    auto getter = [&]() -> awaitable<void> {
        const int v = co_await q.get();
        seen[v].fetch_add(1);
    };
    std::vector<asyncio::task<void>> getters;
    for (int i = 0; i < n; ++i)
        getters.push_back(co_await asyncio::create_task(getter()));
    auto producer = [&q](int from, int to) -> awaitable<void> {
        for (int i = from; i < to; ++i) {
            if (i % 7 == 0)
                co_await asyncio::sleep(0s);
            q.put_nowait(i);
        }
    };
    std::vector<asyncio::task<void>> helpers;
    helpers.push_back(co_await asyncio::create_task(producer(0, n / 2)));
    for (int i = 1; i < n; i += 2)
        helpers.push_back(co_await asyncio::create_task(cancel_after(getters[i], i % 5)));
    helpers.push_back(co_await asyncio::create_task(producer(n / 2, n)));
    for (auto& t : helpers)
        co_await t.wait();
    const auto ended = co_await endings_of(getters);
    ASYNCIO_CHECK_EQUAL(ended.failed, 0); // every getter that failed was cancelled
    ASYNCIO_CHECK_EQUAL(ended.cancelled + ended.finished, n);
    // What the cancelled getters did not take is still in the queue.
    for (int v : drain(q))
        seen[v].fetch_add(1);
    int wrong = 0;
    for (auto& s : seen)
        wrong += s.load() != 1;
    ASYNCIO_CHECK_EQUAL(wrong, 0);
}

ASYNCIO_TEST_CASE_OPTS(cancelled_putters_on_four_threads_never_insert_their_items, .threads = 4) {
    constexpr int n = 2000;
    asyncio::queue<int> q(4);
    std::vector<std::atomic<int>> put_returned(n);
    std::vector<std::atomic<int>> received(n);
    auto putter = [&](int v) -> awaitable<void> {
        co_await q.put(v);
        put_returned[v].store(1);
    };
    auto consumer = [&]() -> awaitable<void> {
        for (int i = 0;; ++i) {
            const auto item = co_await get_unless_shut_down(q);
            if (!item)
                break;
            const int v = *item;
            received[v].fetch_add(1);
            if (i % 5 == 0)
                co_await asyncio::sleep(0s);
        }
    };
    std::vector<asyncio::task<void>> putters, cancellers;
    for (int i = 0; i < n; ++i)
        putters.push_back(co_await asyncio::create_task(putter(i)));
    for (int i = 0; i < n; i += 2)
        cancellers.push_back(co_await asyncio::create_task(cancel_after(putters[i], i % 5)));
    auto c1 = co_await asyncio::create_task(consumer());
    auto c2 = co_await asyncio::create_task(consumer());
    for (auto& t : cancellers)
        co_await t.wait();
    const auto ended = co_await endings_of(putters);
    ASYNCIO_CHECK_EQUAL(ended.failed, 0); // every putter that failed was cancelled
    q.shutdown();                         // the consumers drain what is left, then stop
    co_await c1.wait();
    co_await c2.wait();
    int mismatched = 0, inserted = 0;
    for (int v = 0; v < n; ++v) {
        inserted += put_returned[v].load();
        mismatched += received[v].load() != put_returned[v].load();
    }
    ASYNCIO_CHECK_EQUAL(mismatched, 0); // received exactly once iff its put returned
    ASYNCIO_CHECK_EQUAL(inserted + ended.cancelled, n);
    ASYNCIO_CHECK(q.empty());
}

BOOST_AUTO_TEST_SUITE_END()

} // namespace
