// Seed 004 (004_405aac4ebaf944ef.txt, "Asynchronous Programming"), section "Code
// Examples", "You can even use the event loop directly".
//
//     async def say_after(delay, what):
//         await asyncio.sleep(delay)
//         print(what)
//
//     async def main():
//         loop = asyncio.get_event_loop()
//         task = loop.create_task(say_after(1, 'hello'))
//         await task
//
//     loop = asyncio.get_event_loop()
//     loop.run_until_complete(main())
//     loop.close()
//
// Expected output (~1 s):
//     hello

#include "python_print.hpp"

#include <asyncio.hpp>

#include <boost/asio/this_coro.hpp>

#include <chrono>
#include <string>

using namespace std::chrono_literals;

asyncio::awaitable<void> say_after(std::chrono::seconds delay, std::string what) {
    co_await asyncio::sleep(delay);
    py::print(what);
}

asyncio::awaitable<void> co_main() {
    // The running loop, seen from a coroutine, is its executor.
    auto loop = co_await boost::asio::this_coro::executor;
    auto task = asyncio::create_task(loop, say_after(1s, "hello"));
    co_await task.wait();
}

int main() {
    // asyncio::runner owns an event loop (a boost::asio::io_context): the counterpart
    // of the loop that Python's get_event_loop() creates. An io_context of your own
    // works too: asyncio::create_task(io, co_main()), then io.run().
    asyncio::runner loop;
    loop.run(co_main()); // loop.run_until_complete(main())
    loop.close();
}
