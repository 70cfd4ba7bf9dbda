// Copyright (c) 2026 The asyncio for Asio authors.
// Distributed under the Boost Software License, Version 1.0.

#include <asyncio/condition.hpp>

#include "test_util.hpp"

#include "sync_util.hpp"

#include <asyncio/error.hpp>
#include <asyncio/lock.hpp>
#include <asyncio/sleep.hpp>
#include <asyncio/task.hpp>
#include <asyncio/timeout.hpp>
#include <asyncio/wait_for.hpp>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/bind_executor.hpp>
#include <boost/asio/deferred.hpp>
#include <boost/asio/error.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_future.hpp>

#include <atomic>
#include <chrono>
#include <deque>
#include <future>
#include <memory>
#include <optional>
#include <thread>
#include <tuple>
#include <utility>
#include <vector>

namespace {

using namespace asyncio::test;

// Single-threaded waiter: holds the lock, counts itself waiting, waits, then records
// `id` (still holding the lock, which the guard releases on return or on error).
awaitable<void> wait_then_record(asyncio::condition& c, int id, int& waiting,
                                 std::vector<int>& woke) {
    auto guard = co_await c.scoped_acquire();
    ++waiting;
    co_await c.wait();
    BOOST_TEST(c.locked());
    woke.push_back(id);
}

// Notifies `n` waiters of `c`, holding its lock.
awaitable<void> notify_holding_the_lock(asyncio::condition& c, std::size_t n) {
    auto guard = co_await c.scoped_acquire();
    c.notify(n);
}

// Starts `n` wait_then_record waiters with ids 0 to n - 1 and waits until all of them
// wait (`woke` collects their ids as they are woken).
awaitable<std::vector<asyncio::task<void>>> start_waiters(asyncio::condition& c, int n,
                                                          int& waiting, std::vector<int>& woke) {
    std::vector<asyncio::task<void>> tasks;
    for (int i = 0; i < n; ++i)
        tasks.push_back(co_await asyncio::create_task(wait_then_record(c, i, waiting, woke)));
    auto all_waiting = [&] { return waiting == n; };
    BOOST_TEST(co_await eventually(all_waiting));
    co_return tasks;
}

// Notifies one waiter of `c`, holding its lock. Started while the caller holds the lock
// and then waits, it notifies only once that wait released the lock, so after the wait.
awaitable<void> notify_one_once_the_lock_is_free(asyncio::condition& c) {
    co_await notify_holding_the_lock(c, 1);
}

// Starts `waiter` (which must outlive the task) and checks that it soon sets `waiting`,
// which it does once it holds the lock, just before it waits.
template <class Waiter>
awaitable<asyncio::task<void>> start_waiter(Waiter& waiter, const bool& waiting) {
    auto t = co_await asyncio::create_task(waiter());
    auto is_waiting = [&] { return waiting; };
    BOOST_TEST(co_await eventually(is_waiting));
    co_return t;
}

BOOST_AUTO_TEST_SUITE(condition)

// --- bad state ----------------------------------------------------------------------

ASYNCIO_TEST_CASE(wait_without_holding_the_lock_throws_invalid_state_error) {
    asyncio::condition c;
    BOOST_CHECK_THROW(co_await c.wait(), asyncio::invalid_state_error);
    BOOST_TEST(!c.locked()); // nothing was taken
    auto never = [] { return false; };
    auto w = c.wait_for(never);
    BOOST_CHECK_THROW(co_await std::move(w), asyncio::invalid_state_error);
    BOOST_TEST(!c.locked());
    // The condition is still usable.
    co_await c.acquire();
    BOOST_TEST(c.locked());
    c.release();
    BOOST_TEST(!c.locked());
}

ASYNCIO_TEST_CASE(async_wait_without_holding_the_lock_completes_with_invalid_state) {
    auto ex = co_await asio::this_coro::executor;
    asyncio::condition c;
    std::optional<error_code> got;
    c.async_wait(store_code(ex, got));
    BOOST_TEST(!got); // posted, not called inside async_wait
    auto called = [&] { return got.has_value(); };
    BOOST_TEST(co_await eventually(called));
    BOOST_TEST((*got == asyncio::error::invalid_state));
    BOOST_TEST(!c.locked());

    auto tuple_op = c.async_wait(asio::as_tuple(asio::deferred));
    auto [ec] = co_await std::move(tuple_op);
    BOOST_TEST((ec == asyncio::error::invalid_state));
    BOOST_TEST(!c.locked());

    auto op = c.async_wait(asio::deferred);
    const auto e = co_await exception_of(std::move(op));
    BOOST_TEST(is_a<boost::system::system_error>(e));
    BOOST_TEST((code_of(e) == asyncio::error::invalid_state));
}

ASYNCIO_TEST_CASE(notify_and_notify_all_without_holding_the_lock_throw_invalid_state_error) {
    asyncio::condition c;
    BOOST_CHECK_THROW(c.notify(), asyncio::invalid_state_error);
    BOOST_CHECK_THROW(c.notify(3), asyncio::invalid_state_error);
    BOOST_CHECK_THROW(c.notify_all(), asyncio::invalid_state_error);
    BOOST_TEST(!c.locked());
    // With the lock held and no waiter, they do nothing.
    co_await c.acquire();
    BOOST_CHECK_NO_THROW(c.notify());
    BOOST_CHECK_NO_THROW(c.notify_all());
    c.release();
    BOOST_CHECK_THROW(c.release(), asyncio::invalid_state_error);
}

// --- normal path --------------------------------------------------------------------

ASYNCIO_TEST_CASE(wait_releases_the_lock_while_waiting) {
    asyncio::condition c;
    int waiting = 0;
    std::vector<int> woke;
    auto tasks = co_await start_waiters(c, 1, waiting, woke);
    BOOST_TEST(!c.locked());
    BOOST_TEST(c.try_acquire()); // free for others while the waiter waits
    c.notify();
    c.release();
    co_await tasks[0].wait();
    BOOST_TEST(woke == (std::vector<int>{0}));
    BOOST_TEST(!c.locked());
}

ASYNCIO_TEST_CASE(notify_n_wakes_exactly_n_waiters_in_fifo_order) {
    asyncio::condition c;
    int waiting = 0;
    std::vector<int> woke;
    auto tasks = co_await start_waiters(c, 5, waiting, woke);

    // After each notify, settle(): the woken waiters re-acquire the lock in turn and
    // record themselves, and any waiter woken by mistake would too.
    co_await notify_holding_the_lock(c, 2);
    co_await settle();
    BOOST_TEST(woke == (std::vector<int>{0, 1}));

    co_await notify_holding_the_lock(c, 0);
    co_await settle();
    BOOST_TEST(woke == (std::vector<int>{0, 1}));

    co_await notify_holding_the_lock(c, 1);
    co_await settle();
    BOOST_TEST(woke == (std::vector<int>{0, 1, 2}));

    co_await notify_holding_the_lock(c, 10); // more than are waiting
    for (auto& t : tasks)
        co_await t.wait();
    BOOST_TEST(woke == (std::vector<int>{0, 1, 2, 3, 4}));
    BOOST_TEST(!c.locked());
}

ASYNCIO_TEST_CASE(notify_all_wakes_every_waiter_in_fifo_order) {
    asyncio::condition c;
    int waiting = 0;
    std::vector<int> woke;
    auto tasks = co_await start_waiters(c, 6, waiting, woke);
    {
        auto guard = co_await c.scoped_acquire();
        c.notify_all();
        BOOST_TEST(woke.empty()); // posted, not run inside notify_all()
    }
    for (auto& t : tasks)
        co_await t.wait();
    BOOST_TEST(woke == (std::vector<int>{0, 1, 2, 3, 4, 5}));
}

ASYNCIO_TEST_CASE(wait_reacquires_the_lock_before_returning) {
    asyncio::condition c;
    bool waiting = false;
    bool notifier_holds = false;
    bool returned = false;
    bool saw_notifier_holding = true;
    bool locked_on_return = false;
    bool waiter_holds = false;
    auto waiter = [&]() -> awaitable<void> {
        co_await c.acquire();
        waiting = true;
        co_await c.wait();
        returned = true;
        saw_notifier_holding = notifier_holds;
        locked_on_return = c.locked();
        waiter_holds = true;
        // Holds the lock across turns of the loop, in which the acquire the main
        // coroutine queued meanwhile must not get it.
        co_await settle();
        waiter_holds = false;
        c.release();
    };
    auto t = co_await start_waiter(waiter, waiting);

    co_await c.acquire();
    c.notify();
    notifier_holds = true;
    // The notified waiter's turns: it cannot return while we hold the lock.
    co_await settle();
    BOOST_TEST(!returned); // notified, but the lock is not free
    notifier_holds = false;
    c.release();

    co_await c.acquire(); // queues behind the waiter's re-acquisition
    BOOST_TEST(returned);
    BOOST_TEST(!saw_notifier_holding);
    BOOST_TEST(locked_on_return);
    BOOST_TEST(!waiter_holds); // it released before this acquire got the lock
    c.release();
    co_await t.wait();
}

ASYNCIO_TEST_CASE(cancelled_wait_reacquires_the_lock_before_the_cancellation_propagates) {
    asyncio::condition c;
    bool waiting = false;
    bool main_holds = false;
    bool caught = false;
    bool locked_in_catch = false;
    bool main_held_in_catch = true;
    auto waiter = [&]() -> awaitable<void> {
        co_await c.acquire();
        waiting = true;
        try {
            co_await c.wait();
        } catch (const asyncio::cancelled_error&) {
            caught = true;
            locked_in_catch = c.locked();
            main_held_in_catch = main_holds;
            c.release(); // the waiter owns the lock again
            throw;
        }
        c.release();
    };
    auto t = co_await start_waiter(waiter, waiting);

    co_await c.acquire();
    main_holds = true;
    BOOST_TEST(t.cancel());
    // The cancelled waiter's turns: it cannot leave c.wait() while we hold the lock.
    co_await settle();
    BOOST_TEST(!caught); // the cancellation waits for the lock
    BOOST_TEST(!t.done());
    main_holds = false;
    c.release();

    BOOST_CHECK_THROW(co_await t.wait(), asyncio::cancelled_error);
    BOOST_TEST(caught);
    BOOST_TEST(locked_in_catch);
    BOOST_TEST(!main_held_in_catch);
    BOOST_TEST(!c.locked());
}

ASYNCIO_TEST_CASE(wait_for_rechecks_the_predicate_after_every_wake_up_and_returns_its_value) {
    asyncio::condition c;
    int value = 0;
    int calls = 0;
    std::optional<int> result;
    bool locked_after = false;
    auto waiter = [&]() -> awaitable<void> {
        auto guard = co_await c.scoped_acquire();
        auto big_enough = [&] {
            ++calls;
            return value >= 3 ? value : 0; // the value itself, not a bool
        };
        auto w = c.wait_for(big_enough);
        const int r = co_await std::move(w);
        result = r;
        locked_after = c.locked();
    };
    auto t = co_await asyncio::create_task(waiter());
    for (int i = 1; i <= 3; ++i) {
        auto checked = [&] { return calls == i; }; // and then waits again
        BOOST_TEST(co_await eventually(checked));
        BOOST_TEST(!result);
        auto guard = co_await c.scoped_acquire();
        value = i;
        c.notify();
    }
    co_await t.wait();
    BOOST_TEST(calls == 4); // once first, then after each of the three wake-ups
    BOOST_TEST((result == 3));
    BOOST_TEST(locked_after);
    BOOST_TEST(!c.locked());
}

ASYNCIO_TEST_CASE(wait_for_with_a_true_predicate_returns_at_once) {
    asyncio::condition c;
    bool other_ran = false;
    auto t = co_await asyncio::create_task(set_flag(other_ran));
    co_await c.acquire();
    int calls = 0;
    auto ready = [&] {
        ++calls;
        return 42;
    };
    auto w = c.wait_for(ready);
    const int r = co_await std::move(w);
    BOOST_TEST(r == 42);
    BOOST_TEST(calls == 1);
    BOOST_TEST(!other_ran); // no suspension
    BOOST_TEST(c.locked());
    c.release();
    co_await t.wait();
}

// --- cancellation -------------------------------------------------------------------

ASYNCIO_TEST_CASE(cancelled_waiter_does_not_consume_a_notification) {
    asyncio::condition c;
    int waiting = 0;
    std::vector<int> woke;
    auto tasks = co_await start_waiters(c, 2, waiting, woke);
    auto& a = tasks[0];
    auto& b = tasks[1];
    BOOST_TEST(a.cancel());
    BOOST_CHECK_THROW(co_await a.wait(), asyncio::cancelled_error);
    BOOST_TEST(!c.locked()); // the cancelled waiter released what it re-acquired
    co_await notify_holding_the_lock(c, 1);
    co_await b.wait();
    BOOST_TEST(woke == (std::vector<int>{1}));
}

ASYNCIO_TEST_CASE(notification_racing_a_cancellation_goes_to_exactly_one_waiter) {
    // notify(1) serves the first waiter; its cancellation, requested just after, comes
    // too late to take the notification away (and must not hand it on as well).
    asyncio::condition c;
    int waiting = 0;
    std::vector<int> woke;
    auto tasks = co_await start_waiters(c, 2, waiting, woke);
    auto& a = tasks[0];
    auto& b = tasks[1];
    {
        auto guard = co_await c.scoped_acquire();
        c.notify(1);
        BOOST_TEST(a.cancel());
    }
    const auto ea = co_await exception_of(a.wait());
    // b's turns, were the notification handed on to it as well.
    co_await settle();
    BOOST_TEST(woke.size() == 1u);             // exactly one of {a, b} got it
    BOOST_TEST(woke == (std::vector<int>{0})); // a was served before the cancellation
    BOOST_TEST(!ea);
    BOOST_TEST(!b.done());
    BOOST_TEST(!c.locked());
    co_await notify_holding_the_lock(c, 1);
    co_await b.wait();
    BOOST_TEST(woke == (std::vector<int>{0, 1}));
}

// --- timeouts -----------------------------------------------------------------------

ASYNCIO_TEST_CASE(wait_under_wait_for_times_out_with_the_lock_held_again) {
    asyncio::condition c;
    co_await c.acquire();
    asyncio::test::stopwatch clock;
    BOOST_CHECK_THROW(co_await asyncio::wait_for(c.wait(), 20ms), asyncio::timeout_error);
    BOOST_TEST(clock.seconds() >= 0.015);
    BOOST_TEST(c.locked());
    BOOST_CHECK_NO_THROW(c.release()); // ours again

    // The timed-out waiter left the queue: a later waiter gets the next notification.
    int waiting = 0;
    std::vector<int> woke;
    auto t = co_await asyncio::create_task(wait_then_record(c, 7, waiting, woke));
    auto is_waiting = [&] { return waiting == 1; };
    BOOST_TEST(co_await eventually(is_waiting));
    co_await notify_holding_the_lock(c, 1);
    co_await t.wait();
    BOOST_TEST(woke == (std::vector<int>{7}));
}

ASYNCIO_TEST_CASE(wait_under_timeout_times_out_with_the_lock_held_again) {
    asyncio::condition c;
    co_await c.acquire();
    BOOST_CHECK_THROW(co_await asyncio::timeout(20ms, c.wait()), asyncio::timeout_error);
    BOOST_TEST(c.locked());
    auto never = [] { return false; };
    auto w = c.wait_for(never);
    BOOST_CHECK_THROW(co_await asyncio::timeout(20ms, std::move(w)), asyncio::timeout_error);
    BOOST_TEST(c.locked());
    c.release();
    BOOST_TEST(!c.locked());
}

ASYNCIO_TEST_CASE(wait_under_wait_for_returns_when_notified_in_time) {
    asyncio::condition c;
    co_await c.acquire();
    auto t = co_await asyncio::create_task(notify_one_once_the_lock_is_free(c));
    co_await asyncio::wait_for(c.wait(), 5s);
    BOOST_TEST(c.locked());
    c.release();
    co_await t.wait();
}

// --- a shared lock ------------------------------------------------------------------

ASYNCIO_TEST_CASE(conditions_over_a_shared_lock_use_that_lock) {
    asyncio::lock l;
    asyncio::condition not_empty(l);
    asyncio::condition not_full(l);
    BOOST_TEST(!not_empty.locked());
    co_await l.acquire();
    BOOST_TEST(not_empty.locked());
    BOOST_TEST(not_full.locked());
    BOOST_CHECK_NO_THROW(not_full.notify()); // l is held: allowed
    l.release();
    BOOST_TEST(!not_empty.locked());
    BOOST_CHECK_THROW(not_empty.notify(), asyncio::invalid_state_error);

    bool waiting = false;
    bool woke = false;
    bool held_on_wake = false;
    auto waiter = [&]() -> awaitable<void> {
        co_await l.acquire();
        waiting = true;
        co_await not_empty.wait();
        woke = true;
        held_on_wake = l.locked();
        l.release();
    };
    auto t = co_await start_waiter(waiter, waiting);
    BOOST_TEST(!l.locked()); // the wait released the shared lock

    co_await l.acquire();
    not_full.notify_all(); // the other condition: does not wake it
    l.release();
    co_await settle(); // the waiter's turns, were it woken
    BOOST_TEST(!woke);

    co_await not_empty.acquire(); // the same lock, through the condition
    BOOST_TEST(l.locked());
    not_empty.notify();
    not_empty.release();
    co_await t.wait();
    BOOST_TEST(woke);
    BOOST_TEST(held_on_wake);
    BOOST_TEST(!l.locked());
}

// --- Asio completion tokens ---------------------------------------------------------

ASYNCIO_TEST_CASE(async_wait_with_a_callback_completes_with_the_lock_held) {
    auto ex = co_await asio::this_coro::executor;
    asyncio::condition c;
    co_await c.acquire();
    std::optional<error_code> got;
    bool locked_in_handler = false;
    c.async_wait(asio::bind_executor(ex, [&](error_code ec) {
        got = ec;
        locked_in_handler = c.locked();
    }));
    BOOST_TEST(!c.locked()); // released by the wait
    co_await c.acquire();
    c.notify();
    BOOST_TEST(!got); // not inside notify()
    co_await settle();
    BOOST_TEST(!got); // nor while the lock is held by someone else
    c.release();
    auto called = [&] { return got.has_value(); };
    BOOST_TEST(co_await eventually(called));
    BOOST_TEST(!*got);
    BOOST_TEST(locked_in_handler);
    BOOST_TEST(c.locked()); // the callback's side owns it now
    c.release();
}

BOOST_AUTO_TEST_CASE(async_wait_with_use_future_completes_when_notified_from_a_loop_thread) {
    asyncio::test::watchdog dog;
    asio::io_context ctx;
    auto work = asio::make_work_guard(ctx);
    std::thread loop([&] { ctx.run(); });
    asyncio::condition c;
    BOOST_TEST(c.try_acquire());
    auto fut = c.async_wait(asio::use_future);
    BOOST_TEST((fut.wait_for(20ms) == std::future_status::timeout));
    std::atomic<bool> notified{false};
    asio::post(ctx, [&] {
        if (c.try_acquire()) { // the wait released it
            notified = true;
            c.notify();
            c.release();
        }
    });
    BOOST_TEST((fut.wait_for(5s) == std::future_status::ready));
    BOOST_CHECK_NO_THROW(fut.get());
    BOOST_TEST(notified.load());
    BOOST_TEST(c.locked());
    c.release();

    // Without the lock: invalid_state. (A plain callback on the system_executor: a
    // failed std::future's exception_ptr, released on that thread, would be a false
    // positive for ThreadSanitizer.)
    std::promise<error_code> bad_promise;
    auto bad = bad_promise.get_future();
    c.async_wait([&](error_code ec) { bad_promise.set_value(ec); });
    BOOST_TEST((bad.wait_for(5s) == std::future_status::ready));
    BOOST_TEST((bad.get() == asyncio::error::invalid_state));
    work.reset();
    loop.join();
}

ASYNCIO_TEST_CASE(async_wait_in_a_parallel_group_loses_to_a_timer_and_reacquires_the_lock) {
    asyncio::condition c;
    co_await c.acquire();
    // Inside the group the operation's handler has no executor of its own: it completes
    // on this loop, as the timer's does.
    co_await expect_a_timer_to_win_over(c.async_wait(asio::deferred), 20ms);
    BOOST_TEST(c.locked()); // re-acquired although cancelled
    c.release();
}

ASYNCIO_TEST_CASE(async_wait_in_a_parallel_group_beats_a_timer) {
    auto ex = co_await asio::this_coro::executor;
    asyncio::condition c;
    co_await c.acquire();
    auto t = co_await asyncio::create_task(notify_one_once_the_lock_is_free(c));
    asio::steady_timer timer(ex, 10s);
    auto op = race_with_timer(c.async_wait(asio::deferred), timer);
    auto [order, ec_wait, ec_timer] = co_await std::move(op);
    BOOST_TEST(order[0] == 0u);
    BOOST_TEST(!ec_wait);
    BOOST_TEST(ec_timer == asio::error::operation_aborted);
    BOOST_TEST(c.locked());
    c.release();
    co_await t.wait();
}

// --- destruction --------------------------------------------------------------------

ASYNCIO_TEST_CASE(destroying_a_condition_aborts_pending_waits_without_reacquiring) {
    auto ex = co_await asio::this_coro::executor;
    asyncio::lock l;
    auto c = std::make_unique<asyncio::condition>(l);
    co_await l.acquire();
    std::optional<error_code> got;
    c->async_wait(store_code(ex, got));
    BOOST_TEST(!l.locked());
    c.reset();
    BOOST_TEST(!got); // posted, not run inside the destructor
    auto called = [&] { return got.has_value(); };
    BOOST_TEST(co_await eventually(called));
    BOOST_TEST(*got == asio::error::operation_aborted);
    BOOST_TEST(!l.locked()); // the aborted wait did not take the lock
    BOOST_TEST(l.try_acquire());
    l.release();
}

// --- several threads ----------------------------------------------------------------

ASYNCIO_TEST_CASE_OPTS(bounded_buffer_producers_and_consumers_on_four_threads, .threads = 4) {
    constexpr int producers = 4;
    constexpr int consumers = 4;
    constexpr int per_producer = 1500;
    constexpr int total = producers * per_producer;
    constexpr std::size_t capacity = 8;
    asyncio::lock l;
    asyncio::condition not_empty(l);
    asyncio::condition not_full(l);
    std::deque<int> items; // guarded by l
    bool closed = false;   // guarded by l
    std::vector<std::atomic<int>> seen(total);
    std::atomic<int> consumed{0};
    std::atomic<int> over_capacity{0};

    auto producer = [&](int p) -> awaitable<void> {
        for (int i = 0; i < per_producer; ++i) {
            auto guard = co_await l.scoped_acquire();
            auto has_room = [&] { return items.size() < capacity; };
            auto w = not_full.wait_for(has_room);
            co_await std::move(w);
            items.push_back(p * per_producer + i);
            if (items.size() > capacity)
                ++over_capacity;
            not_empty.notify();
        }
    };
    auto consumer = [&]() -> awaitable<void> {
        for (;;) {
            auto guard = co_await l.scoped_acquire();
            auto ready = [&] { return !items.empty() || closed; };
            auto w = not_empty.wait_for(ready);
            co_await std::move(w);
            if (items.empty())
                co_return; // closed and drained
            const int v = items.front();
            items.pop_front();
            not_full.notify();
            ++seen[v];
            ++consumed;
        }
    };

    std::vector<asyncio::task<void>> producing;
    std::vector<asyncio::task<void>> consuming;
    for (int c = 0; c < consumers; ++c)
        consuming.push_back(co_await asyncio::create_task(consumer()));
    for (int p = 0; p < producers; ++p)
        producing.push_back(co_await asyncio::create_task(producer(p)));
    for (auto& t : producing)
        co_await t.wait();
    {
        auto guard = co_await l.scoped_acquire();
        closed = true;
        not_empty.notify_all();
    }
    for (auto& t : consuming)
        co_await t.wait();

    ASYNCIO_CHECK_EQUAL(consumed.load(), total);
    ASYNCIO_CHECK_EQUAL(over_capacity.load(), 0);
    int wrong = 0;
    for (auto& s : seen)
        if (s.load() != 1)
            ++wrong;
    ASYNCIO_CHECK_EQUAL(wrong, 0); // every item exactly once
    ASYNCIO_CHECK(items.empty());
    ASYNCIO_CHECK(!l.locked());
}

ASYNCIO_TEST_CASE_OPTS(notifications_are_never_lost_to_concurrent_cancellations_on_four_threads,
                       .threads = 4) {
    constexpr int waiters = 1000;
    constexpr int notifications = 400; // fewer than the waiters nobody cancels
    asyncio::condition c;
    std::atomic<int> waiting{0};
    std::atomic<int> woke{0};
    std::atomic<int> withdrawn{0};
    std::atomic<int> unlocked_on_cancel{0};
    auto waiter = [&]() -> awaitable<void> {
        auto guard = co_await c.scoped_acquire();
        ++waiting;
        try {
            co_await c.wait();
        } catch (const asyncio::cancelled_error&) {
            if (!c.locked())
                ++unlocked_on_cancel;
            ++withdrawn;
            throw;
        }
        ++woke;
    };
    auto all_waiting = [&] { return waiting.load() == waiters; };
    auto tasks = co_await start_tasks_until(waiters, waiter, all_waiting);

    auto canceller = cancel_every_other_from_a_thread(tasks, 1);
    for (int i = 0; i < notifications; ++i)
        co_await notify_holding_the_lock(c, 1);
    canceller.join();

    // Each notify(1) served one waiter: none was lost to a cancelled one.
    auto served = [&] { return woke.load() == notifications; };
    const bool served_in_time = co_await eventually(served, 10s);
    ASYNCIO_CHECK(served_in_time);
    // Turns of the loop for a wrong extra wake-up to show (the queue is FIFO, so every
    // handler posted so far, on any thread, has been taken when they end), then the
    // lock: a wake-up that re-acquired it before us has counted itself (under it).
    co_await settle();
    {
        auto guard = co_await c.scoped_acquire();
        ASYNCIO_CHECK_EQUAL(woke.load(), notifications); // and none twice
        c.notify_all();
    }
    const auto ended = co_await endings_of(tasks);
    ASYNCIO_CHECK_EQUAL(ended.failed, 0); // every task that failed was cancelled
    ASYNCIO_CHECK_EQUAL(woke.load() + withdrawn.load(), waiters);
    ASYNCIO_CHECK_EQUAL(withdrawn.load(), ended.cancelled);
    ASYNCIO_CHECK_EQUAL(unlocked_on_cancel.load(), 0);
    ASYNCIO_CHECK(!c.locked());
}

BOOST_AUTO_TEST_SUITE_END()

} // namespace
