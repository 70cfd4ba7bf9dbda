// Copyright (c) 2026 The asyncio for Asio authors.
// Distributed under the Boost Software License, Version 1.0.

#include <asyncio/debug.hpp>

#include "test_util.hpp"

#include "debug_util.hpp"
#include "sync_util.hpp"

#include <asyncio/event.hpp>
#include <asyncio/future.hpp>
#include <asyncio/run.hpp>
#include <asyncio/sleep.hpp>
#include <asyncio/task.hpp>

#include <boost/asio/io_context.hpp>

#include <atomic>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

namespace {

using namespace asyncio::test;

awaitable<int> fail_with(std::string what) {
    co_await asyncio::sleep(0s);
    throw std::runtime_error(what);
}

awaitable<void> wait_forever() {
    co_await asyncio::sleep(1h);
}

// A step of the loop that blocks for `block` between two suspensions.
awaitable<void> blocks_for(std::chrono::milliseconds block) {
    co_await asyncio::sleep(0s);
    std::this_thread::sleep_for(block);
    co_await asyncio::sleep(0s);
}

// A task that yields a few times, never blocking.
awaitable<int> quick(int i) {
    co_await asyncio::sleep(0s);
    co_await asyncio::sleep(0s);
    co_return i;
}

// Waits until `t` is done, without touching its outcome.
template <class Task>
awaitable<bool> finished(const Task& t) {
    co_return co_await eventually([&] { return t.done(); });
}

} // namespace

BOOST_AUTO_TEST_SUITE(debug)

// --- exceptions never retrieved -----------------------------------------------------

awaitable<void> unretrieved_task_body(warnings& w) {
    {
        auto t = co_await asyncio::create_task(fail_with("kaboom"), "doomed");
        const bool done = co_await finished(t);
        BOOST_TEST(done);
        co_await settle();
        BOOST_TEST(w.size() == 0u); // a handle still lives: someone may still look
    }
    // The last handle died with the exception unseen.
    BOOST_TEST(w.count({"never retrieved", "doomed", "kaboom"}) == 1, w.dump());
}

BOOST_AUTO_TEST_CASE(a_task_exception_never_retrieved_warns_once_its_last_handle_dies) {
    warnings w;
    asyncio::test::run(unretrieved_task_body(w), debug_to(w));
    BOOST_TEST(w.size() == 1u, w.dump());
}

awaitable<void> fire_and_forget_body() {
    // No handle kept at all: the warning comes when the task finishes.
    co_await asyncio::create_task(fail_with("forgotten"), "orphan");
    co_await settle(5);
}

BOOST_AUTO_TEST_CASE(a_failed_task_nobody_kept_a_handle_to_warns) {
    warnings w;
    asyncio::test::run(fire_and_forget_body(), debug_to(w));
    BOOST_TEST(w.count({"never retrieved", "orphan", "forgotten"}) == 1, w.dump());
    BOOST_TEST(w.size() == 1u, w.dump());
}

awaitable<void> retrieved_body() {
    auto by_result = co_await asyncio::create_task(fail_with("a"), "by_result");
    auto by_exception = co_await asyncio::create_task(fail_with("b"), "by_exception");
    auto by_wait = co_await asyncio::create_task(fail_with("c"), "by_wait");
    auto by_callback = co_await asyncio::create_task(fail_with("d"), "by_callback");
    bool seen = false;
    by_callback.add_done_callback([&](const asyncio::task<int>& t) { seen = !!t.exception(); });
    BOOST_TEST(co_await finished(by_result));
    BOOST_CHECK_THROW(by_result.result(), std::runtime_error);
    BOOST_TEST(co_await finished(by_exception));
    BOOST_TEST(what_of(by_exception.exception()) == "b");
    BOOST_CHECK_THROW(co_await by_wait.wait(), std::runtime_error);
    BOOST_TEST(co_await finished(by_callback));
    co_await settle();
    BOOST_TEST(seen);
}

BOOST_AUTO_TEST_CASE(a_retrieved_task_exception_gives_no_warning) {
    warnings w;
    asyncio::test::run(retrieved_body(), debug_to(w));
    BOOST_TEST(w.size() == 0u, w.dump());
}

