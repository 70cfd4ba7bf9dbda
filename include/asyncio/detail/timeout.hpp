// Copyright (c) 2026 The asyncio for Asio authors.
// Distributed under the Boost Software License, Version 1.0.

#ifndef ASYNCIO_DETAIL_TIMEOUT_HPP
#define ASYNCIO_DETAIL_TIMEOUT_HPP

#include <asyncio/config.hpp>
#include <asyncio/detail/children.hpp>
#include <asyncio/detail/chrono.hpp>
#include <asyncio/detail/parked_handler.hpp>
#include <asyncio/detail/serialized.hpp>
#include <asyncio/error.hpp>

#include <boost/asio/associated_cancellation_slot.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/asio/deferred.hpp>
#include <boost/asio/this_coro.hpp>

#include <functional>
#include <optional>
#include <type_traits>
#include <utility>

namespace asyncio::detail {

// A deadline as given by the caller: relative (resolved when the facade starts, not
// when it is created) or absolute.
class deadline {
  public:
    template <class Rep, class Period>
    static deadline after(std::chrono::duration<Rep, Period> d) noexcept {
        return deadline(true, to_clock_duration(d), {});
    }

    static deadline at(clock::time_point when) noexcept { return deadline(false, {}, when); }

    // Whether there is no time left at all (a non-positive duration, a past time).
    bool passed() const noexcept {
        return relative_ ? duration_ <= clock::duration::zero() : when_ <= clock::now();
    }

    clock::time_point resolve() const noexcept {
        return relative_ ? deadline_after(duration_) : when_;
    }

  private:
    deadline(bool relative, clock::duration d, clock::time_point when) noexcept
        : relative_(relative), duration_(d), when_(when) {}

    bool relative_;
    clock::duration duration_;
    clock::time_point when_;
};

// The state of one timeout call, in the awaiting coroutine's frame: one child and the
// timer of its deadline, all on one serialized executor. The caller resumes (inline)
// once the child has finished and no timer wait is in flight.
template <class Child>
class timeout_group final : public timeout_scope, child_listener {
  public:
    timeout_group(const executor_type& ex, clock::time_point when) : timeout_scope(ex, when) {}

    template <class... A>
    void emplace_child(A&&... a) {
        child_.emplace(std::forward<A>(a)...);
    }

    auto async_run(const executor_type& ex) {
        return boost::asio::async_initiate<const boost::asio::deferred_t&, void()>(
            initiation{this, ex}, boost::asio::deferred);
    }

    // After async_run: the child's value, timeout_error, or the child's exception.
    typename Child::value_type take_result() {
        if (const auto& e = child_->error()) {
            // Only the scope whose own deadline fired, and that no enclosing scope or
            // canceller also cancelled, turns the cancellation into a timeout.
            if (expired() && !outer_cancelled_ && is_cancellation(e))
                throw_timeout();
            std::rethrow_exception(e);
        }
        if constexpr (!std::is_void_v<typename Child::value_type>)
            return child_->take_value();
    }

  private:
    struct initiation {
        timeout_group* self;
        executor_type ex;

        template <class Handler>
        void operator()(Handler&& handler) const {
            self->begin(std::forward<Handler>(handler), ex);
        }
    };

    struct outer_cancel {
        timeout_group* self;
        void operator()(boost::asio::cancellation_type_t type) const { self->cancel_child(type); }
    };

    template <class Handler>
    void begin(Handler&& handler, const executor_type& ex) {
        auto slot = boost::asio::get_associated_cancellation_slot(handler);
        resume_.park(std::forward<Handler>(handler));
        if (slot.is_connected())
            slot.template emplace<outer_cancel>(this);
        arm(); // before the child starts: its own timers come later in the queue
        try {
            child_->start(ex, *this, 0);
        } catch (...) {
            child_->set_error(std::current_exception());
            child_done(0, child_->error());
        }
        started_ = true;
        try_finish();
    }

    void child_done(std::size_t, const std::exception_ptr&) override {
        child_done_ = true;
        disarm();
        try_finish();
    }

    void deadline_reached() override {
        if (!child_done_)
            child_->cancel(boost::asio::cancellation_type::terminal);
    }

    void timer_settled() override { try_finish(); }

    void cancel_child(boost::asio::cancellation_type_t type) {
        outer_cancelled_ = true;
        if (!child_done_)
            child_->cancel(type);
    }

    void try_finish() {
        if (started_ && child_done_ && timer_idle())
            resume_.resume(); // the caller may destroy *this before this returns
    }

    std::optional<Child> child_;
    parked_handler resume_;
    bool started_ = false;
    bool child_done_ = false;
    bool outer_cancelled_ = false;
};

// timeout / timeout_at / wait_for.
template <class X>
awaitable<child_value_t<X>> with_deadline(deadline limit, X input) {
    if constexpr (is_task_v<X>) {
        if (input.done())
            co_return input.result();
    } else {
        if (limit.passed())
            throw_timeout(); // never start the work
    }
    const auto when = limit.resolve();
    auto ex = co_await boost::asio::this_coro::executor;
    if (!is_serialized(ex)) {
        auto inner = with_deadline(deadline::at(when), std::move(input));
        co_return co_await run_serialized(ex, std::move(inner));
    }
    timeout_group<child_t<X>> group(ex, when);
    group.emplace_child(std::move(input));
    co_await group.async_run(ex);
    co_return group.take_result();
}

template <class A>
struct awaitable_value;
template <class T>
struct awaitable_value<awaitable<T>> {
    using type = T;
};

// What the body of a scope form yields.
template <class F>
using scope_value_t =
    typename awaitable_value<std::decay_t<std::invoke_result_t<F&, timeout_scope&>>>::type;

// The scope form of timeout / timeout_at.
template <class F>
awaitable<scope_value_t<F>> with_deadline_scope(deadline limit, F body) {
    using T = scope_value_t<F>;
    if (limit.passed())
        throw_timeout(); // never start the body
    const auto when = limit.resolve();
    auto ex = co_await boost::asio::this_coro::executor;
    if (!is_serialized(ex)) {
        auto inner = with_deadline_scope(deadline::at(when), std::move(body));
        co_return co_await run_serialized(ex, std::move(inner));
    }
    timeout_group<awaitable_child<T>> group(ex, when);
    group.emplace_child(std::invoke(body, static_cast<timeout_scope&>(group)));
    co_await group.async_run(ex);
    co_return group.take_result();
}

} // namespace asyncio::detail

#endif // ASYNCIO_DETAIL_TIMEOUT_HPP
