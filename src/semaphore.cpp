// Copyright (c) 2026 The asyncio for Asio authors.
// Distributed under the Boost Software License, Version 1.0.

#include <asyncio/semaphore.hpp>

namespace asyncio {
semaphore::semaphore(std::ptrdiff_t value)
    : semaphore(value, std::numeric_limits<std::size_t>::max()) {}

semaphore::semaphore(std::ptrdiff_t value, std::size_t bound)
    : permit_holder(detail::to_count(value, 0, "semaphore initial value must be >= 0")),
      bound_(bound) {}

void semaphore::release() {
    if (!permits_.give(bound_))
        detail::throw_invalid_argument("bounded_semaphore released too many times");
}

bounded_semaphore::bounded_semaphore(std::ptrdiff_t value)
    : semaphore(value, detail::to_count(value, 0, "semaphore initial value must be >= 0")) {}

} // namespace asyncio
