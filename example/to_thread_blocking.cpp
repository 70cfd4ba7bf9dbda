// Seed 002 (002_453264e08d3a9b20.txt, "Python Asyncio (3.11+): Main Usage Guide"),
// section "Threading Methods": `asyncio.to_thread()` runs blocking code in a thread
// pool. The seed only names it; this is the small program that shows it. The
// blocking call runs in a worker thread while the event loop goes on ticking, so
// the two overlap: 2 s in all, not 2 s + 3 ticks of 0.5 s.
//
//     import asyncio
//     import time
//
//     def blocking_io(seconds):
//         # A blocking call (a legacy client, a file, time.sleep): it would stall the loop.
//         print(f"blocking_io: sleeping {seconds} s in a worker thread")
//         time.sleep(seconds)
//         print("blocking_io: done")
//         return f"slept {seconds} s"
//
//     async def ticker(ticks):
//         for i in range(1, ticks + 1):
//             await asyncio.sleep(0.5)
//             print(f"tick {i}: the event loop is free")
//
//     async def main():
//         start = time.monotonic()
//         result, _ = await asyncio.gather(asyncio.to_thread(blocking_io, 2), ticker(3))
//         print(f"result: {result!r}")
//         print(f"both done after {round(time.monotonic() - start)} s, not 3.5 s")
//
//     asyncio.run(main())
//
// Expected output (~2 s):
//     blocking_io: sleeping 2 s in a worker thread
//     tick 1: the event loop is free
//     tick 2: the event loop is free
//     tick 3: the event loop is free
//     blocking_io: done
//     result: 'slept 2 s'
//     both done after 2 s, not 3.5 s

#include "python_print.hpp"

#include <asyncio.hpp>

#include <chrono>
#include <string>
#include <thread>

using namespace std::chrono_literals;

// A plain function, not a coroutine: it blocks its thread.
std::string blocking_io(int seconds) {
    py::print("blocking_io: sleeping " + std::to_string(seconds) + " s in a worker thread");
    std::this_thread::sleep_for(std::chrono::seconds(seconds));
    py::print("blocking_io: done");
    return "slept " + std::to_string(seconds) + " s";
}

asyncio::awaitable<void> ticker(int ticks) {
    for (int i = 1; i <= ticks; ++i) {
        co_await asyncio::sleep(500ms);
        py::print("tick " + std::to_string(i) + ": the event loop is free");
    }
}

asyncio::awaitable<void> co_main() {
    const auto start = std::chrono::steady_clock::now();
    // to_thread(fn, args...) runs fn(args...) on the loop's default thread pool.
    auto [result, _] = co_await asyncio::gather(asyncio::to_thread(blocking_io, 2), ticker(3));
    py::print("result: " + py::repr(result));
    const auto elapsed =
        std::chrono::round<std::chrono::seconds>(std::chrono::steady_clock::now() - start);
    py::print("both done after " + std::to_string(elapsed.count()) + " s, not 3.5 s");
}

int main() {
    asyncio::run(co_main());
}
