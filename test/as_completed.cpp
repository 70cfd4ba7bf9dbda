// Copyright (c) 2026 The asyncio for Asio authors.
// Distributed under the Boost Software License, Version 1.0.

#include <asyncio/as_completed.hpp>

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
#include <mutex>
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

// A task body that sets gates[order[0]], lets the loop turn, sets gates[order[1]], ...:
// the tasks of gated_tasks finish in that order.
awaitable<void> open_in_order(std::deque<asyncio::event>& gates, std::vector<int> order) {
    for (int i : order) {
        co_await settle();
        gates[i].set();
    }
}

// Opens the gates in `order` (see open_in_order) and checks that the next results of
// `ac` come in that order.
awaitable<void>
open_in_order_and_expect_next(std::deque<asyncio::event>& gates, std::vector<int> order,
                              asyncio::as_completed_iterator<asyncio::task<int>>& ac) {
    auto opener = open_in_order(gates, order);
    co_await asyncio::create_task(std::move(opener));
    for (int expected : order) {
        const int v = co_await ac.next();
        BOOST_TEST(v == expected);
    }
}

// Opens gates[i] and checks that the next result of `ac` is then task i's (i).
awaitable<void> open_then_next_is(std::deque<asyncio::event>& gates, int i,
                                  asyncio::as_completed_iterator<asyncio::task<int>>& ac) {
    gates[i].set();
    const int v = co_await ac.next();
    BOOST_TEST(v == i);
}

BOOST_AUTO_TEST_SUITE(as_completed)

// --- order and results ------------------------------------------------------------

ASYNCIO_TEST_CASE(next_yields_the_results_in_the_order_they_finish) {
    std::deque<asyncio::event> gates(4);
    auto tasks = co_await gated_tasks(gates);
    auto ac = asyncio::as_completed(tasks);
    static_assert(std::is_same_v<decltype(ac), asyncio::as_completed_iterator<asyncio::task<int>>>);
    static_assert(std::is_same_v<decltype(ac.next()), awaitable<int>>);
    BOOST_TEST(ac.size() == 4u);
    auto opener = open_in_order(gates, {2, 0, 3, 1});
    co_await asyncio::create_task(std::move(opener));
    std::vector<int> got;
    for (std::size_t i = 0; i < ac.size(); ++i)
        got.push_back(co_await ac.next());
    BOOST_TEST(got == (std::vector<int>{2, 0, 3, 1}), boost::test_tools::per_element());
}

ASYNCIO_TEST_CASE(sleeping_tasks_come_out_shortest_first) {
    std::vector<asyncio::task<int>> tasks;
    for (int ms : {60, 0, 30}) {
        auto body = asyncio::sleep(milliseconds(ms), ms);
        tasks.push_back(co_await asyncio::create_task(std::move(body)));
    }
    auto ac = asyncio::as_completed(tasks);
    std::vector<int> got;
    for (std::size_t i = 0; i < ac.size(); ++i)
        got.push_back(co_await ac.next());
    BOOST_TEST(got == (std::vector<int>{0, 30, 60}), boost::test_tools::per_element());
}

ASYNCIO_TEST_CASE(next_rethrows_a_failed_tasks_exception_at_its_rank) {
    std::deque<asyncio::event> gates(2);
    auto tasks = co_await gated_tasks(gates);
    asyncio::event fail_gate;
    auto failing_body = fail_on(fail_gate, "second");
    tasks.push_back(co_await asyncio::create_task(std::move(failing_body)));
    auto ac = asyncio::as_completed(tasks);
    co_await open_then_next_is(gates, 1, ac);
    fail_gate.set();
    const auto e = co_await exception_of(ac.next());
    BOOST_TEST(is_a<std::runtime_error>(e));
    BOOST_TEST(what_of(e) == "second");
    co_await open_then_next_is(gates, 0, ac);
}

