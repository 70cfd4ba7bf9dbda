// Seed 003 (003_8670f7175ee7cb2a.txt, "Python Asyncio Explained: Simple and Clear
// Guide"), section "Creating and Awaiting Tasks".
//
//     async def fetch_data(id, delay):
//         print(f"Coroutine {id} starting")
//         await asyncio.sleep(delay)
//         print(f"Coroutine {id} done")
//         return {"id": id, "data": f"Sample data {id}"}
//
//     async def main():
//         task1 = asyncio.create_task(fetch_data(1, 2))
//         task2 = asyncio.create_task(fetch_data(2, 3))
//         task3 = asyncio.create_task(fetch_data(3, 1))
//
//         result1 = await task1
//         result2 = await task2
//         result3 = await task3
//
//         print(result1, result2, result3)
//
//     asyncio.run(main())
//
// Expected output (~3 s: the longest of the three delays):
//     Coroutine 1 starting
//     Coroutine 2 starting
//     Coroutine 3 starting
//     Coroutine 3 done
//     Coroutine 1 done
//     Coroutine 2 done
//     {'id': 1, 'data': 'Sample data 1'} {'id': 2, 'data': 'Sample data 2'} {'id': 3, 'data':
//     'Sample data 3'}

#include "seed003_fetch_data.hpp"

#include <asyncio.hpp>

#include <chrono>
#include <string>

using namespace std::chrono_literals;

asyncio::awaitable<void> co_main() {
    auto task1 = co_await asyncio::create_task(fetch_data(1, 2s));
    auto task2 = co_await asyncio::create_task(fetch_data(2, 3s));
    auto task3 = co_await asyncio::create_task(fetch_data(3, 1s));

    auto result1 = co_await task1.wait();
    auto result2 = co_await task2.wait();
    auto result3 = co_await task3.wait();

    py::print(result1, result2, result3);
}

int main() {
    asyncio::run(co_main());
}
