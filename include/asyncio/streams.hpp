// Copyright (c) 2026 The asyncio for Asio authors.
// Distributed under the Boost Software License, Version 1.0.

#ifndef ASYNCIO_STREAMS_HPP
#define ASYNCIO_STREAMS_HPP

#include <asyncio/config.hpp>
#include <asyncio/detail/socket_stream.hpp>
#include <asyncio/detail/stream_core.hpp>

#include <boost/asio/basic_stream_socket.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/local/stream_protocol.hpp>

#include <any>
#include <concepts>
#include <cstddef>
#include <memory>
#include <ranges>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace asyncio {

class stream_reader;
class stream_writer;

namespace detail {
// Builds the handles of a connection.
struct stream_access {
    static std::pair<stream_reader, stream_writer> make(std::shared_ptr<stream_core> core);
    static const std::shared_ptr<stream_core>& core_of(const stream_writer& writer) noexcept;
};
} // namespace detail

/// Settings of a connection's streams (the keyword arguments of Python's
/// `open_connection` / `start_server`).
struct stream_options {
    /// The most a `readuntil` / `readline` may buffer while looking for its separator
    /// (Python's `limit`). Must be positive.
    std::size_t limit = 64 * 1024;

    /// Flow control of the writer: once more than `write_high_water` bytes wait to be
    /// sent, `drain()` waits until no more than `write_low_water` do (Python's
    /// `transport.set_write_buffer_limits`). `write_low_water` must not exceed
    /// `write_high_water`.
    std::size_t write_high_water = 64 * 1024;
    std::size_t write_low_water = 16 * 1024;

    /// The listen backlog of a server.
    int backlog = 100;
};

/// The reading half of a connection (Python's `asyncio.StreamReader`).
///
/// A cheap handle: copies share the connection, which lives while a handle (of the
/// reader or the writer) or an operation uses it. Only one read may run at a time
/// (another throws `invalid_state_error`). A read that is cancelled, or times out under
/// `wait_for`, consumes nothing: the bytes that arrived stay buffered for the next read.
/// A default-constructed reader has no connection: its members throw
/// `invalid_state_error`. Like any Asio I/O object, a connection must not outlive its
/// loop's `io_context`.
class stream_reader {
  public:
    stream_reader() noexcept = default;

    /// Up to `n` bytes: what is buffered, else what the next arrival brings; "" at the
    /// end of the stream. `n < 0` reads until the end of the stream.
    [[nodiscard]] awaitable<std::string> read(std::ptrdiff_t n = -1);

    /// One line, ending with "\n"; at the end of the stream, what is left (maybe "").
    /// A line longer than the limit throws `std::invalid_argument`: the line is dropped
    /// when its end is buffered, else the buffer is cleared.
    [[nodiscard]] awaitable<std::string> readline();

    /// Exactly `n` bytes. The end of the stream first throws `incomplete_read_error`
    /// with what was there (`partial()`) and `expected() == n`; `n < 0` throws
    /// `std::invalid_argument`.
    [[nodiscard]] awaitable<std::string> readexactly(std::ptrdiff_t n);

    /// The bytes up to and including `separator`. When the limit is reached first, throws
    /// `limit_overrun_error` and leaves the data buffered (`consumed()` says how many
    /// bytes were searched); the end of the stream first throws `incomplete_read_error`
    /// with the rest. An empty separator throws `std::invalid_argument`.
    [[nodiscard]] awaitable<std::string> readuntil(std::string separator = "\n");

    /// The same with several separators: the match that ends first wins (of two that
    /// end together, the shorter separator's).
    [[nodiscard]] awaitable<std::string> readuntil(std::vector<std::string> separators);

    /// Whether a read met the end of the stream and everything before it was read.
    /// (Reading pulls: the end of the stream is noticed by a read that asks for more,
    /// not as soon as the peer sends it.)
    bool at_eof() const;

    /// The stream's limit.
    std::size_t limit() const;

  private:
    friend struct detail::stream_access;

    explicit stream_reader(std::shared_ptr<detail::stream_core> core) noexcept
        : core_(std::move(core)) {}

    detail::stream_core& core() const;

    std::shared_ptr<detail::stream_core> core_;
};

/// The writing half of a connection (Python's `asyncio.StreamWriter`).
///
/// `write()` never waits: it sends what the connection takes at once and queues the
/// rest; `co_await drain()` waits while too much is queued, which is how a writer that
/// outpaces its peer is slowed down. Writing after `close()` or `write_eof()` throws
/// `invalid_state_error`; writing to (or draining towards) a peer that has gone away
/// throws `boost::system::system_error` (broken pipe, connection reset). Copies share
/// the connection; the members are thread-safe.
class stream_writer {
  public:
    stream_writer() noexcept = default;

