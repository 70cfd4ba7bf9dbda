// Copyright (c) 2026 The asyncio for Asio authors.
// Distributed under the Boost Software License, Version 1.0.

#include <asyncio/gather.hpp>

#include "test_util.hpp"

#include "child_probes.hpp"

#include <asyncio/error.hpp>
#include <asyncio/outcome.hpp>
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
#include <tuple>
#include <type_traits>
#include <variant>
#include <vector>

namespace {

namespace asio = boost::asio;
using namespace std::chrono_literals;
using namespace asyncio::test;
using asyncio::awaitable;

// Like work(), without a value.
awaitable<void> void_work(probe& p, milliseconds d) {
    p.started = true;
    set_on_exit guard(p.cleaned_up);
    co_await sleep_noting_cancellation(p, d);
    p.finished = true;
}

awaitable<std::unique_ptr<int>> boxed(int v, milliseconds d) {
    co_await asyncio::sleep(d);
    co_return std::make_unique<int>(v);
}

// How a gather awaited inside a task ended.
struct gather_report {
    std::atomic<bool> returned{false};
    boost::system::error_code code;
    bool children_done_at_throw = false;
    bool task_done_at_throw = false;
};

BOOST_AUTO_TEST_SUITE(gather)

// --- results ----------------------------------------------------------------------

awaitable<int> record_after(milliseconds d, int value, std::vector<int>& finished) {
    co_await asyncio::sleep(d);
    finished.push_back(value);
    co_return value;
}

ASYNCIO_TEST_CASE(gather_results_come_in_argument_order) {
    std::vector<int> finished;
    auto all = asyncio::gather(record_after(60ms, 1, finished), record_after(30ms, 2, finished),
                               record_after(0ms, 3, finished));
    static_assert(std::is_same_v<decltype(all), awaitable<std::tuple<int, int, int>>>);
    const std::tuple<int, int, int> r = co_await std::move(all);
    BOOST_TEST(std::get<0>(r) == 1);
    BOOST_TEST(std::get<1>(r) == 2);
    BOOST_TEST(std::get<2>(r) == 3);
    // They did finish in the opposite order.
    BOOST_TEST(finished == (std::vector<int>{3, 2, 1}), boost::test_tools::per_element());
}

awaitable<void> set_after(milliseconds d, std::atomic<bool>& flag) {
    co_await asyncio::sleep(d);
    flag = true;
}

ASYNCIO_TEST_CASE(void_inputs_yield_monostate) {
    std::atomic<bool> first_ran{false}, last_ran{false};
    auto all = asyncio::gather(set_after(5ms, first_ran), asyncio::sleep(1ms, 7),
                               set_after(0ms, last_ran));
    static_assert(
        std::is_same_v<decltype(all), awaitable<std::tuple<std::monostate, int, std::monostate>>>);
    const auto r = co_await std::move(all);
    BOOST_TEST(std::get<1>(r) == 7);
    BOOST_TEST(first_ran.load());
    BOOST_TEST(last_ran.load());
}

ASYNCIO_TEST_CASE(vector_form_yields_values_in_input_order) {
    std::vector<awaitable<int>> inputs;
    for (int i = 0; i < 10; ++i)
        inputs.push_back(asyncio::sleep(milliseconds((10 - i) * 3), i)); // last finishes first
    auto all = asyncio::gather(std::move(inputs));
    static_assert(std::is_same_v<decltype(all), awaitable<std::vector<int>>>);
    const std::vector<int> r = co_await std::move(all);
    BOOST_TEST(r == (std::vector<int>{0, 1, 2, 3, 4, 5, 6, 7, 8, 9}),
               boost::test_tools::per_element());
}

awaitable<void> count_after(milliseconds d, std::atomic<int>& counter) {
    co_await asyncio::sleep(d);
    ++counter;
}

ASYNCIO_TEST_CASE(vector_of_void_awaitables_yields_void) {
    std::atomic<int> counter{0};
    std::vector<awaitable<void>> inputs;
    for (int i = 0; i < 5; ++i)
        inputs.push_back(count_after(milliseconds(i * 2), counter));
    auto all = asyncio::gather(std::move(inputs));
    static_assert(std::is_same_v<decltype(all), awaitable<void>>);
    co_await std::move(all);
    BOOST_TEST(counter.load() == 5);
}

ASYNCIO_TEST_CASE(inputs_may_mix_awaitables_tasks_and_asio_operations) {
    auto ex = co_await asio::this_coro::executor;
    auto task_body = asyncio::sleep(5ms, std::string("task"));
    auto t = co_await asyncio::create_task(std::move(task_body));
    asio::steady_timer timer(ex, 10ms);
    auto all = asyncio::gather(asyncio::sleep(15ms, 1), t, timer.async_wait(asio::deferred),
                               asio::post(ex, asio::deferred), value_op(42));
    static_assert(std::is_same_v<
                  decltype(all),
                  awaitable<std::tuple<int, std::string, std::monostate, std::monostate, int>>>);
    const auto r = co_await std::move(all);
    BOOST_TEST(std::get<0>(r) == 1);
    BOOST_TEST(std::get<1>(r) == "task");
    BOOST_TEST(std::get<4>(r) == 42);
    BOOST_TEST(t.done());
}

ASYNCIO_TEST_CASE(vector_form_accepts_tasks_and_asio_operations) {
    auto ex = co_await asio::this_coro::executor;
    std::vector<asyncio::task<int>> tasks;
    for (int i = 0; i < 4; ++i) {
        auto body = asyncio::sleep(milliseconds((4 - i) * 3), i * 10);
        tasks.push_back(co_await asyncio::create_task(std::move(body)));
    }
    auto from_tasks = asyncio::gather(tasks);
    static_assert(std::is_same_v<decltype(from_tasks), awaitable<std::vector<int>>>);
    const auto values = co_await std::move(from_tasks);
    BOOST_TEST(values == (std::vector<int>{0, 10, 20, 30}), boost::test_tools::per_element());

    std::vector<decltype(value_op(0))> ops;
    for (int i = 0; i < 3; ++i)
        ops.push_back(value_op(i + 100));
    auto from_ops = asyncio::gather(std::move(ops));
    const auto op_values = co_await std::move(from_ops);
    BOOST_TEST(op_values == (std::vector<int>{100, 101, 102}), boost::test_tools::per_element());

    asio::steady_timer t1(ex, 5ms), t2(ex, 1ms);
    std::vector<decltype(t1.async_wait(asio::deferred))> waits;
    waits.push_back(t1.async_wait(asio::deferred));
    waits.push_back(t2.async_wait(asio::deferred));
    auto from_waits = asyncio::gather(std::move(waits));
    static_assert(std::is_same_v<decltype(from_waits), awaitable<void>>);
    co_await std::move(from_waits);
    BOOST_TEST((std::chrono::steady_clock::now() >= t1.expiry())); // gather waited for both
}

ASYNCIO_TEST_CASE(asio_operation_error_code_becomes_the_exception) {
    auto all =
        asyncio::gather(asyncio::sleep(1ms, 1), value_op(0, asio::error::connection_refused));
    const auto e = co_await exception_of(std::move(all));
    BOOST_TEST(is_a<boost::system::system_error>(e));
    BOOST_TEST(code_of(e) == asio::error::connection_refused);
}

// --- concurrency ------------------------------------------------------------------

awaitable<void> logged(int i, std::vector<std::string>& log, milliseconds d) {
    log.push_back("start " + std::to_string(i));
    co_await asyncio::sleep(d);
    log.push_back("end " + std::to_string(i));
}

ASYNCIO_TEST_CASE(all_children_start_before_any_finishes) {
    std::vector<std::string> log;
    auto all = asyncio::gather(logged(0, log, 20ms), logged(1, log, 20ms), logged(2, log, 20ms));
    co_await std::move(all);
    BOOST_REQUIRE(log.size() == 6u);
    for (std::size_t i = 0; i < 3; ++i)
        BOOST_TEST(log[i].rfind("start ", 0) == 0u, "entry " << i << " is " << log[i]);
    for (std::size_t i = 3; i < 6; ++i)
        BOOST_TEST(log[i].rfind("end ", 0) == 0u, "entry " << i << " is " << log[i]);
}

// Each side waits (a bounded number of loop turns) for the other to have started:
// only possible if they run concurrently.
awaitable<bool> handshake(std::atomic<bool>& mine, const std::atomic<bool>& theirs) {
    mine = true;
    for (int i = 0; i < 1000 && !theirs; ++i)
        co_await asyncio::sleep(0ms);
    co_return theirs.load();
}

ASYNCIO_TEST_CASE(children_run_concurrently_not_one_after_another) {
    std::atomic<bool> a{false}, b{false};
    auto all = asyncio::gather(handshake(a, b), handshake(b, a));
    const auto [a_saw_b, b_saw_a] = co_await std::move(all);
    BOOST_TEST(a_saw_b);
    BOOST_TEST(b_saw_a);

    std::atomic<bool> c{false}, d{false};
    std::vector<awaitable<bool>> inputs;
    inputs.push_back(handshake(c, d));
    inputs.push_back(handshake(d, c));
    auto ranged = asyncio::gather(std::move(inputs));
    const auto r = co_await std::move(ranged);
    BOOST_TEST(r == (std::vector<bool>{true, true}), boost::test_tools::per_element());
}

ASYNCIO_TEST_CASE(empty_input_completes_at_once) {
    stopwatch sw;
    auto none = asyncio::gather();
    static_assert(std::is_same_v<decltype(none), awaitable<std::tuple<>>>);
    co_await std::move(none);

    std::vector<awaitable<int>> no_ints;
    auto ints = asyncio::gather(std::move(no_ints));
    const std::vector<int> r = co_await std::move(ints);
    BOOST_TEST(r.empty());

    std::vector<awaitable<void>> no_voids;
    auto voids = asyncio::gather(std::move(no_voids));
    co_await std::move(voids);

    std::vector<asyncio::task<int>> no_tasks;
    auto tasks = asyncio::gather(no_tasks);
    const std::vector<int> from_tasks = co_await std::move(tasks);
    BOOST_TEST(from_tasks.empty());

    std::vector<awaitable<int>> no_outcomes;
    auto outcomes = asyncio::gather(asyncio::return_exceptions, std::move(no_outcomes));
    const std::vector<asyncio::outcome<int>> o = co_await std::move(outcomes);
    BOOST_TEST(o.empty());

    auto none_with_exceptions = asyncio::gather(asyncio::return_exceptions);
    co_await std::move(none_with_exceptions);
    BOOST_TEST(sw.seconds() < 1.0);
}

// --- failure: fail fast -----------------------------------------------------------

ASYNCIO_TEST_CASE(first_exception_cancels_and_awaits_started_siblings) {
    auto ex = co_await asio::this_coro::executor;
    probe quick, slow, quiet;
    asio::steady_timer timer(ex, forever);
    stopwatch sw;
    auto all = asyncio::gather(work(quick, forever, 1), slow_cleanup(slow, 30ms),
                               timer.async_wait(asio::deferred), void_work(quiet, forever),
                               fail_after(10ms, "boom"));
    auto cleaned_up = [&] {
        return std::tuple{quick.cleaned_up.load(), slow.cleaned_up.load(), quiet.cleaned_up.load()};
    };
    const auto [error, at_throw] = co_await exception_of(std::move(all), cleaned_up);
    const auto [quick_done, slow_done, quiet_done] = at_throw;
    BOOST_TEST(is_a<std::runtime_error>(error));
    BOOST_TEST(what_of(error) == "boom");
    BOOST_TEST(quick.cancelled.load());
    BOOST_TEST(!quick.finished.load());
    BOOST_TEST(quick_done);
    BOOST_TEST(slow.cancelled.load());
    BOOST_TEST(slow_done); // its 30 ms of cleanup ran before gather threw
    BOOST_TEST(quiet.cancelled.load());
    BOOST_TEST(quiet_done);
    BOOST_TEST(sw.seconds() >= 0.035); // 10 ms until the failure, then 30 ms of cleanup
    BOOST_TEST(sw.seconds() < 5.0);    // the timer wait was cancelled, not waited out
}

ASYNCIO_TEST_CASE(first_exception_cancels_and_awaits_siblings_in_vector_form) {
    probe p[3];
    std::vector<awaitable<int>> inputs;
    inputs.push_back(work(p[0], forever, 0));
    inputs.push_back(slow_cleanup(p[1], 30ms));
    inputs.push_back(fail_after(10ms, "boom"));
    inputs.push_back(work(p[2], forever, 2));
    auto all = asyncio::gather(std::move(inputs));
    auto all_cleaned_up = [&] { return p[0].cleaned_up && p[1].cleaned_up && p[2].cleaned_up; };
    const auto [error, all_done_at_throw] = co_await exception_of(std::move(all), all_cleaned_up);
    BOOST_TEST(what_of(error) == "boom");
    BOOST_TEST(all_done_at_throw);
    for (auto& each : p) {
        BOOST_TEST(each.cancelled.load());
        BOOST_TEST(!each.finished.load());
    }
}

ASYNCIO_TEST_CASE(first_exception_wins_over_later_ones_and_cancellations) {
    // The first failure in time comes from the last argument; the earlier arguments fail
    // later (one with its own exception, one with the cancellation).
    probe converts, plain;
    auto all = asyncio::gather(fail_differently_when_cancelled(converts), work(plain, forever, 0),
                               fail_after(10ms, "first"));
    const auto error = co_await exception_of(std::move(all));
    BOOST_TEST(is_a<std::runtime_error>(error));
    BOOST_TEST(!is_a<std::logic_error>(error));
    BOOST_TEST(what_of(error) == "first");
    BOOST_TEST(converts.cleaned_up.load()); // it did throw its own error, after "first"
    BOOST_TEST(plain.cancelled.load());

    probe converts2, plain2;
    std::vector<awaitable<int>> inputs;
    inputs.push_back(fail_differently_when_cancelled(converts2));
    inputs.push_back(work(plain2, forever, 0));
    inputs.push_back(fail_after(10ms, "first"));
    inputs.push_back(fail_after(40ms, "later"));
    auto ranged = asyncio::gather(std::move(inputs));
    const auto ranged_error = co_await exception_of(std::move(ranged));
    BOOST_TEST(what_of(ranged_error) == "first");
    BOOST_TEST(converts2.cleaned_up.load());
}

ASYNCIO_TEST_CASE(nested_gather_failure_cancels_the_outer_siblings) {
    probe inner_sibling, outer_sibling;
    auto inner = asyncio::gather(work(inner_sibling, forever, 1), fail_after(10ms, "deep"));
    auto outer = asyncio::gather(std::move(inner), slow_cleanup(outer_sibling, 20ms));
    auto both_cleaned_up = [&] { return inner_sibling.cleaned_up && outer_sibling.cleaned_up; };
    const auto [error, both_done_at_throw] =
        co_await exception_of(std::move(outer), both_cleaned_up);
    BOOST_TEST(what_of(error) == "deep");
    BOOST_TEST(both_done_at_throw);
    BOOST_TEST(inner_sibling.cancelled.load());
    BOOST_TEST(outer_sibling.cancelled.load());
}

ASYNCIO_TEST_CASE(child_failing_to_start_cancels_started_siblings_and_rethrows) {
    probe before, after;
    auto all = asyncio::gather(work(before, forever, 1), throwing_op(), work(after, 0ms, 2));
    auto cleaned_up = [&before] { return before.cleaned_up.load(); };
    const auto [error, before_done_at_throw] = co_await exception_of(std::move(all), cleaned_up);
    BOOST_TEST(what_of(error) == "cannot start");
    BOOST_TEST(before_done_at_throw);
    BOOST_TEST(!before.finished.load());
    BOOST_TEST(!after.started.load()); // the children after the failed one never start
}

// --- failure: task inputs ---------------------------------------------------------

// Awaits `all`, which fails with "boom" while its task input `t` (value_when(go, value,
// tp)) still runs: gather neither cancels the task nor waits for it, and the task runs
// on and delivers its value.
template <class T>
awaitable<void> task_input_outlives_the_failure(awaitable<T> all, asyncio::task<int> t,
                                                std::atomic<bool>& go, probe& tp, int value) {
    auto task_done = [&t] { return t.done(); };
    const auto [error, task_done_at_throw] = co_await exception_of(std::move(all), task_done);
    BOOST_TEST(what_of(error) == "boom");
    BOOST_TEST(!task_done_at_throw); // gather did not wait for the task
    BOOST_TEST(!tp.cancelled.load());
    go = true;
    const int v = co_await t.wait(); // the task runs on and delivers its value
    BOOST_TEST(v == value);
    BOOST_TEST(!t.cancelled());
    BOOST_TEST(tp.finished.load());
}

ASYNCIO_TEST_CASE(task_inputs_are_not_cancelled_by_a_sibling_failure) {
    std::atomic<bool> go{false};
    probe tp, sibling;
    auto body = value_when(go, 7, tp);
    auto t = co_await asyncio::create_task(std::move(body));
    auto all = asyncio::gather(t, fail_after(5ms, "boom"), work(sibling, forever, 0));
    co_await task_input_outlives_the_failure(std::move(all), t, go, tp, 7);
    BOOST_TEST(sibling.cancelled.load()); // the awaitable sibling was cancelled
}

ASYNCIO_TEST_CASE(task_inputs_in_a_vector_are_not_cancelled_by_a_sibling_failure) {
    std::atomic<bool> go{false};
    probe tp;
    auto slow_body = value_when(go, 11, tp);
    auto failing_body = fail_after(5ms, "boom");
    std::vector<asyncio::task<int>> tasks;
    tasks.push_back(co_await asyncio::create_task(std::move(slow_body)));
    tasks.push_back(co_await asyncio::create_task(std::move(failing_body)));
    auto all = asyncio::gather(tasks);
    co_await task_input_outlives_the_failure(std::move(all), tasks[0], go, tp, 11);
}

ASYNCIO_TEST_CASE(task_detached_by_a_sibling_failure_is_left_alone_by_a_later_cancellation) {
    // A sibling fails; while gather waits for its other coroutine to unwind, the
    // caller is cancelled: the task input gather stopped watching is not cancelled.
    std::atomic<bool> go{false};
    probe tp, unwinding;
    auto body = value_when(go, 5, tp);
    auto t = co_await asyncio::create_task(std::move(body));
    auto gatherer = [&]() -> awaitable<void> {
        auto all = asyncio::gather(t, fail_after(1ms, "boom"), slow_cleanup(unwinding, 200ms));
        co_await std::move(all);
    };
    auto g = co_await asyncio::create_task(gatherer());
    const bool unwinding_started = co_await became_true(unwinding.cancelled);
    BOOST_TEST(unwinding_started); // the failure happened, gather is unwinding
    g.cancel();
    BOOST_CHECK_THROW(co_await g.wait(), std::exception);
    BOOST_TEST(!t.done());
    BOOST_TEST(!tp.cancelled.load());
    go = true;
    BOOST_TEST(co_await t.wait() == 5);
}

// --- the caller's cancellation ----------------------------------------------------

awaitable<void> gather_everything(probe& a, probe& b, asyncio::task<int> t,
                                  asio::steady_timer& timer, gather_report& r) {
    auto all = asyncio::gather(work(a, forever, 1), slow_cleanup(b, 20ms), t,
                               timer.async_wait(asio::deferred));
    try {
        co_await std::move(all);
        r.returned = true;
    } catch (const boost::system::system_error& e) {
        r.code = e.code();
        r.children_done_at_throw = a.cleaned_up && b.cleaned_up;
        r.task_done_at_throw = t.done();
        throw;
    }
}

ASYNCIO_TEST_CASE(cancelling_the_awaiter_cancels_and_awaits_every_input) {
    // The task input takes longest to clean up: gather must still wait for it.
    auto ex = co_await asio::this_coro::executor;
    probe a, b, tp;
    gather_report report;
    auto task_body = slow_cleanup(tp, 50ms);
    auto t = co_await asyncio::create_task(std::move(task_body));
    asio::steady_timer timer(ex, forever);
    stopwatch sw;
    auto outer_body = gather_everything(a, b, t, timer, report);
    auto outer = co_await asyncio::create_task(std::move(outer_body));
    bool started = co_await became_true(a.started);
    started &= co_await became_true(b.started);
    started &= co_await became_true(tp.started);
    BOOST_REQUIRE(started);
    BOOST_TEST(outer.cancel());
    auto waited = outer.wait();
    const auto e = co_await exception_of(std::move(waited));
    BOOST_TEST(asyncio::is_cancellation(e));
    BOOST_TEST(outer.cancelled());
    BOOST_TEST(!report.returned.load());
    BOOST_TEST(report.code == asio::error::operation_aborted);
    BOOST_TEST(report.children_done_at_throw);
    BOOST_TEST(report.task_done_at_throw); // the task input was awaited...
    BOOST_TEST(a.cancelled.load());
    BOOST_TEST(b.cancelled.load());
    auto drained = t.wait(); // (if gather did not wait for it, do it here: tp must outlive it)
    co_await exception_of(std::move(drained));
    BOOST_TEST(tp.cancelled.load()); // ...and cancelled too
    BOOST_TEST(t.cancelled());
    BOOST_TEST(sw.seconds() < 5.0); // the timer wait was cancelled as well
}

awaitable<void> gather_vector_then_report(probe (&p)[3], std::vector<asyncio::task<int>> tasks,
                                          gather_report& r) {
    std::vector<awaitable<int>> inputs;
    inputs.push_back(work(p[0], forever, 0));
    inputs.push_back(slow_cleanup(p[1], 20ms));
    inputs.push_back(work(p[2], forever, 2));
    auto awaitables = asyncio::gather(std::move(inputs));
    auto from_tasks = asyncio::gather(tasks);
    auto all = asyncio::gather(std::move(awaitables), std::move(from_tasks));
    try {
        co_await std::move(all);
        r.returned = true;
    } catch (const boost::system::system_error& e) {
        r.code = e.code();
        r.children_done_at_throw = p[0].cleaned_up && p[1].cleaned_up && p[2].cleaned_up;
        r.task_done_at_throw = tasks[0].done() && tasks[1].done();
        throw;
    }
}

ASYNCIO_TEST_CASE(cancelling_the_awaiter_of_a_vector_gather_cancels_every_input) {
    // One task input is cancelled at once, the other takes 50 ms to clean up: gather
    // must wait for both.
    probe p[3], tq, tp;
    gather_report report;
    auto quick_body = work(tq, forever, 3);
    auto slow_body = slow_cleanup(tp, 50ms);
    std::vector<asyncio::task<int>> tasks;
    tasks.push_back(co_await asyncio::create_task(std::move(quick_body)));
    tasks.push_back(co_await asyncio::create_task(std::move(slow_body)));
    auto outer_body = gather_vector_then_report(p, tasks, report);
    auto outer = co_await asyncio::create_task(std::move(outer_body));
    bool started = co_await became_true(p[2].started);
    started &= co_await became_true(tq.started);
    started &= co_await became_true(tp.started);
    BOOST_REQUIRE(started);
    outer.cancel();
    auto waited = outer.wait();
    const auto e = co_await exception_of(std::move(waited));
    BOOST_TEST(asyncio::is_cancellation(e));
    BOOST_TEST(report.code == asio::error::operation_aborted);
    BOOST_TEST(report.children_done_at_throw);
    BOOST_TEST(report.task_done_at_throw);
    for (auto& each : p)
        BOOST_TEST(each.cancelled.load());
    for (auto& t : tasks) { // (if gather did not wait for them: tq and tp must outlive them)
        auto drained = t.wait();
        co_await exception_of(std::move(drained));
        BOOST_TEST(t.cancelled());
    }
}

// Awaits `all` (a gather of a's and b's coroutines), recording in `r` how it ended.
template <class T>
awaitable<void> gather_of_two_then_report(awaitable<T> all, probe& a, probe& b, gather_report& r) {
    try {
        co_await std::move(all);
        r.returned = true;
    } catch (const boost::system::system_error& e) {
        r.code = e.code();
        r.children_done_at_throw = a.cleaned_up && b.cleaned_up;
        throw;
    }
}

// Awaits `all` in a task and cancels the task once a's and b's coroutines started: the
// cancellation must reach both, be awaited, and come out of gather as a cancellation.
template <class T>
awaitable<void> cancelling_the_awaiter_of_two(awaitable<T> all, probe& a, probe& b) {
    gather_report report;
    auto outer_body = gather_of_two_then_report(std::move(all), a, b, report);
    auto outer = co_await asyncio::create_task(std::move(outer_body));
    bool started = co_await became_true(a.started);
    started &= co_await became_true(b.started);
    BOOST_REQUIRE(started);
    outer.cancel();
    auto waited = outer.wait();
    const auto e = co_await exception_of(std::move(waited));
    BOOST_TEST(asyncio::is_cancellation(e));
    BOOST_TEST(!report.returned.load());
    BOOST_TEST(report.code == asio::error::operation_aborted);
    BOOST_TEST(report.children_done_at_throw);
    BOOST_TEST(a.cancelled.load());
    BOOST_TEST(b.cancelled.load());
}

ASYNCIO_TEST_CASE(cancelling_the_awaiter_throws_even_when_children_swallow_the_cancellation) {
    probe a, b;
    auto all = asyncio::gather(swallow_and_return(a, 1), swallow_and_return(b, 2));
    co_await cancelling_the_awaiter_of_two(std::move(all), a, b);
}

// --- return_exceptions ------------------------------------------------------------

ASYNCIO_TEST_CASE(return_exceptions_yields_an_outcome_per_input) {
    probe ok, quiet;
    auto body = fail_after(1ms, "task failed");
    auto failed_task = co_await asyncio::create_task(std::move(body));
    auto all = asyncio::gather(asyncio::return_exceptions, work(ok, 30ms, 1),
                               fail_after(5ms, "boom"), void_work(quiet, 20ms),
                               value_op(0, asio::error::connection_refused), failed_task);
    static_assert(std::is_same_v<decltype(all),
                                 awaitable<std::tuple<asyncio::outcome<int>, asyncio::outcome<int>,
                                                      asyncio::outcome<void>, asyncio::outcome<int>,
                                                      asyncio::outcome<int>>>>);
    auto [o1, o2, o3, o4, o5] = co_await std::move(all);
    BOOST_TEST(o1.has_value());
    BOOST_TEST(*o1 == 1);
    BOOST_TEST(o2.has_error());
    BOOST_TEST(what_of(o2.error()) == "boom");
    BOOST_CHECK_THROW(o2.value(), std::runtime_error);
    BOOST_TEST(o3.has_value());
    BOOST_TEST(o4.has_error());
    BOOST_TEST(code_of(o4.error()) == asio::error::connection_refused);
    BOOST_TEST(o5.has_error());
    BOOST_TEST(what_of(o5.error()) == "task failed");
    // The inputs that outlived the failure ran to their end.
    BOOST_TEST(ok.finished.load());
    BOOST_TEST(!ok.cancelled.load());
    BOOST_TEST(quiet.finished.load());
}

ASYNCIO_TEST_CASE(return_exceptions_vector_form_runs_every_input_to_the_end) {
    probe p[3];
    std::vector<awaitable<int>> inputs;
    for (int i = 0; i < 6; ++i) {
        if (i % 2 == 0)
            inputs.push_back(work(p[i / 2], 20ms, i));
        else
            inputs.push_back(fail_after(milliseconds(i), "boom " + std::to_string(i)));
    }
    auto all = asyncio::gather(asyncio::return_exceptions, std::move(inputs));
    static_assert(std::is_same_v<decltype(all), awaitable<std::vector<asyncio::outcome<int>>>>);
    const auto r = co_await std::move(all);
    BOOST_REQUIRE(r.size() == 6u);
    for (int i = 0; i < 6; ++i) {
        if (i % 2 == 0) {
            BOOST_TEST(r[i].has_value());
            BOOST_TEST(*r[i] == i);
        } else {
            BOOST_TEST(r[i].has_error());
            BOOST_TEST(what_of(r[i].error()) == "boom " + std::to_string(i));
        }
    }
    for (auto& each : p) {
        BOOST_TEST(each.finished.load());
        BOOST_TEST(!each.cancelled.load());
    }
}

awaitable<void> void_fail_after(milliseconds d) {
    co_await asyncio::sleep(d);
    throw std::runtime_error("void failure");
}

ASYNCIO_TEST_CASE(return_exceptions_vector_of_void_yields_outcomes) {
    probe p;
    std::vector<awaitable<void>> inputs;
    inputs.push_back(void_fail_after(1ms));
    inputs.push_back(void_work(p, 20ms));
    auto all = asyncio::gather(asyncio::return_exceptions, std::move(inputs));
    static_assert(std::is_same_v<decltype(all), awaitable<std::vector<asyncio::outcome<void>>>>);
    const auto r = co_await std::move(all);
    BOOST_REQUIRE(r.size() == 2u);
    BOOST_TEST(r[0].has_error());
    BOOST_TEST(what_of(r[0].error()) == "void failure");
    BOOST_TEST(r[1].has_value());
    BOOST_TEST(p.finished.load());
}

ASYNCIO_TEST_CASE(return_exceptions_still_throws_the_callers_cancellation) {
    probe a, b;
    auto all =
        asyncio::gather(asyncio::return_exceptions, work(a, forever, 1), slow_cleanup(b, 20ms));
    co_await cancelling_the_awaiter_of_two(std::move(all), a, b);
}

ASYNCIO_TEST_CASE(return_exceptions_reports_a_child_that_cannot_start) {
    probe before, after;
    auto all = asyncio::gather(asyncio::return_exceptions, work(before, 5ms, 1), throwing_op(),
                               work(after, 5ms, 2));
    const auto [o1, o2, o3] = co_await std::move(all);
    BOOST_TEST(o1.has_value());
    BOOST_TEST(o2.has_error());
    BOOST_TEST(what_of(o2.error()) == "cannot start");
    BOOST_TEST(o3.has_value());
    BOOST_TEST(before.finished.load());
    BOOST_TEST(after.finished.load());
}

ASYNCIO_TEST_CASE(task_input_cancelled_by_someone_else_counts_as_its_failure) {
    probe tp, sibling;
    auto body = work(tp, forever, 1);
    auto t = co_await asyncio::create_task(std::move(body));
    auto outcomes = asyncio::gather(asyncio::return_exceptions, t, asyncio::sleep(30ms, 2));
    auto canceller_body = [](asyncio::task<int> victim) -> awaitable<void> {
        co_await asyncio::sleep(5ms);
        victim.cancel();
    };
    auto canceller = canceller_body(t);
    auto c = co_await asyncio::create_task(std::move(canceller));
    const auto [o1, o2] = co_await std::move(outcomes);
    BOOST_TEST(o1.has_error());
    BOOST_TEST(asyncio::is_cancellation(o1.error()));
    BOOST_TEST(o2.has_value());
    co_await c.wait();

    // Without return_exceptions it is the first failure: the siblings are cancelled.
    auto body2 = work(tp, forever, 1);
    auto t2 = co_await asyncio::create_task(std::move(body2));
    auto all = asyncio::gather(t2, work(sibling, forever, 2));
    auto canceller2 = canceller_body(t2);
    auto c2 = co_await asyncio::create_task(std::move(canceller2));
    const auto e = co_await exception_of(std::move(all));
    BOOST_TEST(asyncio::is_cancellation(e));
    BOOST_TEST(sibling.cancelled.load());
    BOOST_TEST(sibling.cleaned_up.load());
    co_await c2.wait();
}

ASYNCIO_TEST_CASE(the_same_task_may_be_passed_twice) {
    auto body = asyncio::sleep(5ms, 4);
    auto t = co_await asyncio::create_task(std::move(body));
    auto all = asyncio::gather(t, t, asyncio::sleep(1ms, 5));
    const auto [a, b, c] = co_await std::move(all);
    BOOST_TEST(a == 4);
    BOOST_TEST(b == 4);
    BOOST_TEST(c == 5);
    std::vector<asyncio::task<int>> twice{t, t};
    auto ranged = asyncio::gather(twice);
    const auto r = co_await std::move(ranged);
    BOOST_TEST(r == (std::vector<int>{4, 4}), boost::test_tools::per_element());
}

// --- values that are hard to store ------------------------------------------------

ASYNCIO_TEST_CASE(move_only_values_work_in_both_forms) {
    auto task_body = boxed(3, 1ms);
    auto t = co_await asyncio::create_task(std::move(task_body));
    auto all = asyncio::gather(boxed(1, 10ms), boxed(2, 0ms), t);
    auto r = co_await std::move(all);
    BOOST_REQUIRE(std::get<0>(r));
    BOOST_REQUIRE(std::get<1>(r));
    BOOST_REQUIRE(std::get<2>(r));
    BOOST_TEST(*std::get<0>(r) == 1);
    BOOST_TEST(*std::get<1>(r) == 2);
    BOOST_TEST(*std::get<2>(r) == 3);

    std::vector<awaitable<std::unique_ptr<int>>> inputs;
    for (int i = 0; i < 4; ++i)
        inputs.push_back(boxed(i, milliseconds(4 - i)));
    auto ranged = asyncio::gather(std::move(inputs));
    const auto values = co_await std::move(ranged);
    BOOST_REQUIRE(values.size() == 4u);
    for (int i = 0; i < 4; ++i) {
        BOOST_REQUIRE(values[i]);
        BOOST_TEST(*values[i] == i);
    }

    std::vector<awaitable<std::unique_ptr<int>>> more;
    more.push_back(boxed(5, 1ms));
    more.push_back(fail_after<std::unique_ptr<int>>(1ms, "boom"));
    auto outcomes = asyncio::gather(asyncio::return_exceptions, std::move(more));
    const auto o = co_await std::move(outcomes);
    BOOST_REQUIRE(o.size() == 2u);
    BOOST_REQUIRE(o[0].has_value());
    BOOST_TEST(**o[0] == 5);
    BOOST_TEST(o[1].has_error());

    auto tuple_outcomes = asyncio::gather(asyncio::return_exceptions, boxed(6, 1ms),
                                          fail_after<std::unique_ptr<int>>(1ms, "boom"));
    auto [o6, o7] = co_await std::move(tuple_outcomes);
    BOOST_REQUIRE(o6.has_value());
    BOOST_TEST(**o6 == 6);
    BOOST_TEST(o7.has_error());
}

// Values without a default constructor: the library must not build a T before it has one.

struct no_default {
    explicit no_default(int v) : value(v) {}
    int value;
};

struct move_only_no_default {
    explicit move_only_no_default(int v) : value(std::make_unique<int>(v)) {}
    std::unique_ptr<int> value;
};

awaitable<no_default> make_no_default(int v, milliseconds d) {
    co_await asyncio::sleep(d);
    co_return no_default(v);
}

awaitable<move_only_no_default> make_move_only_no_default(int v, milliseconds d) {
    co_await asyncio::sleep(d);
    co_return move_only_no_default(v);
}

awaitable<no_default> no_default_until_cancelled(probe& p) {
    p.started = true;
    set_on_exit guard(p.cleaned_up);
    co_await sleep_noting_cancellation(p, forever);
    co_return no_default(-1);
}

ASYNCIO_TEST_CASE(non_default_constructible_values_work_in_both_forms) {
    static_assert(!std::is_default_constructible_v<no_default>);
    static_assert(!std::is_default_constructible_v<move_only_no_default>);
    static_assert(!std::is_copy_constructible_v<move_only_no_default>);

    auto task_body = make_no_default(3, 1ms);
    auto t = co_await asyncio::create_task(std::move(task_body));
    auto all = asyncio::gather(make_no_default(1, 10ms), make_move_only_no_default(2, 0ms), t);
    static_assert(
        std::is_same_v<decltype(all),
                       awaitable<std::tuple<no_default, move_only_no_default, no_default>>>);
    const auto r = co_await std::move(all);
    BOOST_TEST(std::get<0>(r).value == 1);
    BOOST_TEST(*std::get<1>(r).value == 2);
    BOOST_TEST(std::get<2>(r).value == 3);

    std::vector<awaitable<no_default>> inputs;
    for (int i = 0; i < 4; ++i)
        inputs.push_back(make_no_default(i, milliseconds(4 - i)));
    auto ranged = asyncio::gather(std::move(inputs));
    const auto values = co_await std::move(ranged);
    BOOST_REQUIRE(values.size() == 4u);
    for (int i = 0; i < 4; ++i)
        BOOST_TEST(values[i].value == i);

    std::vector<awaitable<move_only_no_default>> pinned;
    pinned.push_back(make_move_only_no_default(8, 2ms));
    pinned.push_back(make_move_only_no_default(9, 0ms));
    auto ranged_pinned = asyncio::gather(std::move(pinned));
    const auto pinned_values = co_await std::move(ranged_pinned);
    BOOST_REQUIRE(pinned_values.size() == 2u);
    BOOST_TEST(*pinned_values[0].value == 8);
    BOOST_TEST(*pinned_values[1].value == 9);

    auto outcomes =
        asyncio::gather(asyncio::return_exceptions, make_no_default(4, 1ms),
                        fail_after<no_default>(1ms, "boom"), make_move_only_no_default(7, 0ms));
    const auto [ok, failed, pinned_ok] = co_await std::move(outcomes);
    BOOST_REQUIRE(ok.has_value());
    BOOST_TEST(ok->value == 4);
    BOOST_TEST(failed.has_error());
    BOOST_TEST(what_of(failed.error()) == "boom");
    BOOST_REQUIRE(pinned_ok.has_value());
    BOOST_TEST(*pinned_ok->value == 7);

    std::vector<awaitable<no_default>> more;
    more.push_back(fail_after<no_default>(1ms, "boom"));
    more.push_back(make_no_default(5, 2ms));
    auto ranged_outcomes = asyncio::gather(asyncio::return_exceptions, std::move(more));
    const auto o = co_await std::move(ranged_outcomes);
    BOOST_REQUIRE(o.size() == 2u);
    BOOST_TEST(o[0].has_error());
    BOOST_REQUIRE(o[1].has_value());
    BOOST_TEST(o[1]->value == 5);

    // Fail fast with a sibling that never produces its value.
    probe p;
    auto failing =
        asyncio::gather(no_default_until_cancelled(p), fail_after<no_default>(5ms, "boom"));
    const auto e = co_await exception_of(std::move(failing));
    BOOST_TEST(what_of(e) == "boom");
    BOOST_TEST(p.cancelled.load());
    BOOST_TEST(p.cleaned_up.load());
}

// --- several threads --------------------------------------------------------------

constexpr int gathers = 200;
constexpr int children_per_gather = 20;
constexpr int shared_tasks = 16;

awaitable<int> yield_then(int value, std::atomic<int>& ran) {
    co_await asyncio::sleep(0ms);
    ran.fetch_add(1);
    co_return value;
}

awaitable<int> shared_value(int k) {
    co_await asyncio::sleep(milliseconds(k % 4));
    co_return 1000 * k;
}

awaitable<long> gather_sum(int g, std::vector<asyncio::task<int>> shared, std::atomic<int>& ran) {
    std::vector<awaitable<int>> children;
    for (int j = 0; j < children_per_gather; ++j)
        children.push_back(yield_then(g * children_per_gather + j, ran));
    auto inner = asyncio::gather(std::move(children));
    auto all = asyncio::gather(std::move(inner), shared[g % shared.size()], asyncio::sleep(1ms, 1));
    auto [values, from_task, one] = co_await std::move(all);
    bool ordered = values.size() == static_cast<std::size_t>(children_per_gather);
    long sum = 0;
    for (std::size_t j = 0; j < values.size(); ++j) {
        ordered = ordered && values[j] == g * children_per_gather + static_cast<int>(j);
        sum += values[j];
    }
    ASYNCIO_CHECK(ordered);
    co_return sum + from_task + one;
}

ASYNCIO_TEST_CASE_OPTS(many_gathers_on_four_threads_add_up_exactly, .threads = 4) {
    std::atomic<int> ran{0};
    std::vector<asyncio::task<int>> shared;
    for (int k = 0; k < shared_tasks; ++k) {
        auto body = shared_value(k);
        shared.push_back(co_await asyncio::create_task(std::move(body)));
    }
    std::vector<asyncio::task<long>> gatherers;
    for (int g = 0; g < gathers; ++g) {
        auto body = gather_sum(g, shared, ran);
        gatherers.push_back(co_await asyncio::create_task(std::move(body)));
    }
    long total = 0;
    int failures = 0;
    for (auto& t : gatherers) {
        try {
            total += co_await t.wait();
        } catch (...) {
            ++failures;
        }
    }
    long expected = 0;
    for (int g = 0; g < gathers; ++g) {
        for (int j = 0; j < children_per_gather; ++j)
            expected += g * children_per_gather + j;
        expected += 1000 * (g % shared_tasks) + 1;
    }
    ASYNCIO_CHECK_EQUAL(failures, 0);
    ASYNCIO_CHECK_EQUAL(total, expected);
    ASYNCIO_CHECK_EQUAL(ran.load(), gathers * children_per_gather);
}

// One fail-fast gather; counts it in `good` when it ended as the rules say.
awaitable<void> failing_gather(std::atomic<int>& good) {
    probe a, b, c;
    auto all = asyncio::gather(work(a, forever, 1), slow_cleanup(b, 5ms), work(c, forever, 3),
                               fail_after(1ms, "boom"));
    bool ok = false;
    try {
        co_await std::move(all);
    } catch (const std::exception& e) {
        ok = std::string(e.what()) == "boom" && a.cleaned_up && b.cleaned_up && c.cleaned_up &&
             a.cancelled && b.cancelled && c.cancelled;
    }
    if (ok)
        good.fetch_add(1);
}

ASYNCIO_TEST_CASE_OPTS(fail_fast_on_four_threads_cancels_and_awaits_siblings, .threads = 4) {
    constexpr int count = 100;
    std::atomic<int> good{0};
    std::vector<asyncio::task<void>> tasks;
    for (int i = 0; i < count; ++i) {
        auto body = failing_gather(good);
        tasks.push_back(co_await asyncio::create_task(std::move(body)));
    }
    for (auto& t : tasks)
        co_await t.wait();
    ASYNCIO_CHECK_EQUAL(good.load(), count);
}

// Awaits a gather of a coroutine and a task until cancelled; counts it in `good` when
// the cancellation reached both inputs before gather threw.
awaitable<void> gather_until_cancelled(probe& a, asyncio::task<int> t, std::atomic<int>& good) {
    auto all = asyncio::gather(work(a, forever, 1), t);
    try {
        co_await std::move(all);
    } catch (const boost::system::system_error& e) {
        if (is_operation_aborted(e) && a.cleaned_up && a.cancelled && t.done() && t.cancelled())
            good.fetch_add(1);
        throw;
    }
}

ASYNCIO_TEST_CASE_OPTS(cancelling_awaiters_on_four_threads_cancels_every_input, .threads = 4) {
    constexpr int count = 50;
    std::atomic<int> good{0};
    std::vector<probe> awaitable_probes(count), task_probes(count);
    std::vector<asyncio::task<int>> inputs;
    std::vector<asyncio::task<void>> gatherers;
    for (int i = 0; i < count; ++i) {
        auto input_body = work(task_probes[i], forever, i);
        inputs.push_back(co_await asyncio::create_task(std::move(input_body)));
        auto body = gather_until_cancelled(awaitable_probes[i], inputs.back(), good);
        gatherers.push_back(co_await asyncio::create_task(std::move(body)));
    }
    bool all_started = true;
    for (int i = 0; i < count; ++i) {
        all_started = all_started && co_await became_true(awaitable_probes[i].started);
        all_started = all_started && co_await became_true(task_probes[i].started);
    }
    ASYNCIO_CHECK(all_started);
    for (auto& g : gatherers)
        g.cancel();
    int cancelled = 0;
    for (auto& g : gatherers) {
        auto waited = g.wait();
        const auto e = co_await exception_of(std::move(waited));
        if (asyncio::is_cancellation(e))
            ++cancelled;
    }
    int inputs_cancelled = 0;
    for (auto& t : inputs) { // (if gather did not wait for them: their probes must outlive them)
        auto drained = t.wait();
        co_await exception_of(std::move(drained));
        inputs_cancelled += t.cancelled() ? 1 : 0;
    }
    ASYNCIO_CHECK_EQUAL(cancelled, count);
    ASYNCIO_CHECK_EQUAL(good.load(), count);
    ASYNCIO_CHECK_EQUAL(inputs_cancelled, count);
}

// A plain coroutine (not a task): on a multi-threaded io_context its executor is not
// serialized, so gather must arrange that itself.
awaitable<long> plain_gatherer(int i, std::atomic<int>& ran, std::atomic<int>& fail_fast_ok) {
    auto ex = co_await asio::this_coro::executor;
    std::vector<awaitable<int>> children;
    for (int j = 0; j < 10; ++j)
        children.push_back(yield_then(i * 10 + j, ran));
    auto ranged = asyncio::gather(std::move(children));
    auto all = asyncio::gather(std::move(ranged), asyncio::sleep(1ms, i),
                               asio::post(ex, asio::deferred), value_op(2 * i));
    auto [values, same, nothing, twice] = co_await std::move(all);
    (void)nothing;
    long sum = same + twice;
    for (std::size_t j = 0; j < values.size(); ++j) {
        ASYNCIO_CHECK_EQUAL(values[j], i * 10 + static_cast<int>(j));
        sum += values[j];
    }

    probe p, q;
    auto failing =
        asyncio::gather(work(p, forever, 0), slow_cleanup(q, 2ms), fail_after(1ms, "boom"));
    std::string what;
    bool cleaned = false;
    try {
        co_await std::move(failing);
    } catch (const std::exception& e) {
        what = e.what();
        cleaned = p.cleaned_up && q.cleaned_up;
    }
    if (what == "boom" && cleaned)
        fail_fast_ok.fetch_add(1);
    co_return sum;
}

BOOST_AUTO_TEST_CASE(gather_from_a_plain_coroutine_on_a_multithreaded_io_context) {
    constexpr int count = 50;
    asio::io_context ctx; // default concurrency hint: several threads may run it
    std::atomic<int> ran{0}, fail_fast_ok{0}, completed{0}, failed{0};
    std::atomic<long> total{0};
    for (int i = 0; i < count; ++i) {
        asio::co_spawn(ctx, plain_gatherer(i, ran, fail_fast_ok),
                       [&](std::exception_ptr e, long v) {
                           if (e) {
                               failed.fetch_add(1);
                           } else {
                               total.fetch_add(v);
                               completed.fetch_add(1);
                           }
                       });
    }
    asyncio::test::run_context(ctx, 4);
    long expected = 0;
    for (int i = 0; i < count; ++i) {
        expected += i + 2 * i;
        for (int j = 0; j < 10; ++j)
            expected += i * 10 + j;
    }
    BOOST_TEST(failed.load() == 0);
    BOOST_TEST(completed.load() == count);
    BOOST_TEST(total.load() == expected);
    BOOST_TEST(ran.load() == count * 10);
    BOOST_TEST(fail_fast_ok.load() == count);
}

BOOST_AUTO_TEST_SUITE_END()

} // namespace
