// Seed 000 (000_f01df8e2d3cae98e.txt, "Python asyncio Usage Guide"), section
// "5. Handling Asynchronous Results".
//
//     async def add(a, b):
//         await asyncio.sleep(1)
//         return a + b
//
//     async def main():
//         result = await add(3, 4)
//         print("Result:", result)
//
//     asyncio.run(main())
//
// Expected output (~1 s):
//     Result: 7

#include "python_print.hpp"

#include <asyncio.hpp>

using namespace std::chrono_literals;

asyncio::awaitable<int> add(int a, int b) {
    co_await asyncio::sleep(1s);
    co_return a + b;
}

asyncio::awaitable<void> co_main() {
    // Awaiting a coroutine gives its return value directly.
    int result = co_await add(3, 4);
    py::print("Result:", result);
}

int main() {
    asyncio::run(co_main());
}
