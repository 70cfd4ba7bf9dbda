// Seed 003 (003_8670f7175ee7cb2a.txt, "Python Asyncio Explained: Simple and Clear
// Guide"), section "asyncio.gather" (fetch_data as in "Creating and Awaiting Tasks").
//
//     async def main():
//         results = await asyncio.gather(
//             fetch_data(1, 2),
//             fetch_data(2, 1),
//             fetch_data(3, 3)
//         )
//         for result in results:
//             print(f"Received result: {result}")
//
//     asyncio.run(main())
//
// Expected output (~3 s; results come in argument order, not completion order):
//     Coroutine 1 starting
//     Coroutine 2 starting
//     Coroutine 3 starting
//     Coroutine 2 done
//     Coroutine 1 done
//     Coroutine 3 done
//     Received result: {'id': 1, 'data': 'Sample data 1'}
//     Received result: {'id': 2, 'data': 'Sample data 2'}
//     Received result: {'id': 3, 'data': 'Sample data 3'}

#include "seed003_fetch_data.hpp"

#include <asyncio.hpp>

#include <chrono>
#include <string>

using namespace std::chrono_literals;

asyncio::awaitable<void> co_main() {
    // The variadic gather yields a std::tuple<sample, sample, sample>, in argument order.
    auto [result1, result2, result3] =
        co_await asyncio::gather(fetch_data(1, 2s), fetch_data(2, 1s), fetch_data(3, 3s));
    for (const auto& result : {result1, result2, result3})
        py::print("Received result: " + py::str(result));
}

int main() {
    asyncio::run(co_main());
}
