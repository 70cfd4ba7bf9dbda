// Copyright (c) 2026 The asyncio for Asio authors.
// Distributed under the Boost Software License, Version 1.0.

#include <asyncio/future.hpp>

#include "test_util.hpp"

#include "sync_util.hpp"

#include <asyncio/error.hpp>
#include <asyncio/sleep.hpp>
#include <asyncio/task.hpp>
#include <asyncio/timeout.hpp>
#include <asyncio/wait_for.hpp>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/bind_executor.hpp>
#include <boost/asio/cancellation_signal.hpp>
#include <boost/asio/deferred.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/use_future.hpp>

#include <atomic>
#include <future>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

namespace {

using namespace asyncio::test;

// A result type without a default constructor (wait() must not need one).
struct no_default {
    explicit no_default(int v) : value(v) {}
    int value;
};

std::exception_ptr boom(const std::string& what = "boom") {
    return std::make_exception_ptr(std::runtime_error(what));
}

// Sets `f` to `v` after `turns` turns of the loop.
template <class T>
awaitable<void> set_after_turns(asyncio::future<T> f, T v, int turns = 2) {
    co_await settle(turns);
    f.set_result(std::move(v));
}

// Waits for `f` and yields how the wait ended.
awaitable<ending<int>> wait_ending(asyncio::future<int> f) {
    auto aw = f.wait();
    co_return co_await ending_of(std::move(aw));
}

awaitable<asyncio::executor_type> current_executor() {
    co_return co_await asio::this_coro::executor;
}

// A future<T> failed beforehand: async_wait(asio::deferred) rethrows its exception.
template <class T>
awaitable<void> expect_deferred_async_wait_rethrows() {
    asyncio::future<T> g(co_await current_executor());
    g.set_exception(boom("deferred"));
    const auto e = co_await exception_of(g.async_wait(asio::deferred));
    BOOST_TEST(what_of(e) == "deferred");
}

// `n` pending futures on `ex`.
std::vector<asyncio::future<int>> make_futures(const asyncio::executor_type& ex, int n) {
    std::vector<asyncio::future<int>> futures;
    futures.reserve(n);
    for (int i = 0; i < n; ++i)
        futures.emplace_back(ex);
    return futures;
}

} // namespace

BOOST_AUTO_TEST_SUITE(future)

// --- the state machine -------------------------------------------------------------

ASYNCIO_TEST_CASE(a_new_future_is_pending_and_its_result_is_not_there_yet) {
    asyncio::future<int> f(co_await current_executor());
    BOOST_TEST(!f.done());
    BOOST_TEST(!f.cancelled());
    BOOST_CHECK_THROW(f.result(), asyncio::invalid_state_error);
    BOOST_CHECK_THROW(f.exception(), asyncio::invalid_state_error);
    BOOST_TEST((code_of(exception_from([&] { f.result(); })) == asyncio::error::invalid_state));
}

ASYNCIO_TEST_CASE(set_result_makes_it_done_with_that_value) {
    asyncio::future<int> f(co_await current_executor());
    f.set_result(42);
    BOOST_TEST(f.done());
    BOOST_TEST(!f.cancelled());
    BOOST_TEST(f.result() == 42);
    BOOST_TEST(f.result() == 42); // a copyable result can be read again
    BOOST_TEST(!f.exception());
}

ASYNCIO_TEST_CASE(a_second_set_result_or_set_exception_throws_invalid_state) {
    asyncio::future<int> f(co_await current_executor());
    f.set_result(1);
    BOOST_CHECK_THROW(f.set_result(2), asyncio::invalid_state_error);
    BOOST_CHECK_THROW(f.set_exception(boom()), asyncio::invalid_state_error);
    BOOST_TEST(f.result() == 1); // the first result stays
    BOOST_TEST(!f.exception());
}

ASYNCIO_TEST_CASE(set_exception_makes_result_rethrow_it_and_exception_return_it) {
    asyncio::future<int> f(co_await current_executor());
    f.set_exception(boom("it failed"));
    BOOST_TEST(f.done());
    BOOST_TEST(!f.cancelled());
    BOOST_CHECK_THROW(f.result(), std::runtime_error);
    const auto e = f.exception();
    BOOST_TEST(is_a<std::runtime_error>(e));
    BOOST_TEST(what_of(e) == "it failed");
    BOOST_CHECK_THROW(f.set_result(3), asyncio::invalid_state_error);
    BOOST_CHECK_THROW(f.set_exception(boom()), asyncio::invalid_state_error);
    BOOST_TEST(what_of(f.exception()) == "it failed");
}

