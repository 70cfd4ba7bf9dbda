// Copyright (c) 2026 The asyncio for Asio authors.
// Distributed under the Boost Software License, Version 1.0.

#include <asyncio/shield.hpp>

#include "test_util.hpp"

#include "sync_util.hpp"
#include "watch_util.hpp"

#include <asyncio/error.hpp>
#include <asyncio/event.hpp>
#include <asyncio/future.hpp>
#include <asyncio/sleep.hpp>
#include <asyncio/task.hpp>
#include <asyncio/timeout.hpp>
#include <asyncio/wait_for.hpp>

#include <boost/asio/deferred.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>

#include <atomic>
#include <chrono>
#include <cstddef>
#include <exception>
#include <optional>
#include <stdexcept>
#include <string>
#include <thread>
#include <type_traits>
#include <utility>
#include <vector>

namespace {

using namespace std::chrono_literals;
using namespace asyncio::test;
using asyncio::awaitable;

// Sets `ran` and yields `value` once `go` is set.
awaitable<int> value_on_noting(asyncio::event& go, int value, std::atomic<bool>& ran) {
    co_await go.wait();
    ran = true;
    co_return value;
}

// What a consumer awaits: shield(h).
constexpr auto shielded = [](auto h) { return asyncio::shield(std::move(h)); };

// Awaits shield(h) and stores the value in `out`.
template <class H, class T>
awaitable<void> shielded_into(H h, std::optional<T>& out) {
    return awaited_into(shielded, std::move(h), out);
}

// A consumer that returned yields the value i of its future or task.
constexpr auto same = [](int i) { return i; };

// A task yielding `value` once `go` is set, and a task storing shield() of it in `out`,
// already waiting when this returns.
awaitable<std::pair<asyncio::task<int>, asyncio::task<void>>>
task_and_shielded_awaiter(asyncio::event& go, int value, std::optional<int>& out) {
    auto body = value_on(go, value);
    auto t = co_await asyncio::create_task(std::move(body));
    auto awaiter_body = shielded_into(t, out);
    auto awaiter = co_await asyncio::create_task(std::move(awaiter_body));
    co_await settle();
    co_return std::pair{t, awaiter};
}

// `t`, a task of value_on(go, value), still runs after a few turns; once `go` is set it
// yields `value`, never cancelled.
awaitable<void> expect_running_then_value(asyncio::event& go, asyncio::task<int>& t, int value) {
    co_await settle();
    BOOST_TEST(!t.done()); // still running
    go.set();
    const int v = co_await t.wait();
    BOOST_TEST(v == value);
    BOOST_TEST(!t.cancelled());
}

BOOST_AUTO_TEST_SUITE(shield)

// --- results ----------------------------------------------------------------------

ASYNCIO_TEST_CASE(shield_of_a_task_yields_its_result) {
    asyncio::event go;
    auto body = value_on(go, 42);
    auto t = co_await asyncio::create_task(std::move(body));
    auto s = asyncio::shield(t);
    static_assert(std::is_same_v<decltype(s), awaitable<int>>);
    auto opener = after_turns(2, [&] { go.set(); });
    co_await asyncio::create_task(std::move(opener));
    const int v = co_await std::move(s);
    BOOST_TEST(v == 42);
    BOOST_TEST(t.done());
}

ASYNCIO_TEST_CASE(shield_of_a_void_task_waits_for_it) {
    asyncio::event go;
    auto body = go.wait();
    auto t = co_await asyncio::create_task(std::move(body));
    auto s = asyncio::shield(t);
    static_assert(std::is_same_v<decltype(s), awaitable<void>>);
    auto opener = after_turns(2, [&] { go.set(); });
    co_await asyncio::create_task(std::move(opener));
    co_await std::move(s);
    BOOST_TEST(t.done());
    BOOST_TEST(!t.cancelled());
}

ASYNCIO_TEST_CASE(the_inner_exception_propagates_through_shield) {
    asyncio::event go;
    auto body = fail_on(go, "inner failed");
    auto t = co_await asyncio::create_task(std::move(body));
    go.set();
    const auto from_task = co_await exception_of(asyncio::shield(t));
    BOOST_TEST(is_a<std::runtime_error>(from_task));
    BOOST_TEST(what_of(from_task) == "inner failed");
    const auto from_awaitable = co_await exception_of(asyncio::shield(fail_after(1ms, "coro")));
    BOOST_TEST(what_of(from_awaitable) == "coro");
    auto ex = co_await asio::this_coro::executor;
    asyncio::future<int> f(ex);
    f.set_exception(std::make_exception_ptr(std::logic_error("future failed")));
    const auto from_future = co_await exception_of(asyncio::shield(f));
    BOOST_TEST(is_a<std::logic_error>(from_future));
    BOOST_TEST(what_of(from_future) == "future failed");
}

ASYNCIO_TEST_CASE(shield_of_a_finished_task_yields_at_once) {
    auto ok_body = asyncio::sleep(0ms, 5);
    auto ok = co_await asyncio::create_task(std::move(ok_body));
    asyncio::event never;
    auto cancelled_body = value_on(never, 1);
    auto cancelled = co_await asyncio::create_task(std::move(cancelled_body));
    co_await settle();
    cancelled.cancel();
    co_await settle();
    BOOST_TEST(ok.done());
    BOOST_TEST(cancelled.cancelled());
    const stopwatch clock;
    const int v = co_await asyncio::shield(ok);
    BOOST_TEST(v == 5);
    const auto e = co_await exception_of(asyncio::shield(cancelled));
    BOOST_TEST(is_a<asyncio::cancelled_error>(e), what_of(e));
    BOOST_TEST(clock.seconds() < 1.0);
}

ASYNCIO_TEST_CASE(shield_of_a_task_cancelled_by_someone_else_throws_the_cancellation) {
    asyncio::event never;
    std::optional<int> out;
    auto [t, awaiter] = co_await task_and_shielded_awaiter(never, 1, out);
    BOOST_TEST(t.cancel());
    const auto e = co_await exception_of(awaiter.wait());
    BOOST_TEST(is_a<asyncio::cancelled_error>(e), what_of(e));
    BOOST_TEST(t.cancelled());
    BOOST_TEST(!out);
}

// --- the awaiter's cancellation -----------------------------------------------------

ASYNCIO_TEST_CASE(cancelling_the_awaiter_throws_in_it_while_the_task_runs_on) {
    asyncio::event go;
    std::optional<int> out;
    auto [t, awaiter] = co_await task_and_shielded_awaiter(go, 7, out);
    BOOST_TEST(awaiter.cancel());
    const auto e = co_await exception_of(awaiter.wait());
    BOOST_TEST(asyncio::is_cancellation(e), what_of(e));
    BOOST_TEST(awaiter.cancelled());
    BOOST_TEST(!out);
    co_await expect_running_then_value(go, t, 7);
}

// The control experiment: without shield, the same cancellation reaches the task.
ASYNCIO_TEST_CASE(without_shield_the_awaiters_cancellation_cancels_the_task) {
    asyncio::event never;
    auto body = value_on(never, 7);
    auto t = co_await asyncio::create_task(std::move(body));
    auto awaiter_body = [](asyncio::task<int> inner) -> awaitable<void> { co_await inner.wait(); };
    auto awaiter = co_await asyncio::create_task(awaiter_body(t));
    co_await settle();
    awaiter.cancel();
    const auto e = co_await exception_of(awaiter.wait());
    BOOST_TEST(asyncio::is_cancellation(e), what_of(e));
    BOOST_TEST(t.cancelled());
}

ASYNCIO_TEST_CASE(only_the_cancelled_awaiter_of_a_shared_task_throws) {
    asyncio::event go;
    auto body = value_on(go, 9);
    auto t = co_await asyncio::create_task(std::move(body));
    std::optional<int> a_out, b_out, c_out;
    auto a_body = shielded_into(t, a_out);
    auto b_body = shielded_into(t, b_out);
    auto c_body = shielded_into(t, c_out);
    auto a = co_await asyncio::create_task(std::move(a_body));
    auto b = co_await asyncio::create_task(std::move(b_body));
    auto c = co_await asyncio::create_task(std::move(c_body));
    co_await settle();
    b.cancel();
    const auto e = co_await exception_of(b.wait());
    BOOST_TEST(asyncio::is_cancellation(e));
    go.set();
    co_await a.wait();
    co_await c.wait();
    BOOST_TEST((a_out == std::optional<int>(9)));
    BOOST_TEST(!b_out);
    BOOST_TEST((c_out == std::optional<int>(9)));
    BOOST_TEST(!t.cancelled());
}

ASYNCIO_TEST_CASE(shield_of_an_awaitable_runs_it_as_a_task_of_its_own) {
    asyncio::event go;
    std::atomic<bool> ran{false};
    std::optional<asyncio::any_task> inner_task, awaiter_task;
    auto inner = [&]() -> awaitable<int> {
        inner_task = co_await asyncio::current_task();
        co_return co_await value_on_noting(go, 3, ran);
    };
    std::optional<int> out;
    auto awaiter_body = [&]() -> awaitable<void> {
        awaiter_task = co_await asyncio::current_task();
        auto s = asyncio::shield(inner());
        out = co_await std::move(s);
    };
    auto awaiter = co_await asyncio::create_task(awaiter_body());
    co_await settle();
    BOOST_TEST_REQUIRE(inner_task.has_value());
    BOOST_TEST_REQUIRE(awaiter_task.has_value());
    BOOST_TEST((*awaiter_task == awaiter));
    BOOST_TEST(!(*inner_task == awaiter)); // a task of its own
    BOOST_TEST(!inner_task->done());
    awaiter.cancel();
    const auto e = co_await exception_of(awaiter.wait());
    BOOST_TEST(asyncio::is_cancellation(e), what_of(e));
    BOOST_TEST(!out);
    BOOST_TEST(!inner_task->done()); // runs on
    go.set();
    const bool finished = co_await eventually([&] { return inner_task->done(); });
    BOOST_TEST(finished);
    BOOST_TEST(ran.load());
    BOOST_TEST(!inner_task->cancelled());
    BOOST_TEST(!inner_task->exception());
}

// --- Asio operations --------------------------------------------------------------

ASYNCIO_TEST_CASE(shield_of_a_deferred_asio_operation_yields_its_result) {
    auto ex = co_await asio::this_coro::executor;
    auto value = asyncio::shield(value_op(42));
    static_assert(std::is_same_v<decltype(value), awaitable<int>>);
    const int v = co_await std::move(value);
    BOOST_TEST(v == 42);
    asio::steady_timer timer(ex, 5ms);
    co_await asyncio::shield(timer.async_wait(asio::deferred));
    BOOST_TEST((std::chrono::steady_clock::now() >= timer.expiry()));
    const auto e =
        co_await exception_of(asyncio::shield(value_op(0, asio::error::connection_refused)));
    BOOST_TEST(is_a<boost::system::system_error>(e));
    BOOST_TEST(code_of(e) == asio::error::connection_refused);
}

ASYNCIO_TEST_CASE(cancelling_the_awaiter_of_a_shielded_asio_operation_lets_it_complete) {
    auto ex = co_await asio::this_coro::executor;
    asio::steady_timer timer(ex, 100ms);
    std::atomic<bool> fired{false};
    std::optional<error_code> timer_ec;
    auto awaiter_body = [&]() -> awaitable<void> {
        auto op = timer.async_wait(asio::deferred([&](error_code ec) {
            timer_ec = ec;
            fired = true;
            return asio::deferred.values(ec);
        }));
        auto s = asyncio::shield(std::move(op));
        co_await std::move(s);
    };
    auto awaiter = co_await asyncio::create_task(awaiter_body());
    co_await settle();
    awaiter.cancel();
    const auto e = co_await exception_of(awaiter.wait());
    BOOST_TEST(asyncio::is_cancellation(e), what_of(e));
    BOOST_TEST(!fired.load());
    const bool completed = co_await eventually([&] { return fired.load(); });
    BOOST_TEST(completed);
    BOOST_TEST((timer_ec == std::optional<error_code>(error_code{}))); // expired, not aborted
}

// --- timeouts ---------------------------------------------------------------------

ASYNCIO_TEST_CASE(wait_for_around_shield_times_out_and_the_task_runs_on) {
    asyncio::event go;
    auto body = value_on(go, 11);
    auto t = co_await asyncio::create_task(std::move(body));
    const stopwatch clock;
    const auto e = co_await exception_of(asyncio::wait_for(asyncio::shield(t), 10ms));
    BOOST_TEST(is_timeout(e), what_of(e));
    BOOST_TEST(clock.seconds() < 5.0);
    co_await expect_running_then_value(go, t, 11);
}

ASYNCIO_TEST_CASE(timeout_around_shield_of_an_awaitable_lets_it_finish_later) {
    asyncio::event go;
    std::atomic<bool> ran{false};
    const auto e =
        co_await exception_of(asyncio::timeout(10ms, asyncio::shield(value_on_noting(go, 1, ran))));
    BOOST_TEST(is_timeout(e), what_of(e));
    co_await settle();
    BOOST_TEST(!ran.load());
    go.set();
    const bool finished = co_await eventually([&] { return ran.load(); });
    BOOST_TEST(finished);
}

// Python's shield(coro) schedules coro as a task at once, so even a timeout that has
// already expired leaves it running. C++ coroutines are lazy: shield(aw) creates the task
// when it first runs, and wait_for with an expired timeout never starts it (documented
// in shield.hpp). A task created first and shielded runs regardless.
ASYNCIO_TEST_CASE(shield_of_a_task_under_an_expired_timeout_still_runs_it) {
    std::atomic<bool> ran{false};
    auto work = [&]() -> awaitable<int> {
        ran = true;
        co_return 1;
    };
    auto t = co_await asyncio::create_task(work());
    const auto e = co_await exception_of(asyncio::wait_for(asyncio::shield(t), 0ms));
    BOOST_TEST(is_timeout(e), what_of(e));
    const bool finished = co_await eventually([&] { return ran.load(); }, 200ms);
    BOOST_TEST(finished);
    BOOST_TEST(co_await t.wait() == 1);
}

ASYNCIO_TEST_CASE(shield_of_an_awaitable_starts_it_only_when_it_runs) {
    std::atomic<bool> ran{false};
    auto work = [&]() -> awaitable<int> {
        ran = true;
        co_return 1;
    };
    const auto e = co_await exception_of(asyncio::wait_for(asyncio::shield(work()), 0ms));
    BOOST_TEST(is_timeout(e), what_of(e));
    co_await settle();
    BOOST_TEST(!ran.load());
}

ASYNCIO_TEST_CASE(shield_inside_wait_for_returns_when_the_task_is_quick_enough) {
    auto body = asyncio::sleep(1ms, 12);
    auto t = co_await asyncio::create_task(std::move(body));
    const int v = co_await asyncio::wait_for(asyncio::shield(t), 5s);
    BOOST_TEST(v == 12);
}

// --- futures ----------------------------------------------------------------------

ASYNCIO_TEST_CASE(shield_of_a_future_set_from_another_thread) {
    auto ex = co_await asio::this_coro::executor;
    asyncio::future<std::string> f(ex);
    std::thread setter([f]() mutable {
        std::this_thread::sleep_for(5ms);
        f.set_result("from a thread");
    });
    const std::string s = co_await asyncio::shield(f);
    setter.join();
    BOOST_TEST(s == "from a thread");
}

ASYNCIO_TEST_CASE(cancelling_the_awaiter_of_a_shielded_future_leaves_it_pending) {
    auto ex = co_await asio::this_coro::executor;
    asyncio::future<int> f(ex);
    std::optional<int> out;
    auto awaiter_body = shielded_into(f, out);
    auto awaiter = co_await asyncio::create_task(std::move(awaiter_body));
    co_await settle();
    awaiter.cancel();
    const auto e = co_await exception_of(awaiter.wait());
    BOOST_TEST(asyncio::is_cancellation(e), what_of(e));
    BOOST_TEST(!f.done()); // f.wait() would have cancelled it
    f.set_result(4);
    BOOST_TEST(f.result() == 4);
    BOOST_TEST(!out);
}

// --- races ------------------------------------------------------------------------

ASYNCIO_TEST_CASE(cancellation_racing_a_completion_gives_one_outcome_and_cancels_nothing) {
    auto begin = [](const asyncio::future<int>&) { return shielded; };
    co_await race_cancellation_with_a_set_result(begin, same, nothing_more{});
}

ASYNCIO_TEST_CASE(task_completion_racing_the_awaiters_cancellation_cancels_no_task) {
    co_await race_cancellation_with_a_finishing_task(shielded, same);
}

// --- four threads -----------------------------------------------------------------

constexpr int many = 300;

ASYNCIO_TEST_CASE_OPTS(awaiters_cancelled_from_a_thread_on_four_threads_cancel_no_task,
                       .threads = 4) {
    std::vector<asyncio::task<int>> inner;
    for (int i = 0; i < many; ++i) {
        auto body = asyncio::sleep(milliseconds(i % 4), i);
        inner.push_back(co_await asyncio::create_task(std::move(body)));
    }
    std::vector<std::optional<int>> outs(many);
    std::vector<asyncio::task<void>> awaiters;
    for (int i = 0; i < many; ++i) {
        auto body = shielded_into(inner[i], outs[i]);
        awaiters.push_back(co_await asyncio::create_task(std::move(body)));
    }
    std::thread canceller = cancel_every_other_from_a_thread(awaiters, 0);
    const auto r = co_await outcomes_of(awaiters, outs, same);
    canceller.join();
    ASYNCIO_CHECK_EQUAL(r.returned + r.cancelled, many);
    ASYNCIO_CHECK(r.cancelled <= many / 2);
    for (int i = 0; i < many; ++i) {
        const int v = co_await inner[i].wait();
        ASYNCIO_CHECK_EQUAL(v, i);
        ASYNCIO_CHECK(!inner[i].cancelled());
    }
}

ASYNCIO_TEST_CASE_OPTS(shielded_work_under_short_timeouts_on_four_threads_all_finishes,
                       .threads = 4) {
    std::atomic<int> finished{0}, timed_out{0}, returned{0};
    auto work = [&](int i) -> awaitable<int> {
        co_await asyncio::sleep(milliseconds(i % 5));
        ++finished;
        co_return i;
    };
    // Python's idiom: the task exists before the timeout starts, so it always runs.
    auto caller = [&](int i) -> awaitable<void> {
        auto t = co_await asyncio::create_task(work(i));
        auto shielded = asyncio::shield(t);
        auto bounded = asyncio::wait_for(std::move(shielded), std::chrono::microseconds(i % 3000));
        const auto r = co_await ending_of(std::move(bounded));
        if (r.exception) {
            ASYNCIO_CHECK(is_timeout(r.exception));
            ++timed_out;
        } else {
            ASYNCIO_CHECK_EQUAL(r.value, i);
            ++returned;
        }
    };
    std::vector<asyncio::task<void>> callers;
    for (int i = 0; i < many; ++i)
        callers.push_back(co_await asyncio::create_task(caller(i)));
    for (auto& c : callers)
        co_await c.wait();
    ASYNCIO_CHECK_EQUAL(timed_out.load() + returned.load(), many);
    // Every shielded piece of work finishes, timed out or not.
    const bool all_finished = co_await eventually([&] { return finished.load() == many; });
    ASYNCIO_CHECK(all_finished);
    BOOST_TEST_MESSAGE("returned " << returned.load() << ", timed out " << timed_out.load());
}

ASYNCIO_TEST_CASE_OPTS(futures_set_and_awaiters_cancelled_from_a_thread_on_four_threads,
                       .threads = 4) {
    co_await race_cancellations_with_set_results_from_a_thread(many, shielded, same);
}

BOOST_AUTO_TEST_SUITE_END()

} // namespace
