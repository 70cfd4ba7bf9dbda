// Copyright (c) 2026 The asyncio for Asio authors.
// Distributed under the Boost Software License, Version 1.0.

#include <asyncio/wait_for.hpp>

#include "test_util.hpp"

#include <asyncio/error.hpp>
#include <asyncio/gather.hpp>
#include <asyncio/sleep.hpp>
#include <asyncio/task.hpp>

#include <boost/asio/append.hpp>
#include <boost/asio/async_result.hpp>
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
#include <memory>
#include <mutex>
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

// Long enough that only a cancellation ends it.
constexpr milliseconds forever{10s};

// What the inner work went through, for checks made after wait_for returned.
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

// Waits forever; on cancellation, catches it, clears it and keeps working for `extra`
// before returning `value`.
awaitable<int> swallow_and_keep_working(probe& p, milliseconds extra, int value) {
    p.started = true;
    try {
        co_await asyncio::sleep(forever);
    } catch (const boost::system::system_error& e) {
        if (is_operation_aborted(e))
            p.cancelled = true;
    }
    co_await asyncio::uncancel();
    co_await asyncio::sleep(extra);
    const int result = co_await asyncio::sleep(1ms, value);
    p.finished = true;
    co_return result;
}

// Sleeps `d`, then throws std::runtime_error(what).
template <class T = int>
awaitable<T> fail_after(milliseconds d, std::string what) {
    co_await asyncio::sleep(d);
    throw std::runtime_error(what);
}

