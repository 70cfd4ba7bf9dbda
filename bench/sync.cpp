// Copyright (c) 2026 The asyncio for Asio authors.
// Distributed under the Boost Software License, Version 1.0.

// The synchronisation primitives, with this library and with the best hand-written
// raw Asio:
//   semaphore - N tasks contend on a semaphore(10): acquire, yield once, release.
//               Raw Asio: an experimental::channel used as a token bucket.
//   queue     - one producer and one consumer move N ints through a queue(100).
//               Raw Asio: an experimental::channel, trying try_send/try_receive
//               before the asynchronous call.
//   queue_try_first - the same, with this library's try_put/try_get before put/get,
//               as the raw Asio version does.
//   event     - W waiters woken by each set(), R rounds.
//               Raw Asio: a flag plus a timer that never expires, cancelled to wake.
// Prints one line per workload and implementation: "<workload> <impl> <seconds>".
// Usage: bench_sync [workload] [repetitions]

#include "harness.hpp"

#include <asyncio.hpp>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/deferred.hpp>
#include <boost/asio/experimental/channel.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace asio = boost::asio;
using asyncio::awaitable;
using namespace std::chrono_literals;

namespace {

constexpr int semaphore_tasks = 100'000;
constexpr int semaphore_permits = 10;
constexpr int queue_items = 1'500'000;
constexpr int queue_size = 100;
constexpr int event_waiters = 1000;
constexpr int event_rounds = 1000;

// Spawns `n` coroutines made by `make()` and waits for them all: both versions of a
// workload start their tasks this way, so the ratio measures the primitive alone.
template <class Make>
awaitable<void> spawn_all(int n, Make make) {
    auto ex = co_await asio::this_coro::executor;
    int remaining = n;
    asio::steady_timer all_done(ex, asio::steady_timer::time_point::max());
    for (int i = 0; i < n; ++i)
        asio::co_spawn(ex, make(), [&](std::exception_ptr e) {
            if (e)
                std::rethrow_exception(e);
            if (--remaining == 0)
                all_done.cancel();
        });
    co_await all_done.async_wait(asio::as_tuple(asio::deferred));
}

// Spawns `n` coroutines made by `many()` and one made by `last()`; waits for them all.
template <class Many, class Last>
awaitable<void> spawn_all(int n, Many many, Last last) {
    int spawned = 0;
    auto make = [&] {
        if (spawned++ < n)
            return many();
        return last();
    };
    co_await spawn_all(n + 1, make);
}

// --- this library ------------------------------------------------------------------

awaitable<long> semaphore_asyncio() {
    asyncio::semaphore sem(semaphore_permits);
    long done = 0;
    auto worker = [&]() -> awaitable<void> {
        auto guard = co_await sem.scoped_acquire();
        co_await asyncio::sleep(0s);
        ++done;
    };
    co_await spawn_all(semaphore_tasks, worker);
    co_return done;
}

awaitable<long> queue_asyncio() {
    asyncio::queue<int> q(queue_size);
    long sum = 0;
    auto producer = [&]() -> awaitable<void> {
        for (int i = 0; i < queue_items; ++i)
            co_await q.put(i);
    };
    auto consumer = [&]() -> awaitable<void> {
        for (int i = 0; i < queue_items; ++i)
            sum += co_await q.get();
    };
    co_await spawn_all(1, producer, consumer);
    co_return sum;
}

// The same loop written like the raw Asio one: try first, wait only when needed.
awaitable<long> queue_try_first_asyncio() {
    asyncio::queue<int> q(queue_size);
    long sum = 0;
    auto producer = [&]() -> awaitable<void> {
        for (int i = 0; i < queue_items; ++i)
            if (int v = i; !q.try_put(std::move(v)))
                co_await q.put(i);
    };
    auto consumer = [&]() -> awaitable<void> {
        for (int i = 0; i < queue_items; ++i) {
            std::optional<int> v = q.try_get();
            if (v)
                sum += *v;
            else
                sum += co_await q.get();
        }
    };
    co_await spawn_all(1, producer, consumer);
    co_return sum;
}

// The event workload over any event type with wait() and set(): `make()` creates
// one, `yield()` lets every ready handler run once.
template <class Make, class Yield>
awaitable<long> event_rounds_of(Make make, Yield yield) {
    std::vector<decltype(make())> go, round_done;
    for (int r = 0; r < event_rounds; ++r) {
        go.push_back(make());
        round_done.push_back(make());
    }
    long woken = 0;
    int arrived = 0;
    auto waiter = [&]() -> awaitable<void> {
        for (int r = 0; r < event_rounds; ++r) {
            co_await go[r]->wait();
            ++woken;
            if (++arrived == event_waiters) {
                arrived = 0;
                round_done[r]->set();
            }
        }
    };
    auto setter = [&]() -> awaitable<void> {
        co_await yield(); // every waiter is waiting on round 0
        for (int r = 0; r < event_rounds; ++r) {
            go[r]->set();
            co_await round_done[r]->wait();
        }
    };
    co_await spawn_all(event_waiters, waiter, setter);
    co_return woken;
}

awaitable<long> event_asyncio() {
    co_return co_await event_rounds_of([] { return std::make_unique<asyncio::event>(); },
                                       [] { return asyncio::sleep(0s); });
}

// --- raw Asio ------------------------------------------------------------------------

awaitable<long> semaphore_raw() {
    auto ex = co_await asio::this_coro::executor;
    // A token bucket: sending a token takes a permit, receiving one gives it back.
    asio::experimental::channel<void(boost::system::error_code)> bucket(ex, semaphore_permits);
    long done = 0;
    auto worker = [&]() -> awaitable<void> {
        if (!bucket.try_send(boost::system::error_code()))
            co_await bucket.async_send(boost::system::error_code(), asio::deferred);
        co_await asio::post(ex, asio::deferred);
        ++done;
        bucket.try_receive([](boost::system::error_code) {});
    };
    co_await spawn_all(semaphore_tasks, worker);
    co_return done;
}

awaitable<long> queue_raw() {
    auto ex = co_await asio::this_coro::executor;
    asio::experimental::channel<void(boost::system::error_code, int)> ch(ex, queue_size);
    long sum = 0;
    auto producer = [&]() -> awaitable<void> {
        for (int i = 0; i < queue_items; ++i)
            if (!ch.try_send(boost::system::error_code(), i))
                co_await ch.async_send(boost::system::error_code(), i, asio::deferred);
    };
    auto consumer = [&]() -> awaitable<void> {
        for (int i = 0; i < queue_items; ++i) {
            int v = 0;
            if (!ch.try_receive([&](boost::system::error_code, int x) { v = x; }))
                v = co_await ch.async_receive(asio::deferred);
            sum += v;
        }
    };
    co_await spawn_all(1, producer, consumer);
    co_return sum;
}

// A flag plus a timer that never expires: waiting waits on the timer unless the flag
// is set; setting cancels the timer.
struct raw_event {
    explicit raw_event(const asio::any_io_executor& ex)
        : timer(ex, asio::steady_timer::time_point::max()) {}

    awaitable<void> wait() {
        if (!is_set)
            co_await timer.async_wait(asio::as_tuple(asio::deferred));
    }

    void set() {
        is_set = true;
        timer.cancel();
    }

    bool is_set = false;
    asio::steady_timer timer;
};

awaitable<long> event_raw() {
    auto ex = co_await asio::this_coro::executor;
    co_return co_await event_rounds_of([&] { return std::make_unique<raw_event>(ex); },
                                       [&] { return asio::post(ex, asio::deferred); });
}

} // namespace

int main(int argc, char** argv) {
    return bench::run(
        argc, argv,
        {
            {"semaphore", semaphore_asyncio, semaphore_raw, semaphore_tasks},
            {"queue", queue_asyncio, queue_raw, long(queue_items) * (queue_items - 1) / 2},
            {"queue_try_first", queue_try_first_asyncio, queue_raw,
             long(queue_items) * (queue_items - 1) / 2},
            {"event", event_asyncio, event_raw, long(event_waiters) * event_rounds},
        });
}
