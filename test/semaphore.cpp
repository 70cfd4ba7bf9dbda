// Copyright (c) 2026 The asyncio for Asio authors.
// Distributed under the Boost Software License, Version 1.0.

#include <asyncio/semaphore.hpp>

#include "test_util.hpp"

#include "sync_util.hpp"

#include <asyncio/error.hpp>
#include <asyncio/sleep.hpp>
#include <asyncio/task.hpp>
#include <asyncio/wait_for.hpp>

#include <boost/asio/bind_executor.hpp>
#include <boost/asio/this_coro.hpp>

#include <atomic>
#include <chrono>
#include <limits>
#include <memory>
#include <stdexcept>
#include <thread>
#include <vector>

namespace {

using namespace asyncio::test;

// Takes every free permit without waiting; returns how many there were.
int drain(asyncio::semaphore& s) {
    int n = 0;
    while (s.try_acquire())
        ++n;
    return n;
}

// Gives `n` permits back.
void give_back(asyncio::semaphore& s, int n) {
    for (int i = 0; i < n; ++i)
        s.release();
}

// Gives a permit back to a bounded semaphore; counts an over-release instead of throwing.
template <class Counter>
void release_counting_over_releases(asyncio::bounded_semaphore& s, Counter& over_releases) {
    try {
        s.release();
    } catch (const std::invalid_argument&) {
        ++over_releases;
    }
}

BOOST_AUTO_TEST_SUITE(semaphore)

// --- the normal path ----------------------------------------------------------------

ASYNCIO_TEST_CASE(default_semaphore_holds_one_permit) {
    asyncio::semaphore s;
    BOOST_TEST(!s.locked());
    co_await s.acquire();
    BOOST_TEST(s.locked());
    BOOST_TEST(!s.try_acquire());
    s.release();
    BOOST_TEST(drain(s) == 1);
    give_back(s, 1);

    asyncio::bounded_semaphore b;
    BOOST_TEST(drain(b) == 1);
    give_back(b, 1);
    BOOST_CHECK_THROW(b.release(), std::invalid_argument);
}

ASYNCIO_TEST_CASE(semaphore_of_n_lets_n_acquirers_through_without_waiting) {
    asyncio::semaphore s(3);
    bool other_ran = false;
    auto other = co_await asyncio::create_task(set_flag(other_ran));
    for (int i = 0; i < 3; ++i) {
        BOOST_TEST(!s.locked());
        co_await s.acquire();
    }
    BOOST_TEST(!other_ran); // no acquire suspended: the ready task never got a turn
    BOOST_TEST(s.locked());
    BOOST_TEST(!s.try_acquire());
    give_back(s, 3);
    BOOST_TEST(!s.locked());
    co_await other.wait();
    BOOST_TEST(other_ran);
}

ASYNCIO_TEST_CASE(semaphore_of_zero_blocks_until_released) {
    asyncio::semaphore s(0);
    BOOST_TEST(s.locked());
    BOOST_TEST(!s.try_acquire());
    std::vector<int> order;
    auto waiter = co_await asyncio::create_task(take_and_keep(s, order, 1));
    co_await settle(); // the waiter's turns: time enough to get a free permit
    BOOST_TEST(!waiter.done());
    BOOST_TEST(order.empty());
    s.release();
    co_await waiter.wait();
    BOOST_TEST(order == (std::vector<int>{1}));
    BOOST_TEST(s.locked()); // the waiter holds the only permit
    BOOST_TEST(!s.try_acquire());
}

ASYNCIO_TEST_CASE(plain_semaphore_may_be_released_past_its_initial_value) {
    asyncio::semaphore s(1);
    s.release();
    s.release();
    BOOST_TEST(drain(s) == 3);
    co_return;
}

// --- bad input ----------------------------------------------------------------------

BOOST_AUTO_TEST_CASE(negative_initial_value_throws_invalid_argument) {
    BOOST_CHECK_THROW(asyncio::semaphore(-1), std::invalid_argument);
    BOOST_CHECK_THROW(asyncio::bounded_semaphore(-1), std::invalid_argument);
    BOOST_CHECK_THROW(asyncio::semaphore(std::numeric_limits<std::ptrdiff_t>::min()),
                      std::invalid_argument);
    BOOST_CHECK_NO_THROW(asyncio::semaphore(0));
    BOOST_CHECK_NO_THROW(asyncio::bounded_semaphore(0));
}

ASYNCIO_TEST_CASE(bounded_semaphore_over_release_throws_invalid_argument_and_changes_nothing) {
    asyncio::bounded_semaphore s(2);
    BOOST_CHECK_THROW(s.release(), std::invalid_argument);
    BOOST_TEST(!s.locked());
    BOOST_TEST(drain(s) == 2); // still exactly two permits
    s.release();
    s.release();
    BOOST_CHECK_THROW(s.release(), std::invalid_argument);
    BOOST_TEST(drain(s) == 2);

    // After one acquire, one release is fine and the next one is not.
    give_back(s, 2);
    co_await s.acquire();
    s.release();
    BOOST_CHECK_THROW(s.release(), std::invalid_argument);
    BOOST_TEST(drain(s) == 2);
    give_back(s, 2);
}

ASYNCIO_TEST_CASE(bounded_semaphore_of_zero_cannot_be_released) {
    asyncio::bounded_semaphore s(0);
    BOOST_TEST(s.locked());
    BOOST_CHECK_THROW(s.release(), std::invalid_argument);
    BOOST_TEST(s.locked());
    BOOST_TEST(!s.try_acquire());
    co_return;
}

ASYNCIO_TEST_CASE(bounded_semaphore_release_to_a_waiter_is_not_an_over_release) {
    asyncio::bounded_semaphore s(1);
    co_await s.acquire();
    std::vector<int> order;
    auto waiter = co_await asyncio::create_task(take_and_keep(s, order, 1));
    co_await settle();
    s.release(); // handed to the waiter
    co_await waiter.wait();
    BOOST_TEST(order == (std::vector<int>{1}));
    BOOST_TEST(s.locked());
    s.release(); // the waiter's permit comes back
    BOOST_TEST(!s.locked());
    BOOST_CHECK_THROW(s.release(), std::invalid_argument);
    BOOST_TEST(drain(s) == 1);
    give_back(s, 1);
}

// --- FIFO service, no barging ---------------------------------------------------------

ASYNCIO_TEST_CASE(waiters_are_served_in_fifo_order) {
    asyncio::semaphore s(0);
    std::vector<int> order;
    std::vector<asyncio::task<void>> waiters;
    for (int i = 0; i < 6; ++i) {
        waiters.push_back(co_await asyncio::create_task(take_and_keep(s, order, i)));
        co_await asyncio::sleep(0s); // queue in creation order
    }
    s.release();
    s.release();
    co_await settle();
    BOOST_TEST(order == (std::vector<int>{0, 1}));
    give_back(s, 4);
    for (auto& t : waiters)
        co_await t.wait();
    BOOST_TEST(order == (std::vector<int>{0, 1, 2, 3, 4, 5}));
    BOOST_TEST(s.locked()); // each waiter kept its permit
}

ASYNCIO_TEST_CASE(each_release_wakes_exactly_one_waiter_without_running_it_inline) {
    asyncio::semaphore s(0);
    std::vector<int> order;
    auto a = co_await asyncio::create_task(take_and_keep(s, order, 1));
    auto b = co_await asyncio::create_task(take_and_keep(s, order, 2));
    co_await settle();
    s.release();
    BOOST_TEST(order.empty()); // the wake-up is posted, not run inside release()
    BOOST_TEST(s.locked());    // handed over: it never became free
    co_await a.wait();
    co_await settle();
    BOOST_TEST(order == (std::vector<int>{1}));
    BOOST_TEST(!b.done());
    s.release();
    co_await b.wait();
    BOOST_TEST(order == (std::vector<int>{1, 2}));
    BOOST_TEST(s.locked());
}

ASYNCIO_TEST_CASE(release_then_reacquire_queues_behind_existing_waiters) {
    asyncio::semaphore s(1);
    co_await release_then_reacquire_queues_behind_waiters(s);
    BOOST_TEST(drain(s) == 1);
}

ASYNCIO_TEST_CASE(tasks_that_release_and_reacquire_at_once_take_turns) {
    asyncio::semaphore s(0);
    const std::vector<int> turns{1, 2, 3, 1, 2, 3, 1, 2, 3};
    co_await reacquiring_tasks_take_turns(s, 3, turns);
    BOOST_TEST(drain(s) == 1);
}

ASYNCIO_TEST_CASE(try_acquire_fails_while_waiters_exist) {
    asyncio::semaphore s(0);
    co_await try_acquire_fails_while_a_task_waits(s);
}

// --- cancellation -------------------------------------------------------------------

ASYNCIO_TEST_CASE(cancelled_waiter_does_not_consume_a_permit) {
    asyncio::semaphore s(0);
    std::vector<int> order;
    auto a = co_await asyncio::create_task(take_and_keep(s, order, 1));
    auto b = co_await asyncio::create_task(take_and_keep(s, order, 2));
    auto c = co_await asyncio::create_task(take_and_keep(s, order, 3));
    co_await settle();
    a.cancel();
    co_await settle(); // a's cancellation is delivered while it waits
    BOOST_TEST(a.cancelled());
    s.release();
    co_await b.wait();
    co_await settle();
    BOOST_TEST(order == (std::vector<int>{2})); // the permit went to the next waiter
    BOOST_TEST(!c.done());
    s.release();
    co_await c.wait();
    BOOST_CHECK_THROW(co_await a.wait(), asyncio::cancelled_error);
    BOOST_TEST(order == (std::vector<int>{2, 3}));
    BOOST_TEST(!s.try_acquire()); // two releases, two holders, nothing left over
}

// release() serves the first of two waiting tasks, which is cancelled before it
// runs. Exactly one of {the first waiter keeps the permit, the next waiter gets it}
// happens.
awaitable<void> hand_over_race(bool cancel_requested_before_release) {
    asyncio::semaphore s(0);
    std::vector<int> order;
    auto first = co_await asyncio::create_task(take_and_keep(s, order, 1));
    auto next = co_await asyncio::create_task(take_and_keep(s, order, 2));
    co_await settle();
    if (cancel_requested_before_release) {
        // The request is delivered on the task's executor: after release() served
        // the waiter, before the waiter resumes.
        first.cancel();
        s.release();
    } else {
        s.release();
        first.cancel();
    }
    co_await exception_of(first.wait());
    co_await settle();
    const bool first_kept_it = order == std::vector<int>{1};
    const bool next_got_it = order == std::vector<int>{2};
    BOOST_TEST((first_kept_it != next_got_it), "unexpected holders");
    BOOST_TEST(first_kept_it); // the design: a served waiter keeps what it got
    BOOST_TEST(first.done());
    BOOST_TEST(next.done() == next_got_it);
    BOOST_TEST(!s.try_acquire()); // the one permit is held, not duplicated
    if (!next.done()) {
        next.cancel();
        BOOST_CHECK_THROW(co_await next.wait(), asyncio::cancelled_error);
    }
    BOOST_TEST(!s.try_acquire());
    s.release();
    BOOST_TEST(drain(s) == 1);
}

ASYNCIO_TEST_CASE(cancellation_racing_the_hand_over_neither_loses_nor_duplicates_a_permit) {
    co_await hand_over_race(true);
}

ASYNCIO_TEST_CASE(cancellation_after_the_hand_over_neither_loses_nor_duplicates_a_permit) {
    co_await hand_over_race(false);
}

ASYNCIO_TEST_CASE(served_async_acquire_keeps_its_permit_when_cancelled_before_its_handler_runs) {
    asyncio::semaphore s(0);
    co_await served_async_acquire_keeps_it_when_cancelled(s);
    BOOST_TEST(!s.try_acquire());
}

ASYNCIO_TEST_CASE(
    cancelled_async_acquire_completes_with_operation_aborted_and_next_waiter_gets_it) {
    asyncio::semaphore s(0);
    co_await cancelled_async_acquire_lets_the_next_waiter_have_it(s);
    BOOST_TEST(!s.try_acquire());
}

// --- timeouts -----------------------------------------------------------------------

ASYNCIO_TEST_CASE(wait_for_on_an_exhausted_semaphore_times_out_without_consuming_a_permit) {
    asyncio::semaphore s(0);
    asyncio::test::stopwatch clock;
    BOOST_CHECK_THROW(co_await asyncio::wait_for(s.acquire(), 20ms), asyncio::timeout_error);
    BOOST_TEST(clock.seconds() >= 0.015);
    s.release();
    BOOST_TEST(drain(s) == 1); // the timed-out waiter took nothing
}

ASYNCIO_TEST_CASE(timeout_on_an_exhausted_semaphore_lets_the_next_waiter_take_the_permit) {
    asyncio::semaphore s(0);
    co_await timed_out_waiter_lets_the_next_one_have_it(s);
    BOOST_TEST(!s.try_acquire());
}

ASYNCIO_TEST_CASE(wait_for_around_a_deferred_async_acquire) {
    asyncio::semaphore s(1);
    co_await wait_for_around_a_deferred_acquire(s);
    s.release();
    BOOST_TEST(drain(s) == 1);
}

// --- Asio tokens ----------------------------------------------------------------------

ASYNCIO_TEST_CASE(async_acquire_callback_runs_on_its_bound_executor_never_inline) {
    auto ex = co_await asio::this_coro::executor;
    const auto loop_thread = std::this_thread::get_id();
    asyncio::semaphore s(2);
    int calls = 0;
    bool on_loop_thread = true;
    auto handler = [&](error_code ec) {
        BOOST_TEST(!ec);
        ++calls;
        on_loop_thread = on_loop_thread && std::this_thread::get_id() == loop_thread;
    };
    s.async_acquire(asio::bind_executor(ex, handler));
    s.async_acquire(asio::bind_executor(ex, handler));
    BOOST_TEST(calls == 0); // permits were free: still not completed inline
    BOOST_TEST(s.locked());
    co_await settle();
    BOOST_TEST(calls == 2);
    BOOST_TEST(on_loop_thread);
    give_back(s, 2);
}

BOOST_AUTO_TEST_CASE(async_acquire_with_use_future_from_outside_the_loop) {
    asyncio::semaphore s(0);
    auto nothing_more = [] {};
    BOOST_TEST(use_future_acquire_from_outside_the_loop(s, nothing_more));
    BOOST_TEST(!s.try_acquire());
}

ASYNCIO_TEST_CASE(async_acquire_with_as_tuple_deferred_reports_the_error_code) {
    asyncio::semaphore s(1);
    co_await as_tuple_acquire_reports_the_code(s);
    s.release();
    BOOST_TEST(drain(s) == 1);
}

ASYNCIO_TEST_CASE(parallel_group_race_against_a_timer_withdraws_the_acquire) {
    asyncio::semaphore s(0);
    co_await bound_acquire_loses_a_race_with_a_timer(s);
    s.release();
    BOOST_TEST(drain(s) == 1); // the withdrawn acquire took nothing
}

ASYNCIO_TEST_CASE(parallel_group_race_against_a_timer_acquire_wins_on_a_release) {
    asyncio::semaphore s(0);
    auto release = [&] { s.release(); };
    auto t = co_await asyncio::create_task(after_turns(3, release)); // once the group waits
    co_await bound_acquire_wins_a_race_with_a_timer(s);
    co_await t.wait();
    BOOST_TEST(!s.try_acquire()); // the winner holds the permit
}

// --- destruction --------------------------------------------------------------------

ASYNCIO_TEST_CASE(destroying_a_semaphore_completes_pending_waiters_with_operation_aborted) {
    auto ex = co_await asio::this_coro::executor;
    auto s = std::make_unique<asyncio::semaphore>(0);
    std::vector<error_code> results;
    for (int i = 0; i < 3; ++i)
        s->async_acquire(asio::bind_executor(ex, [&](error_code ec) { results.push_back(ec); }));
    co_await settle();
    BOOST_TEST(results.empty());
    s.reset();
    BOOST_TEST(results.empty()); // posted, not run inside the destructor
    co_await settle();
    BOOST_TEST(results.size() == 3u);
    for (const auto& ec : results)
        BOOST_TEST((ec == asio::error::operation_aborted));
}

// --- several threads ----------------------------------------------------------------

ASYNCIO_TEST_CASE_OPTS(semaphore_never_has_more_holders_than_permits_on_four_threads,
                       .threads = 4) {
    constexpr int permits = 3;
    constexpr int tasks = 2000;
    constexpr int rounds = 5;
    // Bounded: a duplicated permit would make some release() throw.
    asyncio::bounded_semaphore s(permits);
    occupancy occ;
    std::atomic<long> entries{0};
    std::atomic<int> over_releases{0};
    auto count = [&] { ++entries; };
    auto release = [&] { release_counting_over_releases(s, over_releases); };
    auto worker = [&](int i) { return hold_rounds(s, i, rounds, occ, count, release); };
    co_await run_tasks(tasks, worker);
    ASYNCIO_CHECK_EQUAL(entries.load(), long(tasks) * rounds);
    ASYNCIO_CHECK(occ.peak.load() <= permits);
    ASYNCIO_CHECK(occ.peak.load() >= 1);
    ASYNCIO_CHECK_EQUAL(over_releases.load(), 0);
    ASYNCIO_CHECK_EQUAL(drain(s), permits); // every permit came back, no more
    give_back(s, permits);
}

ASYNCIO_TEST_CASE_OPTS(
    cancelled_and_timed_out_waiters_never_lose_or_duplicate_permits_on_four_threads, .threads = 4) {
    constexpr int permits = 2;
    constexpr int n = 1000;
    constexpr int rounds = 4;
    asyncio::bounded_semaphore s(permits);
    hold_counts counts;
    std::atomic<int> over_releases{0};
    auto count = [] {};
    auto release = [&] { release_counting_over_releases(s, over_releases); };
    co_await hold_racing_timeouts_and_cancellations(s, n, rounds, counts, count, release);
    ASYNCIO_CHECK(counts.occ.peak.load() <= permits);
    ASYNCIO_CHECK_EQUAL(over_releases.load(), 0);
    ASYNCIO_CHECK_EQUAL(drain(s), permits);
    give_back(s, permits);
}

ASYNCIO_TEST_CASE_OPTS(cancellation_racing_the_hand_over_on_four_threads_keeps_the_count,
                       .threads = 4) {
    // Round after round, two tasks wait for a permit of a bounded_semaphore(1); the
    // first one's cancellation is requested just before release() serves it: exactly
    // one of the two gets the permit, and the permit comes back exactly once.
    constexpr int rounds = 200;
    asyncio::bounded_semaphore s(1);
    int first_kept = 0, next_served = 0, over_releases = 0;
    for (int round = 0; round < rounds; ++round) {
        co_await s.acquire();
        std::atomic<int> arrived{0};
        std::atomic<bool> first_got{false}, next_got{false};
        auto user = [&](std::atomic<bool>& got) -> awaitable<void> {
            ++arrived;
            co_await s.acquire();
            got = true;
        };
        auto first = co_await start_until_arrived(user(first_got), arrived, 1);
        auto next = co_await start_until_arrived(user(next_got), arrived, 2);
        co_await settle(round % 3); // both are (almost surely) queued now
        first.cancel();
        s.release();
        co_await exception_of(asyncio::wait_for(first.wait(), 2s));
        if (first_got.load()) {
            ++first_kept;
            // `next` still waits: the permit held by `first` goes back to it.
            s.release();
        }
        const auto next_e = co_await exception_of(asyncio::wait_for(next.wait(), 2s));
        ASYNCIO_CHECK(!next_e);
        if (next_got.load())
            ++next_served;
        ASYNCIO_CHECK(s.locked()); // `next` holds the only permit
        release_counting_over_releases(s, over_releases);
        if (next_e)
            break; // a permit is lost: the next rounds would only repeat the failure
    }
    ASYNCIO_CHECK_EQUAL(next_served, rounds);
    ASYNCIO_CHECK_EQUAL(over_releases, 0);
    ASYNCIO_CHECK_EQUAL(drain(s), 1);
    s.release();
    BOOST_TEST_MESSAGE("first waiter kept the permit " << first_kept << " times out of " << rounds);
}

BOOST_AUTO_TEST_SUITE_END()

} // namespace
