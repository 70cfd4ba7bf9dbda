// Seed 000 (000_f01df8e2d3cae98e.txt, "Python asyncio Usage Guide"), sections
// "1. Defining a Coroutine Function" and "2. Creating and Running a Coroutine Task";
// the same program is seed 004's (004_405aac4ebaf944ef.txt) "basic coroutine".
//
//     async def say_hello():
//         print("Hello")
//         await asyncio.sleep(1)  # Simulate a time-consuming operation
//         print("World")
//
//     asyncio.run(say_hello())
//
// Expected output (~1 s):
//     Hello
//     World

#include "python_print.hpp"

#include <asyncio.hpp>

using namespace std::chrono_literals;

asyncio::awaitable<void> say_hello() {
    py::print("Hello");
    co_await asyncio::sleep(1s); // Simulate a time-consuming operation
    py::print("World");
}

int main() {
    asyncio::run(say_hello());
}
