// Copyright (c) 2026 The asyncio for Asio authors.
// Distributed under the Boost Software License, Version 1.0.

// Helpers shared by the tests of the synchronisation primitives and the queues (lock,
// semaphore, acquire_guard, event, condition, barrier, queue). The exception helpers
// (exception_of, is_a, code_of) come from child_probes.hpp.

#ifndef ASYNCIO_TEST_SYNC_UTIL_HPP
#define ASYNCIO_TEST_SYNC_UTIL_HPP

#include "child_probes.hpp"
#include "test_util.hpp"

#include <asyncio/error.hpp>
#include <asyncio/sleep.hpp>
#include <asyncio/task.hpp>
#include <asyncio/timeout.hpp>
#include <asyncio/wait_for.hpp>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/bind_executor.hpp>
#include <boost/asio/cancellation_signal.hpp>
#include <boost/asio/cancellation_type.hpp>
#include <boost/asio/deferred.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/experimental/parallel_group.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/use_future.hpp>

#include <atomic>
#include <chrono>
#include <cstddef>
#include <exception>
#include <mutex>
#include <optional>
#include <thread>
#include <tuple>
#include <type_traits>
#include <utility>
#include <vector>

namespace asyncio::test {

// The names every synchronisation test uses (a test file says `using namespace
// asyncio::test;`).
namespace asio = boost::asio;
using asyncio::awaitable;
using boost::system::error_code;

// --- the loop ----------------------------------------------------------------------

// Lets every ready handler run `rounds` times (waiters reach their wait, posted
// completions run).
inline awaitable<void> settle(int rounds = 3) {
    for (int i = 0; i < rounds; ++i)
        co_await asyncio::sleep(0s);
}

// Polls `pred` every millisecond until it holds or `limit` passes; yields whether it held.
template <class Pred>
awaitable<bool> eventually(Pred pred, std::chrono::milliseconds limit = 5s) {
    const auto deadline = test_clock::now() + limit;
    while (!pred()) {
        if (test_clock::now() >= deadline)
            co_return false;
        co_await asyncio::sleep(1ms);
    }
    co_return true;
}

// A task body that only sets `flag`: created just before an operation that must not
// suspend, it has not run when the operation returns.
inline awaitable<void> set_flag(bool& flag) {
    flag = true;
    co_return;
}

// A task body that calls `f()` after `d` (a release, a set(): something that comes later).
template <class F>
awaitable<void> after(std::chrono::milliseconds d, F f) {
    co_await asyncio::sleep(d);
    f();
}

// A task body that calls `f()` after `turns` turns of the loop: on a single-threaded loop,
// once an operation the test's coroutine started meanwhile waits.
template <class F>
awaitable<void> after_turns(int turns, F f) {
    co_await settle(turns);
    f();
}

// --- how things ended --------------------------------------------------------------

// exception_of for an Asio operation, such as a deferred one (child_probes.hpp's
// overload, the more specialised one, takes the awaitables).
template <class Op>
awaitable<std::exception_ptr> exception_of(Op op) {
    return exception_of(std::move(op)(asio::use_awaitable));
}

// The exception `f()` throws (null if it returns).
template <class F>
std::exception_ptr exception_from(F&& f) {
    try {
        f();
    } catch (...) {
        return std::current_exception();
    }
    return nullptr;
}

// A completion handler bound to `ex` that stores the error code it gets in `out` (and
// drops any value after it).
template <class Executor>
auto store_code(const Executor& ex, std::optional<error_code>& out) {
    return asio::bind_executor(ex, [&out](error_code ec, auto&&...) { out = ec; });
}

// How a set of tasks ended.
struct endings {
    int finished = 0;  // returned
    int cancelled = 0; // threw asyncio::cancelled_error
    int failed = 0;    // threw anything else
};

// Waits for every task of `tasks` and counts how they ended.
inline awaitable<endings> endings_of(const std::vector<asyncio::task<void>>& tasks) {
    endings r;
    for (const auto& t : tasks) {
        const auto e = co_await exception_of(t.wait());
        if (!e)
            ++r.finished;
        else if (is_a<asyncio::cancelled_error>(e))
            ++r.cancelled;
        else
            ++r.failed;
    }
    co_return r;
}

// Runs `worker(i)` for every i in [0, n) as a task and waits for all of them (rethrowing
// the first failure).
template <class Worker>
awaitable<void> run_tasks(int n, Worker worker) {
    std::vector<asyncio::task<void>> all;
    for (int i = 0; i < n; ++i)
        all.push_back(co_await asyncio::create_task(worker(i)));
    for (auto& t : all)
        co_await t.wait();
}

// Starts `n` tasks running `body()` (which must outlive them), then waits until
// `all_waiting()` holds (within 10 s) and checks that it did.
template <class Body, class Pred>
awaitable<std::vector<asyncio::task<void>>> start_tasks_until(int n, Body& body, Pred all_waiting) {
    std::vector<asyncio::task<void>> tasks;
    for (int i = 0; i < n; ++i)
        tasks.push_back(co_await asyncio::create_task(body()));
    const bool in_time = co_await eventually(all_waiting, 10s);
    ASYNCIO_CHECK(in_time);
    co_return tasks;
}

// Starts `body` as a task, then yields until `arrived` (which the task counts itself in
// before it waits) reaches `n`.
inline awaitable<asyncio::task<void>> start_until_arrived(awaitable<void> body,
                                                          const std::atomic<int>& arrived, int n) {
    auto t = co_await asyncio::create_task(std::move(body));
    while (arrived.load() < n)
        co_await asyncio::sleep(0s);
    co_return t;
}

// --- cancellation from elsewhere -----------------------------------------------------

// A task body that cancels `victim` after `turns` turns of the loop.
inline awaitable<void> cancel_after(asyncio::task<void> victim, int turns) {
    co_await settle(turns);
    victim.cancel();
}

// Runs `worker(i)` for every i in [0, n) as a task, each even i raced by a task that
// cancels it after i % 5 turns; waits for all of them and yields how the workers ended.
template <class Worker>
awaitable<endings> run_with_cancellers(int n, Worker worker) {
    std::vector<asyncio::task<void>> workers, cancellers;
    for (int i = 0; i < n; ++i) {
        workers.push_back(co_await asyncio::create_task(worker(i)));
        if (i % 2 == 0)
            cancellers.push_back(
                co_await asyncio::create_task(cancel_after(workers.back(), i % 5)));
    }
    const endings r = co_await endings_of(workers);
    for (auto& t : cancellers)
        co_await t.wait();
    co_return r;
}

// How many of run_with_cancellers(n, ...)'s workers a canceller races.
constexpr int raced_by_cancellers(int n) {
    return (n + 1) / 2;
}

// Starts a thread that cancels tasks[first], tasks[first + 2], ...: cancellations from
// outside the loop, racing whatever it does meanwhile. The caller joins it.
inline std::thread cancel_every_other_from_a_thread(std::vector<asyncio::task<void>>& tasks,
                                                    std::size_t first) {
    return std::thread([&tasks, first] {
        for (std::size_t i = first; i < tasks.size(); i += 2)
            tasks[i].cancel();
    });
}

// --- locks and semaphores ---------------------------------------------------------

// Counts the current holders of a resource and the most ever seen at once.
struct occupancy {
    std::atomic<int> now{0};
    std::atomic<int> peak{0};

