// Copyright (c) 2026 The asyncio for Asio authors.
// Distributed under the Boost Software License, Version 1.0.

#ifndef ASYNCIO_OUTCOME_HPP
#define ASYNCIO_OUTCOME_HPP

#include <asyncio/config.hpp>

#include <boost/system/result.hpp>

#include <exception>

namespace asyncio {

/// The value or the exception of one awaited operation (what
/// `gather(asyncio::return_exceptions, ...)` yields per input). `value()` rethrows
/// the exception; `has_error()` / `error()` inspect it without throwing.
template <class T>
using outcome = boost::system::result<T, std::exception_ptr>;

} // namespace asyncio

#endif // ASYNCIO_OUTCOME_HPP
