// Copyright (c) 2026 The asyncio for Asio authors.
// Distributed under the Boost Software License, Version 1.0.

#ifndef ASYNCIO_SHIELD_HPP
#define ASYNCIO_SHIELD_HPP

#include <asyncio/config.hpp>
#include <asyncio/detail/completion_watch.hpp>
#include <asyncio/detail/op_value.hpp>
#include <asyncio/future.hpp>
#include <asyncio/task.hpp>

#include <boost/asio/async_result.hpp>

#include <utility>
#include <vector>

namespace asyncio {

/// Python's `await asyncio.shield(task)`: waits for the task (or future) and yields
/// its result, but cancelling the awaiting coroutine only throws in the awaiter: the
/// task runs on. If the task itself is cancelled, the awaiter sees the cancellation.
template <detail::future_handle H>
[[nodiscard]] awaitable<typename H::value_type> shield(H t) {
    std::vector<H> one{t};
    auto watch = detail::watch_handles(one);
    {
        detail::stop_watch_on_exit stop{*watch};
        co_await watch->wait_until(1, false);
    }
    co_return t.result();
}

/// Python's `await asyncio.shield(coro)`: runs `aw` as a task on the caller's loop and
/// shields it (see the other overload). Unlike Python's, which creates the task at the
/// call, the task starts when the returned coroutine first runs (C++ coroutines are
/// lazy): under an already expired `wait_for`/`timeout`, which never starts its
/// coroutine, `aw` does not run. Create the task first and shield it to be sure it runs.
template <class T>
[[nodiscard]] awaitable<T> shield(awaitable<T> aw) {
    auto t = co_await create_task(std::move(aw));
    co_return co_await shield(std::move(t));
}

/// Shields an Asio asynchronous operation (run as a task: see the other overloads).
template <class Op>
requires boost::asio::is_async_operation<Op>::value [[nodiscard]] auto shield(Op op) {
    return shield(detail::await_operation(std::move(op)));
}

} // namespace asyncio

#endif // ASYNCIO_SHIELD_HPP