    void enter() {
        const int n = ++now;
        int p = peak.load();
        while (n > p && !peak.compare_exchange_weak(p, n)) {
        }
    }

    void leave() { --now; }
};

// Acquires `l` (a lock or a semaphore), appends `id` to `order`, and keeps what it got.
template <class Lockable>
awaitable<void> take_and_keep(Lockable& l, std::vector<int>& order, int id) {
    co_await l.acquire();
    order.push_back(id);
}

// Acquires `l`, appends `id` to `order`, and releases `l` again.
template <class Lockable>
awaitable<void> take_and_record(Lockable& l, std::vector<int>& order, int id) {
    co_await l.acquire();
    order.push_back(id);
    l.release();
}

// --- Asio tokens -------------------------------------------------------------------

// Starts an operation by calling `start(handler)` with a handler bound to this coroutine's
// executor and to a cancellation slot; checks that the operation waits, emits `type`, and
// checks that it completes with operation_aborted (settling `rounds` turns each time).
template <class Start>
awaitable<void> expect_withdrawn_by(asio::cancellation_type_t type, Start start, int rounds = 3) {
    auto ex = co_await asio::this_coro::executor;
    asio::cancellation_signal signal;
    std::optional<error_code> ec;
    start(asio::bind_cancellation_slot(signal.slot(), store_code(ex, ec)));
    co_await settle(rounds);
    BOOST_TEST(!ec.has_value());
    signal.emit(type);
    co_await settle(rounds);
    BOOST_TEST_REQUIRE(ec.has_value());
    BOOST_TEST((*ec == asio::error::operation_aborted));
}

// The completion condition of wait_for_one for make_parallel_group, which also records
// the thread each operation of the group completed on.
struct wait_for_one_recording_threads {
    std::mutex* mutex;
    std::vector<std::thread::id>* threads;