ASYNCIO_TEST_CASE(next_throws_cancelled_error_for_a_cancelled_task) {
    std::deque<asyncio::event> gates(2);
    auto tasks = co_await gated_tasks(gates);
    auto ac = asyncio::as_completed(tasks);
    auto canceller = after_turns(2, [&] { tasks[1].cancel(); });
    co_await asyncio::create_task(std::move(canceller));
    const auto e = co_await exception_of(ac.next());
    BOOST_TEST(is_a<asyncio::cancelled_error>(e), what_of(e));
    BOOST_TEST(tasks[1].cancelled());
    BOOST_TEST(!tasks[0].done()); // the cancellation was that task's only
    co_await open_then_next_is(gates, 0, ac);
}

ASYNCIO_TEST_CASE(next_task_yields_the_finished_handle_itself) {
    std::deque<asyncio::event> gates(3);
    auto tasks = co_await gated_tasks(gates);
    auto ac = asyncio::as_completed(tasks);
    static_assert(std::is_same_v<decltype(ac.next_task()), awaitable<asyncio::task<int>>>);
    auto opener = open_in_order(gates, {1, 2, 0});
    co_await asyncio::create_task(std::move(opener));
    for (int expected : {1, 2, 0}) {
        auto h = co_await ac.next_task();
        BOOST_TEST((h == tasks[expected]));
        BOOST_TEST(h.done());
        BOOST_TEST(h.result() == expected);
    }
}

ASYNCIO_TEST_CASE(next_and_next_task_share_the_ranks) {
    std::deque<asyncio::event> gates(4);
    auto tasks = co_await gated_tasks(gates);
    auto ac = asyncio::as_completed(tasks);
    auto opener = open_in_order(gates, {3, 1, 0, 2});
    co_await asyncio::create_task(std::move(opener));
    const int a = co_await ac.next();
    auto b = co_await ac.next_task();
    const int c = co_await ac.next();
    auto d = co_await ac.next_task();
    BOOST_TEST(a == 3);
    BOOST_TEST((b == tasks[1]));
    BOOST_TEST(c == 0);
    BOOST_TEST((d == tasks[2]));
}

ASYNCIO_TEST_CASE(void_tasks_are_accepted) {
    asyncio::event go;
    auto a_body = go.wait();
    auto b_body = fail_after<void>(1ms, "void failure");
    std::vector<asyncio::task<void>> tasks;
    tasks.push_back(co_await asyncio::create_task(std::move(a_body)));
    tasks.push_back(co_await asyncio::create_task(std::move(b_body)));
    auto ac = asyncio::as_completed(tasks);
    static_assert(std::is_same_v<decltype(ac.next()), awaitable<void>>);
    const auto e = co_await exception_of(ac.next());
    BOOST_TEST(what_of(e) == "void failure");
    go.set();
    auto h = co_await ac.next_task();
    BOOST_TEST((h == tasks[0]));
}

// --- input ------------------------------------------------------------------------

ASYNCIO_TEST_CASE(a_task_given_twice_counts_once) {
    std::deque<asyncio::event> gates(2);
    auto tasks = co_await gated_tasks(gates);
    const std::vector<asyncio::task<int>> input{tasks[1], tasks[0], tasks[1], tasks[1], tasks[0]};
    auto ac = asyncio::as_completed(input);
    BOOST_TEST(ac.size() == 2u);
    const std::vector<int> order{0, 1};
    co_await open_in_order_and_expect_next(gates, order, ac);
    const auto e = co_await exception_of(ac.next());
    BOOST_TEST(is_a<asyncio::invalid_state_error>(e), what_of(e));
}

ASYNCIO_TEST_CASE(next_beyond_size_throws_invalid_state_error) {
    auto body = asyncio::sleep(0ms, 5);
    std::vector<asyncio::task<int>> tasks;
    tasks.push_back(co_await asyncio::create_task(std::move(body)));
    auto ac = asyncio::as_completed(tasks);
    const int v = co_await ac.next();
    BOOST_TEST(v == 5);
    for (int i = 0; i < 3; ++i) { // and keeps throwing it
        const auto e1 = co_await exception_of(ac.next());
        const auto e2 = co_await exception_of(ac.next_task());
        BOOST_TEST(is_a<asyncio::invalid_state_error>(e1), what_of(e1));
        BOOST_TEST(is_a<asyncio::invalid_state_error>(e2), what_of(e2));
        BOOST_TEST((code_of(e1) == asyncio::error::invalid_state));
    }
    // An empty input: size 0, and the first next() is already past the end.
    const std::vector<asyncio::task<int>> empty;
    auto none = asyncio::as_completed(empty);
    BOOST_TEST(none.size() == 0u);
    const auto e = co_await exception_of(none.next());
    BOOST_TEST(is_a<asyncio::invalid_state_error>(e), what_of(e));
}

