// Copyright (c) 2026 The asyncio for Asio authors.
// Distributed under the Boost Software License, Version 1.0.

#ifndef ASYNCIO_TASK_GROUP_HPP
#define ASYNCIO_TASK_GROUP_HPP

#include <asyncio/config.hpp>
#include <asyncio/detail/executor.hpp>
#include <asyncio/detail/op_value.hpp>
#include <asyncio/detail/task_group.hpp>
#include <asyncio/error.hpp>
#include <asyncio/task.hpp>

#include <boost/asio/async_result.hpp>
#include <boost/asio/deferred.hpp>
#include <boost/asio/this_coro.hpp>

#include <concepts>
#include <exception>
#include <string>
#include <type_traits>
#include <utility>

namespace asyncio {

/**
 * Python's `asyncio.TaskGroup`: tasks that finish together.
 *
 * `join()` returns once every child has finished. When a child fails (other than
 * by cancellation), the group aborts: every other child is cancelled, and once all
 * have finished `join()` throws an `exception_group` holding every non-cancellation
 * exception, in the order the children finished (errors raised while unwinding
 * included). A child cancelled on purpose (`t.cancel()`) is not a failure.
 * Cancelling the coroutine that awaits `join()` cancels every child; once they have
 * finished the cancellation propagates, plain, unless a child raised a real error
 * meanwhile (then `exception_group` wins).
 *
 * Prefer `with_task_group`, which also cancels the body when a child fails. In the
 * explicit form the group cannot cancel the code that owns it before it reaches
 * `join()`.
 *
 * Every member is thread-safe; children may create more children.
 */
class task_group {
  public:
    /// A group whose children run on `ex` (an executor or an execution context); on
    /// a multi-threaded loop each child gets a strand of its own, as with create_task.
    template <executor_or_context E>
    explicit task_group(E&& ex) : state_(new detail::task_group_state(detail::to_executor(ex))) {}

    task_group(const task_group&) = delete;
    task_group& operator=(const task_group&) = delete;

    /// A group whose join did not complete (never started, or interrupted) cancels its
    /// children (without waiting for them).
    ~task_group() { state_->abandon(); }

    /// Starts `coro` as a child task. Throws `invalid_state_error` when the group has
    /// finished or is aborting; `coro` then never runs.
    template <class T>
    [[nodiscard("a task_group keeps its children itself; the handle may be dropped with "
                "(void)")]] task<T>
    create_task(awaitable<T> coro, std::string name = {}) {
        return spawn(std::move(coro), std::move(name), false);
    }

    /// Starts an Asio asynchronous operation (a Python-named member such as `q.get()`,
    /// or any `deferred` operation) as a child task.
    template <class Op>
    requires boost::asio::is_async_operation<Op>::value auto create_task(Op op,
                                                                         std::string name = {}) {
        return spawn(detail::await_operation(std::move(op)), std::move(name), false);
    }

    /**
     * Waits for every child to finish.
     *
     * @par Completion Signature
     * @code void(std::exception_ptr) @endcode
     * Null when no child failed; an `exception_group` when some did; a
     * `cancelled_error` when the operation was cancelled (and no child failed).
     *
     * @par Per-Operation Cancellation
     * Every cancellation type aborts the group; the operation completes once every
     * child has finished.
     *
     * Throws `invalid_state_error` when the group is already joined.
     */
    template <BOOST_ASIO_COMPLETION_TOKEN_FOR(void(std::exception_ptr))
                  Token = boost::asio::deferred_t>
    auto async_join(Token&& token = {}) {
        state_->begin_join();
        return boost::asio::async_initiate<Token, void(std::exception_ptr)>(initiate_join{}, token,
                                                                            state_);
    }

    /// `co_await tg.join()` waits for every child (see async_join); throws
    /// `exception_group` when some failed, the cancellation when the caller was
    /// cancelled.
    [[nodiscard]] awaitable<void> join() {
        state_->begin_join();
        auto state = state_;
        co_await boost::asio::async_initiate<const boost::asio::deferred_t&,
                                             void(boost::system::error_code)>(
            initiate_join_wait{}, boost::asio::deferred, state.get());
        state->rethrow_outcome();
    }

    /// The executor the group was created with.
    executor_type get_executor() const noexcept { return state_->get_executor(); }

  private:
    template <class F>
    friend auto with_task_group(F f)
        -> awaitable<typename std::invoke_result_t<F&, task_group&>::value_type>;

    template <class T>
    task<T> spawn(awaitable<T> coro, std::string name, bool body) {
        state_->enter();
        try {
            auto st = detail::spawn_task(detail::place_child_task(state_->get_executor()),
                                         std::move(coro), std::move(name), state_.get(), body);
            return task<T>(std::move(st), detail::from_state);
        } catch (...) {
            state_->enter_failed();
            throw;
        }
    }

    struct initiate_join_wait {
        template <class Handler>
        void operator()(Handler&& handler, detail::task_group_state* state) const {
            state->async_join(std::forward<Handler>(handler), detail::deliver_code());
        }
    };

    struct deliver_outcome {
        boost::intrusive_ptr<detail::task_group_state> state;

        template <class Handler>
        void operator()(Handler&& handler, detail::wait_result<void>&&) {
            std::exception_ptr e;
            try {
                state->rethrow_outcome();
            } catch (...) {
                e = std::current_exception();
            }
            state = nullptr;
            std::forward<Handler>(handler)(std::move(e));
        }
    };

    struct initiate_join {
        template <class Handler>
        void operator()(Handler&& handler,
                        boost::intrusive_ptr<detail::task_group_state> state) const {
            auto& ref = *state;
            ref.async_join(std::forward<Handler>(handler), deliver_outcome{std::move(state)});
        }
    };

    boost::intrusive_ptr<detail::task_group_state> state_;
};

/**
 * Python's `async with asyncio.TaskGroup() as tg:`. Runs `f(tg)` (a coroutine) as the
 * group's body, then waits for every child, and yields the body's value.
 *
 * When a child fails (other than by cancellation), the body and every other child are
 * cancelled and awaited; then `exception_group` is thrown with every non-cancellation
 * exception, in completion order (the body's own included). Cancelling the awaiting
 * coroutine cancels the body and the children; once they have finished, the
 * cancellation propagates (plain), unless a real error happened meanwhile.
 *
 * @code
 * co_await asyncio::with_task_group([&](asyncio::task_group& tg) -> awaitable<void> {
 *     tg.create_task(fetch(1));
 *     tg.create_task(fetch(2));
 *     co_return;
 * });
 * @endcode
 */
template <class F>
auto with_task_group(F f) -> awaitable<typename std::invoke_result_t<F&, task_group&>::value_type> {
    task_group tg(co_await boost::asio::this_coro::executor);
    auto body_coro = f(tg);
    auto body = tg.spawn(std::move(body_coro), {}, true);
    co_await tg.join();
    co_return body.result();
}

} // namespace asyncio

#endif // ASYNCIO_TASK_GROUP_HPP
