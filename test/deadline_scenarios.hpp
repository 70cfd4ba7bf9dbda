// Copyright (c) 2026 The asyncio for Asio authors.
// Distributed under the Boost Software License, Version 1.0.

// The rules asyncio::wait_for(aw, d) and asyncio::timeout(d, aw) share (both are
// detail::with_deadline), written once. Each scenario takes the entry point under test
// as a function object, `with_deadline(aw, d)`; test/wait_for.cpp and test/timeout.cpp
// run them through their own, each from a test case of its own.

#ifndef ASYNCIO_TEST_DEADLINE_SCENARIOS_HPP
#define ASYNCIO_TEST_DEADLINE_SCENARIOS_HPP

#include "test_util.hpp"

#include "child_probes.hpp"

#include <asyncio/error.hpp>
#include <asyncio/gather.hpp>
#include <asyncio/sleep.hpp>
#include <asyncio/task.hpp>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/deferred.hpp>
#include <boost/asio/error.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>

#include <atomic>
#include <chrono>
#include <exception>
#include <stdexcept>
#include <string>
#include <system_error>
#include <type_traits>
#include <utility>
#include <vector>

namespace asyncio::test::scenario {

// --- in time ----------------------------------------------------------------------

template <class Deadline>
awaitable<void> returns_the_value_when_the_work_finishes_in_time(Deadline with_deadline) {
    probe p;
    auto w = with_deadline(work(p, 10ms, 42), 2s);
    static_assert(std::is_same_v<decltype(w), awaitable<int>>);
    const int v = co_await std::move(w);
    BOOST_TEST(v == 42);
    BOOST_TEST(p.finished.load());
    BOOST_TEST(!p.cancelled.load());

    auto nothing = with_deadline(asyncio::sleep(5ms), 2s);
    static_assert(std::is_same_v<decltype(nothing), awaitable<void>>);
    co_await std::move(nothing);

    auto text = with_deadline(asyncio::sleep(1ms, std::string("text")), 1h);
    const auto text_value = co_await std::move(text);
    BOOST_TEST(text_value == "text");
}

template <class Deadline>
awaitable<void> work_finishing_in_time_does_not_wait_for_the_deadline(Deadline with_deadline) {
    stopwatch sw;
    auto w = with_deadline(asyncio::sleep(1ms, 1), forever);
    const int v = co_await std::move(w);
    BOOST_TEST(v == 1);
    BOOST_TEST(sw.seconds() < 5.0); // the deadline's timer was cancelled, not waited out
}

template <class Deadline>
awaitable<void> rethrows_the_works_own_exception(Deadline with_deadline) {
    auto w = with_deadline(fail_after(5ms, "boom"), 2s);
    const auto e = co_await exception_of(std::move(w));
    BOOST_TEST(is_a<std::runtime_error>(e));
    BOOST_TEST(what_of(e) == "boom");
    BOOST_TEST(!is_a<asyncio::timeout_error>(e));

    auto at_once = with_deadline(fail_after(0ms, "at once"), 2s);
    const auto e2 = co_await exception_of(std::move(at_once));
    BOOST_TEST(what_of(e2) == "at once");

    // A system_error of the work keeps its own code.
    auto refused = with_deadline(value_op(0, boost::asio::error::connection_refused), 2s);
    const auto e3 = co_await exception_of(std::move(refused));
    BOOST_TEST(code_of(e3) == boost::asio::error::connection_refused);
}

// --- expiry -----------------------------------------------------------------------

template <class Deadline>
awaitable<void>
expiry_cancels_and_awaits_the_work_then_throws_timeout_error(Deadline with_deadline) {
    probe p;
    stopwatch sw;
    auto w = with_deadline(work(p, forever, 1), 20ms);
    auto cleaned_up = [&p] { return p.cleaned_up.load(); };
    const auto [e, cleaned_at_throw] = co_await exception_of(std::move(w), cleaned_up);
    BOOST_TEST(is_a<asyncio::timeout_error>(e));
    BOOST_TEST(code_of(e) == asyncio::error::timeout);
    BOOST_TEST((code_of(e) == std::errc::timed_out));
    BOOST_TEST(p.cancelled.load());
    BOOST_TEST(!p.finished.load());
    BOOST_TEST(cleaned_at_throw);
    BOOST_TEST(sw.seconds() >= 0.015);
    BOOST_TEST(sw.seconds() < 5.0);
}

// "A group waits for its loser": the work spends `cleanup` on cleanup after the 20 ms
// deadline, and the timeout is reported only after that.
template <class Deadline>
awaitable<void> work_ignoring_cancellation_delays_the_timeout_report(Deadline with_deadline,
                                                                     milliseconds cleanup) {
    probe p;
    stopwatch sw;
    auto w = with_deadline(slow_cleanup(p, cleanup), 20ms);
    auto cleaned_up = [&p] { return p.cleaned_up.load(); };
    const auto [e, cleaned_at_throw] = co_await exception_of(std::move(w), cleaned_up);
    BOOST_TEST(is_timeout(e));
    BOOST_TEST((code_of(e) == std::errc::timed_out));
    BOOST_TEST(p.cancelled.load());
    BOOST_TEST(cleaned_at_throw);
    // The deadline and the cleanup, at least (less 5 ms for the timers' rounding).
    const double at_least = std::chrono::duration<double>(20ms + cleanup - 5ms).count();
    BOOST_TEST(sw.seconds() >= at_least);
    BOOST_TEST(sw.seconds() < 5.0);
}

template <class Deadline>
awaitable<void>
work_that_swallows_the_cancellation_and_returns_at_once_gives_its_value(Deadline with_deadline) {
    probe p;
    auto w = with_deadline(swallow_and_return(p, 7), 20ms);
    const auto [v, e] = co_await ending_of(std::move(w));
    BOOST_TEST(!e, "the deadline threw: " << what_of(e));
    BOOST_TEST(v == 7);
    BOOST_TEST(p.cancelled.load());
}

// --- non-positive timeouts ----------------------------------------------------------

template <class Deadline>
awaitable<void> non_positive_timeout_never_starts_the_coroutine(Deadline with_deadline) {
    probe zero, negative, fractional, ns;
    auto w0 = with_deadline(work(zero, 0ms, 1), 0s);
    const auto e0 = co_await exception_of(std::move(w0));
    auto w1 = with_deadline(work(negative, 0ms, 1), -1s);
    const auto e1 = co_await exception_of(std::move(w1));
    auto w2 = with_deadline(work(fractional, 0ms, 1), std::chrono::duration<double>(-0.5));
    const auto e2 = co_await exception_of(std::move(w2));
    auto w3 = with_deadline(work(ns, 0ms, 1), std::chrono::nanoseconds(0));
    const auto e3 = co_await exception_of(std::move(w3));
    BOOST_TEST(is_timeout(e0));
    BOOST_TEST(is_timeout(e1));
    BOOST_TEST(is_timeout(e2));
    BOOST_TEST(is_timeout(e3));
    BOOST_TEST(!zero.started.load());
    BOOST_TEST(!negative.started.load());
    BOOST_TEST(!fractional.started.load());
    BOOST_TEST(!ns.started.load());
}

template <class Deadline>
awaitable<void> non_positive_timeout_never_starts_an_asio_operation(Deadline with_deadline) {
    namespace asio = boost::asio;
    auto ex = co_await asio::this_coro::executor;
    std::atomic<bool> started{false};
    auto w = with_deadline(flagged_op(started), 0s);
    const auto e = co_await exception_of(std::move(w));
    BOOST_TEST(is_timeout(e));
    BOOST_TEST(!started.load());

    // A timer wait that would succeed at once still times out...
    asio::steady_timer expired_timer(ex, std::chrono::steady_clock::time_point::min());
    auto on_timer = with_deadline(expired_timer.async_wait(asio::deferred), -1ms);
    const auto e2 = co_await exception_of(std::move(on_timer));
    BOOST_TEST(is_timeout(e2));
    auto posted = with_deadline(asio::post(ex, asio::deferred), 0s);
    const auto e3 = co_await exception_of(std::move(posted));
    BOOST_TEST(is_timeout(e3));

    // ...while with time left the same operations complete.
    auto w_ok = with_deadline(flagged_op(started), 1s);
    co_await std::move(w_ok);
    BOOST_TEST(started.load());
    auto on_timer_ok = with_deadline(expired_timer.async_wait(asio::deferred), 1s);
    co_await std::move(on_timer_ok);
}

// --- task inputs ------------------------------------------------------------------

template <class Deadline>
awaitable<void> finished_task_returns_its_result_even_with_a_zero_timeout(Deadline with_deadline) {
    auto body = asyncio::sleep(0ms, 5);
    auto t = co_await asyncio::create_task(std::move(body));
    const auto awaited = co_await t.wait();
    BOOST_TEST(awaited == 5);
    BOOST_REQUIRE(t.done());
    auto zero = with_deadline(t, 0s);
    const auto with_zero = co_await std::move(zero);
    BOOST_TEST(with_zero == 5);
    auto negative = with_deadline(t, -1h);
    const auto with_negative = co_await std::move(negative);
    BOOST_TEST(with_negative == 5);

    // A finished task that failed rethrows its own exception, not a timeout.
    auto failing_body = fail_after(0ms, "task failed");
    auto failed = co_await asyncio::create_task(std::move(failing_body));
    auto waited = failed.wait();
    const auto own = co_await exception_of(std::move(waited));
    BOOST_TEST(what_of(own) == "task failed");
    auto on_failed = with_deadline(failed, 0s);
    const auto e = co_await exception_of(std::move(on_failed));
    BOOST_TEST(what_of(e) == "task failed");
    BOOST_TEST(!is_a<asyncio::timeout_error>(e));
}

template <class Deadline>
awaitable<void> task_finishing_in_time_returns_its_value(Deadline with_deadline) {
    auto body = asyncio::sleep(10ms, 6);
    auto t = co_await asyncio::create_task(std::move(body));
    auto w = with_deadline(t, 2s);
    const auto value = co_await std::move(w);
    BOOST_TEST(value == 6);
    BOOST_TEST(t.done());
    BOOST_TEST(!t.cancelled());
}

// A running task, given `d` (20 ms, or none at all), is cancelled and awaited.
template <class Deadline>
awaitable<void> running_task_that_times_out_is_cancelled_and_awaited(Deadline with_deadline,
                                                                     milliseconds d) {
    probe p;
    auto body = work(p, forever, 1);
    auto t = co_await asyncio::create_task(std::move(body));
    const bool started = co_await became_true(p.started);
    BOOST_REQUIRE(started);
    auto w = with_deadline(t, d);
    auto done_and_cleaned_up = [&] { return std::pair{t.done(), p.cleaned_up.load()}; };
    const auto [e, at_throw] = co_await exception_of(std::move(w), done_and_cleaned_up);
    const auto [done_at_throw, cleaned_at_throw] = at_throw;
    BOOST_TEST(is_timeout(e));
    BOOST_TEST(done_at_throw);
    BOOST_TEST(cleaned_at_throw);
    BOOST_TEST(t.cancelled());
    BOOST_TEST(p.cancelled.load());
}

// --- Asio operations --------------------------------------------------------------

template <class Deadline>
awaitable<void> asio_timer_wait_times_out(Deadline with_deadline) {
    namespace asio = boost::asio;
    auto ex = co_await asio::this_coro::executor;
    asio::steady_timer timer(ex, forever);
    stopwatch sw;
    auto w = with_deadline(timer.async_wait(asio::deferred), 20ms);
    static_assert(std::is_same_v<decltype(w), awaitable<void>>);
    const auto e = co_await exception_of(std::move(w));
    BOOST_TEST(is_timeout(e));
    BOOST_TEST(sw.seconds() < 5.0); // the timer wait was cancelled and awaited

    asio::steady_timer quick(ex, 5ms);
    auto in_time = with_deadline(quick.async_wait(asio::deferred), 2s);
    co_await std::move(in_time);
    BOOST_TEST((std::chrono::steady_clock::now() >= quick.expiry()));
}

// --- the caller's cancellation ------------------------------------------------------

// Awaits `work` with a deadline `d` away, recording in `r` how that ended.
template <class Deadline>
awaitable<void> with_deadline_then_report(Deadline with_deadline, awaitable<int> work,
                                          milliseconds d, probe& p, report& r) {
    auto w = with_deadline(std::move(work), d);
    try {
        co_await std::move(w);
        r.returned = true;
    } catch (const asyncio::timeout_error& e) {
        r.timeout_error_caught = true;
        r.code = e.code();
        throw;
    } catch (const boost::system::system_error& e) {
        r.code = e.code();
        r.work_done_at_throw = p.cleaned_up;
        throw;
    }
}

template <class Deadline>
awaitable<void>
callers_cancellation_propagates_as_cancellation_not_timeout(Deadline with_deadline) {
    probe p;
    report r;
    stopwatch sw;
    auto body = with_deadline_then_report(with_deadline, work(p, forever, 1), 5000ms, p, r);
    auto outer = co_await asyncio::create_task(std::move(body));
    const bool started = co_await became_true(p.started);
    BOOST_REQUIRE(started);
    BOOST_TEST(outer.cancel());
    auto waited = outer.wait();
    const auto e = co_await exception_of(std::move(waited));
    BOOST_TEST(asyncio::is_cancellation(e));
    BOOST_TEST(outer.cancelled());
    BOOST_TEST(!r.returned.load());
    BOOST_TEST(!r.timeout_error_caught);
    BOOST_TEST(r.code == boost::asio::error::operation_aborted);
    BOOST_TEST(r.work_done_at_throw);
    BOOST_TEST(p.cancelled.load());
    BOOST_TEST(sw.seconds() < 4.0); // well before the 5 s deadline
}

// The deadline fires, the work ignores it (cleanup "forever"), then the caller is
// cancelled: as in Python, that is a cancellation, not a timeout.
template <class Deadline>
awaitable<void>
callers_cancellation_after_expiry_still_propagates_as_cancellation(Deadline with_deadline) {
    probe p;
    report r;
    auto body = with_deadline_then_report(with_deadline, slow_cleanup(p, forever), 20ms, p, r);
    auto outer = co_await asyncio::create_task(std::move(body));
    const bool expired = co_await became_true(p.cancelled);
    BOOST_REQUIRE(expired);
    BOOST_TEST(outer.cancel());
    auto waited = outer.wait();
    const auto e = co_await exception_of(std::move(waited));
    BOOST_TEST(asyncio::is_cancellation(e));
    BOOST_TEST(!r.timeout_error_caught);
    BOOST_TEST(r.code == boost::asio::error::operation_aborted);
    BOOST_TEST(r.work_done_at_throw);
}

// --- the seed scenario --------------------------------------------------------------

// A gather of two sleeps of `d` under a deadline of `d`, `rounds` times: a timeout
// every time.
template <class Deadline>
awaitable<void> timeout_equal_to_the_work_duration_reports_timeout(Deadline with_deadline,
                                                                   int rounds, milliseconds d) {
    int timeouts = 0;
    std::vector<std::string> others;
    for (int i = 0; i < rounds; ++i) {
        auto both = asyncio::gather(asyncio::sleep(d), asyncio::sleep(d));
        auto w = with_deadline(std::move(both), d);
        const auto e = co_await exception_of(std::move(w));
        if (is_timeout(e))
            ++timeouts;
        else
            others.push_back(what_of(e));
    }
    BOOST_TEST(timeouts == rounds);
    for (auto& other : others)
        BOOST_TEST_MESSAGE("not a timeout: " << other);
}

// --- bad input --------------------------------------------------------------------

template <class Deadline>
awaitable<void> huge_durations_do_not_overflow(Deadline with_deadline) {
    auto hours = with_deadline(asyncio::sleep(1ms, 1), std::chrono::hours::max());
    const auto from_hours = co_await std::move(hours);
    BOOST_TEST(from_hours == 1);
    auto doubles = with_deadline(asyncio::sleep(1ms, 2), std::chrono::duration<double>(1e300));
    const auto from_doubles = co_await std::move(doubles);
    BOOST_TEST(from_doubles == 2);
    auto nanos = with_deadline(asyncio::sleep(1ms, 3), std::chrono::nanoseconds::max());
    const auto from_nanos = co_await std::move(nanos);
    BOOST_TEST(from_nanos == 3);
    auto years = with_deadline(asyncio::sleep(1ms, 4),
                               std::chrono::duration<long long, std::ratio<31556952>>::max());
    const auto from_years = co_await std::move(years);
    BOOST_TEST(from_years == 4);
    auto sixty_four =
        with_deadline(asyncio::sleep(1ms, 5), std::chrono::duration<unsigned long long>::max());
    const auto from_unsigned = co_await std::move(sixty_four);
    BOOST_TEST(from_unsigned == 5);

    // Huge negative durations are non-positive: timeout at once, nothing started.
    probe p, q;
    auto past = with_deadline(work(p, 0ms, 1), std::chrono::hours::min());
    const auto e = co_await exception_of(std::move(past));
    BOOST_TEST(is_timeout(e));
    BOOST_TEST(!p.started.load());
    auto past_double = with_deadline(work(q, 0ms, 1), std::chrono::duration<double>(-1e300));
    const auto e2 = co_await exception_of(std::move(past_double));
    BOOST_TEST(is_timeout(e2));
    BOOST_TEST(!q.started.load());
}

// --- several threads --------------------------------------------------------------

// Runs one(i, in_time, timed_out, wrong) for each i < count as a plain coroutine (not a
// task) on `ctx`, which four threads then run until it is out of work: half of them
// must finish in time and half time out, and no exception may escape.
template <class One>
void from_a_plain_coroutine_on_a_multithreaded_io_context(boost::asio::io_context& ctx, int count,
                                                          One one) {
    std::atomic<int> in_time{0}, timed_out{0}, wrong{0}, escaped{0};
    for (int i = 0; i < count; ++i) {
        boost::asio::co_spawn(ctx, one(i, in_time, timed_out, wrong), [&](std::exception_ptr e) {
            if (e)
                escaped.fetch_add(1);
        });
    }
    run_context(ctx, 4);
    BOOST_TEST(in_time.load() == count / 2);
    BOOST_TEST(timed_out.load() == count / 2);
    BOOST_TEST(wrong.load() == 0);
    BOOST_TEST(escaped.load() == 0);
}

} // namespace asyncio::test::scenario

#endif // ASYNCIO_TEST_DEADLINE_SCENARIOS_HPP
