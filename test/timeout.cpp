#include <asyncio/timeout.hpp>

#include "test_util.hpp"

BOOST_AUTO_TEST_CASE(placeholder) {}
