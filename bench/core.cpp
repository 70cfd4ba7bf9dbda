// Copyright (c) 2026 The asyncio for Asio authors.
// Distributed under the Boost Software License, Version 1.0.

// The core hot paths, with this library and with the best hand-written raw Asio:
//   spawn    - spawn N tasks, then await each one;
//   task_group - spawn N tasks in a task group and await them all (raw Asio: co_spawn
//              with a completion counter);
//   gather   - gather N coroutines that each yield 10 times;
//   wait_for - N sequential wait_for(op, 1s) where op finishes at once.
// Prints one line per workload and implementation: "<workload> <impl> <seconds>".
// Usage: bench_core [workload] [repetitions]

#include "harness.hpp"

#include <asyncio.hpp>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/deferred.hpp>
#include <boost/asio/experimental/parallel_group.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <string>
#include <vector>

namespace asio = boost::asio;
using asyncio::awaitable;
using namespace std::chrono_literals;

namespace {

constexpr int spawn_n = 200'000;
constexpr int gather_n = 75'000;
constexpr int gather_yields = 10;
constexpr int wait_for_n = 100'000;

awaitable<int> leaf(int i) {
    co_return i;
}

awaitable<void> adder(int i, long& sum) {
    sum += i;
    co_return;
}

awaitable<void> yielder() {
    auto ex = co_await asio::this_coro::executor;
    for (int i = 0; i < gather_yields; ++i)
        co_await asio::post(ex, asio::deferred);
}

// --- this library ------------------------------------------------------------------

awaitable<long> spawn_asyncio() {
    std::vector<asyncio::task<int>> tasks;
    tasks.reserve(spawn_n);
    for (int i = 0; i < spawn_n; ++i)
        tasks.push_back(co_await asyncio::create_task(leaf(i)));
    long sum = 0;
    for (auto& t : tasks)
        sum += co_await t.wait();
    co_return sum;
}

awaitable<long> task_group_asyncio() {
    long sum = 0;
    co_await asyncio::with_task_group([&](asyncio::task_group& tg) -> awaitable<void> {
        for (int i = 0; i < spawn_n; ++i)
            (void)tg.create_task(adder(i, sum));
        co_return;
    });
    co_return sum;
}

awaitable<long> gather_asyncio() {
    std::vector<awaitable<void>> work;
    work.reserve(gather_n);
    for (int i = 0; i < gather_n; ++i)
        work.push_back(yielder());
    co_await asyncio::gather(std::move(work));
    co_return gather_n;
}

awaitable<long> wait_for_asyncio() {
    long sum = 0;
    for (int i = 0; i < wait_for_n; ++i)
        sum += co_await asyncio::wait_for(leaf(i), 1s);
    co_return sum;
}

// --- raw Asio ------------------------------------------------------------------------

// co_spawns `n` coroutines `make(i)`, each completing with `on_done(args...)`, and
// waits for all of them with a completion counter.
template <class Make, class OnDone>
awaitable<void> spawn_counted(int n, Make make, OnDone on_done) {
    auto ex = co_await asio::this_coro::executor;
    int remaining = n;
    asio::steady_timer done(ex, asio::steady_timer::time_point::max());
    for (int i = 0; i < n; ++i)
        asio::co_spawn(ex, make(i), [&](std::exception_ptr, auto... v) {
            on_done(v...);
            if (--remaining == 0)
                done.cancel();
        });
    try {
        co_await done.async_wait(asio::deferred); // cancelled by the last completion
    } catch (const boost::system::system_error&) {
    }
}

awaitable<long> spawn_raw() {
    long sum = 0;
    co_await spawn_counted(
        spawn_n, [](int i) { return leaf(i); }, [&](int v) { sum += v; });
    co_return sum;
}

awaitable<long> task_group_raw() {
    long sum = 0;
    co_await spawn_counted(
        spawn_n, [&](int i) { return adder(i, sum); }, [] {});
    co_return sum;
}

awaitable<long> gather_raw() {
    auto ex = co_await asio::this_coro::executor;
    using op_type = decltype(asio::co_spawn(ex, yielder(), asio::deferred));
    std::vector<op_type> ops;
    ops.reserve(gather_n);
    for (int i = 0; i < gather_n; ++i)
        ops.push_back(asio::co_spawn(ex, yielder(), asio::deferred));
    auto group = asio::experimental::make_parallel_group(std::move(ops));
    co_await group.async_wait(asio::experimental::wait_for_all(), asio::deferred);
    co_return gather_n;
}

awaitable<long> wait_for_raw() {
    auto ex = co_await asio::this_coro::executor;
    long sum = 0;
    for (int i = 0; i < wait_for_n; ++i) {
        asio::steady_timer timer(ex, 1s);
        auto [order, e, v, ec] =
            co_await asio::experimental::make_parallel_group(
                asio::co_spawn(ex, leaf(i), asio::deferred), timer.async_wait(asio::deferred))
                .async_wait(asio::experimental::wait_for_one(), asio::deferred);
        if (order[0] != 0 || e)
            throw std::runtime_error("timeout");
        sum += v;
    }
    co_return sum;
}

} // namespace

int main(int argc, char** argv) {
    const long spawn_sum = long(spawn_n) * (spawn_n - 1) / 2;
    const long wait_for_sum = long(wait_for_n) * (wait_for_n - 1) / 2;
    return bench::run(argc, argv,
                      {
                          {"spawn", spawn_asyncio, spawn_raw, spawn_sum},
                          {"task_group", task_group_asyncio, task_group_raw, spawn_sum},
                          {"gather", gather_asyncio, gather_raw, gather_n},
                          {"wait_for", wait_for_asyncio, wait_for_raw, wait_for_sum},
                      });
}
