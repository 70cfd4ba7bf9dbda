// Copyright (c) 2026 The asyncio for Asio authors.
// Distributed under the Boost Software License, Version 1.0.

#ifndef ASYNCIO_DETAIL_SPINLOCK_HPP
#define ASYNCIO_DETAIL_SPINLOCK_HPP

#include <atomic>
#include <thread>

namespace asyncio::detail {

// A one-byte lock for the tiny critical sections of the primitives (a few pointer
// updates). It spins briefly, then yields, so a pre-empted holder on an
// over-subscribed machine does not burn the other threads' time slices.
class spinlock {
  public:
    void lock() noexcept {
        if (!locked_.exchange(true, std::memory_order_acquire))
            return;
        lock_contended();
    }

    bool try_lock() noexcept {
        return !locked_.load(std::memory_order_relaxed) &&
               !locked_.exchange(true, std::memory_order_acquire);
    }

    void unlock() noexcept { locked_.store(false, std::memory_order_release); }

  private:
    void lock_contended() noexcept {
        for (unsigned spins = 0;; ++spins) {
            while (locked_.load(std::memory_order_relaxed)) {
                if (++spins > 64)
                    std::this_thread::yield();
            }
            if (!locked_.exchange(true, std::memory_order_acquire))
                return;
        }
    }

    std::atomic<bool> locked_{false};
};

} // namespace asyncio::detail

#endif // ASYNCIO_DETAIL_SPINLOCK_HPP
