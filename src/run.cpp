// Copyright (c) 2026 The asyncio for Asio authors.
// Distributed under the Boost Software License, Version 1.0.

#include <asyncio/run.hpp>

#include <boost/asio/executor_work_guard.hpp>

#include <atomic>
#include <cstdio>
#include <stdexcept>
#include <thread>
#include <vector>

namespace asyncio {
namespace {

// Set on every thread while it runs a loop for asyncio::run / runner::run.
thread_local bool inside_run = false;

class inside_run_scope {
  public:
    inside_run_scope() noexcept : previous_(std::exchange(inside_run, true)) {}
    ~inside_run_scope() { inside_run = previous_; }

  private:
    bool previous_;
};

int concurrency_hint(const run_options& opts) {
    if (opts.threads == 0)
        throw std::invalid_argument("run_options::threads must be at least 1");
    // Hint 1 promises a single thread: Asio then skips some locking, and this
    // library runs tasks without strands.
    return opts.threads == 1 ? 1 : static_cast<int>(std::min<std::size_t>(opts.threads, 1 << 16));
}

} // namespace

runner::runner(run_options opts) : options_(std::move(opts)), context_(concurrency_hint(options_)) {
    if (options_.debug)
        enable_debug(context_, {options_.debug_handler, options_.slow_callback_duration});
}

runner::~runner() {
    try {
        close();
    } catch (const std::exception& e) {
        std::fprintf(stderr, "asyncio: runner::close failed in the destructor: %s\n", e.what());
    }
}

void runner::check_can_run() const {
    if (inside_run)
        detail::throw_invalid_state(
            "asyncio::run cannot be called from a thread that is running an asyncio loop");
    if (closed_)
        detail::throw_invalid_state("the runner is closed");
}

void runner::run_loop_threads() {
    auto work = boost::asio::make_work_guard(context_);
    auto loop = [this] {
        inside_run_scope scope;
        for (;;) {
            try {
                context_.run();
                return;
            } catch (const std::exception& e) {
                // Python logs an exception escaping a callback and keeps the loop going.
                std::fprintf(stderr, "asyncio: exception in a callback: %s\n", e.what());
            } catch (...) {
                std::fprintf(stderr, "asyncio: unknown exception in a callback\n");
            }
        }
    };
    std::vector<std::thread> threads;
    threads.reserve(options_.threads - 1);
    try {
        for (std::size_t i = 1; i < options_.threads; ++i)
            threads.emplace_back(loop);
    } catch (...) {
        context_.stop();
        for (auto& t : threads)
            t.join();
        context_.restart();
        throw;
    }
    loop();
    for (auto& t : threads)
        t.join();
    context_.restart();
}

void runner::run_until_done(const any_task& t) {
    t.add_done_callback([this](const any_task&) { context_.stop(); });
    run_loop_threads();
}

void runner::close() {
    if (closed_)
        return;
    auto tasks = detail::loop_service::of(context_.get_executor()).tasks();
    if (tasks.empty()) {
        closed_ = true;
        return;
    }
    if (inside_run)
        detail::throw_invalid_state("runner::close cannot be called from inside the loop");
    closed_ = true;
    auto remaining = std::make_shared<std::atomic<std::size_t>>(tasks.size());
    for (auto& st : tasks) {
        any_task t(st, detail::from_state);
        t.cancel();
        t.add_done_callback([this, remaining](const any_task&) {
            if (remaining->fetch_sub(1, std::memory_order_acq_rel) == 1)
                context_.stop();
        });
    }
    run_loop_threads();
}

} // namespace asyncio
