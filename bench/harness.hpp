// Copyright (c) 2026 The asyncio for Asio authors.
// Distributed under the Boost Software License, Version 1.0.

// What every benchmark program shares: timing a workload with this library (on
// asyncio::run) and with raw Asio (on a bare io_context), and the command line
// "bench_<suite> [workload] [repetitions]" that prints "<workload> <impl> <seconds>".

#ifndef ASYNCIO_BENCH_HARNESS_HPP
#define ASYNCIO_BENCH_HARNESS_HPP

#include <asyncio.hpp>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <functional>
#include <initializer_list>
#include <stdexcept>
#include <string>

namespace bench {

using asyncio::awaitable;

// One workload: both versions must yield `expected`.
struct workload {
    const char* name;
    std::function<awaitable<long>()> asyncio_version, raw_version;
    long expected;
};

// Seconds taken by `body()`, which returns the workload's result.
template <class Body>
double timed(Body body, long expected) {
    const auto start = std::chrono::steady_clock::now();
    const long result = body();
    const double s =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    if (result != expected)
        throw std::runtime_error("wrong result");
    return s;
}

inline double time_on_raw_loop(const std::function<awaitable<long>()>& make, long expected) {
    return timed(
        [&] {
            boost::asio::io_context ctx(1);
            long result = 0;
            boost::asio::co_spawn(ctx, make(), [&](std::exception_ptr e, long r) {
                if (e)
                    std::rethrow_exception(e);
                result = r;
            });
            ctx.run();
            return result;
        },
        expected);
}

inline double time_on_asyncio(const std::function<awaitable<long>()>& make, long expected) {
    return timed([&] { return asyncio::run(make()); }, expected);
}

// The main() of a benchmark program: runs the selected workloads, interleaving the
// two versions, `repetitions` times each.
// Usage: <program> [workload|all] [repetitions] [asyncio|raw_asio|both]
inline int run(int argc, char** argv, std::initializer_list<workload> workloads) {
    const std::string only = argc > 1 ? argv[1] : "all";
    const int reps = argc > 2 ? std::atoi(argv[2]) : 5;
    const std::string impl = argc > 3 ? argv[3] : "both"; // asyncio, raw_asio or both
    for (const auto& w : workloads) {
        if (only != "all" && only != w.name)
            continue;
        for (int r = 0; r < reps; ++r) {
            if (impl != "raw_asio")
                std::printf("%s asyncio %.6f\n", w.name,
                            time_on_asyncio(w.asyncio_version, w.expected));
            if (impl != "asyncio")
                std::printf("%s raw_asio %.6f\n", w.name,
                            time_on_raw_loop(w.raw_version, w.expected));
            std::fflush(stdout);
        }
    }
    return 0;
}

} // namespace bench

#endif // ASYNCIO_BENCH_HARNESS_HPP
