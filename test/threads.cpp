// Copyright (c) 2026 The asyncio for Asio authors.
// Distributed under the Boost Software License, Version 1.0.

#include <asyncio/threads.hpp>

#include "test_util.hpp"

#include "sync_util.hpp"

#include <asyncio/error.hpp>
#include <asyncio/run.hpp>
#include <asyncio/sleep.hpp>
#include <asyncio/task.hpp>
#include <asyncio/wait_for.hpp>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/thread_pool.hpp>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <future>
#include <latch>
#include <memory>
#include <stdexcept>
#include <string>
#include <thread>
#include <utility>
#include <vector>

namespace {

using namespace asyncio::test;

// A function for a pool thread that blocks until the test opens its gate (at most 5 s, so
// that a failing test cannot hang the join of the pool), and records that it ran to its end.
struct blocked_call {
    std::promise<void> gate;
    std::shared_future<void> opened = gate.get_future().share();
    std::atomic<bool> started{false};
    std::atomic<bool> finished{false};
    std::promise<void> done;
    std::future<void> done_future = done.get_future();

    // The function's body: yields `value` once the gate is open.
    int run(int value) {
        started = true;
        opened.wait_for(5s);
        finished = true;
        done.set_value();
        return value;
    }

    void open() { gate.set_value(); }

    // Waits (blocking) until run() has ended; whether it did within 5 s.
    bool ended_in_time() { return done_future.wait_for(5s) == std::future_status::ready; }
};

// Yields once `flag` holds (within 5 s); whether it did.
awaitable<bool> became_set(const std::atomic<bool>& flag) {
    auto pred = [&flag] { return flag.load(); };
    auto op = eventually(pred);
    co_return co_await std::move(op);
}

// Counts down `l` and waits for the other parties (at most 5 s, so that functions run one
// at a time fail instead of deadlocking); whether every party arrived.
bool meet(std::latch& l) {
    l.count_down();
    const auto deadline = test_clock::now() + 5s;
    while (!l.try_wait() && test_clock::now() < deadline)
        std::this_thread::sleep_for(1ms);
    return l.try_wait();
}

// An io_context run by a thread of its own, kept running by a work guard until finish().
struct loop_thread {
    asio::io_context ctx;
    asio::executor_work_guard<asio::io_context::executor_type> work = asio::make_work_guard(ctx);
    std::thread thread{[this] { ctx.run(); }};

    // Lets the loop run out of work and joins its thread.
    void finish() {
        work.reset();
        if (thread.joinable())
            thread.join();
    }

    // Stops the loop where it is (tasks left suspended) and joins its thread.
    void stop() {
        ctx.stop();
        if (thread.joinable())
            thread.join();
    }

    ~loop_thread() { stop(); }
};

awaitable<int> value_after(int v, std::chrono::milliseconds d) {
    co_await asyncio::sleep(d);
    co_return v;
}

awaitable<std::thread::id> thread_it_runs_on() {
    co_await asyncio::sleep(1ms);
    co_return std::this_thread::get_id();
}

awaitable<int> fail_after(std::chrono::milliseconds d) {
    co_await asyncio::sleep(d);
    throw std::runtime_error("coroutine failed");
}

awaitable<void> set_after(std::atomic<bool>& flag, std::chrono::milliseconds d) {
    co_await asyncio::sleep(d);
    flag = true;
}

awaitable<int> never_ends() {
    co_await asyncio::sleep(1h);
    co_return -1;
}

// A value that counts its destruction.
struct tracked {
    int value;
    std::atomic<int>& destroyed;
    tracked(int v, std::atomic<int>& d) : value(v), destroyed(d) {}
    tracked(const tracked&) = delete;
    tracked& operator=(const tracked&) = delete;
    ~tracked() { ++destroyed; }
};

bool is_broken_promise(const std::future_error& e) {
    return e.code() == std::future_errc::broken_promise;
}

bool is_cancelled_error(const asyncio::cancelled_error& e) {
    return e.code() == asio::error::operation_aborted;
}

// Awaits `op`, a wait_for around a function blocked on `call`: it times out at once while
// the function is still blocked, and the function then runs to its end all the same.
template <class Op>
awaitable<void> expect_timeout_while_blocked(Op op, blocked_call& call) {
    stopwatch sw;
    const auto e = co_await exception_of(std::move(op));
    BOOST_TEST(is_timeout(e));
    BOOST_TEST(sw.seconds() < 1.0);
    BOOST_TEST(!call.finished.load());
    call.open();
    BOOST_TEST(call.ended_in_time());
    BOOST_TEST(call.finished.load());
}

} // namespace

