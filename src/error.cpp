// Copyright (c) 2026 The asyncio for Asio authors.
// Distributed under the Boost Software License, Version 1.0.

#include <asyncio/error.hpp>

#include <boost/asio/error.hpp>

#include <stdexcept>

namespace asyncio {
namespace {

class category_impl final : public boost::system::error_category {
  public:
    // A fixed id, so that two copies of the category (e.g. across shared objects)
    // still compare equal, as Boost.System recommends.
    constexpr category_impl() noexcept : error_category(0x6173796e63696f31ULL) {}

    const char* name() const noexcept override { return "asyncio"; }

    std::string message(int ev) const override {
        switch (static_cast<error>(ev)) {
        case error::timeout:
            return "the operation timed out";
        case error::invalid_state:
            return "the operation is not allowed in the current state";
        case error::queue_empty:
            return "the queue is empty";
        case error::queue_full:
            return "the queue is full";
        case error::queue_shut_down:
            return "the queue is shut down";
        case error::broken_barrier:
            return "the barrier is broken";
        case error::incomplete_read:
            return "the stream ended before the expected bytes were read";
        case error::limit_overrun:
            return "the stream buffer limit was reached before a separator was found";
        }
        return "unknown asyncio error";
    }

    boost::system::error_condition default_error_condition(int ev) const noexcept override {
        if (static_cast<error>(ev) == error::timeout)
            return boost::system::errc::make_error_condition(boost::system::errc::timed_out);
        return {ev, *this};
    }
};

constexpr category_impl the_category;

std::string indent(const std::string& text) {
    std::string out;
    for (char c : text) {
        out += c;
        if (c == '\n')
            out += "  ";
    }
    return out;
}

} // namespace

const boost::system::error_category& error_category() noexcept {
    return the_category;
}

cancelled_error::cancelled_error() : cancelled_error("cancelled") {}
cancelled_error::cancelled_error(const std::string& what)
    : system_error(boost::asio::error::operation_aborted, what) {}

timeout_error::timeout_error() : timeout_error("timeout") {}
timeout_error::timeout_error(const std::string& what) : system_error(error::timeout, what) {}

invalid_state_error::invalid_state_error(const std::string& what)
    : system_error(error::invalid_state, what) {}

queue_empty::queue_empty() : system_error(error::queue_empty, "get_nowait") {}
queue_full::queue_full() : system_error(error::queue_full, "put_nowait") {}
queue_shut_down::queue_shut_down() : system_error(error::queue_shut_down, "queue") {}
broken_barrier_error::broken_barrier_error() : system_error(error::broken_barrier, "barrier") {}

incomplete_read_error::incomplete_read_error(std::string partial,
                                             std::optional<std::size_t> expected)
    : system_error(error::incomplete_read,
                   std::to_string(partial.size()) + " bytes read" +
                       (expected ? " of " + std::to_string(*expected) + " expected" : "")),
      partial_(std::move(partial)), expected_(expected) {}

limit_overrun_error::limit_overrun_error(const std::string& what, std::size_t consumed)
    : system_error(error::limit_overrun, what), consumed_(consumed) {}

exception_group::exception_group(std::string message, std::vector<std::exception_ptr> exceptions)
    : message_(std::move(message)), exceptions_(std::move(exceptions)) {
    if (exceptions_.empty())
        throw std::invalid_argument("exception_group needs at least one exception");
    what_ = message_ + " (" + std::to_string(exceptions_.size()) + " sub-exception" +
            (exceptions_.size() == 1 ? ")" : "s)");
    for (const auto& e : exceptions_) {
        if (!e)
            throw std::invalid_argument("exception_group cannot hold a null exception_ptr");
        what_ += "\n- " + indent(detail::describe_exception(e));
    }
}

bool is_cancellation(const std::exception_ptr& e) noexcept {
    if (!e)
        return false;
    try {
        std::rethrow_exception(e);
    } catch (const boost::system::system_error& x) {
        return x.code() == boost::asio::error::operation_aborted;
    } catch (...) {
        return false;
    }
}

namespace detail {

std::string describe_exception(const std::exception_ptr& e) {
    try {
        std::rethrow_exception(e);
    } catch (const boost::system::system_error& x) {
        // Without the source location Boost appends for errors Asio throws ("... [system:104
        // at /usr/include/boost/asio/...]"): it names Asio's file, not the user's.
        std::string what = x.what();
        const std::string code = " [" + x.code().to_string();
        const std::size_t at = what.rfind(code + " at ");
        if (x.code().has_location() && at != std::string::npos)
            what = what.substr(0, at) + code + "]";
        return what;
    } catch (const std::exception& x) {
        return x.what();
    } catch (...) {
        return "unknown exception";
    }
}

void throw_cancelled() {
    throw cancelled_error();
}
void throw_timeout() {
    throw timeout_error();
}
void throw_invalid_state(const char* what) {
    throw invalid_state_error(what);
}
void throw_invalid_argument(const char* what) {
    throw std::invalid_argument(what);
}

std::size_t to_count(std::ptrdiff_t value, std::ptrdiff_t min, const char* what) {
    if (value < min)
        throw_invalid_argument(what);
    return static_cast<std::size_t>(value);
}

void throw_error(const boost::system::error_code& ec) {
    if (ec == boost::asio::error::operation_aborted)
        throw cancelled_error();
    if (ec.category() == error_category()) {
        switch (static_cast<error>(ec.value())) {
        case error::timeout:
            throw timeout_error();
        case error::invalid_state:
            throw invalid_state_error(ec.message());
        case error::queue_empty:
            throw queue_empty();
        case error::queue_full:
            throw queue_full();
        case error::queue_shut_down:
            throw queue_shut_down();
        case error::broken_barrier:
            throw broken_barrier_error();
        default:
            break;
        }
    }
    throw boost::system::system_error(ec);
}

} // namespace detail
} // namespace asyncio
