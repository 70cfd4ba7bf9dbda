// Copyright (c) 2026 The asyncio for Asio authors.
// Distributed under the Boost Software License, Version 1.0.

#ifndef ASYNCIO_IMPL_TASK_HPP
#define ASYNCIO_IMPL_TASK_HPP

#include <asyncio/detail/task_wait.hpp>

namespace asyncio {
namespace detail {

// A done-callback, as a completion handler of a task wait.
template <class F, class Task>
struct done_callback {
    F f;
    Task task;

    void operator()() { f(std::as_const(task)); }
};

struct call_done_callback {
    template <class Handler>
    void operator()(Handler&& handler) const {
        std::forward<Handler>(handler)();
    }
};

template <class F, class Task>
void add_done_callback(future_base& st, F f, Task task) {
    auto* w = handler_waiter<done_callback<F, Task>, call_done_callback>::create(
        done_callback<F, Task>{std::move(f), std::move(task)}, call_done_callback{},
        st.get_executor());
    if (!st.add_waiter(*w))
        w->complete();
}

// After co_await async_task_done: applies Python's rules for a cancellation that
// reached the waiting coroutine. Returns whether the waiter's own cancellation state
// must be cleared (the task consumed the request).
inline bool settle_forwarded_cancel(forwarded_cancel outcome, const future_base& st) {
    if (outcome == forwarded_cancel::too_late)
        throw_cancelled();
    return outcome == forwarded_cancel::forwarded && !st.cancelled();
}

// The body of wait(): `State` is task_state<T> or future_state<T>, or task_base for
// any_task (R = void).
template <class R, class State>
awaitable<R> wait_task(boost::intrusive_ptr<State> st) {
    if (!st->done()) {
        forwarded_cancel outcome = forwarded_cancel::none;
        co_await async_task_done(st, &outcome);
        if (settle_forwarded_cancel(outcome, *st)) {
            auto state = co_await boost::asio::this_coro::cancellation_state;
            state.clear();
        }
    }
    if constexpr (std::is_void_v<R>)
        st->rethrow_if_failed();
    else
        co_return st->result();
}

struct initiate_any_task_wait {
    template <class Handler>
    void operator()(Handler&& handler, boost::intrusive_ptr<future_base> st) const {
        future_base& ref = *st;
        start_task_wait(ref, std::forward<Handler>(handler), [st = std::move(st)](auto&& h) {
            std::exception_ptr e = st->raw_exception();
            std::move(h)(std::move(e));
        });
    }
};

// `State` is task_state<T> or future_state<T>.
template <class T, class State>
struct initiate_task_wait {
    template <class Handler>
    void operator()(Handler&& handler, boost::intrusive_ptr<State> st) const {
        future_base& ref = *st;
        start_task_wait(ref, std::forward<Handler>(handler), [st = std::move(st)](auto&& h) {
            std::exception_ptr e = st->raw_exception();
            if constexpr (std::is_void_v<T>) {
                std::move(h)(std::move(e));
            } else {
                std::optional<T> value;
                if (!e) {
                    try {
                        value.emplace(st->result());
                    } catch (...) {
                        e = std::current_exception();
                    }
                }
                if (e)
                    std::move(h)(std::move(e), T{});
                else
                    std::move(h)(std::exception_ptr(), std::move(*value));
            }
        });
    }
};

template <class T>
struct task_wait_signature {
    using type = void(std::exception_ptr, T);
};
template <>
struct task_wait_signature<void> {
    using type = void(std::exception_ptr);
};

// The async_wait of task<T> and future<T>: `st` is their state.
template <class T, class State, class Token>
auto async_wait_state(State* st, Token&& token) {
    using signature = typename task_wait_signature<T>::type;
    static_assert(std::is_void_v<T> || std::is_default_constructible_v<T>,
                  "async_wait needs a default-constructible T (its completion passes a T "
                  "even on failure); use co_await x.wait() instead");
    return boost::asio::async_initiate<Token, signature>(initiate_task_wait<T, State>{}, token,
                                                         boost::intrusive_ptr<State>(st));
}

} // namespace detail

template <std::invocable<const any_task&> F>
void any_task::add_done_callback(F f) const {
    detail::add_done_callback(state(), std::move(f), *this);
}

template <BOOST_ASIO_COMPLETION_TOKEN_FOR(void(std::exception_ptr)) Token>
auto any_task::async_wait(Token&& token) const {
    return boost::asio::async_initiate<Token, void(std::exception_ptr)>(
        detail::initiate_any_task_wait{}, token,
        boost::intrusive_ptr<detail::future_base>(&state()));
}

inline awaitable<void> any_task::wait() const {
    return detail::wait_task<void>(boost::intrusive_ptr<detail::task_base>(&state()));
}

template <class T>
template <std::invocable<const task<T>&> F>
void task<T>::add_done_callback(F f) const {
    detail::add_done_callback(state(), std::move(f), *this);
}

template <class T>
template <class Token>
auto task<T>::async_wait(Token&& token) const {
    return detail::async_wait_state<T>(&typed_state(), std::forward<Token>(token));
}

template <class T>
awaitable<T> task<T>::wait() const {
    return detail::wait_task<T>(boost::intrusive_ptr<detail::task_state<T>>(&typed_state()));
}

template <class T, executor_or_context E>
task<T> create_task(E&& ex, awaitable<T> coro, std::string name) {
    return task<T>(detail::spawn_task(detail::place_task(detail::to_executor(ex)), std::move(coro),
                                      std::move(name)),
                   detail::from_state);
}

template <class T>
awaitable<task<T>> create_task(awaitable<T> coro, std::string name) {
    auto ex = co_await boost::asio::this_coro::executor;
    co_return task<T>(
        detail::spawn_task(detail::place_child_task(ex), std::move(coro), std::move(name)),
        detail::from_state);
}

inline awaitable<std::optional<any_task>> current_task() {
    const void* identity = co_await detail::this_thread_identity();
    auto ex = co_await boost::asio::this_coro::executor;
    auto st = detail::loop_service::of(ex).find(identity);
    if (!st)
        co_return std::nullopt;
    co_return any_task(std::move(st), detail::from_state);
}

inline awaitable<std::vector<any_task>> all_tasks() {
    auto ex = co_await boost::asio::this_coro::executor;
    std::vector<any_task> out;
    for (auto& st : detail::loop_service::of(ex).tasks())
        out.emplace_back(std::move(st), detail::from_state);
    co_return out;
}

} // namespace asyncio

#endif // ASYNCIO_IMPL_TASK_HPP
