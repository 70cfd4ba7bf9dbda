// Copyright (c) 2026 The asyncio for Asio authors.
// Distributed under the Boost Software License, Version 1.0.

// A project that builds asyncio as a subdirectory: runs a small coroutine,
// returns 0 when it yields the expected value.

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
    std::cout << "cmake_subdir_test: 9 + 16 + 25 = " << result << '\n';
    return result == 50 ? 0 : 1;
}
