// Seed 003 (003_8670f7175ee7cb2a.txt, "Python Asyncio Explained: Simple and Clear
// Guide"), section "Synchronization Primitives: Semaphore".
//
//     async def access_resource(semaphore, resource_id):
//         async with semaphore:
//             print(f"Accessing resource {resource_id}")
//             await asyncio.sleep(1)
//             print(f"Releasing resource {resource_id}")
//
//     async def main():
//         semaphore = asyncio.Semaphore(2)  # Allow 2 concurrent accesses
//         await asyncio.gather(*(access_resource(semaphore, i) for i in range(5)))
//
//     asyncio.run(main())
//
// Expected output (~3 s: five one-second accesses, two at a time):
//     Accessing resource 0
//     Accessing resource 1
//     Releasing resource 0
//     Releasing resource 1
//     Accessing resource 2
//     Accessing resource 3
//     Releasing resource 2
//     Releasing resource 3
//     Accessing resource 4
//     Releasing resource 4

#include "python_print.hpp"

#include <asyncio.hpp>

#include <chrono>
#include <vector>

using namespace std::chrono_literals;

asyncio::awaitable<void> access_resource(asyncio::semaphore& semaphore, int resource_id) {
    auto guard = co_await semaphore.scoped_acquire(); // async with semaphore:
    py::print("Accessing resource", resource_id);
    co_await asyncio::sleep(1s);
    py::print("Releasing resource", resource_id);
}

asyncio::awaitable<void> co_main() {
    asyncio::semaphore semaphore(2); // Allow 2 concurrent accesses
    std::vector<asyncio::awaitable<void>> accesses;
    for (int i = 0; i < 5; ++i)
        accesses.push_back(access_resource(semaphore, i));
    co_await asyncio::gather(std::move(accesses));
}

int main() {
    asyncio::run(co_main());
}
