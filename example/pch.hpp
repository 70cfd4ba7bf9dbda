// Precompiled for every example: the library and the standard headers they share.
#include <asyncio.hpp>

#include <boost/asio/this_coro.hpp>

#include <chrono>
#include <iostream>
#include <string>
#include <string_view>
#include <utility>
#include <vector>