ASYNCIO_TEST_CASE(tasks_finished_beforehand_come_before_later_ones) {
    asyncio::event go;
    auto late_body = value_on(go, 100);
    auto late = co_await asyncio::create_task(std::move(late_body));
    std::vector<asyncio::task<int>> tasks{late};
    for (int i = 1; i <= 3; ++i) {
        auto body = asyncio::sleep(0ms, i);
        tasks.push_back(co_await asyncio::create_task(std::move(body)));
    }
    co_await settle();
    auto ac = asyncio::as_completed(tasks);
    auto opener = after_turns(1, [&] { go.set(); });
    co_await asyncio::create_task(std::move(opener));
    std::vector<int> got;
    for (std::size_t i = 0; i < ac.size(); ++i)
        got.push_back(co_await ac.next());
    BOOST_TEST_REQUIRE(got.size() == 4u);
    std::sort(got.begin(), got.begin() + 3);
    BOOST_TEST(got == (std::vector<int>{1, 2, 3, 100}), boost::test_tools::per_element());
}

// --- futures ----------------------------------------------------------------------

ASYNCIO_TEST_CASE(futures_set_by_another_task_are_accepted) {
    auto ex = co_await asio::this_coro::executor;
    asyncio::future<int> a(ex), b(ex), c(ex);
    const std::vector<asyncio::future<int>> futures{a, b, c};
    auto ac = asyncio::as_completed(futures);
    static_assert(std::is_same_v<decltype(ac.next_task()), awaitable<asyncio::future<int>>>);
    auto setter = [&]() -> awaitable<void> {
        co_await settle();
        c.set_result(3);
        co_await settle();
        a.set_exception(std::make_exception_ptr(std::runtime_error("a failed")));
        co_await settle();
        b.set_result(2);
    };
    co_await asyncio::create_task(setter());
    const int first = co_await ac.next();
    BOOST_TEST(first == 3);
    const auto e = co_await exception_of(ac.next());
    BOOST_TEST(what_of(e) == "a failed");
    auto last = co_await ac.next_task();
    BOOST_TEST((last == b));
    BOOST_TEST(last.result() == 2);
}

ASYNCIO_TEST_CASE(futures_set_from_another_thread_are_accepted) {
    auto ex = co_await asio::this_coro::executor;
    std::vector<asyncio::future<int>> futures;
    for (int i = 0; i < 5; ++i)
        futures.emplace_back(ex);
    auto ac = asyncio::as_completed(futures);
    std::thread setter([futures]() mutable {
        for (int i = 4; i >= 0; --i) {
            std::this_thread::sleep_for(1ms);
            futures[i].set_result(i);
        }
    });
    std::vector<int> got;
    for (std::size_t i = 0; i < ac.size(); ++i)
        got.push_back(co_await ac.next());
    setter.join();
    BOOST_TEST(got == (std::vector<int>{4, 3, 2, 1, 0}), boost::test_tools::per_element());
}

// --- timeouts ---------------------------------------------------------------------

ASYNCIO_TEST_CASE(next_past_the_timeout_throws_timeout_error_and_the_tasks_keep_running) {
    std::deque<asyncio::event> gates(3);
    auto tasks = co_await gated_tasks(gates);
    auto ac = asyncio::as_completed(tasks, 30ms);
    co_await open_then_next_is(gates, 1, ac); // before the deadline
    const stopwatch clock;
    const auto e = co_await exception_of(ac.next());
    BOOST_TEST(is_timeout(e), what_of(e));
    BOOST_TEST(clock.seconds() < 5.0);
    const auto again = co_await exception_of(ac.next());
    BOOST_TEST(is_timeout(again), what_of(again));
    co_await settle();
    BOOST_TEST(!tasks[0].done());
    BOOST_TEST(!tasks[2].done());
    co_await open_all_and_check_values(gates, tasks);
}

