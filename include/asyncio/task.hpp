// Copyright (c) 2026 The asyncio for Asio authors.
// Distributed under the Boost Software License, Version 1.0.

#ifndef ASYNCIO_TASK_HPP
#define ASYNCIO_TASK_HPP

#include <asyncio/config.hpp>
#include <asyncio/detail/executor.hpp>
#include <asyncio/detail/op_value.hpp>
#include <asyncio/detail/task_state.hpp>
#include <asyncio/error.hpp>

#include <boost/asio/async_result.hpp>
#include <boost/asio/execution/executor.hpp>
#include <boost/asio/execution_context.hpp>
#include <boost/asio/is_executor.hpp>
#include <boost/asio/this_coro.hpp>

#include <concepts>
#include <cstddef>
#include <exception>
#include <functional>
#include <optional>
#include <string>
#include <type_traits>
#include <vector>

namespace asyncio {

/// What `create_task` accepts to run a task on: an Asio executor, or an execution
/// context such as `boost::asio::io_context&` (its executor is used).
template <class E>
concept executor_or_context = boost::asio::execution::is_executor<std::decay_t<E>>::value ||
    boost::asio::is_executor<std::decay_t<E>>::value ||
    std::is_convertible_v<E&, boost::asio::execution_context&>;

namespace detail {

// The executor an executor_or_context argument names.
template <class E>
executor_type to_executor(E& ex) {
    if constexpr (std::is_convertible_v<E&, boost::asio::execution_context&>)
        return ex.get_executor();
    else
        return ex;
}

} // namespace detail

/// A handle to a task of any result type (Python's `Task`, without its result).
///
/// Handles are cheap to copy; all copies refer to the same task. Every member is
/// thread-safe. A default-constructed handle refers to no task: its members throw
/// `invalid_state_error`.
class any_task {
  public:
    /// A handle that refers to no task.
    any_task() noexcept = default;

    /// Whether the handle refers to a task.
    explicit operator bool() const noexcept { return state_ != nullptr; }

    /// Whether the task has finished (with a value, an exception or by cancellation).
    bool done() const { return state().done(); }

    /// Whether the task finished by cancellation.
    bool cancelled() const { return state().cancelled(); }

    /// Requests cancellation; returns false when the task is already done.
    ///
    /// A task that has not started yet never runs its body. A running task sees a
    /// cancellation error at its current suspension point, or at its next one if it
    /// is running now. The request is delivered on the task's executor, so `cancel`
    /// may be called from any thread.
    bool cancel() { return state().cancel(); }

    /// The exception the task finished with, or null when it returned normally.
    /// Throws `invalid_state_error` if the task is not done, `cancelled_error` if it
    /// was cancelled.
    std::exception_ptr exception() const { return state().exception(); }

    /// The task's name: the one given to `create_task`, or "Task-<n>".
    std::string get_name() const { return state().get_name(); }

    /// Renames the task.
    void set_name(std::string name) { state().set_name(std::move(name)); }

    /// The executor the task's coroutine runs on; once the task is done, the loop's
    /// executor (a finished task lets go of its strand, which must not outlive the loop).
    executor_type get_executor() const { return state().get_executor(); }

    /// Registers `f`, called as `f(const any_task&)` once the task is done. Callbacks
    /// are posted to the task's executor in registration order, never run inline (not
    /// even when the task is already done).
    template <std::invocable<const any_task&> F>
    void add_done_callback(F f) const;

    /**
     * Waits for the task to finish.
     *
     * @par Completion Signature
     * @code void(std::exception_ptr) @endcode
     * The exception is null when the task returned normally, a `cancelled_error` when
     * it was cancelled, and the task's exception otherwise.
     *
     * @par Per-Operation Cancellation
     * Terminal cancellation cancels the task (as Python's `await task` does); the
     * operation still completes only once the task has finished.
     */
    template <BOOST_ASIO_COMPLETION_TOKEN_FOR(void(std::exception_ptr))
                  Token = boost::asio::default_completion_token_t<executor_type>>
    auto async_wait(Token&& token = boost::asio::default_completion_token_t<executor_type>()) const;

    /// `co_await t.wait()` waits for the task and rethrows its exception (`await task`).
    /// Cancelling the awaiting coroutine cancels the task and waits for it; if the task
    /// then returns normally, the awaiter's cancellation counts as handled.
    [[nodiscard]] awaitable<void> wait() const;

    /// Whether two handles refer to the same task.
    friend bool operator==(const any_task& a, const any_task& b) noexcept {
        return a.state_ == b.state_;
    }

    /// A stable hash of the task's identity (for unordered containers).
    std::size_t hash() const noexcept { return std::hash<const void*>()(state_.get()); }

    /// Internal: wraps a task's state.
    any_task(boost::intrusive_ptr<detail::task_base> st, detail::from_state_t) noexcept
        : state_(std::move(st)) {}

  protected:
    friend struct detail::task_access;

    detail::task_base& state() const {
        if (!state_)
            detail::throw_invalid_state("this task handle refers to no task");
        return *state_;
    }

