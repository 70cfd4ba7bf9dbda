// Copyright (c) 2026 The asyncio for Asio authors.
// Distributed under the Boost Software License, Version 1.0.

#ifndef ASYNCIO_EVENT_HPP
#define ASYNCIO_EVENT_HPP

#include <asyncio/config.hpp>
#include <asyncio/detail/wait_op.hpp>

#include <boost/asio/deferred.hpp>
#include <boost/system/error_code.hpp>

#include <utility>

namespace asyncio {

/// A flag that tasks can wait for (Python's `asyncio.Event`).
///
/// `set()` releases every task waiting at that moment, even if `clear()` follows
/// before they run. Waiters are resumed on their own executors, never inside
/// `set()`. Every member is thread-safe. The event is not tied to an executor and is
/// neither copyable nor movable. Destroying it fails the pending waits with
/// `boost::asio::error::operation_aborted`.
class event {
  public:
    /// An event that is not set.
    event() noexcept = default;

    event(const event&) = delete;
    event& operator=(const event&) = delete;

    ~event();

    /// Waits until the event is set.
    ///
    /// @par Completion Signature
    /// @code void(boost::system::error_code) @endcode
    /// The handler runs on its associated executor (without one: the loop this thread runs, else
    /// the `system_executor`), even when the event was already set.
    ///
    /// @par Per-Operation Cancellation
    /// Every cancellation type: a waiting wait is withdrawn and completes with
    /// `boost::asio::error::operation_aborted`. Once `set()` released it, cancellation
    /// has no effect: the operation completes successfully.
    template <BOOST_ASIO_COMPLETION_TOKEN_FOR(void(boost::system::error_code))
                  Token = boost::asio::deferred_t>
    auto async_wait(Token&& token = {}) {
        return detail::async_wait<void>(initiate_wait{}, std::forward<Token>(token), this);
    }

    /// `co_await e.wait()` waits until the event is set (Python's `await event.wait()`).
    /// Returns without suspending when it is set already.
    [[nodiscard]] awaitable<void> wait();

    /// Sets the event and releases every waiting task.
    void set() noexcept;

    /// Clears the event: later waits wait for the next `set()`.
    void clear() noexcept;

    /// Whether the event is set.
    bool is_set() const noexcept;

  private:
    struct initiate_wait {
        template <class Handler, class Deliver>
        void operator()(Handler&& handler, Deliver deliver, event* self) const {
            detail::start_list_wait<detail::wait_op<>>(self->mutex_, self->waiters_,
                                                       std::forward<Handler>(handler), deliver,
                                                       [self](auto& sink, detail::waiter*&) {
                                                           if (!self->set_)
                                                               return false;
                                                           sink.succeed();
                                                           return true;
                                                       });
        }
    };

    mutable detail::spinlock mutex_;
    bool set_ = false;
    detail::intrusive_list<detail::wait_op<>> waiters_;
};

} // namespace asyncio

#endif // ASYNCIO_EVENT_HPP
