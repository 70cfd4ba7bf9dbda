// Seed 003 (003_8670f7175ee7cb2a.txt, "Python Asyncio Explained: Simple and Clear
// Guide"), section "asyncio.TaskGroup (Python 3.11+)" (fetch_data as in "Creating and
// Awaiting Tasks").
//
//     async def fetch_data(id, delay):
//         print(f"Coroutine {id} starting")
//         await asyncio.sleep(delay)
//         print(f"Coroutine {id} done")
//         return {"id": id, "data": f"Sample data {id}"}
//
//     async def main():
//         tasks = []
//         async with asyncio.TaskGroup() as tg:
//             for i, delay in enumerate([2, 1, 3], start=1):
//                 task = tg.create_task(fetch_data(i, delay))
//                 tasks.append(task)
//
//         results = [task.result() for task in tasks]
//         for result in results:
//             print(f"Received result: {result}")
//
//     asyncio.run(main())
//
// Expected output (~3 s: the block ends when its last task does):
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
#include <vector>

using namespace std::chrono_literals;

asyncio::awaitable<void> co_main() {
    std::vector<asyncio::task<sample>> tasks;
    // async with asyncio.TaskGroup() as tg: the body is a coroutine given the group;
    // with_task_group returns once the body and every task it created have finished.
    auto body = [&tasks](asyncio::task_group& tg) -> asyncio::awaitable<void> {
        const std::chrono::seconds delays[] = {2s, 1s, 3s};
        int i = 1;
        for (const auto delay : delays)
            tasks.push_back(tg.create_task(fetch_data(i++, delay)));
        co_return;
    };
    co_await asyncio::with_task_group(body);

    std::vector<sample> results;
    for (const auto& task : tasks)
        results.push_back(task.result()); // every task is done: result() does not wait
    for (const auto& result : results)
        py::print("Received result: " + py::str(result));
}

int main() {
    asyncio::run(co_main());
}