// Polls `flag` until it is set; false if it never is (within 5 s).
awaitable<bool> became_true(const std::atomic<bool>& flag) {
    const auto limit = std::chrono::steady_clock::now() + 5s;
    while (!flag) {
        if (std::chrono::steady_clock::now() > limit)
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

// --- small Asio operations --------------------------------------------------------

// Completes with (ec, value) on the handler's own executor.
struct initiate_value {
    template <class Handler>
    void operator()(Handler&& handler, boost::system::error_code ec, int value) const {
        asio::post(asio::append(std::forward<Handler>(handler), ec, value));
    }
};

// An Asio operation (deferred) yielding `value`, or failing with `ec`.
auto value_op(int value, boost::system::error_code ec = {}) {
    return asio::async_initiate<const asio::deferred_t&, void(boost::system::error_code, int)>(
        initiate_value{}, asio::deferred, ec, value);
}

// Records that it was started, then completes at once (on the handler's executor).
struct initiate_flagged {
    template <class Handler>
    void operator()(Handler&& handler, std::atomic<bool>* started) const {
        *started = true;
        asio::post(std::forward<Handler>(handler));
    }
};

auto flagged_op(std::atomic<bool>& started) {
    return asio::async_initiate<const asio::deferred_t&, void()>(initiate_flagged{}, asio::deferred,
                                                                 &started);
}

// Throws from its initiating function: the operation cannot even start.
struct initiate_throwing {
    template <class Handler>
    void operator()(Handler&&) const {
        throw std::runtime_error("cannot start");
    }
};

auto throwing_op() {
    return asio::async_initiate<const asio::deferred_t&, void()>(initiate_throwing{},
                                                                 asio::deferred);
}

// How a wait_for awaited inside a task ended.
struct report {
    std::atomic<bool> returned{false};
    boost::system::error_code code;
    bool timeout_error_caught = false;
    bool work_done_at_throw = false;
};

BOOST_AUTO_TEST_SUITE(wait_for)

// --- in time ----------------------------------------------------------------------

ASYNCIO_TEST_CASE(returns_the_value_when_the_work_finishes_in_time) {
    probe p;
    auto w = asyncio::wait_for(work(p, 10ms, 42), 2s);
    static_assert(std::is_same_v<decltype(w), awaitable<int>>);
    const int v = co_await std::move(w);
    BOOST_TEST(v == 42);
    BOOST_TEST(p.finished.load());
    BOOST_TEST(!p.cancelled.load());

    auto nothing = asyncio::wait_for(asyncio::sleep(5ms), 2s);
    static_assert(std::is_same_v<decltype(nothing), awaitable<void>>);
    co_await std::move(nothing);

    auto text = asyncio::wait_for(asyncio::sleep(1ms, std::string("text")), 1h);
    const auto text_value = co_await std::move(text);
    BOOST_TEST(text_value == "text");
}

ASYNCIO_TEST_CASE(work_finishing_in_time_does_not_wait_for_the_deadline) {
    stopwatch sw;
    auto w = asyncio::wait_for(asyncio::sleep(1ms, 1), forever);
    const int v = co_await std::move(w);
    BOOST_TEST(v == 1);
    BOOST_TEST(sw.seconds() < 5.0); // the deadline's timer was cancelled, not waited out
}

ASYNCIO_TEST_CASE(rethrows_the_works_own_exception) {
    auto w = asyncio::wait_for(fail_after(5ms, "boom"), 2s);
    const auto e = co_await exception_of(std::move(w));
    BOOST_TEST(is_a<std::runtime_error>(e));
    BOOST_TEST(what_of(e) == "boom");
    BOOST_TEST(!is_a<asyncio::timeout_error>(e));

    auto at_once = asyncio::wait_for(fail_after(0ms, "at once"), 2s);
    const auto e2 = co_await exception_of(std::move(at_once));
    BOOST_TEST(what_of(e2) == "at once");

    // A system_error of the work keeps its own code.
    auto refused = asyncio::wait_for(value_op(0, asio::error::connection_refused), 2s);
    const auto e3 = co_await exception_of(std::move(refused));
    BOOST_TEST(code_of(e3) == asio::error::connection_refused);
}

// --- expiry -----------------------------------------------------------------------

ASYNCIO_TEST_CASE(expiry_cancels_and_awaits_the_work_then_throws_timeout_error) {
    probe p;
    stopwatch sw;
    auto w = asyncio::wait_for(work(p, forever, 1), 20ms);
    std::exception_ptr e;
    bool cleaned_at_throw = false;
    try {
        co_await std::move(w);
    } catch (...) {
        e = std::current_exception();
        cleaned_at_throw = p.cleaned_up;
    }
    BOOST_TEST(is_a<asyncio::timeout_error>(e));
    BOOST_TEST(code_of(e) == asyncio::error::timeout);
    BOOST_TEST((code_of(e) == std::errc::timed_out));
    BOOST_TEST(p.cancelled.load());
    BOOST_TEST(!p.finished.load());
    BOOST_TEST(cleaned_at_throw);
    BOOST_TEST(sw.seconds() >= 0.015);
    BOOST_TEST(sw.seconds() < 5.0);
}

ASYNCIO_TEST_CASE(work_ignoring_cancellation_delays_the_timeout_report) {
    // "A group waits for its loser": the work spends 50 ms on cleanup after the 20 ms
    // deadline, and the timeout is reported only after that.
    probe p;
    stopwatch sw;
    auto w = asyncio::wait_for(slow_cleanup(p, 50ms), 20ms);
    std::exception_ptr e;
    bool cleaned_at_throw = false;
    try {
        co_await std::move(w);
    } catch (...) {
        e = std::current_exception();
        cleaned_at_throw = p.cleaned_up;
    }
    BOOST_TEST(is_timeout(e));
    BOOST_TEST(p.cancelled.load());
    BOOST_TEST(cleaned_at_throw);
    BOOST_TEST(sw.seconds() >= 0.065); // 20 ms deadline + 50 ms cleanup, at least
}

ASYNCIO_TEST_CASE(work_that_swallows_the_cancellation_and_returns_at_once_gives_its_value) {
    probe p;
    auto w = asyncio::wait_for(swallow_and_return(p, 7), 20ms);
    std::exception_ptr e;
    int v = 0;
    try {
        v = co_await std::move(w);
    } catch (...) {
        e = std::current_exception();
    }
    BOOST_TEST(!e, "wait_for threw: " << what_of(e));
    BOOST_TEST(v == 7);
    BOOST_TEST(p.cancelled.load());
}

ASYNCIO_TEST_CASE(work_that_uncancels_and_keeps_awaiting_gives_its_value) {
    probe p;
    stopwatch sw;
    auto w = asyncio::wait_for(swallow_and_keep_working(p, 30ms, 8), 20ms);
    std::exception_ptr e;
    int v = 0;
    try {
        v = co_await std::move(w);
    } catch (...) {
        e = std::current_exception();
    }
    BOOST_TEST(!e, "wait_for threw: " << what_of(e));
    BOOST_TEST(v == 8);
    BOOST_TEST(p.cancelled.load());
    BOOST_TEST(p.finished.load());
    BOOST_TEST(sw.seconds() >= 0.045); // the value came after the extra work
}

// --- non-positive timeouts ----------------------------------------------------------

ASYNCIO_TEST_CASE(non_positive_timeout_never_starts_the_coroutine) {
    probe zero, negative, fractional, ns;
    auto w0 = asyncio::wait_for(work(zero, 0ms, 1), 0s);
    const auto e0 = co_await exception_of(std::move(w0));
    auto w1 = asyncio::wait_for(work(negative, 0ms, 1), -1s);
    const auto e1 = co_await exception_of(std::move(w1));
    auto w2 = asyncio::wait_for(work(fractional, 0ms, 1), std::chrono::duration<double>(-0.5));
    const auto e2 = co_await exception_of(std::move(w2));
    auto w3 = asyncio::wait_for(work(ns, 0ms, 1), std::chrono::nanoseconds(0));
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

ASYNCIO_TEST_CASE(non_positive_timeout_never_starts_an_asio_operation) {
    auto ex = co_await asio::this_coro::executor;
    std::atomic<bool> started{false};
    auto w = asyncio::wait_for(flagged_op(started), 0s);
    const auto e = co_await exception_of(std::move(w));
    BOOST_TEST(is_timeout(e));
    BOOST_TEST(!started.load());

    // A timer wait that would succeed at once still times out...
    asio::steady_timer expired_timer(ex, std::chrono::steady_clock::time_point::min());
    auto on_timer = asyncio::wait_for(expired_timer.async_wait(asio::deferred), -1ms);
    const auto e2 = co_await exception_of(std::move(on_timer));
    BOOST_TEST(is_timeout(e2));
    auto posted = asyncio::wait_for(asio::post(ex, asio::deferred), 0s);
    const auto e3 = co_await exception_of(std::move(posted));
    BOOST_TEST(is_timeout(e3));

    // ...while with time left the same operations complete.
    auto w_ok = asyncio::wait_for(flagged_op(started), 1s);
    co_await std::move(w_ok);
    BOOST_TEST(started.load());
    auto on_timer_ok = asyncio::wait_for(expired_timer.async_wait(asio::deferred), 1s);
    co_await std::move(on_timer_ok);
}

// --- task inputs ------------------------------------------------------------------

ASYNCIO_TEST_CASE(finished_task_returns_its_result_even_with_a_zero_timeout) {
    auto body = asyncio::sleep(0ms, 5);
    auto t = co_await asyncio::create_task(std::move(body));
    const auto awaited = co_await t.wait();
    BOOST_TEST(awaited == 5);
    BOOST_REQUIRE(t.done());
    auto zero = asyncio::wait_for(t, 0s);
    const auto with_zero = co_await std::move(zero);
    BOOST_TEST(with_zero == 5);
    auto negative = asyncio::wait_for(t, -1h);
    const auto with_negative = co_await std::move(negative);
    BOOST_TEST(with_negative == 5);

    // A finished task that failed rethrows its own exception, not a timeout.
    auto failing_body = fail_after(0ms, "task failed");
    auto failed = co_await asyncio::create_task(std::move(failing_body));
    auto waited = failed.wait();
    const auto own = co_await exception_of(std::move(waited));
    BOOST_TEST(what_of(own) == "task failed");
    auto on_failed = asyncio::wait_for(failed, 0s);
    const auto e = co_await exception_of(std::move(on_failed));
    BOOST_TEST(what_of(e) == "task failed");
    BOOST_TEST(!is_a<asyncio::timeout_error>(e));
}

ASYNCIO_TEST_CASE(task_finishing_in_time_returns_its_value) {
    auto body = asyncio::sleep(10ms, 6);
    auto t = co_await asyncio::create_task(std::move(body));
    auto w = asyncio::wait_for(t, 2s);
    const auto value = co_await std::move(w);
    BOOST_TEST(value == 6);
    BOOST_TEST(t.done());
    BOOST_TEST(!t.cancelled());
}

ASYNCIO_TEST_CASE(running_task_that_times_out_is_cancelled_and_awaited) {
    probe p;
    auto body = work(p, forever, 1);
    auto t = co_await asyncio::create_task(std::move(body));
    const bool started = co_await became_true(p.started);
    BOOST_REQUIRE(started);
    auto w = asyncio::wait_for(t, 20ms);
    std::exception_ptr e;
    bool done_at_throw = false, cleaned_at_throw = false;
    try {
        co_await std::move(w);
    } catch (...) {
        e = std::current_exception();
        done_at_throw = t.done();
        cleaned_at_throw = p.cleaned_up;
    }
    BOOST_TEST(is_timeout(e));
    BOOST_TEST(done_at_throw);
    BOOST_TEST(cleaned_at_throw);
    BOOST_TEST(t.cancelled());
    BOOST_TEST(p.cancelled.load());
}

ASYNCIO_TEST_CASE(running_task_with_a_zero_timeout_is_cancelled_and_awaited) {
    probe p;
    auto body = work(p, forever, 1);
    auto t = co_await asyncio::create_task(std::move(body));
    const bool started = co_await became_true(p.started);
    BOOST_REQUIRE(started);
    auto w = asyncio::wait_for(t, 0s);
    std::exception_ptr e;
    bool done_at_throw = false;
    try {
        co_await std::move(w);
    } catch (...) {
        e = std::current_exception();
        done_at_throw = t.done();
    }
    BOOST_TEST(is_timeout(e));
    BOOST_TEST(done_at_throw);
    BOOST_TEST(t.cancelled());
    BOOST_TEST(p.cleaned_up.load());
}

// --- Asio operations --------------------------------------------------------------

ASYNCIO_TEST_CASE(asio_timer_wait_times_out) {
    auto ex = co_await asio::this_coro::executor;
    asio::steady_timer timer(ex, forever);
    stopwatch sw;
    auto w = asyncio::wait_for(timer.async_wait(asio::deferred), 20ms);
    static_assert(std::is_same_v<decltype(w), awaitable<void>>);
    const auto e = co_await exception_of(std::move(w));
    BOOST_TEST(is_timeout(e));
    BOOST_TEST(sw.seconds() < 5.0); // the timer wait was cancelled and awaited

    asio::steady_timer quick(ex, 5ms);
    auto in_time = asyncio::wait_for(quick.async_wait(asio::deferred), 2s);
    co_await std::move(in_time);
    BOOST_TEST((std::chrono::steady_clock::now() >= quick.expiry()));
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

awaitable<void> wait_for_then_report(awaitable<int> work, milliseconds d, probe& p, report& r) {
    auto w = asyncio::wait_for(std::move(work), d);
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

ASYNCIO_TEST_CASE(callers_cancellation_propagates_as_cancellation_not_timeout) {
    probe p;
    report r;
    stopwatch sw;
    auto body = wait_for_then_report(work(p, forever, 1), 5000ms, p, r);
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
    BOOST_TEST(sw.seconds() < 4.0); // well before the 5 s deadline
}

ASYNCIO_TEST_CASE(callers_cancellation_after_expiry_still_propagates_as_cancellation) {
    // The deadline fires, the work ignores it (cleanup "forever"), then the caller is
    // cancelled: as in Python, that is a cancellation, not a timeout.
    probe p;
    report r;
    auto body = wait_for_then_report(slow_cleanup(p, forever), 20ms, p, r);
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
    std::exception_ptr e;
    bool cleaned_at_throw = false;
    try {
        co_await std::move(w);
    } catch (...) {
        e = std::current_exception();
        cleaned_at_throw = a.cleaned_up && b.cleaned_up;
    }
    BOOST_TEST(is_timeout(e));
    BOOST_TEST(cleaned_at_throw);
    BOOST_TEST(a.cancelled.load());
    BOOST_TEST(b.cancelled.load());
}

// --- the seed scenario --------------------------------------------------------------

ASYNCIO_TEST_CASE(timeout_equal_to_the_work_duration_reports_timeout_deterministically) {
    int timeouts = 0;
    std::vector<std::string> others;
    for (int i = 0; i < 10; ++i) {
        auto both = asyncio::gather(asyncio::sleep(100ms), asyncio::sleep(100ms));
        auto w = asyncio::wait_for(std::move(both), 100ms);
        const auto e = co_await exception_of(std::move(w));
        if (is_timeout(e))
            ++timeouts;
        else
            others.push_back(what_of(e));
    }
    BOOST_TEST(timeouts == 10);
    for (auto& other : others)
        BOOST_TEST_MESSAGE("not a timeout: " << other);
}

// --- bad input --------------------------------------------------------------------

ASYNCIO_TEST_CASE(huge_durations_do_not_overflow) {
    auto hours = asyncio::wait_for(asyncio::sleep(1ms, 1), std::chrono::hours::max());
    const auto from_hours = co_await std::move(hours);
    BOOST_TEST(from_hours == 1);
    auto doubles = asyncio::wait_for(asyncio::sleep(1ms, 2), std::chrono::duration<double>(1e300));
    const auto from_doubles = co_await std::move(doubles);
    BOOST_TEST(from_doubles == 2);
    auto nanos = asyncio::wait_for(asyncio::sleep(1ms, 3), std::chrono::nanoseconds::max());
    const auto from_nanos = co_await std::move(nanos);
    BOOST_TEST(from_nanos == 3);
    auto years = asyncio::wait_for(asyncio::sleep(1ms, 4),
                                   std::chrono::duration<long long, std::ratio<31556952>>::max());
    const auto from_years = co_await std::move(years);
    BOOST_TEST(from_years == 4);
    auto sixty_four =
        asyncio::wait_for(asyncio::sleep(1ms, 5), std::chrono::duration<unsigned long long>::max());
    const auto from_unsigned = co_await std::move(sixty_four);
    BOOST_TEST(from_unsigned == 5);

    // Huge negative durations are non-positive: timeout at once, nothing started.
    probe p, q;
    auto past = asyncio::wait_for(work(p, 0ms, 1), std::chrono::hours::min());
    const auto e = co_await exception_of(std::move(past));
    BOOST_TEST(is_timeout(e));
    BOOST_TEST(!p.started.load());
    auto past_double = asyncio::wait_for(work(q, 0ms, 1), std::chrono::duration<double>(-1e300));
    const auto e2 = co_await exception_of(std::move(past_double));
    BOOST_TEST(is_timeout(e2));
    BOOST_TEST(!q.started.load());
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
    constexpr int count = 100;
    asio::io_context ctx; // default concurrency hint: several threads may run it
    std::atomic<int> in_time{0}, timed_out{0}, wrong{0}, escaped{0};
    for (int i = 0; i < count; ++i) {
        asio::co_spawn(ctx, one_wait_for(i, in_time, timed_out, wrong), [&](std::exception_ptr e) {
            if (e)
                escaped.fetch_add(1);
        });
    }
    asyncio::test::run_context(ctx, 4);
    BOOST_TEST(in_time.load() == count / 2);
    BOOST_TEST(timed_out.load() == count / 2);
    BOOST_TEST(wrong.load() == 0);
    BOOST_TEST(escaped.load() == 0);
}

BOOST_AUTO_TEST_SUITE_END()

} // namespace
