// Copyright (c) 2026 The asyncio for Asio authors.
// Distributed under the Boost Software License, Version 1.0.

#ifndef ASYNCIO_FUTURE_HPP
#define ASYNCIO_FUTURE_HPP

#include <asyncio/config.hpp>
#include <asyncio/detail/loop_service.hpp>
#include <asyncio/detail/task_state.hpp>
#include <asyncio/error.hpp>
#include <asyncio/task.hpp>

#include <boost/asio/async_result.hpp>

#include <concepts>
#include <exception>
#include <type_traits>
#include <utility>

namespace asyncio {

/**
 * Python's `asyncio.Future`: a result that someone sets later, once.
 *
 * A `future` is a cheap handle: copies refer to the same result, so one copy can be
 * given to the code that sets it and another awaited. Every member is thread-safe,
 * so a result may be set from any thread (a plain thread included).
 *
 * @code
 * asyncio::future<std::string> f(co_await asio::this_coro::executor);
 * co_await asyncio::create_task(set_later(f));   // calls f.set_result("ready")
 * std::string s = co_await f.wait();
 * @endcode
 */
template <class T = void>
class future {
  public:
    using value_type = T;

    /// A pending future whose callbacks and waits complete on `ex` (an executor or an
    /// execution context) unless they have an executor of their own (Python's
    /// `loop.create_future()`).
    template <executor_or_context E>
    explicit future(E&& ex) : state_(make_state(ex)) {}

    /// Whether the result, an exception or cancellation is set.
    bool done() const noexcept { return state_->done(); }

    /// Whether the future was cancelled.
    bool cancelled() const noexcept { return state_->cancelled(); }

    /// Cancels the future and completes its waiters and callbacks; false when it is
    /// done already.
    bool cancel() noexcept { return state_->cancel(); }

    /// Sets the result. Throws `invalid_state_error` when the future is done already
    /// (cancelled included).
    template <class U = T>
    requires(!std::is_void_v<T> && std::constructible_from<T, U&&>) void set_result(U&& value) {
        if (!state_->try_set_result(std::forward<U>(value)))
            detail::throw_invalid_state("the future is already done");
    }

    /// Sets the result of a `future<void>`. Throws `invalid_state_error` when the
    /// future is done already.
    void set_result() requires std::is_void_v<T> {
        if (!state_->try_set_result())
            detail::throw_invalid_state("the future is already done");
    }

    /// Sets an exception. Throws `std::invalid_argument` for a null pointer and
    /// `invalid_state_error` when the future is done already.
    void set_exception(std::exception_ptr e) {
        if (!e)
            detail::throw_invalid_argument("future::set_exception needs an exception");
        if (!state_->try_set_exception(std::move(e)))
            detail::throw_invalid_state("the future is already done");
    }

    /// The result. Throws `invalid_state_error` when not done, `cancelled_error` when
    /// cancelled, or rethrows the exception that was set. A move-only result can be
    /// taken once.
    T result() const { return state_->result(); }

    /// The exception that was set, or null. Throws `invalid_state_error` when not
    /// done, `cancelled_error` when cancelled.
    std::exception_ptr exception() const { return state_->exception(); }

    /// Registers `f`, called as `f(const future<T>&)` once the future is done.
    /// Callbacks are posted to the future's executor in registration order, never run
    /// inline (not even when the future is done already).
    template <std::invocable<const future&> F>
    void add_done_callback(F f) const {
        detail::add_done_callback(*state_, std::move(f), *this);
    }

    /**
     * Waits for the future.
     *
     * @par Completion Signature
     * @code void(std::exception_ptr, T) @endcode
     * (`void(std::exception_ptr)` for `future<void>`; the value is default-constructed
     * on failure.) In a coroutine, prefer `co_await f.wait()`.
     *
     * @par Per-Operation Cancellation
     * Terminal cancellation cancels the future (as Python's `await future` does).
     */
    template <class Token = boost::asio::default_completion_token_t<executor_type>>
    auto
    async_wait(Token&& token = boost::asio::default_completion_token_t<executor_type>()) const {
        return detail::async_wait_state<T>(state_.get(), std::forward<Token>(token));
    }

    /// `co_await f.wait()` yields the result or rethrows the exception (Python's `await
    /// future`). Cancelling the awaiting coroutine cancels the future.
    [[nodiscard]] awaitable<T> wait() const { return detail::wait_task<T>(state_); }

    /// The executor given at construction.
    executor_type get_executor() const { return state_->get_executor(); }

    /// Whether two handles refer to the same future.
    friend bool operator==(const future& a, const future& b) noexcept {
        return a.state_ == b.state_;
    }

  private:
    friend struct detail::task_access;
    using state_type = detail::future_state<T>;

    state_type& typed_state() const noexcept { return *state_; }

    template <class E>
    static boost::intrusive_ptr<state_type> make_state(E& ex) {
        executor_type base = detail::to_executor(ex);
        const auto* debug = detail::loop_service::of(base).debug();
        return boost::intrusive_ptr<state_type>(new state_type(std::move(base), debug));
    }

    boost::intrusive_ptr<state_type> state_;
};

} // namespace asyncio

#endif // ASYNCIO_FUTURE_HPP