ASYNCIO_TEST_CASE(set_exception_with_a_null_pointer_throws_invalid_argument) {
    asyncio::future<int> f(co_await current_executor());
    BOOST_CHECK_THROW(f.set_exception(nullptr), std::invalid_argument);
    BOOST_TEST(!f.done()); // nothing was set
    f.set_result(5);
    // Still invalid_argument once done: the argument is checked first.
    BOOST_CHECK_THROW(f.set_exception(std::exception_ptr()), std::invalid_argument);
    BOOST_TEST(f.result() == 5);
}

ASYNCIO_TEST_CASE(cancel_of_a_pending_future_makes_it_cancelled) {
    asyncio::future<int> f(co_await current_executor());
    BOOST_TEST(f.cancel());
    BOOST_TEST(f.done());
    BOOST_TEST(f.cancelled());
    BOOST_CHECK_THROW(f.result(), asyncio::cancelled_error);
    BOOST_CHECK_THROW(f.exception(), asyncio::cancelled_error);
    BOOST_TEST(!f.cancel()); // done now
    BOOST_TEST(f.cancelled());
}

ASYNCIO_TEST_CASE(cancel_returns_false_once_a_result_or_exception_is_set) {
    auto ex = co_await current_executor();
    asyncio::future<int> ok(ex);
    ok.set_result(9);
    BOOST_TEST(!ok.cancel());
    BOOST_TEST(!ok.cancelled());
    BOOST_TEST(ok.result() == 9);

    asyncio::future<int> failed(ex);
    failed.set_exception(boom());
    BOOST_TEST(!failed.cancel());
    BOOST_TEST(!failed.cancelled());
    BOOST_TEST(is_a<std::runtime_error>(failed.exception()));
}

ASYNCIO_TEST_CASE(set_result_and_set_exception_after_cancel_throw_invalid_state) {
    asyncio::future<int> f(co_await current_executor());
    BOOST_TEST(f.cancel());
    BOOST_CHECK_THROW(f.set_result(1), asyncio::invalid_state_error);
    BOOST_CHECK_THROW(f.set_exception(boom()), asyncio::invalid_state_error);
    BOOST_TEST(f.cancelled());
    BOOST_CHECK_THROW(f.result(), asyncio::cancelled_error);
}

ASYNCIO_TEST_CASE(copies_share_one_state_and_compare_equal) {
    auto ex = co_await current_executor();
    asyncio::future<int> f(ex);
    asyncio::future<int> copy = f;
    asyncio::future<int> other(ex);
    BOOST_TEST((copy == f));
    BOOST_TEST(!(other == f));
    copy.set_result(11);
    BOOST_TEST(f.done());
    BOOST_TEST(f.result() == 11);
    BOOST_CHECK_THROW(f.set_result(12), asyncio::invalid_state_error);
    BOOST_TEST(!other.done());
    other = f; // assignment shares too
    BOOST_TEST((other == f));
    BOOST_TEST(other.result() == 11);
}

ASYNCIO_TEST_CASE(a_future_made_from_an_io_context_uses_its_executor) {
    asio::io_context ctx;
    asyncio::future<int> f(ctx);
    BOOST_TEST((f.get_executor() == asyncio::executor_type(ctx.get_executor())));
    auto ex = co_await current_executor();
    asyncio::future<int> g(ex);
    BOOST_TEST((g.get_executor() == ex));
    f.set_result(1);
    BOOST_TEST(f.result() == 1);
}

// --- done callbacks ------------------------------------------------------------------

ASYNCIO_TEST_CASE(callbacks_are_posted_never_run_inline) {
    asyncio::future<int> f(co_await current_executor());
    int calls = 0;
    bool saw_done = false;
    bool saw_same_future = false;
    f.add_done_callback([&, f](const asyncio::future<int>& g) {
        ++calls;
        saw_done = g.done() && g.result() == 3;
        saw_same_future = (g == f);
    });
    BOOST_TEST(calls == 0); // pending: nothing to call
    f.set_result(3);
    BOOST_TEST(calls == 0); // posted, not run inside set_result
    co_await settle();
    BOOST_TEST(calls == 1);
    BOOST_TEST(saw_done);
    BOOST_TEST(saw_same_future);
}