awaitable<void> cancelled_and_successful_body() {
    auto cancelled = co_await asyncio::create_task(wait_forever(), "cancelled");
    auto before_start = co_await asyncio::create_task(wait_forever(), "before_start");
    BOOST_TEST(before_start.cancel()); // cancelled before it ever ran
    co_await settle();
    BOOST_TEST(cancelled.cancel());
    BOOST_TEST(co_await finished(cancelled));
    BOOST_TEST(co_await finished(before_start));
    BOOST_TEST(cancelled.cancelled());
    BOOST_TEST(before_start.cancelled());
    auto ok = co_await asyncio::create_task(quick(1), "ok");
    BOOST_TEST(co_await finished(ok)); // its value is never looked at: fine
}

BOOST_AUTO_TEST_CASE(cancelled_and_successful_tasks_give_no_warning) {
    warnings w;
    asyncio::test::run(cancelled_and_successful_body(), debug_to(w));
    BOOST_TEST(w.size() == 0u, w.dump());
}

awaitable<void> no_debug_body() {
    {
        auto t = co_await asyncio::create_task(fail_with("quiet"), "quiet");
        BOOST_TEST(co_await finished(t));
        auto f = asyncio::future<int>(co_await asio::this_coro::executor);
        f.set_exception(std::make_exception_ptr(std::runtime_error("quiet future")));
    }
    auto slow = co_await asyncio::create_task(blocks_for(150ms), "slowpoke");
    co_await slow.wait();
}

BOOST_AUTO_TEST_CASE(without_debug_mode_nothing_is_reported) {
    warnings w;
    auto opts = debug_to(w);
    opts.debug = false; // a handler, but no debug mode
    asyncio::test::run(no_debug_body(), opts);
    BOOST_TEST(w.size() == 0u, w.dump());
}

awaitable<void> future_body(warnings& w) {
    auto ex = co_await asio::this_coro::executor;
    {
        asyncio::future<int> f(ex);
        auto copy = f;
        f.set_exception(std::make_exception_ptr(std::runtime_error("lost result")));
        co_await settle();
    }
    BOOST_TEST(w.count({"never retrieved", "lost result"}) == 1, w.dump());
    {
        asyncio::future<int> seen(ex);
        seen.set_exception(std::make_exception_ptr(std::runtime_error("seen")));
        BOOST_CHECK_THROW(co_await seen.wait(), std::runtime_error);
        asyncio::future<void> asked(ex);
        asked.set_exception(std::make_exception_ptr(std::runtime_error("asked")));
        BOOST_TEST(!!asked.exception());
        asyncio::future<int> cancelled(ex);
        cancelled.cancel();
        asyncio::future<int> fine(ex);
        fine.set_result(1);
    }
    BOOST_TEST(w.size() == 1u, w.dump());
}

BOOST_AUTO_TEST_CASE(a_future_exception_never_retrieved_warns_and_a_retrieved_one_does_not) {
    warnings w;
    asyncio::test::run(future_body(w), debug_to(w));
    BOOST_TEST(w.size() == 1u, w.dump());
}

// --- slow steps --------------------------------------------------------------------

// `slowpoke` blocks the loop for `block` in one step, next to fast tasks; with `loop`, it
// is created on the loop's own executor, else (create_task without an executor) as a
// child of the calling task.
awaitable<void> slow_body(std::optional<asyncio::executor_type> loop,
                          std::chrono::milliseconds block = 150ms) {
    std::optional<asyncio::task<void>> slow;
    if (loop)
        slow = asyncio::create_task(*loop, blocks_for(block), "slowpoke");
    else
        slow = co_await asyncio::create_task(blocks_for(block), "slowpoke");
    std::vector<asyncio::task<int>> fast;
    for (int i = 0; i < 20; ++i)
        fast.push_back(co_await asyncio::create_task(quick(i), "quick" + std::to_string(i)));
    co_await slow->wait();
    for (auto& t : fast)
        co_await t.wait();
}

// Runs slow_body on a runner with `opts`, creating `slowpoke` on the loop's executor.
void run_slow_body_on_the_loop(const asyncio::run_options& opts,
                               std::chrono::milliseconds block = 150ms) {
    watchdog dog;
    asyncio::runner r(opts);
    r.run(slow_body(asyncio::executor_type(r.get_executor()), block));
    r.close();
}

BOOST_AUTO_TEST_CASE(a_step_that_blocks_the_loop_is_reported_naming_its_task) {
    warnings w;
    run_slow_body_on_the_loop(debug_to(w));
    BOOST_TEST(w.count({"slowpoke", "took", "seconds"}) == 1, w.dump());
    BOOST_TEST(w.count({"quick"}) == 0, w.dump());
    BOOST_TEST(w.size() == 1u, w.dump());
}

