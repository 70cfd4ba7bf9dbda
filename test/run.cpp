// Copyright (c) 2026 The asyncio for Asio authors.
// Distributed under the Boost Software License, Version 1.0.

#include <asyncio/run.hpp>

#include "test_util.hpp"

#include <asyncio/sleep.hpp>

#include <boost/asio/post.hpp>

#include <atomic>
#include <memory>
#include <mutex>
#include <set>
#include <stdexcept>
#include <thread>

namespace {

using namespace std::chrono_literals;
using asyncio::awaitable;
namespace asio = boost::asio;

awaitable<int> answer() {
    co_await asyncio::sleep(1ms);
    co_return 42;
}

awaitable<void> nothing() {
    co_return;
}

awaitable<int> fails() {
    co_await asyncio::sleep(0s);
    throw std::runtime_error("main failed");
}

// Sleeps until cancelled; counts the cleanups that ran.
awaitable<void> lingering(std::shared_ptr<std::atomic<int>> cleanups) {
    try {
        co_await asyncio::sleep(1h);
    } catch (const boost::system::system_error&) {
        ++*cleanups;
        throw;
    }
}

BOOST_AUTO_TEST_SUITE(run)

BOOST_AUTO_TEST_CASE(run_returns_the_value_of_main) {
    asyncio::test::watchdog dog;
    BOOST_TEST(asyncio::run(answer()) == 42);
    asyncio::run(nothing());
}

BOOST_AUTO_TEST_CASE(run_rethrows_the_exception_of_main) {
    asyncio::test::watchdog dog;
    BOOST_CHECK_THROW(asyncio::run(fails()), std::runtime_error);
}

BOOST_AUTO_TEST_CASE(run_cancels_and_awaits_tasks_left_running_when_main_ends) {
    asyncio::test::watchdog dog;
    auto cleanups = std::make_shared<std::atomic<int>>(0);
    auto main = [](std::shared_ptr<std::atomic<int>> cleanups) -> awaitable<void> {
        for (int i = 0; i < 3; ++i)
            (void)co_await asyncio::create_task(lingering(cleanups));
        co_await asyncio::sleep(5ms);
    };
    asyncio::run(main(cleanups));
    BOOST_TEST(cleanups->load() == 3); // their cleanup ran before run returned
}

BOOST_AUTO_TEST_CASE(run_cleans_up_tasks_also_when_main_fails) {
    asyncio::test::watchdog dog;
    auto cleanups = std::make_shared<std::atomic<int>>(0);
    auto main = [](std::shared_ptr<std::atomic<int>> cleanups) -> awaitable<void> {
        (void)co_await asyncio::create_task(lingering(cleanups));
        co_await asyncio::sleep(1ms);
        throw std::logic_error("main failed");
    };
    BOOST_CHECK_THROW(asyncio::run(main(cleanups)), std::logic_error);
    BOOST_TEST(cleanups->load() == 1);
}

BOOST_AUTO_TEST_CASE(run_from_inside_a_running_loop_throws_invalid_state) {
    asyncio::test::watchdog dog;
    auto main = []() -> awaitable<bool> {
        try {
            asyncio::run(nothing());
        } catch (const asyncio::invalid_state_error&) {
            co_return true;
        }
        co_return false;
    };
    BOOST_TEST(asyncio::run(main()));
    BOOST_TEST(asyncio::run(main(), {.threads = 3}));
    asyncio::runner r;
    BOOST_TEST(r.run(main()));
}

BOOST_AUTO_TEST_CASE(run_can_be_called_again_after_it_returned) {
    asyncio::test::watchdog dog;
    for (int i = 0; i < 3; ++i)
        BOOST_TEST(asyncio::run(answer()) == 42);
}

BOOST_AUTO_TEST_CASE(zero_threads_is_rejected) {
    BOOST_CHECK_THROW(asyncio::run(nothing(), {.threads = 0}), std::invalid_argument);
    BOOST_CHECK_THROW(asyncio::runner({.threads = 0}), std::invalid_argument);
}

BOOST_AUTO_TEST_CASE(run_on_several_threads_uses_them) {
    asyncio::test::watchdog dog;
    auto main = []() -> awaitable<std::size_t> {
        std::mutex m;
        std::set<std::thread::id> seen;
        auto spin = [&]() -> awaitable<void> {
            for (int i = 0; i < 50; ++i) {
                {
                    std::lock_guard lock(m);
                    seen.insert(std::this_thread::get_id());
                }
                std::this_thread::sleep_for(50us); // make the others pick up work
                co_await asyncio::sleep(0s);
            }
        };
        std::vector<asyncio::task<void>> tasks;
        for (int i = 0; i < 8; ++i)
            tasks.push_back(co_await asyncio::create_task(spin()));
        for (auto& t : tasks)
            co_await t.wait();
        co_return seen.size();
    };
    BOOST_TEST(asyncio::run(main(), {.threads = 4}) > 1u);
}

BOOST_AUTO_TEST_CASE(runner_keeps_tasks_between_runs_and_close_cancels_them) {
    asyncio::test::watchdog dog;
    auto cleanups = std::make_shared<std::atomic<int>>(0);
    asyncio::runner r;
    asyncio::task<void> background;
    auto first = [&]() -> awaitable<void> {
        background = co_await asyncio::create_task(lingering(cleanups));
        co_await asyncio::sleep(1ms);
    };
    r.run(first());
    BOOST_TEST(!background.done()); // suspended, not cancelled, between runs
    auto second = [&]() -> awaitable<bool> {
        co_await asyncio::sleep(1ms);
        co_return background.done();
    };
    BOOST_TEST(!r.run(second()));
    r.close();
    BOOST_TEST(background.cancelled());
    BOOST_TEST(cleanups->load() == 1);
    BOOST_CHECK_THROW(r.run(nothing()), asyncio::invalid_state_error);
    r.close(); // idempotent
}

BOOST_AUTO_TEST_CASE(runner_executor_accepts_tasks_from_outside) {
    asyncio::test::watchdog dog;
    asyncio::runner r;
    auto t = asyncio::create_task(r.get_executor(), answer());
    auto main = [&]() -> awaitable<int> { co_return co_await t.wait(); };
    BOOST_TEST(r.run(main()) == 42);
    BOOST_TEST(&r.get_loop() == &r.get_executor().context());
    BOOST_TEST(r.options().threads == 1u);
}

BOOST_AUTO_TEST_CASE(runner_close_from_inside_the_loop_throws_invalid_state) {
    asyncio::test::watchdog dog;
    asyncio::runner r;
    auto main = [&]() -> awaitable<bool> {
        try {
            r.close();
        } catch (const asyncio::invalid_state_error&) {
            co_return true;
        }
        co_return false;
    };
    BOOST_TEST(r.run(main()));
}

BOOST_AUTO_TEST_CASE(an_exception_escaping_a_plain_handler_does_not_stop_the_loop) {
    asyncio::test::watchdog dog;
    auto main = []() -> awaitable<int> {
        asio::post(co_await asio::this_coro::executor,
                   [] { throw std::runtime_error("callback failed (expected in this test)"); });
        co_await asyncio::sleep(5ms);
        co_return 7;
    };
    BOOST_TEST(asyncio::run(main()) == 7);
}

BOOST_AUTO_TEST_CASE(main_cancelled_by_another_task_makes_run_throw_cancelled) {
    asyncio::test::watchdog dog;
    auto main = []() -> awaitable<void> {
        auto self = co_await asyncio::current_task();
        auto killer = [](asyncio::any_task victim) -> awaitable<void> {
            victim.cancel();
            co_return;
        };
        (void)co_await asyncio::create_task(killer(*self));
        co_await asyncio::sleep(1h);
    };
    BOOST_CHECK_THROW(asyncio::run(main()), asyncio::cancelled_error);
}

BOOST_AUTO_TEST_CASE(every_task_cleanup_runs_on_a_four_thread_loop) {
    asyncio::test::watchdog dog;
    auto cleanups = std::make_shared<std::atomic<int>>(0);
    auto main = [](std::shared_ptr<std::atomic<int>> cleanups) -> awaitable<void> {
        for (int i = 0; i < 200; ++i)
            (void)co_await asyncio::create_task(lingering(cleanups));
        co_await asyncio::sleep(5ms);
    };
    asyncio::run(main(cleanups), {.threads = 4});
    BOOST_TEST(cleanups->load() == 200);
}

BOOST_AUTO_TEST_SUITE_END()

} // namespace
