// Copyright (c) 2026 The asyncio for Asio authors.
// Distributed under the Boost Software License, Version 1.0.

#include <asyncio/wait.hpp>

#include "test_util.hpp"

#include "sync_util.hpp"

#include <asyncio/error.hpp>
#include <asyncio/event.hpp>
#include <asyncio/future.hpp>
#include <asyncio/sleep.hpp>
#include <asyncio/task.hpp>
#include <asyncio/wait_for.hpp>

#include <boost/asio/this_coro.hpp>

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

// Yields `value` once `go` is set.
awaitable<int> value_on(asyncio::event& go, int value) {
    co_await go.wait();
    co_return value;
}

// Throws std::runtime_error(what) once `go` is set.
awaitable<int> fail_on(asyncio::event& go, std::string what) {
    co_await go.wait();
    throw std::runtime_error(what);
}

// One task per gate: task i yields i once gates[i] is set.
awaitable<std::vector<asyncio::task<int>>> gated_tasks(std::deque<asyncio::event>& gates) {
    std::vector<asyncio::task<int>> tasks;
    for (std::size_t i = 0; i < gates.size(); ++i) {
        auto body = value_on(gates[i], static_cast<int>(i));
        tasks.push_back(co_await asyncio::create_task(std::move(body)));
    }
    co_return tasks;
}

// Lets every gate open and checks that every task then yields its own index (none
// was cancelled behind the caller's back).
awaitable<void> open_all_and_check_values(std::deque<asyncio::event>& gates,
                                          const std::vector<asyncio::task<int>>& tasks) {
    for (auto& g : gates)
        g.set();
    for (std::size_t i = 0; i < tasks.size(); ++i) {
        const int v = co_await tasks[i].wait();
        ASYNCIO_CHECK_EQUAL(v, static_cast<int>(i));
        ASYNCIO_CHECK(!tasks[i].cancelled());
    }
}

template <class H>
bool none_done(const std::vector<H>& handles) {
    for (const auto& h : handles)
        if (h.done())
            return false;
    return true;
}

template <class H>
bool none_cancelled(const std::vector<H>& handles) {
    for (const auto& h : handles)
        if (h.cancelled())
            return false;
    return true;
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
    auto canceller = after_turns(2, [victim]() mutable { victim.cancel(); });
    co_await asyncio::create_task(std::move(canceller));
    auto r = co_await asyncio::wait(tasks, return_when::first_completed);
    BOOST_TEST((r.done == std::vector<asyncio::task<int>>{tasks[2]}));
    BOOST_TEST(r.done[0].cancelled());
    BOOST_TEST((r.pending == std::vector<asyncio::task<int>>{tasks[0], tasks[1]}));
    BOOST_TEST(none_done(r.pending));
    for (std::size_t i = 0; i < 2; ++i) {
        gates[i].set();
        BOOST_TEST(co_await tasks[i].wait() == static_cast<int>(i));
    }
}

