// Seed 003 (003_8670f7175ee7cb2a.txt, "Python Asyncio Explained: Simple and Clear
// Guide"), section "Synchronization Primitives: Event".
//
//     async def waiter(event):
//         print("Waiting for event to be set")
//         await event.wait()
//         print("Event set, continuing")
//
//     async def setter(event):
//         await asyncio.sleep(2)
//         event.set()
//         print("Event has been set")
//
//     async def main():
//         event = asyncio.Event()
//         await asyncio.gather(waiter(event), setter(event))
//
//     asyncio.run(main())
//
// Expected output (~2 s; set() only schedules the waiter, so the setter prints first):
//     Waiting for event to be set
//     Event has been set
//     Event set, continuing

#include "python_print.hpp"

#include <asyncio.hpp>

#include <chrono>

using namespace std::chrono_literals;

asyncio::awaitable<void> waiter(asyncio::event& event) {
    py::print("Waiting for event to be set");
    co_await event.wait();
    py::print("Event set, continuing");
}

asyncio::awaitable<void> setter(asyncio::event& event) {
    co_await asyncio::sleep(2s);
    event.set();
    py::print("Event has been set");
}

asyncio::awaitable<void> co_main() {
    asyncio::event event;
    co_await asyncio::gather(waiter(event), setter(event));
}

int main() {
    asyncio::run(co_main());
}