    boost::intrusive_ptr<detail::task_base> state_;
};

/// A handle to a running coroutine that yields a `T` (Python's `Task`).
///
/// Created by `create_task`; the coroutine starts on its own, the handle only
/// observes and controls it. Copies refer to the same task. Every member is
/// thread-safe.
template <class T = void>
class task : public any_task {
  public:
    using value_type = T;

    /// A handle that refers to no task.
    task() noexcept = default;

    /// The task's value. Throws `invalid_state_error` if the task is not done,
    /// `cancelled_error` if it was cancelled, or rethrows the task's exception. A
    /// move-only value can be taken once; later calls throw `invalid_state_error`.
    T result() const { return typed_state().result(); }

    /// Registers `f`, called as `f(const task<T>&)` once the task is done. Callbacks
    /// are posted to the task's executor in registration order, never run inline.
    template <std::invocable<const task<T>&> F>
    void add_done_callback(F f) const;

    /**
     * Waits for the task to finish.
     *
     * @par Completion Signature
     * @code void(std::exception_ptr, T) @endcode
     * (`void(std::exception_ptr)` for `task<void>`.) On failure the value is
     * default-constructed. In a coroutine, prefer `co_await t.wait()`: Asio 1.26
     * cannot `co_await` this signature directly.
     *
     * @par Per-Operation Cancellation
     * Terminal cancellation cancels the task (as Python's `await task` does); the
     * operation still completes only once the task has finished.
     */
    template <class Token = boost::asio::default_completion_token_t<executor_type>>
    auto async_wait(Token&& token = boost::asio::default_completion_token_t<executor_type>()) const;

    /// `co_await t.wait()` waits for the task and yields its value or rethrows its
    /// exception (Python's `await task`). Cancelling the awaiting coroutine cancels the
    /// task and waits for it; if the task then returns a value, the awaiter gets it and
    /// its cancellation counts as handled (as in Python).
    [[nodiscard]] awaitable<T> wait() const;

    /// Internal: wraps a task's state.
    task(boost::intrusive_ptr<detail::task_state<T>> st, detail::from_state_t) noexcept
        : any_task(std::move(st), detail::from_state) {}

  private:
    friend struct detail::task_access;

    detail::task_state<T>& typed_state() const {
        return static_cast<detail::task_state<T>&>(state());
    }
};

/// Starts `coro` as a task on `ex` (Python's `loop.create_task`).
///
/// The coroutine does not run inside this call: its start is posted to the task's
/// executor, so a task cancelled before it first runs never runs its body. On a
/// multi-threaded loop the task gets a strand of its own; an explicit strand passed
/// as `ex` is honoured as is. May be called from any thread.
template <class T, executor_or_context E>
[[nodiscard]] task<T> create_task(E&& ex, awaitable<T> coro, std::string name = {});

/// Starts `coro` as a task on the calling coroutine's loop (Python's
/// `asyncio.create_task`). See the other overload for the rules.
template <class T>
[[nodiscard]] awaitable<task<T>> create_task(awaitable<T> coro, std::string name = {});

/// Starts an Asio asynchronous operation as a task on `ex`: a Python-named member
/// such as `q.get()` or `b.wait()`, or any `deferred` operation. The task's result is
/// what `co_await op` yields.
template <executor_or_context E, class Op>
requires boost::asio::is_async_operation<Op>::value [[nodiscard]] auto
create_task(E&& ex, Op op, std::string name = {}) {
    return create_task(std::forward<E>(ex), detail::await_operation(std::move(op)),
                       std::move(name));
}

/// Starts an Asio asynchronous operation as a task on the calling coroutine's loop
/// (see the other overload).
template <class Op>
requires boost::asio::is_async_operation<Op>::value [[nodiscard]] auto
create_task(Op op, std::string name = {}) {
    return create_task(detail::await_operation(std::move(op)), std::move(name));
}

/// The task whose coroutine is calling, or nothing when the caller is not a task's
/// own coroutine (for instance a coroutine that gather or wait_for started on its
/// behalf). Linear in the number of tasks of the loop.
[[nodiscard]] awaitable<std::optional<any_task>> current_task();

/// The unfinished tasks of the calling coroutine's loop, in creation order.
[[nodiscard]] awaitable<std::vector<any_task>> all_tasks();

/// `co_await asyncio::uncancel()` clears the calling coroutine's cancellation state
/// (Python's `Task.uncancel`), so that after catching a cancellation it may keep
/// awaiting. Asio keeps a cancellation in effect until then: every later `co_await`
/// throws again. The cancellation filter is reset to Asio's default (terminal only).
inline auto uncancel() noexcept {
    return boost::asio::this_coro::reset_cancellation_state();
}

} // namespace asyncio

template <>
struct std::hash<asyncio::any_task> {
    std::size_t operator()(const asyncio::any_task& t) const noexcept { return t.hash(); }
};

template <class T>
struct std::hash<asyncio::task<T>> : std::hash<asyncio::any_task> {};

#include <asyncio/impl/task.hpp>

#endif // ASYNCIO_TASK_HPP
