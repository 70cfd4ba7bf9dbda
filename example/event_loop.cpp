// Seed 003 (003_8670f7175ee7cb2a.txt, "Python Asyncio Explained: Simple and Clear
// Guide"), section "The Event Loop".
//
//     async def main():
//         print("Start of main coroutine")
//         await asyncio.sleep(1)
//         print("End of main coroutine")
//
//     asyncio.run(main())
//
// Expected output (~1 s):
//     Start of main coroutine
//     End of main coroutine

#include "python_print.hpp"

#include <asyncio.hpp>

using namespace std::chrono_literals;

asyncio::awaitable<void> co_main() {
    py::print("Start of main coroutine");
    co_await asyncio::sleep(1s);
    py::print("End of main coroutine");
}

int main() {
    // asyncio::run creates the event loop (a boost::asio::io_context), runs co_main
    // on it as a task, and closes the loop.
    asyncio::run(co_main());
}
