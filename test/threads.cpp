// Copyright (c) 2026 The asyncio for Asio authors.
// Distributed under the Boost Software License, Version 1.0.

#include <asyncio/threads.hpp>

#include "test_util.hpp"

BOOST_AUTO_TEST_SUITE(threads)

BOOST_AUTO_TEST_CASE(header_compiles) {
    BOOST_TEST(true);
}

BOOST_AUTO_TEST_SUITE_END()
