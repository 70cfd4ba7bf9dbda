// Copyright (c) 2026 The asyncio for Asio authors.
// Distributed under the Boost Software License, Version 1.0.

#include <asyncio/barrier.hpp>

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
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_future.hpp>

#include <atomic>
#include <chrono>
#include <cstddef>
#include <future>
#include <memory>
#include <optional>
#include <stdexcept>
#include <tuple>
#include <utility>
#include <vector>

namespace {

using namespace asyncio::test;

// A party that waits once and stores its arrival index.
awaitable<void> arrive(asyncio::barrier& b, std::optional<std::size_t>& index) {
    index = co_await b.wait();
}

// Waits until `n` parties wait on `b`.
awaitable<bool> until_waiting(asyncio::barrier& b, std::size_t n) {
    auto enough = [&] { return b.n_waiting() == n; };
    co_return co_await eventually(enough);
}

// Starts a party (arrive) storing its index in `index`, then checks that `waiting`
// parties wait on `b` soon after.
awaitable<asyncio::task<void>> start_party(asyncio::barrier& b, std::optional<std::size_t>& index,
                                           std::size_t waiting) {
    auto t = co_await asyncio::create_task(arrive(b, index));
    BOOST_TEST(co_await until_waiting(b, waiting));
    co_return t;
}

// How the parties of meet_for_rounds met.
struct rounds_report {
    int wrong = 0;       // (round, index) pairs not handed out exactly once
    int out_of_step = 0; // times a party saw another more than a round away
};

// Runs `parties` tasks (the parties of `b`) that each wait on `b` `rounds` times, and
// reports how the arrival indices were handed out.
awaitable<rounds_report> meet_for_rounds(asyncio::barrier& b, int parties, int rounds) {
    std::vector<std::atomic<int>> count(rounds * parties); // [round][index]
    std::vector<std::atomic<int>> round_of(parties);
    std::atomic<int> out_of_step{0};
    auto party = [&](int id) -> awaitable<void> {
        for (int r = 0; r < rounds; ++r) {
            const std::size_t index = co_await b.wait();
            ++count[r * parties + index];
            round_of[id] = r + 1;
            for (auto& other : round_of) { // nobody is more than a round away
                const int o = other.load();
                if (o > r + 1 || o < r)
                    ++out_of_step;
            }
        }
    };
    co_await run_tasks(parties, party);
    rounds_report report;
    for (auto& c : count)
        if (c.load() != 1)
            ++report.wrong;
    report.out_of_step = out_of_step.load();
    co_return report;
}

// Starts two parties (start_party) storing their indices in `i0` and `i1`: both wait on
// `b` afterwards.
awaitable<std::pair<asyncio::task<void>, asyncio::task<void>>>
start_two_parties(asyncio::barrier& b, std::optional<std::size_t>& i0,
                  std::optional<std::size_t>& i1) {
    auto t0 = co_await start_party(b, i0, 1);
    auto t1 = co_await start_party(b, i1, 2);
    co_return std::pair{std::move(t0), std::move(t1)};
}

BOOST_AUTO_TEST_SUITE(barrier)

// --- bad input ----------------------------------------------------------------------

BOOST_AUTO_TEST_CASE(fewer_than_one_party_throws_invalid_argument) {
    BOOST_CHECK_THROW(asyncio::barrier(0), std::invalid_argument);
    BOOST_CHECK_THROW(asyncio::barrier(-1), std::invalid_argument);
    BOOST_CHECK_THROW(asyncio::barrier(-1000), std::invalid_argument);
    asyncio::barrier one(1);
    BOOST_TEST(one.parties() == 1u);
}

// --- normal path --------------------------------------------------------------------

ASYNCIO_TEST_CASE(parties_n_waiting_and_broken_report_the_state) {
    asyncio::barrier b(3);
    BOOST_TEST(b.parties() == 3u);
    BOOST_TEST(b.n_waiting() == 0u);
    BOOST_TEST(!b.broken());
    std::optional<std::size_t> i0, i1, i2;
    auto [t0, t1] = co_await start_two_parties(b, i0, i1);
    BOOST_TEST(!b.broken());
    auto t2 = co_await asyncio::create_task(arrive(b, i2));
    co_await t0.wait();
    co_await t1.wait();
    co_await t2.wait();
    BOOST_TEST(b.n_waiting() == 0u); // ready for the next round
    BOOST_TEST(b.parties() == 3u);
    BOOST_TEST(!b.broken());
}

ASYNCIO_TEST_CASE(single_party_barrier_releases_each_wait_at_once) {
    asyncio::barrier b(1);
    for (int i = 0; i < 3; ++i) {
        const std::size_t index = co_await b.wait();
        BOOST_TEST(index == 0u);
    }
    BOOST_TEST(b.n_waiting() == 0u);
}

ASYNCIO_TEST_CASE(arrival_indices_follow_the_arrival_order) {
    constexpr int parties = 5;
    asyncio::barrier b(parties);
    std::vector<std::optional<std::size_t>> index(parties);
    std::vector<asyncio::task<void>> tasks;
    for (int i = 0; i < parties; ++i) {
        tasks.push_back(co_await start_party(b, index[i], i + 1 == parties ? 0 : i + 1));
    }
    for (auto& t : tasks)
        co_await t.wait();
    for (int i = 0; i < parties; ++i) {
        BOOST_TEST_REQUIRE(index[i].has_value());
        BOOST_TEST(*index[i] == static_cast<std::size_t>(i)); // 0 first, parties - 1 last
    }
}

ASYNCIO_TEST_CASE(last_arrival_returns_without_suspending) {
    asyncio::barrier b(3);
    std::optional<std::size_t> i0, i1;
    auto [t0, t1] = co_await start_two_parties(b, i0, i1);
    bool other_ran = false;
    auto probe = co_await asyncio::create_task(set_flag(other_ran));
    const std::size_t last = co_await b.wait();
    BOOST_TEST(last == 2u);
    BOOST_TEST(!other_ran); // no suspension
    BOOST_TEST(!i0);        // the released parties resume later, on their own executors
    BOOST_TEST(!i1);
    BOOST_TEST(b.n_waiting() == 0u);
    co_await t0.wait();
    co_await t1.wait();
    co_await probe.wait();
    BOOST_TEST((i0 == 0u));
    BOOST_TEST((i1 == 1u));
}

ASYNCIO_TEST_CASE(barrier_is_reused_cyclically_over_many_rounds) {
    constexpr int parties = 4;
    constexpr int rounds = 200;
    asyncio::barrier b(parties);
    const auto report = co_await meet_for_rounds(b, parties, rounds);
    BOOST_TEST(report.wrong == 0); // each index exactly once per round
    BOOST_TEST(report.out_of_step == 0);
    BOOST_TEST(b.n_waiting() == 0u);
    BOOST_TEST(!b.broken());
}

// --- abort and reset ----------------------------------------------------------------

ASYNCIO_TEST_CASE(abort_breaks_the_waiters_and_later_waits_until_reset) {
    asyncio::barrier b(3);
    std::optional<std::size_t> i0, i1;
    auto [t0, t1] = co_await start_two_parties(b, i0, i1);
    b.abort();
    BOOST_TEST(b.broken());
    BOOST_TEST(b.n_waiting() == 0u);
    BOOST_CHECK_THROW(co_await asyncio::wait_for(t0.wait(), 2s), asyncio::broken_barrier_error);
    BOOST_CHECK_THROW(co_await asyncio::wait_for(t1.wait(), 2s), asyncio::broken_barrier_error);
    BOOST_TEST(!i0);
    BOOST_TEST(!i1);

    // Later waits fail at once, without suspending.
    bool other_ran = false;
    auto probe = co_await asyncio::create_task(set_flag(other_ran));
    BOOST_CHECK_THROW(co_await b.wait(), asyncio::broken_barrier_error);
    BOOST_CHECK_THROW(co_await b.wait(), asyncio::broken_barrier_error);
    BOOST_TEST(!other_ran);
    BOOST_TEST(b.n_waiting() == 0u);
    co_await probe.wait();
    b.abort(); // again: still broken
    BOOST_TEST(b.broken());

    b.reset();
    BOOST_TEST(!b.broken());
    std::optional<std::size_t> j0, j1;
    auto [u0, u1] = co_await start_two_parties(b, j0, j1);
    const std::size_t last = co_await b.wait();
    co_await u0.wait();
    co_await u1.wait();
    BOOST_TEST((j0 == 0u));
    BOOST_TEST((j1 == 1u));
    BOOST_TEST(last == 2u);
}

ASYNCIO_TEST_CASE(reset_breaks_the_current_waiters_and_the_barrier_stays_usable) {
    asyncio::barrier b(3);
    std::optional<std::size_t> i0, i1;
    auto [t0, t1] = co_await start_two_parties(b, i0, i1);
    b.reset();
    BOOST_TEST(b.n_waiting() == 0u);
    BOOST_TEST(!b.broken());
    BOOST_CHECK_THROW(co_await asyncio::wait_for(t0.wait(), 2s), asyncio::broken_barrier_error);
    BOOST_CHECK_THROW(co_await asyncio::wait_for(t1.wait(), 2s), asyncio::broken_barrier_error);

    // A fresh round of three: the two failed parties do not count.
    std::optional<std::size_t> j0, j1, j2;
    auto [u0, u1] = co_await start_two_parties(b, j0, j1);
    auto u2 = co_await asyncio::create_task(arrive(b, j2));
    co_await u0.wait();
    co_await u1.wait();
    co_await u2.wait();
    BOOST_TEST((j0 == 0u));
    BOOST_TEST((j1 == 1u));
    BOOST_TEST((j2 == 2u));
    BOOST_TEST(!b.broken());
}

// --- cancellation -------------------------------------------------------------------

ASYNCIO_TEST_CASE(cancelled_waiter_breaks_the_barrier) {
    asyncio::barrier b(3);
    std::optional<std::size_t> i0, i1;
    auto [t0, t1] = co_await start_two_parties(b, i0, i1);
    BOOST_TEST(t1.cancel());
    const auto e1 = co_await exception_of(t1.wait());
    const auto e0 = co_await exception_of(asyncio::wait_for(t0.wait(), 2s));
    BOOST_TEST(is_a<asyncio::cancelled_error>(e1));      // the cancelled one: a cancellation
    BOOST_TEST(is_a<asyncio::broken_barrier_error>(e0)); // the others: broken
    BOOST_TEST(b.broken());
    BOOST_TEST(b.n_waiting() == 0u);
    BOOST_CHECK_THROW(co_await b.wait(), asyncio::broken_barrier_error);
    b.reset();
    BOOST_TEST(!b.broken());
}

ASYNCIO_TEST_CASE(cancellation_after_the_round_completed_has_no_effect) {
    // The last arrival released the round before the cancellation was delivered: the
    // cancelled party keeps its index and the barrier is not broken.
    asyncio::barrier b(2);
    std::optional<std::size_t> i0;
    auto t0 = co_await start_party(b, i0, 1);
    const std::size_t last = co_await b.wait();
    BOOST_TEST(t0.cancel());
    const auto e0 = co_await exception_of(asyncio::wait_for(t0.wait(), 2s));
    BOOST_TEST(!e0);
    BOOST_TEST((i0 == 0u));
    BOOST_TEST(last == 1u);
    BOOST_TEST(!b.broken());
    BOOST_TEST(b.n_waiting() == 0u);
}

// --- timeouts -----------------------------------------------------------------------

ASYNCIO_TEST_CASE(wait_under_wait_for_timing_out_breaks_the_barrier) {
    asyncio::barrier b(3);
    std::optional<std::size_t> i0;
    auto t0 = co_await start_party(b, i0, 1);
    asyncio::test::stopwatch clock;
    BOOST_CHECK_THROW(co_await asyncio::wait_for(b.wait(), 20ms), asyncio::timeout_error);
    BOOST_TEST(clock.seconds() >= 0.015);
    BOOST_TEST(b.broken());
    BOOST_CHECK_THROW(co_await asyncio::wait_for(t0.wait(), 2s), asyncio::broken_barrier_error);
    BOOST_TEST(b.n_waiting() == 0u);
}

ASYNCIO_TEST_CASE(wait_under_timeout_timing_out_breaks_the_barrier) {
    asyncio::barrier b(2);
    BOOST_CHECK_THROW(co_await asyncio::timeout(20ms, b.wait()), asyncio::timeout_error);
    BOOST_TEST(b.broken());
    b.reset();
    auto op = b.async_wait(); // the Asio operation form, under a timeout too
    BOOST_CHECK_THROW(co_await asyncio::timeout(20ms, std::move(op)), asyncio::timeout_error);
    BOOST_TEST(b.broken());
}

ASYNCIO_TEST_CASE(wait_under_wait_for_completing_in_time_yields_the_index) {
    asyncio::barrier b(2);
    auto other = [&]() -> awaitable<void> {
        const bool first_arrived = co_await until_waiting(b, 1); // arrives second
        BOOST_TEST(first_arrived);
        const std::size_t i = co_await b.wait();
        BOOST_TEST(i == 1u);
    };
    auto t = co_await asyncio::create_task(other());
    const std::size_t index = co_await asyncio::wait_for(b.wait(), 5s);
    BOOST_TEST(index == 0u);
    co_await t.wait();
    BOOST_TEST(!b.broken());
}

// --- Asio completion tokens ---------------------------------------------------------

ASYNCIO_TEST_CASE(async_wait_with_a_callback_gets_the_code_and_the_index) {
    auto ex = co_await asio::this_coro::executor;
    asyncio::barrier b(2);
    std::optional<std::pair<error_code, std::size_t>> first, second;
    b.async_wait(asio::bind_executor(ex, [&](error_code ec, std::size_t i) { first = {ec, i}; }));
    BOOST_TEST(co_await until_waiting(b, 1));
    b.async_wait(asio::bind_executor(ex, [&](error_code ec, std::size_t i) { second = {ec, i}; }));
    BOOST_TEST(!first);  // the round completed, but neither handler runs inline,
    BOOST_TEST(!second); // not even the last arrival's
    auto both = [&] { return first && second; };
    BOOST_TEST(co_await eventually(both));
    BOOST_TEST(!first->first);
    BOOST_TEST(first->second == 0u);
    BOOST_TEST(!second->first);
    BOOST_TEST(second->second == 1u);

    b.abort();
    std::optional<error_code> broken;
    b.async_wait(store_code(ex, broken));
    BOOST_TEST(!broken);
    auto called = [&] { return broken.has_value(); };
    BOOST_TEST(co_await eventually(called));
    BOOST_TEST((*broken == asyncio::error::broken_barrier));
}

ASYNCIO_TEST_CASE(async_wait_with_use_future_deferred_and_as_tuple) {
    asyncio::barrier b(3);
    auto f0 = b.async_wait(asio::use_future);
    auto f1 = b.async_wait(asio::use_future);
    BOOST_TEST(b.n_waiting() == 2u);
    auto last_op = b.async_wait(asio::as_tuple(asio::deferred));
    auto [ec, last] = co_await std::move(last_op);
    BOOST_TEST(!ec);
    BOOST_TEST(last == 2u);
    auto futures_ready = [&] { // polled: the loop must not block
        return f0.wait_for(0s) == std::future_status::ready &&
               f1.wait_for(0s) == std::future_status::ready;
    };
    BOOST_TEST(co_await eventually(futures_ready));
    BOOST_TEST(f0.get() == 0u);
    BOOST_TEST(f1.get() == 1u);

    b.abort();
    auto broken_op = b.async_wait(asio::as_tuple(asio::deferred));
    auto [broken_ec, index] = co_await std::move(broken_op);
    BOOST_TEST((broken_ec == asyncio::error::broken_barrier));
    (void)index;
    auto failing = b.async_wait(asio::deferred);
    const auto e = co_await exception_of(std::move(failing));
    BOOST_TEST(is_a<boost::system::system_error>(e));
    std::optional<error_code> broken_ec_of_callback; // no executor: completes on this loop
    b.async_wait([&](error_code ec, std::size_t) { broken_ec_of_callback = ec; });
    BOOST_TEST(!broken_ec_of_callback);
    auto called = [&] { return broken_ec_of_callback.has_value(); };
    BOOST_TEST(co_await eventually(called));
    BOOST_TEST((*broken_ec_of_callback == asyncio::error::broken_barrier));
}

ASYNCIO_TEST_CASE(async_wait_in_a_parallel_group_losing_to_a_timer_breaks_the_barrier) {
    asyncio::barrier b(3);
    std::optional<std::size_t> i0;
    auto t0 = co_await start_party(b, i0, 1);
    // Inside the group the operation's handler has no executor of its own: it completes
    // on this loop, as the timer's does.
    co_await expect_a_timer_to_win_over(b.async_wait(asio::deferred), 20ms);
    BOOST_TEST(b.broken());
    BOOST_CHECK_THROW(co_await asyncio::wait_for(t0.wait(), 2s), asyncio::broken_barrier_error);
}

ASYNCIO_TEST_CASE(async_wait_in_a_parallel_group_completing_the_round_beats_a_timer) {
    auto ex = co_await asio::this_coro::executor;
    asyncio::barrier b(2);
    std::optional<std::size_t> i0;
    auto t0 = co_await start_party(b, i0, 1);
    asio::steady_timer timer(ex, 10s);
    auto op = race_with_timer(b.async_wait(asio::deferred), timer);
    auto [order, ec_wait, index, ec_timer] = co_await std::move(op);
    BOOST_TEST(order[0] == 0u);
    BOOST_TEST(!ec_wait);
    BOOST_TEST(index == 1u);
    BOOST_TEST(ec_timer == asio::error::operation_aborted);
    co_await t0.wait();
    BOOST_TEST((i0 == 0u));
    BOOST_TEST(!b.broken());
}

// --- destruction --------------------------------------------------------------------

ASYNCIO_TEST_CASE(destroying_a_barrier_completes_pending_waits_with_operation_aborted) {
    auto ex = co_await asio::this_coro::executor;
    auto b = std::make_unique<asyncio::barrier>(3);
    std::optional<error_code> got;
    b->async_wait(store_code(ex, got));
    BOOST_TEST(b->n_waiting() == 1u);
    b.reset();
    BOOST_TEST(!got); // posted, not run inside the destructor
    auto called = [&] { return got.has_value(); };
    BOOST_TEST(co_await eventually(called));
    BOOST_TEST(*got == asio::error::operation_aborted);
}

// --- several threads ----------------------------------------------------------------

ASYNCIO_TEST_CASE_OPTS(many_parties_over_many_rounds_on_four_threads, .threads = 4) {
    constexpr int parties = 64;
    constexpr int rounds = 60;
    asyncio::barrier b(parties);
    const auto report = co_await meet_for_rounds(b, parties, rounds);
    ASYNCIO_CHECK_EQUAL(report.wrong, 0); // each index exactly once in every round
    ASYNCIO_CHECK_EQUAL(report.out_of_step, 0);
    ASYNCIO_CHECK_EQUAL(b.n_waiting(), 0u);
    ASYNCIO_CHECK(!b.broken());
}

ASYNCIO_TEST_CASE_OPTS(abort_from_another_thread_breaks_every_waiter_on_four_threads,
                       .threads = 4) {
    constexpr int waiters = 1000;
    asyncio::barrier b(waiters + 1); // the round never completes
    std::atomic<int> broken{0};
    std::atomic<int> other{0};
    auto party = [&]() -> awaitable<void> {
        try {
            co_await b.wait();
        } catch (const asyncio::broken_barrier_error&) {
            ++broken;
            co_return;
        } catch (...) {
            ++other;
            throw;
        }
        ++other;
    };
    auto all_waiting = [&] { return b.n_waiting() == static_cast<std::size_t>(waiters); };
    auto tasks = co_await start_tasks_until(waiters, party, all_waiting);
    std::thread aborter([&] { b.abort(); });
    aborter.join();
    for (auto& t : tasks)
        co_await t.wait();
    ASYNCIO_CHECK_EQUAL(broken.load(), waiters);
    ASYNCIO_CHECK_EQUAL(other.load(), 0);
    ASYNCIO_CHECK(b.broken());
    ASYNCIO_CHECK_EQUAL(b.n_waiting(), 0u);
}

ASYNCIO_TEST_CASE_OPTS(cancellations_racing_round_completion_on_four_threads_stay_consistent,
                       .threads = 4) {
    // Pairs meet on a two-party barrier while half of the first arrivals are cancelled
    // from another thread: every pair ends either released together (indices 0 and 1)
    // or with the barrier broken, and nobody hangs.
    constexpr int pairs = 300;
    std::vector<std::unique_ptr<asyncio::barrier>> barriers;
    for (int i = 0; i < pairs; ++i)
        barriers.push_back(std::make_unique<asyncio::barrier>(2));
    std::vector<std::optional<std::size_t>> first(pairs), second(pairs);
    std::vector<asyncio::task<void>> firsts;
    for (int i = 0; i < pairs; ++i)
        firsts.push_back(co_await asyncio::create_task(arrive(*barriers[i], first[i])));
    auto all_waiting = [&] {
        for (auto& b : barriers)
            if (b->n_waiting() != 1)
                return false;
        return true;
    };
    const bool all_waiting_in_time = co_await eventually(all_waiting, 10s);
    ASYNCIO_CHECK(all_waiting_in_time);
    std::thread canceller([&] {
        for (int i = 0; i < pairs; i += 2)
            firsts[i].cancel();
    });
    std::vector<asyncio::task<void>> seconds;
    for (int i = 0; i < pairs; ++i)
        seconds.push_back(co_await asyncio::create_task(arrive(*barriers[i], second[i])));
    canceller.join();
    int released = 0;
    int broke = 0;
    int inconsistent = 0;
    for (int i = 0; i < pairs; ++i) {
        const auto e1 = co_await exception_of(firsts[i].wait());
        const auto e2 = co_await exception_of(seconds[i].wait());
        if (!e1 && !e2 && first[i] == 0u && second[i] == 1u && !barriers[i]->broken())
            ++released;
        else if (is_a<asyncio::cancelled_error>(e1) && !first[i] &&
                 (is_a<asyncio::broken_barrier_error>(e2) || is_a<asyncio::cancelled_error>(e2)) &&
                 !second[i] && barriers[i]->broken())
            ++broke;
        else
            ++inconsistent;
        if (i % 2 == 1 && e1) // nobody cancelled these
            ++inconsistent;
    }
    ASYNCIO_CHECK_EQUAL(inconsistent, 0);
    ASYNCIO_CHECK_EQUAL(released + broke, pairs);
    ASYNCIO_CHECK(released >= pairs / 2);
}

BOOST_AUTO_TEST_SUITE_END()

} // namespace
