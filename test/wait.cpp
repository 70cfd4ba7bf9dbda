// Copyright (c) 2026 The asyncio for Asio authors.
// Distributed under the Boost Software License, Version 1.0.

#include <asyncio/wait.hpp>

#include "test_util.hpp"

#include "sync_util.hpp"
#include "watch_util.hpp"

#include <asyncio/error.hpp>
#include <asyncio/event.hpp>
#include <asyncio/future.hpp>
#include <asyncio/sleep.hpp>
#include <asyncio/task.hpp>
#include <asyncio/wait_for.hpp>

#include <boost/asio/this_coro.hpp>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstddef>
#include <deque>
#include <exception>
#include <optional>
#include <stdexcept>
#include <string>
#include <thread>
#include <type_traits>
#include <vector>

namespace {

using namespace std::chrono_literals;
using namespace asyncio::test;
using asyncio::awaitable;
using asyncio::return_when;

// How many of {h} wait(when) reports done.
template <class H>
awaitable<std::size_t> done_count(H h, return_when when) {
    const std::vector<H> input{h};
    auto r = co_await asyncio::wait(input, when);
    co_return r.done.size();
}

template <class H>
bool none_done(const std::vector<H>& handles) {
    return std::none_of(handles.begin(), handles.end(), [](const H& h) { return h.done(); });
}

template <class H>
bool none_cancelled(const std::vector<H>& handles) {
    return std::none_of(handles.begin(), handles.end(), [](const H& h) { return h.cancelled(); });
}

BOOST_AUTO_TEST_SUITE(wait)

// --- return_when ------------------------------------------------------------------

ASYNCIO_TEST_CASE(first_completed_returns_once_one_has_finished) {
    std::deque<asyncio::event> gates(3);
    auto tasks = co_await gated_tasks(gates);
    auto opener = after_turns(2, [&] { gates[1].set(); });
    co_await asyncio::create_task(std::move(opener));
    auto w = asyncio::wait(tasks, return_when::first_completed);
    static_assert(std::is_same_v<decltype(w), awaitable<asyncio::wait_result<int>>>);
    auto r = co_await std::move(w);
    BOOST_TEST((r.done == std::vector<asyncio::task<int>>{tasks[1]}));
    BOOST_TEST((r.pending == std::vector<asyncio::task<int>>{tasks[0], tasks[2]}));
    BOOST_TEST(r.done[0].result() == 1);
    BOOST_TEST(none_done(r.pending));
    co_await open_all_and_check_values(gates, tasks);
}

ASYNCIO_TEST_CASE(first_completed_counts_a_task_cancelled_by_someone_else) {
    std::deque<asyncio::event> gates(3);
    auto tasks = co_await gated_tasks(gates);
    auto victim = tasks[2];
    auto canceller = after_turns(2, [&] { victim.cancel(); });
    co_await asyncio::create_task(std::move(canceller));
    auto r = co_await asyncio::wait(tasks, return_when::first_completed);
    BOOST_TEST((r.done == std::vector<asyncio::task<int>>{tasks[2]}));
    BOOST_TEST(r.done[0].cancelled());
    BOOST_TEST((r.pending == std::vector<asyncio::task<int>>{tasks[0], tasks[1]}));
    BOOST_TEST(none_done(r.pending));
    for (std::size_t i = 0; i < 2; ++i) {
        gates[i].set();
        const int v = co_await tasks[i].wait();
        BOOST_TEST(v == static_cast<int>(i));
    }
}

ASYNCIO_TEST_CASE(first_exception_returns_at_the_first_failure_without_throwing) {
    asyncio::event ok_gate, fail_gate, never;
    auto ok_body = value_on(ok_gate, 1);
    auto failing_body = fail_on(fail_gate, "boom");
    auto pending_body = value_on(never, 3);
    std::vector<asyncio::task<int>> tasks;
    tasks.push_back(co_await asyncio::create_task(std::move(ok_body)));
    tasks.push_back(co_await asyncio::create_task(std::move(failing_body)));
    tasks.push_back(co_await asyncio::create_task(std::move(pending_body)));
    // A success comes first: first_exception keeps waiting after it.
    auto opener = after_turns(2, [&] { ok_gate.set(); });
    auto failer = after_turns(6, [&] { fail_gate.set(); });
    co_await asyncio::create_task(std::move(opener));
    co_await asyncio::create_task(std::move(failer));
    auto r = co_await asyncio::wait(tasks, return_when::first_exception);
    BOOST_TEST((r.done == std::vector<asyncio::task<int>>{tasks[0], tasks[1]}));
    BOOST_TEST((r.pending == std::vector<asyncio::task<int>>{tasks[2]}));
    BOOST_TEST(tasks[0].result() == 1);
    BOOST_TEST(what_of(tasks[1].exception()) == "boom");
    BOOST_TEST(!tasks[2].done());
    never.set();
    const int v = co_await tasks[2].wait();
    BOOST_TEST(v == 3);
}

ASYNCIO_TEST_CASE(first_exception_does_not_count_a_cancellation_and_waits_for_all) {
    std::deque<asyncio::event> gates(3);
    auto tasks = co_await gated_tasks(gates);
    std::optional<asyncio::wait_result<int>> result;
    auto waiter = [&]() -> awaitable<void> {
        result = co_await asyncio::wait(tasks, return_when::first_exception);
    };
    co_await asyncio::create_task(waiter());
    co_await settle();
    tasks[1].cancel();
    co_await settle();
    BOOST_TEST(tasks[1].cancelled());
    BOOST_TEST(!result); // a cancellation is not an exception
    gates[2].set();
    co_await settle();
    BOOST_TEST(!result); // nor does a success end it
    gates[0].set();
    const bool returned = co_await eventually([&] { return result.has_value(); });
    BOOST_TEST_REQUIRE(returned);
    BOOST_TEST((result->done == tasks));
    BOOST_TEST(result->pending.empty());
}

ASYNCIO_TEST_CASE(all_completed_waits_for_every_task_and_keeps_the_input_order) {
    std::deque<asyncio::event> gates(3);
    auto tasks = co_await gated_tasks(gates);
    asyncio::event fail_gate;
    auto failing_body = fail_on(fail_gate, "failed");
    tasks.push_back(co_await asyncio::create_task(std::move(failing_body)));
    std::optional<asyncio::wait_result<int>> result;
    auto waiter = [&]() -> awaitable<void> {
        result = co_await asyncio::wait(tasks); // all_completed by default
    };
    co_await asyncio::create_task(waiter());
    // They finish in the order 3 (failing), 2, 1 (cancelled), 0.
    fail_gate.set();
    co_await settle();
    gates[2].set();
    co_await settle();
    tasks[1].cancel();
    co_await settle();
    BOOST_TEST(!result);
    gates[0].set();
    const bool returned = co_await eventually([&] { return result.has_value(); });
    BOOST_TEST_REQUIRE(returned);
    BOOST_TEST((result->done == tasks)); // the input order, not the finishing order
    BOOST_TEST(result->pending.empty());
    BOOST_TEST(tasks[0].result() == 0);
    BOOST_TEST(tasks[1].cancelled());
    BOOST_TEST(tasks[2].result() == 2);
    BOOST_TEST(what_of(tasks[3].exception()) == "failed");
}

ASYNCIO_TEST_CASE(failures_are_reported_in_done_and_never_thrown) {
    std::vector<asyncio::task<int>> tasks;
    for (int i = 0; i < 3; ++i) {
        auto body = fail_after(milliseconds(i), "failure " + std::to_string(i));
        tasks.push_back(co_await asyncio::create_task(std::move(body)));
    }
    for (auto when : {return_when::first_exception, return_when::all_completed}) {
        const auto e = co_await exception_of(asyncio::wait(tasks, when));
        BOOST_TEST(!e, what_of(e));
    }
    auto r = co_await asyncio::wait(tasks, return_when::all_completed);
    BOOST_TEST((r.done == tasks));
    for (int i = 0; i < 3; ++i)
        BOOST_TEST(what_of(tasks[i].exception()) == "failure " + std::to_string(i));
}

ASYNCIO_TEST_CASE(void_tasks_are_accepted) {
    asyncio::event go;
    auto a_body = go.wait();
    auto b_body = asyncio::sleep(1ms);
    std::vector<asyncio::task<void>> tasks;
    tasks.push_back(co_await asyncio::create_task(std::move(a_body)));
    tasks.push_back(co_await asyncio::create_task(std::move(b_body)));
    auto w = asyncio::wait(tasks, return_when::first_completed);
    static_assert(std::is_same_v<decltype(w), awaitable<asyncio::wait_result<void>>>);
    auto r = co_await std::move(w);
    BOOST_TEST((r.done == std::vector<asyncio::task<void>>{tasks[1]}));
    BOOST_TEST((r.pending == std::vector<asyncio::task<void>>{tasks[0]}));
    go.set();
    co_await tasks[0].wait();
    BOOST_TEST(tasks[0].done());
}

// --- input ------------------------------------------------------------------------

ASYNCIO_TEST_CASE(a_task_given_twice_counts_once) {
    std::deque<asyncio::event> gates(2);
    auto tasks = co_await gated_tasks(gates);
    const std::vector<asyncio::task<int>> input{tasks[0], tasks[1], tasks[0], tasks[1], tasks[0]};
    gates[0].set();
    auto r = co_await asyncio::wait(input, return_when::first_completed);
    BOOST_TEST((r.done == std::vector<asyncio::task<int>>{tasks[0]}));
    BOOST_TEST((r.pending == std::vector<asyncio::task<int>>{tasks[1]}));
    // all_completed: the repeated handles do not make it wait for five completions.
    auto opener = after_turns(2, [&] { gates[1].set(); });
    co_await asyncio::create_task(std::move(opener));
    auto all = co_await asyncio::wait(input, return_when::all_completed, 5s);
    BOOST_TEST((all.done == tasks));
    BOOST_TEST(all.pending.empty());
}

ASYNCIO_TEST_CASE(empty_input_throws_invalid_argument) {
    const std::vector<asyncio::task<int>> no_tasks;
    const std::vector<asyncio::future<void>> no_futures;
    const auto e1 = co_await exception_of(asyncio::wait(no_tasks));
    const auto e2 = co_await exception_of(asyncio::wait(no_futures, return_when::first_completed));
    const auto e3 = co_await exception_of(asyncio::wait(no_tasks, return_when::all_completed, 1s));
    const auto e4 =
        co_await exception_of(asyncio::wait(no_tasks, return_when::first_exception,
                                            std::optional<std::chrono::steady_clock::duration>{}));
    BOOST_TEST(is_a<std::invalid_argument>(e1));
    BOOST_TEST(is_a<std::invalid_argument>(e2));
    BOOST_TEST(is_a<std::invalid_argument>(e3));
    BOOST_TEST(is_a<std::invalid_argument>(e4));
}

ASYNCIO_TEST_CASE(tasks_finished_beforehand_are_done_at_once) {
    auto ok_body = asyncio::sleep(0ms, 7);
    auto fail_body = fail_after(0ms, "early");
    auto ok = co_await asyncio::create_task(std::move(ok_body));
    auto failed = co_await asyncio::create_task(std::move(fail_body));
    asyncio::event never;
    auto pending_body = value_on(never, 1);
    auto pending = co_await asyncio::create_task(std::move(pending_body));
    co_await settle();
    BOOST_TEST(ok.done());
    BOOST_TEST(failed.done());
    const std::vector<asyncio::task<int>> finished{ok, failed};
    for (auto when :
         {return_when::first_completed, return_when::first_exception, return_when::all_completed}) {
        auto r = co_await asyncio::wait(finished, when);
        BOOST_TEST((r.done == finished)); // Python's done holds every finished one
        BOOST_TEST(r.pending.empty());
    }
    const std::vector<asyncio::task<int>> mixed{pending, ok};
    auto first = co_await asyncio::wait(mixed, return_when::first_completed);
    BOOST_TEST((first.done == std::vector<asyncio::task<int>>{ok}));
    BOOST_TEST((first.pending == std::vector<asyncio::task<int>>{pending}));
    const std::vector<asyncio::task<int>> with_failure{pending, failed};
    auto on_failure = co_await asyncio::wait(with_failure, return_when::first_exception);
    BOOST_TEST((on_failure.done == std::vector<asyncio::task<int>>{failed}));
    BOOST_TEST(!pending.done());
    never.set();
    const int v = co_await pending.wait();
    BOOST_TEST(v == 1);
}

// --- futures ----------------------------------------------------------------------

ASYNCIO_TEST_CASE(futures_set_by_another_task_are_accepted) {
    auto ex = co_await asio::this_coro::executor;
    asyncio::future<int> a(ex), b(ex), c(ex);
    const std::vector<asyncio::future<int>> futures{a, b, c};
    auto setter = after_turns(2, [&] { b.set_result(20); });
    co_await asyncio::create_task(std::move(setter));
    auto w = asyncio::wait(futures, return_when::first_completed);
    static_assert(
        std::is_same_v<decltype(w), awaitable<asyncio::wait_result<int, asyncio::future<int>>>>);
    auto r = co_await std::move(w);
    BOOST_TEST((r.done == std::vector<asyncio::future<int>>{b}));
    BOOST_TEST((r.pending == std::vector<asyncio::future<int>>{a, c}));
    BOOST_TEST(r.done[0].result() == 20);
    // A future failed by someone else ends first_exception.
    auto failer = after_turns(
        2, [&] { c.set_exception(std::make_exception_ptr(std::runtime_error("future failed"))); });
    co_await asyncio::create_task(std::move(failer));
    auto f = co_await asyncio::wait(futures, return_when::first_exception);
    BOOST_TEST((f.done == std::vector<asyncio::future<int>>{b, c}));
    BOOST_TEST((f.pending == std::vector<asyncio::future<int>>{a}));
    BOOST_TEST(!a.done()); // wait cancels no future either
    a.set_result(10);
    BOOST_TEST(a.result() == 10);
}

ASYNCIO_TEST_CASE(futures_set_from_another_thread_are_accepted) {
    auto ex = co_await asio::this_coro::executor;
    std::vector<asyncio::future<void>> futures;
    for (int i = 0; i < 4; ++i)
        futures.emplace_back(ex);
    std::thread setter([futures]() mutable {
        for (auto& f : futures) {
            std::this_thread::sleep_for(2ms);
            f.set_result();
        }
    });
    auto r = co_await asyncio::wait(futures, return_when::all_completed, 10s);
    setter.join();
    BOOST_TEST((r.done == futures));
    BOOST_TEST(r.pending.empty());
    BOOST_TEST(none_cancelled(futures));
}

// --- timeouts ---------------------------------------------------------------------

ASYNCIO_TEST_CASE(timeout_returns_what_is_done_so_far_and_cancels_nothing) {
    std::deque<asyncio::event> gates(3);
    auto tasks = co_await gated_tasks(gates);
    gates[1].set();
    const stopwatch clock;
    auto r = co_await asyncio::wait(tasks, return_when::all_completed, 30ms);
    BOOST_TEST(clock.seconds() >= 0.025);
    BOOST_TEST((r.done == std::vector<asyncio::task<int>>{tasks[1]}));
    BOOST_TEST((r.pending == std::vector<asyncio::task<int>>{tasks[0], tasks[2]}));
    co_await settle();
    BOOST_TEST(none_done(r.pending)); // still running: they finish later
    co_await open_all_and_check_values(gates, tasks);
}

ASYNCIO_TEST_CASE(non_positive_timeout_returns_at_once) {
    std::deque<asyncio::event> gates(2);
    auto tasks = co_await gated_tasks(gates);
    auto done_body = asyncio::sleep(0ms, 2);
    tasks.push_back(co_await asyncio::create_task(std::move(done_body)));
    co_await settle();
    BOOST_TEST(tasks[2].done());
    const stopwatch clock;
    auto zero = co_await asyncio::wait(tasks, return_when::all_completed, 0ms);
    auto negative = co_await asyncio::wait(tasks, return_when::first_exception, -5s);
    auto optional_zero = co_await asyncio::wait(
        tasks, return_when::all_completed, std::optional<std::chrono::steady_clock::duration>{0s});
    BOOST_TEST(clock.seconds() < 1.0);
    for (const auto* r : {&zero, &negative, &optional_zero}) {
        BOOST_TEST((r->done == std::vector<asyncio::task<int>>{tasks[2]}));
        BOOST_TEST((r->pending == std::vector<asyncio::task<int>>{tasks[0], tasks[1]}));
    }
    BOOST_TEST(!tasks[0].done());
    BOOST_TEST(!tasks[1].done());
    gates[0].set();
    gates[1].set();
    for (int i = 0; i < 2; ++i) {
        const int v = co_await tasks[i].wait();
        BOOST_TEST(v == i);
    }
}

ASYNCIO_TEST_CASE(optional_timeout_nullopt_means_no_limit) {
    using opt = std::optional<std::chrono::steady_clock::duration>;
    std::deque<asyncio::event> gates(2);
    auto tasks = co_await gated_tasks(gates);
    // With a limit: returns at the limit.
    auto limited = co_await asyncio::wait(tasks, return_when::all_completed, opt{10ms});
    BOOST_TEST(limited.done.empty());
    BOOST_TEST(limited.pending.size() == 2u);
    // Without: still waiting well past that, until both are done.
    std::optional<asyncio::wait_result<int>> result;
    auto waiter = [&]() -> awaitable<void> {
        result = co_await asyncio::wait(tasks, return_when::all_completed, opt{});
    };
    co_await asyncio::create_task(waiter());
    co_await asyncio::sleep(40ms);
    BOOST_TEST(!result);
    gates[0].set();
    gates[1].set();
    const bool returned = co_await eventually([&] { return result.has_value(); });
    BOOST_TEST_REQUIRE(returned);
    BOOST_TEST((result->done == tasks));
}

ASYNCIO_TEST_CASE(wait_for_around_wait_times_out_and_cancels_no_task) {
    std::deque<asyncio::event> gates(2);
    auto tasks = co_await gated_tasks(gates);
    const auto e = co_await exception_of(asyncio::wait_for(asyncio::wait(tasks), 20ms));
    BOOST_TEST(is_timeout(e), what_of(e));
    co_await settle();
    BOOST_TEST(none_done(tasks));
    co_await open_all_and_check_values(gates, tasks);
}

// --- cancellation -----------------------------------------------------------------

ASYNCIO_TEST_CASE(cancelling_the_waiter_cancels_no_task) {
    std::deque<asyncio::event> gates(3);
    auto tasks = co_await gated_tasks(gates);
    bool returned = false;
    auto waiter = [&]() -> awaitable<void> {
        co_await asyncio::wait(tasks, return_when::all_completed);
        returned = true;
    };
    auto w = co_await asyncio::create_task(waiter());
    gates[0].set(); // one finished meanwhile
    co_await settle();
    BOOST_TEST(!w.done());
    BOOST_TEST(w.cancel());
    const auto e = co_await exception_of(w.wait());
    BOOST_TEST(asyncio::is_cancellation(e));
    BOOST_TEST(!returned);
    co_await settle();
    BOOST_TEST(!tasks[1].done());
    BOOST_TEST(!tasks[2].done());
    co_await open_all_and_check_values(gates, tasks);
}

ASYNCIO_TEST_CASE(cancellation_racing_a_completion_gives_one_outcome_and_cancels_nothing) {
    // A result, when there is one, is the completed one.
    auto begin = [](const asyncio::future<int>&) {
        return [](asyncio::future<int> f) { return done_count(f, return_when::first_completed); };
    };
    auto one = [](int) { return std::size_t{1}; };
    co_await race_cancellation_with_a_set_result(begin, one, nothing_more{});
}

ASYNCIO_TEST_CASE(task_completion_racing_the_waiters_cancellation_cancels_no_task) {
    auto wait_all = [](asyncio::task<int> t) { return done_count(t, return_when::all_completed); };
    auto one = [](int) { return std::size_t{1}; };
    co_await race_cancellation_with_a_finishing_task(wait_all, one);
}

// --- four threads -----------------------------------------------------------------

constexpr int many = 400;

// Counts how the (finished) tasks ended, checking each value.
endings count_endings(const std::vector<asyncio::task<int>>& tasks) {
    endings r;
    for (std::size_t i = 0; i < tasks.size(); ++i) {
        if (tasks[i].cancelled()) {
            ++r.cancelled;
        } else if (tasks[i].exception()) {
            ++r.failed;
        } else {
            ++r.finished;
            ASYNCIO_CHECK_EQUAL(tasks[i].result(), static_cast<int>(i));
        }
    }
    return r;
}

ASYNCIO_TEST_CASE_OPTS(hundreds_of_tasks_on_four_threads_all_accounted_for, .threads = 4) {
    auto tasks = co_await start_many(many);
    // Cancellations from outside the loop race the completions.
    std::thread canceller([&tasks] {
        for (int i = 0; i < many; i += 7)
            tasks[i].cancel();
    });
    auto r = co_await asyncio::wait(tasks, return_when::all_completed);
    canceller.join();
    ASYNCIO_CHECK((r.done == tasks));
    ASYNCIO_CHECK(r.pending.empty());
    const auto ended = count_endings(tasks);
    ASYNCIO_CHECK_EQUAL(ended.finished + ended.failed + ended.cancelled, many);
    ASYNCIO_CHECK(ended.cancelled <= (many + 6) / 7);
    ASYNCIO_CHECK(ended.failed <= many / 10);
}

ASYNCIO_TEST_CASE_OPTS(first_completed_loop_on_four_threads_sees_every_task_once, .threads = 4) {
    auto tasks = co_await start_many(many);
    std::vector<asyncio::task<int>> pending = tasks, seen;
    int rounds = 0;
    while (!pending.empty()) {
        auto r = co_await asyncio::wait(pending, return_when::first_completed);
        ASYNCIO_CHECK(!r.done.empty());
        ASYNCIO_CHECK_EQUAL(r.done.size() + r.pending.size(), pending.size());
        for (const auto& t : r.done) {
            ASYNCIO_CHECK(t.done());
            seen.push_back(t);
        }
        pending = std::move(r.pending);
        ++rounds;
    }
    ASYNCIO_CHECK_EQUAL(seen.size(), tasks.size());
    std::vector<int> times_seen(many, 0);
    for (const auto& t : seen)
        for (int i = 0; i < many; ++i)
            if (t == tasks[i])
                ++times_seen[i];
    for (int i = 0; i < many; ++i)
        ASYNCIO_CHECK_EQUAL(times_seen[i], 1);
    const auto ended = count_endings(tasks);
    ASYNCIO_CHECK_EQUAL(ended.finished + ended.failed, many);
    ASYNCIO_CHECK_EQUAL(ended.failed, many / 10);
    BOOST_TEST_MESSAGE("rounds " << rounds);
}

ASYNCIO_TEST_CASE_OPTS(concurrent_waiters_with_timeouts_on_four_threads_cancel_nothing,
                       .threads = 4) {
    auto tasks = co_await start_many(many);
    std::atomic<int> returned{0};
    auto waiter = [&](int k) -> awaitable<void> {
        std::vector<asyncio::task<int>> subset;
        for (int i = k; i < many; i += 10)
            subset.push_back(tasks[i]);
        const auto when = static_cast<return_when>(k % 3);
        auto r = co_await asyncio::wait(subset, when, milliseconds(k % 4));
        ASYNCIO_CHECK_EQUAL(r.done.size() + r.pending.size(), subset.size());
        for (const auto& t : r.done)
            ASYNCIO_CHECK(t.done());
        ++returned;
    };
    std::vector<asyncio::task<void>> waiters;
    for (int k = 0; k < 40; ++k)
        waiters.push_back(co_await asyncio::create_task(waiter(k)));
    for (auto& w : waiters)
        co_await w.wait();
    ASYNCIO_CHECK_EQUAL(returned.load(), 40);
    // Nothing was cancelled by the timeouts: every task ends by itself.
    auto all = co_await asyncio::wait(tasks);
    ASYNCIO_CHECK(all.pending.empty());
    const auto ended = count_endings(tasks);
    ASYNCIO_CHECK_EQUAL(ended.cancelled, 0);
    ASYNCIO_CHECK_EQUAL(ended.finished + ended.failed, many);
}

ASYNCIO_TEST_CASE_OPTS(waiters_cancelled_from_a_thread_racing_completions_on_four_threads,
                       .threads = 4) {
    auto first = [](asyncio::future<int> f) { return done_count(f, return_when::first_completed); };
    auto one = [](int) { return std::size_t{1}; };
    co_await race_cancellations_with_set_results_from_a_thread(300, first, one);
}

BOOST_AUTO_TEST_SUITE_END()

} // namespace
