// Copyright (c) 2026 The asyncio for Asio authors.
// Distributed under the Boost Software License, Version 1.0.

#ifndef ASYNCIO_THREADS_HPP
#define ASYNCIO_THREADS_HPP

#include <asyncio/config.hpp>
#include <asyncio/detail/decayed_invocable.hpp>
#include <asyncio/future.hpp>
#include <asyncio/task.hpp>

#include <boost/asio/execution_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/this_coro.hpp>

#include <cstddef>
#include <exception>
#include <functional>
#include <future>
#include <memory>
#include <optional>
#include <tuple>
#include <type_traits>
#include <utility>

namespace asyncio {
namespace detail {

// The executor of the thread pool `to_thread` uses for the loop `loop_ex` belongs to:
// one pool per loop, created on first use with default_thread_pool_size() threads,
// joined when the loop (its execution context) is destroyed.
executor_type default_thread_pool(const executor_type& loop_ex);

// Runs `f` on `target` (none: the default pool of the caller's loop) and waits for it
// through a future on the caller's executor: cancelling the caller cancels the future
// (the caller resumes at once), while `f` runs to its end and its outcome is dropped.
template <class F>
awaitable<std::invoke_result_t<F&>> run_on(std::optional<executor_type> target, F f) {
    using R = std::invoke_result_t<F&>;
    auto caller = co_await boost::asio::this_coro::executor;
    if (!target)
        target = default_thread_pool(caller);
    future<R> result(caller);
    auto run = [result, f = std::move(f)]() mutable {
        auto& st = task_access::state(result);
        try {
            if constexpr (std::is_void_v<R>) {
                f();
                st.try_set_result();
            } else {
                st.try_set_result(f());
            }
        } catch (...) {
            st.try_set_exception(std::current_exception());
        }
    };
    boost::asio::post(*target, std::move(run));
    co_return co_await result.wait();
}

} // namespace detail

/// How many threads the default pool of `to_thread` has: Python's choice,
/// min(32, hardware threads + 4).
std::size_t default_thread_pool_size() noexcept;

/**
 * Python's `await asyncio.to_thread(fn, *args)`: runs `fn(args...)` on the loop's
 * default thread pool and yields its result (or rethrows its exception).
 *
 * `fn` and `args` are copied (or moved) into the returned awaitable at the call, then
 * moved to the pool thread. Cancelling the awaiting coroutine
 * returns control at once with the cancellation; `fn` itself runs to its end (a
 * thread cannot be interrupted) and its result is dropped. The pool is created on
 * first use and joined when the loop is destroyed.
 */
template <class F, class... Args>
requires detail::decayed_invocable<F, Args...>
[[nodiscard]] auto to_thread(F&& fn, Args&&... args) {
    // Copied (or moved) here, at the call: the awaitable may be awaited later.
    auto call = [fn = std::forward<F>(fn),
                 args = std::make_tuple(std::forward<Args>(args)...)]() mutable {
        return std::apply(fn, args);
    };
    return detail::run_on(std::nullopt, std::move(call));
}

/**
 * Python's `await loop.run_in_executor(executor, fn)`: runs `fn()` on `ex` (any Asio
 * executor, or an execution context such as `boost::asio::thread_pool&`) and yields
 * its result. Same cancellation rule as to_thread.
 */
template <executor_or_context E, class F>
requires detail::decayed_invocable<F>
[[nodiscard]] auto run_in_executor(E&& ex, F&& fn) {
    return detail::run_on(detail::to_executor(ex), std::decay_t<F>(std::forward<F>(fn)));
}

/**
 * Python's `asyncio.run_coroutine_threadsafe(coro, loop)`: starts `aw` as a task on
 * `ex` (an executor or execution context) from any thread, typically one that is not
 * running the loop, and returns a `std::future` for its result.
 *
 * The future holds the task's exception (a `cancelled_error` if the task was
 * cancelled, e.g. when the runner closed). If the loop is destroyed before the task
 * finished, `get()` throws `std::future_error` (broken promise). Never call `get()`
 * from a thread that runs the loop: it would wait for itself.
 */
template <class T, executor_or_context E>
[[nodiscard]] std::future<T> run_coroutine_threadsafe(awaitable<T> aw, E&& ex) {
    auto promise = std::make_shared<std::promise<T>>();
    auto result = promise->get_future();
    auto t = create_task(std::forward<E>(ex), std::move(aw));
    t.add_done_callback([promise](const task<T>& done) {
        try {
            if constexpr (std::is_void_v<T>) {
                done.result();
                promise->set_value();
            } else {
                promise->set_value(done.result());
            }
        } catch (...) {
            promise->set_exception(std::current_exception());
        }
    });
    return result;
}

} // namespace asyncio

#endif // ASYNCIO_THREADS_HPP
