// Copyright (c) 2026 The asyncio for Asio authors.
// Distributed under the Boost Software License, Version 1.0.

#include <asyncio/semaphore.hpp>

#include "test_util.hpp"

#include <asyncio/error.hpp>
#include <asyncio/sleep.hpp>
#include <asyncio/task.hpp>
#include <asyncio/timeout.hpp>
#include <asyncio/wait_for.hpp>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/bind_executor.hpp>
#include <boost/asio/cancellation_signal.hpp>
#include <boost/asio/deferred.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/experimental/parallel_group.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/use_future.hpp>

#include <atomic>
#include <chrono>
#include <exception>
#include <future>
#include <limits>
#include <memory>
#include <optional>
#include <stdexcept>
#include <thread>
#include <type_traits>
#include <vector>

namespace {

namespace asio = boost::asio;
using namespace std::chrono_literals;
using asyncio::awaitable;
using boost::system::error_code;

// Lets every ready handler run a few times (waiters reach their wait, posted
// completions run).
awaitable<void> settle(int rounds = 3) {
    for (int i = 0; i < rounds; ++i)
        co_await asyncio::sleep(0s);
}

// Counts the holders of permits and the most ever seen at once.
struct occupancy {
    std::atomic<int> now{0};
    std::atomic<int> peak{0};

    void enter() {
        const int n = ++now;
        int p = peak.load();
        while (n > p && !peak.compare_exchange_weak(p, n)) {
        }
    }

