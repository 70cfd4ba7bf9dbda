// Copyright (c) 2026 The asyncio for Asio authors.
// Distributed under the Boost Software License, Version 1.0.

#include <asyncio/threads.hpp>

#include <boost/asio/execution/context.hpp>
#include <boost/asio/query.hpp>
#include <boost/asio/thread_pool.hpp>

#include <algorithm>
#include <thread>

namespace asyncio {
namespace detail {
namespace {

// The default thread pool of one loop: created with the service, joined when the
// loop's execution context shuts down (Python's shutdown_default_executor).
class default_pool_service final : public boost::asio::execution_context::service {
  public:
    static boost::asio::execution_context::id id;

    explicit default_pool_service(boost::asio::execution_context& ctx)
        : service(ctx), pool_(default_thread_pool_size()) {}

    executor_type get_executor() { return pool_.get_executor(); }

  private:
    void shutdown() override { pool_.join(); }

    boost::asio::thread_pool pool_;
};

boost::asio::execution_context::id default_pool_service::id;

} // namespace

executor_type default_thread_pool(const executor_type& loop_ex) {
    auto& ctx = boost::asio::query(loop_ex, boost::asio::execution::context);
    return boost::asio::use_service<default_pool_service>(ctx).get_executor();
}

} // namespace detail

std::size_t default_thread_pool_size() noexcept {
    const std::size_t hardware = std::max(1u, std::thread::hardware_concurrency());
    return std::min<std::size_t>(32, hardware + 4);
}

} // namespace asyncio
