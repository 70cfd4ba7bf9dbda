// Copyright (c) 2026 The asyncio for Asio authors.
// Distributed under the Boost Software License, Version 1.0.

// Helpers shared by the tests of the facilities that watch tasks and futures without
// owning them (wait, as_completed, shield): gated tasks, and the races between a
// consumer's cancellation and the completion it waits for, with the "awaiter" (what the
// consumer awaits) given as a callable.

#ifndef ASYNCIO_TEST_WATCH_UTIL_HPP
#define ASYNCIO_TEST_WATCH_UTIL_HPP

#include "sync_util.hpp"
#include "test_util.hpp"

#include <asyncio/error.hpp>
#include <asyncio/event.hpp>
#include <asyncio/future.hpp>
#include <asyncio/sleep.hpp>
#include <asyncio/task.hpp>

#include <boost/asio/this_coro.hpp>

#include <cstddef>
#include <deque>
#include <exception>
#include <optional>
#include <stdexcept>
#include <string>
#include <thread>
#include <type_traits>
#include <utility>
#include <vector>

namespace asyncio::test {

// Yields `value` once `go` is set.
inline awaitable<int> value_on(asyncio::event& go, int value) {
    co_await go.wait();
    co_return value;
}

// Throws std::runtime_error(what) once `go` is set.
inline awaitable<int> fail_on(asyncio::event& go, std::string what) {
    co_await go.wait();
    throw std::runtime_error(what);
}

// One task per gate: task i yields i once gates[i] is set.
inline awaitable<std::vector<asyncio::task<int>>> gated_tasks(std::deque<asyncio::event>& gates) {
    std::vector<asyncio::task<int>> tasks;
    for (std::size_t i = 0; i < gates.size(); ++i) {
        auto body = value_on(gates[i], static_cast<int>(i));
        tasks.push_back(co_await asyncio::create_task(std::move(body)));
    }
    co_return tasks;
}

// Lets every gate open and checks that every task then yields its own index (none was
// cancelled behind the caller's back).
inline awaitable<void> open_all_and_check_values(std::deque<asyncio::event>& gates,
                                                 const std::vector<asyncio::task<int>>& tasks) {
    for (auto& g : gates)
        g.set();
    for (std::size_t i = 0; i < tasks.size(); ++i) {
        const int v = co_await tasks[i].wait();
        ASYNCIO_CHECK_EQUAL(v, static_cast<int>(i));
        ASYNCIO_CHECK(!tasks[i].cancelled());
    }
}

// `n` tasks: task i fails with the message std::to_string(i) when i % 10 == 3, else
// yields i after i % 5 ms.
inline awaitable<std::vector<asyncio::task<int>>> start_many(int n) {
    std::vector<asyncio::task<int>> tasks;
    for (int i = 0; i < n; ++i) {
        if (i % 10 == 3) {
            auto body = fail_after(milliseconds(i % 5), std::to_string(i));
            tasks.push_back(co_await asyncio::create_task(std::move(body)));
        } else {
            auto body = asyncio::sleep(milliseconds(i % 5), i);
            tasks.push_back(co_await asyncio::create_task(std::move(body)));
        }
    }
    co_return tasks;
}

// What `co_await await_one(...)` yields: the value a consumer stores.
template <class Await, class... Args>
using awaited_t = typename std::invoke_result_t<Await&, Args...>::value_type;

// A consumer's body: stores `co_await await_one(h)` in `out` (left empty when the
// consumer is cancelled or the awaiter throws).
template <class Await, class H, class V>
awaitable<void> awaited_into(Await await_one, H h, std::optional<V>& out) {
    out = co_await await_one(std::move(h));
}

// How the consumers of a race ended.
struct race_outcomes {
    int returned = 0;
    int cancelled = 0;
};

// Awaits every consumer: one that returned must have stored expected(i) in outs[i], one
// that threw must have thrown a cancellation.
template <class V, class Expected>
awaitable<race_outcomes> outcomes_of(std::vector<asyncio::task<void>>& consumers,
                                     const std::vector<std::optional<V>>& outs, Expected expected) {
    race_outcomes r;
    for (std::size_t i = 0; i < consumers.size(); ++i) {
        const auto e = co_await exception_of(consumers[i].wait());
        if (!e) {
            ++r.returned;
            ASYNCIO_CHECK((outs[i] == std::optional<V>(expected(static_cast<int>(i)))));
        } else {
            ASYNCIO_CHECK(asyncio::is_cancellation(e));
            ++r.cancelled;
        }
    }
    co_return r;
}

// Sets `f` to `value` and cancels `consumer`: in this order when `set_first`, else the
// other way round.
inline void set_and_cancel(asyncio::future<int>& f, int value, asyncio::task<void>& consumer,
                           bool set_first) {
    if (set_first) {
        f.set_result(value);
        consumer.cancel();
    } else {
        consumer.cancel();
        f.set_result(value);
    }
}

// 48 rounds of a consumer's cancellation racing the completion it waits for. Each round:
// a fresh future<int> f; `await_one = begin(f)` (called at once: it may set up state of
// its own); a consumer task stores `co_await await_one(f)`; the loop turns i % 3 times
// (sometimes before the consumer has even started); then, in one turn and in either
// order, f gets the value i and the consumer is cancelled. Either outcome is accepted,
// and exactly one happens: the consumer throws a cancellation, or it returns having
// stored expected(i); f is never cancelled and yields i. `end_round(i, stored)` (an
// awaitable) checks more at the end of the round.
template <class Begin, class Expected, class EndRound>
awaitable<void> race_cancellation_with_a_set_result(Begin begin, Expected expected,
                                                    EndRound end_round) {
    auto ex = co_await asio::this_coro::executor;
    int returned = 0, cancelled = 0;
    constexpr int rounds = 48;
    for (int i = 0; i < rounds; ++i) {
        asyncio::future<int> f(ex);
        auto await_one = begin(f);
        using value = awaited_t<decltype(await_one), asyncio::future<int>>;
        std::optional<value> seen;
        auto consumer_body = awaited_into(await_one, f, seen);
        auto c = co_await asyncio::create_task(std::move(consumer_body));
        co_await settle(i % 3); // sometimes before the consumer has even started
        set_and_cancel(f, i, c, i % 2 == 0);
        const auto e = co_await exception_of(c.wait());
        if (e) {
            BOOST_TEST(asyncio::is_cancellation(e), what_of(e));
            ++cancelled;
        } else {
            BOOST_TEST((seen == std::optional<value>(expected(i))));
            ++returned;
        }
        if (seen)
            BOOST_TEST((*seen == expected(i)));
        BOOST_TEST(!f.cancelled());
        BOOST_TEST(f.result() == i);
        auto more = end_round(i, seen);
        co_await std::move(more);
    }
    BOOST_TEST(returned + cancelled == rounds);
    BOOST_TEST_MESSAGE("returned " << returned << ", cancelled " << cancelled);
}

// end_round for race_cancellation_with_a_set_result when there is nothing more to check.
struct nothing_more {
    template <class V>
    awaitable<void> operator()(int, const std::optional<V>&) const {
        co_return;
    }
};

// A task that yields `turns` after letting the loop turn that many times.
inline awaitable<int> turns_then_value(int turns) {
    co_await settle(turns);
    co_return turns;
}

// 25 rounds of a task's completion racing the cancellation of a consumer waiting for it:
// the task finishes after 0 to 4 turns and the consumer (which stores
// `co_await await_one(task)`) is cancelled after 0 to 4 turns. Either outcome is
// accepted: the consumer throws a cancellation or stores expected(finish_turn); the task
// is never cancelled and yields its value.
template <class Await, class Expected>
awaitable<void> race_cancellation_with_a_finishing_task(Await await_one, Expected expected) {
    using value = awaited_t<Await, asyncio::task<int>>;
    int rounds = 0;
    for (int finish_turn = 0; finish_turn < 5; ++finish_turn) {
        for (int cancel_turn = 0; cancel_turn < 5; ++cancel_turn) {
            auto inner = co_await asyncio::create_task(turns_then_value(finish_turn));
            std::optional<value> out;
            auto consumer_body = awaited_into(await_one, inner, out);
            auto consumer = co_await asyncio::create_task(std::move(consumer_body));
            auto canceller = after_turns(cancel_turn, [&] { consumer.cancel(); });
            auto c = co_await asyncio::create_task(std::move(canceller));
            const auto e = co_await exception_of(consumer.wait());
            co_await c.wait();
            BOOST_TEST((!e || asyncio::is_cancellation(e)), what_of(e));
            BOOST_TEST((e || out == std::optional<value>(expected(finish_turn))));
            const int v = co_await inner.wait();
            BOOST_TEST(v == finish_turn);
            BOOST_TEST(!inner.cancelled());
            ++rounds;
        }
    }
    BOOST_TEST(rounds == 25);
}

// For a loop on several threads: `n` futures, each awaited by a consumer (storing
// `co_await await_one(futures[i])`); a thread sets future i to i and cancels consumer i,
// in either order. Each consumer either throws a cancellation or stores expected(i);
// every future yields its value, none is cancelled.
template <class Await, class Expected>
awaitable<void> race_cancellations_with_set_results_from_a_thread(int n, Await await_one,
                                                                  Expected expected) {
    using value = awaited_t<Await, asyncio::future<int>>;
    auto ex = co_await asio::this_coro::executor;
    std::vector<asyncio::future<int>> futures;
    for (int i = 0; i < n; ++i)
        futures.emplace_back(ex);
    std::vector<std::optional<value>> outs(n);
    std::vector<asyncio::task<void>> consumers;
    for (int i = 0; i < n; ++i) {
        auto body = awaited_into(await_one, futures[i], outs[i]);
        consumers.push_back(co_await asyncio::create_task(std::move(body)));
    }
    std::thread racer([&] {
        for (int i = 0; i < n; ++i) {
            set_and_cancel(futures[i], i, consumers[i], i % 2 == 0);
        }
    });
    const auto r = co_await outcomes_of(consumers, outs, expected);
    racer.join();
    ASYNCIO_CHECK_EQUAL(r.returned + r.cancelled, n);
    for (int i = 0; i < n; ++i) {
        ASYNCIO_CHECK(!futures[i].cancelled());
        ASYNCIO_CHECK_EQUAL(futures[i].result(), i);
    }
}

} // namespace asyncio::test

#endif // ASYNCIO_TEST_WATCH_UTIL_HPP
