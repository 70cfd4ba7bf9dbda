// Copyright (c) 2026 The asyncio for Asio authors.
// Distributed under the Boost Software License, Version 1.0.

#include <asyncio/streams.hpp>

#include "test_util.hpp"

#include <asyncio/error.hpp>

#include <boost/asio/local/connect_pair.hpp>
#include <boost/asio/local/stream_protocol.hpp>
#include <boost/asio/this_coro.hpp>

#include <string>
#include <utility>

namespace {

using namespace asyncio::test;
using local_socket = boost::asio::local::stream_protocol::socket;

// Two connected stream pairs over a socketpair.
asyncio::awaitable<std::pair<asyncio::stream_pair, asyncio::stream_pair>>
socket_pair(asyncio::stream_options options = {}) {
    auto ex = co_await boost::asio::this_coro::executor;
    local_socket a(ex), b(ex);
    boost::asio::local::connect_pair(a, b);
    co_return std::pair{asyncio::make_streams(std::move(a), options),
                        asyncio::make_streams(std::move(b), options)};
}

} // namespace

BOOST_AUTO_TEST_SUITE(streams)

ASYNCIO_TEST_CASE(readline_and_readexactly_smoke) {
    auto [left, right] = co_await socket_pair();
    auto& [reader, unused_writer] = left;
    auto& [unused_reader, writer] = right;
    writer.write("hello\nworld");
    co_await writer.drain();
    BOOST_TEST(co_await reader.readline() == "hello\n");
    BOOST_TEST(co_await reader.readexactly(3) == "wor");
    writer.write_eof();
    BOOST_TEST(co_await reader.read() == "ld");
    BOOST_TEST(reader.at_eof());
}

BOOST_AUTO_TEST_SUITE_END()