// A task created with create_task(aw, name) from inside a task is placed on its parent's
// loop, not on the parent's timing wrapper: its slow steps are its own.
BOOST_AUTO_TEST_CASE(a_slow_step_of_a_child_task_is_reported_under_the_childs_name) {
    warnings w;
    asyncio::test::run(slow_body(std::nullopt), debug_to(w));
    BOOST_TEST(w.count({"slowpoke", "took"}) == 1, w.dump());
    BOOST_TEST(w.count({"'main'", "took"}) == 0, w.dump());
}

awaitable<void> failing_parent(asyncio::event& ev, std::optional<asyncio::task<void>>& child) {
    auto wait_for_event = [&ev]() -> awaitable<void> { co_await ev.wait(); };
    child = co_await asyncio::create_task(wait_for_event(), "child");
    co_await asyncio::sleep(0s);
    throw std::runtime_error("parent failed");
}

awaitable<void> parent_outlived_by_child_body(warnings& w) {
    asyncio::event ev;
    std::optional<asyncio::task<void>> child;
    {
        auto parent = co_await asyncio::create_task(failing_parent(ev, child), "parent");
        BOOST_TEST(co_await finished(parent));
    }
    co_await settle();
    // The parent's last handle is gone: it should have warned by now.
    BOOST_TEST(w.count({"never retrieved", "parent failed"}) == 1, w.dump());
    ev.set();
    co_await child->wait();
    child.reset();
    co_await settle();
}

// The child's executor does not hold its parent's state: the parent's unretrieved
// exception is reported when the parent's last handle dies, while the child still runs.
BOOST_AUTO_TEST_CASE(a_failed_parent_warns_when_its_last_handle_dies_not_when_its_child_does) {
    warnings w;
    asyncio::test::run(parent_outlived_by_child_body(w), debug_to(w));
    BOOST_TEST(w.count({"never retrieved", "parent failed"}) == 1, w.dump());
}

BOOST_AUTO_TEST_CASE(slow_callback_duration_sets_the_threshold) {
    warnings lenient;
    run_slow_body_on_the_loop(debug_to(lenient, 1, 500ms)); // 150 ms is fine under 500 ms
    BOOST_TEST(lenient.size() == 0u, lenient.dump());

    warnings strict;
    run_slow_body_on_the_loop(debug_to(strict, 1, 20ms), 60ms);
    BOOST_TEST(strict.count({"slowpoke", "took"}) == 1, strict.dump());
}

// --- a task destroyed while pending -------------------------------------------------

BOOST_AUTO_TEST_CASE(a_task_suspended_when_its_loop_is_destroyed_is_reported) {
    warnings w;
    std::optional<asyncio::task<void>> t;
    std::atomic<bool> started{false};
    auto body = [&]() -> awaitable<void> {
        started = true;
        co_await wait_forever();
    };
    {
        asio::io_context ctx;
        asyncio::enable_debug(ctx, {w.handler()});
        t = asyncio::create_task(ctx, body(), "stuck");
        {
            watchdog dog;
            ctx.poll(); // runs it to its suspension point
        }
        BOOST_TEST(started.load());
        BOOST_TEST(!t->done());
        BOOST_TEST(w.size() == 0u, w.dump());
    }
    BOOST_TEST(w.count({"destroyed but it is pending", "stuck"}) == 1, w.dump());
    BOOST_TEST(t->done()); // nobody waits for it forever
    BOOST_TEST(t->cancelled());
    t.reset();
    BOOST_TEST(w.size() == 1u, w.dump()); // a cancellation is not an unretrieved exception
}

BOOST_AUTO_TEST_CASE(a_task_waiting_on_an_event_when_its_loop_is_destroyed_is_reported) {
    warnings w;
    std::optional<asyncio::task<void>> t;
    {
        asio::io_context ctx;
        asyncio::enable_debug(ctx, {w.handler()});
        {
            // Destroyed before the loop: the pending wait fails, but its completion is
            // never run.
            asyncio::event ev;
            auto body = [&]() -> awaitable<void> { co_await ev.wait(); };
            t = asyncio::create_task(ctx, body(), "on_event");
            watchdog dog;
            ctx.poll();
            BOOST_TEST(!t->done());
        }
        BOOST_TEST(w.size() == 0u, w.dump());
    }
    BOOST_TEST(w.count({"destroyed but it is pending", "on_event"}) == 1, w.dump());
    BOOST_TEST(t->done());
    t.reset();
    BOOST_TEST(w.size() == 1u, w.dump());
}

