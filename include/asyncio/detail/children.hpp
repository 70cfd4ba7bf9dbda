// Copyright (c) 2026 The asyncio for Asio authors.
// Distributed under the Boost Software License, Version 1.0.

#ifndef ASYNCIO_DETAIL_CHILDREN_HPP
#define ASYNCIO_DETAIL_CHILDREN_HPP

#include <asyncio/config.hpp>
#include <asyncio/detail/op_value.hpp>
#include <asyncio/detail/task_state.hpp>
#include <asyncio/detail/waiter.hpp>
#include <asyncio/error.hpp>
#include <asyncio/outcome.hpp>
#include <asyncio/task.hpp>

#include <boost/asio/async_result.hpp>
#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/bind_executor.hpp>
#include <boost/asio/cancellation_signal.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/post.hpp>
#include <boost/system/system_error.hpp>

#include <cstddef>
#include <exception>
#include <optional>
#include <tuple>
#include <type_traits>
#include <utility>
#include <variant>

// The work a facade (gather, wait_for, timeout) runs on a caller's behalf: its
// "children". Three kinds, one interface:
//  - awaitable_child: a coroutine, co_spawned by the facade (so the facade owns it and
//    cancels it whenever it gives up on it);
//  - task_child: a task someone else started; the facade only watches it (a sibling's
//    failure detaches from it, only the caller's own cancellation cancels it);
//  - op_child: any Asio asynchronous operation (e.g. `sock.async_read_some(buf,
//    deferred)`), started with a handler bound to the facade's executor.
// Each child records a value or an exception and reports to a child_listener, always
// on the facade's (serialized) executor.

namespace asyncio::detail {

// `void` results are stored and returned as std::monostate.
template <class T>
using stored_t = std::conditional_t<std::is_void_v<T>, std::monostate, T>;

class child_listener {
  public:
    // Called once per started child, on the facade's executor.
    virtual void child_done(std::size_t index, const std::exception_ptr& error) = 0;

  protected:
    ~child_listener() = default;
};

// The value or exception a child finished with.
template <class T>
class child_result {
  public:
    using value_type = T;

    const std::exception_ptr& error() const noexcept { return error_; }

    // The value (precondition: no error).
    stored_t<T> take_value() { return std::move(*value_); }

    outcome<T> take_outcome() {
        if (error_)
            return outcome<T>(boost::system::in_place_error, error_);
        if constexpr (std::is_void_v<T>)
            return outcome<T>();
        else
            return outcome<T>(std::move(*value_));
    }

    // Records an exception raised while starting the child.
    void set_error(std::exception_ptr e) noexcept { error_ = std::move(e); }

  protected:
    template <class... A>
    void set_value(A&&... a) {
        value_.emplace(std::forward<A>(a)...);
    }

    std::optional<stored_t<T>> value_;
    std::exception_ptr error_;
};

// --- awaitable<T> -----------------------------------------------------------------

template <class T>
class awaitable_child final : public child_result<T> {
  public:
    explicit awaitable_child(awaitable<T> aw) noexcept : awaitable_(std::move(aw)) {}
    awaitable_child(const awaitable_child&) = delete;
    awaitable_child& operator=(const awaitable_child&) = delete;

    void start(const executor_type& ex, child_listener& listener, std::size_t index) {
        auto token =
            boost::asio::bind_cancellation_slot(signal_.slot(), completion{this, &listener, index});
        running_ = true;
        try {
            if constexpr (std::is_void_v<T> || std::is_default_constructible_v<T>) {
                boost::asio::co_spawn(ex, std::move(awaitable_), std::move(token));
            } else {
                // co_spawn passes a T even on failure, so store the value from inside.
                auto body = store_value(std::move(awaitable_), this);
                boost::asio::co_spawn(ex, std::move(body), std::move(token));
            }
        } catch (...) {
            running_ = false;
            throw;
        }
    }

    void cancel(boost::asio::cancellation_type_t type) noexcept {
        if (running_)
            signal_.emit(type);
    }

    // A sibling failed: the facade started this coroutine, so it cancels it and
    // waits for it. Returns false: the child will still report.
    bool abandon() noexcept {
        cancel(boost::asio::cancellation_type::terminal);
        return false;
    }

  private:
    static awaitable<void> store_value(awaitable<T> aw, awaitable_child* self) {
        self->set_value(co_await std::move(aw));
    }

    struct completion {
        awaitable_child* self;
        child_listener* listener;
        std::size_t index;

        void operator()(std::exception_ptr e) { finish(std::move(e)); }

        template <class V>
        void operator()(std::exception_ptr e, V&& value) {
            if (!e)
                self->set_value(std::forward<V>(value));
            finish(std::move(e));
        }

        void finish(std::exception_ptr e) {
            self->running_ = false;
            if (e) {
                self->error_ = std::move(e);
            } else if constexpr (std::is_void_v<T>) {
                self->set_value();
            }
            listener->child_done(index, self->error_);
        }
    };

