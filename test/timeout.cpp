// Copyright (c) 2026 The asyncio for Asio authors.
// Distributed under the Boost Software License, Version 1.0.

#include <asyncio/timeout.hpp>

#include "test_util.hpp"

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
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <system_error>
#include <type_traits>
#include <vector>

BOOST_TEST_DONT_PRINT_LOG_VALUE(asyncio::error)

namespace {

namespace asio = boost::asio;
using namespace std::chrono_literals;
using asyncio::awaitable;
using asyncio::test::stopwatch;
using std::chrono::milliseconds;
using clock_type = std::chrono::steady_clock;

// Long enough that only a cancellation ends it.
constexpr milliseconds forever{10s};

// What the inner work went through, for checks made after timeout returned.
// Atomics: some tests run on four threads.
struct probe {
    std::atomic<bool> started{false};
    std::atomic<bool> cancelled{false};  // a cancellation error reached it
    std::atomic<bool> finished{false};   // its body ran to the end
    std::atomic<bool> cleaned_up{false}; // its cleanup (RAII guard, catch block) ran
};

// Sets a flag when it goes out of scope (RAII cleanup).
class set_on_exit {
  public:
    explicit set_on_exit(std::atomic<bool>& flag) noexcept : flag_(flag) {}
    set_on_exit(const set_on_exit&) = delete;
    set_on_exit& operator=(const set_on_exit&) = delete;
    ~set_on_exit() { flag_ = true; }

