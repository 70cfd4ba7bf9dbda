// Copyright (c) 2026 The asyncio for Asio authors.
// Distributed under the Boost Software License, Version 1.0.

#include <asyncio/timeout.hpp>

#include "test_util.hpp"

#include "child_probes.hpp"
#include "deadline_scenarios.hpp"

#include <asyncio/error.hpp>
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
#include <mutex>
#include <optional>
#include <stdexcept>
#include <type_traits>
#include <vector>

BOOST_TEST_DONT_PRINT_LOG_VALUE(asyncio::error)

namespace {

namespace asio = boost::asio;
using namespace std::chrono_literals;
using namespace asyncio::test;
using asyncio::awaitable;
using clock_type = std::chrono::steady_clock;

// The entry point under test, for the scenarios it shares with wait_for(aw, d).
struct via_timeout {
    template <class X, class D>
    auto operator()(X aw, D d) const {
        return asyncio::timeout(d, std::move(aw));
    }
};

// timeout_at(now + d, aw): the same scenarios with an absolute deadline.
struct via_timeout_at {
    template <class X>
    auto operator()(X aw, clock_type::duration d) const {
        return asyncio::timeout_at(clock_type::now() + d, std::move(aw));
    }
};

BOOST_AUTO_TEST_SUITE(timeout)

// --- timeout(d, aw) and timeout_at(when, aw) ------------------------------------------

ASYNCIO_TEST_CASE(timeout_returns_the_value_when_the_work_finishes_in_time) {
    co_await scenario::returns_the_value_when_the_work_finishes_in_time(via_timeout{});
    co_await scenario::work_finishing_in_time_does_not_wait_for_the_deadline(via_timeout{});
}

ASYNCIO_TEST_CASE(timeout_at_returns_the_value_before_the_deadline) {
    probe p;
    auto t = asyncio::timeout_at(clock_type::now() + 2s, work(p, 10ms, 43));
    static_assert(std::is_same_v<decltype(t), awaitable<int>>);
    const int v = co_await std::move(t);
    BOOST_TEST(v == 43);
    BOOST_TEST(p.finished.load());
}

ASYNCIO_TEST_CASE(timeout_rethrows_the_works_own_exception) {
    co_await scenario::rethrows_the_works_own_exception(via_timeout{});

    auto at = asyncio::timeout_at(clock_type::now() + 2s, fail_after(1ms, "boom at"));
    const auto e = co_await exception_of(std::move(at));
    BOOST_TEST(what_of(e) == "boom at");
}

ASYNCIO_TEST_CASE(timeout_expiry_cancels_and_awaits_the_work_then_throws_timeout_error) {
    co_await scenario::expiry_cancels_and_awaits_the_work_then_throws_timeout_error(via_timeout{});
    co_await scenario::work_ignoring_cancellation_delays_the_timeout_report(via_timeout{}, 30ms);
}

ASYNCIO_TEST_CASE(timeout_at_expiry_cancels_and_awaits_the_work_then_throws_timeout_error) {
    probe p;
    auto t = asyncio::timeout_at(clock_type::now() + 20ms, work(p, forever, 1));
    auto cleaned_up = [&p] { return p.cleaned_up.load(); };
    const auto [e, cleaned_at_throw] = co_await exception_of(std::move(t), cleaned_up);
    BOOST_TEST(is_timeout(e));
    BOOST_TEST(p.cancelled.load());
    BOOST_TEST(cleaned_at_throw);
}

ASYNCIO_TEST_CASE(work_that_swallows_the_cancellation_gives_its_value) {
    co_await scenario::work_that_swallows_the_cancellation_and_returns_at_once_gives_its_value(
        via_timeout{});

    probe q;
    auto at = asyncio::timeout_at(clock_type::now() + 20ms, swallow_and_return(q, 8));
    const auto w = co_await std::move(at);
    BOOST_TEST(w == 8);
    BOOST_TEST(q.cancelled.load());
}

ASYNCIO_TEST_CASE(work_failing_differently_after_expiry_rethrows_that_error) {
    // Only a cancellation turns into timeout_error.
    probe p;
    auto t = asyncio::timeout(20ms, fail_differently_when_cancelled(p));
    const auto e = co_await exception_of(std::move(t));
    BOOST_TEST(is_a<std::logic_error>(e));
    BOOST_TEST(what_of(e) == "cleanup failed");
    BOOST_TEST(p.cancelled.load());
}

awaitable<int> throws_cancelled_by_itself() {
    co_await asyncio::sleep(1ms);
    throw asyncio::cancelled_error();
}

ASYNCIO_TEST_CASE(cancellation_not_caused_by_the_deadline_is_not_converted) {
    auto t = asyncio::timeout(5s, throws_cancelled_by_itself());
    const auto e = co_await exception_of(std::move(t));
    BOOST_TEST(asyncio::is_cancellation(e));
    BOOST_TEST(!is_a<asyncio::timeout_error>(e));
}

ASYNCIO_TEST_CASE(non_positive_timeout_or_past_deadline_never_starts_the_work) {
    co_await scenario::non_positive_timeout_never_starts_the_coroutine(via_timeout{});
    co_await scenario::non_positive_timeout_never_starts_an_asio_operation(via_timeout{});

    // A deadline in the past, or now, never starts the work either.
    auto ex = co_await asio::this_coro::executor;
    probe past, at_now;
    auto t0 = asyncio::timeout_at(clock_type::now() - 1s, work(past, 0ms, 1));
    const auto e0 = co_await exception_of(std::move(t0));
    auto t1 = asyncio::timeout_at(clock_type::now(), work(at_now, 0ms, 1));
    const auto e1 = co_await exception_of(std::move(t1));
    BOOST_TEST(is_timeout(e0));
    BOOST_TEST(is_timeout(e1));
    BOOST_TEST(!past.started.load());
    BOOST_TEST(!at_now.started.load());
    asio::steady_timer expired_timer(ex, clock_type::time_point::min());
    auto on_timer = asyncio::timeout_at(clock_type::time_point::min(),
                                        expired_timer.async_wait(asio::deferred));
    const auto e2 = co_await exception_of(std::move(on_timer));
    BOOST_TEST(is_timeout(e2));
}

ASYNCIO_TEST_CASE(timeout_accepts_tasks) {
    co_await scenario::finished_task_returns_its_result_even_with_a_zero_timeout(via_timeout{});
    co_await scenario::finished_task_returns_its_result_even_with_a_zero_timeout(via_timeout_at{});
    co_await scenario::task_finishing_in_time_returns_its_value(via_timeout{});
    co_await scenario::running_task_that_times_out_is_cancelled_and_awaited(via_timeout_at{}, 20ms);
}

ASYNCIO_TEST_CASE(timeout_accepts_asio_operations) {
    co_await scenario::asio_timer_wait_times_out(via_timeout{});

    auto ex = co_await asio::this_coro::executor;
    auto posted = asyncio::timeout_at(clock_type::now() + 1s, asio::post(ex, asio::deferred));
    co_await std::move(posted);
}

// --- nested timeouts --------------------------------------------------------------

// The inner scope expires first: it throws timeout_error into the outer body, which
// catches it and carries on.
awaitable<int> catches_inner_timeout(probe& p, report& r) {
    auto inner = asyncio::timeout(20ms, work(p, forever, 1));
    try {
        co_await std::move(inner);
        r.returned = true;
    } catch (const asyncio::timeout_error& e) {
        r.timeout_error_caught = true;
        r.code = e.code();
    }
    co_await asyncio::sleep(5ms); // the outer body keeps running normally
    co_return 7;
}

ASYNCIO_TEST_CASE(inner_expiry_throws_timeout_error_into_the_outer_body) {
    probe p;
    report r;
    auto outer = asyncio::timeout(5s, catches_inner_timeout(p, r));
    const auto [v, e] = co_await ending_of(std::move(outer));
    BOOST_TEST(!e, "the outer timeout threw: " << what_of(e));
    BOOST_TEST(v == 7);
    BOOST_TEST(r.timeout_error_caught);
    BOOST_TEST(r.code == asyncio::error::timeout);
    BOOST_TEST(!r.returned.load());
    BOOST_TEST(p.cancelled.load());
}

// Awaits `inner`, recording how it ended as seen from between the two scopes.
awaitable<int> between_scopes(awaitable<int> inner, report& r) {
    try {
        const int v = co_await std::move(inner);
        r.returned = true;
        co_return v;
    } catch (const asyncio::timeout_error& e) {
        r.timeout_error_caught = true;
        r.code = e.code();
        throw;
    } catch (const boost::system::system_error& e) {
        r.code = e.code();
        throw;
    }
}

ASYNCIO_TEST_CASE(outer_expiry_passes_through_the_inner_scope_and_the_outer_converts) {
    probe p;
    report r;
    auto inner = asyncio::timeout(5s, work(p, forever, 1));
    auto outer = asyncio::timeout(20ms, between_scopes(std::move(inner), r));
    const auto e = co_await exception_of(std::move(outer));
    BOOST_TEST(is_timeout(e));
    BOOST_TEST(!r.timeout_error_caught); // the inner scope did not convert
    BOOST_TEST(r.code == asio::error::operation_aborted);
    BOOST_TEST(p.cancelled.load());
    BOOST_TEST(p.cleaned_up.load());
}

ASYNCIO_TEST_CASE(when_both_scopes_expired_the_outermost_converts) {
    // The inner deadline fires first; the work ignores it until the outer deadline
    // cancels it again. Both scopes have expired: the inner lets the cancellation
    // through, the outer converts it.
    probe p;
    report r;
    stopwatch sw;
    auto inner = asyncio::timeout(20ms, slow_cleanup(p, 2000ms));
    auto outer = asyncio::timeout(100ms, between_scopes(std::move(inner), r));
    const auto e = co_await exception_of(std::move(outer));
    BOOST_TEST(is_timeout(e));
    BOOST_TEST(!r.timeout_error_caught);
    BOOST_TEST(r.code == asio::error::operation_aborted);
    BOOST_TEST(p.cancelled.load());
    BOOST_TEST(p.cleaned_up.load());
    BOOST_TEST(sw.seconds() >= 0.095); // ended by the outer deadline...
    BOOST_TEST(sw.seconds() < 1.5);    // ...which cut the work's cleanup short
}

ASYNCIO_TEST_CASE(nested_scope_forms_follow_the_same_rules) {
    bool inner_expired_seen = false, outer_expired_after = true;
    bool inner_caught = false;
    probe p;
    auto body = [&](asyncio::timeout_scope& outer_scope) -> awaitable<int> {
        auto inner_body = [&](asyncio::timeout_scope& inner_scope) -> awaitable<int> {
            try {
                co_await asyncio::sleep(forever);
            } catch (const boost::system::system_error&) {
                inner_expired_seen = inner_scope.expired();
                throw;
            }
            co_return 0;
        };
        auto inner = asyncio::timeout(20ms, inner_body);
        try {
            co_await std::move(inner);
        } catch (const asyncio::timeout_error&) {
            inner_caught = true;
        }
        outer_expired_after = outer_scope.expired();
        co_return co_await work(p, 1ms, 9);
    };
    auto outer = asyncio::timeout(5s, body);
    const int v = co_await std::move(outer);
    BOOST_TEST(v == 9);
    BOOST_TEST(inner_caught);
    BOOST_TEST(inner_expired_seen);
    BOOST_TEST(!outer_expired_after);
}

// --- the caller's cancellation ----------------------------------------------------

ASYNCIO_TEST_CASE(callers_cancellation_propagates_as_cancellation_not_timeout) {
    co_await scenario::callers_cancellation_propagates_as_cancellation_not_timeout(via_timeout{});
}

ASYNCIO_TEST_CASE(callers_cancellation_after_expiry_still_propagates_as_cancellation) {
    co_await scenario::callers_cancellation_after_expiry_still_propagates_as_cancellation(
        via_timeout{});
}

// --- the scope form ---------------------------------------------------------------

ASYNCIO_TEST_CASE(scope_when_returns_the_deadline) {
    const auto before = clock_type::now();
    std::optional<clock_type::time_point> seen;
    clock_type::time_point body_started;
    auto body = [&](asyncio::timeout_scope& cm) -> awaitable<int> {
        body_started = clock_type::now();
        seen = cm.when();
        co_return 1;
    };
    auto t = asyncio::timeout(100ms, body);
    static_assert(std::is_same_v<decltype(t), awaitable<int>>);
    const int v = co_await std::move(t);
    BOOST_TEST(v == 1);
    BOOST_REQUIRE(seen.has_value());
    BOOST_TEST((*seen >= before + 100ms));
    BOOST_TEST((*seen <= body_started + 100ms));

    const auto when = clock_type::now() + 150ms;
    std::optional<clock_type::time_point> seen_at;
    auto body_at = [&](asyncio::timeout_scope& cm) -> awaitable<void> {
        seen_at = cm.when();
        co_return;
    };
    auto at = asyncio::timeout_at(when, body_at);
    static_assert(std::is_same_v<decltype(at), awaitable<void>>);
    co_await std::move(at);
    BOOST_TEST((seen_at == when));
}

ASYNCIO_TEST_CASE(scope_reschedule_later_lets_the_work_finish) {
    std::optional<clock_type::time_point> after_reschedule;
    auto body = [&](asyncio::timeout_scope& cm) -> awaitable<int> {
        const auto later = clock_type::now() + forever;
        cm.reschedule(later);
        after_reschedule = cm.when();
        co_await asyncio::sleep(200ms); // past the original 100 ms deadline
        co_return 5;
    };
    const auto before = clock_type::now();
    auto t = asyncio::timeout(100ms, body);
    const auto [v, e] = co_await ending_of(std::move(t));
    BOOST_TEST(!e, "timeout threw: " << what_of(e));
    BOOST_TEST(v == 5);
    BOOST_REQUIRE(after_reschedule.has_value());
    BOOST_TEST((*after_reschedule >= before + forever));
}

ASYNCIO_TEST_CASE(scope_reschedule_earlier_or_to_the_past_makes_it_expire) {
    probe p, q;
    bool expired_in_body = false;
    auto earlier = [&](asyncio::timeout_scope& cm) -> awaitable<int> {
        cm.reschedule(clock_type::now() + 20ms);
        try {
            co_return co_await work(p, forever, 1);
        } catch (const boost::system::system_error&) {
            expired_in_body = cm.expired();
            throw;
        }
    };
    stopwatch sw;
    auto t = asyncio::timeout(forever, earlier);
    const auto e = co_await exception_of(std::move(t));
    BOOST_TEST(is_timeout(e));
    BOOST_TEST(expired_in_body);
    BOOST_TEST(p.cancelled.load());
    BOOST_TEST(sw.seconds() < 5.0);

    auto past = [&](asyncio::timeout_scope& cm) -> awaitable<int> {
        cm.reschedule(clock_type::now() - 1s);
        co_return co_await work(q, forever, 2);
    };
    auto t2 = asyncio::timeout(forever, past);
    const auto e2 = co_await exception_of(std::move(t2));
    BOOST_TEST(is_timeout(e2));
    BOOST_TEST(q.cancelled.load());
    BOOST_TEST(q.cleaned_up.load());
}

ASYNCIO_TEST_CASE(scope_reschedule_replaces_the_previous_deadline) {
    // A deadline in the past, replaced before the loop got to it, does not fire.
    bool expired_after = true;
    auto body = [&](asyncio::timeout_scope& cm) -> awaitable<int> {
        cm.reschedule(clock_type::now() - 1s);
        cm.reschedule(clock_type::now() + forever);
        co_await asyncio::sleep(30ms);
        expired_after = cm.expired();
        co_return 6;
    };
    auto t = asyncio::timeout(forever, body);
    const auto [v, e] = co_await ending_of(std::move(t));
    BOOST_TEST(!e, "timeout threw: " << what_of(e));
    BOOST_TEST(v == 6);
    BOOST_TEST(!expired_after);
}

ASYNCIO_TEST_CASE(scope_reschedule_to_nullopt_removes_the_deadline) {
    bool when_was_empty = false;
    auto body = [&](asyncio::timeout_scope& cm) -> awaitable<int> {
        cm.reschedule(std::nullopt);
        when_was_empty = !cm.when().has_value();
        co_await asyncio::sleep(200ms); // past the original 100 ms deadline
        co_return 7;
    };
    auto t = asyncio::timeout(100ms, body);
    const auto [v, e] = co_await ending_of(std::move(t));
    BOOST_TEST(!e, "timeout threw: " << what_of(e));
    BOOST_TEST(v == 7);
    BOOST_TEST(when_was_empty);

    // A scope without a deadline can get one again.
    probe p;
    auto again = [&](asyncio::timeout_scope& cm) -> awaitable<int> {
        cm.reschedule(std::nullopt);
        cm.reschedule(clock_type::now() + 20ms);
        co_return co_await work(p, forever, 8);
    };
    auto t2 = asyncio::timeout(forever, again);
    const auto e2 = co_await exception_of(std::move(t2));
    BOOST_TEST(is_timeout(e2));
    BOOST_TEST(p.cancelled.load());
}

ASYNCIO_TEST_CASE(scope_expired_is_false_while_running_and_true_after_expiry) {
    bool expired_at_start = true, expired_in_catch = false;
    auto body = [&](asyncio::timeout_scope& cm) -> awaitable<void> {
        expired_at_start = cm.expired();
        try {
            co_await asyncio::sleep(forever);
        } catch (const boost::system::system_error&) {
            expired_in_catch = cm.expired();
            throw;
        }
    };
    auto t = asyncio::timeout(20ms, body);
    const auto e = co_await exception_of(std::move(t));
    BOOST_TEST(is_timeout(e));
    BOOST_TEST(!expired_at_start);
    BOOST_TEST(expired_in_catch);

    // A body that finishes in time never sees its scope expired.
    bool expired_at_end = true;
    auto quick = [&](asyncio::timeout_scope& cm) -> awaitable<void> {
        co_await asyncio::sleep(5ms);
        expired_at_end = cm.expired();
    };
    auto t2 = asyncio::timeout(2s, quick);
    co_await std::move(t2);
    BOOST_TEST(!expired_at_end);
}

ASYNCIO_TEST_CASE(scope_reschedule_after_expiry_throws_invalid_state_error) {
    bool threw_invalid_state = false;
    boost::system::error_code code;
    auto body = [&](asyncio::timeout_scope& cm) -> awaitable<void> {
        try {
            co_await asyncio::sleep(forever);
        } catch (const boost::system::system_error&) {
            try {
                cm.reschedule(clock_type::now() + forever);
            } catch (const asyncio::invalid_state_error& e) {
                threw_invalid_state = true;
                code = e.code();
            }
            throw;
        }
    };
    auto t = asyncio::timeout(20ms, body);
    const auto e = co_await exception_of(std::move(t));
    BOOST_TEST(is_timeout(e)); // the failed reschedule did not revive the scope
    BOOST_TEST(threw_invalid_state);
    BOOST_TEST(code == asyncio::error::invalid_state);
}

ASYNCIO_TEST_CASE(scope_body_that_swallows_the_cancellation_gives_its_value) {
    bool expired_seen = false;
    auto body = [&](asyncio::timeout_scope& cm) -> awaitable<int> {
        try {
            co_await asyncio::sleep(forever);
        } catch (const boost::system::system_error&) {
        }
        expired_seen = cm.expired();
        co_await asyncio::uncancel();
        co_await asyncio::sleep(5ms);
        co_return 11;
    };
    auto t = asyncio::timeout(20ms, body);
    const int v = co_await std::move(t);
    BOOST_TEST(v == 11);
    BOOST_TEST(expired_seen);
}

ASYNCIO_TEST_CASE(timeout_at_scope_form_expires_at_its_deadline) {
    probe p;
    const auto when = clock_type::now() + 20ms;
    std::optional<clock_type::time_point> seen;
    auto body = [&](asyncio::timeout_scope& cm) -> awaitable<int> {
        seen = cm.when();
        co_return co_await work(p, forever, 1);
    };
    auto t = asyncio::timeout_at(when, body);
    const auto e = co_await exception_of(std::move(t));
    BOOST_TEST(is_timeout(e));
    BOOST_TEST((seen == when));
    BOOST_TEST(p.cancelled.load());
    BOOST_TEST(p.cleaned_up.load());
    BOOST_TEST((clock_type::now() >= when));
}

ASYNCIO_TEST_CASE(scope_form_with_no_time_left_never_starts_the_body) {
    bool zero_ran = false, past_ran = false;
    auto zero_body = [&](asyncio::timeout_scope&) -> awaitable<int> {
        zero_ran = true;
        co_return 1;
    };
    auto t = asyncio::timeout(0s, zero_body);
    const auto e = co_await exception_of(std::move(t));
    BOOST_TEST(is_timeout(e));
    BOOST_TEST(!zero_ran);

    auto past_body = [&](asyncio::timeout_scope&) -> awaitable<void> {
        past_ran = true;
        co_return;
    };
    auto at = asyncio::timeout_at(clock_type::now() - 1ms, past_body);
    const auto e2 = co_await exception_of(std::move(at));
    BOOST_TEST(is_timeout(e2));
    BOOST_TEST(!past_ran);
}

// --- seed scenario ------------------------------------------------------------------

ASYNCIO_TEST_CASE(timeout_equal_to_the_work_duration_reports_timeout) {
    co_await scenario::timeout_equal_to_the_work_duration_reports_timeout(via_timeout{}, 5, 50ms);
}

// --- bad input --------------------------------------------------------------------

ASYNCIO_TEST_CASE(huge_durations_do_not_overflow) {
    co_await scenario::huge_durations_do_not_overflow(via_timeout{});

    auto at_max = asyncio::timeout_at(clock_type::time_point::max(), asyncio::sleep(1ms, 3));
    const int from_max = co_await std::move(at_max);
    BOOST_TEST(from_max == 3);

    // The scope sees a deadline far in the future, not one wrapped into the past.
    std::optional<clock_type::time_point> seen;
    const auto before = clock_type::now();
    auto body = [&](asyncio::timeout_scope& cm) -> awaitable<int> {
        seen = cm.when();
        co_await asyncio::sleep(1ms);
        co_return 4;
    };
    auto scoped = asyncio::timeout(std::chrono::duration<double>(1e300), body);
    const int from_scope = co_await std::move(scoped);
    BOOST_TEST(from_scope == 4);
    BOOST_REQUIRE(seen.has_value());
    BOOST_TEST((*seen > before + std::chrono::hours(24 * 365 * 100)));

    // The earliest deadline is in the past: timeout at once, nothing started.
    probe p;
    auto at_min = asyncio::timeout_at(clock_type::time_point::min(), work(p, 0ms, 1));
    const auto e = co_await exception_of(std::move(at_min));
    BOOST_TEST(is_timeout(e));
    BOOST_TEST(!p.started.load());
}

// --- several threads --------------------------------------------------------------

// The i-th of four kinds of timeouts (i % 4), over work recorded in `p`; kinds 1 and 2
// expire.
awaitable<int> kind_of_timeout(int i, probe& p) {
    switch (i % 4) {
    case 0: // finishes in time
        return asyncio::timeout(5000ms, work(p, 1ms, i));
    case 1: // expires
        return asyncio::timeout_at(clock_type::now() + 20ms, work(p, forever, i));
    case 2: { // scope moved earlier: expires
        auto body = [&p, i](asyncio::timeout_scope& cm) -> awaitable<int> {
            cm.reschedule(clock_type::now() + 10ms);
            co_return co_await work(p, forever, i);
        };
        return asyncio::timeout(forever, body);
    }
    default: { // scope moved later: finishes
        auto body = [&p, i](asyncio::timeout_scope& cm) -> awaitable<int> {
            cm.reschedule(std::nullopt);
            co_return co_await work(p, 2ms, i);
        };
        return asyncio::timeout(forever, body);
    }
    }
}

// One of the four kinds of timeouts; counts whether it ended as the rules say.
awaitable<void> one_timeout(int i, std::atomic<int>& in_time, std::atomic<int>& timed_out,
                            std::atomic<int>& wrong) {
    probe p;
    const bool expected_timeout = i % 4 == 1 || i % 4 == 2;
    auto t = kind_of_timeout(i, p);
    const auto [v, e] = co_await ending_of(std::move(t));
    if (!expected_timeout && !e && v == i && p.finished)
        in_time.fetch_add(1);
    else if (expected_timeout && is_timeout(e) && p.cleaned_up && p.cancelled)
        timed_out.fetch_add(1);
    else
        wrong.fetch_add(1);
}

ASYNCIO_TEST_CASE_OPTS(many_timeouts_on_four_threads_count_exactly, .threads = 4) {
    constexpr int count = 200;
    std::atomic<int> in_time{0}, timed_out{0}, wrong{0};
    std::vector<asyncio::task<void>> tasks;
    for (int i = 0; i < count; ++i) {
        auto body = one_timeout(i, in_time, timed_out, wrong);
        tasks.push_back(co_await asyncio::create_task(std::move(body)));
    }
    for (auto& t : tasks)
        co_await t.wait();
    ASYNCIO_CHECK_EQUAL(in_time.load(), count / 2);
    ASYNCIO_CHECK_EQUAL(timed_out.load(), count / 2);
    ASYNCIO_CHECK_EQUAL(wrong.load(), 0);
}

// Nested scopes on a plain coroutine (not a task).
awaitable<int> plain_nested(int i, std::atomic<int>& inner_timeouts) {
    probe p;
    report r;
    auto caught = catches_inner_timeout(p, r);
    auto outer = asyncio::timeout(5s, std::move(caught));
    const int v = co_await std::move(outer);
    if (r.timeout_error_caught && p.cleaned_up)
        inner_timeouts.fetch_add(1);
    co_return v + i;
}

BOOST_AUTO_TEST_CASE(timeout_from_a_plain_coroutine_on_a_multithreaded_io_context) {
    asio::io_context ctx; // default concurrency hint: several threads may run it
    // Nested scopes, run along with the timeouts of one_timeout.
    std::atomic<int> nested_escaped{0}, inner_timeouts{0};
    std::atomic<long> nested_total{0};
    for (int i = 0; i < 20; ++i) {
        asio::co_spawn(ctx, plain_nested(i, inner_timeouts), [&](std::exception_ptr e, int v) {
            if (e)
                nested_escaped.fetch_add(1);
            else
                nested_total.fetch_add(v);
        });
    }
    scenario::from_a_plain_coroutine_on_a_multithreaded_io_context(ctx, 100, one_timeout);
    BOOST_TEST(nested_escaped.load() == 0);
    BOOST_TEST(inner_timeouts.load() == 20);
    BOOST_TEST(nested_total.load() == 20 * 7 + 19 * 20 / 2);
}

BOOST_AUTO_TEST_SUITE_END()

} // namespace