BOOST_AUTO_TEST_SUITE(threads)

// --- default_thread_pool_size ---------------------------------------------------------

BOOST_AUTO_TEST_CASE(default_thread_pool_size_is_min_of_32_and_hardware_threads_plus_4) {
    const std::size_t hardware = std::max(1u, std::thread::hardware_concurrency());
    BOOST_TEST(asyncio::default_thread_pool_size() == std::min<std::size_t>(32, hardware + 4));
    BOOST_TEST(asyncio::default_thread_pool_size() >= 5u);
    BOOST_TEST(asyncio::default_thread_pool_size() <= 32u);
}

// --- to_thread ------------------------------------------------------------------------

ASYNCIO_TEST_CASE(to_thread_yields_the_function_value) {
    auto fn = [] { return 42; };
    auto op = asyncio::to_thread(fn);
    BOOST_TEST(co_await std::move(op) == 42);
}

ASYNCIO_TEST_CASE(to_thread_runs_the_function_on_another_thread_and_resumes_on_the_loop) {
    const auto loop_thread_id = std::this_thread::get_id();
    auto fn = [] { return std::this_thread::get_id(); };
    auto op = asyncio::to_thread(fn);
    const auto worker = co_await std::move(op);
    BOOST_TEST((worker != loop_thread_id));
    BOOST_TEST((std::this_thread::get_id() == loop_thread_id));
}

ASYNCIO_TEST_CASE(to_thread_passes_copies_of_lvalue_arguments) {
    std::string s = "abc";
    const int n = 3;
    auto fn = [](std::string& x, int k) {
        x += "!!"; // changes the copy only
        return static_cast<int>(x.size()) + k;
    };
    auto op = asyncio::to_thread(fn, s, n);
    BOOST_TEST(co_await std::move(op) == 8);
    BOOST_TEST(s == "abc");
}

ASYNCIO_TEST_CASE(to_thread_moves_a_move_only_argument_to_the_function) {
    auto fn = [](std::unique_ptr<int>& q) { return *q * 2; };
    auto p = std::make_unique<int>(21);
    auto op = asyncio::to_thread(fn, std::move(p));
    BOOST_TEST(co_await std::move(op) == 42);
    BOOST_TEST(!p); // moved from
}

// Library bug (reported): to_thread is a coroutine whose parameters are forwarding
// references, so it takes `fn` and `args` only when first awaited. An awaitable kept in
// a variable (as g++ 12 needs around lambdas) then refers to temporaries that are gone:
// `auto op = to_thread([&x] { ... }); co_await std::move(op);` reads a dead lambda.
// run_in_executor, which decays its function at the call, does not have the problem.
ASYNCIO_TEST_CASE(to_thread_takes_its_arguments_at_the_call_not_when_awaited) {
    auto fn = [](std::unique_ptr<int>& q) { return *q; };
    auto p = std::make_unique<int>(1);
    auto op = asyncio::to_thread(fn, std::move(p));
    BOOST_TEST(!p); // fails: still owned here until the awaitable first runs
    BOOST_TEST(co_await std::move(op) == 1);
}

ASYNCIO_TEST_CASE(to_thread_accepts_a_move_only_function_and_yields_a_move_only_result) {
    auto fn = [p = std::make_unique<int>(7)]() mutable { return std::move(p); };
    auto op = asyncio::to_thread(std::move(fn));
    const std::unique_ptr<int> r = co_await std::move(op);
    BOOST_TEST_REQUIRE(r != nullptr);
    BOOST_TEST(*r == 7);
}