ASYNCIO_TEST_CASE(callbacks_run_in_registration_order) {
    asyncio::future<void> f(co_await current_executor());
    std::vector<int> order;
    for (int i = 0; i < 6; ++i)
        f.add_done_callback([&order, i](const asyncio::future<void>&) { order.push_back(i); });
    f.set_result();
    BOOST_TEST(order.empty());
    co_await settle();
    BOOST_TEST(order == (std::vector<int>{0, 1, 2, 3, 4, 5}));
}

ASYNCIO_TEST_CASE(a_callback_added_after_completion_is_still_posted) {
    asyncio::future<int> f(co_await current_executor());
    f.set_exception(boom("late"));
    std::string seen;
    f.add_done_callback([&](const asyncio::future<int>& g) { seen = what_of(g.exception()); });
    BOOST_TEST(seen.empty()); // not inline, although the future is done
    co_await settle();
    BOOST_TEST(seen == "late");
}

ASYNCIO_TEST_CASE(callbacks_run_when_the_future_is_cancelled) {
    asyncio::future<int> f(co_await current_executor());
    std::optional<bool> cancelled;
    f.add_done_callback([&](const asyncio::future<int>& g) { cancelled = g.cancelled(); });
    BOOST_TEST(f.cancel());
    BOOST_TEST(!cancelled);
    co_await settle();
    BOOST_TEST((cancelled && *cancelled));
}

// --- waiting in a coroutine --------------------------------------------------------

ASYNCIO_TEST_CASE(wait_yields_the_value_set_later) {
    asyncio::future<std::string> f(co_await current_executor());
    auto setter = co_await asyncio::create_task(set_after_turns(f, std::string("ready")));
    BOOST_TEST(!f.done());
    const std::string s = co_await f.wait();
    BOOST_TEST(s == "ready");
    co_await setter.wait();
}

ASYNCIO_TEST_CASE(wait_rethrows_the_exception_set_later) {
    asyncio::future<int> f(co_await current_executor());
    auto fail = [f]() mutable { f.set_exception(boom("later")); };
    auto setter = co_await asyncio::create_task(after_turns(2, fail));
    const auto e = co_await exception_of(f.wait());
    BOOST_TEST(is_a<std::runtime_error>(e));
    BOOST_TEST(what_of(e) == "later");
    co_await setter.wait();
}

ASYNCIO_TEST_CASE(wait_on_a_done_future_returns_without_waiting_for_anyone) {
    asyncio::future<int> f(co_await current_executor());
    f.set_result(8);
    BOOST_TEST(co_await f.wait() == 8);
    BOOST_TEST(co_await f.wait() == 8); // as often as wanted

    asyncio::future<int> c(co_await current_executor());
    c.cancel();
    BOOST_CHECK_THROW(co_await c.wait(), asyncio::cancelled_error);
}

ASYNCIO_TEST_CASE(cancel_completes_the_waiters_with_cancellation) {
    asyncio::future<int> f(co_await current_executor());
    auto waiter = co_await asyncio::create_task(f.wait());
    co_await settle();
    BOOST_TEST(!waiter.done());
    BOOST_TEST(f.cancel());
    const auto e = co_await exception_of(waiter.wait());
    BOOST_TEST(is_a<asyncio::cancelled_error>(e));
    BOOST_TEST(waiter.cancelled());
}

ASYNCIO_TEST_CASE(cancelling_the_task_that_waits_cancels_the_future) {
    asyncio::future<int> f(co_await current_executor());
    auto waiter = co_await asyncio::create_task(f.wait());
    co_await settle();
    BOOST_TEST(waiter.cancel());
    const auto e = co_await exception_of(waiter.wait());
    BOOST_TEST(is_a<asyncio::cancelled_error>(e));
    BOOST_TEST(f.done());
    BOOST_TEST(f.cancelled()); // Python: cancelling `await fut` cancels fut
    BOOST_CHECK_THROW(f.set_result(1), asyncio::invalid_state_error);
}