    awaitable<T> awaitable_;
    boost::asio::cancellation_signal signal_;
    bool running_ = false;
};

// --- task<T> ----------------------------------------------------------------------

template <class T>
class task_child final : public child_result<T>, public waiter {
  public:
    explicit task_child(task<T> t) noexcept : task_(std::move(t)) {}

    const task<T>& get_task() const noexcept { return task_; }

    void start(const executor_type& ex, child_listener& listener, std::size_t index) {
        executor_ = ex;
        listener_ = &listener;
        index_ = index;
        if (!state().add_waiter(*this))
            complete();
    }

    void complete() noexcept override {
        boost::asio::post(executor_, [this] { deliver(); });
    }

    // The caller was cancelled: as with `await task`, the task is cancelled too
    // (unless the facade already stopped watching it).
    void cancel(boost::asio::cancellation_type_t) noexcept {
        if (!detached_)
            state().cancel();
    }

    // A sibling failed: the task belongs to someone else, so the facade just stops
    // watching it. Returns whether it detached (no report will come).
    bool abandon() noexcept {
        detached_ = state().remove_waiter(*this);
        return detached_;
    }

  private:
    task_state<T>& state() const { return task_access::state(task_); }

    void deliver() {
        auto& st = state();
        if (auto e = st.raw_exception()) {
            this->error_ = std::move(e);
        } else {
            try {
                if constexpr (std::is_void_v<T>)
                    this->set_value();
                else
                    this->set_value(st.result());
            } catch (...) {
                this->error_ = std::current_exception();
            }
        }
        listener_->child_done(index_, this->error_);
    }

    task<T> task_;
    executor_type executor_;
    child_listener* listener_ = nullptr;
    std::size_t index_ = 0;
    bool detached_ = false;
};

// --- Asio asynchronous operations ------------------------------------------------

template <class Op>
class op_child final : public child_result<op_value_t<Op>> {
  public:
    explicit op_child(Op op) noexcept(std::is_nothrow_move_constructible_v<Op>)
        : op_(std::move(op)) {}
    op_child(const op_child&) = delete;
    op_child& operator=(const op_child&) = delete;

    void start(const executor_type& ex, child_listener& listener, std::size_t index) {
        running_ = true;
        try {
            std::move(op_)(boost::asio::bind_cancellation_slot(
                signal_.slot(),
                boost::asio::bind_executor(ex, completion{this, &listener, index})));
        } catch (...) {
            running_ = false;
            throw;
        }
    }

    void cancel(boost::asio::cancellation_type_t type) noexcept {
        if (running_)
            signal_.emit(type);
    }

    bool abandon() noexcept {
        cancel(boost::asio::cancellation_type::terminal);
        return false;
    }

  private:
    struct completion {
        op_child* self;
        child_listener* listener;
        std::size_t index;

        template <class... Args>
        void operator()(Args&&... args) {
            self->running_ = false;
            self->store(std::forward<Args>(args)...);
            listener->child_done(index, self->error_);
        }
    };

    template <class First, class... Rest>
    void store(First&& first, Rest&&... rest) {
        using F = std::decay_t<First>;
        if constexpr (std::is_same_v<F, boost::system::error_code>) {
            if (first)
                this->error_ = std::make_exception_ptr(boost::system::system_error(first));
            else
                store_values(std::forward<Rest>(rest)...);
        } else if constexpr (std::is_same_v<F, std::exception_ptr>) {
            if (first)
                this->error_ = std::forward<First>(first);
            else
                store_values(std::forward<Rest>(rest)...);
        } else {
            store_values(std::forward<First>(first), std::forward<Rest>(rest)...);
        }
    }

    void store() { this->set_value(); }

    // No value is monostate, one is itself, several construct the tuple in place.
    template <class... Vs>
    void store_values(Vs&&... vs) {
        this->set_value(std::forward<Vs>(vs)...);
    }

    Op op_;
    boost::asio::cancellation_signal signal_;
    bool running_ = false;
};

// --- choosing the child type ------------------------------------------------------

template <class T>
awaitable_child<T> child_for(awaitable<T>&&);
template <class T>
task_child<T> child_for(task<T>&&);
template <class Op>
requires boost::asio::is_async_operation<Op>::value op_child<Op> child_for(Op&&);

// The child type for an input of type X (awaitable<T>, task<T> or an async operation).
template <class X>
using child_t = decltype(child_for(std::declval<std::decay_t<X>>()));

template <class X>
concept child_input = requires {
    typename child_t<X>;
};

template <class X>
using child_value_t = typename child_t<X>::value_type;

template <class X>
inline constexpr bool is_task_v = false;
template <class T>
inline constexpr bool is_task_v<task<T>> = true;

} // namespace asyncio::detail

#endif // ASYNCIO_DETAIL_CHILDREN_HPP
