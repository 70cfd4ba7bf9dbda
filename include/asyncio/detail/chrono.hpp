// Copyright (c) 2026 The asyncio for Asio authors.
// Distributed under the Boost Software License, Version 1.0.

#ifndef ASYNCIO_DETAIL_CHRONO_HPP
#define ASYNCIO_DETAIL_CHRONO_HPP

#include <chrono>
#include <cmath>
#include <type_traits>

namespace asyncio::detail {

using clock = std::chrono::steady_clock;

// Converts any duration to the steady clock's, saturating instead of overflowing
// (hours::max() or 1e300s become "forever", not a negative number). NaN counts as 0.
template <class Rep, class Period>
constexpr clock::duration to_clock_duration(std::chrono::duration<Rep, Period> d) noexcept {
    using target = clock::duration;
    using wide = std::chrono::duration<long double, target::period>;
    const long double ticks = std::chrono::duration_cast<wide>(d).count();
    if (std::isnan(ticks))
        return target::zero();
    if (ticks >= static_cast<long double>(target::max().count()))
        return target::max();
    if (ticks <= static_cast<long double>(target::min().count()))
        return target::min();
    return std::chrono::duration_cast<target>(d);
}

// now + d, saturating at the clock's limits.
template <class Rep, class Period>
clock::time_point deadline_after(std::chrono::duration<Rep, Period> d) noexcept {
    const auto now = clock::now();
    const auto step = to_clock_duration(d);
    if (step > clock::duration::zero() && now > clock::time_point::max() - step)
        return clock::time_point::max();
    if (step < clock::duration::zero() && now < clock::time_point::min() - step)
        return clock::time_point::min();
    return now + step;
}

} // namespace asyncio::detail

#endif // ASYNCIO_DETAIL_CHRONO_HPP
