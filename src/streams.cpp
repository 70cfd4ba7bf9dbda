// Copyright (c) 2026 The asyncio for Asio authors.
// Distributed under the Boost Software License, Version 1.0.

#include <asyncio/detail/executor.hpp>
#include <asyncio/error.hpp>
#include <asyncio/streams.hpp>

#include <boost/asio/connect.hpp>
#include <boost/asio/error.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <algorithm>
#include <cstring>
#include <mutex>
#include <stdexcept>

namespace asyncio {
namespace detail {

// --- read_buffer ---

std::string read_buffer::take(std::size_t n) {
    std::string bytes(block_.get() + begin_, n);
    consume(n);
    return bytes;
}

void read_buffer::consume(std::size_t n) noexcept {
    begin_ += n;
    if (begin_ == end_)
        begin_ = end_ = 0;
}

boost::asio::mutable_buffer read_buffer::prepare() {
    if (capacity_ - end_ < chunk_) {
        const std::size_t used = size();
        if (begin_ != 0 && capacity_ - used >= chunk_ && used <= capacity_ / 2) {
            std::memmove(block_.get(), block_.get() + begin_, used);
        } else {
            const std::size_t capacity = std::max(capacity_ * 2, used + chunk_);
            auto block = std::make_unique_for_overwrite<char[]>(capacity);
            if (used != 0)
                std::memcpy(block.get(), block_.get() + begin_, used);
            block_ = std::move(block);
            capacity_ = capacity;
        }
        begin_ = 0;
        end_ = used;
    }
    return {block_.get() + end_, capacity_ - end_};
}

void read_buffer::commit(std::size_t n) noexcept {
    constexpr std::size_t max_chunk = 64 * 1024;
    if (n == capacity_ - end_ && chunk_ < max_chunk)
        chunk_ *= 2;
    end_ += n;
}

// --- stream_core ---

void check_stream_options(const stream_options& options) {
    if (options.limit == 0)
        throw std::invalid_argument("asyncio: stream_options::limit must be positive");
    if (options.write_low_water > options.write_high_water)
        throw std::invalid_argument(
            "asyncio: stream_options::write_low_water must not exceed write_high_water");
    if (options.backlog < 0)
        throw std::invalid_argument("asyncio: stream_options::backlog must not be negative");
}

namespace {

// Moves the waiters of `from` to the end of `to`, so one chain completes both.
void splice(intrusive_list<wait_op<>>& from, intrusive_list<wait_op<>>& to) noexcept {
    while (wait_op<>* op = from.front()) {
        from.remove(*op);
        to.push_back(*op);
    }
}

} // namespace

stream_core::stream_core(const stream_options& options)
    : limit_(options.limit), high_water_(options.write_high_water),
      low_water_(options.write_low_water) {
    check_stream_options(options);
}

stream_core::~stream_core() {
    // The connection is gone (the transport closed its socket): release the coroutines
    // parked in drain() or wait_closed(), which do not hold the core.
    wait_op<>* woken;
    {
        std::lock_guard<spinlock> guard(mutex_);
        woken = release_waiters_locked();
    }
    complete_chain(woken);
}

stream_core::read_scope::read_scope(stream_core& core) : core_(core) {
    if (core.reading_.exchange(true, std::memory_order_acquire))
        throw invalid_state_error(
            "asyncio::stream_reader: another read is already waiting for data on this stream");
}

boost::asio::mutable_buffer stream_core::prepare_fill() {
    if (read_error_)
        throw boost::system::system_error(read_error_);
    return buffer_.prepare();
}

void stream_core::finish_fill(const boost::system::error_code& ec, std::size_t n) {
    buffer_.commit(n);
    if (!ec || ec == boost::asio::error::eof) {
        if (n != 0)
            return;
        // The end of the stream, unless it is the shutdown of a connection the writer
        // found lost: then the reader reports that loss (a truncated stream must not
        // look complete).
        std::lock_guard<spinlock> guard(mutex_);
        if (error_) {
            read_error_ = error_;
            throw boost::system::system_error(error_);
        }
        eof_ = true;
        return;
    }
    if (ec == boost::asio::error::operation_aborted)
        throw cancelled_error();
    // The connection is lost: the reader and the writer both report it from now on.
    read_error_ = ec;
    wait_op<>* woken;
    {
        std::lock_guard<spinlock> guard(mutex_);
        woken = lose_connection_locked(ec);
    }
    complete_chain(woken);
    throw boost::system::system_error(ec);
}

std::size_t stream_core::find_separator(std::span<const std::string> separators,
                                        std::size_t& offset) const {
    const std::string_view data = buffer_.data();
    std::size_t shortest = std::string::npos;
    std::size_t longest = 0;
    for (const std::string& separator : separators) {
        shortest = std::min(shortest, separator.size());
        longest = std::max(longest, separator.size());
    }
    if (data.size() >= offset + shortest) {
        // The match that ends first wins; of two ending together, the shorter (Python
        // 3.13 sorts the separators by length).
        std::size_t match_start = 0;
        std::size_t match_end = 0;
        for (const std::string& separator : separators) {
            const std::size_t at = data.find(separator, offset);
            if (at == std::string_view::npos)
                continue;
            const std::size_t end = at + separator.size();
            if (match_end == 0 || end < match_end || (end == match_end && at > match_start)) {
                match_start = at;
                match_end = end;
            }
        }
        if (match_end != 0) {
            if (match_start > limit_)
                throw limit_overrun_error("Separator is found, but chunk is longer than limit",
                                          match_start);
            return match_end;
        }
        offset = data.size() + 1 > longest ? data.size() + 1 - longest : 0;
        if (offset > limit_)
            throw limit_overrun_error("Separator is not found, and chunk exceed the limit", offset);
    }
    return 0;
}

void stream_core::check_writable_locked() const {
    if (error_)
        throw boost::system::system_error(error_, "asyncio::stream_writer");
    if (closing_)
        throw invalid_state_error("asyncio::stream_writer: the stream is closed");
    if (eof_requested_)
        throw invalid_state_error("asyncio::stream_writer: cannot write after write_eof()");
}

void stream_core::write(std::span<const std::string_view> pieces) {
    wait_op<>* woken = nullptr;
    boost::system::error_code failure;
    {
        std::lock_guard<spinlock> guard(mutex_);
        check_writable_locked();
        std::size_t total = 0;
        for (std::string_view piece : pieces)
            total += piece.size();
        if (total == 0)
            return;
        // The one allocation, before anything is sent: a failure leaves all as it was.
        queued_.reserve(queued_.size() + total);
        std::size_t i = 0;
        if (!writing_ && queued_.empty()) {
            // Nothing queued: send at once, as much as the socket takes.
            for (; i != pieces.size(); ++i) {
                const std::string_view piece = pieces[i];
                boost::system::error_code ec;
                const std::size_t sent =
                    piece.empty() ? 0 : try_write(boost::asio::buffer(piece), ec);
                if (ec && ec != boost::asio::error::would_block &&
                    ec != boost::asio::error::try_again) {
                    failure = ec;
                    woken = lose_connection_locked(ec);
                    break;
                }
                if (sent != piece.size()) {
                    queued_.append(piece.substr(sent));
                    ++i;
                    break;
                }
            }
        }
        if (!failure) {
            for (; i != pieces.size(); ++i)
                queued_.append(pieces[i]);
            if (!writing_ && !queued_.empty())
                start_flush_locked(); // if it throws, the bytes stay queued, in order
            woken = update_flow_locked();
        }
    }
    complete_chain(woken);
    if (failure)
        throw boost::system::system_error(failure, "asyncio::stream_writer::write");
}

void stream_core::start_flush_locked() {
    in_flight_.swap(queued_);
    try {
        start_write(boost::asio::buffer(in_flight_));
    } catch (...) {
        in_flight_.swap(queued_);
        throw;
    }
    writing_ = true;
}

void stream_core::written(const boost::system::error_code& ec) noexcept {
    wait_op<>* woken = nullptr;
    {
        std::lock_guard<spinlock> guard(mutex_);
        writing_ = false;
        in_flight_.clear();
        if (ec) {
            woken = lose_connection_locked(ec);
        } else if (!queued_.empty()) {
            woken = flush_queued_locked();
            if (!woken)
                woken = update_flow_locked();
        } else {
            // (An eof requested while nothing was in flight was sent then, and nothing was
            // written after it: this write was in flight.)
            if (eof_requested_) {
                boost::system::error_code ignored;
                shutdown_write(ignored);
            }
            woken = closing_ ? end_locked() : update_flow_locked();
        }
    }
    complete_chain(woken);
}

wait_op<>* stream_core::update_flow_locked() noexcept {
    const std::size_t size = queued_.size() + in_flight_.size();
    if (!paused_ && size > high_water_) {
        paused_ = true;
    } else if (paused_ && size <= low_water_) {
        paused_ = false;
        return succeed_all(drain_waiters_);
    }
    return nullptr;
}

wait_op<>* stream_core::lose_connection_locked(const boost::system::error_code& ec) noexcept {
    if (!error_ && !closed_)
        error_ = ec;
    closing_ = true;
    queued_.clear();
    return end_locked();
}

wait_op<>* stream_core::end_locked() noexcept {
    if (closed_)
        return nullptr;
    closed_ = true;
    paused_ = false;
    shutdown_both();
    return release_waiters_locked();
}

wait_op<>* stream_core::release_waiters_locked() noexcept {
    splice(close_waiters_, drain_waiters_);
    return error_ ? fail_all(drain_waiters_, error_) : succeed_all(drain_waiters_);
}

wait_op<>* stream_core::flush_queued_locked() noexcept {
    if (writing_ || queued_.empty())
        return nullptr;
    try {
        start_flush_locked();
        return nullptr;
    } catch (...) {
        return lose_connection_locked(boost::asio::error::no_memory);
    }
}

void stream_core::write_eof() {
    if (eof_closes_) {
        close();
        return;
    }
    wait_op<>* woken;
    {
        std::lock_guard<spinlock> guard(mutex_);
        if (!can_write_eof_)
            throw invalid_state_error("asyncio::stream_writer: this stream cannot write_eof()");
        if (closing_ || eof_requested_)
            return;
        eof_requested_ = true;
        woken = flush_queued_locked(); // what a failed start left queued goes first
        if (!writing_ && !woken) {
            boost::system::error_code ignored;
            shutdown_write(ignored);
        }
    }
    complete_chain(woken);
}

void stream_core::close() noexcept {
    wait_op<>* woken = nullptr;
    {
        std::lock_guard<spinlock> guard(mutex_);
        if (closing_)
            return;
        closing_ = true;
        woken = flush_queued_locked(); // what a failed start left queued goes first
        if (!writing_ && !woken)
            woken = end_locked();
    }
    complete_chain(woken);
}

void stream_core::abort() noexcept {
    wait_op<>* woken;
    {
        std::lock_guard<spinlock> guard(mutex_);
        closing_ = true;
        queued_.clear(); // a write in flight fails once the transport is shut down
        woken = end_locked();
    }
    complete_chain(woken);
}

bool stream_core::is_closing() const noexcept {
    std::lock_guard<spinlock> guard(mutex_);
    return closing_;
}

std::size_t stream_core::write_buffer_size() const noexcept {
    std::lock_guard<spinlock> guard(mutex_);
    return queued_.size() + in_flight_.size();
}

awaitable<void> stream_core::drain(std::shared_ptr<stream_core> self) {
    {
        std::lock_guard<spinlock> guard(self->mutex_);
        if (self->error_)
            throw boost::system::system_error(self->error_, "asyncio::stream_writer::drain");
        if (self->closed_) // Python's "Connection lost"
            throw boost::system::system_error(
                boost::asio::error::connection_reset,
                "asyncio::stream_writer::drain: the stream is closed");
        if (!self->paused_)
            co_return;
    }
    auto resumed = [](stream_core& core) -> std::optional<boost::system::error_code> {
        if (core.error_ || !core.paused_)
            return core.error_;
        return std::nullopt;
    };
    auto wait = awaitable_shared_list_wait(self, &stream_core::mutex_, &stream_core::drain_waiters_,
                                           resumed);
    self.reset(); // parked, the wait holds the core weakly
    co_await std::move(wait);
}

awaitable<void> stream_core::wait_closed(std::shared_ptr<stream_core> self) {
    auto closed = [](stream_core& core) -> std::optional<boost::system::error_code> {
        if (!core.closed_)
            return std::nullopt;
        return core.error_;
    };
    auto wait = awaitable_shared_list_wait(self, &stream_core::mutex_, &stream_core::close_waiters_,
                                           closed);
    self.reset(); // parked, the wait holds the core weakly
    co_await std::move(wait);
}

stream_core& stream_core::checked(const std::shared_ptr<stream_core>& core, const char* handle) {
    if (!core)
        throw invalid_state_error(std::string("asyncio::") + handle +
                                  ": no stream (default-constructed or moved-from)");
    return *core;
}

} // namespace detail

// --- stream_reader ---

detail::stream_core& stream_reader::core() const {
    return detail::stream_core::checked(core_, "stream_reader");
}

// The reads are coroutines that own a reference to the connection from the call on,
// so the reader handle may go before they run.
namespace {

using core_ptr = std::shared_ptr<detail::stream_core>;

awaitable<std::string> read_some_or_all(core_ptr core, std::ptrdiff_t n) {
    detail::stream_core::read_scope scope(detail::stream_core::checked(core, "stream_reader"));
    detail::read_buffer& buffer = core->buffer();
    if (n == 0)
        co_return std::string();
    if (n < 0) {
        // Everything stays buffered until the end, so a cancellation loses nothing.
        while (!core->eof())
            co_await core->fill();
        co_return buffer.take(buffer.size());
    }
    if (buffer.empty() && !core->eof())
        co_await core->fill();
    co_return buffer.take(std::min(buffer.size(), static_cast<std::size_t>(n)));
}

awaitable<std::string> read_exactly(core_ptr core, std::ptrdiff_t n) {
    if (n < 0)
        throw std::invalid_argument("asyncio::stream_reader::readexactly: n must not be negative");
    detail::stream_core::read_scope scope(detail::stream_core::checked(core, "stream_reader"));
    detail::read_buffer& buffer = core->buffer();
    const auto wanted = static_cast<std::size_t>(n);
    while (buffer.size() < wanted) {
        if (core->eof())
            throw incomplete_read_error(buffer.take(buffer.size()), wanted);
        co_await core->fill();
    }
    co_return buffer.take(wanted);
}

// readuntil within a read_scope the caller holds.
awaitable<std::string> read_until(detail::stream_core& core,
                                  std::span<const std::string> separators) {
    detail::read_buffer& buffer = core.buffer();
    std::size_t offset = 0;
    for (;;) {
        if (const std::size_t end = core.find_separator(separators, offset))
            co_return buffer.take(end);
        if (core.eof())
            throw incomplete_read_error(buffer.take(buffer.size()), std::nullopt);
        co_await core.fill();
    }
}

// `Separators` is a std::string or a std::vector of them.
template <class Separators>
awaitable<std::string> read_until_any(core_ptr core, Separators separators) {
    std::span<const std::string> all;
    if constexpr (std::is_same_v<Separators, std::string>)
        all = std::span<const std::string>(&separators, 1);
    else
        all = separators;
    if (all.empty())
        throw std::invalid_argument("asyncio::stream_reader::readuntil: no separator");
    for (const std::string& separator : all)
        if (separator.empty())
            throw std::invalid_argument("asyncio::stream_reader::readuntil: empty separator");
    detail::stream_core::read_scope scope(detail::stream_core::checked(core, "stream_reader"));
    co_return co_await read_until(*core, all);
}

awaitable<std::string> read_line(core_ptr core) {
    static const std::string newline = "\n";
    detail::stream_core::read_scope scope(detail::stream_core::checked(core, "stream_reader"));
    std::exception_ptr overrun;
    std::size_t consumed = 0;
    try {
        co_return co_await read_until(*core, std::span<const std::string>(&newline, 1));
    } catch (const incomplete_read_error& e) {
        co_return e.partial();
    } catch (const limit_overrun_error& e) {
        overrun = std::current_exception();
        consumed = e.consumed();
    }
    // Drop the overlong line: through its newline when it is buffered, else all.
    detail::read_buffer& buffer = core->buffer();
    const std::string_view data = buffer.data();
    if (data.substr(std::min(consumed, data.size())).starts_with(newline))
        buffer.consume(consumed + newline.size());
    else
        buffer.consume(buffer.size());
    try {
        std::rethrow_exception(overrun);
    } catch (const limit_overrun_error& e) {
        throw std::invalid_argument(e.what());
    }
}

} // namespace

awaitable<std::string> stream_reader::read(std::ptrdiff_t n) {
    return read_some_or_all(core_, n);
}

awaitable<std::string> stream_reader::readexactly(std::ptrdiff_t n) {
    return read_exactly(core_, n);
}

awaitable<std::string> stream_reader::readuntil(std::string separator) {
    return read_until_any(core_, std::move(separator));
}

awaitable<std::string> stream_reader::readuntil(std::vector<std::string> separators) {
    return read_until_any(core_, std::move(separators));
}

awaitable<std::string> stream_reader::readline() {
    return read_line(core_);
}

bool stream_reader::at_eof() const {
    return core().eof() && core().buffer().empty();
}

std::size_t stream_reader::limit() const {
    return core().limit();
}

// --- stream_writer ---

detail::stream_core& stream_writer::core() const {
    if (!core_)
        throw invalid_state_error(
            "asyncio::stream_writer: no stream (default-constructed or moved-from)");
    return *core_;
}

void stream_writer::write(std::string_view data) {
    core().write(std::span<const std::string_view>(&data, 1));
}

awaitable<void> stream_writer::drain() {
    core();
    return detail::stream_core::drain(core_);
}

void stream_writer::write_eof() {
    core().write_eof();
}

bool stream_writer::can_write_eof() const {
    return core().can_write_eof();
}

void stream_writer::close() {
    core().close();
}

void stream_writer::abort() {
    core().abort();
}

bool stream_writer::is_closing() const {
    return core().is_closing();
}

awaitable<void> stream_writer::wait_closed() {
    core();
    return detail::stream_core::wait_closed(core_);
}

std::size_t stream_writer::write_buffer_size() const {
    return core().write_buffer_size();
}

void stream_writer::throw_endpoint_mismatch() {
    throw std::invalid_argument(
        "asyncio::stream_writer: the connection's endpoint is of another type");
}

namespace detail {

std::pair<stream_reader, stream_writer> stream_access::make(std::shared_ptr<stream_core> core) {
    return {stream_reader(core), stream_writer(core)};
}

const std::shared_ptr<stream_core>& stream_access::core_of(const stream_writer& writer) noexcept {
    return writer.core_;
}

} // namespace detail

// --- connecting ---

namespace {

awaitable<executor_type> connection_executor() {
    co_return detail::without_debug_wrapper(co_await boost::asio::this_coro::executor);
}

} // namespace

awaitable<stream_pair> open_connection(std::string host, int port, stream_options options) {
    if (port < 0 || port > 65535)
        throw std::invalid_argument("asyncio::open_connection: port must be in 0..65535");
    detail::check_stream_options(options);
    const executor_type ex = co_await connection_executor();
    boost::asio::ip::tcp::resolver resolver(ex);
    auto endpoints =
        co_await resolver.async_resolve(host, std::to_string(port), boost::asio::use_awaitable);
    boost::asio::ip::tcp::socket socket(ex);
    co_await boost::asio::async_connect(socket, endpoints, boost::asio::use_awaitable);
    socket.set_option(boost::asio::ip::tcp::no_delay(true));
    co_return make_streams(std::move(socket), options);
}

awaitable<stream_pair> open_unix_connection(std::string path, stream_options options) {
    detail::check_stream_options(options);
    const executor_type ex = co_await connection_executor();
    boost::asio::local::stream_protocol::socket socket(ex);
    const boost::asio::local::stream_protocol::endpoint endpoint(path);
    co_await socket.async_connect(endpoint, boost::asio::use_awaitable);
    co_return make_streams(std::move(socket), options);
}

} // namespace asyncio
