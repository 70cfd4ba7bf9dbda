// A program of our own: fan out 1,000 jobs in a task group, at most 50 at a time
// (a semaphore), and let one failing job cancel all the others. The task group then
// throws an exception_group holding every error, which is handled the way Python's
// `except*` does: take the errors of one type out of the group, let the rest go on.
//
// The same program in Python (3.11+):
//
//     async def job(i, limit, stats):
//         try:
//             async with limit:  # at most 50 jobs at a time
//                 await asyncio.sleep(0.05)  # fetch a record
//                 if i == 120:
//                     raise ValueError(f"job {i}: bad record")
//                 await asyncio.sleep(0.05)  # store it
//             stats["finished"] += 1
//         except asyncio.CancelledError:
//             stats["cancelled"] += 1
//             raise
//
//     async def main():
//         limit = asyncio.Semaphore(50)
//         stats = {"finished": 0, "cancelled": 0}
//         try:
//             async with asyncio.TaskGroup() as tg:
//                 for i in range(1000):
//                     tg.create_task(job(i, limit, stats))
//         except* ValueError as group:
//             for e in group.exceptions:
//                 print(f"ValueError: {e}")
//         print(stats)
//
//     asyncio.run(main())
//
// Expected output (~0.25 s: jobs 0-99 finish in two rounds of 0.1 s; job 120 fails
// halfway through the third round, and the 899 others, running or still waiting for
// the semaphore, are cancelled):
//     ValueError: job 120: bad record
//     {'finished': 100, 'cancelled': 899}

#include "python_print.hpp"

#include <asyncio.hpp>

#include <chrono>
#include <exception>
#include <stdexcept>
#include <string>

using namespace std::chrono_literals;

struct job_stats {
    int finished = 0;
    int cancelled = 0;
};

asyncio::awaitable<void> job(int i, asyncio::semaphore& limit, job_stats& stats) {
    try {
        {
            auto permit = co_await limit.scoped_acquire(); // at most 50 jobs at a time
            co_await asyncio::sleep(50ms);                 // fetch a record
            if (i == 120)
                throw std::invalid_argument("job " + std::to_string(i) + ": bad record");
            co_await asyncio::sleep(50ms); // store it
        }
        ++stats.finished;
    } catch (...) {
        if (asyncio::is_cancellation(std::current_exception()))
            ++stats.cancelled;
        throw;
    }
}

// The message of an exception held in an exception_ptr.
std::string message(const std::exception_ptr& e) {
    try {
        std::rethrow_exception(e);
    } catch (const std::exception& x) {
        return x.what();
    } catch (...) {
        return "unknown exception";
    }
}

asyncio::awaitable<void> co_main() {
    asyncio::semaphore limit(50);
    job_stats stats;
    auto fan_out = [&](asyncio::task_group& tg) -> asyncio::awaitable<void> {
        for (int i = 0; i < 1000; ++i)
            (void)tg.create_task(job(i, limit, stats)); // the group keeps the task
        co_return;
    };
    try {
        co_await asyncio::with_task_group(fan_out);
    } catch (const asyncio::exception_group& group) {
        // except* ValueError as group: handle the members that are std::invalid_argument
        // (group.contains<E>() only asks whether there is one) ...
        auto [bad_records, rest] = group.split<std::invalid_argument>();
        if (bad_records)
            for (const auto& e : bad_records->exceptions())
                py::print("ValueError: " + message(e));
        // ... and let any other error propagate, in a group of its own.
        if (rest)
            throw *rest;
    }
    py::print(py::dict({{"finished", stats.finished}, {"cancelled", stats.cancelled}}));
}

int main() {
    asyncio::run(co_main());
}
