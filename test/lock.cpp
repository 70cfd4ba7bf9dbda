// Copyright (c) 2026 The asyncio for Asio authors.
// Distributed under the Boost Software License, Version 1.0.

#include <asyncio/lock.hpp>

#include "test_util.hpp"

#include "sync_util.hpp"

#include <asyncio/error.hpp>
#include <asyncio/sleep.hpp>
#include <asyncio/task.hpp>
#include <asyncio/wait_for.hpp>

#include <boost/asio/bind_executor.hpp>
#include <boost/asio/deferred.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_future.hpp>

#include <atomic>
#include <chrono>
#include <future>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <thread>
#include <vector>

namespace {

using namespace asyncio::test;

BOOST_AUTO_TEST_SUITE(lock)

// --- the normal path ----------------------------------------------------------------

ASYNCIO_TEST_CASE(new_lock_is_unlocked_and_acquire_locks_it) {
    asyncio::lock l;
    BOOST_TEST(!l.locked());
    co_await l.acquire();
    BOOST_TEST(l.locked());
    l.release();
    BOOST_TEST(!l.locked());
}

ASYNCIO_TEST_CASE(acquire_completes_without_suspending_when_the_lock_is_free) {
    asyncio::lock l;
    bool other_ran = false;
    auto other = co_await asyncio::create_task(set_flag(other_ran));
    co_await l.acquire();
    BOOST_TEST(!other_ran); // the ready task did not get a turn: no suspension
    BOOST_TEST(l.locked());
    l.release();
    co_await other.wait();
    BOOST_TEST(other_ran);
}

ASYNCIO_TEST_CASE(acquire_of_a_held_lock_waits_for_the_release) {
    asyncio::lock l;
    co_await l.acquire();
    std::vector<int> order;
    auto waiter = co_await asyncio::create_task(take_and_record(l, order, 1));
    co_await settle(); // the waiter's turns: time enough to get through a free lock
    BOOST_TEST(!waiter.done());
    BOOST_TEST(order.empty());
    l.release();
    co_await waiter.wait();
    BOOST_TEST(order == (std::vector<int>{1}));
    BOOST_TEST(!l.locked());
}

ASYNCIO_TEST_CASE(try_acquire_takes_a_free_lock_and_fails_on_a_held_one) {
    asyncio::lock l;
    BOOST_TEST(l.try_acquire());
    BOOST_TEST(l.locked());
    BOOST_TEST(!l.try_acquire());
    l.release();
    BOOST_TEST(l.try_acquire());
    l.release();
    co_return;
}

ASYNCIO_TEST_CASE(lock_can_be_released_by_another_task) {
    // As in Python, a lock is not owned by a task.
    asyncio::lock l;
    co_await l.acquire();
    auto releaser = [&]() -> awaitable<void> {
        l.release();
        co_return;
    };
    auto t = co_await asyncio::create_task(releaser());
    co_await t.wait();
    BOOST_TEST(!l.locked());
}

// --- bad input ----------------------------------------------------------------------

ASYNCIO_TEST_CASE(release_of_an_unlocked_lock_throws_invalid_state_error) {
    asyncio::lock l;
    BOOST_CHECK_THROW(l.release(), asyncio::invalid_state_error);
    try {
        l.release();
    } catch (const asyncio::invalid_state_error& e) {
        BOOST_TEST((e.code() == asyncio::error::invalid_state));
    }
    BOOST_TEST(!l.locked());

    // A second release after one acquire throws too, and leaves the lock free.
    co_await l.acquire();
    l.release();
    BOOST_CHECK_THROW(l.release(), asyncio::invalid_state_error);
    BOOST_TEST(!l.locked());
    BOOST_TEST(l.try_acquire()); // exactly one permit
    BOOST_TEST(!l.try_acquire());
    l.release();
}

// --- FIFO service, no barging ---------------------------------------------------------

ASYNCIO_TEST_CASE(waiters_are_served_in_fifo_order) {
    asyncio::lock l;
    co_await l.acquire();
    std::vector<int> order;
    std::vector<asyncio::task<void>> waiters;
    for (int i = 0; i < 6; ++i) {
        waiters.push_back(co_await asyncio::create_task(take_and_record(l, order, i)));
        co_await asyncio::sleep(0s); // queue in creation order
    }
    l.release();
    for (auto& t : waiters)
        co_await t.wait();
    BOOST_TEST(order == (std::vector<int>{0, 1, 2, 3, 4, 5}));
    BOOST_TEST(!l.locked());
}

ASYNCIO_TEST_CASE(release_hands_the_lock_to_the_first_waiter_without_running_it_inline) {
    asyncio::lock l;
    co_await l.acquire();
    std::vector<int> order;
    auto waiter = co_await asyncio::create_task(take_and_keep(l, order, 1));
    co_await settle();
    l.release();
    BOOST_TEST(order.empty()); // the wake-up is posted, not run inside release()
    BOOST_TEST(l.locked());    // handed over: it never became free
    co_await waiter.wait();
    BOOST_TEST(order == (std::vector<int>{1}));
    BOOST_TEST(l.locked()); // the waiter kept it
    l.release();
    BOOST_TEST(!l.locked());
}

ASYNCIO_TEST_CASE(release_then_reacquire_queues_behind_existing_waiters) {
    asyncio::lock l;
    co_await release_then_reacquire_queues_behind_waiters(l);
    BOOST_TEST(!l.locked());
}

ASYNCIO_TEST_CASE(tasks_that_release_and_reacquire_at_once_take_turns) {
    asyncio::lock l;
    co_await l.acquire();
    const std::vector<int> turns{1, 2, 1, 2, 1, 2};
    co_await reacquiring_tasks_take_turns(l, 2, turns);
    BOOST_TEST(!l.locked());
}

ASYNCIO_TEST_CASE(try_acquire_fails_while_waiters_exist) {
    asyncio::lock l;
    co_await l.acquire();
    co_await try_acquire_fails_while_a_task_waits(l);
    l.release();
    BOOST_TEST(l.try_acquire());
    l.release();
}

// --- cancellation -------------------------------------------------------------------

ASYNCIO_TEST_CASE(cancelled_waiter_does_not_consume_the_lock) {
    asyncio::lock l;
    co_await l.acquire();
    std::vector<int> order;
    auto a = co_await asyncio::create_task(take_and_record(l, order, 1));
    auto b = co_await asyncio::create_task(take_and_record(l, order, 2));
    auto c = co_await asyncio::create_task(take_and_record(l, order, 3));
    co_await settle();
    b.cancel();
    co_await settle(); // b's cancellation is delivered while it waits
    BOOST_TEST(b.done());
    BOOST_TEST(b.cancelled());
    l.release();
    co_await a.wait();
    co_await c.wait();
    BOOST_CHECK_THROW(co_await b.wait(), asyncio::cancelled_error);
    BOOST_TEST(order == (std::vector<int>{1, 3}));
    BOOST_TEST(!l.locked());
}

ASYNCIO_TEST_CASE(cancelled_first_waiter_lets_the_next_waiter_take_the_lock) {
    asyncio::lock l;
    co_await l.acquire();
    std::vector<int> order;
    auto first = co_await asyncio::create_task(take_and_keep(l, order, 1));
    auto next = co_await asyncio::create_task(take_and_keep(l, order, 2));
    co_await settle();
    first.cancel();
    co_await settle();
    l.release();
    co_await next.wait();
    BOOST_CHECK_THROW(co_await first.wait(), asyncio::cancelled_error);
    BOOST_TEST(order == (std::vector<int>{2}));
    BOOST_TEST(l.locked()); // held by `next`, exactly once
    l.release();
    BOOST_TEST(!l.locked());
    BOOST_CHECK_THROW(l.release(), asyncio::invalid_state_error);
}

// release() serves the first of two waiting tasks, which is cancelled before it
// runs. Either it keeps the lock (and sees the cancellation at its next await), or it
// is withdrawn and the next waiter gets the lock: never both, never neither.
awaitable<void> hand_over_race(bool cancel_requested_before_release) {
    asyncio::lock l;
    co_await l.acquire();
    occupancy occ;
    std::vector<int> order;
    auto user = [&](int id) -> awaitable<void> {
        co_await l.acquire();
        occ.enter();
        order.push_back(id);
        occ.leave();
        l.release();
        co_await asyncio::sleep(0s); // where a pending cancellation shows
    };
    auto first = co_await asyncio::create_task(user(1));
    auto next = co_await asyncio::create_task(user(2));
    co_await settle();
    if (cancel_requested_before_release) {
        // The request is delivered on the task's executor: after release() served
        // the waiter, before the waiter resumes.
        first.cancel();
        l.release();
    } else {
        l.release();
        first.cancel();
    }
    const auto e = co_await exception_of(asyncio::wait_for(first.wait(), 2s));
    const auto next_e = co_await exception_of(asyncio::wait_for(next.wait(), 2s));
    BOOST_TEST(asyncio::is_cancellation(e));
    BOOST_TEST(first.cancelled());
    BOOST_TEST(!next_e, "the next waiter never got the lock");
    const bool first_kept_it = order == std::vector<int>{1, 2};
    const bool next_got_it = order == std::vector<int>{2};
    BOOST_TEST((first_kept_it != next_got_it), "unexpected order of holders");
    BOOST_TEST(first_kept_it); // the design: a served waiter keeps what it got
    BOOST_TEST(occ.peak.load() == 1);
    BOOST_TEST(!l.locked());
    BOOST_TEST(l.try_acquire());
    l.release();
}

ASYNCIO_TEST_CASE(cancellation_racing_the_hand_over_neither_loses_nor_duplicates_the_lock) {
    co_await hand_over_race(true);
}

ASYNCIO_TEST_CASE(cancellation_after_the_hand_over_neither_loses_nor_duplicates_the_lock) {
    co_await hand_over_race(false);
}

ASYNCIO_TEST_CASE(served_async_acquire_keeps_the_lock_when_cancelled_before_its_handler_runs) {
    asyncio::lock l;
    co_await l.acquire();
    co_await served_async_acquire_keeps_it_when_cancelled(l);
    l.release();
    BOOST_TEST(!l.locked());
}

ASYNCIO_TEST_CASE(
    cancelled_async_acquire_completes_with_operation_aborted_and_next_waiter_gets_it) {
    asyncio::lock l;
    co_await l.acquire();
    co_await cancelled_async_acquire_lets_the_next_waiter_have_it(l);
    l.release();
    BOOST_TEST(!l.locked());
}

ASYNCIO_TEST_CASE(every_cancellation_type_withdraws_a_waiting_async_acquire) {
    asyncio::lock l;
    co_await l.acquire();
    for (auto type : {asio::cancellation_type::terminal, asio::cancellation_type::partial,
                      asio::cancellation_type::total}) {
        auto acquire = [&](auto handler) { l.async_acquire(std::move(handler)); };
        co_await expect_withdrawn_by(type, acquire);
    }
    l.release();
    BOOST_TEST(!l.locked()); // no withdrawn waiter took it
}

// --- timeouts -----------------------------------------------------------------------

ASYNCIO_TEST_CASE(wait_for_on_a_held_lock_times_out_and_leaves_no_waiter_behind) {
    asyncio::lock l;
    co_await l.acquire();
    asyncio::test::stopwatch clock;
    BOOST_CHECK_THROW(co_await asyncio::wait_for(l.acquire(), 20ms), asyncio::timeout_error);
    BOOST_TEST(clock.seconds() >= 0.015);
    BOOST_TEST(l.locked()); // still ours
    l.release();
    BOOST_TEST(!l.locked()); // the timed-out waiter did not take it
    BOOST_TEST(l.try_acquire());
    l.release();
}

ASYNCIO_TEST_CASE(timeout_on_a_held_lock_lets_the_next_waiter_take_it) {
    asyncio::lock l;
    co_await l.acquire();
    co_await timed_out_waiter_lets_the_next_one_have_it(l);
    BOOST_TEST(l.locked()); // by the next waiter
    l.release();
    BOOST_TEST(!l.locked());
}

ASYNCIO_TEST_CASE(wait_for_returns_when_the_lock_is_released_in_time) {
    asyncio::lock l;
    co_await l.acquire();
    auto release = [&] { l.release(); };
    auto t = co_await asyncio::create_task(after(10ms, release)); // timed, as the wait is
    co_await asyncio::wait_for(l.acquire(), 5s);
    BOOST_TEST(l.locked());
    co_await t.wait();
    l.release();
    BOOST_TEST(!l.locked());
}

ASYNCIO_TEST_CASE(wait_for_around_a_deferred_async_acquire) {
    asyncio::lock l;
    co_await wait_for_around_a_deferred_acquire(l);
    l.release();
    BOOST_TEST(!l.locked());
}

// --- Asio tokens ----------------------------------------------------------------------

ASYNCIO_TEST_CASE(async_acquire_callback_runs_on_its_bound_executor_never_inline) {
    auto ex = co_await asio::this_coro::executor;
    const auto loop_thread = std::this_thread::get_id();
    asyncio::lock l;
    std::optional<error_code> result;
    bool on_loop_thread = false;
    l.async_acquire(asio::bind_executor(ex, [&](error_code ec) {
        result = ec;
        on_loop_thread = std::this_thread::get_id() == loop_thread;
    }));
    BOOST_TEST(!result); // free lock: still not completed inline
    BOOST_TEST(l.locked());
    co_await settle();
    BOOST_TEST((result && !*result));
    BOOST_TEST(on_loop_thread);
    l.release();
    BOOST_TEST(!l.locked());
}

BOOST_AUTO_TEST_CASE(async_acquire_with_use_future_from_outside_the_loop) {
    asyncio::lock l;
    BOOST_REQUIRE(l.try_acquire());
    auto acquire_a_free_lock_too = [&] {
        l.release();
        auto fut2 = l.async_acquire(asio::use_future); // free: completes too
        fut2.get();
        BOOST_TEST(l.locked());
        l.release();
    };
    BOOST_TEST(use_future_acquire_from_outside_the_loop(l, acquire_a_free_lock_too));
    BOOST_TEST(!l.locked());
}

ASYNCIO_TEST_CASE(async_acquire_with_as_tuple_deferred_reports_the_error_code) {
    asyncio::lock l;
    co_await as_tuple_acquire_reports_the_code(l);
    l.release();
    BOOST_TEST(!l.locked());
}

ASYNCIO_TEST_CASE(async_acquire_with_deferred_runs_when_invoked) {
    auto ex = co_await asio::this_coro::executor;
    asyncio::lock l;
    auto op = l.async_acquire(asio::deferred);
    BOOST_TEST(!l.locked()); // deferred: nothing started yet
    std::optional<error_code> result;
    std::move(op)(store_code(ex, result));
    BOOST_TEST(l.locked());
    co_await settle();
    BOOST_TEST((result && !*result));
    l.release();
}

// The acquire is bound to the loop's executor explicitly here; see
// unbound_deferred_acquire_in_a_parallel_group_... below for the unbound case.
ASYNCIO_TEST_CASE(parallel_group_race_against_a_timer_withdraws_the_acquire) {
    asyncio::lock l;
    co_await l.acquire();
    co_await bound_acquire_loses_a_race_with_a_timer(l);
    BOOST_TEST(l.locked()); // still ours
    l.release();
    BOOST_TEST(!l.locked()); // the withdrawn acquire did not take it
}

ASYNCIO_TEST_CASE(parallel_group_race_against_a_timer_acquire_wins_on_a_free_lock) {
    asyncio::lock l;
    co_await bound_acquire_wins_a_race_with_a_timer(l);
    BOOST_TEST(l.locked()); // the winner holds it
    l.release();
    BOOST_TEST(!l.locked());
}

ASYNCIO_TEST_CASE(parallel_group_race_against_a_timer_acquire_wins_on_a_release) {
    asyncio::lock l;
    co_await l.acquire();
    auto release = [&] { l.release(); };
    auto t = co_await asyncio::create_task(after_turns(3, release)); // once the group waits
    co_await bound_acquire_wins_a_race_with_a_timer(l);
    co_await t.wait();
    BOOST_TEST(l.locked());
    l.release();
    BOOST_TEST(!l.locked());
}

ASYNCIO_TEST_CASE(unbound_deferred_acquire_in_a_parallel_group_completes_on_the_loop_thread) {
    // `make_parallel_group(l.async_acquire(deferred), timer.async_wait(deferred))`
    // gives the acquire a handler with no associated executor. It must complete on
    // the loop the initiating thread runs, not on the system_executor: there the
    // group's bookkeeping, its cancellation of the timer and the dispatch of its
    // completion would run on a foreign thread, which may still hold the io_context
    // when asyncio::run destroys it.
    auto ex = co_await asio::this_coro::executor;
    const auto loop_thread = std::this_thread::get_id();
    asyncio::lock l;
    co_await l.acquire();
    asio::steady_timer timer(ex, 5ms);
    std::mutex m;
    std::vector<std::thread::id> threads;
    auto race = race_with_timer(l.async_acquire(asio::deferred), timer,
                                wait_for_one_recording_threads{&m, &threads});
    auto [order, acquire_ec, timer_ec] = co_await std::move(race);
    // Stays a sleep: were an operation of the group completed on a system_executor
    // thread (the bug this pins), that thread could still be running the group's code;
    // there is nothing to wait for on it but time before the loop ends.
    co_await asyncio::sleep(20ms);
    BOOST_TEST(order[0] == 1u);
    BOOST_TEST((acquire_ec == asio::error::operation_aborted));
    BOOST_TEST(!timer_ec);
    BOOST_TEST(l.locked());
    std::lock_guard<std::mutex> guard(m);
    BOOST_TEST(threads.size() == 2u);
    for (const auto& id : threads)
        BOOST_TEST((id == loop_thread),
                   "an operation of the group completed on a thread that does not run the loop");
    l.release();
}

// --- destruction --------------------------------------------------------------------

ASYNCIO_TEST_CASE(destroying_a_lock_completes_a_pending_callback_waiter_with_operation_aborted) {
    auto ex = co_await asio::this_coro::executor;
    auto l = std::make_unique<asyncio::lock>();
    co_await l->acquire();
    std::optional<error_code> result;
    l->async_acquire(store_code(ex, result));
    co_await settle();
    BOOST_TEST(!result);
    l.reset();
    BOOST_TEST(!result); // posted, not run inside the destructor
    co_await settle();
    BOOST_TEST((result && *result == asio::error::operation_aborted));
}

ASYNCIO_TEST_CASE(destroying_a_lock_fails_a_waiting_coroutine_with_operation_aborted) {
    auto l = std::make_unique<asyncio::lock>();
    co_await l->acquire();
    auto waiter = [&]() -> awaitable<void> { co_await l->acquire(); };
    auto t = co_await asyncio::create_task(waiter());
    co_await settle();
    BOOST_TEST(!t.done());
    l.reset();
    const auto e = co_await exception_of(t.wait());
    BOOST_TEST((code_of(e) == asio::error::operation_aborted));
}

// --- several threads ----------------------------------------------------------------

ASYNCIO_TEST_CASE_OPTS(lock_protects_a_non_atomic_counter_on_four_threads, .threads = 4) {
    constexpr int tasks = 2000;
    constexpr int rounds = 5;
    asyncio::lock l;
    long counter = 0;                  // not atomic: only the lock orders its accesses
    std::set<std::thread::id> threads; // likewise
    occupancy occ;
    auto count = [&] {
        ++counter;
        threads.insert(std::this_thread::get_id());
    };
    auto release = [&] { l.release(); };
    auto worker = [&](int i) { return hold_rounds(l, i, rounds, occ, count, release); };
    co_await run_tasks(tasks, worker);
    ASYNCIO_CHECK_EQUAL(counter, long(tasks) * rounds);
    ASYNCIO_CHECK_EQUAL(occ.peak.load(), 1);
    ASYNCIO_CHECK(!l.locked());
    ASYNCIO_CHECK(threads.size() > 1u); // the holders really ran on several threads
}

ASYNCIO_TEST_CASE_OPTS(
    cancelled_and_timed_out_waiters_never_lose_or_duplicate_the_lock_on_four_threads,
    .threads = 4) {
    // Waits end by hand-over, by timeout (racing the hand-over) or by a cancellation
    // from another task (racing everything); every acquisition is released exactly
    // once, nobody shares the lock, and the lock is free at the end.
    constexpr int n = 1000;
    constexpr int rounds = 4;
    asyncio::lock l;
    long counter = 0; // not atomic: only the lock orders its accesses
    hold_counts counts;
    auto count = [&] { ++counter; };
    auto release = [&] { l.release(); };
    co_await hold_racing_timeouts_and_cancellations(l, n, rounds, counts, count, release);
    ASYNCIO_CHECK_EQUAL(counter, long(counts.acquired.load()));
    ASYNCIO_CHECK_EQUAL(counts.occ.peak.load(), 1);
    ASYNCIO_CHECK(!l.locked());
    ASYNCIO_CHECK(l.try_acquire());
    l.release();
}

ASYNCIO_TEST_CASE_OPTS(cancellation_racing_the_hand_over_on_four_threads_keeps_exactly_one_holder,
                       .threads = 4) {
    // Round after round, two tasks wait for the lock; the first one's cancellation is
    // requested just before release() serves it, and is delivered on its own strand
    // while another thread may be handing the lock over: the first keeps the lock or
    // is withdrawn, and in both cases the second one gets it.
    constexpr int rounds = 200;
    asyncio::lock l;
    long counter = 0; // not atomic: only the lock orders its accesses
    occupancy occ;
    int first_kept = 0, first_withdrawn = 0;
    for (int round = 0; round < rounds; ++round) {
        co_await l.acquire();
        std::atomic<int> arrived{0};
        std::atomic<bool> first_got{false}, next_got{false};
        auto user = [&](std::atomic<bool>& got) -> awaitable<void> {
            ++arrived;
            co_await l.acquire();
            occ.enter();
            ++counter;
            got = true;
            occ.leave();
            l.release();
            co_await asyncio::sleep(0s); // where a pending cancellation shows
        };
        auto first = co_await start_until_arrived(user(first_got), arrived, 1);
        auto next = co_await start_until_arrived(user(next_got), arrived, 2);
        co_await settle(round % 3); // both are (almost surely) queued now
        first.cancel();
        l.release();
        const auto e = co_await exception_of(asyncio::wait_for(first.wait(), 2s));
        const auto next_e = co_await exception_of(asyncio::wait_for(next.wait(), 2s));
        ASYNCIO_CHECK(asyncio::is_cancellation(e));
        ASYNCIO_CHECK(!next_e); // the lock always reached the next waiter
        ASYNCIO_CHECK(next_got.load());
        (first_got.load() ? first_kept : first_withdrawn)++;
        ASYNCIO_CHECK(!l.locked());
        if (next_e || l.locked())
            break; // the lock is lost: the next rounds would only repeat the failure
    }
    ASYNCIO_CHECK_EQUAL(counter, long(rounds + first_kept));
    ASYNCIO_CHECK_EQUAL(first_kept + first_withdrawn, rounds);
    ASYNCIO_CHECK_EQUAL(occ.peak.load(), 1);
    BOOST_TEST_MESSAGE("first waiter kept the lock " << first_kept << " times, withdrawn "
                                                     << first_withdrawn << " times");
}

BOOST_AUTO_TEST_SUITE_END()

} // namespace