// As documented ("a next() past it throws timeout_error"): once the deadline has
// passed, next() throws timeout_error even for a result that finished before it.
// (Python's as_completed would still hand that result out: it queues results as they
// finish and only the ranks unfinished at the deadline raise TimeoutError.)
ASYNCIO_TEST_CASE(next_made_after_the_deadline_throws_even_for_a_result_finished_before_it) {
    std::deque<asyncio::event> gates(2);
    auto tasks = co_await gated_tasks(gates);
    auto ac = asyncio::as_completed(tasks, 20ms);
    gates[0].set();
    co_await settle();
    BOOST_TEST(tasks[0].done());
    co_await asyncio::sleep(40ms); // past the deadline
    const auto first = co_await exception_of(ac.next());
    BOOST_TEST(is_timeout(first), what_of(first));
    co_await open_all_and_check_values(gates, tasks);
    const auto later = co_await exception_of(ac.next());
    BOOST_TEST(is_timeout(later), what_of(later));
}

ASYNCIO_TEST_CASE(wait_for_around_next_cancels_no_task) {
    std::deque<asyncio::event> gates(2);
    auto tasks = co_await gated_tasks(gates);
    auto ac = asyncio::as_completed(tasks);
    const auto e = co_await exception_of(asyncio::wait_for(ac.next(), 10ms));
    BOOST_TEST(is_timeout(e), what_of(e));
    co_await settle();
    BOOST_TEST(!tasks[0].done());
    BOOST_TEST(!tasks[1].done());
    // The timed-out call took nothing: both results are still to come.
    const std::vector<int> order{1, 0};
    co_await open_in_order_and_expect_next(gates, order, ac);
    BOOST_TEST(!tasks[0].cancelled());
    BOOST_TEST(!tasks[1].cancelled());
}

// --- cancellation -----------------------------------------------------------------

// The header: "A next() that is cancelled (or times out) takes nothing: the next call
// gets that result" (as a cancelled get() of Python's queue loses no item).
ASYNCIO_TEST_CASE(cancelled_next_cancels_no_task_and_takes_nothing) {
    std::deque<asyncio::event> gates(3);
    auto tasks = co_await gated_tasks(gates);
    auto ac = asyncio::as_completed(tasks);
    bool started = false, returned = false;
    auto consumer = [&]() -> awaitable<void> {
        started = true;
        co_await ac.next();
        returned = true;
    };
    auto c = co_await asyncio::create_task(consumer());
    co_await settle();
    BOOST_TEST(started);
    BOOST_TEST(c.cancel());
    const auto e = co_await exception_of(c.wait());
    BOOST_TEST(asyncio::is_cancellation(e), what_of(e));
    BOOST_TEST(!returned);
    co_await settle();
    for (const auto& t : tasks)
        BOOST_TEST(!t.done());
    auto opener = open_in_order(gates, {2, 0, 1});
    co_await asyncio::create_task(std::move(opener));
    std::vector<int> got;
    for (std::size_t i = 0; i < ac.size(); ++i)
        got.push_back(co_await ac.next());
    BOOST_TEST(got == (std::vector<int>{2, 0, 1}), boost::test_tools::per_element());
    const auto past = co_await exception_of(ac.next());
    BOOST_TEST(is_a<asyncio::invalid_state_error>(past), what_of(past));
}

ASYNCIO_TEST_CASE(cancellation_racing_a_completion_gives_one_outcome_and_cancels_nothing) {
    std::optional<asyncio::as_completed_iterator<asyncio::future<int>>> ac;
    auto begin = [&ac](const asyncio::future<int>& f) {
        const std::vector<asyncio::future<int>> input{f};
        ac.emplace(asyncio::as_completed(input));
        return [&ac](const asyncio::future<int>&) { return ac->next(); };
    };
    auto same = [](int i) { return i; };
    auto end_round = [&ac](int i, const std::optional<int>& seen) -> awaitable<void> {
        if (!seen) {
            // The cancelled call took nothing: the result is still there, exactly once.
            const auto again = co_await ending_of(asyncio::wait_for(ac->next(), 2s));
            BOOST_TEST(!again.exception, what_of(again.exception));
            BOOST_TEST(again.value == i);
        }
        const auto past = co_await exception_of(ac->next());
        BOOST_TEST(is_a<asyncio::invalid_state_error>(past), what_of(past));
        ac.reset();
    };
    co_await race_cancellation_with_a_set_result(begin, same, end_round);
}

