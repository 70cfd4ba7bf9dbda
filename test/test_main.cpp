// Copyright (c) 2026 The asyncio for Asio authors.
// Distributed under the Boost Software License, Version 1.0.

#define BOOST_TEST_MODULE asyncio
#include <boost/test/unit_test.hpp>