ASYNCIO_TEST_CASE(set_result_racing_the_cancellation_of_its_waiter_settles_once) {
    auto ex = co_await current_executor();
    int got_value = 0, got_cancelled = 0;
    for (int round = 0; round < 40; ++round) {
        asyncio::future<int> f(ex);
        auto waiter = co_await asyncio::create_task(wait_ending(f));
        co_await settle(1 + round % 3);
        // Both in the same turn, in either order: the waiter sees the value or a
        // cancellation; the future keeps the value, set exactly once.
        if (round % 2 == 0) {
            f.set_result(round);
            waiter.cancel();
        } else {
            waiter.cancel();
            f.set_result(round);
        }
        const auto end = co_await waiter.wait();
        BOOST_TEST(f.done());
        BOOST_TEST(!f.cancelled());
        BOOST_TEST(f.result() == round);
        BOOST_CHECK_THROW(f.set_result(-1), asyncio::invalid_state_error);
        BOOST_TEST(!f.cancel());
        if (end.exception) {
            BOOST_TEST(is_a<asyncio::cancelled_error>(end.exception));
            ++got_cancelled;
        } else {
            BOOST_TEST(end.value == round);
            ++got_value;
        }
    }
    BOOST_TEST(got_value + got_cancelled == 40);
    BOOST_TEST_MESSAGE("value " << got_value << ", cancelled " << got_cancelled);
}

ASYNCIO_TEST_CASE(many_waiters_on_one_future_all_get_its_value) {
    asyncio::future<int> f(co_await current_executor());
    std::vector<asyncio::task<int>> waiters;
    for (int i = 0; i < 200; ++i)
        waiters.push_back(co_await asyncio::create_task(f.wait()));
    co_await settle();
    for (auto& w : waiters)
        BOOST_TEST(!w.done());
    f.set_result(77);
    int sum = 0;
    for (auto& w : waiters)
        sum += co_await w.wait();
    BOOST_TEST(sum == 200 * 77);
}

ASYNCIO_TEST_CASE(wait_for_times_out_and_leaves_the_future_cancelled) {
    asyncio::future<int> f(co_await current_executor());
    // The wait is cancelled on expiry, and cancelling a wait cancels the future.
    BOOST_CHECK_THROW(co_await asyncio::wait_for(f.wait(), 20ms), asyncio::timeout_error);
    BOOST_TEST(f.done());
    BOOST_TEST(f.cancelled());
    BOOST_CHECK_THROW(f.set_result(1), asyncio::invalid_state_error);

    asyncio::future<int> g(co_await current_executor());
    BOOST_CHECK_THROW(co_await asyncio::timeout(10ms, g.wait()), asyncio::timeout_error);
    BOOST_TEST(g.cancelled());
}

ASYNCIO_TEST_CASE(wait_for_yields_a_result_set_in_time_and_leaves_it_set) {
    asyncio::future<int> f(co_await current_executor());
    auto setter = co_await asyncio::create_task(set_after_turns(f, 5));
    BOOST_TEST(co_await asyncio::wait_for(f.wait(), 5s) == 5);
    BOOST_TEST(!f.cancelled());
    BOOST_TEST(f.result() == 5);
    co_await setter.wait();
}

// --- result types ------------------------------------------------------------------

ASYNCIO_TEST_CASE(a_move_only_result_can_be_taken_once) {
    asyncio::future<std::unique_ptr<int>> f(co_await current_executor());
    f.set_result(std::make_unique<int>(5));
    auto p = f.result();
    BOOST_TEST((p && *p == 5));
    BOOST_CHECK_THROW(f.result(), asyncio::invalid_state_error);
    BOOST_TEST(!f.exception()); // the outcome itself is still a success
}

ASYNCIO_TEST_CASE(a_move_only_result_goes_to_one_waiter_only) {
    asyncio::future<std::unique_ptr<int>> f(co_await current_executor());
    auto a = co_await asyncio::create_task(f.wait());
    auto b = co_await asyncio::create_task(f.wait());
    co_await settle();
    f.set_result(std::make_unique<int>(6));
    auto aw_a = a.wait();
    auto ea = co_await ending_of(std::move(aw_a));
    auto aw_b = b.wait();
    auto eb = co_await ending_of(std::move(aw_b));
    // Exactly one waiter took it; the other was told it is gone.
    BOOST_TEST((!ea.exception != !eb.exception));
    auto& winner = ea.exception ? eb : ea;
    const auto& loser = ea.exception ? ea : eb;
    BOOST_TEST(is_a<asyncio::invalid_state_error>(loser.exception));
    BOOST_TEST((winner.value && *winner.value == 6));
    BOOST_CHECK_THROW(f.result(), asyncio::invalid_state_error);
}