ASYNCIO_TEST_CASE(to_thread_rethrows_the_function_exception) {
    auto fn = []() -> int { throw std::runtime_error("thread failed"); };
    auto op = asyncio::to_thread(fn);
    const auto e = co_await exception_of(std::move(op));
    BOOST_TEST(is_a<std::runtime_error>(e));
    BOOST_TEST(what_of(e) == "thread failed");
    // The loop goes on.
    auto one = [] { return 1; };
    auto next = asyncio::to_thread(one);
    BOOST_TEST(co_await std::move(next) == 1);
}

ASYNCIO_TEST_CASE(to_thread_runs_a_void_function) {
    std::atomic<bool> ran{false};
    auto fn = [&ran] { ran = true; };
    auto op = asyncio::to_thread(fn);
    BOOST_TEST(!ran.load()); // not before the coroutine awaits
    co_await std::move(op);
    BOOST_TEST(ran.load());
}

ASYNCIO_TEST_CASE(cancelling_a_to_thread_returns_at_once_while_the_function_runs_to_its_end) {
    blocked_call call;
    bool resumed_normally = false;
    auto fn = [&call] { return call.run(1); };
    auto body = [&]() -> awaitable<void> {
        auto op = asyncio::to_thread(fn);
        co_await std::move(op);
        resumed_normally = true;
    };
    auto t = co_await asyncio::create_task(body());
    BOOST_TEST(co_await became_set(call.started));
    stopwatch sw;
    t.cancel();
    const auto e = co_await exception_of(t.wait());
    BOOST_TEST(sw.seconds() < 1.0); // did not wait for the function
    BOOST_TEST(is_a<asyncio::cancelled_error>(e));
    BOOST_TEST(t.cancelled());
    BOOST_TEST(!resumed_normally);
    BOOST_TEST(!call.finished.load()); // still blocked
    call.open();
    BOOST_TEST(call.ended_in_time()); // it ran to its end all the same
    BOOST_TEST(call.finished.load());
}

ASYNCIO_TEST_CASE(wait_for_around_a_blocked_to_thread_times_out_at_once) {
    blocked_call call;
    auto fn = [&call] { return call.run(1); };
    auto op = asyncio::wait_for(asyncio::to_thread(fn), 20ms);
    co_await expect_timeout_while_blocked(std::move(op), call);
}

ASYNCIO_TEST_CASE(to_thread_completing_within_its_wait_for_limit_yields_its_value) {
    auto fn = [] { return 5; };
    auto op = asyncio::wait_for(asyncio::to_thread(fn), 5s);
    BOOST_TEST(co_await std::move(op) == 5);
}

ASYNCIO_TEST_CASE(result_of_a_cancelled_to_thread_is_dropped) {
    blocked_call call;
    std::atomic<int> destroyed{0};
    auto fn = [&call, &destroyed] { return std::make_unique<tracked>(call.run(9), destroyed); };
    auto op = asyncio::wait_for(asyncio::to_thread(fn), 10ms);
    BOOST_TEST(is_timeout(co_await exception_of(std::move(op))));
    call.open();
    BOOST_TEST(call.ended_in_time());
    // The value reached nobody: it is destroyed once the pool thread lets go of it.
    auto gone = [&destroyed] { return destroyed.load() == 1; };
    auto ev = eventually(gone);
    BOOST_TEST(co_await std::move(ev));
}

ASYNCIO_TEST_CASE(several_to_thread_calls_run_in_parallel) {
    // Each waits until all four have started: run one at a time, they would all fail.
    std::latch all_in(4);
    auto party = [&all_in] { return meet(all_in); };
    std::vector<asyncio::task<bool>> calls;
    for (int i = 0; i < 4; ++i) {
        auto op = asyncio::to_thread(party);
        calls.push_back(co_await asyncio::create_task(std::move(op)));
    }
    for (auto& c : calls)
        BOOST_TEST(co_await c.wait());
}

ASYNCIO_TEST_CASE_OPTS(hundreds_of_to_thread_calls_on_a_four_thread_loop_all_complete,
                       .threads = 4) {
    constexpr int n = 400;
    std::atomic<long> sum{0};
    std::atomic<int> wrong{0};
    auto twice = [](int k) { return k * 2; };
    auto worker = [&](int i) -> awaitable<void> {
        auto op = asyncio::to_thread(twice, i);
        const int r = co_await std::move(op);
        if (r != i * 2)
            ++wrong;
        sum += r;
    };
    co_await run_tasks(n, worker);
    ASYNCIO_CHECK_EQUAL(wrong.load(), 0);
    ASYNCIO_CHECK_EQUAL(sum.load(), static_cast<long>(n) * (n - 1));
}

