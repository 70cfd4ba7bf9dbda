// Seed 003 (003_8670f7175ee7cb2a.txt, "Python Asyncio Explained: Simple and Clear
// Guide"), section "Futures".
//
//     async def set_future_result(future, value):
//         await asyncio.sleep(1)
//         future.set_result(value)
//
//     async def main():
//         loop = asyncio.get_running_loop()
//         future = loop.create_future()
//
//         asyncio.create_task(set_future_result(future, "Future result is ready"))
//
//         result = await future
//         print(f"Received future result: {result}")
//
//     asyncio.run(main())
//
// Expected output (~1 s):
//     Received future result: Future result is ready

#include "python_print.hpp"

#include <asyncio.hpp>

#include <boost/asio/this_coro.hpp>

#include <chrono>
#include <string>

using namespace std::chrono_literals;

// A future is a cheap handle: this copy and main's refer to the same result.
asyncio::awaitable<void> set_future_result(asyncio::future<std::string> future, std::string value) {
    co_await asyncio::sleep(1s);
    future.set_result(std::move(value));
}

asyncio::awaitable<void> co_main() {
    // loop.create_future(): a future bound to the running loop.
    asyncio::future<std::string> future(co_await boost::asio::this_coro::executor);

    co_await asyncio::create_task(set_future_result(future, "Future result is ready"));

    auto result = co_await future.wait(); // await future
    py::print("Received future result: " + result);
}

int main() {
    asyncio::run(co_main());
}
