// Copyright (c) 2026 The asyncio for Asio authors.
// Distributed under the Boost Software License, Version 1.0.

#ifndef ASYNCIO_DETAIL_SERIALIZED_HPP
#define ASYNCIO_DETAIL_SERIALIZED_HPP

#include <asyncio/config.hpp>
#include <asyncio/detail/children.hpp>
#include <asyncio/detail/executor.hpp>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/deferred.hpp>

#include <optional>
#include <type_traits>

namespace asyncio::detail {

template <class T>
awaitable<void> store_result(awaitable<T> aw, std::optional<stored_t<T>>* out) {
    if constexpr (std::is_void_v<T>) {
        co_await std::move(aw);
        out->emplace();
    } else {
        out->emplace(co_await std::move(aw));
    }
}

// Runs `inner` on a new strand of `ex` and yields its result.
//
// A facade's bookkeeping and the children it starts must not run concurrently
// (Asio issue #1348 is that race in parallel_group). Tasks already run on a
// serialized executor; a plain coroutine on a multi-threaded io_context does not, so
// the facade moves itself onto a strand. Cancellation follows: co_spawn delivers the
// caller's cancellation through the strand.
template <class T>
awaitable<T> run_serialized(executor_type ex, awaitable<T> inner) {
    std::optional<stored_t<T>> out;
    auto body = store_result(std::move(inner), &out);
    co_await boost::asio::co_spawn(new_strand(ex), std::move(body), boost::asio::deferred);
    if constexpr (!std::is_void_v<T>)
        co_return std::move(*out);
}

} // namespace asyncio::detail

#endif // ASYNCIO_DETAIL_SERIALIZED_HPP