ASYNCIO_TEST_CASE(future_void_completes_and_rethrows) {
    auto ex = co_await current_executor();
    asyncio::future<void> f(ex);
    asyncio::future<> defaulted(ex); // asyncio::future<> is asyncio::future<void>
    BOOST_TEST((std::is_same_v<decltype(defaulted), asyncio::future<void>>));
    auto set = [f]() mutable { f.set_result(); };
    auto setter = co_await asyncio::create_task(after_turns(2, set));
    co_await f.wait();
    BOOST_TEST(f.done());
    BOOST_CHECK_NO_THROW(f.result());
    BOOST_TEST(!f.exception());
    BOOST_CHECK_THROW(f.set_result(), asyncio::invalid_state_error);
    co_await setter.wait();

    defaulted.set_exception(boom("void failed"));
    const auto e = co_await exception_of(defaulted.wait());
    BOOST_TEST(what_of(e) == "void failed");
    BOOST_CHECK_THROW(defaulted.result(), std::runtime_error);
}

ASYNCIO_TEST_CASE(wait_works_for_a_result_without_a_default_constructor) {
    asyncio::future<no_default> f(co_await current_executor());
    auto setter = co_await asyncio::create_task(set_after_turns(f, no_default(31)));
    const no_default v = co_await f.wait();
    BOOST_TEST(v.value == 31);
    BOOST_TEST(f.result().value == 31);
    co_await setter.wait();

    asyncio::future<no_default> failed(co_await current_executor());
    failed.set_exception(boom());
    BOOST_CHECK_THROW(co_await failed.wait(), std::runtime_error);
}

// --- Asio completion tokens --------------------------------------------------------

BOOST_AUTO_TEST_CASE(async_wait_with_use_future_from_outside_a_loop_running_on_a_thread) {
    asio::io_context ctx;
    auto work = asio::make_work_guard(ctx);
    asyncio::future<int> ok(ctx);
    asyncio::future<int> failed(ctx);
    std::thread loop([&] { ctx.run(); });
    {
        watchdog dog;
        auto got = ok.async_wait(asio::use_future);
        auto fails = failed.async_wait(asio::use_future);
        BOOST_TEST((got.wait_for(10ms) == std::future_status::timeout)); // it waits
        ok.set_result(123);
        failed.set_exception(boom("from main"));
        BOOST_TEST(got.get() == 123);
        BOOST_CHECK_THROW(fails.get(), std::runtime_error);
        // Done already: still completes (through the loop).
        BOOST_TEST(ok.async_wait(asio::use_future).get() == 123);
    }
    work.reset();
    loop.join();
}

ASYNCIO_TEST_CASE(async_wait_calls_a_handler_bound_to_an_executor_on_it) {
    auto ex = co_await current_executor();
    auto strand = asio::make_strand(ex);
    asyncio::future<int> f(ex);
    std::optional<int> value;
    std::exception_ptr error;
    bool on_strand = false;
    f.async_wait(asio::bind_executor(strand, [&](std::exception_ptr e, int v) {
        on_strand = strand.running_in_this_thread();
        error = e;
        value = v;
    }));
    co_await settle();
    BOOST_TEST(!value); // waiting
    f.set_result(4);
    BOOST_TEST(!value); // posted, not run inside set_result
    const bool arrived = co_await eventually([&] { return value.has_value(); });
    BOOST_TEST(arrived);
    BOOST_TEST((value && *value == 4));
    BOOST_TEST(!error);
    BOOST_TEST(on_strand);
}

ASYNCIO_TEST_CASE(async_wait_handler_gets_the_exception_and_a_default_value) {
    asyncio::future<int> f(co_await current_executor());
    std::optional<int> value;
    std::exception_ptr error;
    f.async_wait(asio::bind_executor(co_await current_executor(), [&](std::exception_ptr e, int v) {
        error = e;
        value = v;
    }));
    f.set_exception(boom("handler"));
    co_await settle();
    BOOST_TEST((value && *value == 0));
    BOOST_TEST(what_of(error) == "handler");
}

ASYNCIO_TEST_CASE(async_wait_with_deferred_yields_the_value_or_throws) {
    asyncio::future<int> f(co_await current_executor());
    auto setter = co_await asyncio::create_task(set_after_turns(f, 17));
    auto op = f.async_wait(asio::deferred);
    const int v = co_await std::move(op)(asio::use_awaitable);
    BOOST_TEST(v == 17);
    co_await setter.wait();

    co_await expect_deferred_async_wait_rethrows<int>();
}

