// Copyright (c) 2026 The asyncio for Asio authors.
// Distributed under the Boost Software License, Version 1.0.

// The umbrella header alone gives the whole API, as in the README's taste.
#include <asyncio.hpp>

#include "test_util.hpp"

namespace {

using namespace std::chrono_literals;
using asyncio::awaitable;

awaitable<int> add(int a, int b) {
    co_await asyncio::sleep(1ms);
    co_return a + b;
}

BOOST_AUTO_TEST_SUITE(umbrella)

ASYNCIO_TEST_CASE(the_readme_taste_compiles_and_runs) {
    auto t = co_await asyncio::create_task(add(1, 2));
    auto [x, y] = co_await asyncio::gather(add(3, 4), t);
    BOOST_TEST(x == 7);
    BOOST_TEST(y == 3);
    int z = co_await asyncio::wait_for(add(5, 6), 1s);
    BOOST_TEST(z == 11);
    bool timed_out = false;
    try {
        co_await asyncio::timeout(1ms, asyncio::sleep(1h));
    } catch (const asyncio::timeout_error&) {
        timed_out = true;
    }
    BOOST_TEST(timed_out);
}

BOOST_AUTO_TEST_SUITE_END()

} // namespace