// --- lifetime ---------------------------------------------------------------------

ASYNCIO_TEST_CASE(destroying_the_iterator_early_leaves_the_tasks_running) {
    std::deque<asyncio::event> gates(4);
    auto tasks = co_await gated_tasks(gates);
    {
        auto ac = asyncio::as_completed(tasks);
        co_await open_then_next_is(gates, 3, ac);
    }
    {
        auto untouched = asyncio::as_completed(tasks, 1h); // never asked
        BOOST_TEST(untouched.size() == 4u);
    }
    co_await settle();
    for (int i = 0; i < 3; ++i)
        BOOST_TEST(!tasks[i].done());
    co_await open_all_and_check_values(gates, tasks); // completions reach no watcher
}

ASYNCIO_TEST_CASE(a_moved_iterator_keeps_its_ranks) {
    std::deque<asyncio::event> gates(3);
    auto tasks = co_await gated_tasks(gates);
    auto opener = open_in_order(gates, {1, 0, 2});
    co_await asyncio::create_task(std::move(opener));
    auto first = asyncio::as_completed(tasks);
    const int a = co_await first.next();
    BOOST_TEST(a == 1);
    std::optional<asyncio::as_completed_iterator<asyncio::task<int>>> second(std::move(first));
    BOOST_TEST(second->size() == 3u);
    const int b = co_await second->next();
    second.reset();
    BOOST_TEST(b == 0);
    // A fresh one over the same tasks starts at rank 0 again (1 and 0 already finished).
    auto third = asyncio::as_completed(tasks);
    auto h = co_await third.next_task();
    BOOST_TEST((h == tasks[1] || h == tasks[0]));
    const int c = co_await tasks[2].wait();
    BOOST_TEST(c == 2);
}

ASYNCIO_TEST_CASE(concurrent_next_calls_get_distinct_results_in_call_order) {
    std::deque<asyncio::event> gates(6);
    auto tasks = co_await gated_tasks(gates);
    auto ac = asyncio::as_completed(tasks);
    std::vector<int> got(6, -1);
    auto consumer = [&](int k) -> awaitable<void> { got[k] = co_await ac.next(); };
    std::vector<asyncio::task<void>> consumers;
    for (int k = 0; k < 6; ++k) { // they call next() in this order
        consumers.push_back(co_await asyncio::create_task(consumer(k)));
        co_await settle(1);
    }
    co_await settle();
    auto opener = open_in_order(gates, {4, 2, 0, 5, 1, 3});
    co_await asyncio::create_task(std::move(opener));
    for (auto& c : consumers)
        co_await c.wait();
    // Each a different result, served in the order they called.
    BOOST_TEST(got == (std::vector<int>{4, 2, 0, 5, 1, 3}), boost::test_tools::per_element());
}

// --- four threads -----------------------------------------------------------------

constexpr int many = 400;

// Waits for each of the tasks of start_many(many): none was cancelled, and they finished
// or failed as they were made to.
awaitable<void> expect_every_task_to_end_by_itself(std::vector<asyncio::task<int>>& tasks) {
    int finished = 0, failed = 0;
    for (auto& t : tasks) {
        const auto e = co_await exception_of(t.wait());
        ASYNCIO_CHECK(!t.cancelled());
        if (e)
            ++failed;
        else
            ++finished;
    }
    ASYNCIO_CHECK_EQUAL(failed, many / 10);
    ASYNCIO_CHECK_EQUAL(finished + failed, many);
}

