// Copyright (c) 2026 The asyncio for Asio authors.
// Distributed under the Boost Software License, Version 1.0.

#ifndef ASYNCIO_ACQUIRE_GUARD_HPP
#define ASYNCIO_ACQUIRE_GUARD_HPP

#include <mutex>
#include <utility>

namespace asyncio {

/// Releases an acquired lock, semaphore or condition when it goes out of scope: what
/// Python's `async with lock:` does. `co_await x.scoped_acquire()` yields one.
///
/// A guard is movable, not copyable. A moved-from guard owns nothing.
template <class Lockable>
class [[nodiscard]] acquire_guard {
  public:
    /// A guard that owns nothing.
    acquire_guard() noexcept = default;

    /// Takes over `lockable`, which the caller has acquired.
    acquire_guard(Lockable& lockable, std::adopt_lock_t) noexcept : lockable_(&lockable) {}

    acquire_guard(acquire_guard&& other) noexcept
        : lockable_(std::exchange(other.lockable_, nullptr)) {}

    acquire_guard& operator=(acquire_guard&& other) noexcept {
        if (this != &other) {
            reset();
            lockable_ = std::exchange(other.lockable_, nullptr);
        }
        return *this;
    }

    /// Releases what the guard owns.
    ~acquire_guard() { reset(); }

    /// Releases now, before the end of the scope; does nothing when the guard owns nothing.
    /// (Releasing by hand what a guard owns is a bug: the guard's own release then
    /// throws inside a `noexcept` function, which terminates.)
    void reset() noexcept {
        if (lockable_)
            std::exchange(lockable_, nullptr)->release();
    }

    /// Whether the guard still owns an acquisition.
    bool owns() const noexcept { return lockable_ != nullptr; }

    /// Same as owns().
    explicit operator bool() const noexcept { return owns(); }

    /// What the guard releases (null when it owns nothing).
    Lockable* get() const noexcept { return lockable_; }

  private:
    Lockable* lockable_ = nullptr;
};

} // namespace asyncio

#endif // ASYNCIO_ACQUIRE_GUARD_HPP
