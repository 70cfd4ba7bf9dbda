// Copyright (c) 2026 The asyncio for Asio authors.
// Distributed under the Boost Software License, Version 1.0.

// The subprocesses, with this library and with hand-written Asio over Boost.Process v2
// (its default launcher and process handle, the way an Asio user starts children
// today):
//   spawn_wait - 400 runs of /bin/true, 10 at a time, each awaited: the cost of a start,
//                a reap and the wake-up.
//   cat_pipe   - 8 MiB through `cat`, 4 children at once: written to stdin while read
//                back from stdout (communicate()).
// Prints one line per workload and implementation: "<workload> <impl> <seconds>".
// Usage: bench_processes [workload] [repetitions] [asyncio|raw_asio]

#define BOOST_PROCESS_USE_STD_FS 1
#include <boost/optional.hpp>
#include <boost/type_traits/is_constructible.hpp>
#include <boost/type_traits/remove_pointer.hpp>

#include "harness.hpp"

#include <asyncio.hpp>
#include <asyncio/subprocess.hpp>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/deferred.hpp>
#include <boost/asio/experimental/parallel_group.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/readable_pipe.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/writable_pipe.hpp>
#include <boost/asio/write.hpp>
#include <boost/process/v2/process.hpp>
#include <boost/process/v2/stdio.hpp>

#include <string>
#include <vector>

namespace asio = boost::asio;
namespace bp = boost::process::v2;
using asyncio::awaitable;

namespace {

constexpr int spawns = 400;
constexpr int at_once = 10;
constexpr int cats = 4;
constexpr std::size_t cat_bytes = 8 << 20;

// --- this library ------------------------------------------------------------------

awaitable<long> true_asyncio() {
    asyncio::process p = co_await asyncio::create_subprocess_exec("/bin/true");
    co_return co_await p.wait() == 0 ? 1 : 0;
}

awaitable<long> spawn_wait_asyncio() {
    long ok = 0;
    for (int done = 0; done < spawns; done += at_once) {
        std::vector<awaitable<long>> batch;
        for (int i = 0; i < at_once; ++i)
            batch.push_back(true_asyncio());
        auto all = asyncio::gather(std::move(batch));
        for (long r : co_await std::move(all))
            ok += r;
    }
    co_return ok;
}

awaitable<long> cat_asyncio(const std::string& input) {
    std::vector<std::string> args{"-"};
    asyncio::subprocess_options opts{.stdin_ = asyncio::pipe, .stdout_ = asyncio::pipe};
    asyncio::process p = co_await asyncio::create_subprocess_exec("/bin/cat", args, opts);
    auto [out, err] = co_await p.communicate(input);
    co_return out == input ? static_cast<long>(out.size()) : 0;
}

awaitable<long> cat_pipe_asyncio() {
    const std::string input(cat_bytes, 'c');
    std::vector<awaitable<long>> children;
    for (int i = 0; i < cats; ++i)
        children.push_back(cat_asyncio(input));
    auto all = asyncio::gather(std::move(children));
    long total = 0;
    for (long r : co_await std::move(all))
        total += r;
    co_return total;
}

// --- raw Asio over Boost.Process v2 ----------------------------------------------------

awaitable<long> true_raw() {
    auto ex = co_await asio::this_coro::executor;
    bp::process p(ex, "/bin/true", std::vector<std::string>{});
    const int code = co_await p.async_wait(asio::deferred);
    co_return code == 0 ? 1 : 0;
}

awaitable<long> spawn_wait_raw() {
    auto ex = co_await asio::this_coro::executor;
    long ok = 0;
    for (int done = 0; done < spawns; done += at_once) {
        using op_type = decltype(asio::co_spawn(ex, true_raw(), asio::deferred));
        std::vector<op_type> batch;
        for (int i = 0; i < at_once; ++i)
            batch.push_back(asio::co_spawn(ex, true_raw(), asio::deferred));
        auto group = asio::experimental::make_parallel_group(std::move(batch));
        auto [order, errors, results] =
            co_await group.async_wait(asio::experimental::wait_for_all(), asio::deferred);
        for (std::size_t i = 0; i < results.size(); ++i) {
            if (errors[i])
                std::rethrow_exception(errors[i]);
            ok += results[i];
        }
    }
    co_return ok;
}

awaitable<void> feed_raw(asio::writable_pipe& in, const std::string& input) {
    co_await asio::async_write(in, asio::buffer(input), asio::deferred);
    in.close();
}

awaitable<std::string> drain_raw(asio::readable_pipe& out) {
    std::string data;
    auto [ec, n] =
        co_await asio::async_read(out, asio::dynamic_buffer(data), asio::as_tuple(asio::deferred));
    (void)n;
    if (ec && ec != asio::error::eof)
        throw boost::system::system_error(ec);
    co_return data;
}

awaitable<long> cat_raw(const std::string& input) {
    auto ex = co_await asio::this_coro::executor;
    asio::writable_pipe in(ex);
    asio::readable_pipe out(ex);
    bp::process p(ex, "/bin/cat", std::vector<std::string>{"-"}, bp::process_stdio{in, out, {}});
    auto group = asio::experimental::make_parallel_group(
        asio::co_spawn(ex, feed_raw(in, input), asio::deferred),
        asio::co_spawn(ex, drain_raw(out), asio::deferred));
    auto [order, e1, e2, data] =
        co_await group.async_wait(asio::experimental::wait_for_all(), asio::deferred);
    if (e1)
        std::rethrow_exception(e1);
    if (e2)
        std::rethrow_exception(e2);
    co_await p.async_wait(asio::deferred);
    co_return data == input ? static_cast<long>(data.size()) : 0;
}

awaitable<long> cat_pipe_raw() {
    auto ex = co_await asio::this_coro::executor;
    const std::string input(cat_bytes, 'c');
    using op_type = decltype(asio::co_spawn(ex, cat_raw(input), asio::deferred));
    std::vector<op_type> children;
    for (int i = 0; i < cats; ++i)
        children.push_back(asio::co_spawn(ex, cat_raw(input), asio::deferred));
    auto group = asio::experimental::make_parallel_group(std::move(children));
    auto [order, errors, results] =
        co_await group.async_wait(asio::experimental::wait_for_all(), asio::deferred);
    long total = 0;
    for (std::size_t i = 0; i < results.size(); ++i) {
        if (errors[i])
            std::rethrow_exception(errors[i]);
        total += results[i];
    }
    co_return total;
}

} // namespace

int main(int argc, char** argv) {
    return bench::run(argc, argv,
                      {
                          {"spawn_wait", spawn_wait_asyncio, spawn_wait_raw, spawns},
                          {"cat_pipe", cat_pipe_asyncio, cat_pipe_raw, long(cats) * cat_bytes},
                      });
}
