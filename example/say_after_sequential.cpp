// Seed 001 (001_0c4e35ac5a600a5f.txt, "Python Library asyncio"), section "coroutine",
// the sequential program (async_await_demo.py).
//
//     async def say_after(delay, what):
//         await asyncio.sleep(delay)
//         print(what)
//
//     async def main():
//         print(f"started at {time.strftime('%X')}")
//         await say_after(1, 'hello')
//         await say_after(2, 'world')
//         print(f"finished at {time.strftime('%X')}")
//
//     asyncio.run(main())
//
// Expected output (~3 s: awaiting one coroutine after the other adds up the delays):
//     started at 12:00:00
//     hello
//     world
//     finished at 12:00:03

#include "python_print.hpp"

#include <asyncio.hpp>

#include <chrono>
#include <string>

using namespace std::chrono_literals;

asyncio::awaitable<void> say_after(std::chrono::seconds delay, std::string what) {
    co_await asyncio::sleep(delay);
    py::print(what);
}

asyncio::awaitable<void> co_main() {
    py::print("started at " + py::strftime("%X"));
    co_await say_after(1s, "hello");
    co_await say_after(2s, "world");
    py::print("finished at " + py::strftime("%X"));
}

int main() {
    asyncio::run(co_main());
}
