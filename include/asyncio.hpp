// Copyright (c) 2026 The asyncio for Asio authors.
// Distributed under the Boost Software License, Version 1.0.

#ifndef ASYNCIO_HPP
#define ASYNCIO_HPP

/// Python's asyncio programming model for Boost.Asio: everything at once.

#include <asyncio/acquire_guard.hpp>
#include <asyncio/as_completed.hpp>
#include <asyncio/barrier.hpp>
#include <asyncio/callbacks.hpp>
#include <asyncio/condition.hpp>
#include <asyncio/config.hpp>
#include <asyncio/debug.hpp>
#include <asyncio/error.hpp>
#include <asyncio/event.hpp>
#include <asyncio/future.hpp>
#include <asyncio/gather.hpp>
#include <asyncio/lock.hpp>
#include <asyncio/outcome.hpp>
#include <asyncio/queue.hpp>
#include <asyncio/run.hpp>
#include <asyncio/semaphore.hpp>
#include <asyncio/server.hpp>
#include <asyncio/shield.hpp>
#include <asyncio/sleep.hpp>
#include <asyncio/streams.hpp>
#include <asyncio/subprocess.hpp>
#include <asyncio/task.hpp>
#include <asyncio/task_group.hpp>
#include <asyncio/threads.hpp>
#include <asyncio/timeout.hpp>
#include <asyncio/wait.hpp>
#include <asyncio/wait_for.hpp>

#endif // ASYNCIO_HPP
