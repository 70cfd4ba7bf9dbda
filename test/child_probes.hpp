// Copyright (c) 2026 The asyncio for Asio authors.
// Distributed under the Boost Software License, Version 1.0.

// Children for the composition tests (gather, wait_for, timeout): coroutines and
// Asio operations that record what happened to them, and helpers to inspect how
// an awaitable ended.

#ifndef ASYNCIO_TEST_CHILD_PROBES_HPP
#define ASYNCIO_TEST_CHILD_PROBES_HPP

#include <asyncio/error.hpp>
#include <asyncio/sleep.hpp>
#include <asyncio/task.hpp>

#include <boost/asio/append.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/asio/deferred.hpp>
#include <boost/asio/error.hpp>
#include <boost/asio/post.hpp>

#include <atomic>
#include <chrono>
#include <exception>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <utility>

namespace asyncio::test {

using std::chrono::milliseconds;

// Long enough that only a cancellation ends it.
inline constexpr milliseconds forever{10'000};

// What a child went through, for checks made after the facade returned. Atomics:
// some tests run on four threads.
struct probe {
    std::atomic<bool> started{false};
    std::atomic<bool> cancelled{false};  // a cancellation error reached it
    std::atomic<bool> finished{false};   // its body ran to the end
    std::atomic<bool> cleaned_up{false}; // its cleanup (RAII guard, catch block) ran
};

// Sets a flag when it goes out of scope (a child's RAII cleanup).
class set_on_exit {
  public:
    explicit set_on_exit(std::atomic<bool>& flag) noexcept : flag_(flag) {}
    set_on_exit(const set_on_exit&) = delete;
    set_on_exit& operator=(const set_on_exit&) = delete;
    ~set_on_exit() { flag_ = true; }

  private:
    std::atomic<bool>& flag_;
};

inline bool is_operation_aborted(const boost::system::system_error& e) {
    return e.code() == boost::asio::error::operation_aborted;
}

// Sleeps `d`; a cancellation that ends the sleep is recorded in `p`, and rethrown.
inline awaitable<void> sleep_noting_cancellation(probe& p, milliseconds d) {
    try {
        co_await asyncio::sleep(d);
    } catch (const boost::system::system_error& e) {
        if (is_operation_aborted(e))
            p.cancelled = true;
        throw;
    }
}

// Sleeps `d`, then yields `value`; records what happened in `p`.
inline awaitable<int> work(probe& p, milliseconds d, int value) {
    p.started = true;
    set_on_exit guard(p.cleaned_up);
    co_await sleep_noting_cancellation(p, d);
    p.finished = true;
    co_return value;
}

// Waits forever; once cancelled, spends `cleanup` on asynchronous cleanup (which is
// what makes "the facade awaited it" observable), then lets the cancellation through.
inline awaitable<int> slow_cleanup(probe& p, milliseconds cleanup) {
    p.started = true;
    std::exception_ptr cancellation;
    try {
        co_await sleep_noting_cancellation(p, forever);
    } catch (const boost::system::system_error&) {
        cancellation = std::current_exception();
    }
    co_await asyncio::uncancel(); // Asio keeps the cancellation in effect otherwise
    {
        set_on_exit guard(p.cleaned_up);
        co_await asyncio::sleep(cleanup);
    }
    if (cancellation)
        std::rethrow_exception(cancellation);
    co_return -1;
}

// Waits forever; on cancellation, catches it and returns `value` at once.
inline awaitable<int> swallow_and_return(probe& p, int value) {
    p.started = true;
    try {
        co_await sleep_noting_cancellation(p, forever);
    } catch (const boost::system::system_error&) {
        // swallowed
    }
    p.cleaned_up = true;
    co_return value;
}

// Waits forever; on cancellation, catches it, clears it and keeps working for `extra`
// before returning `value`.
inline awaitable<int> swallow_and_keep_working(probe& p, milliseconds extra, int value) {
    p.started = true;
    try {
        co_await sleep_noting_cancellation(p, forever);
    } catch (const boost::system::system_error&) {
        // swallowed
    }
    co_await asyncio::uncancel();
    co_await asyncio::sleep(extra);
    const int result = co_await asyncio::sleep(milliseconds(1), value);
    p.finished = true;
    co_return result;
}

// Waits forever; on cancellation, fails with std::logic_error("cleanup failed").
inline awaitable<int> fail_differently_when_cancelled(probe& p) {
    p.started = true;
    try {
        co_await sleep_noting_cancellation(p, forever);
    } catch (const boost::system::system_error&) {
        p.cleaned_up = true;
        throw std::logic_error("cleanup failed");
    }
    co_return -1;
}

// Sleeps `d`, then throws std::runtime_error(what).
template <class T = int>
awaitable<T> fail_after(milliseconds d, std::string what) {
    co_await asyncio::sleep(d);
    throw std::runtime_error(what);
}

// Yields `value` once `go` is set (gives up after about 2 s).
inline awaitable<int> value_when(const std::atomic<bool>& go, int value, probe& p) {
    p.started = true;
    set_on_exit guard(p.cleaned_up);
    for (int i = 0; i < 2000 && !go; ++i)
        co_await sleep_noting_cancellation(p, milliseconds(1));
    p.finished = true;
    co_return value;
}

// Polls `flag` until it is set; false if it never is (within 5 s).
inline awaitable<bool> became_true(const std::atomic<bool>& flag) {
    const auto limit = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    while (!flag) {
        if (std::chrono::steady_clock::now() > limit)
            co_return false;
        co_await asyncio::sleep(milliseconds(1));
    }
    co_return true;
}

// The exception `aw` ends with (null if it returns).
template <class T>
awaitable<std::exception_ptr> exception_of(awaitable<T> aw) {
    std::exception_ptr e;
    try {
        co_await std::move(aw);
    } catch (...) {
        e = std::current_exception();
    }
    co_return e;
}

// The exception `aw` ends with (null if it returns), with what `at_throw()` returned the
// moment it was caught, before anything else could run: for checks of what was done
// (cleaned up, finished) by the time it threw. (Value-initialized if `aw` returned.)
template <class T, class F>
awaitable<std::pair<std::exception_ptr, std::invoke_result_t<F&>>> exception_of(awaitable<T> aw,
                                                                                F at_throw) {
    std::pair<std::exception_ptr, std::invoke_result_t<F&>> r{};
    try {
        co_await std::move(aw);
    } catch (...) {
        r.first = std::current_exception();
        r.second = at_throw();
    }
    co_return r;
}

// How an awaitable yielding T ended: its value (T{} if it threw), or its exception
// (null if it returned).
template <class T>
struct ending {
    T value{};
    std::exception_ptr exception;
};

template <class T>
awaitable<ending<T>> ending_of(awaitable<T> aw) {
    ending<T> r;
    try {
        r.value = co_await std::move(aw);
    } catch (...) {
        r.exception = std::current_exception();
    }
    co_return r;
}

inline std::string what_of(const std::exception_ptr& e) {
    if (!e)
        return "<no exception>";
    try {
        std::rethrow_exception(e);
    } catch (const std::exception& x) {
        return x.what();
    } catch (...) {
        return "<not a std::exception>";
    }
}

template <class E>
bool is_a(const std::exception_ptr& e) {
    if (!e)
        return false;
    try {
        std::rethrow_exception(e);
    } catch (const E&) {
        return true;
    } catch (...) {
        return false;
    }
}

inline boost::system::error_code code_of(const std::exception_ptr& e) {
    if (!e)
        return {};
    try {
        std::rethrow_exception(e);
    } catch (const boost::system::system_error& x) {
        return x.code();
    } catch (...) {
        return {};
    }
}

// An asyncio::timeout_error with the library's timeout code.
inline bool is_timeout(const std::exception_ptr& e) {
    return is_a<asyncio::timeout_error>(e) && code_of(e) == asyncio::error::timeout;
}

// How a facade awaited inside another coroutine ended.
struct report {
    std::atomic<bool> returned{false};
    boost::system::error_code code;
    bool timeout_error_caught = false;
    bool work_done_at_throw = false;
};

// --- small Asio operations --------------------------------------------------------

// Completes with (ec, value) on the handler's own executor.
struct initiate_value {
    template <class Handler>
    void operator()(Handler&& handler, boost::system::error_code ec, int value) const {
        boost::asio::post(boost::asio::append(std::forward<Handler>(handler), ec, value));
    }
};

// An Asio operation (deferred) yielding `value`, or failing with `ec`.
inline auto value_op(int value, boost::system::error_code ec = {}) {
    return boost::asio::async_initiate<const boost::asio::deferred_t&,
                                       void(boost::system::error_code, int)>(
        initiate_value{}, boost::asio::deferred, ec, value);
}

// Records that it was started, then completes at once (on the handler's executor).
struct initiate_flagged {
    template <class Handler>
    void operator()(Handler&& handler, std::atomic<bool>* started) const {
        *started = true;
        boost::asio::post(std::forward<Handler>(handler));
    }
};

inline auto flagged_op(std::atomic<bool>& started) {
    return boost::asio::async_initiate<const boost::asio::deferred_t&, void()>(
        initiate_flagged{}, boost::asio::deferred, &started);
}

// Throws from its initiating function: the operation cannot even start.
struct initiate_throwing {
    template <class Handler>
    void operator()(Handler&&) const {
        throw std::runtime_error("cannot start");
    }
};

inline auto throwing_op() {
    return boost::asio::async_initiate<const boost::asio::deferred_t&, void()>(
        initiate_throwing{}, boost::asio::deferred);
}

} // namespace asyncio::test

#endif // ASYNCIO_TEST_CHILD_PROBES_HPP