    /// Sends `data`, or queues it behind what is being sent.
    void write(std::string_view data);

    /// Writes each of `lines` (any range of things convertible to `std::string_view`) in
    /// order, as one write.
    template <std::ranges::input_range Range>
    requires std::convertible_to<std::ranges::range_reference_t<Range>, std::string_view>
    void writelines(Range&& lines) {
        std::vector<std::string_view> pieces;
        for (auto&& line : lines)
            pieces.emplace_back(std::string_view(line));
        core().write(pieces);
    }

    void writelines(std::initializer_list<std::string_view> lines) {
        core().write(std::span<const std::string_view>(lines.begin(), lines.size()));
    }

    /// Waits until the queued bytes are at or below the low-water mark, if they went
    /// above the high-water mark. Throws the error that ended the connection, if any,
    /// and `connection_reset` once the connection is closed (Python's "Connection
    /// lost").
    [[nodiscard]] awaitable<void> drain();

    /// Ends the sending direction once the queued bytes are sent (the peer reads the end
    /// of the stream); reading goes on.
    void write_eof();

    /// Whether write_eof() is supported (true for sockets).
    bool can_write_eof() const;

    /// Closes the connection once the queued bytes are sent: the socket is shut down
    /// in both directions (a pending read sees the end of the stream); its descriptor
    /// is released with the last handle. Idempotent.
    void close();

    /// Closes the connection at once, dropping the queued bytes (Python's
    /// `writer.transport.abort()`): for a peer that stopped reading.
    void abort();

    /// Whether close() was called or the connection was lost.
    bool is_closing() const;

    /// Waits until the connection is closed; throws the error that ended it, if any.
    [[nodiscard]] awaitable<void> wait_closed();

    /// The bytes queued and not yet sent.
    std::size_t write_buffer_size() const;

    /// The peer's and the local endpoint, as the connection's Asio endpoint type
    /// (`boost::asio::ip::tcp::endpoint` by default; name
    /// `boost::asio::local::stream_protocol::endpoint` for a Unix socket). Throws
    /// `std::invalid_argument` when the connection is of another kind, and
    /// `boost::system::system_error` when the socket cannot tell (e.g. not connected).
    template <class Endpoint = boost::asio::ip::tcp::endpoint>
    Endpoint peer_endpoint() const {
        return endpoint_as<Endpoint>(true);
    }

    template <class Endpoint = boost::asio::ip::tcp::endpoint>
    Endpoint local_endpoint() const {
        return endpoint_as<Endpoint>(false);
    }

  private:
    friend struct detail::stream_access;

    explicit stream_writer(std::shared_ptr<detail::stream_core> core) noexcept
        : core_(std::move(core)) {}

    detail::stream_core& core() const;

    template <class Endpoint>
    Endpoint endpoint_as(bool peer) const {
        std::any endpoint = core().endpoint(peer);
        if (auto* e = std::any_cast<Endpoint>(&endpoint))
            return *e;
        throw_endpoint_mismatch();
    }

    [[noreturn]] static void throw_endpoint_mismatch();

    std::shared_ptr<detail::stream_core> core_;
};

/// The reader and the writer of one connection.
using stream_pair = std::pair<stream_reader, stream_writer>;

/// Wraps an already-connected Asio stream socket (TCP, Unix, or any
/// `basic_stream_socket`) in a reader and a writer, so code that has a socket can
/// switch to the streams. The socket is put in non-blocking mode; its executor runs
/// the background writes. Throws `std::invalid_argument` for a socket that is not open
/// and for bad options.
template <class Socket>
stream_pair make_streams(Socket socket, stream_options options = {}) {
    if (!socket.is_open())
        throw std::invalid_argument("asyncio::make_streams: the socket is not open");
    return detail::stream_access::make(
        std::make_shared<detail::socket_stream<Socket>>(std::move(socket), options));
}

/// Connects to `host`:`port` over TCP (Python's `asyncio.open_connection`): resolves
/// the name and tries each address in turn, with TCP_NODELAY set like Python does.
/// Throws `boost::system::system_error` when no address accepts (the last error), and
/// `std::invalid_argument` for a port outside 0..65535 or bad options.
[[nodiscard]] awaitable<stream_pair> open_connection(std::string host, int port,
                                                     stream_options options = {});

/// Connects to the Unix socket at `path` (Python's `asyncio.open_unix_connection`).
[[nodiscard]] awaitable<stream_pair> open_unix_connection(std::string path,
                                                          stream_options options = {});

} // namespace asyncio

#endif // ASYNCIO_STREAMS_HPP
