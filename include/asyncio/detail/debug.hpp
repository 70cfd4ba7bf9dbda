// Copyright (c) 2026 The asyncio for Asio authors.
// Distributed under the Boost Software License, Version 1.0.

#ifndef ASYNCIO_DETAIL_DEBUG_HPP
#define ASYNCIO_DETAIL_DEBUG_HPP

#include <asyncio/config.hpp>

#include <boost/asio/execution/context.hpp>
#include <boost/asio/execution/executor.hpp>
#include <boost/asio/prefer.hpp>
#include <boost/asio/query.hpp>
#include <boost/asio/require.hpp>
#include <boost/smart_ptr/intrusive_ptr.hpp>
#include <boost/smart_ptr/intrusive_ref_counter.hpp>

#include <chrono>
#include <functional>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>

// Python's debug mode: the settings of a loop that runs in it, and the executor
// adapter that times every step of a task's coroutine.

namespace asyncio::detail {

class debug_config : public boost::intrusive_ref_counter<debug_config, boost::thread_safe_counter> {
  public:
    using handler_type = std::function<void(std::string_view)>;

    debug_config(handler_type handler, std::chrono::steady_clock::duration slow) noexcept
        : handler_(std::move(handler)), slow_(slow) {}

    // Reports a warning: to the user's handler, else to stderr. Never throws.
    void warn(std::string_view message) const noexcept;

    std::chrono::steady_clock::duration slow_callback_duration() const noexcept { return slow_; }

  private:
    handler_type handler_;
    std::chrono::steady_clock::duration slow_;
};

// Reports an error the loop survives (Python's default exception handler): to the debug
// handler when `ex`'s loop runs in debug mode, else to stderr. Never throws.
void report_error(const executor_type& ex, std::string_view message) noexcept;

// Times `f` and reports it when it runs longer than the slow-callback duration. Only
// the outermost timed call of a thread counts (an inline dispatch nests).
class slow_callback_timer {
  public:
    explicit slow_callback_timer(const debug_config& debug) noexcept;
    slow_callback_timer(const slow_callback_timer&) = delete;
    slow_callback_timer& operator=(const slow_callback_timer&) = delete;
    ~slow_callback_timer();

    // Reports when the timed call was slow; `describe()` names what ran.
    void finish(const std::function<std::string()>& describe) noexcept;

  private:
    const debug_config& debug_;
    std::chrono::steady_clock::time_point start_;
    bool outermost_;
};

// An executor adapter for debug mode: every function run through it is timed, and
// one that runs longer than the slow-callback duration is reported with the name
// `Describe` gives it. Everything else is forwarded to the inner executor.
//
// The debug_config is the loop's own: it outlives every function the loop runs.
// `Describe` must be nothrow copyable (Asio requires it of executors).
template <class Inner, class Describe>
class debug_executor {
  public:
    debug_executor(Inner inner, Describe describe, const debug_config* debug) noexcept
        : inner_(std::move(inner)), describe_(std::move(describe)), debug_(debug) {}

    const Inner& inner() const noexcept { return inner_; }

    template <class Property>
    auto query(const Property& p) const
        -> decltype(boost::asio::query(std::declval<const Inner&>(), p)) {
        return boost::asio::query(inner_, p);
    }

    template <class Property>
    auto require(const Property& p) const -> debug_executor<
        std::decay_t<decltype(boost::asio::require(std::declval<const Inner&>(), p))>, Describe> {
        return {boost::asio::require(inner_, p), describe_, debug_};
    }

    template <class Property>
    auto prefer(const Property& p) const -> debug_executor<
        std::decay_t<decltype(boost::asio::prefer(std::declval<const Inner&>(), p))>, Describe> {
        return {boost::asio::prefer(inner_, p), describe_, debug_};
    }

    template <class F>
    void execute(F&& f) const {
        boost::asio::execution::execute(
            inner_, timed<std::decay_t<F>>{std::forward<F>(f), describe_, debug_});
    }

    friend bool operator==(const debug_executor& a, const debug_executor& b) noexcept {
        return a.inner_ == b.inner_;
    }
    friend bool operator!=(const debug_executor& a, const debug_executor& b) noexcept {
        return !(a == b);
    }

  private:
    template <class F>
    struct timed {
        F f;
        Describe describe;
        const debug_config* debug;

        void operator()() {
            slow_callback_timer timer(*debug);
            f();
            timer.finish([this] { return describe(); });
        }
    };

    Inner inner_;
    Describe describe_;
    const debug_config* debug_;
};

} // namespace asyncio::detail

#endif // ASYNCIO_DETAIL_DEBUG_HPP
