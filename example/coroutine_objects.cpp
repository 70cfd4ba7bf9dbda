// Seed 002 (002_453264e08d3a9b20.txt, "Python Asyncio (3.11+): Main Usage Guide"),
// section "Coroutine": a coroutine object does nothing until awaited, a task starts
// on its own. The seed's snippet uses top-level await; here it is the body of main().
//
//     async def fetch_data(id: int):
//         await asyncio.sleep(2)
//         return f"Data {id}"
//
//     # 1. Coroutine Object Creation (Not Executed)
//     coro = fetch_data(1)  # Not executed
//     print(type(coro))  # <class 'coroutine'>
//
//     # 2. Sequential Execution
//     coro = fetch_data(1)
//     await coro  # EXECUTES HERE
//
//     # 3. Allows Parallel Execution
//     task = asyncio.create_task(fetch_data(1))  # EXECUTES HERE
//     await task  # Waits for already-running task
//
// Expected output (~4 s: the first coroutine never runs, the other two take 2 s each):
//     <class 'coroutine'>
// (Python also warns on stderr that the first coroutine was never awaited; a C++
// awaitable that is never awaited is destroyed silently.)

#include "python_print.hpp"

#include <asyncio.hpp>

#include <string>
#include <utility>

using namespace std::chrono_literals;

asyncio::awaitable<std::string> fetch_data(int id) {
    co_await asyncio::sleep(2s);
    co_return "Data " + std::to_string(id);
}

// Python's type() of a coroutine object. The C++ coroutine object is an
// asyncio::awaitable<T> (boost::asio::awaitable<T>), which plays the role of Python's
// `coroutine` class.
template <class T>
std::string type(const asyncio::awaitable<T>&) {
    return "<class 'coroutine'>";
}

asyncio::awaitable<void> co_main() {
    // 1. Coroutine object creation (not executed): calling fetch_data only creates
    //    the coroutine, suspended before its first statement.
    {
        asyncio::awaitable<std::string> coro = fetch_data(1);
        py::print(type(coro));
    } // destroyed without ever having run

    // 2. Sequential execution: the coroutine runs when awaited. (Python rebinds
    //    `coro`; here the first one went out of scope instead, because Asio 1.26's
    //    awaitable move-assignment leaks the frame it replaces: asio issue #1423.)
    asyncio::awaitable<std::string> coro = fetch_data(1);
    co_await std::move(coro); // executes here

    // 3. Allows parallel execution: the task is scheduled at once and runs on its
    //    own; awaiting it only waits for the already-running task.
    auto task = co_await asyncio::create_task(fetch_data(1)); // executes from here
    co_await task.wait();                                     // waits for the already-running task
}

int main() {
    asyncio::run(co_main());
}
