// Seed 000 (000_f01df8e2d3cae98e.txt, "Python asyncio Usage Guide"), section
// "4. Creating Tasks and Manual Management".
//
//     async def main():
//         task1 = asyncio.create_task(say("Hello", 2))
//         task2 = asyncio.create_task(say("World", 1))
//
//         # Wait for tasks to complete
//         await task1
//         await task2
//
//     asyncio.run(main())
//
// Expected output (~2 s: both tasks run as soon as they are created):
//     World
//     Hello

#include "python_print.hpp"

#include <asyncio.hpp>

#include <chrono>
#include <string>

using namespace std::chrono_literals;

asyncio::awaitable<void> say(std::string message, std::chrono::seconds delay) {
    co_await asyncio::sleep(delay);
    py::print(message);
}

asyncio::awaitable<void> co_main() {
    auto task1 = co_await asyncio::create_task(say("Hello", 2s));
    auto task2 = co_await asyncio::create_task(say("World", 1s));

    // Wait for tasks to complete
    co_await task1.wait();
    co_await task2.wait();
}

int main() {
    asyncio::run(co_main());
}
