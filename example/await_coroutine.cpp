// Seed 003 (003_8670f7175ee7cb2a.txt, "Python Asyncio Explained: Simple and Clear
// Guide"), section "What is Async/Await and Coroutines?". The seed's snippet uses
// top-level await; here it is the body of main(), run by asyncio.run.
//
//     async def do_some_processing() -> str:
//         # Simulate some work
//         return "done"
//
//     # Calling the coroutine returns a coroutine object
//     my_coroutine = do_some_processing()
//
//     # Awaiting the coroutine runs it and gets the result
//     result = await my_coroutine
//     print(result)  # Output: done
//
// Expected output (at once):
//     done

#include "python_print.hpp"

#include <asyncio.hpp>

#include <string>
#include <utility>

asyncio::awaitable<std::string> do_some_processing() {
    // Simulate some work
    co_return "done";
}

asyncio::awaitable<void> co_main() {
    // Calling the coroutine returns a coroutine object: an awaitable that has not
    // started yet.
    asyncio::awaitable<std::string> my_coroutine = do_some_processing();

    // Awaiting the coroutine runs it and gets the result (an awaitable is move-only
    // and can be awaited once, hence std::move).
    std::string result = co_await std::move(my_coroutine);
    py::print(result); // Output: done
}

int main() {
    asyncio::run(co_main());
}