ASYNCIO_TEST_CASE_OPTS(several_consumers_on_four_threads_see_every_result_once, .threads = 4) {
    auto tasks = co_await start_many(many);
    auto ac = asyncio::as_completed(tasks);
    std::mutex m;
    std::vector<int> values, failures; // failures: the index in the message
    std::atomic<int> calls{0};
    auto consumer = [&]() -> awaitable<void> {
        while (calls.fetch_add(1) < many) {
            int v = -1;
            std::exception_ptr e;
            try {
                v = co_await ac.next();
            } catch (...) {
                e = std::current_exception();
            }
            std::lock_guard lock(m);
            if (e)
                failures.push_back(std::stoi(what_of(e)));
            else
                values.push_back(v);
        }
    };
    std::vector<asyncio::task<void>> consumers;
    for (int i = 0; i < 8; ++i)
        consumers.push_back(co_await asyncio::create_task(consumer()));
    for (auto& c : consumers)
        co_await c.wait();
    ASYNCIO_CHECK_EQUAL(values.size() + failures.size(), static_cast<std::size_t>(many));
    ASYNCIO_CHECK_EQUAL(failures.size(), static_cast<std::size_t>(many / 10));
    std::vector<int> all = values;
    all.insert(all.end(), failures.begin(), failures.end());
    std::sort(all.begin(), all.end());
    for (int i = 0; i < many && i < static_cast<int>(all.size()); ++i)
        ASYNCIO_CHECK_EQUAL(all[i], i);
    const auto past = co_await exception_of(ac.next());
    ASYNCIO_CHECK(is_a<asyncio::invalid_state_error>(past));
}

ASYNCIO_TEST_CASE_OPTS(timeout_on_four_threads_cancels_nothing, .threads = 4) {
    auto tasks = co_await start_many(many);
    auto ac = asyncio::as_completed(tasks, 2ms);
    int yielded = 0, timed_out = 0;
    for (std::size_t i = 0; i < ac.size(); ++i) {
        const auto e = co_await exception_of(ac.next());
        if (is_timeout(e))
            ++timed_out;
        else
            ++yielded;
    }
    ASYNCIO_CHECK_EQUAL(yielded + timed_out, many);
    BOOST_TEST_MESSAGE("yielded " << yielded << ", timed out " << timed_out);
    co_await expect_every_task_to_end_by_itself(tasks);
}

ASYNCIO_TEST_CASE_OPTS(iterators_destroyed_while_tasks_finish_on_four_threads, .threads = 4) {
    auto tasks = co_await start_many(many);
    std::atomic<int> took{0};
    auto short_lived = [&](int k) -> awaitable<void> {
        std::vector<asyncio::task<int>> subset;
        for (int i = k; i < many; i += 20)
            subset.push_back(tasks[i]);
        auto ac = asyncio::as_completed(subset);
        if (k % 2 == 0) {
            co_await exception_of(ac.next_task());
            ++took;
        }
        // destroyed here, racing the other completions
    };
    std::vector<asyncio::task<void>> users;
    for (int k = 0; k < 60; ++k)
        users.push_back(co_await asyncio::create_task(short_lived(k % 20)));
    for (auto& u : users)
        co_await u.wait();
    ASYNCIO_CHECK_EQUAL(took.load(), 30);
    co_await expect_every_task_to_end_by_itself(tasks);
}

ASYNCIO_TEST_CASE_OPTS(consumers_cancelled_from_a_thread_on_four_threads_cancel_no_task,
                       .threads = 4) {
    auto tasks = co_await start_many(many);
    auto ac = asyncio::as_completed(tasks);
    std::atomic<int> got{0};
    auto consumer = [&]() -> awaitable<void> {
        co_await exception_of(ac.next_task()); // a failed task's handle is a result too
        ++got;
    };
    std::vector<asyncio::task<void>> consumers;
    for (int i = 0; i < many; ++i)
        consumers.push_back(co_await asyncio::create_task(consumer()));
    std::thread canceller = cancel_every_other_from_a_thread(consumers, 0);
    int returned = 0, cancelled = 0;
    for (auto& c : consumers) {
        const auto e = co_await exception_of(c.wait());
        if (!e)
            ++returned;
        else if (asyncio::is_cancellation(e))
            ++cancelled;
    }
    canceller.join();
    ASYNCIO_CHECK_EQUAL(returned + cancelled, many);
    ASYNCIO_CHECK(cancelled <= many / 2);
    for (auto& t : tasks) {
        co_await exception_of(t.wait());
        ASYNCIO_CHECK(!t.cancelled());
    }
}

BOOST_AUTO_TEST_SUITE_END()

} // namespace
