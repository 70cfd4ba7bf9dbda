// Seed 003 (003_8670f7175ee7cb2a.txt, "Python Asyncio Explained: Simple and Clear
// Guide"), section "Running Coroutines", the sequential example.
//
//     async def fetch_data(delay):
//         print("Fetching data...")
//         await asyncio.sleep(delay)
//         print("Data fetched")
//         return {"data": "Some Data"}
//
//     async def main():
//         result1 = await fetch_data(2)
//         result2 = await fetch_data(1)
//         print(result1, result2)
//
//     asyncio.run(main())
//
// Expected output (~3 s: 2 s, then 1 s):
//     Fetching data...
//     Data fetched
//     Fetching data...
//     Data fetched
//     {'data': 'Some Data'} {'data': 'Some Data'}

#include "python_print.hpp"

#include <asyncio.hpp>

#include <chrono>
#include <string>

using namespace std::chrono_literals;

// The dict {"data": ...} that the Python coroutine returns.
struct fetched {
    std::string data;
};

// Python prints the dict as {'data': 'Some Data'}.
std::string repr(const fetched& f) {
    return py::dict({{"data", f.data}});
}

asyncio::awaitable<fetched> fetch_data(std::chrono::seconds delay) {
    py::print("Fetching data...");
    co_await asyncio::sleep(delay);
    py::print("Data fetched");
    co_return fetched{"Some Data"};
}

asyncio::awaitable<void> co_main() {
    auto result1 = co_await fetch_data(2s);
    auto result2 = co_await fetch_data(1s);
    py::print(result1, result2);
}

int main() {
    asyncio::run(co_main());
}
