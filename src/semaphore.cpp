// Copyright (c) 2026 The asyncio for Asio authors.
// Distributed under the Boost Software License, Version 1.0.

#include <asyncio/semaphore.hpp>

namespace asyncio {
namespace {

std::size_t checked_permits(std::ptrdiff_t value) {
    if (value < 0)
        detail::throw_invalid_argument("semaphore initial value must be >= 0");
    return static_cast<std::size_t>(value);
}

} // namespace

semaphore::semaphore(std::ptrdiff_t value)
    : semaphore(value, std::numeric_limits<std::size_t>::max()) {}

semaphore::semaphore(std::ptrdiff_t value, std::size_t bound)
    : permits_(checked_permits(value)), bound_(bound) {}

void semaphore::release() {
    if (!permits_.give(bound_))
        detail::throw_invalid_argument("bounded_semaphore released too many times");
}

bounded_semaphore::bounded_semaphore(std::ptrdiff_t value)
    : semaphore(value, checked_permits(value)) {}

} // namespace asyncio
