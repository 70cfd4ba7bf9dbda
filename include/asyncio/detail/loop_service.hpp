// Copyright (c) 2026 The asyncio for Asio authors.
// Distributed under the Boost Software License, Version 1.0.

#ifndef ASYNCIO_DETAIL_LOOP_SERVICE_HPP
#define ASYNCIO_DETAIL_LOOP_SERVICE_HPP

#include <asyncio/config.hpp>
#include <asyncio/detail/debug.hpp>
#include <asyncio/detail/intrusive_list.hpp>
#include <asyncio/detail/spinlock.hpp>

#include <boost/asio/execution_context.hpp>
#include <boost/intrusive_ptr.hpp>

#include <atomic>
#include <cstdint>
#include <vector>

namespace asyncio::detail {

class task_base;
class debug_config;

// Per execution context ("event loop") bookkeeping: the registry of unfinished tasks
// (for all_tasks, current_task and the runner's shutdown) and whether the context
// promised to run on one thread only (io_context constructed with concurrency hint 1),
// in which case tasks need no strand.
class loop_service final : public boost::asio::execution_context::service {
  public:
    static boost::asio::execution_context::id id;

    explicit loop_service(boost::asio::execution_context& ctx);
    ~loop_service() override;

    // The service of the context `ex` belongs to (cached per thread: this is on the
    // path of every task creation).
    static loop_service& of(const executor_type& ex);

    // The executor of the loop (an io_context or thread_pool with this service) that
    // the calling thread is running, or the system_executor when there is none. The
    // default for a waiter whose handler has no executor of its own.
    static executor_type running_loop_executor();

    bool single_threaded() const noexcept { return single_threaded_; }

    // The loop's debug settings when it runs in Python's debug mode, else null. Set
    // before the loop runs tasks.
    const debug_config* debug() const noexcept { return debug_.get(); }
    void set_debug(boost::intrusive_ptr<const debug_config> debug) noexcept;

    std::uint64_t next_task_id() noexcept { return ++last_task_id_; }

    void add(task_base& t) noexcept;
    void remove(task_base& t) noexcept;

    // The unfinished tasks, in creation order.
    std::vector<boost::intrusive_ptr<task_base>> tasks();

    // The unfinished task whose coroutine has the given identity (see
    // this_thread_identity), or null.
    boost::intrusive_ptr<task_base> find(const void* identity);

  private:
    void shutdown() override {}

    const bool single_threaded_;
    // Set by the first of(), under the live-service mutex.
    executor_type loop_executor_;
    void* scheduler_ = nullptr; // the context's asio::detail::thread_context, if any
    std::atomic<std::uint64_t> last_task_id_{0};
    boost::intrusive_ptr<const debug_config> debug_;
    spinlock lock_; // held for a link or an unlink, on the path of every task
    intrusive_list<task_base> tasks_;
};

} // namespace asyncio::detail

#endif // ASYNCIO_DETAIL_LOOP_SERVICE_HPP
