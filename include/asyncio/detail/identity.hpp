// Copyright (c) 2026 The asyncio for Asio authors.
// Distributed under the Boost Software License, Version 1.0.

#ifndef ASYNCIO_DETAIL_IDENTITY_HPP
#define ASYNCIO_DETAIL_IDENTITY_HPP

#include <asyncio/config.hpp>

#include <boost/asio/async_result.hpp>
#include <boost/asio/deferred.hpp>

#include <utility>

namespace asyncio::detail {

// The completion handler Asio gives an operation awaited by a coroutine is the
// coroutine's "awaitable thread" (all frames started by one co_spawn); its
// entry_point() is the bottom frame, which is the same for every frame of that
// thread and does not change when the cancellation state is reset. That pointer
// identifies the task a coroutine belongs to.
struct initiate_identity {
    template <class Handler>
    void operator()(Handler&& handler) const {
        const void* identity = nullptr;
        if constexpr (requires { handler.entry_point(); })
            identity = handler.entry_point();
        // Completing inline is fine here: this operation is only ever co_awaited.
        std::forward<Handler>(handler)(identity);
    }
};

// co_await this_thread_identity() yields the identity of the calling coroutine.
inline auto this_thread_identity() {
    return boost::asio::async_initiate<const boost::asio::deferred_t&, void(const void*)>(
        initiate_identity{}, boost::asio::deferred);
}

} // namespace asyncio::detail

#endif // ASYNCIO_DETAIL_IDENTITY_HPP
