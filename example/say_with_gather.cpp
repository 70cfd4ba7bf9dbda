// Seed 000 (000_f01df8e2d3cae98e.txt, "Python asyncio Usage Guide"), section
// "3. Running Multiple Coroutines Concurrently".
//
//     async def say(message, delay):
//         await asyncio.sleep(delay)
//         print(message)
//
//     async def main():
//         # Run two coroutines concurrently
//         await asyncio.gather(
//             say("Hello", 2),
//             say("World", 1)
//         )
//
//     asyncio.run(main())
//
// Expected output (~2 s: the two run concurrently, "World" has the shorter delay):
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
    // Run two coroutines concurrently
    co_await asyncio::gather(say("Hello", 2s), say("World", 1s));
}

int main() {
    asyncio::run(co_main());
}
