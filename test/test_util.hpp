// Copyright (c) 2026 The asyncio for Asio authors.
// Distributed under the Boost Software License, Version 1.0.

#ifndef ASYNCIO_TEST_TEST_UTIL_HPP
#define ASYNCIO_TEST_TEST_UTIL_HPP

#include <asyncio/run.hpp>

#include <boost/asio/io_context.hpp>
#include <boost/test/unit_test.hpp>

#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace asyncio::test {

using namespace std::chrono_literals;
using test_clock = std::chrono::steady_clock;

// How long a test may run before the watchdog fails it: ASYNCIO_TEST_WATCHDOG_SECONDS,
// 20 s by default (sanitizer builds are several times slower than release ones).
inline std::chrono::seconds watchdog_limit() {
    if (const char* s = std::getenv("ASYNCIO_TEST_WATCHDOG_SECONDS"))
        return std::chrono::seconds(std::atoi(s));
    return 20s;
}

// Fails the whole test executable, naming the test, if it is not destroyed in time:
// a hang must fail fast instead of stalling CI.
class watchdog {
  public:
    explicit watchdog(std::chrono::seconds limit = watchdog_limit())
        : name_(boost::unit_test::framework::current_test_case().full_name()),
          thread_([this, limit] {
              std::unique_lock lock(mutex_);
              if (!cv_.wait_for(lock, limit, [this] { return done_; })) {
                  std::fprintf(stderr, "\nwatchdog: test '%s' did not finish within %llds\n",
                               name_.c_str(), static_cast<long long>(limit.count()));
                  std::fflush(stderr);
                  std::abort();
              }
          }) {}

    ~watchdog() {
        {
            std::lock_guard lock(mutex_);
            done_ = true;
        }
        cv_.notify_one();
        thread_.join();
    }

  private:
    std::string name_;
    std::mutex mutex_;
    std::condition_variable cv_;
    bool done_ = false;
    std::thread thread_;
};

// Runs a test coroutine with asyncio::run under a watchdog.
template <class T>
T run(awaitable<T> body, run_options opts = {}) {
    watchdog dog;
    return asyncio::run(std::move(body), opts);
}

// Runs `ctx` on `threads` threads until it runs out of work, under a watchdog.
inline void run_context(boost::asio::io_context& ctx, std::size_t threads = 1) {
    watchdog dog;
    std::vector<std::thread> pool;
    for (std::size_t i = 1; i < threads; ++i)
        pool.emplace_back([&] { ctx.run(); });
    ctx.run();
    for (auto& t : pool)
        t.join();
}

// Seconds since construction.
class stopwatch {
  public:
    double seconds() const {
        return std::chrono::duration<double>(test_clock::now() - start_).count();
    }

  private:
    test_clock::time_point start_ = test_clock::now();
};

// Boost.Test is not thread-safe: assertions made while a loop runs on several threads
// go through this lock.
inline std::mutex& check_mutex() {
    static std::mutex m;
    return m;
}

} // namespace asyncio::test

#define ASYNCIO_CHECK(...)                                                                         \
    do {                                                                                           \
        std::lock_guard<std::mutex> asyncio_check_lock_(::asyncio::test::check_mutex());           \
        BOOST_CHECK(__VA_ARGS__);                                                                  \
    } while (0)

#define ASYNCIO_CHECK_EQUAL(a, b)                                                                  \
    do {                                                                                           \
        std::lock_guard<std::mutex> asyncio_check_lock_(::asyncio::test::check_mutex());           \
        BOOST_CHECK_EQUAL(a, b);                                                                   \
    } while (0)

// A test case whose body is a coroutine, run by asyncio::run with the given
// run_options fields (for example `.threads = 4`) under a watchdog.
#define ASYNCIO_TEST_CASE_OPTS(name, ...)                                                          \
    static ::asyncio::awaitable<void> name##_body();                                               \
    BOOST_AUTO_TEST_CASE(name) {                                                                   \
        ::asyncio::test::run(name##_body(), ::asyncio::run_options{__VA_ARGS__});                  \
    }                                                                                              \
    static ::asyncio::awaitable<void> name##_body()

// A coroutine test case on a single-threaded loop.
#define ASYNCIO_TEST_CASE(name) ASYNCIO_TEST_CASE_OPTS(name, .threads = 1)

#endif // ASYNCIO_TEST_TEST_UTIL_HPP