ASYNCIO_TEST_CASE_OPTS(to_thread_calls_cancelled_on_a_four_thread_loop_end_consistently,
                       .threads = 4) {
    // Half the callers are cancelled while their function may be running or done: each
    // caller either gets its value or the cancellation, and every function runs.
    constexpr int n = 200;
    std::atomic<int> ran{0}, got{0}, wrong{0};
    auto next = [&ran](int k) {
        ++ran;
        return k + 1;
    };
    auto worker = [&](int i) -> awaitable<void> {
        auto op = asyncio::to_thread(next, i);
        const int r = co_await std::move(op);
        if (r != i + 1)
            ++wrong;
        ++got;
    };
    const auto ended = co_await run_with_cancellers(n, worker);
    ASYNCIO_CHECK_EQUAL(ended.failed, 0);
    ASYNCIO_CHECK_EQUAL(ended.finished + ended.cancelled, n);
    ASYNCIO_CHECK_EQUAL(ended.finished, got.load());
    ASYNCIO_CHECK_EQUAL(wrong.load(), 0);
    auto all_ran = [&] { return ran.load() >= ended.finished; };
    auto ev = eventually(all_ran);
    const bool ev_held = co_await std::move(ev);
    ASYNCIO_CHECK(ev_held);
}

BOOST_AUTO_TEST_CASE(a_loop_destroyed_while_a_coroutine_awaits_to_thread_joins_the_function) {
    watchdog dog;
    std::atomic<bool> started{false}, finished{false};
    asyncio::task<void> t;
    {
        asio::io_context ctx;
        auto fn = [&] {
            started = true;
            std::this_thread::sleep_for(30ms);
            finished = true;
        };
        auto body = [&]() -> awaitable<void> {
            auto op = asyncio::to_thread(fn);
            co_await std::move(op);
        };
        t = asyncio::create_task(ctx, body());
        const auto deadline = test_clock::now() + 5s;
        while (!started.load() && test_clock::now() < deadline)
            ctx.poll();
        BOOST_TEST_REQUIRE(started.load());
    } // destroyed while the function runs: its pool is joined
    BOOST_TEST(finished.load());
    BOOST_TEST(t.done());
    BOOST_TEST(t.cancelled());
}

BOOST_AUTO_TEST_CASE(the_default_pool_is_joined_when_the_loop_is_destroyed) {
    std::atomic<bool> finished{false};
    {
        asio::io_context ctx;
        auto fn = [&finished] {
            std::this_thread::sleep_for(50ms);
            finished = true;
        };
        auto body = [&]() -> awaitable<void> {
            auto op = asyncio::to_thread(fn);
            co_await asyncio::wait_for(std::move(op), 1ms);
        };
        auto t = asyncio::create_task(ctx, body());
        run_context(ctx); // the task times out at once; the function still sleeps
        BOOST_TEST(t.done());
        BOOST_TEST(is_timeout(t.exception()));
    }
    BOOST_TEST(finished.load());
}

// --- run_in_executor ------------------------------------------------------------------

ASYNCIO_TEST_CASE(run_in_executor_runs_on_a_thread_pool_and_yields_the_value) {
    asio::thread_pool pool(2);
    const auto loop_thread_id = std::this_thread::get_id();
    auto op = asyncio::run_in_executor(pool, [] { return std::this_thread::get_id(); });
    const auto worker = co_await std::move(op);
    BOOST_TEST((worker != loop_thread_id));
    BOOST_TEST((std::this_thread::get_id() == loop_thread_id));
    auto value = asyncio::run_in_executor(pool, [] { return std::string("pooled"); });
    BOOST_TEST(co_await std::move(value) == "pooled");
    pool.join();
}

