// Copyright (c) 2026 The asyncio for Asio authors.
// Distributed under the Boost Software License, Version 1.0.

#include <asyncio/event.hpp>

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
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_future.hpp>

#include <atomic>
#include <chrono>
#include <future>
#include <memory>
#include <optional>
#include <thread>
#include <tuple>
#include <utility>
#include <vector>

namespace {

using namespace asyncio::test;

// A task body that waits for `e`, then counts itself released.
awaitable<void> wait_and_count(asyncio::event& e, std::atomic<int>& released) {
    co_await e.wait();
    ++released;
}

// What wait_counting_outcome counts.
struct wait_outcomes {
    std::atomic<int> arrived{0};
    std::atomic<int> released{0};
    std::atomic<int> withdrawn{0}; // the wait failed
};

// Counts itself arrived, waits for `e`, and counts how the wait ended.
awaitable<void> wait_counting_outcome(asyncio::event& e, wait_outcomes& o) {
    ++o.arrived;
    try {
        co_await e.wait();
    } catch (const boost::system::system_error&) {
        ++o.withdrawn;
        throw;
    }
    ++o.released;
}

// A waiter started now blocks until set() (which this calls once the waiter had a few
// turns of the loop, time enough to return if its wait did not block), and is released
// by it.
awaitable<void> next_waiter_blocks_until_set(asyncio::event& e) {
    std::atomic<int> released{0};
    auto t = co_await asyncio::create_task(wait_and_count(e, released));
    co_await settle();
    BOOST_TEST(!t.done());
    BOOST_TEST(released.load() == 0);
    e.set();
    co_await t.wait();
    BOOST_TEST(released.load() == 1);
}

// Starts `n` tasks that wait for `e` and count themselves in `released`.
awaitable<std::vector<asyncio::task<void>>> start_waiters(asyncio::event& e, int n,
                                                          std::atomic<int>& released) {
    std::vector<asyncio::task<void>> tasks;
    for (int i = 0; i < n; ++i)
        tasks.push_back(co_await asyncio::create_task(wait_and_count(e, released)));
    co_return tasks;
}

BOOST_AUTO_TEST_SUITE(event)

// --- normal path --------------------------------------------------------------------

ASYNCIO_TEST_CASE(new_event_is_not_set_and_set_and_clear_toggle_it) {
    asyncio::event e;
    BOOST_TEST(!e.is_set());
    e.set();
    BOOST_TEST(e.is_set());
    e.set(); // idempotent
    BOOST_TEST(e.is_set());
    e.clear();
    BOOST_TEST(!e.is_set());
    e.clear();
    BOOST_TEST(!e.is_set());
    co_return;
}

ASYNCIO_TEST_CASE(wait_returns_at_once_when_set_without_suspending) {
    asyncio::event e;
    e.set();
    bool other_ran = false;
    auto t = co_await asyncio::create_task(set_flag(other_ran));
    co_await e.wait();
    co_await e.wait();
    BOOST_TEST(!other_ran); // any suspension would have let the ready task run first
    BOOST_TEST(e.is_set()); // waiting does not consume the event
    co_await t.wait();
    BOOST_TEST(other_ran);
}

ASYNCIO_TEST_CASE(wait_blocks_until_set) {
    asyncio::event e;
    co_await next_waiter_blocks_until_set(e);
}

ASYNCIO_TEST_CASE(set_releases_every_waiter_and_never_inline) {
    asyncio::event e;
    std::atomic<int> released{0};
    auto tasks = co_await start_waiters(e, 5, released);
    co_await settle();
    BOOST_TEST(released.load() == 0);
    e.set();
    BOOST_TEST(released.load() == 0); // wake-ups are posted, not run inside set()
    for (auto& t : tasks)
        co_await t.wait();
    BOOST_TEST(released.load() == 5);
}

ASYNCIO_TEST_CASE(set_then_clear_before_the_waiters_run_still_releases_them) {
    asyncio::event e;
    std::atomic<int> released{0};
    auto tasks = co_await start_waiters(e, 4, released);
    co_await settle();
    e.set();
    e.clear();
    BOOST_TEST(!e.is_set());
    BOOST_TEST(released.load() == 0);
    for (auto& t : tasks)
        co_await t.wait();
    BOOST_TEST(released.load() == 4);
    BOOST_TEST(!e.is_set());
}

ASYNCIO_TEST_CASE(clear_makes_later_waits_block_until_the_next_set) {
    asyncio::event e;
    e.set();
    e.clear();
    co_await next_waiter_blocks_until_set(e);
}

// --- cancellation -------------------------------------------------------------------

ASYNCIO_TEST_CASE(cancelled_waiter_is_withdrawn_and_the_others_are_still_released) {
    asyncio::event e;
    std::atomic<int> released{0};
    auto a = co_await asyncio::create_task(wait_and_count(e, released));
    auto b = co_await asyncio::create_task(wait_and_count(e, released));
    auto c = co_await asyncio::create_task(wait_and_count(e, released));
    co_await settle();
    BOOST_TEST(b.cancel());
    BOOST_CHECK_THROW(co_await b.wait(), asyncio::cancelled_error);
    BOOST_TEST(b.cancelled());
    BOOST_TEST(released.load() == 0);
    BOOST_TEST(!a.done());
    BOOST_TEST(!c.done());
    e.set();
    co_await a.wait();
    co_await c.wait();
    BOOST_TEST(released.load() == 2);
}

ASYNCIO_TEST_CASE(cancellation_racing_set_leaves_the_released_waiter_released) {
    // set() serves the waiter before the cancellation is delivered: the wait completes
    // successfully, and the task sees the cancellation at its next suspension.
    asyncio::event e;
    std::atomic<bool> released{false};
    std::atomic<bool> reached_end{false};
    auto body = [&]() -> awaitable<void> {
        co_await e.wait();
        released = true;
        co_await asyncio::sleep(1s);
        reached_end = true;
    };
    std::atomic<int> others{0};
    auto racer = co_await asyncio::create_task(body());
    auto other = co_await asyncio::create_task(wait_and_count(e, others));
    co_await settle();
    e.set();
    BOOST_TEST(racer.cancel());
    const auto ex = co_await exception_of(racer.wait());
    BOOST_TEST(released.load());
    BOOST_TEST(is_a<asyncio::cancelled_error>(ex));
    BOOST_TEST(!reached_end.load());
    co_await other.wait();
    BOOST_TEST(others.load() == 1);
}

ASYNCIO_TEST_CASE(cancel_requested_just_before_set_ends_the_wait_exactly_once) {
    // Whichever reaches the waiter first wins: it is released (and the task ends
    // normally, having no later suspension) or withdrawn (and the task is cancelled),
    // never both, never neither.
    asyncio::event e;
    wait_outcomes o;
    auto t = co_await asyncio::create_task(wait_counting_outcome(e, o));
    co_await settle();
    BOOST_TEST(t.cancel());
    e.set();
    const auto ex = co_await exception_of(t.wait());
    BOOST_TEST(o.released.load() + o.withdrawn.load() == 1);
    BOOST_TEST((o.released.load() == 1) == !ex);
    BOOST_TEST((o.withdrawn.load() == 1) == is_a<asyncio::cancelled_error>(ex));
}

// --- timeouts -----------------------------------------------------------------------

ASYNCIO_TEST_CASE(wait_under_wait_for_times_out_when_the_event_is_not_set) {
    asyncio::event e;
    asyncio::test::stopwatch clock;
    BOOST_CHECK_THROW(co_await asyncio::wait_for(e.wait(), 20ms), asyncio::timeout_error);
    BOOST_TEST(clock.seconds() >= 0.015);
    BOOST_TEST(clock.seconds() < 2.0);
    // The timed-out wait left nothing behind: a later waiter is released as usual.
    co_await next_waiter_blocks_until_set(e);
}

ASYNCIO_TEST_CASE(wait_under_timeout_times_out_when_the_event_is_not_set) {
    asyncio::event e;
    BOOST_CHECK_THROW(co_await asyncio::timeout(20ms, e.wait()), asyncio::timeout_error);
    auto op = e.async_wait(); // the Asio operation form, under a timeout too
    BOOST_CHECK_THROW(co_await asyncio::timeout(20ms, std::move(op)), asyncio::timeout_error);
    BOOST_TEST(!e.is_set());
}

ASYNCIO_TEST_CASE(wait_under_wait_for_returns_when_set_in_time) {
    asyncio::event e;
    auto set = [&] { e.set(); };
    auto t = co_await asyncio::create_task(after(5ms, set)); // the wait is timed: so is the set
    asyncio::test::stopwatch clock;
    co_await asyncio::wait_for(e.wait(), 5s);
    BOOST_TEST(clock.seconds() < 2.0);
    BOOST_TEST(e.is_set());
    co_await t.wait();
    // Already set: the deadline does not matter.
    co_await asyncio::timeout(1s, e.wait());
}

// --- Asio completion tokens ---------------------------------------------------------

ASYNCIO_TEST_CASE(async_wait_with_a_callback_runs_on_its_executor_never_inline) {
    auto ex = co_await asio::this_coro::executor;
    asyncio::event e;
    std::optional<error_code> first;
    e.async_wait(store_code(ex, first));
    co_await settle();
    BOOST_TEST(!first);
    e.set();
    BOOST_TEST(!first); // not inside set()
    auto first_ran = [&] { return first.has_value(); };
    BOOST_TEST(co_await eventually(first_ran));
    BOOST_TEST(!*first);

    // Already set: still posted, not called inside async_wait.
    std::optional<error_code> second;
    e.async_wait(store_code(ex, second));
    BOOST_TEST(!second);
    auto second_ran = [&] { return second.has_value(); };
    BOOST_TEST(co_await eventually(second_ran));
    BOOST_TEST(!*second);
}

ASYNCIO_TEST_CASE(async_wait_callback_without_an_executor_completes_on_the_running_loop) {
    asyncio::event e;
    std::optional<std::thread::id> ran_on;
    e.async_wait([&](error_code ec) {
        BOOST_TEST(!ec);
        ran_on = std::this_thread::get_id();
    });
    e.set();
    BOOST_TEST(!ran_on); // not inside set()
    auto ran = [&] { return ran_on.has_value(); };
    BOOST_TEST(co_await eventually(ran));
    BOOST_TEST((*ran_on == std::this_thread::get_id())); // the loop's only thread
}

BOOST_AUTO_TEST_CASE(
    async_wait_callback_without_an_executor_off_any_loop_uses_the_system_executor) {
    asyncio::test::watchdog dog;
    asyncio::event e;
    std::promise<std::pair<error_code, std::thread::id>> ran;
    auto fut = ran.get_future();
    e.async_wait([&](error_code ec) { ran.set_value({ec, std::this_thread::get_id()}); });
    BOOST_TEST((fut.wait_for(20ms) == std::future_status::timeout));
    e.set();
    BOOST_TEST((fut.wait_for(5s) == std::future_status::ready));
    const auto [ec, thread] = fut.get();
    BOOST_TEST(!ec);
    BOOST_TEST((thread != std::this_thread::get_id()));
}

BOOST_AUTO_TEST_CASE(async_wait_with_use_future_completes_when_set_from_a_loop_thread) {
    asyncio::test::watchdog dog;
    asio::io_context ctx;
    auto work = asio::make_work_guard(ctx);
    std::thread loop([&] { ctx.run(); });
    asyncio::event e;
    auto fut = e.async_wait(asio::use_future);
    BOOST_TEST((fut.wait_for(20ms) == std::future_status::timeout));
    asio::post(ctx, [&] { e.set(); });
    BOOST_TEST((fut.wait_for(5s) == std::future_status::ready));
    BOOST_CHECK_NO_THROW(fut.get());
    // Already set.
    auto again = e.async_wait(asio::use_future);
    BOOST_TEST((again.wait_for(5s) == std::future_status::ready));
    BOOST_CHECK_NO_THROW(again.get());
    work.reset();
    loop.join();
}

ASYNCIO_TEST_CASE(async_wait_with_deferred_and_as_tuple) {
    asyncio::event e;
    auto set = [&] { e.set(); };
    auto t = co_await asyncio::create_task(after_turns(3, set)); // once the wait below waits
    auto deferred_op = e.async_wait(asio::deferred);
    co_await std::move(deferred_op);
    BOOST_TEST(e.is_set());
    co_await t.wait();

    auto default_op = e.async_wait(); // deferred is the default token
    co_await std::move(default_op);

    auto tuple_op = e.async_wait(asio::as_tuple(asio::deferred));
    auto [ec] = co_await std::move(tuple_op);
    BOOST_TEST(!ec);
}

ASYNCIO_TEST_CASE(async_wait_in_a_parallel_group_loses_to_a_timer) {
    asyncio::event e;
    // Inside the group the operation's handler has no executor of its own: it completes
    // on this loop, as the timer's does.
    co_await expect_a_timer_to_win_over(e.async_wait(asio::deferred), 20ms);
    BOOST_TEST(!e.is_set());

    // The withdrawn wait is gone: a later waiter is released by set().
    co_await next_waiter_blocks_until_set(e);
}

ASYNCIO_TEST_CASE(async_wait_in_a_parallel_group_beats_a_timer) {
    auto ex = co_await asio::this_coro::executor;
    asyncio::event e;
    auto set = [&] { e.set(); };
    auto t = co_await asyncio::create_task(after_turns(3, set)); // once the group waits
    asio::steady_timer timer(ex, 10s);
    asyncio::test::stopwatch clock;
    auto op = race_with_timer(e.async_wait(asio::deferred), timer);
    auto [order, ec_event, ec_timer] = co_await std::move(op);
    BOOST_TEST(order[0] == 0u);
    BOOST_TEST(!ec_event);
    BOOST_TEST(ec_timer == asio::error::operation_aborted);
    BOOST_TEST(clock.seconds() < 2.0);
    co_await t.wait();
}

// --- destruction --------------------------------------------------------------------

ASYNCIO_TEST_CASE(destroying_an_event_completes_pending_waits_with_operation_aborted) {
    auto ex = co_await asio::this_coro::executor;
    auto e = std::make_unique<asyncio::event>();
    std::optional<error_code> callback_ec;
    e->async_wait(store_code(ex, callback_ec));
    std::optional<error_code> unbound_ec; // no executor: completes on this loop
    e->async_wait([&](error_code ec) { unbound_ec = ec; });
    std::atomic<int> released{0};
    auto t = co_await asyncio::create_task(wait_and_count(*e, released));
    co_await settle();
    BOOST_TEST(!callback_ec);
    e.reset();
    BOOST_TEST(!callback_ec); // posted, not run inside the destructor
    auto called = [&] { return callback_ec.has_value() && unbound_ec.has_value(); };
    BOOST_TEST(co_await eventually(called));
    BOOST_TEST(*callback_ec == asio::error::operation_aborted);
    BOOST_TEST(*unbound_ec == asio::error::operation_aborted);
    const auto ex_task = co_await exception_of(t.wait());
    BOOST_TEST(asyncio::is_cancellation(ex_task));
    BOOST_TEST(released.load() == 0);
}

// --- several threads ----------------------------------------------------------------

ASYNCIO_TEST_CASE_OPTS(one_set_releases_a_thousand_waiters_on_four_threads_round_after_round,
                       .threads = 4) {
    constexpr int waiters = 1000;
    constexpr int rounds = 5;
    std::vector<std::unique_ptr<asyncio::event>> gates;
    for (int r = 0; r < rounds; ++r)
        gates.push_back(std::make_unique<asyncio::event>());
    std::atomic<int> arrived{0};
    std::atomic<int> released{0};
    std::atomic<int> passed_early{0};
    auto waiter = [&]() -> awaitable<void> {
        for (int r = 0; r < rounds; ++r) {
            ++arrived;
            co_await gates[r]->wait();
            if (released.load() >= (r + 1) * waiters) // more than a round's worth
                ++passed_early;
            ++released;
        }
    };
    std::vector<asyncio::task<void>> tasks;
    for (int i = 0; i < waiters; ++i)
        tasks.push_back(co_await asyncio::create_task(waiter()));
    for (int r = 0; r < rounds; ++r) {
        auto all_arrived = [&] { return arrived.load() == (r + 1) * waiters; };
        const bool all_arrived_in_time = co_await eventually(all_arrived, 10s);
        ASYNCIO_CHECK(all_arrived_in_time);
        // Turns of the loop for a wrong pass to show: the queue is FIFO, so every
        // handler posted so far, on any thread, has been taken when they end.
        co_await settle();
        ASYNCIO_CHECK_EQUAL(released.load(), r * waiters); // nobody got past a closed gate
        gates[r]->set();
        auto all_released = [&] { return released.load() == (r + 1) * waiters; };
        const bool all_released_in_time = co_await eventually(all_released, 10s);
        ASYNCIO_CHECK(all_released_in_time);
    }
    for (auto& t : tasks)
        co_await t.wait();
    ASYNCIO_CHECK_EQUAL(released.load(), rounds * waiters);
    ASYNCIO_CHECK_EQUAL(passed_early.load(), 0);
}

ASYNCIO_TEST_CASE_OPTS(set_and_clear_from_a_foreign_thread_release_every_registered_waiter,
                       .threads = 4) {
    // Callback waiters register synchronously, so every one of them is waiting when
    // another thread sets and at once clears the event: all are released, each on its
    // own strand.
    constexpr int waiters = 2000;
    auto ex = co_await asio::this_coro::executor;
    asyncio::event e;
    std::atomic<int> released{0};
    std::atomic<int> failed{0};
    for (int i = 0; i < waiters; ++i)
        e.async_wait(asio::bind_executor(asio::make_strand(ex), [&](error_code ec) {
            if (ec)
                ++failed;
            else
                ++released;
        }));
    co_await settle();
    ASYNCIO_CHECK_EQUAL(released.load(), 0);
    std::thread setter([&] {
        e.set();
        e.clear();
    });
    setter.join();
    auto all_released = [&] { return released.load() + failed.load() == waiters; };
    const bool all_released_in_time = co_await eventually(all_released, 10s);
    ASYNCIO_CHECK(all_released_in_time);
    ASYNCIO_CHECK_EQUAL(released.load(), waiters);
    ASYNCIO_CHECK_EQUAL(failed.load(), 0);
    ASYNCIO_CHECK(!e.is_set());
}

ASYNCIO_TEST_CASE_OPTS(cancellations_racing_set_on_four_threads_end_each_wait_exactly_once,
                       .threads = 4) {
    constexpr int waiters = 1000;
    asyncio::event e;
    wait_outcomes o;
    auto waiter = [&] { return wait_counting_outcome(e, o); };
    auto all_arrived = [&] { return o.arrived.load() == waiters; };
    auto tasks = co_await start_tasks_until(waiters, waiter, all_arrived);
    co_await settle(); // turns for the last arrivals to finish joining the wait
    auto canceller = cancel_every_other_from_a_thread(tasks, 1);
    e.set();
    canceller.join();
    const auto ended = co_await endings_of(tasks);
    ASYNCIO_CHECK_EQUAL(ended.failed, 0); // every task that failed was cancelled
    ASYNCIO_CHECK_EQUAL(o.released.load() + o.withdrawn.load(), waiters);
    ASYNCIO_CHECK(o.released.load() >= waiters / 2); // the waiters nobody cancelled
    ASYNCIO_CHECK_EQUAL(o.withdrawn.load(), ended.cancelled);
}

BOOST_AUTO_TEST_SUITE_END()

} // namespace
