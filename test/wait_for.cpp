#include <asyncio/wait_for.hpp>

#include "test_util.hpp"

BOOST_AUTO_TEST_CASE(placeholder) {}
