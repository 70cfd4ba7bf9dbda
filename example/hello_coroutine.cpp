// Seed 001 (001_0c4e35ac5a600a5f.txt, "Python Library asyncio"), section "coroutine",
// first program, and its note that calling main() alone does not execute it.
//
//     async def main():
//         print('hello')
//         await asyncio.sleep(1)
//         print('world')
//
//     asyncio.run(main())
//
// Expected output (~1 s):
//     hello
//     world

#include "python_print.hpp"

#include <asyncio.hpp>

#include <utility>

using namespace std::chrono_literals;

asyncio::awaitable<void> co_main() {
    py::print("hello");
    co_await asyncio::sleep(1s);
    py::print("world");
}

int main() {
    // As in Python, calling the coroutine function only creates the coroutine: an
    // asyncio::awaitable that has not run yet, so nothing is printed here. (The same
    // holds for asyncio::sleep(1s): it does nothing until awaited.)
    asyncio::awaitable<void> coro = co_main();

    // asyncio::run runs it, as the top-level entry point, to completion.
    asyncio::run(std::move(coro));
}
