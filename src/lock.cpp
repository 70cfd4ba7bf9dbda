// Copyright (c) 2026 The asyncio for Asio authors.
// Distributed under the Boost Software License, Version 1.0.

#include <asyncio/lock.hpp>

namespace asyncio {

void lock::release() {
    if (!permits_.give(1))
        detail::throw_invalid_state("release() called on an unlocked lock");
}

} // namespace asyncio
