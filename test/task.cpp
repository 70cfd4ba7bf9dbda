// Copyright (c) 2026 The asyncio for Asio authors.
// Distributed under the Boost Software License, Version 1.0.

#include <asyncio/task.hpp>

#include "test_util.hpp"

#include <asyncio/event.hpp>

#include <asyncio/gather.hpp>
#include <asyncio/sleep.hpp>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/deferred.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/use_future.hpp>

#include <atomic>
#include <future>
#include <memory>
#include <set>
#include <stdexcept>
#include <string>
#include <vector>

namespace {

using namespace std::chrono_literals;
using asyncio::awaitable;
namespace asio = boost::asio;

awaitable<int> value_after(int v, std::chrono::milliseconds d) {
    co_await asyncio::sleep(d);
    co_return v;
}

awaitable<void> set_flag(std::shared_ptr<std::atomic<bool>> flag) {
    flag->store(true);
    co_return;
}

awaitable<void> fail_after(std::chrono::milliseconds d) {
    co_await asyncio::sleep(d);
    throw std::runtime_error("task failed");
}

// Sleeps "forever"; records whether its cancellation cleanup ran.
awaitable<void> sleep_forever(std::shared_ptr<std::atomic<bool>> cleaned_up) {
    try {
        co_await asyncio::sleep(1h);
    } catch (const boost::system::system_error&) {
        cleaned_up->store(true);
        throw;
    }
}

BOOST_AUTO_TEST_SUITE(task)

ASYNCIO_TEST_CASE(task_runs_concurrently_and_wait_yields_its_value) {
    auto a = co_await asyncio::create_task(value_after(1, 30ms));
    auto b = co_await asyncio::create_task(value_after(2, 10ms));
    BOOST_TEST(!a.done());
    BOOST_TEST(co_await b.wait() == 2);
    BOOST_TEST(co_await a.wait() == 1);
    BOOST_TEST(a.done());
    BOOST_TEST(!a.cancelled());
    BOOST_TEST(a.result() == 1);
    BOOST_TEST(!a.exception());
}

ASYNCIO_TEST_CASE(create_task_does_not_run_the_body_inline) {
    auto started = std::make_shared<std::atomic<bool>>(false);
    auto t = co_await asyncio::create_task(set_flag(started));
    BOOST_TEST(!started->load()); // only scheduled
    co_await asyncio::sleep(0s);
    BOOST_TEST(started->load());
    co_await t.wait();
}

ASYNCIO_TEST_CASE(tasks_start_in_creation_order) {
    std::vector<int> order;
    auto record = [&order](int i) -> awaitable<void> {
        order.push_back(i);
        co_return;
    };
    std::vector<asyncio::task<void>> tasks;
    for (int i = 0; i < 5; ++i)
        tasks.push_back(co_await asyncio::create_task(record(i)));
    for (auto& t : tasks)
        co_await t.wait();
    BOOST_TEST(order == (std::vector<int>{0, 1, 2, 3, 4}));
}

ASYNCIO_TEST_CASE(task_cancelled_before_first_run_never_runs_its_body) {
    auto started = std::make_shared<std::atomic<bool>>(false);
    auto t = co_await asyncio::create_task(set_flag(started));
    BOOST_TEST(t.cancel());
    bool threw = false;
    try {
        co_await t.wait();
    } catch (const asyncio::cancelled_error&) {
        threw = true;
    }
    BOOST_TEST(threw);
    BOOST_TEST(!started->load());
    BOOST_TEST(t.done());
    BOOST_TEST(t.cancelled());
}

ASYNCIO_TEST_CASE(cancel_reaches_a_running_task_at_its_suspension_point) {
    auto cleaned_up = std::make_shared<std::atomic<bool>>(false);
    auto t = co_await asyncio::create_task(sleep_forever(cleaned_up));
    co_await asyncio::sleep(10ms); // let it start sleeping
    asyncio::test::stopwatch clock;
    BOOST_TEST(t.cancel());
    BOOST_CHECK_THROW(co_await t.wait(), asyncio::cancelled_error);
    BOOST_TEST(clock.seconds() < 5.0); // not the hour it meant to sleep
    BOOST_TEST(cleaned_up->load());
    BOOST_TEST(t.cancelled());
    BOOST_CHECK_THROW(t.result(), asyncio::cancelled_error);
    BOOST_CHECK_THROW(t.exception(), asyncio::cancelled_error);
}

ASYNCIO_TEST_CASE(cancel_of_a_running_task_is_delivered_at_its_next_suspension) {
    // The task cancels itself while running: Python delivers it at the next await.
    bool reached_after_cancel = false;
    bool threw_at_next_await = false;
    auto body = [&]() -> awaitable<void> {
        auto self = co_await asyncio::current_task();
        BOOST_REQUIRE(self);
        BOOST_TEST(self->cancel());
        reached_after_cancel = true; // still running: no suspension yet
        try {
            co_await asyncio::sleep(0s);
        } catch (const boost::system::system_error& e) {
            threw_at_next_await = e.code() == asio::error::operation_aborted;
            throw;
        }
    };
    auto t = co_await asyncio::create_task(body());
    BOOST_CHECK_THROW(co_await t.wait(), asyncio::cancelled_error);
    BOOST_TEST(reached_after_cancel);
    BOOST_TEST(threw_at_next_await);
}

ASYNCIO_TEST_CASE(cancel_returns_false_once_the_task_is_done) {
    auto t = co_await asyncio::create_task(value_after(7, 0ms));
    co_await t.wait();
    BOOST_TEST(!t.cancel());
    BOOST_TEST(!t.cancelled());
    BOOST_TEST(t.result() == 7);
}

ASYNCIO_TEST_CASE(result_and_exception_before_done_throw_invalid_state) {
    auto t = co_await asyncio::create_task(value_after(1, 20ms));
    BOOST_CHECK_THROW(t.result(), asyncio::invalid_state_error);
    BOOST_CHECK_THROW(t.exception(), asyncio::invalid_state_error);
    co_await t.wait();
}

ASYNCIO_TEST_CASE(result_rethrows_the_task_exception_and_exception_returns_it) {
    auto t = co_await asyncio::create_task(fail_after(0ms));
    BOOST_CHECK_THROW(co_await t.wait(), std::runtime_error);
    BOOST_TEST(t.done());
    BOOST_TEST(!t.cancelled());
    BOOST_CHECK_THROW(t.result(), std::runtime_error);
    auto e = t.exception();
    BOOST_REQUIRE(e);
    BOOST_CHECK_THROW(std::rethrow_exception(e), std::runtime_error);
}

ASYNCIO_TEST_CASE(done_callbacks_are_posted_in_registration_order) {
    auto t = co_await asyncio::create_task(value_after(3, 0ms));
    std::vector<int> calls;
    t.add_done_callback([&](const asyncio::task<int>& done) { calls.push_back(done.result()); });
    t.add_done_callback([&](const asyncio::task<int>&) { calls.push_back(4); });
    co_await t.wait();
    co_await asyncio::sleep(0s);
    BOOST_TEST(calls == (std::vector<int>{3, 4}));

    // Registered on a finished task: still posted, never run inline.
    bool called = false;
    asyncio::any_task any = t;
    any.add_done_callback([&](const asyncio::any_task& done) { called = done == any; });
    BOOST_TEST(!called);
    co_await asyncio::sleep(0s);
    BOOST_TEST(called);
}

ASYNCIO_TEST_CASE(cancelling_the_awaiter_cancels_the_awaited_task) {
    auto cleaned_up = std::make_shared<std::atomic<bool>>(false);
    auto inner = co_await asyncio::create_task(sleep_forever(cleaned_up));
    auto awaiter = [](asyncio::task<void> t) -> awaitable<void> { co_await t.wait(); };
    auto outer = co_await asyncio::create_task(awaiter(inner));
    co_await asyncio::sleep(10ms);
    outer.cancel();
    BOOST_CHECK_THROW(co_await outer.wait(), asyncio::cancelled_error);
    BOOST_TEST(inner.cancelled());
    BOOST_TEST(cleaned_up->load()); // the inner task's cleanup ran before the awaiter ended
}

ASYNCIO_TEST_CASE(task_that_swallows_the_forwarded_cancellation_gives_the_awaiter_its_value) {
    auto stubborn = []() -> awaitable<int> {
        try {
            co_await asyncio::sleep(1h);
        } catch (const boost::system::system_error&) {
        }
        co_return 42;
    };
    auto inner = co_await asyncio::create_task(stubborn());
    bool awaiter_can_await_again = false;
    auto awaiter = [&](asyncio::task<int> t) -> awaitable<int> {
        int v = co_await t.wait();
        // Python: the inner task consumed the cancellation, the awaiter goes on.
        co_await asyncio::sleep(0s);
        awaiter_can_await_again = true;
        co_return v;
    };
    auto outer = co_await asyncio::create_task(awaiter(inner));
    co_await asyncio::sleep(10ms);
    outer.cancel();
    BOOST_TEST(co_await outer.wait() == 42);
    BOOST_TEST(awaiter_can_await_again);
    BOOST_TEST(!inner.cancelled());
    BOOST_TEST(!outer.cancelled());
}

ASYNCIO_TEST_CASE(uncancel_lets_a_coroutine_await_after_catching_a_cancellation) {
    bool cleanup_awaited = false;
    auto body = [&]() -> awaitable<int> {
        std::exception_ptr caught;
        try {
            co_await asyncio::sleep(1h);
        } catch (const boost::system::system_error&) {
            caught = std::current_exception();
        }
        BOOST_REQUIRE(caught);
        // Without uncancel, Asio keeps the cancellation in effect:
        bool rethrown = false;
        try {
            co_await asyncio::sleep(0s);
        } catch (const boost::system::system_error&) {
            rethrown = true;
        }
        BOOST_TEST(rethrown);
        co_await asyncio::uncancel();
        co_await asyncio::sleep(1ms); // cleanup that must await
        cleanup_awaited = true;
        co_return 5;
    };
    auto t = co_await asyncio::create_task(body());
    co_await asyncio::sleep(10ms);
    t.cancel();
    BOOST_TEST(co_await t.wait() == 5);
    BOOST_TEST(cleanup_awaited);
}

ASYNCIO_TEST_CASE(current_task_is_the_calling_task) {
    auto main_task = co_await asyncio::current_task();
    BOOST_REQUIRE(main_task);
    BOOST_TEST(main_task->get_name() == "main");
    BOOST_TEST(!main_task->done());

    std::optional<asyncio::any_task> seen;
    auto body = [&]() -> awaitable<void> {
        seen = co_await asyncio::current_task();
        co_await asyncio::uncancel(); // resetting the cancellation state keeps the identity
        BOOST_TEST((co_await asyncio::current_task() == seen));
    };
    auto t = co_await asyncio::create_task(body(), "worker");
    co_await t.wait();
    BOOST_REQUIRE(seen);
    BOOST_TEST((*seen == t));
    BOOST_TEST(seen->get_name() == "worker");
}

ASYNCIO_TEST_CASE(current_task_is_empty_in_a_coroutine_that_is_not_a_task) {
    auto probe = []() -> awaitable<bool> {
        co_return (co_await asyncio::current_task()).has_value();
    };
    auto [inside_gather] = co_await asyncio::gather(probe());
    BOOST_TEST(!inside_gather);
    auto ex = co_await asio::this_coro::executor;
    auto plain = asio::co_spawn(ex, probe(), asio::use_future);
    co_await asyncio::sleep(10ms);
    BOOST_TEST(!plain.get());
}

ASYNCIO_TEST_CASE(all_tasks_lists_the_unfinished_tasks) {
    auto cleaned_up = std::make_shared<std::atomic<bool>>(false);
    auto a = co_await asyncio::create_task(sleep_forever(cleaned_up), "a");
    auto b = co_await asyncio::create_task(value_after(1, 0ms), "b");
    co_await b.wait();
    auto tasks = co_await asyncio::all_tasks();
    std::set<std::string> names;
    for (auto& t : tasks)
        names.insert(t.get_name());
    BOOST_TEST(names == (std::set<std::string>{"main", "a"}));
    a.cancel();
    BOOST_CHECK_THROW(co_await a.wait(), asyncio::cancelled_error);
    BOOST_TEST((co_await asyncio::all_tasks()).size() == 1u);
}

ASYNCIO_TEST_CASE(tasks_have_default_names_and_can_be_renamed) {
    auto t = co_await asyncio::create_task(value_after(1, 0ms));
    BOOST_TEST(t.get_name().rfind("Task-", 0) == 0u);
    t.set_name("renamed");
    BOOST_TEST(t.get_name() == "renamed");
    auto u = co_await asyncio::create_task(value_after(1, 0ms));
    BOOST_TEST(u.get_name() != t.get_name());
    co_await t.wait();
    co_await u.wait();
}

ASYNCIO_TEST_CASE(task_runs_on_the_loop_executor_of_a_single_threaded_loop) {
    auto loop_ex = co_await asio::this_coro::executor;
    auto t = co_await asyncio::create_task(value_after(1, 0ms));
    BOOST_TEST((t.get_executor() == loop_ex)); // no strand needed on one thread
    co_await t.wait();
    BOOST_TEST((t.get_executor() == loop_ex));
}

ASYNCIO_TEST_CASE(create_task_runs_an_asio_operation_as_a_task) {
    auto ex = co_await asio::this_coro::executor;
    asio::steady_timer timer(ex, 1ms);
    auto waited = co_await asyncio::create_task(timer.async_wait(asio::deferred));
    auto valued = asyncio::create_task(ex, asio::deferred.values(42), "answer");
    BOOST_TEST(valued.get_name() == "answer");
    co_await waited.wait();
    BOOST_TEST((waited.done() && !waited.exception()));
    BOOST_TEST(co_await valued.wait() == 42);
}

ASYNCIO_TEST_CASE_OPTS(task_gets_a_strand_of_its_own_on_a_multi_threaded_loop, .threads = 4) {
    bool ran_on_its_strand = false;
    asyncio::event go; // the tasks stay unfinished (and on their strands) until checked
    auto body = [&]() -> awaitable<void> {
        auto ex = co_await asio::this_coro::executor;
        auto* strand = ex.target<asio::strand<asio::io_context::executor_type>>();
        ran_on_its_strand = strand && strand->running_in_this_thread();
        co_await go.wait();
    };
    auto t = co_await asyncio::create_task(body());
    auto u = co_await asyncio::create_task(go.wait());
    ASYNCIO_CHECK(t.get_executor() != u.get_executor()); // each task has its own strand
    ASYNCIO_CHECK(t.get_executor().target<asio::strand<asio::io_context::executor_type>>());
    go.set();
    co_await t.wait();
    co_await u.wait();
    ASYNCIO_CHECK(ran_on_its_strand);
    // A finished task lets go of its strand (a strand must not outlive its loop).
    ASYNCIO_CHECK(t.get_executor().target<asio::io_context::executor_type>());
}

ASYNCIO_TEST_CASE(empty_handle_throws_invalid_state) {
    asyncio::task<int> t;
    BOOST_TEST(!t);
    BOOST_CHECK_THROW(t.done(), asyncio::invalid_state_error);
    BOOST_CHECK_THROW(t.cancel(), asyncio::invalid_state_error);
    BOOST_CHECK_THROW(t.result(), asyncio::invalid_state_error);
    BOOST_CHECK_THROW(t.get_name(), asyncio::invalid_state_error);
    BOOST_CHECK_THROW((void)t.wait(), asyncio::invalid_state_error);
    co_return;
}

ASYNCIO_TEST_CASE(move_only_result_can_be_taken_once) {
    auto make = []() -> awaitable<std::unique_ptr<int>> { co_return std::make_unique<int>(9); };
    auto t = co_await asyncio::create_task(make());
    auto p = co_await t.wait();
    BOOST_REQUIRE(p);
    BOOST_TEST(*p == 9);
    BOOST_CHECK_THROW(t.result(), asyncio::invalid_state_error);
}

struct no_default {
    explicit no_default(int v) : value(v) {}
    int value;
};

ASYNCIO_TEST_CASE(result_type_needs_no_default_constructor) {
    auto make = []() -> awaitable<no_default> {
        co_await asyncio::sleep(0s);
        co_return no_default(4);
    };
    auto t = co_await asyncio::create_task(make());
    BOOST_TEST((co_await t.wait()).value == 4);
    BOOST_TEST(t.result().value == 4);
}

ASYNCIO_TEST_CASE(async_wait_works_with_callbacks_futures_and_deferred) {
    auto t = co_await asyncio::create_task(value_after(8, 10ms));
    int from_callback = 0;
    t.async_wait([&](std::exception_ptr e, int v) {
        BOOST_TEST(!e);
        from_callback = v;
    });
    auto fut = t.async_wait(asio::use_future);
    auto op = t.async_wait(asio::deferred);
    bool deferred_called = false;
    std::move(op)([&](std::exception_ptr, int v) { deferred_called = v == 8; });
    co_await t.wait();
    co_await asyncio::sleep(0s);
    BOOST_TEST(from_callback == 8);
    BOOST_TEST(deferred_called);
    BOOST_TEST(fut.get() == 8);

    auto failing = co_await asyncio::create_task(fail_after(0ms));
    std::exception_ptr seen;
    asyncio::any_task(failing).async_wait([&](std::exception_ptr e) { seen = e; });
    BOOST_CHECK_THROW(co_await failing.wait(), std::runtime_error);
    co_await asyncio::sleep(0s);
    BOOST_TEST(bool(seen));
}

ASYNCIO_TEST_CASE(cancelling_an_async_wait_cancels_the_task) {
    auto cleaned_up = std::make_shared<std::atomic<bool>>(false);
    auto t = co_await asyncio::create_task(sleep_forever(cleaned_up));
    asio::cancellation_signal signal;
    std::exception_ptr result;
    bool called = false;
    asyncio::any_task(t).async_wait(
        asio::bind_cancellation_slot(signal.slot(), [&](std::exception_ptr e) {
            called = true;
            result = e;
        }));
    co_await asyncio::sleep(10ms);
    signal.emit(asio::cancellation_type::terminal);
    BOOST_CHECK_THROW(co_await t.wait(), asyncio::cancelled_error);
    co_await asyncio::sleep(0s);
    BOOST_TEST(called);
    BOOST_TEST(asyncio::is_cancellation(result));
    BOOST_TEST(cleaned_up->load());
}

BOOST_AUTO_TEST_CASE(create_task_on_an_io_context_from_outside_the_loop) {
    asio::io_context ctx;
    auto t = asyncio::create_task(ctx, value_after(11, 1ms));
    auto u = asyncio::create_task(ctx.get_executor(), value_after(12, 1ms), "explicit");
    BOOST_TEST(u.get_name() == "explicit");
    asyncio::test::run_context(ctx);
    BOOST_TEST(t.result() == 11);
    BOOST_TEST(u.result() == 12);
}

BOOST_AUTO_TEST_CASE(explicit_strand_is_honoured) {
    asio::io_context ctx;
    auto strand = asio::make_strand(ctx);
    bool on_strand = false;
    auto body = [&]() -> awaitable<void> {
        on_strand = strand.running_in_this_thread();
        co_return;
    };
    auto t = asyncio::create_task(strand, body());
    asyncio::test::run_context(ctx);
    t.result();
    BOOST_TEST(on_strand);
}

BOOST_AUTO_TEST_CASE(tasks_of_a_destroyed_loop_finish_as_cancelled) {
    asyncio::task<void> t;
    {
        asio::io_context ctx;
        auto cleaned_up = std::make_shared<std::atomic<bool>>(false);
        t = asyncio::create_task(ctx, sleep_forever(cleaned_up));
        ctx.run_for(20ms);
        BOOST_TEST(!t.done());
    }
    BOOST_TEST(t.done());
    BOOST_TEST(t.cancelled());
}

BOOST_AUTO_TEST_CASE(task_never_started_on_a_destroyed_loop_finishes_as_cancelled) {
    asyncio::task<int> t;
    {
        asio::io_context ctx;
        t = asyncio::create_task(ctx, value_after(1, 0ms));
    }
    BOOST_TEST(t.cancelled());
}

// --- several threads ---------------------------------------------------------------

ASYNCIO_TEST_CASE_OPTS(many_tasks_on_four_threads_all_complete, .threads = 4) {
    std::atomic<int> sum{0};
    std::set<std::thread::id> threads_seen;
    std::mutex m;
    auto work = [&](int i) -> awaitable<int> {
        for (int k = 0; k < 3; ++k) {
            co_await asyncio::sleep(0s);
            std::lock_guard lock(m);
            threads_seen.insert(std::this_thread::get_id());
        }
        sum += i;
        co_return i;
    };
    std::vector<asyncio::task<int>> tasks;
    for (int i = 0; i < 2000; ++i)
        tasks.push_back(co_await asyncio::create_task(work(i)));
    long total = 0;
    for (auto& t : tasks)
        total += co_await t.wait();
    ASYNCIO_CHECK_EQUAL(total, 1999L * 2000 / 2);
    ASYNCIO_CHECK_EQUAL(sum.load(), 1999 * 2000 / 2);
    std::lock_guard lock(m);
    ASYNCIO_CHECK(threads_seen.size() > 1u); // tasks really ran in parallel
}

ASYNCIO_TEST_CASE_OPTS(cancellation_racing_completion_on_four_threads, .threads = 4) {
    // Cancel tasks at random points of their life, from other threads' tasks; every
    // task ends exactly once, either with its value or cancelled, and awaiters agree.
    constexpr int n = 1000;
    std::atomic<int> finished_with_value{0}, finished_cancelled{0};
    auto short_work = [](int i) -> awaitable<int> {
        for (int k = 0; k < i % 4; ++k)
            co_await asyncio::sleep(0s);
        co_return i;
    };
    std::vector<asyncio::task<int>> victims;
    for (int i = 0; i < n; ++i)
        victims.push_back(co_await asyncio::create_task(short_work(i)));
    auto canceller = [](asyncio::task<int> victim, int i) -> awaitable<void> {
        for (int k = 0; k < i % 3; ++k)
            co_await asyncio::sleep(0s);
        victim.cancel();
    };
    std::vector<asyncio::task<void>> cancellers;
    for (int i = 0; i < n; ++i)
        cancellers.push_back(co_await asyncio::create_task(canceller(victims[i], i)));
    for (int i = 0; i < n; ++i) {
        try {
            int v = co_await victims[i].wait();
            ASYNCIO_CHECK_EQUAL(v, i);
            ASYNCIO_CHECK(!victims[i].cancelled());
            ++finished_with_value;
        } catch (const asyncio::cancelled_error&) {
            ASYNCIO_CHECK(victims[i].cancelled());
            ++finished_cancelled;
        }
        co_await cancellers[i].wait();
    }
    ASYNCIO_CHECK_EQUAL(finished_with_value + finished_cancelled, n);
}

ASYNCIO_TEST_CASE_OPTS(awaiters_cancelled_while_their_task_completes_on_four_threads,
                       .threads = 4) {
    // The awaiter's cancellation races the awaited task's completion: the awaiter ends
    // with the value (the task consumed the request, or finished first) or cancelled.
    constexpr int n = 500;
    int values = 0, cancels = 0;
    for (int i = 0; i < n; ++i) {
        auto inner = co_await asyncio::create_task(value_after(i, 0ms));
        auto awaiter = [](asyncio::task<int> t) -> awaitable<int> { co_return co_await t.wait(); };
        auto outer = co_await asyncio::create_task(awaiter(inner));
        for (int k = 0; k < i % 3; ++k)
            co_await asyncio::sleep(0s);
        outer.cancel();
        try {
            int v = co_await outer.wait();
            ASYNCIO_CHECK_EQUAL(v, i);
            ++values;
        } catch (const asyncio::cancelled_error&) {
            ++cancels;
        }
        co_await asyncio::sleep(0s);
        ASYNCIO_CHECK(inner.done() || !inner.cancelled());
    }
    ASYNCIO_CHECK_EQUAL(values + cancels, n);
}

BOOST_AUTO_TEST_CASE(create_task_from_foreign_threads) {
    asio::io_context ctx(4);
    auto guard = asio::make_work_guard(ctx);
    std::vector<std::thread> loop_threads;
    for (int i = 0; i < 2; ++i)
        loop_threads.emplace_back([&] { ctx.run(); });
    std::vector<std::thread> creators;
    std::vector<asyncio::task<int>> tasks(400);
    for (int c = 0; c < 4; ++c)
        creators.emplace_back([&, c] {
            for (int i = c; i < 400; i += 4)
                tasks[i] = asyncio::create_task(ctx, value_after(i, 0ms));
        });
    for (auto& t : creators)
        t.join();
    {
        asyncio::test::watchdog dog;
        for (auto& t : tasks) {
            auto done = t.async_wait(asio::use_future);
            done.wait();
        }
    }
    guard.reset();
    for (auto& t : loop_threads)
        t.join();
    for (int i = 0; i < 400; ++i)
        BOOST_TEST(tasks[i].result() == i);
}

BOOST_AUTO_TEST_SUITE_END()

} // namespace
