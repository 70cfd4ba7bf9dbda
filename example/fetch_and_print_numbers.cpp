// Seed 004 (004_405aac4ebaf944ef.txt, "Asynchronous Programming"), section "Code
// Examples", "What about multiple coroutines?".
//
//     async def fetch_data():
//         print("Fetching data...")
//         await asyncio.sleep(2)
//         print("Data fetched")
//         return {'data': 1}
//
//     async def print_numbers():
//         for i in range(10):
//             print(i)
//             await asyncio.sleep(0.5)
//
//     async def main():
//         task1 = asyncio.create_task(fetch_data())
//         task2 = asyncio.create_task(print_numbers())
//
//         # Wait for all tasks to complete
//         await task1
//         await task2
//
//     asyncio.run(main())
//
// Expected output (~5 s: ten half-second steps; "Data fetched" comes at 2 s, just
// before 4, whose sleep started a little later than fetch_data's):
//     Fetching data...
//     0
//     1
//     2
//     3
//     Data fetched
//     4
//     5
//     6
//     7
//     8
//     9

#include "python_print.hpp"

#include <asyncio.hpp>

using namespace std::chrono_literals;

// The dict {'data': 1} that the Python coroutine returns.
struct fetched {
    int data;
};

asyncio::awaitable<fetched> fetch_data() {
    py::print("Fetching data...");
    co_await asyncio::sleep(2s);
    py::print("Data fetched");
    co_return fetched{1};
}

asyncio::awaitable<void> print_numbers() {
    for (int i = 0; i < 10; ++i) {
        py::print(i);
        co_await asyncio::sleep(500ms);
    }
}

asyncio::awaitable<void> co_main() {
    auto task1 = co_await asyncio::create_task(fetch_data());
    auto task2 = co_await asyncio::create_task(print_numbers());

    // Wait for all tasks to complete
    co_await task1.wait();
    co_await task2.wait();
}

int main() {
    asyncio::run(co_main());
}