ASYNCIO_TEST_CASE(async_wait_of_a_future_void_with_deferred_completes_or_throws) {
    asyncio::future<void> f(co_await current_executor());
    auto set = [f]() mutable { f.set_result(); };
    auto setter = co_await asyncio::create_task(after_turns(2, set));
    auto op = f.async_wait(asio::deferred);
    co_await std::move(op)(asio::use_awaitable);
    BOOST_TEST(f.done());
    co_await setter.wait();

    co_await expect_deferred_async_wait_rethrows<void>();
}

ASYNCIO_TEST_CASE(async_wait_with_as_tuple_reports_the_outcome_as_values) {
    auto ex = co_await current_executor();
    asyncio::future<int> ok(ex);
    ok.set_result(21);
    auto op1 = ok.async_wait(asio::as_tuple(asio::deferred));
    auto [e1, v1] = co_await std::move(op1)(asio::use_awaitable);
    BOOST_TEST(!e1);
    BOOST_TEST(v1 == 21);

    asyncio::future<int> cancelled(ex);
    cancelled.cancel();
    auto op2 = cancelled.async_wait(asio::as_tuple(asio::deferred));
    auto [e2, v2] = co_await std::move(op2)(asio::use_awaitable);
    BOOST_TEST(is_a<asyncio::cancelled_error>(e2));
    BOOST_TEST(v2 == 0);
}

ASYNCIO_TEST_CASE(terminal_cancellation_of_async_wait_cancels_the_future) {
    auto ex = co_await current_executor();
    asyncio::future<int> f(ex);
    asio::cancellation_signal signal;
    std::exception_ptr error;
    bool called = false;
    f.async_wait(asio::bind_cancellation_slot(
        signal.slot(), asio::bind_executor(ex, [&](std::exception_ptr e, int) {
            called = true;
            error = e;
        })));
    co_await settle();
    BOOST_TEST(!called);
    signal.emit(asio::cancellation_type::terminal);
    BOOST_TEST(!called); // completed through its executor
    co_await settle();
    BOOST_TEST(called);
    BOOST_TEST(is_a<asyncio::cancelled_error>(error));
    BOOST_TEST(f.cancelled());
}

// --- threads ---------------------------------------------------------------------

ASYNCIO_TEST_CASE(set_result_from_a_plain_thread_resumes_the_waiter_on_its_loop) {
    asyncio::future<int> f(co_await current_executor());
    const auto loop_thread = std::this_thread::get_id();
    std::thread setter([f]() mutable {
        std::this_thread::sleep_for(5ms);
        f.set_result(99);
    });
    const int v = co_await f.wait();
    const bool on_loop = std::this_thread::get_id() == loop_thread;
    setter.join();
    BOOST_TEST(v == 99);
    BOOST_TEST(on_loop);
}

ASYNCIO_TEST_CASE_OPTS(thousands_of_futures_set_from_tasks_and_threads_on_four_threads,
                       .threads = 4) {
    constexpr int n = 3000;
    auto ex = co_await current_executor();
    auto futures = make_futures(ex, n);
    std::atomic<int> callbacks{0};
    std::atomic<long> callback_sum{0};
    for (auto& f : futures)
        f.add_done_callback([&](const asyncio::future<int>& g) {
            ++callbacks;
            callback_sum += g.result();
        });

    std::atomic<long> waited_sum{0};
    auto waiter = [&](int i) -> awaitable<void> {
        const int v = co_await futures[i].wait();
        waited_sum += v;
    };
    auto setter = [&](int i) -> awaitable<void> {
        if (i % 2)
            co_await asyncio::sleep(0s);
        futures[i].set_result(i);
    };
    std::vector<asyncio::task<void>> tasks;
    for (int i = 0; i < n; ++i) {
        tasks.push_back(co_await asyncio::create_task(waiter(i)));
        if (i % 3 != 0) // every third one is set from a plain thread below
            tasks.push_back(co_await asyncio::create_task(setter(i)));
    }
    std::vector<std::thread> threads;
    for (int t = 0; t < 3; ++t)
        threads.emplace_back([&futures, t] {
            for (int i = 3 * t; i < n; i += 9)
                futures[i].set_result(i);
        });
    for (auto& th : threads)
        th.join();
    for (auto& t : tasks)
        co_await t.wait();
    const long expected = static_cast<long>(n) * (n - 1) / 2;
    ASYNCIO_CHECK_EQUAL(waited_sum.load(), expected);
    const bool all_called = co_await eventually([&] { return callbacks.load() == n; });
    ASYNCIO_CHECK(all_called);
    ASYNCIO_CHECK_EQUAL(callback_sum.load(), expected);
    for (auto& f : futures)
        ASYNCIO_CHECK(f.done() && !f.cancelled());
}