ASYNCIO_TEST_CASE(run_in_executor_on_a_pool_executor_rethrows_the_exception_and_runs_void) {
    asio::thread_pool pool(2);
    auto failing = asyncio::run_in_executor(pool.get_executor(),
                                            []() -> int { throw std::logic_error("pool failed"); });
    const auto e = co_await exception_of(std::move(failing));
    BOOST_TEST(is_a<std::logic_error>(e));
    BOOST_TEST(what_of(e) == "pool failed");
    std::atomic<bool> ran{false};
    auto void_op = asyncio::run_in_executor(pool.get_executor(), [&ran] { ran = true; });
    co_await std::move(void_op);
    BOOST_TEST(ran.load());
    pool.join();
}

ASYNCIO_TEST_CASE(run_in_executor_on_a_strand_runs_the_functions_one_at_a_time) {
    asio::thread_pool pool(4);
    auto strand = asio::make_strand(pool);
    occupancy occ;
    std::atomic<int> ran{0};
    auto fn = [&] {
        occ.enter();
        std::this_thread::sleep_for(2ms);
        ++ran;
        occ.leave();
    };
    std::vector<asyncio::task<void>> calls;
    for (int i = 0; i < 8; ++i) {
        auto op = asyncio::run_in_executor(strand, fn);
        calls.push_back(co_await asyncio::create_task(std::move(op)));
    }
    for (auto& c : calls)
        co_await c.wait();
    BOOST_TEST(ran.load() == 8);
    BOOST_TEST(occ.peak.load() == 1);
    pool.join();
}

ASYNCIO_TEST_CASE(run_in_executor_on_another_io_context_runs_on_its_thread) {
    loop_thread other;
    const auto other_id = other.thread.get_id();
    auto by_context =
        asyncio::run_in_executor(other.ctx, [] { return std::this_thread::get_id(); });
    BOOST_TEST((co_await std::move(by_context) == other_id));
    auto by_executor = asyncio::run_in_executor(other.ctx.get_executor(),
                                                [] { return std::this_thread::get_id(); });
    BOOST_TEST((co_await std::move(by_executor) == other_id));
    other.finish();
}

ASYNCIO_TEST_CASE(cancelling_run_in_executor_returns_at_once_while_the_function_runs_to_its_end) {
    asio::thread_pool pool(1);
    blocked_call call;
    auto op =
        asyncio::wait_for(asyncio::run_in_executor(pool, [&call] { return call.run(3); }), 20ms);
    co_await expect_timeout_while_blocked(std::move(op), call);
    pool.join();
}

ASYNCIO_TEST_CASE(task_cancel_of_a_run_in_executor_on_another_loop_returns_at_once) {
    loop_thread other;
    blocked_call call;
    auto body = [&]() -> awaitable<int> {
        auto op = asyncio::run_in_executor(other.ctx, [&call] { return call.run(4); });
        co_return co_await std::move(op);
    };
    auto t = co_await asyncio::create_task(body());
    BOOST_TEST(co_await became_set(call.started));
    t.cancel();
    const auto e = co_await exception_of(t.wait());
    BOOST_TEST(is_a<asyncio::cancelled_error>(e));
    BOOST_TEST(!call.finished.load());
    call.open();
    BOOST_TEST(call.ended_in_time());
    other.finish();
}

// --- run_coroutine_threadsafe ---------------------------------------------------------

BOOST_AUTO_TEST_CASE(run_coroutine_threadsafe_from_a_plain_thread_yields_the_value) {
    watchdog dog;
    loop_thread loop;
    int value = 0;
    std::thread::id ran_on;
    std::thread caller([&] {
        auto f = asyncio::run_coroutine_threadsafe(value_after(42, 5ms), loop.ctx);
        value = f.get();
        auto g = asyncio::run_coroutine_threadsafe(thread_it_runs_on(), loop.ctx.get_executor());
        ran_on = g.get();
    });
    caller.join();
    BOOST_TEST(value == 42);
    BOOST_TEST((ran_on == loop.thread.get_id()));
    loop.finish();
}

