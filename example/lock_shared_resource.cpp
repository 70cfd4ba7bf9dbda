// Seed 003 (003_8670f7175ee7cb2a.txt, "Python Asyncio Explained: Simple and Clear
// Guide"), section "Synchronization Primitives: Lock".
//
//     shared_resource = 0
//     lock = asyncio.Lock()
//
//     async def modify_resource():
//         global shared_resource
//         async with lock:
//             print(f"Resource before: {shared_resource}")
//             shared_resource += 1
//             await asyncio.sleep(1)
//             print(f"Resource after: {shared_resource}")
//
//     async def main():
//         await asyncio.gather(modify_resource(), modify_resource())
//
//     asyncio.run(main())
//
// Expected output (~2 s: the second coroutine waits for the lock):
//     Resource before: 0
//     Resource after: 1
//     Resource before: 1
//     Resource after: 2

#include "python_print.hpp"

#include <asyncio.hpp>

#include <chrono>

using namespace std::chrono_literals;

int shared_resource = 0;
asyncio::lock lock;

asyncio::awaitable<void> modify_resource() {
    auto guard = co_await lock.scoped_acquire(); // async with lock:
    py::print("Resource before:", shared_resource);
    shared_resource += 1;
    co_await asyncio::sleep(1s);
    py::print("Resource after:", shared_resource);
}

asyncio::awaitable<void> co_main() {
    co_await asyncio::gather(modify_resource(), modify_resource());
}

int main() {
    asyncio::run(co_main());
}
