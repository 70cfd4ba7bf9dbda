// Copyright (c) 2026 The asyncio for Asio authors.
// Distributed under the Boost Software License, Version 1.0.

#ifndef ASYNCIO_DETAIL_EXECUTOR_HPP
#define ASYNCIO_DETAIL_EXECUTOR_HPP

#include <asyncio/config.hpp>

namespace asyncio::detail {

// Whether handlers submitted to `ex` never run concurrently with each other: `ex` is
// a strand, or the executor of an io_context that promised a single thread
// (concurrency hint 1, as asyncio::run uses for one thread).
bool is_serialized(const executor_type& ex);

// A new strand over the executor underneath `ex` (a strand of a strand is pointless).
executor_type new_strand(const executor_type& ex);

class loop_service;

// Where a new task runs: its executor and its loop's bookkeeping.
struct task_placement {
    executor_type executor;
    loop_service& loop;
};

// For a task created on `ex` (create_task with an executor). A task's coroutine must
// not run concurrently with its own cancellation, which may be requested from any
// thread, so a task always runs on a serialized executor: `ex` itself when it is one
// (an explicit strand is honoured), otherwise a strand of its own.
task_placement place_task(const executor_type& ex);

// For a task created from a coroutine running on `ex` (create_task without an
// executor): on a multi-threaded loop every such task gets its own strand, so tasks
// run in parallel; on a single-threaded loop it shares the loop's executor.
task_placement place_child_task(const executor_type& ex);

// The executor underneath `ex` when it is a strand, else `ex`.
executor_type strip_strand(const executor_type& ex);

// `ex` without the timing wrapper a task's coroutine sees in debug mode.
executor_type without_debug_wrapper(const executor_type& ex);

} // namespace asyncio::detail

#endif // ASYNCIO_DETAIL_EXECUTOR_HPP
