// Copyright (c) 2026 The asyncio for Asio authors.
// Distributed under the Boost Software License, Version 1.0.

#include <asyncio/detail/executor.hpp>
#include <asyncio/detail/loop_service.hpp>
#include <asyncio/detail/task_state.hpp>

#include <boost/asio/detail/thread_context.hpp>
#include <boost/asio/execution/context.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/query.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/system_executor.hpp>
#include <boost/asio/thread_pool.hpp>

#include <algorithm>
#include <mutex>
#include <vector>

namespace asyncio::detail {
namespace {

namespace asio = boost::asio;

// Bumped whenever a loop_service dies, so that per-thread caches keyed by a context's
// address never return the service of a dead context whose address was reused.
std::atomic<std::uint64_t> service_generation{0};

bool promises_one_thread(asio::execution_context& ctx) {
#if defined(BOOST_ASIO_HAS_IOCP)
    (void)ctx;
    return false;
#else
    // io_context and thread_pool keep their concurrency hint in their scheduler; these
    // are the conditions under which the scheduler itself assumes a single thread.
    if (!asio::has_service<asio::detail::scheduler>(ctx))
        return false;
    const int hint = asio::use_service<asio::detail::scheduler>(ctx).concurrency_hint();
    return hint == 1 || !BOOST_ASIO_CONCURRENCY_HINT_IS_LOCKING(SCHEDULER, hint) ||
           !BOOST_ASIO_CONCURRENCY_HINT_IS_LOCKING(REACTOR_IO, hint);
#endif
}

using io_executor = asio::io_context::executor_type;
using pool_executor = asio::thread_pool::executor_type;

// The executor a strand in `ex` wraps, or null when `ex` is not a strand we know. A
// task's coroutine in debug mode sees its executor wrapped for timing: looked through.
const executor_type* strand_inner(const executor_type& ex, executor_type& storage) {
    if (auto* d = ex.target<debug_executor<executor_type, describe_task>>()) {
        storage = d->inner();
        executor_type inner;
        if (const executor_type* s = strand_inner(storage, inner))
            storage = *s;
        return &storage;
    }
    if (auto* s = ex.target<asio::strand<io_executor>>())
        return &(storage = s->get_inner_executor());
    if (auto* s = ex.target<asio::strand<pool_executor>>())
        return &(storage = s->get_inner_executor());
    if (auto* s = ex.target<asio::strand<executor_type>>())
        return &(storage = s->get_inner_executor());
    return nullptr;
}

// Every live loop_service, for running_loop_executor().
std::mutex& live_services_mutex() {
    static std::mutex m;
    return m;
}

std::vector<loop_service*>& live_services() {
    static std::vector<loop_service*> services;
    return services;
}

} // namespace

asio::execution_context::id loop_service::id;

loop_service::loop_service(asio::execution_context& ctx)
    : asio::execution_context::service(ctx), single_threaded_(promises_one_thread(ctx)) {
    std::lock_guard<std::mutex> guard(live_services_mutex());
    live_services().push_back(this);
}

loop_service::~loop_service() {
    service_generation.fetch_add(1, std::memory_order_acq_rel);
    std::lock_guard<std::mutex> guard(live_services_mutex());
    auto& services = live_services();
    services.erase(std::find(services.begin(), services.end(), this));
}

executor_type loop_service::running_loop_executor() {
    std::lock_guard<std::mutex> guard(live_services_mutex());
    for (loop_service* s : live_services()) {
        // Only the scheduler's address is compared (the thread's call stack holds the
        // schedulers it runs): a context being destroyed on another thread is not
        // touched.
        if (s->scheduler_ &&
            asio::detail::call_stack<asio::detail::thread_context, asio::detail::thread_info_base>::
                contains(static_cast<asio::detail::thread_context*>(s->scheduler_)))
            return s->loop_executor_;
    }
    return asio::system_executor();
}

loop_service& loop_service::of(const executor_type& ex) {
    struct cache {
        const asio::execution_context* ctx = nullptr;
        std::uint64_t generation = 0;
        loop_service* service = nullptr;
    };
    thread_local cache c;
    asio::execution_context& ctx = asio::query(ex, asio::execution::context);
    const auto generation = service_generation.load(std::memory_order_acquire);
    if (c.ctx != &ctx || c.generation != generation) {
        c = {&ctx, generation, &asio::use_service<loop_service>(ctx)};
        std::lock_guard<std::mutex> guard(live_services_mutex());
        if (!c.service->loop_executor_) {
            // io_context and thread_pool run their handlers through a scheduler, which
            // marks the threads running it.
            if (asio::has_service<asio::detail::scheduler>(ctx))
                c.service->scheduler_ = static_cast<asio::detail::thread_context*>(
                    &asio::use_service<asio::detail::scheduler>(ctx));
            // Untracked: the service must not keep its own context busy.
            c.service->loop_executor_ =
                asio::prefer(strip_strand(ex), asio::execution::outstanding_work.untracked);
        }
    }
    return *c.service;
}

void loop_service::set_debug(boost::intrusive_ptr<const debug_config> debug) noexcept {
    debug_ = std::move(debug);
}

void loop_service::add(task_base& t) noexcept {
    std::lock_guard lock(lock_);
    tasks_.push_back(t);
}

void loop_service::remove(task_base& t) noexcept {
    std::lock_guard lock(lock_);
    tasks_.remove(t);
}

std::vector<boost::intrusive_ptr<task_base>> loop_service::tasks() {
    std::vector<boost::intrusive_ptr<task_base>> out;
    std::lock_guard lock(lock_);
    out.reserve(tasks_.size());
    tasks_.for_each([&](task_base& t) { out.emplace_back(&t); });
    return out;
}

boost::intrusive_ptr<task_base> loop_service::find(const void* identity) {
    if (!identity)
        return nullptr;
    std::lock_guard lock(lock_);
    task_base* found = nullptr;
    tasks_.for_each([&](task_base& t) {
        if (!found && t.identity() == identity)
            found = &t;
    });
    return found;
}

// The checks below go from the most to the least common executor type: a successful
// typeid comparison is a pointer comparison, a failed one may be a strcmp.

bool is_serialized(const executor_type& ex) {
    if (ex.target<io_executor>())
        return loop_service::of(ex).single_threaded();
    executor_type inner;
    if (strand_inner(ex, inner))
        return true;
    if (ex.target<pool_executor>())
        return loop_service::of(ex).single_threaded();
    return false;
}

executor_type new_strand(const executor_type& ex) {
    executor_type inner;
    const executor_type& base = strand_inner(ex, inner) ? inner : ex;
    if (auto* io = base.target<io_executor>())
        return asio::make_strand(*io);
    if (auto* pool = base.target<pool_executor>())
        return asio::make_strand(*pool);
    return asio::make_strand(base);
}

executor_type strip_strand(const executor_type& ex) {
    if (ex.target<io_executor>())
        return ex;
    executor_type inner;
    return strand_inner(ex, inner) ? inner : ex;
}

executor_type without_debug_wrapper(const executor_type& ex) {
    if (auto* d = ex.target<debug_executor<executor_type, describe_task>>())
        return d->inner();
    return ex;
}

task_placement place_task(const executor_type& ex) {
    auto& loop = loop_service::of(ex);
    if (auto* io = ex.target<io_executor>())
        return {loop.single_threaded() ? ex : executor_type(asio::make_strand(*io)), loop};
    return {is_serialized(ex) ? ex : new_strand(ex), loop};
}

task_placement place_child_task(const executor_type& ex) {
    if (ex.target<io_executor>())
        return place_task(ex);
    if (auto* s = ex.target<asio::strand<io_executor>>())
        return place_task(s->get_inner_executor());
    executor_type inner;
    return place_task(strand_inner(ex, inner) ? inner : ex);
}

} // namespace asyncio::detail
