// Copyright (c) 2026 The asyncio for Asio authors.
// Distributed under the Boost Software License, Version 1.0.

#ifndef ASYNCIO_DETAIL_SLEEP_HPP
#define ASYNCIO_DETAIL_SLEEP_HPP

#include <asyncio/config.hpp>
#include <asyncio/detail/chrono.hpp>
#include <asyncio/error.hpp>

#include <boost/asio/deferred.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>

namespace asyncio::detail {

// Python's rule for a coroutine that resumes after its awaited operation completed
// but while a cancellation was pending: the cancellation wins. Only for operations
// whose result may be dropped (a timer, a task's done notice), never for one that
// hands over a resource.
//
// Call as throw_if_cancel_pending(co_await this_coro::cancellation_state,
//                                 co_await this_coro::throw_if_cancelled()).
inline void throw_if_cancel_pending(const boost::asio::cancellation_state& state,
                                    bool throw_if_cancelled) {
    if (throw_if_cancelled && state.cancelled() != boost::asio::cancellation_type::none)
        throw_cancelled();
}

// Lets every handler that is ready now run once, then resumes (Python's sleep(0)).
inline auto yield_now(const executor_type& ex) {
    return boost::asio::post(ex, boost::asio::deferred);
}

inline awaitable<void> sleep_for(clock::duration d) {
    auto ex = co_await boost::asio::this_coro::executor;
    if (d <= clock::duration::zero()) {
        co_await yield_now(ex);
    } else {
        boost::asio::steady_timer timer(ex, d);
        co_await timer.async_wait(boost::asio::deferred);
    }
    throw_if_cancel_pending(co_await boost::asio::this_coro::cancellation_state,
                            co_await boost::asio::this_coro::throw_if_cancelled());
}

} // namespace asyncio::detail

#endif // ASYNCIO_DETAIL_SLEEP_HPP