    void leave() { --now; }
};

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

// Takes a permit, records `id`, and keeps the permit.
awaitable<void> take_and_keep(asyncio::semaphore& s, std::vector<int>& order, int id) {
    co_await s.acquire();
    order.push_back(id);
}

// Takes a permit, records `id`, gives it back.
awaitable<void> take_and_record(asyncio::semaphore& s, std::vector<int>& order, int id) {
    co_await s.acquire();
    order.push_back(id);
    s.release();
}

awaitable<void> set_flag(bool& flag) {
    flag = true;
    co_return;
}

// The exception an awaitable ends with (null when it returns normally).
awaitable<std::exception_ptr> exception_of(awaitable<void> aw) {
    std::exception_ptr e;
    try {
        co_await std::move(aw);
    } catch (...) {
        e = std::current_exception();
    }
    co_return e;
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
    co_await asyncio::sleep(20ms);
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
    co_await s.acquire();
    std::vector<int> order;
    auto a = co_await asyncio::create_task(take_and_record(s, order, 1));
    auto b = co_await asyncio::create_task(take_and_record(s, order, 2));
    co_await settle();
    s.release();
    co_await s.acquire(); // must not barge ahead of the two waiters
    order.push_back(0);
    BOOST_TEST(order == (std::vector<int>{1, 2, 0}));
    BOOST_TEST(a.done());
    BOOST_TEST(b.done());
    s.release();
    BOOST_TEST(drain(s) == 1);
}

ASYNCIO_TEST_CASE(tasks_that_release_and_reacquire_at_once_take_turns) {
    asyncio::semaphore s(0);
    std::vector<int> order;
    auto looper = [&](int id) -> awaitable<void> {
        for (int i = 0; i < 3; ++i) {
            co_await s.acquire();
            order.push_back(id);
            s.release(); // then straight back to acquire(): no await in between
        }
    };
    auto a = co_await asyncio::create_task(looper(1));
    auto b = co_await asyncio::create_task(looper(2));
    auto c = co_await asyncio::create_task(looper(3));
    co_await settle();
    s.release();
    co_await a.wait();
    co_await b.wait();
    co_await c.wait();
    BOOST_TEST(order == (std::vector<int>{1, 2, 3, 1, 2, 3, 1, 2, 3}));
    BOOST_TEST(drain(s) == 1);
}

ASYNCIO_TEST_CASE(try_acquire_fails_while_waiters_exist) {
    asyncio::semaphore s(0);
    std::vector<int> order;
    auto a = co_await asyncio::create_task(take_and_keep(s, order, 1));
    co_await settle();
    BOOST_TEST(!s.try_acquire());
    s.release();
    // The permit went to the waiter, which has not run yet: none is free.
    BOOST_TEST(order.empty());
    BOOST_TEST(!s.try_acquire());
    co_await a.wait();
    BOOST_TEST(order == (std::vector<int>{1}));
    BOOST_TEST(!s.try_acquire());
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
    auto ex = co_await asio::this_coro::executor;
    asyncio::semaphore s(0);
    asio::cancellation_signal signal;
    std::optional<error_code> first, next;
    s.async_acquire(asio::bind_cancellation_slot(
        signal.slot(), asio::bind_executor(ex, [&](error_code ec) { first = ec; })));
    s.async_acquire(asio::bind_executor(ex, [&](error_code ec) { next = ec; }));
    s.release();                                    // serves `first`; its handler is posted
    signal.emit(asio::cancellation_type::terminal); // too late: it was served
    co_await settle();
    BOOST_TEST((first && !*first));
    BOOST_TEST(!next);
    s.release();
    co_await settle();
    BOOST_TEST((next && !*next));
    BOOST_TEST(!s.try_acquire());
}

ASYNCIO_TEST_CASE(
    cancelled_async_acquire_completes_with_operation_aborted_and_next_waiter_gets_it) {
    auto ex = co_await asio::this_coro::executor;
    asyncio::semaphore s(0);
    asio::cancellation_signal signal;
    std::optional<error_code> first, next;
    s.async_acquire(asio::bind_cancellation_slot(
        signal.slot(), asio::bind_executor(ex, [&](error_code ec) { first = ec; })));
    s.async_acquire(asio::bind_executor(ex, [&](error_code ec) { next = ec; }));
    signal.emit(asio::cancellation_type::terminal);
    BOOST_TEST(!first); // completed through its executor, not inside emit()
    co_await settle();
    BOOST_TEST((first && *first == asio::error::operation_aborted));
    BOOST_TEST(!next);
    s.release();
    co_await settle();
    BOOST_TEST((next && !*next));
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
    std::vector<int> order;
    auto impatient = [&]() -> awaitable<void> {
        co_await asyncio::timeout(10ms, s.acquire());
        order.push_back(1);
    };
    auto a = co_await asyncio::create_task(impatient());
    auto b = co_await asyncio::create_task(take_and_keep(s, order, 2));
    BOOST_CHECK_THROW(co_await a.wait(), asyncio::timeout_error);
    BOOST_TEST(!b.done());
    s.release();
    co_await b.wait();
    BOOST_TEST(order == (std::vector<int>{2}));
    BOOST_TEST(!s.try_acquire());
}

ASYNCIO_TEST_CASE(wait_for_around_a_deferred_async_acquire) {
    asyncio::semaphore s(1);
    co_await asyncio::wait_for(s.async_acquire(), 1s);
    BOOST_TEST(s.locked());
    BOOST_CHECK_THROW(co_await asyncio::wait_for(s.async_acquire(asio::deferred), 10ms),
                      asyncio::timeout_error);
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
    asio::io_context ctx;
    auto work = asio::make_work_guard(ctx);
    asyncio::semaphore s(0);
    std::atomic<bool> released{false};
    auto releaser = [&]() -> awaitable<void> {
        co_await asyncio::sleep(20ms);
        released = true;
        s.release();
    };
    auto t = asyncio::create_task(ctx, releaser());
    std::thread loop([&] { ctx.run(); });
    {
        asyncio::test::watchdog dog;
        auto fut = s.async_acquire(asio::use_future);
        fut.get(); // throws if the acquire failed
        BOOST_TEST(released.load());
        BOOST_TEST(s.locked());
    }
    work.reset();
    loop.join();
    BOOST_TEST(t.done());
    BOOST_TEST(!s.try_acquire());
}

ASYNCIO_TEST_CASE(async_acquire_with_as_tuple_deferred_reports_the_error_code) {
    asyncio::semaphore s(1);
    auto free_op = s.async_acquire(asio::as_tuple(asio::deferred));
    auto [ok] = co_await std::move(free_op)(asio::use_awaitable);
    BOOST_TEST(!ok);
    BOOST_TEST(s.locked());

    // A cancelled wait reports operation_aborted instead of throwing.
    std::optional<error_code> seen;
    auto waiter = [&]() -> awaitable<void> {
        auto op = s.async_acquire(asio::as_tuple(asio::deferred));
        auto [ec] = co_await std::move(op)(asio::use_awaitable);
        seen = ec;
    };
    auto t = co_await asyncio::create_task(waiter());
    co_await settle();
    BOOST_TEST(!seen);
    t.cancel();
    co_await exception_of(t.wait()); // returned or cancelled: its body saw the code
    BOOST_TEST((seen && *seen == asio::error::operation_aborted));
    s.release();
    BOOST_TEST(drain(s) == 1);
}

ASYNCIO_TEST_CASE(parallel_group_race_against_a_timer_withdraws_the_acquire) {
    auto ex = co_await asio::this_coro::executor;
    asyncio::semaphore s(0);
    asio::steady_timer timer(ex, 10ms);
    auto [order, acquire_ec, timer_ec] =
        co_await asio::experimental::make_parallel_group(
            asio::bind_executor(ex, s.async_acquire(asio::deferred)),
            timer.async_wait(asio::deferred))
            .async_wait(asio::experimental::wait_for_one(), asio::use_awaitable);
    BOOST_TEST(order[0] == 1u); // the timer won
    BOOST_TEST((acquire_ec == asio::error::operation_aborted));
    BOOST_TEST(!timer_ec);
    s.release();
    BOOST_TEST(drain(s) == 1); // the withdrawn acquire took nothing
}

ASYNCIO_TEST_CASE(parallel_group_race_against_a_timer_acquire_wins_on_a_release) {
    auto ex = co_await asio::this_coro::executor;
    asyncio::semaphore s(0);
    auto releaser = [&]() -> awaitable<void> {
        co_await asyncio::sleep(10ms);
        s.release();
    };
    auto t = co_await asyncio::create_task(releaser());
    asio::steady_timer timer(ex, 1h);
    auto [order, acquire_ec, timer_ec] =
        co_await asio::experimental::make_parallel_group(
            asio::bind_executor(ex, s.async_acquire(asio::deferred)),
            timer.async_wait(asio::deferred))
            .async_wait(asio::experimental::wait_for_one(), asio::use_awaitable);
    co_await t.wait();
    BOOST_TEST(order[0] == 0u);
    BOOST_TEST(!acquire_ec);
    BOOST_TEST((timer_ec == asio::error::operation_aborted));
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
    auto worker = [&](int i) -> awaitable<void> {
        for (int r = 0; r < rounds; ++r) {
            co_await s.acquire();
            occ.enter();
            ++entries;
            if ((i + r) % 3 == 0)
                co_await asyncio::sleep(0s); // hold the permit across a suspension
            occ.leave();
            try {
                s.release();
            } catch (const std::invalid_argument&) {
                ++over_releases;
            }
            if (r % 2 == 1)
                co_await asyncio::sleep(0s);
        }
    };
    std::vector<asyncio::task<void>> all;
    for (int i = 0; i < tasks; ++i)
        all.push_back(co_await asyncio::create_task(worker(i)));
    for (auto& t : all)
        co_await t.wait();
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
    occupancy occ;
    std::atomic<int> acquired{0}, released{0}, timed_out{0}, over_releases{0};
    auto worker = [&](int i) -> awaitable<void> {
        for (int r = 0; r < rounds; ++r) {
            if ((i + r) % 2 == 0) {
                auto w = asyncio::wait_for(s.acquire(),
                                           std::chrono::microseconds((i * 7 + r * 13) % 300 + 1));
                bool got = false;
                try {
                    co_await std::move(w);
                    got = true;
                } catch (const asyncio::timeout_error&) {
                    ++timed_out;
                }
                if (!got)
                    continue;
            } else {
                co_await s.acquire();
            }
            ++acquired;
            occ.enter();
            std::exception_ptr e;
            try {
                co_await asyncio::sleep(0s);
            } catch (...) {
                e = std::current_exception();
            }
            occ.leave();
            ++released;
            try {
                s.release();
            } catch (const std::invalid_argument&) {
                ++over_releases;
            }
            if (e)
                std::rethrow_exception(e);
        }
    };
    auto canceller = [](asyncio::task<void> victim, int i) -> awaitable<void> {
        for (int k = 0; k < i % 5; ++k)
            co_await asyncio::sleep(0s);
        victim.cancel();
    };
    std::vector<asyncio::task<void>> workers, cancellers;
    for (int i = 0; i < n; ++i) {
        workers.push_back(co_await asyncio::create_task(worker(i)));
        if (i % 2 == 0)
            cancellers.push_back(co_await asyncio::create_task(canceller(workers.back(), i)));
    }
    int finished = 0, cancelled = 0;
    for (auto& t : workers) {
        const auto e = co_await exception_of(t.wait());
        if (!e)
            ++finished;
        else if (asyncio::is_cancellation(e))
            ++cancelled;
    }
    for (auto& t : cancellers)
        co_await t.wait();
    ASYNCIO_CHECK_EQUAL(finished + cancelled, n); // no other failure
    ASYNCIO_CHECK(finished >= n - int(cancellers.size()));
    ASYNCIO_CHECK_EQUAL(acquired.load(), released.load());
    ASYNCIO_CHECK(occ.peak.load() <= permits);
    ASYNCIO_CHECK_EQUAL(over_releases.load(), 0);
    ASYNCIO_CHECK_EQUAL(drain(s), permits);
    give_back(s, permits);
    BOOST_TEST_MESSAGE("acquired " << acquired.load() << ", timed out " << timed_out.load()
                                   << ", cancelled tasks " << cancelled);
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
        auto first = co_await asyncio::create_task(user(first_got));
        while (arrived.load() < 1)
            co_await asyncio::sleep(0s);
        auto next = co_await asyncio::create_task(user(next_got));
        while (arrived.load() < 2)
            co_await asyncio::sleep(0s);
        for (int k = 0; k < round % 3; ++k)
            co_await asyncio::sleep(0s); // both are (almost surely) queued now
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
        try {
            s.release();
        } catch (const std::invalid_argument&) {
            ++over_releases;
        }
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
