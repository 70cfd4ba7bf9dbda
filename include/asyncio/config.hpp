// Copyright (c) 2026 The asyncio for Asio authors.
// Distributed under the Boost Software License, Version 1.0.

#ifndef ASYNCIO_CONFIG_HPP
#define ASYNCIO_CONFIG_HPP

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/version.hpp>

#if BOOST_VERSION < 108100
#error "asyncio for Asio needs Boost 1.81 or newer (Asio 1.26)"
#endif

#if !defined(BOOST_ASIO_HAS_CO_AWAIT)
#error "asyncio for Asio needs C++20 coroutines (compile with -std=c++20)"
#endif

/// Everything this library offers lives in namespace asyncio.
namespace asyncio {

/// The coroutine type: `asyncio::awaitable<T>` is `boost::asio::awaitable<T>`.
using boost::asio::awaitable;

/// The executor every coroutine of this library runs on.
using executor_type = boost::asio::any_io_executor;

} // namespace asyncio

#endif // ASYNCIO_CONFIG_HPP