ASYNCIO_TEST_CASE_OPTS(set_result_racing_waiter_cancellation_on_four_threads_settles_once,
                       .threads = 4) {
    constexpr int n = 1000;
    auto ex = co_await current_executor();
    auto futures = make_futures(ex, n);
    std::vector<asyncio::task<ending<int>>> waiters;
    for (int i = 0; i < n; ++i)
        waiters.push_back(co_await asyncio::create_task(wait_ending(futures[i])));
    // Each racer sets the result and cancels the waiter, in either order, from a task
    // of its own (another strand, maybe another thread).
    std::vector<std::atomic<bool>> set_ok(n);
    auto racer = [&](int i) -> awaitable<void> {
        co_await settle(i % 3);
        auto set = [&] {
            try {
                futures[i].set_result(i);
                set_ok[i] = true;
            } catch (const asyncio::invalid_state_error&) {
                // the waiter's cancellation cancelled the future first
            }
        };
        if (i % 4 == 1 || i % 4 == 3) {
            set();
            waiters[i].cancel();
        } else if (i % 4 == 0) {
            waiters[i].cancel();
            set();
        } else {
            waiters[i].cancel();
            co_await asyncio::sleep(0s); // give the cancellation a head start
            set();
        }
    };
    std::vector<asyncio::task<void>> racers;
    for (int i = 0; i < n; ++i)
        racers.push_back(co_await asyncio::create_task(racer(i)));
    for (auto& r : racers)
        co_await r.wait();
    int values = 0, cancellations = 0, cancelled_futures = 0;
    for (int i = 0; i < n; ++i) {
        // A waiter cancelled before it started never ran its body: its task is cancelled.
        auto aw = waiters[i].wait();
        const auto outer = co_await ending_of(std::move(aw));
        const ending<int> end = outer.exception ? ending<int>{0, outer.exception} : outer.value;
        auto& f = futures[i];
        ASYNCIO_CHECK(f.done());
        // Exactly one outcome: the result, or the cancellation that beat it.
        ASYNCIO_CHECK(set_ok[i].load() != f.cancelled());
        if (f.cancelled()) {
            ++cancelled_futures;
            ASYNCIO_CHECK(is_a<asyncio::cancelled_error>(end.exception));
        } else {
            ASYNCIO_CHECK_EQUAL(f.result(), i);
        }
        if (end.exception) {
            ASYNCIO_CHECK(is_a<asyncio::cancelled_error>(end.exception));
            ++cancellations;
        } else {
            ASYNCIO_CHECK_EQUAL(end.value, i);
            ++values;
        }
    }
    ASYNCIO_CHECK_EQUAL(values + cancellations, n);
    BOOST_TEST_MESSAGE("values " << values << ", cancelled waits " << cancellations
                                 << ", cancelled futures " << cancelled_futures);
}

ASYNCIO_TEST_CASE_OPTS(many_waiters_on_four_threads_all_get_the_value, .threads = 4) {
    asyncio::future<int> f(co_await current_executor());
    std::atomic<int> arrived{0};
    std::atomic<long> sum{0};
    auto waiter = [&]() -> awaitable<void> {
        ++arrived;
        sum += co_await f.wait();
    };
    std::vector<asyncio::task<void>> tasks;
    for (int i = 0; i < 500; ++i)
        tasks.push_back(co_await asyncio::create_task(waiter()));
    const bool all_arrived = co_await eventually([&] { return arrived.load() == 500; });
    ASYNCIO_CHECK(all_arrived);
    f.set_result(3);
    for (auto& t : tasks)
        co_await t.wait();
    ASYNCIO_CHECK_EQUAL(sum.load(), 1500L);
}

BOOST_AUTO_TEST_SUITE_END()
