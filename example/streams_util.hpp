// Copyright (c) 2026 The asyncio for Asio authors.
// Distributed under the Boost Software License, Version 1.0.

#ifndef ASYNCIO_EXAMPLE_STREAMS_UTIL_HPP
#define ASYNCIO_EXAMPLE_STREAMS_UTIL_HPP

// What the stream examples (tcp_echo, chat_server) share. A helper of the examples, not
// part of the library.

#include <asyncio.hpp>

#include <boost/asio/signal_set.hpp>
#include <boost/asio/this_coro.hpp>

#include <csignal>

namespace example {

/// Serves until Ctrl-C (SIGINT) or SIGTERM: Python's `await server.serve_forever()`,
/// which Ctrl-C interrupts. Python turns Ctrl-C into KeyboardInterrupt; here a plain Asio
/// signal_set on the same loop closes the server, which ends serve_forever(). Then the
/// connections still open are closed (Python 3.13's `close_clients()`), so their handlers
/// read the end of the stream and finish, and wait_closed() returns.
inline asyncio::awaitable<void> serve_until_interrupted(asyncio::server& server) {
    boost::asio::signal_set signals(co_await boost::asio::this_coro::executor, SIGINT, SIGTERM);
    signals.async_wait([&server](const boost::system::error_code& ec, int) {
        if (!ec)
            server.close(); // not when the wait is cancelled: the server may be gone
    });
    co_await server.serve_forever();
    server.close_clients();
    co_await server.wait_closed();
}

} // namespace example

#endif // ASYNCIO_EXAMPLE_STREAMS_UTIL_HPP
