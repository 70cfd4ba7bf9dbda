// Copyright (c) 2026 The asyncio for Asio authors.
// Distributed under the Boost Software License, Version 1.0.

#ifndef ASYNCIO_DETAIL_SOCKET_STREAM_HPP
#define ASYNCIO_DETAIL_SOCKET_STREAM_HPP

#include <asyncio/config.hpp>
#include <asyncio/detail/stream_core.hpp>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/basic_stream_socket.hpp>
#include <boost/asio/deferred.hpp>
#include <boost/asio/write.hpp>

#include <any>
#include <memory>
#include <tuple>
#include <utility>

namespace asyncio::detail {

// A stream_core over a connected Asio stream socket (TCP, Unix, ...).
//
// The socket is put in non-blocking mode once, here, before anything else can use it:
// write() sends without a handler, and no later operation rewrites the socket's
// state, so reads and writes from different threads only meet in Asio's reactor,
// which locks. Ending the connection shuts the socket down instead of closing it, for
// the same reason; the descriptor is closed when the last handle goes.
template <class Socket>
class socket_stream final : public stream_core {
  public:
    socket_stream(Socket socket, const stream_options& options)
        : stream_core(options), socket_(std::move(socket)) {
        socket_.non_blocking(true);
    }

    std::any endpoint(bool peer) const override {
        return peer ? socket_.remote_endpoint() : socket_.local_endpoint();
    }

    awaitable<void> fill() override {
        auto [ec, n] = co_await socket_.async_read_some(
            prepare_fill(), boost::asio::as_tuple(boost::asio::deferred));
        finish_fill(ec, n);
    }

  private:
    std::size_t try_write(boost::asio::const_buffer buffer,
                          boost::system::error_code& ec) noexcept override {
        return socket_.write_some(buffer, ec);
    }

    void start_write(boost::asio::const_buffer buffer) override {
        boost::asio::async_write(
            socket_, buffer,
            [self = shared_from_this()](const boost::system::error_code& ec, std::size_t) {
                static_cast<socket_stream&>(*self).written(ec);
            });
    }

    void shutdown_write(boost::system::error_code& ec) noexcept override {
        socket_.shutdown(Socket::shutdown_send, ec);
    }

    void shutdown_both() noexcept override {
        boost::system::error_code ignored;
        socket_.shutdown(Socket::shutdown_both, ignored);
    }

    Socket socket_;
};

} // namespace asyncio::detail

#endif // ASYNCIO_DETAIL_SOCKET_STREAM_HPP
