// Copyright (c) 2026 The asyncio for Asio authors.
// Distributed under the Boost Software License, Version 1.0.

#ifndef ASYNCIO_ERROR_HPP
#define ASYNCIO_ERROR_HPP

#include <asyncio/config.hpp>

#include <boost/asio/error.hpp>
#include <boost/system/error_code.hpp>
#include <boost/system/system_error.hpp>

#include <cstddef>
#include <exception>
#include <memory>
#include <optional>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

namespace asyncio {

/// The error values of this library (Python's asyncio exceptions).
enum class error {
    /// An operation did not finish before its deadline (`TimeoutError`).
    timeout = 1,

    /// The operation is not allowed in the object's current state
    /// (`InvalidStateError`, and `RuntimeError` for wrong-state calls).
    invalid_state,

    /// `get_nowait` on an empty queue (`QueueEmpty`).
    queue_empty,

    /// `put_nowait` on a full queue (`QueueFull`).
    queue_full,

    /// The queue was shut down (`QueueShutDown`).
    queue_shut_down,

    /// The barrier was aborted or reset while waiting (`BrokenBarrierError`).
    broken_barrier,

    /// End of stream before the expected bytes arrived (`IncompleteReadError`).
    incomplete_read,

    /// The stream buffer limit was reached before a separator (`LimitOverrunError`).
    limit_overrun,
};

/// The category of asyncio::error values; its name() is "asyncio".
const boost::system::error_category& error_category() noexcept;

/// Makes an error_code from an asyncio::error value.
inline boost::system::error_code make_error_code(error e) noexcept {
    return {static_cast<int>(e), error_category()};
}

/// Makes an error_condition from an asyncio::error value.
inline boost::system::error_condition make_error_condition(error e) noexcept {
    return {static_cast<int>(e), error_category()};
}

/// Python's `CancelledError`: `code()` is `boost::asio::error::operation_aborted`.
class cancelled_error : public boost::system::system_error {
  public:
    cancelled_error();
    explicit cancelled_error(const std::string& what);
};

/// Python's `TimeoutError`: `code()` is `error::timeout` (equal to `std::errc::timed_out`).
class timeout_error : public boost::system::system_error {
  public:
    timeout_error();
    explicit timeout_error(const std::string& what);
};

/// Python's `InvalidStateError` (and `RuntimeError` for calls in the wrong state).
class invalid_state_error : public boost::system::system_error {
  public:
    explicit invalid_state_error(const std::string& what);
};

/// Python's `QueueEmpty`.
class queue_empty : public boost::system::system_error {
  public:
    queue_empty();
};

/// Python's `QueueFull`.
class queue_full : public boost::system::system_error {
  public:
    queue_full();
};

/// Python's `QueueShutDown`.
class queue_shut_down : public boost::system::system_error {
  public:
    queue_shut_down();
};

/// Python's `BrokenBarrierError`.
class broken_barrier_error : public boost::system::system_error {
  public:
    broken_barrier_error();
};

/// Python's `IncompleteReadError`: the stream ended before `expected()` bytes arrived.
class incomplete_read_error : public boost::system::system_error {
  public:
    /// `expected` is empty when the read had no fixed size (`readuntil`).
    incomplete_read_error(std::string partial, std::optional<std::size_t> expected);

    /// The bytes read before the end of the stream.
    const std::string& partial() const noexcept { return partial_; }

    /// How many bytes were expected, if the read had a fixed size.
    std::optional<std::size_t> expected() const noexcept { return expected_; }

  private:
    std::string partial_;
    std::optional<std::size_t> expected_;
};

/// Python's `LimitOverrunError`: the buffer limit was reached before a separator.
class limit_overrun_error : public boost::system::system_error {
  public:
    limit_overrun_error(const std::string& what, std::size_t consumed);

    /// How many bytes may be consumed from the buffer without finding the separator.
    std::size_t consumed() const noexcept { return consumed_; }

  private:
    std::size_t consumed_;
};

/// Python's `ExceptionGroup`: several errors raised together.
class exception_group : public std::exception {
  public:
    /// Throws std::invalid_argument when `exceptions` is empty or holds a null pointer.
    exception_group(std::string message, std::vector<std::exception_ptr> exceptions);

    /// The member exceptions, in the order they were raised.
    const std::vector<std::exception_ptr>& exceptions() const noexcept { return exceptions_; }

    /// The message given at construction, without the member list.
    const std::string& message() const noexcept { return message_; }

    /// The message followed by one line per member (nested groups indented).
    const char* what() const noexcept override { return what_.c_str(); }

    /// Whether some member (searching nested groups) is an `E`.
    template <class E>
    bool contains() const;

    /// Splits the group like Python's `except*`: `first` holds the members that are an
    /// `E`, `second` the rest (either is null when empty). Nested groups are split
    /// recursively and keep their message.
    template <class E>
    std::pair<std::shared_ptr<exception_group>, std::shared_ptr<exception_group>> split() const;

  private:
    template <class Pred>
    std::pair<std::shared_ptr<exception_group>, std::shared_ptr<exception_group>>
    split_if(Pred& pred) const;

    std::string message_;
    std::vector<std::exception_ptr> exceptions_;
    std::string what_;
};

/// Whether `e` is a cancellation: a `system_error` whose code is `operation_aborted`.
bool is_cancellation(const std::exception_ptr& e) noexcept;

namespace detail {

// The one place that throws each library error (kept out of line, so hot paths stay small).
[[noreturn]] void throw_cancelled();
[[noreturn]] void throw_timeout();
[[noreturn]] void throw_invalid_state(const char* what);
[[noreturn]] void throw_invalid_argument(const char* what);

// The what() of the exception `e` holds ("unknown exception" when it is no std::exception).
std::string describe_exception(const std::exception_ptr& e);

// `value` as a count; throws std::invalid_argument(`what`) if it is below `min`.
std::size_t to_count(std::ptrdiff_t value, std::ptrdiff_t min, const char* what);

// Throws the exception class of `ec`: cancelled_error for operation_aborted, the
// matching class for an asyncio::error value, a plain system_error otherwise.
[[noreturn]] void throw_error(const boost::system::error_code& ec);

} // namespace detail
} // namespace asyncio

namespace boost::system {

template <>
struct is_error_code_enum<asyncio::error> : std::true_type {};

} // namespace boost::system

#include <asyncio/impl/error.hpp>

#endif // ASYNCIO_ERROR_HPP
