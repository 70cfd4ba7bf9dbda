// Copyright (c) 2026 The asyncio for Asio authors.
// Distributed under the Boost Software License, Version 1.0.

// The program of both CMake consumer projects (cmake_install_test uses the
// installed package, cmake_subdir_test adds the source tree as a subdirectory):
// runs a small coroutine, returns 0 when it yields the expected value.

#include <asyncio.hpp>

#include <chrono>
#include <iostream>

using namespace std::chrono_literals;

asyncio::awaitable<int> square(int x) {
    co_await asyncio::sleep(1ms);
    const int result = x * x;
    co_return result;
}

asyncio::awaitable<int> amain() {
    auto three = co_await asyncio::create_task(square(3));
    auto [a, b] = co_await asyncio::gather(three, square(4));
    int c = co_await asyncio::wait_for(square(5), 10s);
    co_return a + b + c;
}

int main() {
    int result = asyncio::run(amain());
    std::cout << CONSUMER_NAME ": 9 + 16 + 25 = " << result << '\n';
    return result == 50 ? 0 : 1;
}