  private:
    std::atomic<bool>& flag_;
};

bool is_operation_aborted(const boost::system::system_error& e) {
    return e.code() == asio::error::operation_aborted;
}

// Sleeps `d`, then yields `value`; records what happened in `p`.
awaitable<int> work(probe& p, milliseconds d, int value) {
    p.started = true;
    set_on_exit guard(p.cleaned_up);
    try {
        co_await asyncio::sleep(d);
    } catch (const boost::system::system_error& e) {
        if (is_operation_aborted(e))
            p.cancelled = true;
        throw;
    }
    p.finished = true;
    co_return value;
}

// Waits forever; once cancelled, spends `cleanup` on asynchronous cleanup (ignoring
// the cancellation meanwhile), then lets the cancellation through.
awaitable<int> slow_cleanup(probe& p, milliseconds cleanup) {
    p.started = true;
    std::exception_ptr cancellation;
    try {
        co_await asyncio::sleep(forever);
    } catch (const boost::system::system_error& e) {
        if (is_operation_aborted(e))
            p.cancelled = true;
        cancellation = std::current_exception();
    }
    co_await asyncio::uncancel(); // Asio keeps the cancellation in effect otherwise
    {
        set_on_exit guard(p.cleaned_up);
        co_await asyncio::sleep(cleanup);
    }
    if (cancellation)
        std::rethrow_exception(cancellation);
    co_return -1;
}

// Waits forever; on cancellation, catches it and returns `value` at once.
awaitable<int> swallow_and_return(probe& p, int value) {
    p.started = true;
    try {
        co_await asyncio::sleep(forever);
    } catch (const boost::system::system_error& e) {
        if (is_operation_aborted(e))
            p.cancelled = true;
    }
    p.cleaned_up = true;
    co_return value;
}

// Waits forever; on cancellation, fails with a different exception.
awaitable<int> fail_differently_when_cancelled(probe& p) {
    p.started = true;
    try {
        co_await asyncio::sleep(forever);
    } catch (const boost::system::system_error& e) {
        if (is_operation_aborted(e))
            p.cancelled = true;
        throw std::logic_error("cleanup failed");
    }
    co_return -1;
}

// Sleeps `d`, then throws std::runtime_error(what).
template <class T = int>
awaitable<T> fail_after(milliseconds d, std::string what) {
    co_await asyncio::sleep(d);
    throw std::runtime_error(what);
}

// Polls `flag` until it is set; false if it never is (within 5 s).
awaitable<bool> became_true(const std::atomic<bool>& flag) {
    const auto limit = clock_type::now() + 5s;
    while (!flag) {
        if (clock_type::now() > limit)
            co_return false;
        co_await asyncio::sleep(1ms);
    }
    co_return true;
}

// The exception `aw` ends with (null if it returns).
template <class T>
awaitable<std::exception_ptr> exception_of(awaitable<T> aw) {
    std::exception_ptr e;
    try {
        co_await std::move(aw);
    } catch (...) {
        e = std::current_exception();
    }
    co_return e;
}

std::string what_of(const std::exception_ptr& e) {
    if (!e)
        return "<no exception>";
    try {
        std::rethrow_exception(e);
    } catch (const std::exception& x) {
        return x.what();
    } catch (...) {
        return "<not a std::exception>";
    }
}

template <class E>
bool is_a(const std::exception_ptr& e) {
    if (!e)
        return false;
    try {
        std::rethrow_exception(e);
    } catch (const E&) {
        return true;
    } catch (...) {
        return false;
    }
}

boost::system::error_code code_of(const std::exception_ptr& e) {
    if (!e)
        return {};
    try {
        std::rethrow_exception(e);
    } catch (const boost::system::system_error& x) {
        return x.code();
    } catch (...) {
        return {};
    }
}

// An asyncio::timeout_error with the library's timeout code.
bool is_timeout(const std::exception_ptr& e) {
    return is_a<asyncio::timeout_error>(e) && code_of(e) == asyncio::error::timeout;
}

// How a timeout awaited inside another coroutine ended.
struct report {
    std::atomic<bool> returned{false};
    boost::system::error_code code;
    bool timeout_error_caught = false;
    bool work_done_at_throw = false;
};

BOOST_AUTO_TEST_SUITE(timeout)

// --- timeout(d, aw) and timeout_at(when, aw) ------------------------------------------

ASYNCIO_TEST_CASE(timeout_returns_the_value_when_the_work_finishes_in_time) {
    probe p;
    auto t = asyncio::timeout(2s, work(p, 10ms, 42));
    static_assert(std::is_same_v<decltype(t), awaitable<int>>);
    const int v = co_await std::move(t);
    BOOST_TEST(v == 42);
    BOOST_TEST(p.finished.load());
    BOOST_TEST(!p.cancelled.load());

    auto nothing = asyncio::timeout(2s, asyncio::sleep(5ms));
    static_assert(std::is_same_v<decltype(nothing), awaitable<void>>);
    co_await std::move(nothing);

    stopwatch sw;
    auto long_deadline = asyncio::timeout(forever, asyncio::sleep(1ms, 3));
    const int quick = co_await std::move(long_deadline);
    BOOST_TEST(quick == 3);
    BOOST_TEST(sw.seconds() < 5.0); // the deadline's timer was cancelled, not waited out
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
    auto t = asyncio::timeout(2s, fail_after(5ms, "boom"));
    const auto e = co_await exception_of(std::move(t));
    BOOST_TEST(is_a<std::runtime_error>(e));
    BOOST_TEST(what_of(e) == "boom");
    BOOST_TEST(!is_a<asyncio::timeout_error>(e));

    auto at = asyncio::timeout_at(clock_type::now() + 2s, fail_after(1ms, "boom at"));
    const auto e2 = co_await exception_of(std::move(at));
    BOOST_TEST(what_of(e2) == "boom at");
}

ASYNCIO_TEST_CASE(timeout_expiry_cancels_and_awaits_the_work_then_throws_timeout_error) {
    probe p;
    stopwatch sw;
    auto t = asyncio::timeout(20ms, slow_cleanup(p, 30ms));
    std::exception_ptr e;
    bool cleaned_at_throw = false;
    try {
        co_await std::move(t);
    } catch (...) {
        e = std::current_exception();
        cleaned_at_throw = p.cleaned_up;
    }
    BOOST_TEST(is_a<asyncio::timeout_error>(e));
    BOOST_TEST(code_of(e) == asyncio::error::timeout);
    BOOST_TEST((code_of(e) == std::errc::timed_out));
    BOOST_TEST(p.cancelled.load());
    BOOST_TEST(cleaned_at_throw);
    BOOST_TEST(sw.seconds() >= 0.045); // 20 ms deadline + 30 ms cleanup, at least
    BOOST_TEST(sw.seconds() < 5.0);
}

ASYNCIO_TEST_CASE(timeout_at_expiry_cancels_and_awaits_the_work_then_throws_timeout_error) {
    probe p;
    auto t = asyncio::timeout_at(clock_type::now() + 20ms, work(p, forever, 1));
    std::exception_ptr e;
    bool cleaned_at_throw = false;
    try {
        co_await std::move(t);
    } catch (...) {
        e = std::current_exception();
        cleaned_at_throw = p.cleaned_up;
    }
    BOOST_TEST(is_timeout(e));
    BOOST_TEST(p.cancelled.load());
    BOOST_TEST(cleaned_at_throw);
}

ASYNCIO_TEST_CASE(work_that_swallows_the_cancellation_gives_its_value) {
    probe p, q;
    auto t = asyncio::timeout(20ms, swallow_and_return(p, 7));
    const auto v = co_await std::move(t);
    BOOST_TEST(v == 7);
    BOOST_TEST(p.cancelled.load());
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
    auto ex = co_await asio::this_coro::executor;
    probe zero, negative, past, at_now;
    auto t0 = asyncio::timeout(0s, work(zero, 0ms, 1));
    const auto e0 = co_await exception_of(std::move(t0));
    auto t1 = asyncio::timeout(-5ms, work(negative, 0ms, 1));
    const auto e1 = co_await exception_of(std::move(t1));
    auto t2 = asyncio::timeout_at(clock_type::now() - 1s, work(past, 0ms, 1));
    const auto e2 = co_await exception_of(std::move(t2));
    auto t3 = asyncio::timeout_at(clock_type::now(), work(at_now, 0ms, 1));
    const auto e3 = co_await exception_of(std::move(t3));
    BOOST_TEST(is_timeout(e0));
    BOOST_TEST(is_timeout(e1));
    BOOST_TEST(is_timeout(e2));
    BOOST_TEST(is_timeout(e3));
    BOOST_TEST(!zero.started.load());
    BOOST_TEST(!negative.started.load());
    BOOST_TEST(!past.started.load());
    BOOST_TEST(!at_now.started.load());

    // An Asio operation that would complete at once is not even started.
    asio::steady_timer expired_timer(ex, clock_type::time_point::min());
    auto on_timer = asyncio::timeout_at(clock_type::time_point::min(),
                                        expired_timer.async_wait(asio::deferred));
    const auto e4 = co_await exception_of(std::move(on_timer));
    BOOST_TEST(is_timeout(e4));
    auto posted = asyncio::timeout(0s, asio::post(ex, asio::deferred));
    const auto e5 = co_await exception_of(std::move(posted));
    BOOST_TEST(is_timeout(e5));
}

ASYNCIO_TEST_CASE(timeout_accepts_tasks) {
    // A finished task returns its result even past the deadline.
    auto done_body = asyncio::sleep(0ms, 5);
    auto finished = co_await asyncio::create_task(std::move(done_body));
    const int first = co_await finished.wait();
    BOOST_TEST(first == 5);
    auto late = asyncio::timeout_at(clock_type::now() - 1s, finished);
    const int from_finished = co_await std::move(late);
    BOOST_TEST(from_finished == 5);
    auto zero = asyncio::timeout(0s, finished);
    const int from_zero = co_await std::move(zero);
    BOOST_TEST(from_zero == 5);

    // A running task that finishes in time gives its value.
    auto quick_body = asyncio::sleep(5ms, 6);
    auto quick = co_await asyncio::create_task(std::move(quick_body));
    auto in_time = asyncio::timeout(2s, quick);
    const int from_quick = co_await std::move(in_time);
    BOOST_TEST(from_quick == 6);

    // A running task that does not is cancelled and awaited.
    probe p;
    auto slow_body = work(p, forever, 7);
    auto slow = co_await asyncio::create_task(std::move(slow_body));
    auto expiring = asyncio::timeout_at(clock_type::now() + 20ms, slow);
    std::exception_ptr e;
    bool done_at_throw = false;
    try {
        co_await std::move(expiring);
    } catch (...) {
        e = std::current_exception();
        done_at_throw = slow.done();
    }
    BOOST_TEST(is_timeout(e));
    BOOST_TEST(done_at_throw);
    BOOST_TEST(slow.cancelled());
}

ASYNCIO_TEST_CASE(timeout_accepts_asio_operations) {
    auto ex = co_await asio::this_coro::executor;
    asio::steady_timer timer(ex, forever);
    stopwatch sw;
    auto expiring = asyncio::timeout(20ms, timer.async_wait(asio::deferred));
    static_assert(std::is_same_v<decltype(expiring), awaitable<void>>);
    const auto e = co_await exception_of(std::move(expiring));
    BOOST_TEST(is_timeout(e));
    BOOST_TEST(sw.seconds() < 5.0);

    auto posted = asyncio::timeout_at(clock_type::now() + 1s, asio::post(ex, asio::deferred));
    co_await std::move(posted);

    asio::steady_timer quick(ex, 5ms);
    auto in_time = asyncio::timeout(2s, quick.async_wait(asio::deferred));
    co_await std::move(in_time);
    BOOST_TEST((clock_type::now() >= quick.expiry()));
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
    std::exception_ptr e;
    int v = 0;
    try {
        v = co_await std::move(outer);
    } catch (...) {
        e = std::current_exception();
    }
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

awaitable<void> timeout_then_report(awaitable<int> work, milliseconds d, probe& p, report& r) {
    auto t = asyncio::timeout(d, std::move(work));
    try {
        co_await std::move(t);
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

ASYNCIO_TEST_CASE(callers_cancellation_propagates_as_cancellation_not_timeout) {
    probe p;
    report r;
    stopwatch sw;
    auto body = timeout_then_report(work(p, forever, 1), 5000ms, p, r);
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
    BOOST_TEST(r.code == asio::error::operation_aborted);
    BOOST_TEST(r.work_done_at_throw);
    BOOST_TEST(p.cancelled.load());
    BOOST_TEST(sw.seconds() < 4.0);
}

ASYNCIO_TEST_CASE(callers_cancellation_after_expiry_still_propagates_as_cancellation) {
    probe p;
    report r;
    auto body = timeout_then_report(slow_cleanup(p, forever), 20ms, p, r);
    auto outer = co_await asyncio::create_task(std::move(body));
    const bool expired = co_await became_true(p.cancelled);
    BOOST_REQUIRE(expired);
    BOOST_TEST(outer.cancel());
    auto waited = outer.wait();
    const auto e = co_await exception_of(std::move(waited));
    BOOST_TEST(asyncio::is_cancellation(e));
    BOOST_TEST(!r.timeout_error_caught);
    BOOST_TEST(r.code == asio::error::operation_aborted);
    BOOST_TEST(r.work_done_at_throw);
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
    std::exception_ptr e;
    int v = 0;
    try {
        v = co_await std::move(t);
    } catch (...) {
        e = std::current_exception();
    }
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
    std::exception_ptr e;
    int v = 0;
    try {
        v = co_await std::move(t);
    } catch (...) {
        e = std::current_exception();
    }
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
    std::exception_ptr e;
    int v = 0;
    try {
        v = co_await std::move(t);
    } catch (...) {
        e = std::current_exception();
    }
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
    int timeouts = 0;
    for (int i = 0; i < 5; ++i) {
        auto both = asyncio::gather(asyncio::sleep(50ms), asyncio::sleep(50ms));
        auto t = asyncio::timeout(50ms, std::move(both));
        const auto e = co_await exception_of(std::move(t));
        if (is_timeout(e))
            ++timeouts;
        else
            BOOST_TEST_MESSAGE("not a timeout: " << what_of(e));
    }
    BOOST_TEST(timeouts == 5);
}

// --- bad input --------------------------------------------------------------------

ASYNCIO_TEST_CASE(huge_durations_do_not_overflow) {
    auto hours = asyncio::timeout(std::chrono::hours::max(), asyncio::sleep(1ms, 1));
    const int from_hours = co_await std::move(hours);
    BOOST_TEST(from_hours == 1);
    auto doubles = asyncio::timeout(std::chrono::duration<double>(1e300), asyncio::sleep(1ms, 2));
    const int from_doubles = co_await std::move(doubles);
    BOOST_TEST(from_doubles == 2);
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

    // Huge negative durations are non-positive: timeout at once, nothing started.
    probe p;
    auto past = asyncio::timeout(std::chrono::hours::min(), work(p, 0ms, 1));
    const auto e = co_await exception_of(std::move(past));
    BOOST_TEST(is_timeout(e));
    BOOST_TEST(!p.started.load());
    auto at_min = asyncio::timeout_at(clock_type::time_point::min(), work(p, 0ms, 1));
    const auto e2 = co_await exception_of(std::move(at_min));
    BOOST_TEST(is_timeout(e2));
    BOOST_TEST(!p.started.load());
}

// --- several threads --------------------------------------------------------------

// One of four kinds of timeouts; counts whether it ended as the rules say.
awaitable<void> one_timeout(int i, std::atomic<int>& in_time, std::atomic<int>& timed_out,
                            std::atomic<int>& wrong) {
    probe p;
    std::exception_ptr e;
    int v = -1;
    bool expected_timeout = false;
    switch (i % 4) {
    case 0: { // finishes in time
        auto t = asyncio::timeout(5000ms, work(p, 1ms, i));
        try {
            v = co_await std::move(t);
        } catch (...) {
            e = std::current_exception();
        }
        break;
    }
    case 1: { // expires
        expected_timeout = true;
        auto t = asyncio::timeout_at(clock_type::now() + 20ms, work(p, forever, i));
        try {
            v = co_await std::move(t);
        } catch (...) {
            e = std::current_exception();
        }
        break;
    }
    case 2: { // scope moved earlier: expires
        expected_timeout = true;
        auto body = [&p, i](asyncio::timeout_scope& cm) -> awaitable<int> {
            cm.reschedule(clock_type::now() + 10ms);
            co_return co_await work(p, forever, i);
        };
        auto t = asyncio::timeout(forever, body);
        try {
            v = co_await std::move(t);
        } catch (...) {
            e = std::current_exception();
        }
        break;
    }
    default: { // scope moved later: finishes
        auto body = [&p, i](asyncio::timeout_scope& cm) -> awaitable<int> {
            cm.reschedule(std::nullopt);
            co_return co_await work(p, 2ms, i);
        };
        auto t = asyncio::timeout(forever, body);
        try {
            v = co_await std::move(t);
        } catch (...) {
            e = std::current_exception();
        }
        break;
    }
    }
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
    constexpr int count = 100;
    asio::io_context ctx; // default concurrency hint: several threads may run it
    std::atomic<int> in_time{0}, timed_out{0}, wrong{0}, escaped{0}, inner_timeouts{0};
    std::atomic<long> nested_total{0};
    for (int i = 0; i < count; ++i) {
        asio::co_spawn(ctx, one_timeout(i, in_time, timed_out, wrong), [&](std::exception_ptr e) {
            if (e)
                escaped.fetch_add(1);
        });
    }
    for (int i = 0; i < 20; ++i) {
        asio::co_spawn(ctx, plain_nested(i, inner_timeouts), [&](std::exception_ptr e, int v) {
            if (e)
                escaped.fetch_add(1);
            else
                nested_total.fetch_add(v);
        });
    }
    asyncio::test::run_context(ctx, 4);
    BOOST_TEST(in_time.load() == count / 2);
    BOOST_TEST(timed_out.load() == count / 2);
    BOOST_TEST(wrong.load() == 0);
    BOOST_TEST(escaped.load() == 0);
    BOOST_TEST(inner_timeouts.load() == 20);
    BOOST_TEST(nested_total.load() == 20 * 7 + 19 * 20 / 2);
}

BOOST_AUTO_TEST_SUITE_END()

} // namespace