BOOST_AUTO_TEST_CASE(a_task_that_never_started_before_its_loop_died_is_reported) {
    warnings w;
    std::optional<asyncio::task<int>> t;
    {
        asio::io_context ctx;
        asyncio::enable_debug(ctx, {w.handler()});
        t = asyncio::create_task(ctx, quick(1), "never_ran");
    }
    BOOST_TEST(w.count({"destroyed but it is pending", "never_ran"}) == 1, w.dump());
    BOOST_TEST(t->done());
    BOOST_CHECK_THROW(t->result(), asyncio::cancelled_error);
}

// --- configuration -----------------------------------------------------------------

BOOST_AUTO_TEST_CASE(a_negative_slow_callback_duration_throws_invalid_argument) {
    asio::io_context ctx;
    BOOST_CHECK_THROW(asyncio::enable_debug(ctx, {{}, -1ms}), std::invalid_argument);
    BOOST_CHECK_NO_THROW(asyncio::enable_debug(ctx, {{}, 0ms})); // zero is allowed

    warnings w;
    auto opts = debug_to(w);
    opts.slow_callback_duration = -5ms;
    BOOST_CHECK_THROW(asyncio::runner r(opts), std::invalid_argument);
    opts.debug = false; // ignored without debug mode
    BOOST_CHECK_NO_THROW(asyncio::runner r(opts));

    // Python's default: 100 ms.
    BOOST_TEST((asyncio::debug_options{}.slow_callback_duration == 100ms));
    BOOST_TEST((asyncio::run_options{}.slow_callback_duration == 100ms));
}

BOOST_AUTO_TEST_CASE(without_a_handler_warnings_go_to_stderr) {
    asio::io_context ctx;
    asyncio::enable_debug(ctx);
    std::string text;
    {
        stderr_capture capture;
        {
            asyncio::future<int> f(ctx);
            f.set_exception(std::make_exception_ptr(std::runtime_error("to stderr")));
        }
        text = capture.text();
    }
    BOOST_TEST(text.find("asyncio: ") == 0u, text);
    BOOST_TEST(text.find("never retrieved") != std::string::npos, text);
    BOOST_TEST(text.find("to stderr") != std::string::npos, text);
}

BOOST_AUTO_TEST_CASE(a_throwing_handler_falls_back_to_stderr) {
    asio::io_context ctx;
    std::atomic<int> calls{0};
    asyncio::enable_debug(ctx, {[&](std::string_view) {
                              ++calls;
                              throw std::runtime_error("handler failed");
                          }});
    std::string text;
    {
        stderr_capture capture;
        {
            asyncio::future<int> f(ctx);
            f.set_exception(std::make_exception_ptr(std::runtime_error("fallback")));
        }
        text = capture.text();
    }
    BOOST_TEST(calls.load() == 1);
    BOOST_TEST(text.find("fallback") != std::string::npos, text);
}

// --- several threads ---------------------------------------------------------------

awaitable<void> threaded_body(asyncio::executor_type loop) {
    std::vector<asyncio::task<int>> fast;
    for (int i = 0; i < 400; ++i)
        fast.push_back(co_await asyncio::create_task(quick(i), "quick" + std::to_string(i)));
    auto slow = asyncio::create_task(loop, blocks_for(150ms), "slowpoke");
    auto failing = co_await asyncio::create_task(fail_with("threaded"), "failing");
    long sum = 0;
    for (auto& t : fast)
        sum += co_await t.wait();
    ASYNCIO_CHECK_EQUAL(sum, 400L * 399 / 2);
    co_await slow.wait();
    const bool done = co_await finished(failing);
    ASYNCIO_CHECK(done);
}

BOOST_AUTO_TEST_CASE(debug_mode_works_on_four_threads) {
    warnings w;
    {
        watchdog dog;
        asyncio::runner r(debug_to(w, 4));
        r.run(threaded_body(asyncio::executor_type(r.get_executor())));
        r.close();
    }
    BOOST_TEST(w.count({"slowpoke", "took"}) == 1, w.dump());
    BOOST_TEST(w.count({"never retrieved", "failing", "threaded"}) == 1, w.dump());
    BOOST_TEST(w.count({"quick"}) == 0, w.dump());
}

BOOST_AUTO_TEST_SUITE_END()
