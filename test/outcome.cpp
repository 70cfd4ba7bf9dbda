// Copyright (c) 2026 The asyncio for Asio authors.
// Distributed under the Boost Software License, Version 1.0.

#include <asyncio/outcome.hpp>

#include "test_util.hpp"

#include <stdexcept>

BOOST_AUTO_TEST_SUITE(outcome)

BOOST_AUTO_TEST_CASE(outcome_holds_a_value_or_an_exception) {
    asyncio::outcome<int> ok(42);
    BOOST_TEST(ok.has_value());
    BOOST_TEST(ok.value() == 42);

    asyncio::outcome<int> failed(boost::system::in_place_error,
                                 std::make_exception_ptr(std::runtime_error("bad")));
    BOOST_TEST(failed.has_error());
    BOOST_CHECK_THROW(failed.value(), std::runtime_error);

    asyncio::outcome<void> done;
    BOOST_TEST(done.has_value());
}

BOOST_AUTO_TEST_SUITE_END()