BOOST_AUTO_TEST_CASE(run_coroutine_threadsafe_future_holds_the_coroutine_exception) {
    watchdog dog;
    loop_thread loop;
    auto f = asyncio::run_coroutine_threadsafe(fail_after(2ms), loop.ctx);
    f.wait();
    // Joined before the exception is read: the loop thread may drop the last reference
    // to it, which ThreadSanitizer cannot see synchronised inside libstdc++.
    loop.finish();
    BOOST_CHECK_EXCEPTION(f.get(), std::runtime_error, [](const std::runtime_error& e) {
        return std::string(e.what()) == "coroutine failed";
    });
}

BOOST_AUTO_TEST_CASE(run_coroutine_threadsafe_of_a_void_coroutine) {
    watchdog dog;
    loop_thread loop;
    std::atomic<bool> flag{false};
    auto f = asyncio::run_coroutine_threadsafe(set_after(flag, 5ms), loop.ctx);
    static_assert(std::is_same_v<decltype(f), std::future<void>>);
    f.get();
    BOOST_TEST(flag.load());
    loop.finish();
}

BOOST_AUTO_TEST_CASE(run_coroutine_threadsafe_from_several_threads_all_complete) {
    watchdog dog;
    loop_thread loop;
    constexpr int threads = 4, each = 25;
    std::atomic<long> sum{0};
    std::atomic<int> wrong{0};
    std::vector<std::thread> callers;
    for (int t = 0; t < threads; ++t)
        callers.emplace_back([&, t] {
            std::vector<std::future<int>> fs;
            for (int i = 0; i < each; ++i)
                fs.push_back(asyncio::run_coroutine_threadsafe(value_after(t * each + i, 1ms),
                                                               loop.ctx.get_executor()));
            for (int i = 0; i < each; ++i) {
                const int v = fs[i].get();
                if (v != t * each + i)
                    ++wrong;
                sum += v;
            }
        });
    for (auto& c : callers)
        c.join();
    constexpr long n = threads * each;
    BOOST_TEST(wrong.load() == 0);
    BOOST_TEST(sum.load() == n * (n - 1) / 2);
    loop.finish();
}

BOOST_AUTO_TEST_CASE(run_coroutine_threadsafe_task_is_cancelled_when_the_runner_closes) {
    watchdog dog;
    asyncio::runner r;
    // Started from inside the loop, as Python's code running on the loop may do.
    auto start = [&r]() -> awaitable<std::future<int>> {
        co_await asyncio::sleep(0s);
        co_return asyncio::run_coroutine_threadsafe(never_ends(), r.get_executor());
    };
    auto f = r.run(start());
    // And one started from this thread between two runs.
    auto g = asyncio::run_coroutine_threadsafe(never_ends(), r.get_executor());
    BOOST_TEST((f.wait_for(0s) == std::future_status::timeout));
    r.close();
    BOOST_TEST_REQUIRE((f.wait_for(2s) == std::future_status::ready));
    BOOST_CHECK_EXCEPTION(f.get(), asyncio::cancelled_error, is_cancelled_error);
    BOOST_TEST_REQUIRE((g.wait_for(2s) == std::future_status::ready));
    BOOST_CHECK_EXCEPTION(g.get(), asyncio::cancelled_error, is_cancelled_error);
}

BOOST_AUTO_TEST_CASE(run_coroutine_threadsafe_future_is_broken_when_the_loop_is_destroyed) {
    watchdog dog;
    std::future<int> suspended, never_started;
    {
        loop_thread loop;
        suspended = asyncio::run_coroutine_threadsafe(never_ends(), loop.ctx);
        std::this_thread::sleep_for(5ms); // lets it start
        loop.stop();                      // it stays suspended in its sleep
    }
    {
        asio::io_context ctx; // never run: the coroutine never starts
        never_started = asyncio::run_coroutine_threadsafe(never_ends(), ctx);
    }
    BOOST_TEST_REQUIRE((suspended.wait_for(0s) == std::future_status::ready));
    BOOST_CHECK_EXCEPTION(suspended.get(), std::future_error, is_broken_promise);
    BOOST_TEST_REQUIRE((never_started.wait_for(0s) == std::future_status::ready));
    BOOST_CHECK_EXCEPTION(never_started.get(), std::future_error, is_broken_promise);
}

BOOST_AUTO_TEST_SUITE_END()
