// Copyright (c) 2026 The asyncio for Asio authors.
// Distributed under the Boost Software License, Version 1.0.

#ifndef ASYNCIO_GATHER_HPP
#define ASYNCIO_GATHER_HPP

#include <asyncio/config.hpp>
#include <asyncio/detail/gather.hpp>
#include <asyncio/outcome.hpp>
#include <asyncio/task.hpp>

#include <tuple>
#include <vector>

namespace asyncio {

/// Tag asking gather to collect every input's outcome instead of failing fast
/// (Python's `return_exceptions=True`).
struct return_exceptions_t {
    explicit return_exceptions_t() = default;
};

/// The `return_exceptions` tag.
inline constexpr return_exceptions_t return_exceptions{};

/// An input gather, wait_for and timeout accept: `awaitable<T>`, `task<T>`, or an
/// Asio asynchronous operation such as `sock.async_read_some(buf, asio::deferred)`.
template <class X>
concept awaitable_input = detail::child_input<X>;

/// What `co_await`ing an input yields (`void` for no value).
template <awaitable_input X>
using awaited_t = detail::child_value_t<X>;

/**
 * Runs the inputs concurrently and yields their values in argument order (Python's
 * `asyncio.gather`); a `void` value becomes `std::monostate`.
 *
 * gather never leaves work it started still running: on the first exception, the
 * coroutines and operations it started are cancelled and awaited, then that
 * exception is rethrown. `task<T>` inputs were started by someone else and are not
 * cancelled by a sibling's failure (gather stops watching them). Cancelling the
 * awaiting coroutine cancels every input, tasks included, waits for them, and throws
 * `cancelled_error`. With no inputs it completes at once.
 */
template <awaitable_input... X>
[[nodiscard]] awaitable<std::tuple<detail::stored_t<awaited_t<X>>...>> gather(X... inputs) {
    return detail::gather_tuple<false>(std::move(inputs)...);
}

/// Like gather(inputs...), but every input runs to its end and each yields an
/// `outcome` (value or exception). The caller's own cancellation still throws.
template <awaitable_input... X>
[[nodiscard]] awaitable<std::tuple<outcome<awaited_t<X>>...>> gather(return_exceptions_t,
                                                                     X... inputs) {
    return detail::gather_tuple<true>(std::move(inputs)...);
}

/// The ranged gather (Python's `gather(*aws)`): yields a `std::vector<T>` in input
/// order (nothing for `void`); the rules are those of the variadic form. An empty
/// vector completes at once.
template <awaitable_input X>
[[nodiscard]] awaitable<detail::gather_vector_t<awaited_t<X>>> gather(std::vector<X> inputs) {
    return detail::gather_vector<false>(std::move(inputs));
}

/// The ranged gather with `return_exceptions`: one `outcome` per input, in order.
template <awaitable_input X>
[[nodiscard]] awaitable<std::vector<outcome<awaited_t<X>>>> gather(return_exceptions_t,
                                                                   std::vector<X> inputs) {
    return detail::gather_vector<true>(std::move(inputs));
}

} // namespace asyncio

#endif // ASYNCIO_GATHER_HPP
