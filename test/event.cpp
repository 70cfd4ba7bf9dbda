// Copyright (c) 2026 The asyncio for Asio authors.
// Distributed under the Boost Software License, Version 1.0.

#include <asyncio/event.hpp>

#include "test_util.hpp"

namespace {

BOOST_AUTO_TEST_SUITE(event)

BOOST_AUTO_TEST_CASE(placeholder) {}

BOOST_AUTO_TEST_SUITE_END()

} // namespace
