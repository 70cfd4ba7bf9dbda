// Copyright (c) 2026 The asyncio for Asio authors.
// Distributed under the Boost Software License, Version 1.0.

// The streams (asyncio::start_server / open_connection), with this library and with
// the best hand-written raw Asio:
//   tcp_echo - a TCP echo server and `connections` clients over 127.0.0.1, all in one
//              single-threaded loop; each client does `round_trips` ping-pongs of a
//              64-byte message (write it, the server echoes it, read exactly 64 bytes
//              back). TCP_NODELAY on every socket. The time covers the whole run:
//              starting the server, connecting, the ping-pong, closing.
// Prints one line per workload and implementation: "<workload> <impl> <seconds>".
// Usage: bench_streams [workload] [repetitions] [asyncio|raw_asio]

#include "harness.hpp"

#include <asyncio.hpp>
#include <asyncio/server.hpp>
#include <asyncio/streams.hpp>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/deferred.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/experimental/parallel_group.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>

#include <array>
#include <cstddef>
#include <cstring>
#include <string>
#include <utility>
#include <vector>

namespace asio = boost::asio;
using asio::ip::tcp;
using asyncio::awaitable;

namespace {

constexpr int connections = 50;
constexpr int round_trips = 1500; // per connection
constexpr std::size_t message_size = 64;

// --- this library ------------------------------------------------------------------

// What a Python user writes: read a message, echo it, drain; until the client is done.
awaitable<void> echo_handler(asyncio::stream_reader reader, asyncio::stream_writer writer) {
    for (;;) {
        std::string data;
        try {
            data = co_await reader.readexactly(message_size);
        } catch (const asyncio::incomplete_read_error&) {
            break; // the client closed the connection
        }
        writer.write(data);
        co_await writer.drain();
    }
    writer.close();
}

awaitable<long> client_asyncio(std::uint16_t port) {
    auto streams = co_await asyncio::open_connection("127.0.0.1", port);
    asyncio::stream_reader& reader = streams.first;
    asyncio::stream_writer& writer = streams.second;
    const std::string message(message_size, 'x');
    long echoed = 0;
    for (int i = 0; i < round_trips; ++i) {
        writer.write(message);
        co_await writer.drain();
        const std::string reply = co_await reader.readexactly(message_size);
        echoed += reply == message;
    }
    writer.close();
    co_await writer.wait_closed();
    co_return echoed;
}

awaitable<long> tcp_echo_asyncio() {
    asyncio::server server = co_await asyncio::start_server(echo_handler, "127.0.0.1", 0);
    const std::uint16_t port = server.port();
    std::vector<awaitable<long>> clients;
    clients.reserve(connections);
    for (int i = 0; i < connections; ++i)
        clients.push_back(client_asyncio(port));
    const std::vector<long> echoed = co_await asyncio::gather(std::move(clients));
    server.close();
    co_await server.wait_closed(); // every handler has finished
    long total = 0;
    for (long n : echoed)
        total += n;
    co_return total;
}

// --- raw Asio ------------------------------------------------------------------------

// Echoes what arrives until the client closes the connection.
awaitable<void> echo_session(tcp::socket socket) {
    std::array<char, 4096> data;
    for (;;) {
        auto [ec, n] =
            co_await socket.async_read_some(asio::buffer(data), asio::as_tuple(asio::deferred));
        if (ec)
            break; // eof
        co_await asio::async_write(socket, asio::buffer(data, n), asio::deferred);
    }
}

// Accepts `connections` connections and serves each in its own coroutine; the loop
// runs until every session has ended.
awaitable<void> accept_loop(tcp::acceptor acceptor) {
    for (int i = 0; i < connections; ++i) {
        tcp::socket socket = co_await acceptor.async_accept(asio::deferred);
        socket.set_option(tcp::no_delay(true));
        asio::co_spawn(acceptor.get_executor(), echo_session(std::move(socket)), asio::detached);
    }
}

awaitable<long> client_raw(tcp::endpoint server) {
    tcp::socket socket(co_await asio::this_coro::executor);
    co_await socket.async_connect(server, asio::deferred);
    socket.set_option(tcp::no_delay(true));
    std::array<char, message_size> message;
    message.fill('x');
    std::array<char, message_size> reply;
    long echoed = 0;
    for (int i = 0; i < round_trips; ++i) {
        co_await asio::async_write(socket, asio::buffer(message), asio::deferred);
        co_await asio::async_read(socket, asio::buffer(reply), asio::deferred);
        echoed += reply == message;
    }
    socket.close();
    co_return echoed;
}

awaitable<long> tcp_echo_raw() {
    auto ex = co_await asio::this_coro::executor;
    tcp::acceptor acceptor(ex, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
    const tcp::endpoint server = acceptor.local_endpoint();
    asio::co_spawn(ex, accept_loop(std::move(acceptor)), asio::detached);
    using op_type = decltype(asio::co_spawn(ex, client_raw(server), asio::deferred));
    std::vector<op_type> clients;
    clients.reserve(connections);
    for (int i = 0; i < connections; ++i)
        clients.push_back(asio::co_spawn(ex, client_raw(server), asio::deferred));
    auto group = asio::experimental::make_parallel_group(std::move(clients));
    auto [order, errors, echoed] =
        co_await group.async_wait(asio::experimental::wait_for_all(), asio::deferred);
    long total = 0;
    for (std::size_t i = 0; i < echoed.size(); ++i) {
        if (errors[i])
            std::rethrow_exception(errors[i]);
        total += echoed[i];
    }
    co_return total;
}

} // namespace

int main(int argc, char** argv) {
    const long total = long(connections) * round_trips;
    return bench::run(argc, argv,
                      {
                          {"tcp_echo", tcp_echo_asyncio, tcp_echo_raw, total},
                      });
}
