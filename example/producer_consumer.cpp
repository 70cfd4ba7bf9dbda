// A producer/consumer pipeline over asyncio::queue, as in Python's asyncio.Queue
// documentation: workers take jobs from a bounded queue, mark each one done, and
// the producer waits with join() until every job was processed, then cancels the
// idle workers.
//
// The same program in Python:
//
//     async def worker(name, queue):
//         while True:
//             job = await queue.get()
//             await asyncio.sleep(job / 10)
//             print(f"{name} finished job {job}")
//             queue.task_done()
//
//     async def main():
//         queue = asyncio.Queue(maxsize=2)
//         workers = [asyncio.create_task(worker(f"worker-{i}", queue)) for i in range(3)]
//         for job in range(1, 7):
//             await queue.put(job)
//             print(f"queued job {job}")
//         await queue.join()
//         print("all jobs done")
//         for w in workers:
//             w.cancel()
//         await asyncio.gather(*workers, return_exceptions=True)
//
//     asyncio.run(main())
//
// Expected output (~0.9 s):
//     queued job 1
//     queued job 2
//     queued job 3
//     queued job 4
//     queued job 5
//     worker-0 finished job 1
//     queued job 6
//     worker-1 finished job 2
//     worker-2 finished job 3
//     worker-0 finished job 4
//     worker-1 finished job 5
//     worker-2 finished job 6
//     all jobs done

#include "python_print.hpp"

#include <asyncio.hpp>

#include <chrono>
#include <string>
#include <vector>

using namespace std::chrono_literals;

asyncio::awaitable<void> worker(std::string name, asyncio::queue<int>& queue) {
    for (;;) {
        int job = co_await queue.get();
        co_await asyncio::sleep(std::chrono::milliseconds(100 * job));
        py::print(name, "finished job", job);
        queue.task_done();
    }
}

asyncio::awaitable<void> co_main() {
    asyncio::queue<int> queue(2);
    std::vector<asyncio::task<void>> workers;
    for (int i = 0; i < 3; ++i)
        workers.push_back(
            co_await asyncio::create_task(worker("worker-" + std::to_string(i), queue)));
    for (int job = 1; job <= 6; ++job) {
        co_await queue.put(job);
        py::print("queued job", job);
    }
    co_await queue.join();
    py::print("all jobs done");
    for (auto& w : workers)
        w.cancel();
    co_await asyncio::gather(asyncio::return_exceptions, std::move(workers));
}

int main() {
    asyncio::run(co_main());
}
