// Copyright (c) 2026 The asyncio for Asio authors.
// Distributed under the Boost Software License, Version 1.0.

#ifndef ASYNCIO_DETAIL_OP_VALUE_HPP
#define ASYNCIO_DETAIL_OP_VALUE_HPP

#include <asyncio/config.hpp>

#include <boost/asio/async_result.hpp>
#include <boost/system/error_code.hpp>

#include <exception>
#include <tuple>
#include <type_traits>
#include <utility>

namespace asyncio::detail {

// What `co_await op` yields for an operation completing with `Signature` (the rules
// of Asio's awaitable: a leading error_code or exception_ptr becomes an exception;
// no value is void, one is itself, several are a tuple).
template <class Signature>
struct op_value;

template <class... Ts>
struct values_of {
    using type = std::conditional_t<
        sizeof...(Ts) == 0, void,
        std::conditional_t<sizeof...(Ts) == 1, std::tuple_element_t<0, std::tuple<Ts..., void>>,
                           std::tuple<Ts...>>>;
};

template <class R, class... Ts>
struct op_value<R(Ts...)> : values_of<std::decay_t<Ts>...> {};
template <class R, class... Ts>
struct op_value<R(boost::system::error_code, Ts...)> : values_of<std::decay_t<Ts>...> {};
template <class R, class... Ts>
struct op_value<R(const boost::system::error_code&, Ts...)> : values_of<std::decay_t<Ts>...> {};
template <class R, class... Ts>
struct op_value<R(std::exception_ptr, Ts...)> : values_of<std::decay_t<Ts>...> {};

template <class Op>
using op_value_t =
    typename op_value<boost::asio::completion_signature_of_t<std::decay_t<Op>>>::type;

// A coroutine that awaits `op` (so an operation can be run as a task).
template <class Op>
awaitable<op_value_t<Op>> await_operation(Op op) {
    co_return co_await std::move(op);
}

} // namespace asyncio::detail

#endif // ASYNCIO_DETAIL_OP_VALUE_HPP
