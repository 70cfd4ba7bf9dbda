// Copyright (c) 2026 The asyncio for Asio authors.
// Distributed under the Boost Software License, Version 1.0.

#ifndef ASYNCIO_DETAIL_DECAYED_INVOCABLE_HPP
#define ASYNCIO_DETAIL_DECAYED_INVOCABLE_HPP

#include <concepts>
#include <type_traits>

namespace asyncio::detail {

template <class T>
using decayed_lvalue = std::decay_t<T>&;

// `fn(args...)` can be called on stored (decayed) copies of `fn` and `args`: what
// to_thread and call_soon do with them.
template <class F, class... Args>
concept decayed_invocable = std::invocable<decayed_lvalue<F>, decayed_lvalue<Args>...>;

} // namespace asyncio::detail

#endif // ASYNCIO_DETAIL_DECAYED_INVOCABLE_HPP
