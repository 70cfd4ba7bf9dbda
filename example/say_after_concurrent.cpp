// Seed 001 (001_0c4e35ac5a600a5f.txt, "Python Library asyncio"), section "coroutine",
// the concurrent program (async_task_demo.py).
//
//     async def say_after(delay, what):
//         await asyncio.sleep(delay)
//         print(what)
//
//     async def main():
//         task1 = asyncio.create_task(say_after(1, 'hello'))
//         task2 = asyncio.create_task(say_after(2, 'world'))
//
//         print(f"started at {time.strftime('%X')}")
//         await task1
//         await task2
//         print(f"finished at {time.strftime('%X')}")
//
//     asyncio.run(main())
//
// Expected output (~2 s: both tasks sleep at the same time):
//     started at 12:00:00
//     hello
//     world
//     finished at 12:00:02

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
    auto task1 = co_await asyncio::create_task(say_after(1s, "hello"));
    auto task2 = co_await asyncio::create_task(say_after(2s, "world"));

    py::print("started at " + py::strftime("%X"));
    co_await task1.wait();
    co_await task2.wait();
    py::print("finished at " + py::strftime("%X"));
}

int main() {
    asyncio::run(co_main());
}
