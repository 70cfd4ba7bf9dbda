// Copyright (c) 2026 The asyncio for Asio authors.
// Distributed under the Boost Software License, Version 1.0.

#include <asyncio/sleep.hpp>

#include "test_util.hpp"

#include <asyncio/task.hpp>

#include <chrono>
#include <string>
#include <vector>

namespace {

using namespace std::chrono_literals;
using asyncio::awaitable;

BOOST_AUTO_TEST_SUITE(sleep)

ASYNCIO_TEST_CASE(sleep_suspends_for_at_least_the_duration) {
    asyncio::test::stopwatch clock;
    co_await asyncio::sleep(30ms);
    BOOST_TEST(clock.seconds() >= 0.029);
}

ASYNCIO_TEST_CASE(shorter_sleeps_wake_first) {
    std::vector<int> order;
    auto sleeper = [&](int id, std::chrono::milliseconds d) -> awaitable<void> {
        co_await asyncio::sleep(d);
        order.push_back(id);
    };
    auto a = co_await asyncio::create_task(sleeper(1, 40ms));
    auto b = co_await asyncio::create_task(sleeper(2, 5ms));
    auto c = co_await asyncio::create_task(sleeper(3, 20ms));
    co_await a.wait();
    co_await b.wait();
    co_await c.wait();
    BOOST_TEST(order == (std::vector<int>{2, 3, 1}));
}

ASYNCIO_TEST_CASE(sleep_zero_lets_every_other_ready_task_run_once) {
    std::vector<std::string> trace;
    auto worker = [&](std::string name) -> awaitable<void> {
        for (int i = 0; i < 3; ++i) {
            trace.push_back(name + std::to_string(i));
            co_await asyncio::sleep(0s);
        }
    };
    auto a = co_await asyncio::create_task(worker("a"));
    auto b = co_await asyncio::create_task(worker("b"));
    co_await a.wait();
    co_await b.wait();
    BOOST_TEST(trace == (std::vector<std::string>{"a0", "b0", "a1", "b1", "a2", "b2"}));
}

ASYNCIO_TEST_CASE(negative_sleep_behaves_like_sleep_zero) {
    bool other_ran = false;
    auto other = [&]() -> awaitable<void> {
        other_ran = true;
        co_return;
    };
    auto t = co_await asyncio::create_task(other());
    co_await asyncio::sleep(-5s);
    BOOST_TEST(other_ran);
    co_await t.wait();
}

ASYNCIO_TEST_CASE(sleep_with_a_result_yields_it) {
    BOOST_TEST(co_await asyncio::sleep(1ms, 17) == 17);
    BOOST_TEST(co_await asyncio::sleep(0s, std::string("done")) == "done");
    auto p = co_await asyncio::sleep(0s, std::make_unique<int>(3)); // move-only
    BOOST_TEST(*p == 3);
}

ASYNCIO_TEST_CASE(fractional_durations_work) {
    asyncio::test::stopwatch clock;
    co_await asyncio::sleep(std::chrono::duration<double>(0.01));
    BOOST_TEST(clock.seconds() >= 0.009);
}

ASYNCIO_TEST_CASE(cancelling_a_sleep_throws_the_cancellation_error) {
    auto sleeper = []() -> awaitable<void> { co_await asyncio::sleep(1h); };
    auto t = co_await asyncio::create_task(sleeper());
    co_await asyncio::sleep(5ms);
    t.cancel();
    BOOST_CHECK_THROW(co_await t.wait(), asyncio::cancelled_error);
}

ASYNCIO_TEST_CASE(huge_durations_saturate_instead_of_overflowing) {
    auto sleeper = [](auto d) -> awaitable<void> { co_await asyncio::sleep(d); };
    auto a = co_await asyncio::create_task(sleeper(std::chrono::hours::max()));
    auto b = co_await asyncio::create_task(sleeper(std::chrono::duration<double>(1e300)));
    auto c = co_await asyncio::create_task(sleeper(std::chrono::nanoseconds::max()));
    co_await asyncio::sleep(10ms);
    BOOST_TEST(!a.done()); // overflow would have made these deadlines already passed
    BOOST_TEST(!b.done());
    BOOST_TEST(!c.done());
    a.cancel();
    b.cancel();
    c.cancel();
    BOOST_CHECK_THROW(co_await a.wait(), asyncio::cancelled_error);
    BOOST_CHECK_THROW(co_await b.wait(), asyncio::cancelled_error);
    BOOST_CHECK_THROW(co_await c.wait(), asyncio::cancelled_error);
}

ASYNCIO_TEST_CASE(most_negative_duration_does_not_overflow) {
    co_await asyncio::sleep(std::chrono::hours::min());
    co_await asyncio::sleep(std::chrono::duration<double>(-1e300));
}

ASYNCIO_TEST_CASE_OPTS(sleeps_on_four_threads, .threads = 4) {
    std::atomic<int> woke{0};
    auto sleeper = [&](int i) -> awaitable<void> {
        co_await asyncio::sleep(std::chrono::milliseconds(i % 5));
        co_await asyncio::sleep(0s);
        ++woke;
    };
    std::vector<asyncio::task<void>> tasks;
    for (int i = 0; i < 500; ++i)
        tasks.push_back(co_await asyncio::create_task(sleeper(i)));
    for (auto& t : tasks)
        co_await t.wait();
    ASYNCIO_CHECK_EQUAL(woke.load(), 500);
}

BOOST_AUTO_TEST_SUITE_END()

} // namespace
