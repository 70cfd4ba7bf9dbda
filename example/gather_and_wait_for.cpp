// Seed 002 (002_453264e08d3a9b20.txt, "Python Asyncio (3.11+): Main Usage Guide"),
// section "Core Usage Example": create_task, gather, and wait_for with timeouts.
//
//     async def fetch_data(id: int):
//         await asyncio.sleep(2)
//         return f"Data {id}"
//
//     async def run_parallel_using_create_task(): ...
//     async def run_parallel_using_gather(): ...
//     async def run_parallel_using_create_task_with_timeout(): ...
//     async def run_parallel_using_gather_with_timeout(): ...
//
//     asyncio.run(run_parallel_using_create_task())
//     asyncio.run(run_parallel_using_gather())
//     asyncio.run(run_parallel_using_create_task_with_timeout())
//     asyncio.run(run_parallel_using_gather_with_timeout())
//
// Expected output (~7 s in all: ~2 s, ~2 s, ~1 s (timeout), ~2 s (timeout)):
//     Results: Data 1, Data 2
//     All results: ['Data 1', 'Data 2']
//     At least one task timed out!
//     Entire operation timed out!

#include "python_print.hpp"

#include <asyncio.hpp>

#include <string>
#include <utility>
#include <vector>

using namespace std::chrono_literals;

asyncio::awaitable<std::string> fetch_data(int id) {
    co_await asyncio::sleep(2s);
    co_return "Data " + std::to_string(id);
}

// ~2 s: both tasks start at once and run concurrently.
asyncio::awaitable<void> run_parallel_using_create_task() {
    auto task1 = co_await asyncio::create_task(fetch_data(1)); // Starts immediately
    auto task2 = co_await asyncio::create_task(fetch_data(2)); // Starts immediately

    auto result1 = co_await task1.wait();
    auto result2 = co_await task2.wait();
    py::print("Results: " + result1 + ", " + result2);
}

// ~2 s: gather runs both coroutines concurrently and returns their results in order.
asyncio::awaitable<void> run_parallel_using_gather() {
    // Run multiple coroutines concurrently. Unlike Python's gather, which schedules
    // its children at once, asyncio::gather returns an awaitable that starts them
    // when awaited: the same here, since it is awaited right away.
    auto tasks = asyncio::gather(fetch_data(1), fetch_data(2));
    auto [result1, result2] = co_await std::move(tasks);
    // Python's gather yields a list; the variadic asyncio::gather yields a tuple.
    std::vector results{result1, result2};
    py::print("All results: " + py::str(results));
}

// ~1 s: wait_for gives task1 one second, but it needs two.
asyncio::awaitable<void> run_parallel_using_create_task_with_timeout() {
    auto task1 = co_await asyncio::create_task(fetch_data(1)); // Starts immediately
    auto task2 = co_await asyncio::create_task(fetch_data(2)); // Starts immediately

    try {
        auto result1 = co_await asyncio::wait_for(task1, 1s);
        auto result2 = co_await asyncio::wait_for(task2, 1s);
        py::print("Results: " + result1 + ", " + result2);
    } catch (const asyncio::timeout_error&) {
        py::print("At least one task timed out!");
        // Note: wait_for() cancelled the timed out task (and waited for it); task2,
        // still running, is cancelled by asyncio::run when this coroutine returns.
    }
}

// ~2 s: the timeout and the work are both two seconds long; the timeout, armed
// before the children start sleeping, fires first (as in Python).
asyncio::awaitable<void> run_parallel_using_gather_with_timeout() {
    auto tasks = asyncio::gather(fetch_data(1), fetch_data(2));
    try {
        auto [result1, result2] = co_await asyncio::wait_for(std::move(tasks), 2s);
        std::vector results{result1, result2};
        py::print("All results: " + py::str(results));
    } catch (const asyncio::timeout_error&) {
        py::print("Entire operation timed out!");
        // Note: wait_for() cancelled the gather, which cancelled both children.
    }
}

int main() {
    asyncio::run(run_parallel_using_create_task());
    asyncio::run(run_parallel_using_gather());
    asyncio::run(run_parallel_using_create_task_with_timeout());
    asyncio::run(run_parallel_using_gather_with_timeout());
}
