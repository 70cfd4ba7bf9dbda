// Copyright (c) 2026 The asyncio for Asio authors.
// Distributed under the Boost Software License, Version 1.0.

// Seed 003's fetch_data (section "Creating and Awaiting Tasks"), shared by the
// examples that port its Tasks, gather and TaskGroup programs:
//
//     async def fetch_data(id, delay):
//         print(f"Coroutine {id} starting")
//         await asyncio.sleep(delay)
//         print(f"Coroutine {id} done")
//         return {"id": id, "data": f"Sample data {id}"}

#ifndef ASYNCIO_EXAMPLE_SEED003_FETCH_DATA_HPP
#define ASYNCIO_EXAMPLE_SEED003_FETCH_DATA_HPP

#include "python_print.hpp"

#include <asyncio.hpp>

#include <chrono>
#include <string>

// The dict {"id": ..., "data": ...} that the Python coroutine returns.
struct sample {
    int id;
    std::string data;
};

// Python prints the dict as {'id': 1, 'data': 'Sample data 1'}.
inline std::string repr(const sample& s) {
    return py::dict({{"id", s.id}, {"data", s.data}});
}

inline asyncio::awaitable<sample> fetch_data(int id, std::chrono::seconds delay) {
    py::print("Coroutine " + std::to_string(id) + " starting");
    co_await asyncio::sleep(delay);
    py::print("Coroutine " + std::to_string(id) + " done");
    co_return sample{id, "Sample data " + std::to_string(id)};
}

#endif // ASYNCIO_EXAMPLE_SEED003_FETCH_DATA_HPP
