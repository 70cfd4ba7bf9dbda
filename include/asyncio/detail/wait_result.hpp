// Copyright (c) 2026 The asyncio for Asio authors.
// Distributed under the Boost Software License, Version 1.0.

#ifndef ASYNCIO_DETAIL_WAIT_RESULT_HPP
#define ASYNCIO_DETAIL_WAIT_RESULT_HPP

#include <asyncio/config.hpp>
#include <asyncio/error.hpp>

#include <boost/asio/awaitable.hpp>
#include <boost/system/error_code.hpp>

#include <optional>
#include <type_traits>
#include <utility>

namespace asyncio::detail {

// The outcome of a wait on a primitive. The Python-named members (`get()`,
// `acquire()`, ...) complete with `void(wait_result<V>)`, and `co_await` turns it
// into the value or the library's exception class (`queue_shut_down`, ...).
template <class Value>
struct wait_result {
    boost::system::error_code ec;
    std::optional<Value> value;

    Value get() && {
        if (ec)
            throw_error(ec);
        return std::move(*value);
    }
};

template <>
struct wait_result<void> {
    boost::system::error_code ec;

    void get() const {
        if (ec)
            throw_error(ec);
    }
};

} // namespace asyncio::detail

// Asio 1.26's awaitable turns a completion `void(T)` into the value T. This teaches
// it that `co_await` of an operation completing with `void(wait_result<V>)` yields
// V or throws, without a coroutine frame around the operation (the Python-named
// members are on the hot path of every program that uses a queue or a lock). The
// class is the `R(T)` case of boost/asio/impl/awaitable.hpp with another resume().
// It depends on that file's internals, so it is enabled for the versions it was
// checked against; other versions get a coroutine wrapper (see wait_op.hpp).
#if BOOST_VERSION / 100 == 1081
#define ASYNCIO_AWAITABLE_WAIT_RESULT 1

namespace boost::asio::detail {

template <typename R, typename V, typename Executor>
class awaitable_async_op_handler<R(asyncio::detail::wait_result<V>), Executor>
    : public awaitable_thread<Executor> {
  public:
    typedef asyncio::detail::wait_result<V>* result_type;

    awaitable_async_op_handler(awaitable_thread<Executor>* h, result_type& result)
        : awaitable_thread<Executor>(std::move(*h)), result_(result) {}

    void operator()(asyncio::detail::wait_result<V> result) {
        result_ = &result;
        this->entry_point()->top_of_stack_->attach_thread(this);
        this->entry_point()->top_of_stack_->clear_cancellation_slot();
        this->pump();
    }

    static V resume(result_type& result) { return std::move(*result).get(); }

  private:
    result_type& result_;
};

} // namespace boost::asio::detail

#else
#define ASYNCIO_AWAITABLE_WAIT_RESULT 0
#endif

#endif // ASYNCIO_DETAIL_WAIT_RESULT_HPP
