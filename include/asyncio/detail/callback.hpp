// Copyright (c) 2026 The asyncio for Asio authors.
// Distributed under the Boost Software License, Version 1.0.

#ifndef ASYNCIO_DETAIL_CALLBACK_HPP
#define ASYNCIO_DETAIL_CALLBACK_HPP

#include <asyncio/config.hpp>

#include <boost/asio/execution_context.hpp>
#include <boost/smart_ptr/intrusive_ptr.hpp>
#include <boost/smart_ptr/intrusive_ref_counter.hpp>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <tuple>
#include <type_traits>
#include <utility>

namespace asyncio::detail {

struct callback_timer;

// The state behind a handle of call_soon/call_later/call_at: whether the callback
// ran or was cancelled (decided once, by whichever comes first), its due time, and
// its timer. The callback itself is in callback_impl.
class callback_state
    : public boost::intrusive_ref_counter<callback_state, boost::thread_safe_counter> {
  public:
    explicit callback_state(std::optional<std::chrono::steady_clock::time_point> when) noexcept;
    callback_state(const callback_state&) = delete;
    callback_state& operator=(const callback_state&) = delete;
    virtual ~callback_state();

    // Pending -> cancelled; true when it prevented the call. Releases the timer early.
    bool cancel() noexcept;

    bool cancelled() const noexcept {
        return status_.load(std::memory_order_acquire) == cancelled_status;
    }

    std::chrono::steady_clock::time_point when() const noexcept { return when_; }

    // Pending -> ran, then runs the callback on the calling thread (timed in debug
    // mode; an exception is reported on stderr). Does nothing when cancelled.
    void run(const executor_type& ex) noexcept;

    // Schedules run() on `ex`: at once, or at `when` with a timer.
    void schedule(const executor_type& ex, bool timed);

  private:
    struct call;

    virtual void invoke() = 0;

    static constexpr std::uint8_t pending_status = 0, ran_status = 1, cancelled_status = 2;

    std::chrono::steady_clock::time_point when_;
    std::atomic<std::uint8_t> status_{pending_status};
    // Set by schedule(), before any other use. The timer belongs to the loop: the
    // handlers waiting on it own it, so that it dies with them, even when a handle
    // outlives the loop.
    std::weak_ptr<callback_timer> timer_;
};

template <class F>
class callback_impl final : public callback_state {
  public:
    callback_impl(F f, std::optional<std::chrono::steady_clock::time_point> when)
        : callback_state(when), fn_(std::move(f)) {}

  private:
    void invoke() override { fn_(); }

    F fn_;
};

// Creates the state of a callback and schedules it on `ex`: at once, or at `when`.
template <class F>
boost::intrusive_ptr<callback_state>
schedule_callback(const executor_type& ex,
                  std::optional<std::chrono::steady_clock::time_point> when, F fn) {
    boost::intrusive_ptr<callback_state> st(new callback_impl<F>(std::move(fn), when));
    st->schedule(ex, when.has_value());
    return st;
}

// fn(args...) as a nullary callable.
template <class F, class... Args>
auto bind_callback(F&& fn, Args&&... args) {
    return
        [fn = std::forward<F>(fn), args = std::make_tuple(std::forward<Args>(args)...)]() mutable {
            std::apply(fn, args);
        };
}

} // namespace asyncio::detail

#endif // ASYNCIO_DETAIL_CALLBACK_HPP
