// Copyright (c) 2026 The asyncio for Asio authors.
// Distributed under the Boost Software License, Version 1.0.

// Memory per live task: N tasks are started and left suspended on one shared timer;
// the growth of the heap while starting them, divided by N, is what a
// live task costs. With this library (create_task) and with
// raw Asio (co_spawn with a completion handler), both on a single-threaded loop. Prints "<workload>
// <impl> <bytes>". Usage: bench_memory [workload] [tasks]

#include <asyncio.hpp>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/deferred.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>

#include <cstdio>
#include <cstdlib>
#include <malloc.h>
#include <string>
#include <vector>

namespace {

// Bytes in use on the heap (glibc), malloc's own overhead included: Asio allocates its
// coroutine frames with aligned_alloc, not operator new.
std::size_t heap_in_use() {
    return mallinfo2().uordblks;
}

} // namespace

namespace {

namespace asio = boost::asio;
using asyncio::awaitable;

// What every task does: wait on the shared timer until it is cancelled.
awaitable<void> parked(asio::steady_timer& gate) {
    try {
        co_await gate.async_wait(asio::deferred);
    } catch (const boost::system::system_error&) {
    }
}

// Runs the loop until every task is parked, measures, then releases them.
template <class Start>
double per_task(int n, Start start) {
    asio::io_context ctx(1);
    asio::steady_timer gate(ctx, asio::steady_timer::time_point::max());
    std::size_t before = 0, after = 0;
    auto measure = [&]() -> awaitable<void> {
        before = heap_in_use();
        co_await start(ctx, gate, n);
        // Let every task start and park (each needs a few turns of the loop).
        for (int i = 0; i < 8; ++i)
            co_await asio::post(ctx, asio::deferred);
        after = heap_in_use();
        gate.cancel();
    };
    asio::co_spawn(ctx, measure(), [](std::exception_ptr e) {
        if (e)
            std::rethrow_exception(e);
    });
    ctx.run();
    return double(after - before) / n;
}

awaitable<void> start_raw(asio::io_context& ctx, asio::steady_timer& gate, int n) {
    for (int i = 0; i < n; ++i)
        asio::co_spawn(ctx, parked(gate), [](std::exception_ptr) {});
    co_return;
}

std::vector<asyncio::task<void>> handles;

awaitable<void> start_create_task(asio::io_context& ctx, asio::steady_timer& gate, int n) {
    for (int i = 0; i < n; ++i)
        handles.push_back(asyncio::create_task(ctx, parked(gate)));
    co_return;
}

} // namespace

int main(int argc, char** argv) {
    const std::string only = argc > 1 ? argv[1] : "all";
    const int n = argc > 2 ? std::atoi(argv[2]) : 20000;
    handles.reserve(n);
    if (only == "all" || only == "memory_per_task") {
        std::printf("memory_per_task raw_asio %.0f\n", per_task(n, start_raw));
        std::printf("memory_per_task asyncio %.0f\n", per_task(n, start_create_task));
        handles.clear();
    }
    return 0;
}