    template <class... Args>
    asio::cancellation_type_t operator()(Args&&...) const {
        std::lock_guard<std::mutex> guard(*mutex);
        threads->push_back(std::this_thread::get_id());
        return asio::cancellation_type::all;
    }
};

// `op` raced against `timer` by make_parallel_group: a deferred operation yielding
// (completion order, op's results..., the timer's error_code) as `condition` decides.
template <class Op, class Condition = asio::experimental::wait_for_one>
auto race_with_timer(Op op, asio::steady_timer& timer, Condition condition = Condition()) {
    return asio::experimental::make_parallel_group(std::move(op), timer.async_wait(asio::deferred))
        .async_wait(condition, asio::deferred);
}

// Races `op` against a timer of `d` in a parallel group and checks that the timer won:
// `op` was withdrawn with operation_aborted.
template <class Op>
awaitable<void> expect_a_timer_to_win_over(Op op, std::chrono::milliseconds d) {
    auto ex = co_await asio::this_coro::executor;
    asio::steady_timer timer(ex, d);
    auto race = race_with_timer(std::move(op), timer);
    const auto result = co_await std::move(race);
    constexpr std::size_t timer_ec = std::tuple_size_v<std::decay_t<decltype(result)>> - 1;
    BOOST_TEST(std::get<0>(result)[0] == 1u); // the completion order: the timer first
    BOOST_TEST((std::get<1>(result) == asio::error::operation_aborted));
    BOOST_TEST(!std::get<timer_ec>(result));
}

// --- scenarios run on both a lock and a semaphore --------------------------------------
//
// The lock and the semaphores share their permit machinery and their contract: these
// are the tests both files make. Each says which permits it expects free at the start
// and leaves at the end; the test then checks the primitive's own state.

// release() then acquire() at once queues behind the two tasks already waiting (no
// barging). One permit free at the start and at the end.
template <class Lockable>
awaitable<void> release_then_reacquire_queues_behind_waiters(Lockable& l) {
    co_await l.acquire();
    std::vector<int> order;
    auto a = co_await asyncio::create_task(take_and_record(l, order, 1));
    auto b = co_await asyncio::create_task(take_and_record(l, order, 2));
    co_await settle();
    l.release();
    co_await l.acquire(); // must not barge ahead of the two waiters
    order.push_back(0);
    BOOST_TEST(order == (std::vector<int>{1, 2, 0}));
    BOOST_TEST(a.done());
    BOOST_TEST(b.done());
    l.release();
}

// Tasks 1 to `tasks` that each release and at once re-acquire, three times, take turns:
// `order` is `expected`. Nothing free at the start; one permit free at the end.
template <class Lockable>
awaitable<void> reacquiring_tasks_take_turns(Lockable& l, int tasks,
                                             const std::vector<int>& expected) {
    std::vector<int> order;
    auto looper = [&](int id) -> awaitable<void> {
        for (int i = 0; i < 3; ++i) {
            co_await l.acquire();
            order.push_back(id);
            l.release(); // then straight back to acquire(): no await in between
        }
    };
    std::vector<asyncio::task<void>> loopers;
    for (int id = 1; id <= tasks; ++id)
        loopers.push_back(co_await asyncio::create_task(looper(id)));
    co_await settle();
    l.release();
    for (auto& t : loopers)
        co_await t.wait();
    BOOST_TEST(order == expected);
}

// try_acquire() fails while a task waits, and still once release() has handed `l` to it
// (before it runs). Nothing free at the start; the waiter holds `l` at the end.
template <class Lockable>
awaitable<void> try_acquire_fails_while_a_task_waits(Lockable& l) {
    std::vector<int> order;
    auto a = co_await asyncio::create_task(take_and_keep(l, order, 1));
    co_await settle();
    BOOST_TEST(!l.try_acquire());
    l.release();
    // It went to the waiter, which has not run yet: nothing is free.
    BOOST_TEST(order.empty());
    BOOST_TEST(!l.try_acquire());
    co_await a.wait();
    BOOST_TEST(order == (std::vector<int>{1}));
    BOOST_TEST(!l.try_acquire());
}

// A waiting async_acquire served by release() keeps what it got when its cancellation
// comes before its handler runs; the next waiter gets it at the next release(). Nothing
// free at the start; the next waiter holds `l` at the end.
template <class Lockable>
awaitable<void> served_async_acquire_keeps_it_when_cancelled(Lockable& l) {
    auto ex = co_await asio::this_coro::executor;
    asio::cancellation_signal signal;
    std::optional<error_code> first, next;
    l.async_acquire(asio::bind_cancellation_slot(signal.slot(), store_code(ex, first)));
    l.async_acquire(store_code(ex, next));
    l.release();                                    // serves `first`; its handler is posted
    signal.emit(asio::cancellation_type::terminal); // too late: it was served
    co_await settle();
    BOOST_TEST((first && !*first));
    BOOST_TEST(!next);
    BOOST_TEST(l.locked());
    l.release(); // what the first handler got goes to `next`
    co_await settle();
    BOOST_TEST((next && !*next));
    BOOST_TEST(l.locked());
}

// A cancelled waiting async_acquire completes with operation_aborted, through its
// executor, and the next waiter gets `l` at the next release(). Nothing free at the
// start; the next waiter holds `l` at the end.
template <class Lockable>
awaitable<void> cancelled_async_acquire_lets_the_next_waiter_have_it(Lockable& l) {
    auto ex = co_await asio::this_coro::executor;
    asio::cancellation_signal signal;
    std::optional<error_code> first, next;
    l.async_acquire(asio::bind_cancellation_slot(signal.slot(), store_code(ex, first)));
    l.async_acquire(store_code(ex, next));
    signal.emit(asio::cancellation_type::terminal);
    BOOST_TEST(!first); // completed through its executor, not inside emit()
    co_await settle();
    BOOST_TEST((first && *first == asio::error::operation_aborted));
    BOOST_TEST(!next);
    l.release();
    co_await settle();
    BOOST_TEST((next && !*next));
    BOOST_TEST(l.locked());
}

// A task waiting under asyncio::timeout gives up, and the task waiting behind it gets
// `l` at the next release(). Nothing free at the start; that task holds `l` at the end.
template <class Lockable>
awaitable<void> timed_out_waiter_lets_the_next_one_have_it(Lockable& l) {
    std::vector<int> order;
    auto impatient = [&]() -> awaitable<void> {
        co_await asyncio::timeout(10ms, l.acquire());
        order.push_back(1);
    };
    auto a = co_await asyncio::create_task(impatient());
    auto b = co_await asyncio::create_task(take_and_keep(l, order, 2));
    BOOST_CHECK_THROW(co_await a.wait(), asyncio::timeout_error);
    BOOST_TEST(!b.done());
    l.release();
    co_await b.wait();
    BOOST_TEST(order == (std::vector<int>{2}));
}

// asyncio::wait_for around async_acquire's deferred operation completes when a permit is
// free and times out when none is. One permit free at the start; held at the end.
template <class Lockable>
awaitable<void> wait_for_around_a_deferred_acquire(Lockable& l) {
    co_await asyncio::wait_for(l.async_acquire(), 1s); // free: completes
    BOOST_TEST(l.locked());
    BOOST_CHECK_THROW(co_await asyncio::wait_for(l.async_acquire(asio::deferred), 10ms),
                      asyncio::timeout_error);
    BOOST_TEST(l.locked());
}

// async_acquire(as_tuple(deferred)) reports success, and a cancelled wait's
// operation_aborted, through its error code. One permit free at the start; held at the end.
template <class Lockable>
awaitable<void> as_tuple_acquire_reports_the_code(Lockable& l) {
    auto free_op = l.async_acquire(asio::as_tuple(asio::deferred));
    auto [ok] = co_await std::move(free_op)(asio::use_awaitable);
    BOOST_TEST(!ok);
    BOOST_TEST(l.locked());

    // A cancelled wait reports operation_aborted instead of throwing.
    std::optional<error_code> seen;
    auto waiter = [&]() -> awaitable<void> {
        auto op = l.async_acquire(asio::as_tuple(asio::deferred));
        auto [ec] = co_await std::move(op)(asio::use_awaitable);
        seen = ec;
    };
    auto t = co_await asyncio::create_task(waiter());
    co_await settle();
    BOOST_TEST(!seen);
    t.cancel();
    co_await exception_of(t.wait()); // returned or cancelled: its body saw the code
    BOOST_TEST((seen && *seen == asio::error::operation_aborted));
}

// An async_acquire bound to the loop's executor, raced against a timer in a parallel
// group, loses and is withdrawn; both operations complete on the loop thread. Nothing
// free at the start or at the end.
template <class Lockable>
awaitable<void> bound_acquire_loses_a_race_with_a_timer(Lockable& l) {
    auto ex = co_await asio::this_coro::executor;
    const auto loop_thread = std::this_thread::get_id();
    asio::steady_timer timer(ex, 10ms);
    std::mutex m;
    std::vector<std::thread::id> threads;
    auto race = race_with_timer(asio::bind_executor(ex, l.async_acquire(asio::deferred)), timer,
                                wait_for_one_recording_threads{&m, &threads});
    auto [order, acquire_ec, timer_ec] = co_await std::move(race);
    BOOST_TEST(order[0] == 1u); // the timer won
    BOOST_TEST((acquire_ec == asio::error::operation_aborted));
    BOOST_TEST(!timer_ec);
    BOOST_TEST(threads.size() == 2u);
    for (const auto& id : threads)
        BOOST_TEST((id == loop_thread));
}

// An async_acquire bound to the loop's executor, raced against a one-hour timer in a
// parallel group, wins as soon as a permit is free, and the timer is cancelled. The
// winner holds `l` at the end.
template <class Lockable>
awaitable<void> bound_acquire_wins_a_race_with_a_timer(Lockable& l) {
    auto ex = co_await asio::this_coro::executor;
    asio::steady_timer timer(ex, 1h);
    auto race = race_with_timer(asio::bind_executor(ex, l.async_acquire(asio::deferred)), timer);
    auto [order, acquire_ec, timer_ec] = co_await std::move(race);
    BOOST_TEST(order[0] == 0u);
    BOOST_TEST(!acquire_ec);
    BOOST_TEST((timer_ec == asio::error::operation_aborted));
}

// From this thread, outside any loop, async_acquire(use_future) waits until a task on a
// raw io_context, run on its own thread, releases `l` after 20 ms; then `more()` runs
// while that loop still runs. Nothing free at the start; held by this thread at the end.
// Yields whether the releasing task ended.
template <class Lockable, class More>
bool use_future_acquire_from_outside_the_loop(Lockable& l, More more) {
    asio::io_context ctx;
    auto work = asio::make_work_guard(ctx);
    std::atomic<bool> released{false};
    auto release = [&] {
        released = true;
        l.release();
    };
    // Stays timed: were the release made on a signal from this thread once it called
    // async_acquire, it would race an acquire that completes by mistake without waiting;
    // the 20 ms let such a completion come first, where `released` shows it.
    auto t = asyncio::create_task(ctx, after(20ms, release));
    std::thread loop([&] { ctx.run(); });
    {
        watchdog dog;
        auto fut = l.async_acquire(asio::use_future);
        fut.get(); // throws if the acquire failed
        BOOST_TEST(released.load());
        BOOST_TEST(l.locked());
        more();
    }
    work.reset();
    loop.join();
    return t.done();
}

// Worker `i` of the four-thread tests: `rounds` times acquires `l`, counts itself in
// `occ` and calls on_hold(), holds `l` across a suspension in every third round, counts
// itself out and calls release(), and yields every other round.
template <class Lockable, class OnHold, class Release>
awaitable<void> hold_rounds(Lockable& l, int i, int rounds, occupancy& occ, OnHold on_hold,
                            Release release) {
    for (int r = 0; r < rounds; ++r) {
        co_await l.acquire();
        occ.enter();
        on_hold();
        if ((i + r) % 3 == 0)
            co_await asyncio::sleep(0s); // hold it across a suspension
        occ.leave();
        release();
        if (r % 2 == 1)
            co_await asyncio::sleep(0s);
    }
}

// What hold_racing_timeouts counts.
struct hold_counts {
    occupancy occ;
    std::atomic<int> acquired{0}, released{0}, timed_out{0};
};

// Worker `i` of the four-thread tests racing timeouts and cancellations against
// hand-overs: `rounds` times acquires `l` (when i + r is even under asyncio::wait_for with
// a 1 to 300 µs limit, counting a timeout and skipping the round), counts itself in and
// calls on_hold(), holds `l` across a suspension where a cancellation may strike, counts
// itself out and calls release(), then rethrows that cancellation.
template <class Lockable, class OnHold, class Release>
awaitable<void> hold_racing_timeouts(Lockable& l, int i, int rounds, hold_counts& c, OnHold on_hold,
                                     Release release) {
    for (int r = 0; r < rounds; ++r) {
        if ((i + r) % 2 == 0) {
            auto w = asyncio::wait_for(l.acquire(),
                                       std::chrono::microseconds((i * 7 + r * 13) % 300 + 1));
            bool got = false;
            try {
                co_await std::move(w);
                got = true;
            } catch (const asyncio::timeout_error&) {
                ++c.timed_out;
            }
            if (!got)
                continue;
        } else {
            co_await l.acquire();
        }
        ++c.acquired;
        c.occ.enter();
        on_hold();
        // Caught here, not through exception_of(): a cancellation already pending throws
        // at the co_await itself, and `l` must be released first.
        std::exception_ptr e;
        try {
            co_await asyncio::sleep(0s);
        } catch (...) {
            e = std::current_exception();
        }
        c.occ.leave();
        ++c.released;
        release();
        if (e)
            std::rethrow_exception(e);
    }
}

// Runs `n` hold_racing_timeouts workers, each even one raced by a canceller
// (run_with_cancellers), and checks that no worker failed but by a cancellation, that
// every worker nobody cancelled finished, and that every acquisition was released.
template <class Lockable, class OnHold, class Release>
awaitable<void> hold_racing_timeouts_and_cancellations(Lockable& l, int n, int rounds,
                                                       hold_counts& c, OnHold on_hold,
                                                       Release release) {
    auto worker = [&](int i) { return hold_racing_timeouts(l, i, rounds, c, on_hold, release); };
    const auto ended = co_await run_with_cancellers(n, worker);
    ASYNCIO_CHECK_EQUAL(ended.finished + ended.cancelled, n); // no other failure
    ASYNCIO_CHECK(ended.finished >= n - raced_by_cancellers(n));
    ASYNCIO_CHECK_EQUAL(c.acquired.load(), c.released.load());
    BOOST_TEST_MESSAGE("acquired " << c.acquired.load() << ", timed out " << c.timed_out.load()
                                   << ", cancelled tasks " << ended.cancelled);
}

} // namespace asyncio::test

#endif // ASYNCIO_TEST_SYNC_UTIL_HPP
