// Copyright (c) 2026 The asyncio for Asio authors.
// Distributed under the Boost Software License, Version 1.0.

#include <asyncio/server.hpp>

#include "test_util.hpp"

#include <asyncio/streams.hpp>

#include <string>

namespace {

using namespace asyncio::test;

asyncio::awaitable<void> echo(asyncio::stream_reader reader, asyncio::stream_writer writer) {
    for (;;) {
        std::string line = co_await reader.readline();
        if (line.empty())
            break;
        writer.write(line);
        co_await writer.drain();
    }
    writer.close();
    co_await writer.wait_closed();
}

} // namespace

BOOST_AUTO_TEST_SUITE(server)

ASYNCIO_TEST_CASE(echo_smoke) {
    auto srv = co_await asyncio::start_server(echo, "127.0.0.1", 0);
    BOOST_TEST(srv.is_serving());
    auto [reader, writer] = co_await asyncio::open_connection("127.0.0.1", srv.port());
    writer.write("ping\n");
    BOOST_TEST(co_await reader.readline() == "ping\n");
    writer.close();
    co_await writer.wait_closed();
    srv.close();
    co_await srv.wait_closed();
    BOOST_TEST(!srv.is_serving());
}

BOOST_AUTO_TEST_SUITE_END()
