// Copyright (c) 2026 The asyncio for Asio authors.
// Distributed under the Boost Software License, Version 1.0.

#include <asyncio/wait_for.hpp>

#include "test_util.hpp"

#include "child_probes.hpp"
#include "deadline_scenarios.hpp"

#include <asyncio/error.hpp>
#include <asyncio/gather.hpp>
#include <asyncio/sleep.hpp>
#include <asyncio/task.hpp>

#include <boost/asio/deferred.hpp>
#include <boost/asio/error.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/this_coro.hpp>

#include <atomic>
#include <chrono>
#include <exception>
#include <memory>
#include <mutex>
#include <type_traits>
#include <vector>

BOOST_TEST_DONT_PRINT_LOG_VALUE(asyncio::error)

namespace {

namespace asio = boost::asio;
using namespace std::chrono_literals;
using namespace asyncio::test;
using asyncio::awaitable;

// The entry point under test, for the scenarios it shares with timeout(d, aw).
struct via_wait_for {
    template <class X, class D>
    auto operator()(X aw, D d) const {
        return asyncio::wait_for(std::move(aw), d);
    }
};

BOOST_AUTO_TEST_SUITE(wait_for)

// --- in time ----------------------------------------------------------------------

ASYNCIO_TEST_CASE(returns_the_value_when_the_work_finishes_in_time) {
    co_await scenario::returns_the_value_when_the_work_finishes_in_time(via_wait_for{});
}

ASYNCIO_TEST_CASE(work_finishing_in_time_does_not_wait_for_the_deadline) {
    co_await scenario::work_finishing_in_time_does_not_wait_for_the_deadline(via_wait_for{});
}

ASYNCIO_TEST_CASE(rethrows_the_works_own_exception) {
    co_await scenario::rethrows_the_works_own_exception(via_wait_for{});
}

// --- expiry -----------------------------------------------------------------------

ASYNCIO_TEST_CASE(expiry_cancels_and_awaits_the_work_then_throws_timeout_error) {
    co_await scenario::expiry_cancels_and_awaits_the_work_then_throws_timeout_error(via_wait_for{});
}

ASYNCIO_TEST_CASE(work_ignoring_cancellation_delays_the_timeout_report) {
    co_await scenario::work_ignoring_cancellation_delays_the_timeout_report(via_wait_for{}, 50ms);
}

ASYNCIO_TEST_CASE(work_that_swallows_the_cancellation_and_returns_at_once_gives_its_value) {
    co_await scenario::work_that_swallows_the_cancellation_and_returns_at_once_gives_its_value(
        via_wait_for{});
}

ASYNCIO_TEST_CASE(work_that_uncancels_and_keeps_awaiting_gives_its_value) {
    probe p;
    stopwatch sw;
    auto w = asyncio::wait_for(swallow_and_keep_working(p, 30ms, 8), 20ms);
    const auto [v, e] = co_await ending_of(std::move(w));
    BOOST_TEST(!e, "wait_for threw: " << what_of(e));
    BOOST_TEST(v == 8);
    BOOST_TEST(p.cancelled.load());
    BOOST_TEST(p.finished.load());
    BOOST_TEST(sw.seconds() >= 0.045); // the value came after the extra work
}

// --- non-positive timeouts ----------------------------------------------------------

ASYNCIO_TEST_CASE(non_positive_timeout_never_starts_the_coroutine) {
    co_await scenario::non_positive_timeout_never_starts_the_coroutine(via_wait_for{});
}

ASYNCIO_TEST_CASE(non_positive_timeout_never_starts_an_asio_operation) {
    co_await scenario::non_positive_timeout_never_starts_an_asio_operation(via_wait_for{});
}

// --- task inputs ------------------------------------------------------------------

ASYNCIO_TEST_CASE(finished_task_returns_its_result_even_with_a_zero_timeout) {
    co_await scenario::finished_task_returns_its_result_even_with_a_zero_timeout(via_wait_for{});
}

ASYNCIO_TEST_CASE(task_finishing_in_time_returns_its_value) {
    co_await scenario::task_finishing_in_time_returns_its_value(via_wait_for{});
}

ASYNCIO_TEST_CASE(running_task_that_times_out_is_cancelled_and_awaited) {
    co_await scenario::running_task_that_times_out_is_cancelled_and_awaited(via_wait_for{}, 20ms);
}

ASYNCIO_TEST_CASE(running_task_with_a_zero_timeout_is_cancelled_and_awaited) {
    co_await scenario::running_task_that_times_out_is_cancelled_and_awaited(via_wait_for{}, 0ms);
}

// --- Asio operations --------------------------------------------------------------

ASYNCIO_TEST_CASE(asio_timer_wait_times_out) {
    co_await scenario::asio_timer_wait_times_out(via_wait_for{});
}

ASYNCIO_TEST_CASE(asio_operations_complete_with_their_values) {
    auto ex = co_await asio::this_coro::executor;
    auto posted = asyncio::wait_for(asio::post(ex, asio::deferred), 1s);
    static_assert(std::is_same_v<decltype(posted), awaitable<void>>);
    co_await std::move(posted);

    auto valued = asyncio::wait_for(value_op(42), 1s);
    static_assert(std::is_same_v<decltype(valued), awaitable<int>>);
    const auto value = co_await std::move(valued);
    BOOST_TEST(value == 42);
}

ASYNCIO_TEST_CASE(operation_that_cannot_start_rethrows_its_error) {
    auto w = asyncio::wait_for(throwing_op(), 1s);
    const auto e = co_await exception_of(std::move(w));
    BOOST_TEST(what_of(e) == "cannot start");
    BOOST_TEST(!is_a<asyncio::timeout_error>(e));
}

// --- the caller's cancellation ------------------------------------------------------

ASYNCIO_TEST_CASE(callers_cancellation_propagates_as_cancellation_not_timeout) {
    co_await scenario::callers_cancellation_propagates_as_cancellation_not_timeout(via_wait_for{});
}

ASYNCIO_TEST_CASE(callers_cancellation_after_expiry_still_propagates_as_cancellation) {
    co_await scenario::callers_cancellation_after_expiry_still_propagates_as_cancellation(
        via_wait_for{});
}

awaitable<void> wait_for_task_then_report(asyncio::task<int> t, report& r) {
    auto w = asyncio::wait_for(t, 5000ms);
    try {
        co_await std::move(w);
        r.returned = true;
    } catch (const boost::system::system_error& e) {
        r.code = e.code();
        r.work_done_at_throw = t.done();
        throw;
    }
}

ASYNCIO_TEST_CASE(callers_cancellation_cancels_a_task_input) {
    probe p;
    report r;
    auto work_body = work(p, forever, 1);
    auto t = co_await asyncio::create_task(std::move(work_body));
    auto body = wait_for_task_then_report(t, r);
    auto outer = co_await asyncio::create_task(std::move(body));
    const bool started = co_await became_true(p.started);
    BOOST_REQUIRE(started);
    outer.cancel();
    auto waited = outer.wait();
    const auto e = co_await exception_of(std::move(waited));
    BOOST_TEST(asyncio::is_cancellation(e));
    BOOST_TEST(r.code == asio::error::operation_aborted);
    BOOST_TEST(r.work_done_at_throw);
    BOOST_TEST(t.cancelled());
    BOOST_TEST(p.cleaned_up.load());
}

ASYNCIO_TEST_CASE(expiry_of_a_gather_cancels_and_awaits_all_its_children) {
    probe a, b;
    auto both = asyncio::gather(slow_cleanup(a, 20ms), slow_cleanup(b, 30ms));
    auto w = asyncio::wait_for(std::move(both), 20ms);
    auto both_cleaned_up = [&] { return a.cleaned_up && b.cleaned_up; };
    const auto [e, cleaned_at_throw] = co_await exception_of(std::move(w), both_cleaned_up);
    BOOST_TEST(is_timeout(e));
    BOOST_TEST(cleaned_at_throw);
    BOOST_TEST(a.cancelled.load());
    BOOST_TEST(b.cancelled.load());
}

// --- the seed scenario --------------------------------------------------------------

ASYNCIO_TEST_CASE(timeout_equal_to_the_work_duration_reports_timeout_deterministically) {
    co_await scenario::timeout_equal_to_the_work_duration_reports_timeout(via_wait_for{}, 10,
                                                                          100ms);
}

// --- bad input --------------------------------------------------------------------

ASYNCIO_TEST_CASE(huge_durations_do_not_overflow) {
    co_await scenario::huge_durations_do_not_overflow(via_wait_for{});
}

awaitable<std::unique_ptr<int>> boxed(int v, milliseconds d) {
    co_await asyncio::sleep(d);
    co_return std::make_unique<int>(v);
}

ASYNCIO_TEST_CASE(move_only_values_pass_through) {
    auto w = asyncio::wait_for(boxed(9, 1ms), 1s);
    const auto v = co_await std::move(w);
    BOOST_REQUIRE(v);
    BOOST_TEST(*v == 9);

    auto body = boxed(10, 1ms);
    auto t = co_await asyncio::create_task(std::move(body));
    auto on_task = asyncio::wait_for(t, 1s);
    const auto from_task = co_await std::move(on_task);
    BOOST_REQUIRE(from_task);
    BOOST_TEST(*from_task == 10);
}

// Values without a default constructor: the library must not build a T before it has one.

struct no_default {
    explicit no_default(int v) : value(v) {}
    int value;
};

awaitable<no_default> make_no_default(int v, milliseconds d) {
    co_await asyncio::sleep(d);
    co_return no_default(v);
}

ASYNCIO_TEST_CASE(non_default_constructible_values_pass_through) {
    static_assert(!std::is_default_constructible_v<no_default>);
    auto w = asyncio::wait_for(make_no_default(3, 1ms), 1s);
    const auto value = co_await std::move(w);
    BOOST_TEST(value.value == 3);

    auto body = make_no_default(4, 1ms);
    auto t = co_await asyncio::create_task(std::move(body));
    auto on_task = asyncio::wait_for(t, 1s);
    const auto from_task = co_await std::move(on_task);
    BOOST_TEST(from_task.value == 4);

    auto expiring = asyncio::wait_for(make_no_default(5, forever), 10ms);
    const auto e = co_await exception_of(std::move(expiring));
    BOOST_TEST(is_timeout(e));
}

// --- several threads --------------------------------------------------------------

// Half of them finish in time, half time out (and must be cancelled and awaited).
awaitable<void> one_wait_for(int i, std::atomic<int>& in_time, std::atomic<int>& timed_out,
                             std::atomic<int>& wrong) {
    probe p;
    const bool expires = i % 2 == 1;
    const milliseconds duration = expires ? forever : 1ms;
    const milliseconds limit = expires ? 20ms : 5000ms;
    auto w = asyncio::wait_for(work(p, duration, i), limit);
    std::exception_ptr e;
    int v = -1;
    bool cleaned_at_throw = false;
    try {
        v = co_await std::move(w);
    } catch (...) {
        e = std::current_exception();
        cleaned_at_throw = p.cleaned_up;
    }
    if (!expires && !e && v == i && p.finished)
        in_time.fetch_add(1);
    else if (expires && is_timeout(e) && cleaned_at_throw && p.cancelled)
        timed_out.fetch_add(1);
    else
        wrong.fetch_add(1);
}

ASYNCIO_TEST_CASE_OPTS(many_wait_fors_on_four_threads_count_exactly, .threads = 4) {
    constexpr int count = 200;
    std::atomic<int> in_time{0}, timed_out{0}, wrong{0};
    std::vector<asyncio::task<void>> tasks;
    for (int i = 0; i < count; ++i) {
        auto body = one_wait_for(i, in_time, timed_out, wrong);
        tasks.push_back(co_await asyncio::create_task(std::move(body)));
    }
    // Some more, on task inputs running on other strands.
    std::vector<asyncio::task<int>> workers;
    std::vector<probe> probes(20);
    for (int i = 0; i < 20; ++i) {
        auto body = work(probes[i], i % 2 == 0 ? 1ms : forever, i);
        workers.push_back(co_await asyncio::create_task(std::move(body)));
    }
    int task_in_time = 0, task_timed_out = 0;
    for (int i = 0; i < 20; ++i) {
        auto w = asyncio::wait_for(workers[i], i % 2 == 0 ? 5000ms : 20ms);
        const auto e = co_await exception_of(std::move(w));
        if (!e && i % 2 == 0)
            ++task_in_time;
        else if (is_timeout(e) && i % 2 == 1 && workers[i].cancelled())
            ++task_timed_out;
    }
    for (auto& t : tasks)
        co_await t.wait();
    ASYNCIO_CHECK_EQUAL(in_time.load(), count / 2);
    ASYNCIO_CHECK_EQUAL(timed_out.load(), count / 2);
    ASYNCIO_CHECK_EQUAL(wrong.load(), 0);
    ASYNCIO_CHECK_EQUAL(task_in_time, 10);
    ASYNCIO_CHECK_EQUAL(task_timed_out, 10);
}

// wait_for whose deadline fires about when its caller is cancelled.
awaitable<void> expiring_wait_for(probe& p) {
    auto w = asyncio::wait_for(work(p, forever, 1), 10ms);
    co_await std::move(w);
}

ASYNCIO_TEST_CASE_OPTS(caller_cancellation_racing_the_deadline_on_four_threads, .threads = 4) {
    // Whichever comes first, the caller sees a timeout or a cancellation (nothing else),
    // and the work has been cancelled and awaited.
    constexpr int count = 100;
    std::vector<probe> probes(count);
    std::vector<asyncio::task<void>> callers;
    for (int i = 0; i < count; ++i) {
        auto body = expiring_wait_for(probes[i]);
        callers.push_back(co_await asyncio::create_task(std::move(body)));
    }
    for (int i = 0; i < count; ++i) {
        if (i % 10 == 0)
            co_await asyncio::sleep(1ms); // spread the cancellations around the deadline
        callers[i].cancel();
    }
    int timeouts = 0, cancellations = 0, other = 0, not_cleaned = 0;
    for (int i = 0; i < count; ++i) {
        auto waited = callers[i].wait();
        const auto e = co_await exception_of(std::move(waited));
        if (is_timeout(e))
            ++timeouts;
        else if (asyncio::is_cancellation(e))
            ++cancellations;
        else
            ++other;
        if (probes[i].started && !probes[i].cleaned_up)
            ++not_cleaned;
    }
    ASYNCIO_CHECK_EQUAL(timeouts + cancellations, count);
    ASYNCIO_CHECK_EQUAL(other, 0);
    ASYNCIO_CHECK_EQUAL(not_cleaned, 0);
}

BOOST_AUTO_TEST_CASE(wait_for_from_a_plain_coroutine_on_a_multithreaded_io_context) {
    asio::io_context ctx; // default concurrency hint: several threads may run it
    scenario::from_a_plain_coroutine_on_a_multithreaded_io_context(ctx, 100, one_wait_for);
}

BOOST_AUTO_TEST_SUITE_END()

} // namespace
